//! `add`, `sub`, `mul`, `div`, `mod`, `int`, `min`, `max` on 64-bit integers.

use super::{R, arity, error, fixed, want_int};
use crate::value::{Kind, Value};

pub(crate) fn arith(lname: &str, args: Vec<Value>) -> R {
    let [a, b] = fixed(lname, args)?;
    let (x, y) = (want_int(lname, &a)?, want_int(lname, &b)?);
    if matches!(lname, "div" | "mod") && y == 0 {
        return Err(error(format!("{lname}() by zero")));
    }
    let r = match lname {
        "add" => x.checked_add(y),
        "sub" => x.checked_sub(y),
        "mul" => x.checked_mul(y),
        // Truncating division; the remainder has the sign of the dividend (as .NET).
        "div" => x.checked_div(y),
        _ => x.checked_rem(y),
    };
    r.map(Value::int)
        .ok_or_else(|| error(format!("{lname}({x}, {y}) overflows a 64-bit integer")))
}

/// `int(x)`: ints unchanged, strings parsed (surrounding whitespace and a sign allowed).
pub(crate) fn int(args: Vec<Value>) -> R {
    let [v] = fixed("int", args)?;
    match &v.kind {
        Kind::Int(i) => Ok(Value::int(*i)),
        Kind::Str(s) => s
            .trim()
            .parse::<i64>()
            .map(Value::int)
            .map_err(|_| error(format!("int() cannot convert '{s}' to an integer"))),
        Kind::Float(_) | Kind::Bool(_) => Err(Value::unknown(format!(
            "int() of a {} is not evaluated statically",
            v.type_name()
        ))),
        _ => Err(error(format!(
            "int() expects a string or int, got {}",
            v.type_name()
        ))),
    }
}

/// `min`/`max` of int arguments or of one int array.
pub(crate) fn min_max(lname: &str, args: Vec<Value>) -> R {
    arity(lname, &args, 1, usize::MAX)?;
    let items: &[Value] = match args.as_slice() {
        [only] => match &only.kind {
            Kind::Array(a) => a,
            _ => &args,
        },
        _ => &args,
    };
    let mut best: Option<i64> = None;
    for v in items {
        if v.is_unknown() {
            return Err(v.clone());
        }
        let i = want_int(lname, v)?;
        best = Some(match best {
            None => i,
            Some(b) if lname == "min" => b.min(i),
            Some(b) => b.max(i),
        });
    }
    best.map(Value::int)
        .ok_or_else(|| error(format!("{lname}() of an empty array")))
}

#[cfg(test)]
mod tests {
    use crate::arm::eval::testenv::*;

    #[test]
    fn arithmetic() {
        assert_eq!(ev("add(5, 3)").as_int(), Some(8));
        assert_eq!(ev("sub(7, 3)").as_int(), Some(4));
        assert_eq!(ev("mul(5, 3)").as_int(), Some(15));
        assert_eq!(ev("div(8, 3)").as_int(), Some(2));
        assert_eq!(ev("div(-8, 3)").as_int(), Some(-2));
        assert_eq!(ev("mod(7, 3)").as_int(), Some(1));
        assert_eq!(ev("mod(-7, 3)").as_int(), Some(-1));
        assert!(reason(&ev("div(1, 0)")).starts_with("error:"));
        assert!(reason(&ev("mod(1, 0)")).starts_with("error:"));
        assert!(reason(&ev("add(9223372036854775807, 1)")).starts_with("error:"));
        assert!(reason(&ev("div(-9223372036854775808, -1)")).starts_with("error:"));
        assert!(reason(&ev("mod(-9223372036854775808, -1)")).starts_with("error:"));
        assert!(reason(&ev("add('1', 2)")).starts_with("error:"));
        assert!(ev("add(parameters('x'), 2)").is_unknown());
    }

    #[test]
    fn int_conversion() {
        assert_eq!(ev("int('4')").as_int(), Some(4));
        assert_eq!(ev("int(' -12 ')").as_int(), Some(-12));
        assert_eq!(ev("int(7)").as_int(), Some(7));
        assert!(reason(&ev("int('abc')")).starts_with("error:"));
        assert!(reason(&ev("int(createArray())")).starts_with("error:"));
    }

    #[test]
    fn min_and_max() {
        assert_eq!(ev("min(createArray(0, 3, 2, 5, 4))").as_int(), Some(0));
        assert_eq!(ev("min(0, 3, 2, 5, 4)").as_int(), Some(0));
        assert_eq!(ev("max(createArray(0, 3, 2, 5, 4))").as_int(), Some(5));
        assert_eq!(ev("max(0, 3, 2, 5, 4)").as_int(), Some(5));
        assert_eq!(ev("max(7)").as_int(), Some(7));
        assert!(reason(&ev("max(createArray())")).starts_with("error:"));
        assert!(ev("max(createArray(1, parameters('x')))").is_unknown());
    }
}
