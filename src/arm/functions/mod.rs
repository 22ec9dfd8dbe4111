//! Built-in ARM template functions, dispatched by (case-insensitive) name.
//!
//! Most functions are strict: their arguments are evaluated first and, if any
//! argument is Unknown, the result is that Unknown. A few build structures and
//! deal with Unknown parts themselves (`createArray`, `createObject`,
//! `coalesce`), and a few are lazy (`if`, `and`, `or`, lambda functions).
//! Implementations return `R = Result<Value, Value>` where `Err` carries an
//! Unknown, so `?` can be used for argument checks.

pub mod array;
pub mod cidr;
pub mod comparison;
pub mod date;
pub mod deployment;
pub mod guid;
pub mod json;
pub mod lambda;
pub mod logical;
pub mod numeric;
pub mod object;
pub mod placeholder;
pub mod resource;
pub mod string;
pub mod unique_string;

use crate::arm::eval::Ctx;
use crate::arm::expr::Call;
use crate::value::{Kind, Value};

/// Result of a function: `Err` holds an Unknown value.
pub(crate) type R = Result<Value, Value>;

/// Longest string a function may produce.
pub const MAX_STRING_BYTES: usize = 1 << 20;
/// Most elements an array result may have.
pub const MAX_ARRAY_LEN: usize = 100_000;

/// An Unknown for something ARM would reject at deployment.
pub(crate) fn error(msg: impl AsRef<str>) -> Value {
    Value::unknown(format!("error: {}", msg.as_ref()))
}

/// An Unknown for a result that would exceed the evaluation limits.
pub(crate) fn limit(msg: impl AsRef<str>) -> Value {
    Value::unknown(format!("evaluation limit: {}", msg.as_ref()))
}

/// Checks the argument count.
pub(crate) fn arity(name: &str, args: &[Value], min: usize, max: usize) -> Result<(), Value> {
    let n = args.len();
    if n < min || n > max {
        let expected = if min == max {
            format!("{min}")
        } else if max == usize::MAX {
            format!("at least {min}")
        } else {
            format!("{min} to {max}")
        };
        return Err(error(format!(
            "{name}() takes {expected} argument(s), got {n}"
        )));
    }
    Ok(())
}

/// Exactly `N` arguments, as an array (no indexing needed).
pub(crate) fn fixed<const N: usize>(name: &str, args: Vec<Value>) -> Result<[Value; N], Value> {
    arity(name, &args, N, N)?;
    args.try_into()
        .map_err(|_| error(format!("{name}() takes {N} argument(s)")))
}

/// Checks a string result's size before it is built, and charges it.
pub(crate) fn check_str_len(cx: &mut Ctx, name: &str, bytes: usize) -> Result<(), Value> {
    str_limit(name, bytes)?;
    cx.charge(bytes)
}

/// Checks a string size against the limit without charging it.
pub(crate) fn str_limit(name: &str, bytes: usize) -> Result<(), Value> {
    if bytes > MAX_STRING_BYTES {
        return Err(limit(format!(
            "{name}() would build a string of {bytes} bytes"
        )));
    }
    Ok(())
}

/// Checks an array result's length before it is built.
pub(crate) fn check_array_len(cx: &mut Ctx, name: &str, len: usize) -> Result<(), Value> {
    if len > MAX_ARRAY_LEN {
        return Err(limit(format!(
            "{name}() would build an array of {len} elements"
        )));
    }
    cx.charge(len.saturating_mul(std::mem::size_of::<Value>()))
}

pub(crate) fn want_str<'a>(name: &str, v: &'a Value) -> Result<&'a str, Value> {
    v.as_str()
        .ok_or_else(|| error(format!("{name}() expects a string, got {}", v.type_name())))
}

pub(crate) fn want_int(name: &str, v: &Value) -> Result<i64, Value> {
    match v.kind {
        Kind::Int(i) => Ok(i),
        Kind::Float(_) => Err(Value::unknown(format!(
            "{name}() with a floating-point argument is not evaluated statically"
        ))),
        _ => Err(error(format!(
            "{name}() expects an integer, got {}",
            v.type_name()
        ))),
    }
}

pub(crate) fn want_bool(name: &str, v: &Value) -> Result<bool, Value> {
    v.as_bool()
        .ok_or_else(|| error(format!("{name}() expects a bool, got {}", v.type_name())))
}

/// The first top-level Unknown argument, if any.
fn first_unknown(args: &[Value]) -> Option<&Value> {
    args.iter().find(|a| a.is_unknown())
}

/// Evaluates and dispatches one call.
pub(crate) fn call(cx: &mut Ctx, c: &Call) -> Value {
    if let Some(ns) = &c.namespace {
        let args = c.args.iter().map(|a| cx.eval(a)).collect();
        return cx.env.user_function(ns, &c.name, args);
    }
    let lname = c.name.to_ascii_lowercase();
    // Lazy functions see their argument expressions.
    let lazy = match lname.as_str() {
        "if" => Some(logical::if_(cx, &c.args)),
        "and" => Some(logical::and_or(cx, &c.args, true)),
        "or" => Some(logical::and_or(cx, &c.args, false)),
        "map" | "filter" | "reduce" | "sort" | "toobject" | "groupby" | "mapvalues" => {
            Some(lambda::call(cx, &lname, &c.args))
        }
        "lambda" => Some(Err(error(
            "lambda() can only be used as an argument of map, filter, reduce, sort, toObject, groupBy or mapValues",
        ))),
        _ => None,
    };
    if let Some(r) = lazy {
        return r.unwrap_or_else(|u| u);
    }

    let args: Vec<Value> = c.args.iter().map(|a| cx.eval(a)).collect();
    // Structure builders handle Unknown parts themselves.
    let structural = matches!(lname.as_str(), "createarray" | "createobject" | "coalesce");
    if !structural && let Some(u) = first_unknown(&args) {
        let reason = u.unknown_reason().unwrap_or("unknown");
        // An id whose name is unknown still has a known type (`dependsOn` on a
        // role assignment named by guid() of a parameter is not the VNet).
        if lname.ends_with("resourceid")
            && let Some(t) = args
                .iter()
                .filter_map(Value::as_str)
                .find(|a| a.contains('/'))
        {
            return Value::unknown(crate::value::typed_unknown(t, reason));
        }
        return Value::unknown(reason);
    }
    let v = strict(cx, &lname, &c.name, args).unwrap_or_else(|u| u);
    // Builders can double a value per call (`createObject('a', o, 'b', o)`);
    // reading a variable or parameter returns one already checked.
    if matches!(v.kind, Kind::Object(_) | Kind::Array(_))
        && !matches!(lname.as_str(), "variables" | "parameters" | "reference")
        && crate::value::larger_than(&v, crate::value::MAX_VALUE_UNITS)
    {
        return Value::unknown("evaluation limit: a value grew past its size budget");
    }
    v
}

fn strict(cx: &mut Ctx, lname: &str, written: &str, args: Vec<Value>) -> R {
    // Results that would depend on placeholder text are decided or Unknown here.
    if let Some(r) = placeholder::check(lname, &args) {
        return r;
    }
    match lname {
        // deployment values from the environment
        "parameters" => {
            let [name] = fixed("parameters", args)?;
            Ok(cx.env.parameter(want_str("parameters", &name)?))
        }
        "variables" => {
            let [name] = fixed("variables", args)?;
            Ok(cx.env.variable(want_str("variables", &name)?))
        }
        "copyindex" => deployment::copy_index(cx, args),
        "lambdavariables" => lambda::lambda_variables(cx, args),

        // logical
        "not" => logical::not(args),
        "bool" => logical::bool_(args),
        "true" => {
            arity("true", &args, 0, 0)?;
            Ok(Value::bool(true))
        }
        "false" => {
            arity("false", &args, 0, 0)?;
            Ok(Value::bool(false))
        }
        "null" => {
            arity("null", &args, 0, 0)?;
            Ok(Value::null())
        }
        // Emitted by Bicep lowering for values it cannot express (ARM has no such function).
        "__tendon_unknown" => {
            let [reason] = fixed("__tendon_unknown", args)?;
            Ok(Value::unknown(want_str("__tendon_unknown", &reason)?))
        }

        // comparison
        "equals" => comparison::equals(args),
        "less" | "lessorequals" | "greater" | "greaterorequals" => comparison::compare(lname, args),
        "coalesce" => comparison::coalesce(args),

        // numeric
        "add" | "sub" | "mul" | "div" | "mod" => numeric::arith(lname, args),
        "int" => numeric::int(args),
        "min" | "max" => numeric::min_max(lname, args),

        // string
        "concat" => string::concat(cx, args),
        "format" => string::format(cx, args),
        "tolower" | "toupper" => string::change_case(lname, args),
        "string" => string::string(cx, args),
        "split" => string::split(cx, args),
        "replace" => string::replace(cx, args),
        "startswith" | "endswith" => string::starts_ends_with(lname, args),
        "substring" => string::substring(args),
        "trim" => string::trim(args),
        "padleft" => string::pad_left(cx, args),
        "join" => string::join(cx, args),
        "base64" => string::base64(cx, args),
        "base64tostring" => string::base64_to_string(args),
        "base64tojson" => string::base64_to_json(cx, args),
        "datauri" => string::data_uri(cx, args),
        "datauritostring" => string::data_uri_to_string(args),
        "uri" => string::uri(cx, args),
        "uricomponent" => string::uri_component(cx, args),
        "uricomponenttostring" => string::uri_component_to_string(args),
        "guid" => guid::guid(args),
        "uniquestring" => unique_string::unique_string(args),

        // The deployment's time: fixed while it runs (parameter defaults only), a symbol.
        "utcnow" => {
            arity("utcNow", &args, 0, 1)?;
            let format = match args.first() {
                Some(f) => vec![crate::symbol::Arg::Str(want_str("utcNow", f)?)],
                None => Vec::new(),
            };
            Ok(Value::str(crate::symbol::call("utcNow", &format)))
        }
        // date
        "datetimeadd" => date::date_time_add(args),
        "datetimefromepoch" => date::date_time_from_epoch(args),
        "datetimetoepoch" => date::date_time_to_epoch(args),

        // array (and the string forms of the same functions)
        "array" => array::array(args),
        "createarray" => array::create_array(cx, args),
        "contains" => array::contains(args),
        "empty" => array::empty(args),
        "first" | "last" => array::first_last(lname, args),
        "flatten" => array::flatten(cx, args),
        "indexof" | "lastindexof" => array::index_of(lname, args),
        "indexfromend" | "tryindexfromend" => array::index_from_end(lname, args),
        "intersection" => array::intersection(args),
        "length" => array::length(args),
        "range" => array::range(cx, args),
        "skip" | "take" => array::skip_take(lname, args),
        "union" => array::union(cx, args),

        // object
        "createobject" => object::create_object(args),
        "items" => object::items(cx, args),
        "json" => object::json(cx, args),
        "tryget" => object::try_get(args),
        "objectkeys" => object::object_keys(args),
        "shallowmerge" => object::shallow_merge(args),

        // resource ids and scopes
        "resourceid" => resource::resource_id(cx, args),
        "subscriptionresourceid" => resource::subscription_resource_id(cx, args),
        "tenantresourceid" => resource::tenant_resource_id(args),
        "extensionresourceid" => resource::extension_resource_id(args),
        "managementgroupresourceid" => resource::management_group_resource_id(args),
        "resourcegroup" => resource::resource_group(cx, args),
        "subscription" => resource::subscription(cx, args),

        // CIDR
        "parsecidr" => cidr::parse_cidr(args),
        "cidrsubnet" => cidr::cidr_subnet(args),
        "cidrhost" => cidr::cidr_host(args),

        _ => {
            if let Some(u) = deployment::runtime(lname, written) {
                return Ok(u);
            }
            Ok(Value::unknown(format!(
                "function '{written}' is not evaluated statically"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::arm::eval::testenv::*;

    #[test]
    fn names_are_case_insensitive() {
        assert_eq!(ev("CONCAT('a', 'b')").as_str(), Some("ab"));
        assert_eq!(ev("toLOWER('AB')").as_str(), Some("ab"));
    }

    #[test]
    fn unknown_propagates_with_first_reason() {
        let v = ev("concat(parameters('a'), parameters('b'))");
        assert_eq!(reason(&v), "parameter 'a' has no value");
        let v = ev("toLower(parameters('a'))");
        assert_eq!(reason(&v), "parameter 'a' has no value");
    }

    #[test]
    fn unimplemented_function() {
        assert_eq!(
            reason(&ev("foo(1)")),
            "function 'foo' is not evaluated statically"
        );
        assert!(reason(&ev("true(1)")).starts_with("error:"));
        assert!(reason(&ev("lambda('x', 1)")).starts_with("error:"));
    }
}
