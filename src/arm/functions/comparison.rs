//! `equals`, `less`, `lessOrEquals`, `greater`, `greaterOrEquals`, `coalesce`,
//! and the three-valued deep equality the array functions share.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::{R, arity, error, fixed};
use crate::value::{Kind, Value};

/// Deepest nesting compared / searched before giving up.
pub(crate) const MAX_VALUE_DEPTH: usize = 256;

/// A comparison result when parts may be unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tri {
    Yes,
    No,
    Unknown,
}

/// Deep equality (JSON semantics, strings case-sensitive, object keys
/// case-insensitive). A known difference anywhere makes it `No`, even when other
/// parts are unknown.
pub(crate) fn deep_eq(a: &Value, b: &Value) -> Tri {
    eq_at(a, b, 0)
}

fn eq_at(a: &Value, b: &Value, depth: usize) -> Tri {
    if depth > MAX_VALUE_DEPTH {
        return Tri::Unknown;
    }
    let bool_tri = |b: bool| if b { Tri::Yes } else { Tri::No };
    match (&a.kind, &b.kind) {
        (Kind::Unknown(_), _) | (_, Kind::Unknown(_)) => Tri::Unknown,
        (Kind::Null, Kind::Null) => Tri::Yes,
        (Kind::Bool(x), Kind::Bool(y)) => bool_tri(x == y),
        (Kind::Int(x), Kind::Int(y)) => bool_tri(x == y),
        (Kind::Float(x), Kind::Float(y)) => bool_tri(x == y),
        (Kind::Int(x), Kind::Float(y)) | (Kind::Float(y), Kind::Int(x)) => {
            bool_tri(*x as f64 == *y)
        }
        // Placeholders make some string comparisons undecidable.
        (Kind::Str(x), Kind::Str(y)) => super::placeholder::str_eq(x, y),
        (Kind::Array(xs), Kind::Array(ys)) => {
            if xs.len() != ys.len() {
                return Tri::No;
            }
            all(xs.iter().zip(ys).map(|(x, y)| (x, Some(y))), depth)
        }
        (Kind::Object(xs), Kind::Object(ys)) => {
            if xs.len() != ys.len() {
                return Tri::No;
            }
            if ys.len() <= 32 {
                return all(xs.iter().map(|(k, x)| (x, ys.get(k))), depth);
            }
            // Large objects: index the keys instead of scanning for each one.
            let index: HashMap<String, &Value> = ys
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect();
            all(
                xs.iter()
                    .map(|(k, x)| (x, index.get(&k.to_ascii_lowercase()).copied())),
                depth,
            )
        }
        _ => Tri::No,
    }
}

/// Conjunction of element comparisons; a missing counterpart is a difference.
fn all<'a>(pairs: impl Iterator<Item = (&'a Value, Option<&'a Value>)>, depth: usize) -> Tri {
    let mut unknown = false;
    for (x, y) in pairs {
        match y.map_or(Tri::No, |y| eq_at(x, y, depth + 1)) {
            Tri::No => return Tri::No,
            Tri::Unknown => unknown = true,
            Tri::Yes => {}
        }
    }
    if unknown { Tri::Unknown } else { Tri::Yes }
}

/// The first unknown reason inside a value, for reporting why a comparison is unknown.
pub(crate) fn nested_unknown(v: &Value) -> Value {
    fn find(v: &Value, depth: usize) -> Option<&str> {
        if depth > MAX_VALUE_DEPTH {
            return None;
        }
        match &v.kind {
            Kind::Unknown(r) => Some(r),
            Kind::Array(a) => a.iter().find_map(|x| find(x, depth + 1)),
            Kind::Object(o) => o.iter().find_map(|(_, x)| find(x, depth + 1)),
            _ => None,
        }
    }
    match find(v, 0) {
        Some(r) => Value::unknown(r),
        None if super::placeholder::has_placeholder(v) => Value::unknown(
            "comparison with a value that depends on the deployment's subscription or resource group",
        ),
        None => Value::unknown("evaluation limit: value nested too deeply"),
    }
}

/// Unknown for a comparison of `a` and `b` that could not be decided.
pub(crate) fn undecided(a: &Value, b: &Value) -> Value {
    let u = nested_unknown(a);
    if u.unknown_reason()
        .is_some_and(|r| r.starts_with("evaluation limit"))
    {
        nested_unknown(b)
    } else {
        u
    }
}

pub(crate) fn equals(args: Vec<Value>) -> R {
    let [a, b] = fixed("equals", args)?;
    match deep_eq(&a, &b) {
        Tri::Yes => Ok(Value::bool(true)),
        Tri::No => Ok(Value::bool(false)),
        Tri::Unknown => Err(undecided(&a, &b)),
    }
}

/// `less`, `lessOrEquals`, `greater`, `greaterOrEquals` on ints or strings.
pub(crate) fn compare(lname: &str, args: Vec<Value>) -> R {
    let [a, b] = fixed(lname, args)?;
    let ord = match (&a.kind, &b.kind) {
        (Kind::Int(x), Kind::Int(y)) => x.cmp(y),
        (Kind::Str(x), Kind::Str(y)) => culture_cmp(x, y).ok_or_else(|| {
            Value::unknown(format!(
                "{lname}() on strings with characters other than ASCII letters and digits is \
                 culture-dependent and not evaluated statically"
            ))
        })?,
        (Kind::Float(_), Kind::Int(_) | Kind::Float(_)) | (Kind::Int(_), Kind::Float(_)) => {
            return Err(Value::unknown(format!(
                "{lname}() on floating-point values is not evaluated statically"
            )));
        }
        _ => {
            return Err(error(format!(
                "{lname}() expects two ints or two strings, got {} and {}",
                a.type_name(),
                b.type_name()
            )));
        }
    };
    let r = match lname {
        "less" => ord == Ordering::Less,
        "lessorequals" => ord != Ordering::Greater,
        "greater" => ord == Ordering::Greater,
        _ => ord != Ordering::Less,
    };
    Ok(Value::bool(r))
}

/// ARM compares strings with the invariant culture, where letters compare
/// case-insensitively first and lower case sorts before upper case only as a
/// tie-break (`greater('A', 'a')` is true). Reproduced for ASCII letters and
/// digits only; anything else (punctuation has special weights) is `None`.
fn culture_cmp(a: &str, b: &str) -> Option<Ordering> {
    let simple = |s: &str| s.bytes().all(|c| c.is_ascii_alphanumeric());
    if !simple(a) || !simple(b) {
        return None;
    }
    // Digits sort before letters in both ASCII and the culture order, so the
    // case-folded byte order is the primary order.
    let primary = a
        .bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()));
    if primary != Ordering::Equal {
        return Some(primary);
    }
    // Same letters: the first case difference decides, lower case first.
    for (x, y) in a.bytes().zip(b.bytes()) {
        if x != y {
            return Some(if x.is_ascii_lowercase() {
                Ordering::Less
            } else {
                Ordering::Greater
            });
        }
    }
    Some(Ordering::Equal)
}

/// `coalesce(...)`: the first non-null argument. An unknown before it could be
/// null or not, so the result is unknown.
pub(crate) fn coalesce(args: Vec<Value>) -> R {
    arity("coalesce", &args, 1, usize::MAX)?;
    for v in args {
        match v.kind {
            Kind::Null => continue,
            _ => return Ok(v),
        }
    }
    Ok(Value::null())
}

#[cfg(test)]
mod tests {
    use crate::arm::eval::testenv::*;

    #[test]
    fn equals_is_deep() {
        assert_eq!(ev("equals(1, 1)").as_bool(), Some(true));
        assert_eq!(ev("equals('a', 'A')").as_bool(), Some(false));
        assert_eq!(
            ev("equals(createArray('a', 'b'), createArray('a', 'b'))").as_bool(),
            Some(true)
        );
        assert_eq!(
            ev("equals(createArray('a'), createArray('a', 'b'))").as_bool(),
            Some(false)
        );
        assert_eq!(
            ev("equals(createObject('a', 'b'), json('{\"A\": \"b\"}'))").as_bool(),
            Some(true)
        );
        assert_eq!(ev("equals(1, '1')").as_bool(), Some(false));
        assert_eq!(ev("equals(null(), null())").as_bool(), Some(true));
    }

    #[test]
    fn equals_with_unknown_parts() {
        // A known difference decides even with unknown parts.
        assert_eq!(
            ev("equals(createArray(1, parameters('p')), createArray(2, 3))").as_bool(),
            Some(false)
        );
        assert_eq!(
            reason(&ev(
                "equals(createArray(1, parameters('p')), createArray(1, 3))"
            )),
            "parameter 'p' has no value"
        );
        assert!(ev("equals(parameters('p'), 1)").is_unknown());
    }

    #[test]
    fn large_objects_compare_fast() {
        let body: Vec<String> = (0..50_000).map(|i| format!("\"k{i}\":{i}")).collect();
        let json = format!("{{{}}}", body.join(","));
        let mut env = TestEnv::new().param("a", &json).param("b", &json);
        let t = std::time::Instant::now();
        assert_eq!(
            ev_in(&mut env, "equals(parameters('a'), parameters('b'))").as_bool(),
            Some(true)
        );
        assert!(t.elapsed().as_secs() < 5);
    }

    #[test]
    fn ordering() {
        assert_eq!(ev("greater(1, 2)").as_bool(), Some(false));
        assert_eq!(ev("greater('A', 'a')").as_bool(), Some(true));
        assert_eq!(ev("greaterOrEquals('A', 'a')").as_bool(), Some(true));
        assert_eq!(ev("less(1, 2)").as_bool(), Some(true));
        assert_eq!(ev("less('A', 'a')").as_bool(), Some(false));
        assert_eq!(ev("lessOrEquals('A', 'a')").as_bool(), Some(false));
        assert_eq!(ev("less('a', 'B')").as_bool(), Some(true));
        assert_eq!(ev("less('abc', 'abcd')").as_bool(), Some(true));
        assert_eq!(ev("less('9', 'a')").as_bool(), Some(true));
        assert_eq!(ev("lessOrEquals(3, 3)").as_bool(), Some(true));
        assert!(!reason(&ev("less('a-b', 'a')")).starts_with("error:"));
        assert!(reason(&ev("less(1, 'a')")).starts_with("error:"));
    }

    #[test]
    fn coalesce_first_non_null() {
        assert_eq!(ev("coalesce(null(), 'a', 'b')").as_str(), Some("a"));
        assert!(ev("coalesce(null(), null())").kind == crate::value::Kind::Null);
        assert_eq!(ev("coalesce('a', parameters('p'))").as_str(), Some("a"));
        assert!(ev("coalesce(parameters('p'), 'a')").is_unknown());
        assert!(ev("coalesce(null(), parameters('p'), 'a')").is_unknown());
    }
}
