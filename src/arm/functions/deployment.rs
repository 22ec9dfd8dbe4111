//! Deployment-time values: `copyIndex` (from the environment) and the
//! functions whose results only exist while deploying.

use super::{R, arity, error};
use crate::arm::eval::Ctx;
use crate::value::{Kind, Value};

/// `copyIndex()`, `copyIndex(offset)`, `copyIndex('loop')`, `copyIndex('loop', offset)`.
pub(crate) fn copy_index(cx: &mut Ctx, args: Vec<Value>) -> R {
    arity("copyIndex", &args, 0, 2)?;
    let (name, offset) = match args.as_slice() {
        [] => (None, 0),
        [a] => match &a.kind {
            Kind::Int(i) => (None, *i),
            Kind::Str(s) => (Some(s.as_str()), 0),
            _ => return Err(error("copyIndex() expects a loop name or an offset")),
        },
        [a, b] => match (&a.kind, &b.kind) {
            (Kind::Str(s), Kind::Int(i)) => (Some(s.as_str()), *i),
            _ => return Err(error("copyIndex() expects a loop name and an offset")),
        },
        _ => return Err(error("copyIndex() takes at most 2 arguments")),
    };
    let idx = cx.env.copy_index(name);
    match idx.kind {
        Kind::Int(i) => i
            .checked_add(offset)
            .map(Value::int)
            .ok_or_else(|| error("copyIndex() offset overflows")),
        _ => Ok(idx),
    }
}

/// The Unknown for a function that only has a value at deployment time, or
/// `None` if `lname` is not one.
pub(crate) fn runtime(lname: &str, written: &str) -> Option<Value> {
    let what = match lname {
        "reference" | "references" | "newguid" | "deployment" | "environment" | "tenant"
        | "managementgroup" | "deployer" | "pickzones" | "providers" => "a runtime value",
        l if l.starts_with("list") => "a runtime value (secret)",
        _ => return None,
    };
    Some(Value::unknown(format!("{written}() is {what}")))
}

#[cfg(test)]
mod tests {
    use crate::arm::eval::testenv::*;

    #[test]
    fn runtime_functions_are_unknown() {
        assert_eq!(
            reason(&ev("reference('x').properties.y")),
            "reference() is a runtime value"
        );
        assert_eq!(
            reason(&ev(
                "listKeys(resourceId('A.B/c', 'n'), '2020-01-01').keys[0].value"
            )),
            "listKeys() is a runtime value (secret)"
        );
        for f in [
            "newGuid()",
            "deployment().name",
            "environment().name",
            "tenant()",
            "pickZones('a', 'b', 'c')",
        ] {
            assert!(reason(&ev(f)).contains("runtime value"), "{f}");
        }
    }
}
