//! Array functions (most also accept strings, and some objects).

use std::collections::HashSet;

use super::comparison::{MAX_VALUE_DEPTH, Tri, deep_eq, nested_unknown, undecided};
use super::json::{ObjectBuilder, key_index};
use super::string::{index_of_str, utf16_len, utf16_slice};
use super::{R, arity, check_array_len, error, fixed, limit, want_int};
use crate::arm::eval::Ctx;
use crate::value::{Kind, Object, Value};

/// Most pairwise deep comparisons one `union`/`intersection` may do.
const MAX_COMPARISONS: usize = 5_000_000;

pub(crate) fn array(args: Vec<Value>) -> R {
    let [v] = fixed("array", args)?;
    Ok(match v.kind {
        Kind::Array(_) => v,
        _ => Value::array(vec![v]),
    })
}

/// `createArray(...)`: unknown elements stay elements of a known array.
pub(crate) fn create_array(cx: &mut Ctx, args: Vec<Value>) -> R {
    check_array_len(cx, "createArray", args.len())?;
    Ok(Value::array(args))
}

/// `contains(container, item)`: array membership (deep equality), substring
/// (case-sensitive) or object key (case-insensitive).
pub(crate) fn contains(args: Vec<Value>) -> R {
    let [c, x] = fixed("contains", args)?;
    match (&c.kind, &x.kind) {
        (Kind::Array(items), _) => {
            let mut unknown = None;
            for it in items {
                match deep_eq(it, &x) {
                    Tri::Yes => return Ok(Value::bool(true)),
                    Tri::Unknown if unknown.is_none() => unknown = Some(it),
                    _ => {}
                }
            }
            match unknown {
                Some(it) => Err(undecided(it, &x)),
                None => Ok(Value::bool(false)),
            }
        }
        (Kind::Str(s), Kind::Str(sub)) => Ok(Value::bool(s.contains(sub.as_str()))),
        (Kind::Object(o), Kind::Str(k)) => Ok(Value::bool(o.get(k).is_some())),
        _ => Err(error(format!(
            "contains() cannot look for a {} in a {}",
            x.type_name(),
            c.type_name()
        ))),
    }
}

pub(crate) fn empty(args: Vec<Value>) -> R {
    let [v] = fixed("empty", args)?;
    Ok(Value::bool(match &v.kind {
        Kind::Null => true,
        Kind::Str(s) => s.is_empty(),
        Kind::Array(a) => a.is_empty(),
        Kind::Object(o) => o.is_empty(),
        _ => {
            return Err(error(format!(
                "empty() expects a string, array or object, got {}",
                v.type_name()
            )));
        }
    }))
}

/// `first`/`last` of an array (element) or string (one character).
pub(crate) fn first_last(lname: &str, args: Vec<Value>) -> R {
    let [v] = fixed(lname, args)?;
    let first = lname == "first";
    match v.kind {
        Kind::Array(items) => {
            let it = if first {
                items.into_iter().next()
            } else {
                items.into_iter().next_back()
            };
            it.ok_or_else(|| {
                Value::unknown(format!(
                    "{lname}() of an empty array is not evaluated statically"
                ))
            })
        }
        Kind::Str(s) => {
            let n = utf16_len(&s);
            if n == 0 {
                return Err(Value::unknown(format!(
                    "{lname}() of an empty string is not evaluated statically"
                )));
            }
            let (a, b) = if first { (0, 1) } else { (n - 1, n) };
            Ok(Value::str(utf16_slice(&s, a, b)?))
        }
        _ => Err(error(format!(
            "{lname}() expects an array or string, got {}",
            Value::new(v.kind, None).type_name()
        ))),
    }
}

/// `flatten(arrayOfArrays)`: one level.
pub(crate) fn flatten(cx: &mut Ctx, args: Vec<Value>) -> R {
    let [v] = fixed("flatten", args)?;
    let Kind::Array(items) = v.kind else {
        return Err(error("flatten() expects an array"));
    };
    let mut total = 0usize;
    for it in &items {
        match &it.kind {
            Kind::Array(a) => total = total.saturating_add(a.len()),
            Kind::Unknown(_) => return Err(it.clone()),
            _ => {
                return Err(error(format!(
                    "flatten() expects an array of arrays, found a {}",
                    it.type_name()
                )));
            }
        }
    }
    check_array_len(cx, "flatten", total)?;
    let mut out = Vec::with_capacity(total);
    for it in items {
        if let Kind::Array(a) = it.kind {
            out.extend(a);
        }
    }
    Ok(Value::array(out))
}

/// `indexOf`/`lastIndexOf`: deep equality in arrays, case-insensitive in strings.
pub(crate) fn index_of(lname: &str, args: Vec<Value>) -> R {
    let [c, x] = fixed(lname, args)?;
    let last = lname == "lastindexof";
    match (&c.kind, &x.kind) {
        (Kind::Array(items), _) => {
            let mut order: Box<dyn Iterator<Item = (usize, &Value)>> = if last {
                Box::new(items.iter().enumerate().rev())
            } else {
                Box::new(items.iter().enumerate())
            };
            let mut unknown = None;
            let found = order.find_map(|(i, it)| match deep_eq(it, &x) {
                Tri::Yes => Some(i),
                Tri::Unknown => {
                    unknown.get_or_insert(it);
                    None
                }
                Tri::No => None,
            });
            // An undecided element before the match could itself be the match.
            match (unknown, found) {
                (Some(it), _) => Err(undecided(it, &x)),
                (None, Some(i)) => Ok(Value::int(i as i64)),
                (None, None) => Ok(Value::int(-1)),
            }
        }
        (Kind::Str(s), Kind::Str(sub)) => index_of_str(s, sub, last),
        _ => Err(error(format!(
            "{lname}() cannot look for a {} in a {}",
            x.type_name(),
            c.type_name()
        ))),
    }
}

/// `indexFromEnd(arr, n)` (1-based from the end); `tryIndexFromEnd` gives null
/// when out of range.
pub(crate) fn index_from_end(lname: &str, args: Vec<Value>) -> R {
    let [a, n] = fixed(lname, args)?;
    let n = want_int(lname, &n)?;
    let Kind::Array(items) = a.kind else {
        return Err(error(format!("{lname}() expects an array")));
    };
    let len = items.len();
    let idx = usize::try_from(n)
        .ok()
        .filter(|n| (1..=len).contains(n))
        .map(|n| len - n);
    match idx.and_then(|i| items.into_iter().nth(i)) {
        Some(v) => Ok(v),
        None if lname == "tryindexfromend" => Ok(Value::null()),
        None => Err(error(format!(
            "{lname}(): {n} is out of range for an array of length {len}"
        ))),
    }
}

/// `intersection(a, b, ...)` of arrays (distinct common elements, in the order
/// of the first) or objects (properties equal in all).
pub(crate) fn intersection(args: Vec<Value>) -> R {
    arity("intersection", &args, 2, usize::MAX)?;
    let mut it = args.into_iter();
    let first = it.next().unwrap_or_else(Value::null);
    let others: Vec<Value> = it.collect();
    match first.kind {
        Kind::Array(items) => {
            let mut arrays = Vec::with_capacity(others.len());
            for o in &others {
                arrays.push(o.as_array().ok_or_else(|| {
                    error("intersection() expects all arguments to be arrays or all objects")
                })?);
            }
            let work = items
                .len()
                .saturating_mul(arrays.iter().map(|a| a.len()).sum::<usize>() + items.len());
            if work > MAX_COMPARISONS {
                return Err(limit("intersection() of very large arrays"));
            }
            let mut out: Vec<Value> = Vec::new();
            for x in items {
                let mut keep = Tri::Yes;
                for arr in &arrays {
                    keep = and(keep, any_eq(arr, &x));
                }
                keep = and(keep, not(any_eq(&out, &x)));
                match keep {
                    Tri::Yes => out.push(x),
                    Tri::No => {}
                    Tri::Unknown => return Err(nested_unknown_of(&x, &arrays)),
                }
            }
            Ok(Value::array(out))
        }
        Kind::Object(obj) => {
            let mut objs = Vec::with_capacity(others.len());
            for o in &others {
                let o = o.as_object().ok_or_else(|| {
                    error("intersection() expects all arguments to be arrays or all objects")
                })?;
                objs.push((o, key_index(o)));
            }
            let mut out = ObjectBuilder::default();
            for (k, v) in obj.entries {
                let mut keep = Tri::Yes;
                let lower = k.to_ascii_lowercase();
                for (o, index) in &objs {
                    let w = index.get(&lower).and_then(|&i| o.entries.get(i));
                    keep = and(keep, w.map_or(Tri::No, |(_, w)| deep_eq(&v, w)));
                }
                match keep {
                    Tri::Yes => out.insert(k, v),
                    Tri::No => {}
                    Tri::Unknown => return Err(nested_unknown(&v)),
                }
            }
            Ok(Value::object(out.finish()))
        }
        _ => Err(error(
            "intersection() expects all arguments to be arrays or all objects",
        )),
    }
}

fn nested_unknown_of(x: &Value, arrays: &[&[Value]]) -> Value {
    if x.contains_unknown() || super::placeholder::has_placeholder(x) {
        return nested_unknown(x);
    }
    for a in arrays {
        for it in a.iter() {
            if it.contains_unknown() || super::placeholder::has_placeholder(it) {
                return nested_unknown(it);
            }
        }
    }
    limit("value nested too deeply")
}

fn and(a: Tri, b: Tri) -> Tri {
    match (a, b) {
        (Tri::No, _) | (_, Tri::No) => Tri::No,
        (Tri::Yes, Tri::Yes) => Tri::Yes,
        _ => Tri::Unknown,
    }
}

fn not(a: Tri) -> Tri {
    match a {
        Tri::Yes => Tri::No,
        Tri::No => Tri::Yes,
        Tri::Unknown => Tri::Unknown,
    }
}

/// Whether `x` is deep-equal to some element of `arr`.
fn any_eq(arr: &[Value], x: &Value) -> Tri {
    let mut r = Tri::No;
    for it in arr {
        match deep_eq(it, x) {
            Tri::Yes => return Tri::Yes,
            Tri::Unknown => r = Tri::Unknown,
            Tri::No => {}
        }
    }
    r
}

pub(crate) fn length(args: Vec<Value>) -> R {
    let [v] = fixed("length", args)?;
    let n = match &v.kind {
        Kind::Array(a) => a.len(),
        Kind::Str(s) => utf16_len(s),
        Kind::Object(o) => o.len(),
        _ => {
            return Err(error(format!(
                "length() expects an array, string or object, got {}",
                v.type_name()
            )));
        }
    };
    Ok(Value::int(n as i64))
}

/// `range(start, count)`: count in 0..=10000 and start + count ≤ 2147483647.
pub(crate) fn range(cx: &mut Ctx, args: Vec<Value>) -> R {
    let [s, c] = fixed("range", args)?;
    let (start, count) = (want_int("range", &s)?, want_int("range", &c)?);
    if !(0..=10_000).contains(&count) {
        return Err(error(format!(
            "range(): count {count} must be between 0 and 10000"
        )));
    }
    if i128::from(start) + i128::from(count) > i128::from(i32::MAX) {
        return Err(error("range(): start + count must not exceed 2147483647"));
    }
    check_array_len(cx, "range", count as usize)?;
    Ok(Value::array(
        (start..start + count).map(Value::int).collect(),
    ))
}

/// `skip`/`take` on arrays or strings; the count is clamped to [0, length].
pub(crate) fn skip_take(lname: &str, args: Vec<Value>) -> R {
    let [v, n] = fixed(lname, args)?;
    let n = want_int(lname, &n)?.max(0);
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    let skip = lname == "skip";
    match v.kind {
        Kind::Array(items) => {
            let n = n.min(items.len());
            Ok(Value::array(if skip {
                items.into_iter().skip(n).collect()
            } else {
                items.into_iter().take(n).collect()
            }))
        }
        Kind::Str(s) => {
            let len = utf16_len(&s);
            let n = n.min(len);
            let (a, b) = if skip { (n, len) } else { (0, n) };
            Ok(Value::str(utf16_slice(&s, a, b)?))
        }
        _ => Err(error(format!("{lname}() expects an array or string"))),
    }
}

/// `union(...)`: arrays keep the first occurrence of each element in order;
/// objects merge later over earlier, nested objects recursively, other values
/// (arrays included) replaced.
pub(crate) fn union(cx: &mut Ctx, args: Vec<Value>) -> R {
    arity("union", &args, 1, usize::MAX)?;
    if args.iter().all(|a| matches!(a.kind, Kind::Array(_))) {
        let total: usize = args
            .iter()
            .filter_map(|a| a.as_array())
            .map(<[Value]>::len)
            .sum();
        check_array_len(cx, "union", total)?;
        return union_arrays(args, total);
    }
    if args.iter().all(|a| matches!(a.kind, Kind::Object(_))) {
        let mut acc = Object::new();
        for a in args {
            if let Kind::Object(o) = a.kind {
                merge(&mut acc, o, 0)?;
            }
        }
        return Ok(Value::object(acc));
    }
    Err(error(
        "union() expects all arguments to be arrays or all objects",
    ))
}

fn union_arrays(args: Vec<Value>, total: usize) -> R {
    // Fast path: scalars hash.
    #[derive(PartialEq, Eq, Hash)]
    enum Key<'a> {
        Null,
        Bool(bool),
        Int(i64),
        Str(&'a str),
    }
    fn key(v: &Value) -> Option<Key<'_>> {
        match &v.kind {
            Kind::Null => Some(Key::Null),
            Kind::Bool(b) => Some(Key::Bool(*b)),
            Kind::Int(i) => Some(Key::Int(*i)),
            // Texts with placeholders may be equal without being identical.
            Kind::Str(s) if !super::placeholder::str_has(s) => Some(Key::Str(s)),
            _ => None,
        }
    }
    let all_scalar = args
        .iter()
        .filter_map(|a| a.as_array())
        .all(|a| a.iter().all(|v| key(v).is_some()));
    if all_scalar {
        let mut keep = Vec::with_capacity(total);
        {
            let mut seen = HashSet::new();
            for (ai, a) in args.iter().enumerate() {
                for (i, v) in a.as_array().unwrap_or(&[]).iter().enumerate() {
                    if key(v).is_some_and(|k| seen.insert(k)) {
                        keep.push((ai, i));
                    }
                }
            }
        }
        let mut arrays: Vec<Vec<Option<Value>>> = args
            .into_iter()
            .map(|a| match a.kind {
                Kind::Array(items) => items.into_iter().map(Some).collect(),
                _ => Vec::new(),
            })
            .collect();
        let out = keep
            .into_iter()
            .filter_map(|(ai, i)| arrays.get_mut(ai)?.get_mut(i)?.take())
            .collect();
        return Ok(Value::array(out));
    }
    if total.saturating_mul(total) / 2 > MAX_COMPARISONS {
        return Err(limit("union() of very large arrays of objects"));
    }
    let mut out: Vec<Value> = Vec::with_capacity(total);
    for a in args {
        let Kind::Array(items) = a.kind else { continue };
        for x in items {
            match any_eq(&out, &x) {
                Tri::Yes => {}
                Tri::No => out.push(x),
                // Whether it is a duplicate decides the length.
                Tri::Unknown => return Err(nested_unknown_of(&x, &[&out])),
            }
        }
    }
    Ok(Value::array(out))
}

/// Deep-merges `src` into `acc` (union of objects).
fn merge(acc: &mut Object, src: Object, depth: usize) -> Result<(), Value> {
    if depth > MAX_VALUE_DEPTH {
        return Err(limit("value nested too deeply"));
    }
    // Indexed: merging two large objects is linear, not a scan per key.
    let mut index = key_index(acc);
    for (k, v) in src.entries {
        let slot = index
            .get(&k.to_ascii_lowercase())
            .and_then(|&i| acc.entries.get_mut(i));
        match slot {
            Some((_, existing)) => match (&mut existing.kind, v.kind) {
                (Kind::Object(e), Kind::Object(o)) => merge(e, o, depth + 1)?,
                // An unknown that may be an object would be merged, not replaced.
                (Kind::Unknown(r), Kind::Object(_)) => {
                    *existing = Value::unknown(r.clone());
                }
                (_, kind) => *existing = Value::new(kind, v.origin),
            },
            None => {
                index.insert(k.to_ascii_lowercase(), acc.entries.len());
                acc.entries.push((k, v));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::arm::eval::testenv::*;
    use crate::value::Kind;

    #[test]
    fn array_and_create_array() {
        assert_eq!(evj("array(1)"), "[1]");
        assert_eq!(evj("array(createArray(1, 2))"), "[1,2]");
        assert_eq!(evj("array(createObject('a', 'b'))"), r#"[{"a":"b"}]"#);
        assert_eq!(evj("createArray()"), "[]");
        let v = ev("createArray(parameters('p'), 1)");
        let a = v.as_array().unwrap();
        assert_eq!(a.len(), 2);
        assert!(a[0].is_unknown());
        assert_eq!(
            ev("length(createArray(parameters('p'), 1))").as_int(),
            Some(2)
        );
    }

    #[test]
    fn contains_variants() {
        assert_eq!(ev("contains('OneTwoThree', 'e')").as_bool(), Some(true));
        assert_eq!(ev("contains('OneTwoThree', 'z')").as_bool(), Some(false));
        assert_eq!(ev("contains('OneTwoThree', 'one')").as_bool(), Some(false));
        assert_eq!(
            ev("contains(createObject('one', 'a'), 'ONE')").as_bool(),
            Some(true)
        );
        assert_eq!(
            ev("contains(createObject('one', 'a'), 'two')").as_bool(),
            Some(false)
        );
        assert_eq!(
            ev("contains(createArray('one', 'two'), 'two')").as_bool(),
            Some(true)
        );
        assert_eq!(
            ev("contains(createArray('one', 'two'), 'Two')").as_bool(),
            Some(false)
        );
        assert_eq!(
            ev("contains(createArray(parameters('p'), 'two'), 'two')").as_bool(),
            Some(true)
        );
        assert!(ev("contains(createArray(parameters('p'), 'two'), 'x')").is_unknown());
    }

    #[test]
    fn empty_first_last_length() {
        assert_eq!(ev("empty(createArray())").as_bool(), Some(true));
        assert_eq!(ev("empty(createObject())").as_bool(), Some(true));
        assert_eq!(ev("empty('')").as_bool(), Some(true));
        assert_eq!(ev("empty(null())").as_bool(), Some(true));
        assert_eq!(ev("empty('a')").as_bool(), Some(false));
        assert!(reason(&ev("empty(1)")).starts_with("error:"));
        assert_eq!(ev("first(createArray('one', 'two'))").as_str(), Some("one"));
        assert_eq!(ev("last(createArray('one', 'two'))").as_str(), Some("two"));
        assert_eq!(ev("first('One Two')").as_str(), Some("O"));
        assert_eq!(ev("last('One Two')").as_str(), Some("o"));
        assert!(ev("first(createArray())").is_unknown());
        assert_eq!(ev("length('One Two')").as_int(), Some(7));
        assert_eq!(ev("length('😀')").as_int(), Some(2));
        assert_eq!(ev("length(createObject('a', 1, 'b', 2))").as_int(), Some(2));
        assert!(reason(&ev("length(1)")).starts_with("error:"));
    }

    #[test]
    fn index_functions() {
        assert_eq!(
            ev("indexOf(createArray('a', 'b', 'a'), 'a')").as_int(),
            Some(0)
        );
        assert_eq!(
            ev("lastIndexOf(createArray('a', 'b', 'a'), 'a')").as_int(),
            Some(2)
        );
        assert_eq!(ev("indexOf(createArray('a', 'b'), 'A')").as_int(), Some(-1));
        assert_eq!(
            ev("indexOf(createArray(1, createArray(2)), createArray(2))").as_int(),
            Some(1)
        );
        assert_eq!(
            ev("indexOf(createArray('x', parameters('p')), 'x')").as_int(),
            Some(0)
        );
        assert!(ev("indexOf(createArray(parameters('p'), 'x'), 'x')").is_unknown());
        assert_eq!(
            ev("indexFromEnd(createArray(1, 2, 3), 1)").as_int(),
            Some(3)
        );
        assert!(reason(&ev("indexFromEnd(createArray(1), 2)")).starts_with("error:"));
        assert_eq!(ev("tryIndexFromEnd(createArray(1), 2)").kind, Kind::Null);
    }

    #[test]
    fn flatten_skip_take_range() {
        assert_eq!(
            evj("flatten(createArray(createArray(1, 2), createArray(3)))"),
            "[1,2,3]"
        );
        assert_eq!(
            evj("skip(createArray('one', 'two', 'three'), 2)"),
            r#"["three"]"#
        );
        assert_eq!(ev("skip('one two three', 4)").as_str(), Some("two three"));
        assert_eq!(
            evj("take(createArray('one', 'two', 'three'), 2)"),
            r#"["one","two"]"#
        );
        assert_eq!(ev("take('one two three', 2)").as_str(), Some("on"));
        assert_eq!(evj("take(createArray(1), 9)"), "[1]");
        assert_eq!(evj("skip(createArray(1), -3)"), "[1]");
        assert_eq!(evj("range(1, 3)"), "[1,2,3]");
        assert_eq!(evj("range(-2, 0)"), "[]");
        assert!(reason(&ev("range(0, 10001)")).starts_with("error:"));
        assert!(reason(&ev("range(2147483647, 1)")).starts_with("error:"));
        assert!(reason(&ev("range(0, -1)")).starts_with("error:"));
    }

    #[test]
    fn union_and_intersection() {
        assert_eq!(
            evj("union(createArray('one', 'two', 'three'), createArray('three', 'four'))"),
            r#"["one","two","three","four"]"#
        );
        assert_eq!(
            evj("union(createObject('a', 'b', 'c', 'd'), createObject('c', 'x', 'e', 'f'))"),
            r#"{"a":"b","c":"x","e":"f"}"#
        );
        // Docs example: nested objects merge, nested arrays are replaced.
        let mut env = TestEnv::new()
            .param(
                "a",
                r#"{"property":{"one":"a","two":"b","three":"c1"},"nestedArray":[1,2]}"#,
            )
            .param(
                "b",
                r#"{"property":{"three":"c2","four":"d","five":"e"},"nestedArray":[3,4]}"#,
            );
        assert_eq!(
            render(&ev_in(&mut env, "union(parameters('a'), parameters('b'))")),
            r#"{"property":{"one":"a","two":"b","three":"c2","four":"d","five":"e"},"nestedArray":[3,4]}"#
        );
        assert_eq!(
            evj("union(createArray(createArray(1)), createArray(createArray(1), createObject()))"),
            "[[1],{}]"
        );
        assert!(ev("union(createArray(parameters('p')), createArray(1))").is_unknown());
        assert!(ev("union(createObject(), parameters('p'))").is_unknown());
        assert!(reason(&ev("union(createObject(), createArray())")).starts_with("error:"));
        assert_eq!(
            evj("intersection(createArray('one', 'two', 'three'), createArray('two', 'three'))"),
            r#"["two","three"]"#
        );
        assert_eq!(
            evj(
                "intersection(createObject('one', 'a', 'two', 'b', 'three', 'c'), createObject('one', 'a', 'two', 'z', 'three', 'c'))"
            ),
            r#"{"one":"a","three":"c"}"#
        );
        assert_eq!(
            evj("intersection(createArray(1, 1, 2), createArray(1))"),
            "[1]"
        );
    }

    #[test]
    fn large_union_is_fast() {
        let v = ev("union(range(0, 10000), range(5000, 10000))");
        assert_eq!(v.as_array().map(|a| a.len()), Some(15000));
    }
}
