//! Object functions: `createObject`, `items`, `json`, `tryGet`, `objectKeys`,
//! `shallowMerge`.

use super::json::{ObjectBuilder, parse_json};
use super::{R, check_array_len, error, fixed, want_str};
use crate::arm::eval::Ctx;
use crate::value::{Kind, Object, Value};

/// `createObject(k1, v1, ...)`: values may be unknown; an unknown key makes the
/// whole object unknown.
pub(crate) fn create_object(args: Vec<Value>) -> R {
    if !args.len().is_multiple_of(2) {
        return Err(error(
            "createObject() takes an even number of arguments (key, value pairs)",
        ));
    }
    let mut obj = ObjectBuilder::default();
    let mut it = args.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        match k.kind {
            Kind::Str(k) => obj.insert(k, v),
            Kind::Unknown(_) => return Err(k),
            _ => {
                return Err(error(format!(
                    "createObject() keys must be strings, got {}",
                    k.type_name()
                )));
            }
        }
    }
    Ok(Value::object(obj.finish()))
}

/// `items(obj)`: `[{key, value}]` sorted by key (ordinal).
pub(crate) fn items(cx: &mut Ctx, args: Vec<Value>) -> R {
    let [v] = fixed("items", args)?;
    let Kind::Object(o) = v.kind else {
        return Err(error("items() expects an object"));
    };
    check_array_len(cx, "items", o.len())?;
    let mut entries = o.entries;
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Value::array(
        entries
            .into_iter()
            .map(|(k, v)| {
                let mut e = Object::new();
                e.insert("key".into(), Value::str(k));
                e.insert("value".into(), v);
                Value::object(e)
            })
            .collect(),
    ))
}

pub(crate) fn json(cx: &mut Ctx, args: Vec<Value>) -> R {
    let [v] = fixed("json", args)?;
    let s = want_str("json", &v)?;
    cx.charge(s.len())?;
    parse_json(s).map_err(|e| error(format!("json(): invalid JSON: {e}")))
}

/// `tryGet(value, key | index, ...)`: null instead of an error when missing.
pub(crate) fn try_get(args: Vec<Value>) -> R {
    super::arity("tryGet", &args, 2, usize::MAX)?;
    let mut it = args.into_iter();
    let mut cur = it.next().unwrap_or_else(Value::null);
    for key in it {
        cur = match (cur.kind, &key.kind) {
            (Kind::Null, _) => return Ok(Value::null()),
            (Kind::Object(o), Kind::Str(k)) => {
                let open = o.open;
                let mut entries = o.entries;
                match entries
                    .iter()
                    .rposition(|(ek, _)| ek.eq_ignore_ascii_case(k))
                {
                    Some(i) => entries.swap_remove(i).1,
                    None if open => {
                        return Err(Value::unknown(format!(
                            "'{k}' is set by Azure at deployment, not by the template"
                        )));
                    }
                    None => return Ok(Value::null()),
                }
            }
            (Kind::Array(a), Kind::Int(i)) => {
                match usize::try_from(*i).ok().and_then(|i| a.into_iter().nth(i)) {
                    Some(v) => v,
                    None => return Ok(Value::null()),
                }
            }
            (Kind::Unknown(r), _) => return Err(Value::unknown(r)),
            (kind, _) => {
                return Err(error(format!(
                    "tryGet() cannot index a {} with a {}",
                    Value::new(kind, None).type_name(),
                    key.type_name()
                )));
            }
        };
    }
    Ok(cur)
}

pub(crate) fn object_keys(args: Vec<Value>) -> R {
    let [v] = fixed("objectKeys", args)?;
    let o = v
        .as_object()
        .ok_or_else(|| error("objectKeys() expects an object"))?;
    Ok(Value::array(o.iter().map(|(k, _)| Value::str(k)).collect()))
}

/// `shallowMerge([obj, ...])`: top-level properties, later ones win.
pub(crate) fn shallow_merge(args: Vec<Value>) -> R {
    let [v] = fixed("shallowMerge", args)?;
    let Kind::Array(items) = v.kind else {
        return Err(error("shallowMerge() expects an array of objects"));
    };
    let mut out = ObjectBuilder::default();
    for it in items {
        match it.kind {
            Kind::Object(o) => {
                for (k, v) in o.entries {
                    out.insert(k, v);
                }
            }
            Kind::Unknown(_) => return Err(it),
            _ => return Err(error("shallowMerge() expects an array of objects")),
        }
    }
    Ok(Value::object(out.finish()))
}

#[cfg(test)]
mod tests {
    use crate::arm::eval::testenv::*;
    use crate::value::Kind;

    #[test]
    fn create_object() {
        assert_eq!(
            evj(
                "createObject('intProp', 1, 'stringProp', 'abc', 'boolProp', true(), 'arrayProp', createArray('a', 'b', 'c'), 'objectProp', createObject('key1', 'value1'))"
            ),
            r#"{"intProp":1,"stringProp":"abc","boolProp":true,"arrayProp":["a","b","c"],"objectProp":{"key1":"value1"}}"#
        );
        assert_eq!(evj("createObject()"), "{}");
        let v = ev("createObject('a', parameters('p'))");
        assert!(v.get("a").unwrap().is_unknown());
        assert!(ev("createObject(parameters('p'), 1)").is_unknown());
        assert!(reason(&ev("createObject('a')")).starts_with("error:"));
        assert!(reason(&ev("createObject(1, 1)")).starts_with("error:"));
    }

    #[test]
    fn items_sorted() {
        assert_eq!(
            evj("items(createObject('item002', 'b', 'item001', 'a'))"),
            r#"[{"key":"item001","value":"a"},{"key":"item002","value":"b"}]"#
        );
    }

    #[test]
    fn json_function() {
        assert_eq!(evj("json('{\"a\": \"b\"}')"), r#"{"a":"b"}"#);
        assert_eq!(ev("json('null')").kind, Kind::Null);
        assert!(matches!(ev("json('1.5')").kind, Kind::Float(f) if f == 1.5));
        assert_eq!(ev("json('[1,2]')[1]").as_int(), Some(2));
        assert!(reason(&ev("json('{')")).starts_with("error:"));
        assert_eq!(ev("json('\"x\"')").as_str(), Some("x"));
    }

    #[test]
    fn try_get_and_keys() {
        assert_eq!(ev("tryGet(createObject('a', 1), 'A')").as_int(), Some(1));
        assert_eq!(ev("tryGet(createObject('a', 1), 'b')").kind, Kind::Null);
        assert_eq!(ev("tryGet(createArray(1, 2), 5)").kind, Kind::Null);
        assert_eq!(
            ev("tryGet(createObject('a', createObject('b', 2)), 'a', 'b')").as_int(),
            Some(2)
        );
        assert_eq!(ev("tryGet(createObject(), 'a', 'b')").kind, Kind::Null);
        assert!(ev("tryGet(createObject('a', parameters('p')), 'a', 'b')").is_unknown());
        assert_eq!(
            evj("objectKeys(createObject('a', 1, 'b', 2))"),
            r#"["a","b"]"#
        );
        assert_eq!(
            evj(
                "shallowMerge(createArray(createObject('a', 1, 'b', createObject('x', 1)), createObject('b', createObject('y', 2))))"
            ),
            r#"{"a":1,"b":{"y":2}}"#
        );
    }
}
