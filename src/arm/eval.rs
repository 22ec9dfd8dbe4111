//! Evaluates ARM expressions to [`Value`]s.
//!
//! Anything that cannot be known statically becomes `Kind::Unknown(reason)`
//! and propagates. Where ARM itself would fail the deployment (missing
//! property, index out of range, bad argument types, overflow) the result is
//! an Unknown whose reason starts with `error:`; resource limits give a reason
//! starting with `evaluation limit:`. Evaluation never panics.

use crate::arm::expr::{self, Accessor, Expr, ExprKind};
use crate::arm::functions;
use crate::source::Loc;
use crate::value::{Kind, Value};

/// Where the template is deployed; `None` parts are unknown at lint time.
#[derive(Clone, Debug, Default)]
pub struct DeployScope {
    pub level: ScopeLevel,
    pub subscription_id: Option<String>,
    pub resource_group: Option<String>,
    /// The resource group's location, when the deployment target names it.
    pub location: Option<String>,
}

// Scopes and the stand-ins for deploy-time values inside ids belong to
// resource ids; expressions build them.
pub use crate::resource_id::{
    CLIENT_PLACEHOLDER, PRINCIPAL_PLACEHOLDER, RESOURCE_GROUP_PLACEHOLDER,
    SUBSCRIPTION_PLACEHOLDER, ScopeLevel,
};

/// What an expression can see of its template. Implemented by the template evaluator.
pub trait ExprEnv {
    /// `parameters('name')`: the value (with its own origin), or an Unknown with a reason.
    fn parameter(&mut self, name: &str) -> Value;
    /// `variables('name')`: the evaluated variable, or an Unknown with a reason.
    fn variable(&mut self, name: &str) -> Value;
    fn scope(&self) -> &DeployScope;
    /// Called once per evaluation step (function call / accessor); returns false when the
    /// evaluation budget is exhausted, in which case evaluation yields an Unknown.
    fn tick(&mut self) -> bool;

    /// Charges a value of `units` (nodes plus string bytes / 64) copied or
    /// built: work and memory in proportion to its size; false when the
    /// budget is exhausted.
    fn charge(&mut self, units: u64) -> bool {
        let _ = units;
        self.tick()
    }

    /// The zero-based iteration of the copy loop `loop_name` (the innermost loop
    /// when `None`) as an Int, for `copyIndex()`; the offset argument is added by
    /// the evaluator. Default: Unknown (no loop context).
    fn copy_index(&mut self, loop_name: Option<&str>) -> Value {
        let _ = loop_name;
        Value::unknown("copyIndex() is only known inside a copy loop")
    }

    /// Deployment-time functions the template evaluator can answer statically:
    /// `reference` (outputs of a nested deployment), `deployment`, `resourceInfo`.
    /// `name` is lower-case. `None` leaves the call to the built-in (Unknown).
    fn runtime_function(&mut self, name: &str, args: &[Value]) -> Option<Value> {
        let _ = (name, args);
        None
    }

    /// A user-defined function call `namespace.name(args...)`. Default: Unknown.
    fn user_function(&mut self, namespace: &str, name: &str, args: Vec<Value>) -> Value {
        let _ = args;
        Value::unknown(format!(
            "user-defined function '{namespace}.{name}' is not evaluated statically"
        ))
    }
}

/// How a JSON string value from a template is to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StringForm<'a> {
    /// A plain literal (for `[[...]` already with the first `[` removed).
    Literal(&'a str),
    /// An expression: the text between the outer brackets and its byte offset in the string.
    Expression(&'a str, usize),
}

/// Classifies a template string: expression iff it starts with `[`, ends with `]`
/// and does not start with `[[`.
pub fn classify(text: &str) -> StringForm<'_> {
    if let Some(rest) = text.strip_prefix("[[") {
        // `[[...]` escapes a literal that would otherwise be an expression.
        if text.ends_with(']') {
            return StringForm::Literal(text.get(1..).unwrap_or(rest));
        }
        return StringForm::Literal(text);
    }
    if text.len() >= 2 && text.starts_with('[') && text.ends_with(']') {
        return StringForm::Expression(text.get(1..text.len() - 1).unwrap_or(""), 1);
    }
    StringForm::Literal(text)
}

/// The text of a literal template string (`[[x]` → `[x]`); expressions unchanged.
pub fn literal_text(text: &str) -> &str {
    match classify(text) {
        StringForm::Literal(s) => s,
        StringForm::Expression(..) => text,
    }
}

/// True when the template string is an expression (see [`classify`]).
pub fn is_expression(text: &str) -> bool {
    matches!(classify(text), StringForm::Expression(..))
}

/// The syntax error of a template string, if it is an expression that does not
/// parse: the message and the byte offset **within `text`** (the whole JSON string
/// value, including the leading `[`). `None` for literals and valid expressions.
pub fn parse_error(text: &str) -> Option<(String, usize)> {
    match classify(text) {
        StringForm::Literal(_) => None,
        StringForm::Expression(inner, base) => expr::parse(inner)
            .err()
            .map(|e| (e.message, e.offset + base)),
    }
}

/// Evaluates a JSON string value from a template: a `[...]` expression, a `[[` escaped
/// literal, or a plain literal. `origin` is the location of the JSON string; the result
/// carries it as origin when it has none of its own.
pub fn evaluate_string(text: &str, origin: Loc, env: &mut dyn ExprEnv) -> Value {
    let origin = Some(origin);
    match classify(text) {
        StringForm::Literal(s) => Value::str(s).with_origin(origin),
        StringForm::Expression(inner, _) => match expr::parse(inner) {
            Ok(e) => evaluate_expr(&e, env).or_origin(origin),
            Err(e) => {
                Value::unknown(format!("invalid expression: {}", e.message)).with_origin(origin)
            }
        },
    }
}

/// Evaluates an already parsed expression. The result has the origin of the
/// value it came from (e.g. a parameter), or none.
pub fn evaluate_expr(e: &Expr, env: &mut dyn ExprEnv) -> Value {
    let mut cx = Ctx::new(env);
    cx.eval(e)
}

/// Total bytes of strings/arrays one evaluation may build before giving up.
const TOTAL_BUDGET: usize = 64 << 20;

/// Evaluation state shared with the function implementations.
pub(crate) struct Ctx<'e> {
    pub env: &'e mut dyn ExprEnv,
    /// Bound lambda parameters, innermost last.
    pub lambda_vars: Vec<(String, Value)>,
    built: usize,
}

impl<'e> Ctx<'e> {
    pub fn new(env: &'e mut dyn ExprEnv) -> Ctx<'e> {
        Ctx {
            env,
            lambda_vars: Vec::new(),
            built: 0,
        }
    }

    /// One evaluation step; `Err` once the environment's budget is spent.
    pub fn tick(&mut self) -> Result<(), Value> {
        if self.env.tick() {
            Ok(())
        } else {
            Err(Value::unknown("evaluation limit: step budget exhausted"))
        }
    }

    /// `units` steps at once (a value copied or walked); `Err` once the
    /// environment's budget is spent.
    pub fn charge_steps(&mut self, units: u64) -> Result<(), Value> {
        if units == 0 || self.env.charge(units) {
            Ok(())
        } else {
            Err(Value::unknown("evaluation limit: step budget exhausted"))
        }
    }

    /// Accounts for `bytes` of freshly built data, so that many medium-sized
    /// results cannot add up to an unbounded allocation.
    pub fn charge(&mut self, bytes: usize) -> Result<(), Value> {
        self.built = self.built.saturating_add(bytes);
        // Building costs steps too (a unit per 64 bytes), so that many
        // expressions cannot each build their fill.
        self.charge_steps(bytes as u64 / 64)?;
        if self.built > TOTAL_BUDGET {
            Err(Value::unknown(
                "evaluation limit: expression builds too much data",
            ))
        } else {
            Ok(())
        }
    }

    pub fn eval(&mut self, e: &Expr) -> Value {
        match &e.kind {
            ExprKind::Str(s) => Value::str(s.clone()),
            ExprKind::Int(i) => Value::int(*i),
            ExprKind::Bool(b) => Value::bool(*b),
            ExprKind::Null => Value::null(),
            ExprKind::Call(c) => {
                if let Err(u) = self.tick() {
                    return u;
                }
                if c.namespace.is_none() && is_runtime_function(&c.name) {
                    let args: Vec<Value> = c.args.iter().map(|a| self.eval(a)).collect();
                    let name = c.name.to_ascii_lowercase();
                    if let Some(v) = self.env.runtime_function(&name, &args) {
                        return v;
                    }
                }
                functions::call(self, c)
            }
            ExprKind::Access(base, accessors) => {
                let mut cur = self.eval(base);
                for acc in accessors {
                    if cur.is_unknown() {
                        return cur;
                    }
                    if let Err(u) = self.tick() {
                        return u;
                    }
                    cur = match acc {
                        Accessor::Property { name, .. } => property(cur, name),
                        Accessor::Index { index, .. } => {
                            let i = self.eval(index);
                            index_value(cur, i)
                        }
                    };
                }
                cur
            }
        }
    }
}

fn is_runtime_function(name: &str) -> bool {
    ["reference", "deployment", "resourceInfo"]
        .iter()
        .any(|f| f.eq_ignore_ascii_case(name))
}

/// `v.name`: case-insensitive property access, moving the value out.
pub(crate) fn property(v: Value, name: &str) -> Value {
    match v.kind {
        Kind::Object(o) => {
            let available: Vec<String>;
            let open = o.open;
            let mut entries = o.entries;
            // Object::get takes the last match; do the same.
            match entries
                .iter()
                .rposition(|(k, _)| k.eq_ignore_ascii_case(name))
            {
                Some(i) => entries.swap_remove(i).1,
                None if open => Value::unknown(format!(
                    "'{name}' is set by Azure at deployment, not by the template"
                )),
                // A key chosen at deployment (`regions[location]`) may be any of
                // them: a string lookup is a symbol, anything else unknown.
                None if crate::arm::functions::placeholder::str_has(name) => {
                    lookup_symbol(&entries, name).unwrap_or_else(|| {
                        Value::unknown(
                            "a property named by a deploy-time value is not known statically",
                        )
                    })
                }
                None => {
                    available = entries.iter().take(8).map(|(k, _)| k.clone()).collect();
                    Value::unknown(format!(
                        "error: property '{name}' does not exist (properties: {})",
                        if available.is_empty() {
                            "none".to_string()
                        } else {
                            available.join(", ")
                        }
                    ))
                }
            }
        }
        Kind::Unknown(_) => v,
        _ => Value::unknown(format!(
            "error: cannot access property '{name}' of a {}",
            v.type_name()
        )),
    }
}

/// `map[key]` with a deploy-time key over a map of strings: the symbol
/// `{lookup('map·<hash>', key)}`, the same wherever the same map is indexed
/// by the same key.
fn lookup_symbol(entries: &[(String, Value)], key: &str) -> Option<Value> {
    if entries.is_empty() {
        return None;
    }
    let mut parts: Vec<&str> = Vec::with_capacity(entries.len() * 2);
    for (k, v) in entries {
        parts.push(k);
        parts.push(v.as_str()?);
    }
    let map = format!("map-{}", crate::finding::stable_hash(&parts).get(..8)?);
    use crate::symbol::{Arg, call};
    Some(Value::str(call("lookup", &[Arg::Str(&map), Arg::Str(key)])))
}

/// `v[i]`: array index or object key.
pub(crate) fn index_value(v: Value, i: Value) -> Value {
    if v.is_unknown() {
        return v;
    }
    if i.is_unknown() {
        return i;
    }
    match (v.kind, &i.kind) {
        (Kind::Array(items), Kind::Int(n)) => {
            let len = items.len();
            match usize::try_from(*n).ok().filter(|n| *n < len) {
                Some(n) => items.into_iter().nth(n).unwrap_or_else(Value::null),
                None => Value::unknown(format!(
                    "error: index {n} is out of range for an array of length {len}"
                )),
            }
        }
        (kind @ Kind::Object(_), Kind::Str(key)) => property(Value::new(kind, v.origin), key),
        (kind, _) => Value::unknown(format!(
            "error: cannot index a {} with a {}",
            Value::new(kind, None).type_name(),
            i.type_name()
        )),
    }
}

#[cfg(test)]
pub(crate) mod testenv {
    //! A small environment for unit tests.
    use super::*;
    use std::collections::HashMap;

    #[derive(Default)]
    pub struct TestEnv {
        pub params: HashMap<String, Value>,
        pub vars: HashMap<String, Value>,
        pub scope: DeployScope,
        pub ticks_left: Option<usize>,
        pub copy_index: Option<i64>,
    }

    impl TestEnv {
        pub fn new() -> TestEnv {
            TestEnv::default()
        }

        pub fn param(mut self, name: &str, json: &str) -> TestEnv {
            self.params
                .insert(name.to_ascii_lowercase(), from_json(json));
            self
        }

        pub fn var(mut self, name: &str, v: Value) -> TestEnv {
            self.vars.insert(name.to_ascii_lowercase(), v);
            self
        }
    }

    /// Test helper: JSON text to Value.
    pub fn from_json(json: &str) -> Value {
        crate::arm::functions::json::parse_json(json).unwrap()
    }

    impl ExprEnv for TestEnv {
        fn parameter(&mut self, name: &str) -> Value {
            self.params
                .get(&name.to_ascii_lowercase())
                .cloned()
                .unwrap_or_else(|| Value::unknown(format!("parameter '{name}' has no value")))
        }
        fn variable(&mut self, name: &str) -> Value {
            self.vars
                .get(&name.to_ascii_lowercase())
                .cloned()
                .unwrap_or_else(|| Value::unknown(format!("variable '{name}' is not defined")))
        }
        fn scope(&self) -> &DeployScope {
            &self.scope
        }
        fn tick(&mut self) -> bool {
            match &mut self.ticks_left {
                None => true,
                Some(0) => false,
                Some(n) => {
                    *n -= 1;
                    true
                }
            }
        }
        fn copy_index(&mut self, _loop_name: Option<&str>) -> Value {
            match self.copy_index {
                Some(i) => Value::int(i),
                None => Value::unknown("no copy loop"),
            }
        }
    }

    fn loc() -> Loc {
        Loc::new(0, crate::source::Span::new(0, 0))
    }

    /// Evaluates `[text]` in `env`.
    pub fn ev_in(env: &mut TestEnv, text: &str) -> Value {
        evaluate_string(&format!("[{text}]"), loc(), env)
    }

    /// Evaluates `[text]` in an empty environment.
    pub fn ev(text: &str) -> Value {
        ev_in(&mut TestEnv::new(), text)
    }

    /// Evaluates and renders as compact JSON in insertion order (with unknown
    /// parts, via `to_json`: sorted keys, unknowns as `{"$unknown":..}`).
    pub fn evj(text: &str) -> String {
        render(&ev(text))
    }

    pub fn render(v: &Value) -> String {
        let mut s = String::new();
        match crate::arm::functions::json::write_compact(v, &mut s, usize::MAX) {
            Ok(()) => s,
            Err(_) => v.to_json().to_string(),
        }
    }

    pub fn reason(v: &Value) -> &str {
        v.unknown_reason()
            .unwrap_or_else(|| panic!("expected unknown, got {v:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::testenv::*;
    use super::*;
    use crate::source::Span;

    #[test]
    fn classify_strings() {
        assert_eq!(classify("[f()]"), StringForm::Expression("f()", 1));
        assert_eq!(classify("[[f()]"), StringForm::Literal("[f()]"));
        assert_eq!(classify("[abc]def"), StringForm::Literal("[abc]def"));
        assert_eq!(classify("plain"), StringForm::Literal("plain"));
        assert_eq!(classify("["), StringForm::Literal("["));
        assert_eq!(classify("[]"), StringForm::Expression("", 1));
        assert_eq!(classify("[[x"), StringForm::Literal("[[x"));
    }

    #[test]
    fn literals_and_origin() {
        let origin = Loc::new(3, Span::new(10, 20));
        let mut env = TestEnv::new().param("p", r#"{"a":1}"#);
        let v = evaluate_string("[[x]", origin, &mut env);
        assert_eq!(v.as_str(), Some("[x]"));
        assert_eq!(v.origin, Some(origin));
        let v = evaluate_string("[concat('a', 'b')]", origin, &mut env);
        assert_eq!((v.as_str(), v.origin), (Some("ab"), Some(origin)));
        // A parameter keeps its own origin.
        let own = Loc::new(1, Span::new(1, 2));
        env.params
            .insert("q".into(), Value::str("x").with_origin(Some(own)));
        let v = evaluate_string("[parameters('Q')]", origin, &mut env);
        assert_eq!(v.origin, Some(own));
    }

    #[test]
    fn syntax_errors() {
        let v = ev("concat('a'");
        assert!(reason(&v).starts_with("invalid expression: "));
        assert_eq!(
            parse_error("[concat('a']"),
            Some(("missing ')'".into(), 11))
        );
        assert_eq!(parse_error("[concat('a')]"), None);
        assert_eq!(parse_error("[[concat('a']"), None);
        assert_eq!(parse_error("plain"), None);
    }

    #[test]
    fn accessors() {
        let mut env = TestEnv::new().param("o", r#"{"Name":"n","list":[1,{"x":true}]}"#);
        assert_eq!(ev_in(&mut env, "parameters('o').name").as_str(), Some("n"));
        assert_eq!(
            ev_in(&mut env, "parameters('o')['NAME']").as_str(),
            Some("n")
        );
        assert_eq!(
            ev_in(&mut env, "parameters('o').list[1].X").as_bool(),
            Some(true)
        );
        let v = ev_in(&mut env, "parameters('o').list[2]");
        assert!(reason(&v).starts_with("error: index 2 is out of range"));
        let v = ev_in(&mut env, "parameters('o').list[-1]");
        assert!(reason(&v).starts_with("error:"));
        let v = ev_in(&mut env, "parameters('o').missing");
        assert!(reason(&v).starts_with("error: property 'missing' does not exist"));
        let v = ev_in(&mut env, "parameters('o').name.x");
        assert!(reason(&v).starts_with("error: cannot access property"));
        let v = ev_in(&mut env, "parameters('nope').a[0].b");
        assert_eq!(reason(&v), "parameter 'nope' has no value");
        let v = ev_in(&mut env, "parameters('o').list[parameters('nope')]");
        assert_eq!(reason(&v), "parameter 'nope' has no value");
        let v = ev_in(&mut env, "createArray(1,2)['a']");
        assert!(reason(&v).starts_with("error: cannot index"));
    }

    #[test]
    fn tick_budget() {
        let mut env = TestEnv::new();
        env.ticks_left = Some(3);
        let v = ev_in(
            &mut env,
            "concat('a', concat('b', concat('c', concat('d'))))",
        );
        assert!(reason(&v).starts_with("evaluation limit:"));
        let mut env = TestEnv::new();
        env.ticks_left = Some(3);
        assert_eq!(
            ev_in(&mut env, "concat('a', concat('b'))").as_str(),
            Some("ab")
        );
    }

    #[test]
    fn hostile_nesting_stays_fast() {
        // Doubling through nesting is cut off by the size limits, not allocated.
        let mut e =
            "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'".to_string();
        for _ in 0..40 {
            e = format!("concat({e}, {e})");
            if e.len() > 20_000 {
                break;
            }
        }
        let v = ev(&e);
        assert!(v.as_str().is_some() || v.is_unknown());
        let deep = format!("{}'a'{}", "concat(".repeat(99), ")".repeat(99));
        assert_eq!(ev(&deep).as_str(), Some("a"));
        let too_deep = format!("{}'a'{}", "concat(".repeat(5000), ")".repeat(5000));
        assert!(reason(&ev(&too_deep)).starts_with("invalid expression"));
    }

    #[test]
    fn random_input_never_panics() {
        const FRAGS: [&str; 34] = [
            "concat(",
            "format(",
            "'{0}'",
            "'a''b'",
            ")",
            "(",
            ",",
            "[",
            "]",
            ".",
            "x",
            "1",
            "-5",
            "createArray(",
            "createObject(",
            "parameters('p')",
            "if(",
            "and(",
            "or(",
            "true",
            "null",
            "'é😀'",
            "union(",
            "split(",
            "range(0, 3)",
            "json('{}')",
            "resourceId(",
            "'A.B/c'",
            "cidrSubnet(",
            "'10.0.0.0/8'",
            "map(",
            "lambda('x', ",
            "lambdaVariables('x')",
            "padLeft(",
        ];
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut env = TestEnv::new().param("p", r#"{"a":[1,"x",{"b":null}]}"#);
        for _ in 0..3000 {
            let mut s = String::new();
            let n = (seed % 12) as usize + 1;
            for _ in 0..n {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                s.push_str(FRAGS[(seed >> 33) as usize % FRAGS.len()]);
            }
            let _ = ev_in(&mut env, &s);
            let _ = parse_error(&format!("[{s}]"));
        }
    }

    #[test]
    fn deep_nesting_fits_a_small_stack() {
        let run = |e: String| {
            std::thread::Builder::new()
                .stack_size(1 << 20)
                .spawn(move || {
                    let _ = ev(&e);
                })
                .unwrap()
                .join()
                .unwrap();
        };
        let d = expr::MAX_DEPTH - 1;
        run(format!("{}'a'{}", "concat(".repeat(d), ")".repeat(d)));
        run(format!("{}1{}", "if(true(), ".repeat(d), ", 0)".repeat(d)));
        run(format!("{}1{}", "createArray(".repeat(d), ")[0]".repeat(d)));
        run(format!(
            "{}1{}",
            "map(createArray(1), lambda('x', ".repeat(d / 2),
            "))".repeat(d / 2)
        ));
    }

    #[test]
    fn variables_and_user_functions() {
        let mut env = TestEnv::new().var("v", Value::int(3));
        assert_eq!(ev_in(&mut env, "variables('V')").as_int(), Some(3));
        assert!(ev_in(&mut env, "variables('w')").is_unknown());
        let v = ev_in(&mut env, "ns.f(1)");
        assert_eq!(
            reason(&v),
            "user-defined function 'ns.f' is not evaluated statically"
        );
        let v = ev_in(&mut env, "fooBar(1)");
        assert_eq!(reason(&v), "function 'fooBar' is not evaluated statically");
    }

    #[test]
    fn copy_index() {
        let mut env = TestEnv::new();
        env.copy_index = Some(2);
        assert_eq!(ev_in(&mut env, "copyIndex()").as_int(), Some(2));
        assert_eq!(ev_in(&mut env, "copyIndex(1)").as_int(), Some(3));
        assert_eq!(ev_in(&mut env, "copyIndex('loop', 10)").as_int(), Some(12));
        assert!(ev("copyIndex()").is_unknown());
    }
}
