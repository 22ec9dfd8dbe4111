//! Lambda functions: `map`, `filter`, `reduce`, `sort`, `toObject`, `groupBy`,
//! `mapValues`, with `lambda('x', ..., body)` arguments and `lambdaVariables('x')`.

use std::collections::HashMap;

use super::comparison::{Tri, deep_eq};
use super::json::ObjectBuilder;
use super::{R, check_array_len, error, fixed, want_str};
use crate::arm::eval::Ctx;
use crate::arm::expr::{Expr, ExprKind};
use crate::value::{Kind, Object, Value};

struct Lambda<'a> {
    params: Vec<&'a str>,
    body: &'a Expr,
}

/// Reads a `lambda('a', 'b', body)` argument without evaluating it.
fn lambda_arg<'a>(
    fname: &str,
    e: Option<&'a Expr>,
    min: usize,
    max: usize,
) -> Result<Lambda<'a>, Value> {
    let not_lambda = || error(format!("{fname}() expects a lambda argument"));
    let Some(Expr {
        kind: ExprKind::Call(c),
        ..
    }) = e
    else {
        return Err(not_lambda());
    };
    if c.namespace.is_some() || !c.name.eq_ignore_ascii_case("lambda") {
        return Err(not_lambda());
    }
    let Some((body, names)) = c.args.split_last() else {
        return Err(not_lambda());
    };
    let mut params = Vec::with_capacity(names.len());
    for n in names {
        match &n.kind {
            ExprKind::Str(s) => params.push(s.as_str()),
            _ => return Err(error("lambda() parameter names must be string literals")),
        }
    }
    if params.len() < min || params.len() > max {
        return Err(error(format!(
            "{fname}() expects a lambda with {min} to {max} parameter(s), got {}",
            params.len()
        )));
    }
    Ok(Lambda { params, body })
}

/// Evaluates the lambda body with its parameters bound to `args` (extra
/// arguments, such as an index the lambda does not declare, are dropped).
fn apply(cx: &mut Ctx, l: &Lambda, args: Vec<Value>) -> Value {
    if let Err(u) = cx.tick() {
        return u;
    }
    let base = cx.lambda_vars.len();
    for (p, a) in l.params.iter().zip(args) {
        cx.lambda_vars.push((p.to_string(), a));
    }
    let v = cx.eval(l.body);
    cx.lambda_vars.truncate(base);
    v
}

fn eval_array(cx: &mut Ctx, fname: &str, e: Option<&Expr>) -> Result<Vec<Value>, Value> {
    let v = e.map_or_else(Value::null, |e| cx.eval(e));
    match v.kind {
        Kind::Array(a) => Ok(a),
        Kind::Unknown(_) => Err(v),
        _ => Err(error(format!(
            "{fname}() expects an array, got {}",
            Value::new(v.kind, None).type_name()
        ))),
    }
}

fn arg_count(fname: &str, args: &[Expr], min: usize, max: usize) -> Result<(), Value> {
    if args.len() < min || args.len() > max {
        return Err(error(format!(
            "{fname}() takes {min} to {max} arguments, got {}",
            args.len()
        )));
    }
    Ok(())
}

pub(crate) fn call(cx: &mut Ctx, lname: &str, args: &[Expr]) -> R {
    match lname {
        "map" => {
            arg_count("map", args, 2, 2)?;
            let items = eval_array(cx, "map", args.first())?;
            let l = lambda_arg("map", args.get(1), 1, 2)?;
            check_array_len(cx, "map", items.len())?;
            let mut out = Vec::with_capacity(items.len());
            for (i, it) in items.into_iter().enumerate() {
                out.push(apply(cx, &l, vec![it, Value::int(i as i64)]));
            }
            Ok(Value::array(out))
        }
        "filter" => {
            arg_count("filter", args, 2, 2)?;
            let items = eval_array(cx, "filter", args.first())?;
            let l = lambda_arg("filter", args.get(1), 1, 2)?;
            let mut out = Vec::new();
            for (i, it) in items.into_iter().enumerate() {
                let keep = apply(cx, &l, vec![it.clone(), Value::int(i as i64)]);
                match keep.kind {
                    Kind::Bool(true) => out.push(it),
                    Kind::Bool(false) => {}
                    // Whether it is kept decides the length.
                    Kind::Unknown(_) => return Err(keep),
                    _ => return Err(error("filter() lambda must return a bool")),
                }
            }
            Ok(Value::array(out))
        }
        "reduce" => {
            arg_count("reduce", args, 3, 3)?;
            let items = eval_array(cx, "reduce", args.first())?;
            let mut acc = args.get(1).map_or_else(Value::null, |e| cx.eval(e));
            let l = lambda_arg("reduce", args.get(2), 2, 3)?;
            for (i, it) in items.into_iter().enumerate() {
                acc = apply(cx, &l, vec![acc, it, Value::int(i as i64)]);
            }
            Ok(acc)
        }
        "sort" => {
            arg_count("sort", args, 2, 2)?;
            let items = eval_array(cx, "sort", args.first())?;
            let l = lambda_arg("sort", args.get(1), 2, 2)?;
            sort(cx, items, &l)
        }
        "toobject" => {
            arg_count("toObject", args, 2, 3)?;
            let items = eval_array(cx, "toObject", args.first())?;
            let key_l = lambda_arg("toObject", args.get(1), 1, 1)?;
            let val_l = match args.get(2) {
                Some(e) => Some(lambda_arg("toObject", Some(e), 1, 1)?),
                None => None,
            };
            let mut out = ObjectBuilder::default();
            for it in items {
                let k = apply(cx, &key_l, vec![it.clone()]);
                let k = key_string("toObject", k)?;
                if out.contains_key(&k) {
                    return Err(Value::unknown(
                        "toObject() with duplicate keys is not evaluated statically",
                    ));
                }
                let v = match &val_l {
                    Some(vl) => apply(cx, vl, vec![it]),
                    None => it,
                };
                out.insert(k, v);
            }
            Ok(Value::object(out.finish()))
        }
        "groupby" => {
            arg_count("groupBy", args, 2, 2)?;
            let items = eval_array(cx, "groupBy", args.first())?;
            let l = lambda_arg("groupBy", args.get(1), 1, 1)?;
            let mut groups: Vec<(String, Vec<Value>)> = Vec::new();
            let mut index: HashMap<String, usize> = HashMap::new();
            for it in items {
                let k = key_string("groupBy", apply(cx, &l, vec![it.clone()]))?;
                match index
                    .get(&k.to_ascii_lowercase())
                    .and_then(|&i| groups.get_mut(i))
                {
                    Some((_, members)) => members.push(it),
                    None => {
                        index.insert(k.to_ascii_lowercase(), groups.len());
                        groups.push((k, vec![it]));
                    }
                }
            }
            let mut out = Object::new();
            // Keys are distinct already.
            for (k, members) in groups {
                out.entries.push((k, Value::array(members)));
            }
            Ok(Value::object(out))
        }
        _ => {
            // mapValues
            arg_count("mapValues", args, 2, 2)?;
            let v = args.first().map_or_else(Value::null, |e| cx.eval(e));
            let obj = match v.kind {
                Kind::Object(o) => o,
                Kind::Unknown(_) => return Err(v),
                _ => return Err(error("mapValues() expects an object")),
            };
            let l = lambda_arg("mapValues", args.get(1), 1, 1)?;
            let mut out = ObjectBuilder::default();
            for (k, v) in obj.entries {
                let mapped = apply(cx, &l, vec![v]);
                out.insert(k, mapped);
            }
            Ok(Value::object(out.finish()))
        }
    }
}

fn key_string(fname: &str, k: Value) -> Result<String, Value> {
    match k.kind {
        Kind::Str(s) => Ok(s),
        Kind::Unknown(_) => Err(k),
        _ => Err(error(format!("{fname}() keys must be strings"))),
    }
}

/// Stable merge sort with the lambda as "comes before". Ties between different
/// elements make the result depend on .NET's (unstable) sort, so they are Unknown.
fn sort(cx: &mut Ctx, items: Vec<Value>, l: &Lambda) -> R {
    check_array_len(cx, "sort", items.len())?;
    let mut slots: Vec<Value> = items;
    let n = slots.len();
    let mut order: Vec<usize> = (0..n).collect();
    let mut width = 1;
    while width < n {
        let mut next = Vec::with_capacity(n);
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j) = (start, mid);
            while i < mid && j < end {
                let (a, b) = (order.get(i).copied(), order.get(j).copied());
                let (Some(a), Some(b)) = (a, b) else { break };
                // Take from the right only if it strictly comes before the left.
                if before(cx, l, &slots, b, a)? {
                    next.push(b);
                    j += 1;
                } else {
                    next.push(a);
                    i += 1;
                }
            }
            next.extend(order.get(i..mid).unwrap_or(&[]));
            next.extend(order.get(j..end).unwrap_or(&[]));
            start = end;
        }
        order = next;
        width *= 2;
    }
    // Reject ties between unequal neighbours.
    for w in order.windows(2) {
        if let [a, b] = *w
            && !before(cx, l, &slots, a, b)?
            && !matches!(deep_eq(slot(&slots, a), slot(&slots, b)), Tri::Yes)
        {
            return Err(Value::unknown(
                "sort() with ties between different elements is not evaluated statically",
            ));
        }
    }
    let out = order
        .into_iter()
        .map(|i| {
            slots
                .get_mut(i)
                .map(|v| std::mem::replace(v, Value::null()))
                .unwrap_or_else(Value::null)
        })
        .collect();
    Ok(Value::array(out))
}

fn slot(slots: &[Value], i: usize) -> &Value {
    static NULL: Value = Value {
        kind: Kind::Null,
        origin: None,
        via: None,
        outer_via: None,
    };
    slots.get(i).unwrap_or(&NULL)
}

fn before(cx: &mut Ctx, l: &Lambda, slots: &[Value], a: usize, b: usize) -> Result<bool, Value> {
    let r = apply(cx, l, vec![slot(slots, a).clone(), slot(slots, b).clone()]);
    match r.kind {
        Kind::Bool(x) => Ok(x),
        Kind::Unknown(_) => Err(r),
        _ => Err(error("sort() lambda must return a bool")),
    }
}

/// `lambdaVariables('x')`: the innermost binding of a lambda parameter.
pub(crate) fn lambda_variables(cx: &mut Ctx, args: Vec<Value>) -> R {
    let [n] = fixed("lambdaVariables", args)?;
    let name = want_str("lambdaVariables", &n)?;
    let found = cx
        .lambda_vars
        .iter()
        .rposition(|(k, _)| k.eq_ignore_ascii_case(name))
        .ok_or_else(|| error(format!("lambdaVariables(): no lambda parameter '{name}'")))?;
    // Each read copies the value (a large one read in a loop): charged first.
    let cost = cx
        .lambda_vars
        .get(found)
        .map_or(0, |(_, v)| crate::arm::frame::copy_cost(v));
    cx.charge_steps(cost)?;
    cx.lambda_vars
        .get(found)
        .map(|(_, v)| v.clone())
        .ok_or_else(|| error(format!("lambdaVariables(): no lambda parameter '{name}'")))
}

#[cfg(test)]
mod tests {
    use crate::arm::eval::testenv::*;

    #[test]
    fn map_filter_reduce() {
        assert_eq!(
            evj("map(createArray(1, 2, 3), lambda('x', mul(lambdaVariables('x'), 2)))"),
            "[2,4,6]"
        );
        assert_eq!(
            evj(
                "map(createArray('a', 'b'), lambda('x', 'i', concat(lambdaVariables('x'), string(lambdaVariables('i')))))"
            ),
            r#"["a0","b1"]"#
        );
        assert_eq!(
            evj("filter(range(0, 6), lambda('x', equals(mod(lambdaVariables('x'), 2), 0)))"),
            "[0,2,4]"
        );
        assert_eq!(
            ev("reduce(createArray(1, 2, 3), 0, lambda('acc', 'cur', add(lambdaVariables('acc'), lambdaVariables('cur'))))").as_int(),
            Some(6)
        );
        assert!(ev("filter(createArray(1), lambda('x', parameters('p')))").is_unknown());
        assert!(reason(&ev("map(createArray(1), 'x')")).starts_with("error:"));
        assert!(reason(&ev("lambdaVariables('x')")).starts_with("error:"));
        // Nested lambdas see their own and outer variables.
        assert_eq!(
            evj(
                "map(createArray(1, 2), lambda('x', map(createArray(10), lambda('y', add(lambdaVariables('x'), lambdaVariables('y'))))))"
            ),
            "[[11],[12]]"
        );
    }

    #[test]
    fn sort_to_object_group_by() {
        assert_eq!(
            evj(
                "sort(createArray(3, 1, 2), lambda('a', 'b', less(lambdaVariables('a'), lambdaVariables('b'))))"
            ),
            "[1,2,3]"
        );
        assert_eq!(
            evj(
                "sort(createArray(2, 1, 2), lambda('a', 'b', less(lambdaVariables('a'), lambdaVariables('b'))))"
            ),
            "[1,2,2]"
        );
        assert!(ev("sort(createArray(createObject('k', 1, 'v', 'a'), createObject('k', 1, 'v', 'b')), lambda('a', 'b', less(lambdaVariables('a').k, lambdaVariables('b').k)))").is_unknown());
        assert_eq!(
            evj(
                "toObject(createArray('a', 'b'), lambda('x', lambdaVariables('x')), lambda('x', length(lambdaVariables('x'))))"
            ),
            r#"{"a":1,"b":1}"#
        );
        assert_eq!(
            evj(
                "groupBy(createArray('foo', 'bar', 'baz'), lambda('x', substring(lambdaVariables('x'), 0, 1)))"
            ),
            r#"{"f":["foo"],"b":["bar","baz"]}"#
        );
        assert_eq!(
            evj("mapValues(createObject('a', 1), lambda('v', add(lambdaVariables('v'), 1)))"),
            r#"{"a":2}"#
        );
    }
}
