//! User-defined functions (`functions` in a template; Bicep `func` compiles to
//! the `__bicep` namespace). A function body sees only its own parameters.

use crate::arm::eval::{DeployScope, ExprEnv, evaluate_string};
use crate::arm::frame::{Shared, literal_kind};
use crate::arm::template::STEP_BUDGET;
use crate::json::{Node, NodeKind};
use crate::source::{FileId, Loc};
use crate::value::{Kind, Object, Value};

/// How deep user-defined functions may call each other.
const MAX_UDF_DEPTH: usize = 32;

struct UdfEnv<'a, 's, 'l> {
    template: &'a Node,
    file: FileId,
    scope: &'a DeployScope,
    shared: &'s mut Shared<'l>,
    params: Vec<(String, Value)>,
    depth: usize,
}

/// Finds `namespace.name` in the template's `functions` and evaluates its output.
#[allow(clippy::too_many_arguments)]
pub fn call(
    template: &Node,
    file: FileId,
    scope: &DeployScope,
    shared: &mut Shared,
    namespace: &str,
    name: &str,
    args: Vec<Value>,
    depth: usize,
) -> Value {
    let Some(member) = find(template, namespace, name) else {
        return Value::unknown(format!(
            "error: function '{namespace}.{name}' is not defined"
        ));
    };
    if depth >= MAX_UDF_DEPTH {
        shared.note_limit("user-defined functions call each other too deeply");
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
    let mut env = UdfEnv {
        template,
        file,
        scope,
        shared,
        params: declared.iter().map(|d| d.to_string()).zip(args).collect(),
        depth,
    };
    eval_node(output, &mut env)
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
    let loc = Some(Loc::new(env.file, node.span));
    let kind = match &node.kind {
        NodeKind::String(s) => {
            let origin = Loc::new(env.file, node.span);
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

impl ExprEnv for UdfEnv<'_, '_, '_> {
    fn parameter(&mut self, name: &str) -> Value {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| {
                Value::unknown(format!(
                    "error: function parameter '{name}' is not declared"
                ))
            })
    }

    fn variable(&mut self, name: &str) -> Value {
        Value::unknown(format!(
            "error: variables('{name}') cannot be used in a user-defined function"
        ))
    }

    fn scope(&self) -> &DeployScope {
        self.scope
    }

    fn tick(&mut self) -> bool {
        self.shared.steps += 1;
        if self.shared.steps > STEP_BUDGET {
            self.shared.note_limit("the evaluation step budget ran out");
            return false;
        }
        true
    }

    fn user_function(&mut self, namespace: &str, name: &str, args: Vec<Value>) -> Value {
        call(
            self.template,
            self.file,
            self.scope,
            self.shared,
            namespace,
            name,
            args,
            self.depth + 1,
        )
    }
}
