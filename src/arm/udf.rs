//! User-defined functions (`functions` in a template; Bicep `func` compiles to
//! the `__bicep` namespace). A function body sees its own parameters and the
//! template's variables (ARM allows `variables()` in functions; Bicep emits it
//! for functions that use a variable, also for imported ones).

use crate::arm::eval::{
    DeployScope, ExprEnv, StringForm, classify, evaluate_expr, evaluate_string,
};
use crate::arm::frame::{Frame, literal_kind};
use crate::arm::template::STEP_BUDGET;
use crate::json::{Node, NodeKind};
use crate::source::Loc;
use crate::value::{Kind, Object, Value};

/// How deep user-defined functions may call each other.
const MAX_UDF_DEPTH: usize = 32;

/// Evaluation steps one call costs beyond its body's own: functions that
/// call others twice each would otherwise make billions of cheap calls
/// before the step budget runs out.
const CALL_STEPS: u64 = 200;

struct UdfEnv<'f, 'a, 's, 'l> {
    /// The template the function is defined in (its variables, budgets).
    frame: &'f mut Frame<'a, 's, 'l>,
    params: Vec<(String, Value)>,
    depth: usize,
}

/// Finds `namespace.name` in the frame's template's `functions` and evaluates its output.
pub fn call(
    frame: &mut Frame,
    namespace: &str,
    name: &str,
    args: Vec<Value>,
    depth: usize,
) -> Value {
    let template = frame.template;
    let Some(member) = find(template, namespace, name) else {
        return Value::unknown(format!(
            "error: function '{namespace}.{name}' is not defined"
        ));
    };
    frame.shared.steps += CALL_STEPS;
    if frame.shared.steps > STEP_BUDGET {
        frame
            .shared
            .note_limit("the evaluation step budget ran out");
        return Value::unknown("evaluation limit: step budget exhausted");
    }
    if depth >= MAX_UDF_DEPTH {
        frame
            .shared
            .note_limit("user-defined functions call each other too deeply");
        return Value::unknown("evaluation limit: user-defined functions nest too deeply");
    }
    let declared: Vec<&str> = member
        .get("parameters")
        .map(|p| {
            p.items()
                .iter()
                .filter_map(|i| i.get("name").and_then(Node::as_str))
                .collect()
        })
        .unwrap_or_default();
    if declared.len() != args.len() {
        return Value::unknown(format!(
            "error: {namespace}.{name}() takes {} argument(s), got {}",
            declared.len(),
            args.len()
        ));
    }
    let Some(output) = member.get("output").and_then(|o| o.get("value")) else {
        return Value::unknown(format!(
            "error: function '{namespace}.{name}' has no output"
        ));
    };
    // A Bicep function imported from another file is lowered onto the span of
    // the `import` statement, the whole definition on one span: what it builds
    // itself points at the call instead (the expression being evaluated).
    let imported = output.span == member.span;
    let call_site = frame.shared.current;
    let file = frame.file;
    let mut env = UdfEnv {
        frame,
        params: declared.iter().map(|d| d.to_string()).zip(args).collect(),
        depth,
    };
    let mut v = eval_node(output, &mut env);
    if let (true, Some(call)) = (imported, call_site) {
        point_at_call(&mut v, Loc::new(file, member.span), call, 0);
    }
    v
}

fn point_at_call(v: &mut Value, home: Loc, call: Loc, depth: usize) {
    if v.origin == Some(home) {
        v.origin = Some(call);
    }
    if depth > 64 {
        return;
    }
    match &mut v.kind {
        Kind::Array(items) => items
            .iter_mut()
            .for_each(|i| point_at_call(i, home, call, depth + 1)),
        Kind::Object(o) => o
            .entries
            .iter_mut()
            .for_each(|(_, i)| point_at_call(i, home, call, depth + 1)),
        _ => {}
    }
}

fn find<'t>(template: &'t Node, namespace: &str, name: &str) -> Option<&'t Node> {
    template.get("functions")?.items().iter().find_map(|ns| {
        let matches = ns
            .get("namespace")
            .and_then(Node::as_str)
            .is_some_and(|n| n.eq_ignore_ascii_case(namespace));
        if matches {
            ns.get("members")?.get(name)
        } else {
            None
        }
    })
}

/// A function body value: strings are expressions, containers recursive.
fn eval_node(node: &Node, env: &mut UdfEnv) -> Value {
    let loc = Some(Loc::new(env.frame.file, node.span));
    let kind = match &node.kind {
        NodeKind::String(s) => {
            let origin = Loc::new(env.frame.file, node.span);
            // Bodies are parsed once per evaluation, not once per call.
            if let StringForm::Expression(inner, _) = classify(s) {
                let parsed = match env.frame.shared.parsed.get(inner) {
                    Some(e) => Some(e.clone()),
                    None => crate::arm::expr::parse(inner).ok().map(|e| {
                        let e = std::rc::Rc::new(e);
                        env.frame.shared.parsed.insert(inner.into(), e.clone());
                        e
                    }),
                };
                if let Some(e) = parsed {
                    return evaluate_expr(&e, env).or_origin(loc);
                }
            }
            return evaluate_string(s, origin, env).or_origin(loc);
        }
        NodeKind::Object(members) => {
            let mut obj = Object::new();
            for m in members {
                obj.entries.push((m.key.clone(), eval_node(&m.value, env)));
            }
            Kind::Object(obj)
        }
        NodeKind::Array(items) => Kind::Array(items.iter().map(|n| eval_node(n, env)).collect()),
        other => literal_kind(other),
    };
    Value::new(kind, loc)
}

impl ExprEnv for UdfEnv<'_, '_, '_, '_> {
    fn parameter(&mut self, name: &str) -> Value {
        let Some((_, v)) = self
            .params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        else {
            return Value::unknown(format!(
                "error: function parameter '{name}' is not declared"
            ));
        };
        // Each read copies the value (a large argument read in a loop).
        if !self
            .frame
            .shared
            .charge_built(crate::arm::frame::copy_cost(v))
        {
            return Value::unknown("evaluation limit: step budget exhausted");
        }
        v.clone()
    }

    fn variable(&mut self, name: &str) -> Value {
        self.frame.variable(name)
    }

    fn scope(&self) -> &DeployScope {
        &self.frame.scope
    }

    fn tick(&mut self) -> bool {
        self.frame.shared.charge(1)
    }

    fn charge(&mut self, units: u64) -> bool {
        self.frame.shared.charge_built(units)
    }

    fn user_function(&mut self, namespace: &str, name: &str, args: Vec<Value>) -> Value {
        call(self.frame, namespace, name, args, self.depth + 1)
    }
}
