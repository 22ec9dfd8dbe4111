//! `if`, `and`, `or` (lazy), `not`, `bool`.

use super::comparison::{Tri, deep_eq};
use super::{R, error, fixed, want_bool};
use crate::arm::eval::Ctx;
use crate::arm::expr::Expr;
use crate::value::{Kind, Value};

/// `if(cond, a, b)`: only the taken branch is evaluated. With an unknown
/// condition both are evaluated, and the result is known only if they agree.
pub(crate) fn if_(cx: &mut Ctx, args: &[Expr]) -> R {
    let [c, a, b] = args else {
        return Err(error(format!("if() takes 3 arguments, got {}", args.len())));
    };
    let cond = cx.eval(c);
    match cond.kind {
        Kind::Bool(true) => Ok(cx.eval(a)),
        Kind::Bool(false) => Ok(cx.eval(b)),
        Kind::Unknown(_) => {
            let va = cx.eval(a);
            let vb = cx.eval(b);
            match deep_eq(&va, &vb) {
                Tri::Yes => Ok(va),
                _ => Err(cond),
            }
        }
        _ => Err(error(format!(
            "if() expects a bool condition, got {}",
            cond.type_name()
        ))),
    }
}

/// `and(...)` / `or(...)`, short-circuiting left to right. An unknown operand
/// does not decide the result if a later operand does (`and(unknown, false)`).
pub(crate) fn and_or(cx: &mut Ctx, args: &[Expr], is_and: bool) -> R {
    let name = if is_and { "and" } else { "or" };
    if args.len() < 2 {
        return Err(error(format!(
            "{name}() takes at least 2 arguments, got {}",
            args.len()
        )));
    }
    let mut pending: Option<Value> = None;
    for a in args {
        let v = cx.eval(a);
        match v.kind {
            // The deciding value: false for and, true for or.
            Kind::Bool(b) if b != is_and => return Ok(Value::bool(b)),
            Kind::Bool(_) => {}
            Kind::Unknown(_) => {
                if pending.is_none() {
                    pending = Some(v);
                }
            }
            _ => {
                // With an earlier unknown, ARM may never have reached this operand.
                return Err(pending.unwrap_or_else(|| {
                    error(format!(
                        "{name}() expects bool arguments, got {}",
                        v.type_name()
                    ))
                }));
            }
        }
    }
    match pending {
        Some(u) => Err(u),
        None => Ok(Value::bool(is_and)),
    }
}

pub(crate) fn not(args: Vec<Value>) -> R {
    let [v] = fixed("not", args)?;
    Ok(Value::bool(!want_bool("not", &v)?))
}

/// `bool(x)`: strings are true iff they equal "true" ignoring case; ints are
/// true unless 0.
pub(crate) fn bool_(args: Vec<Value>) -> R {
    let [v] = fixed("bool", args)?;
    match &v.kind {
        Kind::Bool(b) => Ok(Value::bool(*b)),
        Kind::Str(s) => Ok(Value::bool(s.eq_ignore_ascii_case("true"))),
        Kind::Int(i) => Ok(Value::bool(*i != 0)),
        _ => Err(error(format!(
            "bool() expects a string, int or bool, got {}",
            v.type_name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use crate::arm::eval::testenv::*;

    #[test]
    fn if_takes_one_branch() {
        assert_eq!(ev("if(true(), 'a', fail())").as_str(), Some("a"));
        assert_eq!(ev("if(equals(1, 2), 'a', 'b')").as_str(), Some("b"));
        // The untaken branch may be an error.
        assert_eq!(ev("if(false(), createArray(1)[5], 1)").as_int(), Some(1));
        assert!(reason(&ev("if('x', 1, 2)")).starts_with("error:"));
        assert!(reason(&ev("if(true(), 1)")).starts_with("error:"));
    }

    #[test]
    fn if_with_unknown_condition() {
        assert_eq!(ev("if(parameters('p'), 'x', 'x')").as_str(), Some("x"));
        assert_eq!(
            reason(&ev("if(parameters('p'), 'x', 'y')")),
            "parameter 'p' has no value"
        );
    }

    #[test]
    fn and_or_short_circuit() {
        assert_eq!(ev("and(true(), true(), true())").as_bool(), Some(true));
        assert_eq!(ev("and(true(), false())").as_bool(), Some(false));
        assert_eq!(ev("or(false(), true())").as_bool(), Some(true));
        assert_eq!(ev("or(false(), false())").as_bool(), Some(false));
        // Short circuit: the error after the deciding operand is never evaluated.
        assert_eq!(ev("and(false(), createArray()[0])").as_bool(), Some(false));
        assert_eq!(ev("or(true(), createArray()[0])").as_bool(), Some(true));
        assert_eq!(ev("and(parameters('p'), false())").as_bool(), Some(false));
        assert_eq!(ev("or(parameters('p'), true())").as_bool(), Some(true));
        assert!(ev("and(parameters('p'), true())").is_unknown());
        assert!(ev("or(false(), parameters('p'))").is_unknown());
        assert!(reason(&ev("and(true(), 'x')")).starts_with("error:"));
        assert!(reason(&ev("and(true())")).starts_with("error:"));
    }

    #[test]
    fn not_and_bool() {
        assert_eq!(ev("not(equals(1, 2))").as_bool(), Some(true));
        assert!(reason(&ev("not(1)")).starts_with("error:"));
        assert_eq!(ev("bool('TRUE')").as_bool(), Some(true));
        assert_eq!(ev("bool('false')").as_bool(), Some(false));
        assert_eq!(ev("bool('yes')").as_bool(), Some(false));
        assert_eq!(ev("bool(0)").as_bool(), Some(false));
        assert_eq!(ev("bool(5)").as_bool(), Some(true));
        assert_eq!(ev("bool(true)").as_bool(), Some(true));
        assert!(ev("bool(parameters('x'))").is_unknown());
    }
}
