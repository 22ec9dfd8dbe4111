//! Bicep expressions → ARM expression text, as the Bicep compiler writes
//! them: operators become functions (`a == b` → `equals(a, b)`), symbols
//! become `parameters('x')` / `variables('x')` / `resourceId(...)` /
//! `reference(...)`, loop variables their `source[copyIndex()]` binding.

use crate::bicep::syntax::{ArrayItem, BinaryOp, Expr, ExprKind, ObjectItem, UnaryOp};
use crate::bicep::{FileRef, RefKind};
use crate::confine::Refusal;

use super::imports::Imported;
use super::node::{format_escape, member_access, quote, unknown};
use super::symbols::{Dep, Symbol};
use super::{Env, Lowerer, as_call, loop_env};

/// Expression nesting lowered before giving up (the parser bounds it too).
const MAX_DEPTH: usize = 256;

/// One step of a member chain: `.name`, `[index]`, `::child`.
enum Step<'p> {
    Member(&'p str, bool),
    Index(&'p Expr, bool, bool),
    Child(&'p str),
}

impl<'p> Lowerer<'p> {
    pub fn expr(&mut self, e: &'p Expr, env: &Env) -> String {
        if self.depth >= MAX_DEPTH {
            return unknown("expression nests too deeply");
        }
        if self.emitted > self.budget {
            return unknown("evaluation limit: the Bicep file lowers to too large a template");
        }
        self.depth += 1;
        let out = self.expr_inner(e, env);
        self.depth -= 1;
        self.emitted += out.len();
        // Past the budget the text is dropped here, so the expressions that
        // enclose it (each copying its children, a loop twice) stay small.
        if self.emitted > self.budget {
            return unknown("evaluation limit: the Bicep file lowers to too large a template");
        }
        out
    }

    fn expr_inner(&mut self, e: &'p Expr, env: &Env) -> String {
        match &e.kind {
            ExprKind::Null => "null()".into(),
            ExprKind::Bool(true) => "true()".into(),
            ExprKind::Bool(false) => "false()".into(),
            ExprKind::Int(i) => i.to_string(),
            ExprKind::String { parts, holes } => self.string(parts, holes, env),
            ExprKind::Ident(id) => self.ident(&id.name, env),
            ExprKind::Array(items) => self.array(items, env),
            ExprKind::Object(items) => self.object(items, env),
            ExprKind::Call { name, args } => self.call(&name.name, args, env),
            ExprKind::MethodCall { target, name, args } => {
                self.method(target, &name.name, args, env)
            }
            ExprKind::Member { .. } | ExprKind::Index { .. } | ExprKind::Child { .. } => {
                self.chain(e, env)
            }
            ExprKind::NonNull(inner) | ExprKind::Paren(inner) => self.expr(inner, env),
            ExprKind::Unary {
                op: UnaryOp::Not,
                operand,
            } => format!("not({})", self.expr(operand, env)),
            ExprKind::Unary {
                op: UnaryOp::Neg,
                operand,
            } => match operand.kind {
                ExprKind::Int(i) => i.wrapping_neg().to_string(),
                _ => format!("sub(0, {})", self.expr(operand, env)),
            },
            ExprKind::Binary { op, lhs, rhs } => {
                let (a, b) = (self.expr(lhs, env), self.expr(rhs, env));
                binary(*op, &a, &b)
            }
            ExprKind::Ternary {
                cond,
                then,
                otherwise,
            } => format!(
                "if({}, {}, {})",
                self.expr(cond, env),
                self.expr(then, env),
                self.expr(otherwise, env)
            ),
            ExprKind::Lambda { params, body } => {
                let mut inner = env.clone();
                let mut names = Vec::new();
                for p in params {
                    let var = self.fresh_name(&p.name);
                    inner.push((p.name.clone(), format!("lambdaVariables({})", quote(&var))));
                    names.push(quote(&var));
                }
                let body = self.expr(body, &inner);
                names.push(body);
                format!("lambda({})", names.join(", "))
            }
            ExprKind::For {
                item,
                index,
                source,
                body,
            } => {
                // A loop in expression position: map over the indices.
                let src = self.expr(source, env);
                let var = self.fresh_name("i");
                let idx = format!("lambdaVariables({})", quote(&var));
                let inner = loop_env(
                    item.as_ref().map(|i| i.name.as_str()),
                    index.as_ref().map(|i| i.name.as_str()),
                    &src,
                    &idx,
                    env,
                );
                if let ExprKind::If { .. } = body.kind {
                    return unknown("a filtered loop outside a resource or module");
                }
                let body = self.expr(body, &inner);
                format!(
                    "map(range(0, length({src})), lambda({}, {body}))",
                    quote(&var)
                )
            }
            ExprKind::If { .. } => unknown("'if' outside a resource or module body"),
            ExprKind::Error => unknown("the expression has a syntax error"),
        }
    }

    pub fn fresh_name(&mut self, base: &str) -> String {
        self.fresh += 1;
        format!("{base}__{}", self.fresh)
    }

    fn string(&mut self, parts: &[String], holes: &'p [Expr], env: &Env) -> String {
        if holes.is_empty() {
            return quote(parts.first().map_or("", String::as_str));
        }
        let mut pattern = String::new();
        let mut args = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            format_escape(part, &mut pattern);
            if let Some(h) = holes.get(i) {
                pattern.push_str(&format!("{{{i}}}"));
                args.push(self.expr(h, env));
            }
        }
        format!("format({}, {})", quote(&pattern), args.join(", "))
    }

    fn array(&mut self, items: &'p [ArrayItem], env: &Env) -> String {
        let mut groups: Vec<String> = Vec::new();
        let mut plain: Vec<String> = Vec::new();
        let mut spread = false;
        for item in items {
            match item {
                ArrayItem::Expr(x) => plain.push(self.expr(x, env)),
                ArrayItem::Spread(x) => {
                    spread = true;
                    if !plain.is_empty() {
                        groups.push(format!("createArray({})", plain.join(", ")));
                        plain.clear();
                    }
                    groups.push(self.expr(x, env));
                }
            }
        }
        if !spread {
            return format!("createArray({})", plain.join(", "));
        }
        if !plain.is_empty() {
            groups.push(format!("createArray({})", plain.join(", ")));
        }
        format!("concat({})", groups.join(", "))
    }

    fn object(&mut self, items: &'p [ObjectItem], env: &Env) -> String {
        let mut groups: Vec<String> = Vec::new();
        let mut plain: Vec<String> = Vec::new();
        let mut spread = false;
        for item in items {
            match item {
                ObjectItem::Property { key, value } => {
                    plain.push(self.expr(key, env));
                    plain.push(self.expr(value, env));
                }
                ObjectItem::Spread(x) => {
                    spread = true;
                    if !plain.is_empty() {
                        groups.push(format!("createObject({})", plain.join(", ")));
                        plain.clear();
                    }
                    groups.push(self.expr(x, env));
                }
                ObjectItem::Resource(_) | ObjectItem::Error(_) => {}
            }
        }
        if !spread {
            return format!("createObject({})", plain.join(", "));
        }
        if !plain.is_empty() {
            groups.push(format!("createObject({})", plain.join(", ")));
        }
        format!("shallowMerge(createArray({}))", groups.join(", "))
    }

    fn ident(&mut self, name: &str, env: &Env) -> String {
        if let Some((_, text)) = env.iter().rev().find(|(n, _)| n == name) {
            return text.clone();
        }
        match self.symbols.lookup(name) {
            // Bicep forbids it; never read the importing template's parameter.
            Some(Symbol::Param) if self.import_depth > 0 => {
                unknown(&format!("parameter '{name}' of an imported file"))
            }
            Some(Symbol::Param) => format!("parameters({})", quote(name)),
            Some(Symbol::Var) => {
                self.deps.push(Dep::Var(name.to_string()));
                format!(
                    "variables({})",
                    quote(&format!("{}{name}", self.var_prefix))
                )
            }
            Some(Symbol::Resource(r)) => self.resource_value(r, None, &[], env),
            Some(Symbol::Module(_)) => unknown(&format!("module '{name}' used as a value")),
            Some(Symbol::Func) => unknown(&format!("function '{name}' used as a value")),
            Some(Symbol::Namespace) => unknown(&format!("'{name}' is a namespace")),
            Some(Symbol::Imported) => match self.imported.get(name) {
                Some(Imported::Value(text)) => text.clone(),
                Some(_) => unknown(&format!("imported '{name}' used as a value")),
                None => unknown(&format!(
                    "'{name}' is imported from a file tendon does not read (a registry or ARM JSON), or is not exported"
                )),
            },

            None => unknown(&format!("'{name}' is not declared")),
        }
    }

    fn args(&mut self, args: &'p [Expr], env: &Env) -> String {
        args.iter()
            .map(|a| self.expr(a, env))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn call(&mut self, name: &str, args: &'p [Expr], env: &Env) -> String {
        if let Some(Symbol::Func) = self.symbols.lookup(name) {
            let prefix = self.var_prefix.clone();
            return format!("__bicep.{prefix}{name}({})", self.args(args, env));
        }
        if self.symbols.lookup(name) == Some(Symbol::Imported) {
            return match self.imported.get(name) {
                Some(Imported::Func(f)) => {
                    let f = f.clone();
                    format!("__bicep.{f}({})", self.args(args, env))
                }
                _ => unknown(&format!(
                    "function '{name}' is imported from a file tendon does not read (a registry or ARM JSON), or is not an exported function"
                )),
            };
        }
        self.builtin(name, args, env)
    }

    /// A function of the `sys` / `az` namespaces.
    fn builtin(&mut self, name: &str, args: &'p [Expr], env: &Env) -> String {
        match name {
            "any" => match args.first() {
                Some(a) => self.expr(a, env),
                None => unknown("any() needs an argument"),
            },
            "nameof" => match args.first().map(|a| &a.kind) {
                Some(ExprKind::Ident(id)) => quote(&id.name),
                Some(ExprKind::Member { name, .. }) | Some(ExprKind::Child { name, .. }) => {
                    quote(&name.name)
                }
                Some(ExprKind::Index { index, .. }) if index.as_plain_str().is_some() => {
                    quote(index.as_plain_str().unwrap_or_default())
                }
                _ => unknown("nameof() of an expression"),
            },
            "loadTextContent"
            | "loadJsonContent"
            | "loadYamlContent"
            | "loadFileAsBase64"
            | "loadDirectoryFileInfo" => self.load_content(name, args),
            "readEnvironmentVariable" => {
                let var = args.first().and_then(Expr::as_plain_str).unwrap_or("?");
                unknown(&format!(
                    "environment variable '{var}' is read when the file is compiled"
                ))
            }
            "getSecret" => unknown("a Key Vault secret is read at deployment time"),
            _ => format!("{name}({})", self.args(args, env)),
        }
    }

    /// `load*` functions read files relative to the Bicep file at compile time.
    fn load_content(&mut self, name: &str, args: &'p [Expr]) -> String {
        let Some((rel, at)) = args.first().and_then(|a| Some((a.as_plain_str()?, a.span))) else {
            return unknown(&format!("{name}() of a computed path"));
        };
        let Some(dir) = &self.dir else {
            return unknown(&format!("{name}('{rel}') outside a file"));
        };
        if self.import_depth == 0 && !rel.is_empty() {
            self.loads.push(FileRef {
                kind: RefKind::Load,
                path: rel.to_string(),
                span: at,
            });
        }
        let path = dir.join(rel);
        let content = match name {
            "loadTextContent" | "loadJsonContent" => self.files.read(&path),
            _ => Err(Refusal::Unreadable),
        };
        let content = match content {
            Ok(content) => content,
            Err(refusal) if refusal.is_confinement() => {
                return unknown(&format!("{name}('{rel}'): the file {}", refusal.reason()));
            }
            Err(_) => return unknown(&format!("{name}('{rel}') is not evaluated")),
        };
        match name {
            "loadJsonContent" if args.len() > 1 => unknown(&format!(
                "{name}('{rel}') with a JSON path is not evaluated"
            )),
            "loadJsonContent" => format!("json({})", quote(content.trim_start_matches('\u{feff}'))),
            _ => quote(&content),
        }
    }

    fn method(&mut self, target: &'p Expr, name: &str, args: &'p [Expr], env: &Env) -> String {
        if let ExprKind::Ident(ns) = &target.kind {
            let shadowed =
                self.symbols.lookup(&ns.name).is_some() || env.iter().any(|(n, _)| *n == ns.name);
            if (ns.name == "sys" || ns.name == "az") && !shadowed {
                return self.builtin(name, args, env);
            }
            if self.symbols.lookup(&ns.name) == Some(Symbol::Namespace) {
                if let Some(Imported::Func(f)) =
                    self.namespaces.get(&ns.name).and_then(|n| n.get(name))
                {
                    let f = f.clone();
                    return format!("__bicep.{f}({})", self.args(args, env));
                }
                return unknown(&format!(
                    "'{}.{name}' comes from a namespace tendon does not read (a registry, ARM JSON or extension), or is not an exported function",
                    ns.name
                ));
            }
        }
        if let Some(r) = self.symbols.resolve_resource(target, 0) {
            if name.starts_with("list") {
                let id = self.chain_id(target, r, env);
                let api = self
                    .symbols
                    .resources
                    .get(r)
                    .map(|r| r.api_version.clone())
                    .unwrap_or_default();
                return format!("{name}({id}, {})", quote(&api));
            }
            return unknown(&format!("{name}() is read at deployment time"));
        }
        unknown(&format!("'{name}' is not a known function"))
    }

    /// The id of the resource a symbolic target names, honouring `vnets[i]`.
    fn chain_id(&mut self, target: &'p Expr, r: usize, env: &Env) -> String {
        let index = match &target.kind {
            ExprKind::Index { index, .. } => Some(self.expr(index, env)),
            _ => None,
        };
        self.deps.push(Dep::Resource(r, index.clone()));
        self.resource_id(r, index.as_deref())
    }

    /// Member chains, with symbolic resource and module roots handled specially.
    fn chain(&mut self, e: &'p Expr, env: &Env) -> String {
        let mut steps: Vec<Step<'p>> = Vec::new();
        let mut cur = e;
        loop {
            match &cur.kind {
                ExprKind::Member { target, name, safe } => {
                    steps.push(Step::Member(&name.name, *safe));
                    cur = target;
                }
                ExprKind::Index {
                    target,
                    index,
                    safe,
                    from_end,
                } => {
                    steps.push(Step::Index(index, *safe, *from_end));
                    cur = target;
                }
                ExprKind::Child { target, name } => {
                    steps.push(Step::Child(&name.name));
                    cur = target;
                }
                ExprKind::NonNull(target) | ExprKind::Paren(target) => cur = target,
                _ => break,
            }
            if steps.len() > MAX_DEPTH {
                return unknown("member chain too long");
            }
        }
        steps.reverse();
        if let ExprKind::Ident(id) = &cur.kind
            && !env.iter().any(|(n, _)| *n == id.name)
        {
            match self.symbols.lookup(&id.name) {
                Some(Symbol::Resource(r)) => return self.resource_chain(r, &steps, env),
                Some(Symbol::Module(m)) => return self.module_chain(m, &steps, env),
                Some(Symbol::Namespace) => {
                    if let (Some(names), Some((Step::Member(name, _), rest))) =
                        (self.namespaces.get(&id.name), steps.split_first())
                    {
                        let Some(Imported::Value(base)) = names.get(*name) else {
                            return unknown(&format!(
                                "'{}.{name}' is not an exported variable",
                                id.name
                            ));
                        };
                        let base = base.clone();
                        return self.apply_steps(base, rest, env);
                    }
                }
                _ => {}
            }
        }
        let base = self.expr(cur, env);
        self.apply_steps(base, &steps, env)
    }

    fn apply_steps(&mut self, mut base: String, steps: &[Step<'p>], env: &Env) -> String {
        for step in steps {
            base = match step {
                Step::Member(name, false) => member_access(&base, name),
                Step::Member(name, true) => format!("tryGet({base}, {})", quote(name)),
                Step::Index(i, safe, from_end) => {
                    let i = self.expr(i, env);
                    match (safe, from_end) {
                        (false, false) => format!("{base}[{i}]"),
                        (true, false) => format!("tryGet({base}, {i})"),
                        (false, true) => format!("indexFromEnd({base}, {i})"),
                        (true, true) => format!("tryIndexFromEnd({base}, {i})"),
                    }
                }
                Step::Child(name) => {
                    unknown(&format!("'::{name}' on a value that is not a resource"))
                }
            };
        }
        base
    }

    /// `res.id`, `res.name`, `res[i].properties.x`, `res::child.id`.
    fn resource_chain(&mut self, mut r: usize, steps: &[Step<'p>], env: &Env) -> String {
        let mut rest = steps;
        let mut index = None;
        if let Some((Step::Index(i, false, false), tail)) = rest.split_first()
            && self
                .symbols
                .resources
                .get(r)
                .is_some_and(|x| x.body.as_ref().is_some_and(|b| b.lp.is_some()))
        {
            index = Some(self.expr(i, env));
            rest = tail;
        }
        while let Some((Step::Child(name), tail)) = rest.split_first() {
            match self.symbols.child(r, name) {
                Some(c) => {
                    r = c;
                    index = None;
                    rest = tail;
                }
                None => return unknown(&format!("resource has no nested resource '{name}'")),
            }
        }
        self.resource_value(r, index.as_deref(), rest, env)
    }

    /// A resource's `id` / `name` / `type` / `apiVersion` statically, anything
    /// else through `reference()` (a deployment-time value, as in ARM).
    fn resource_value(
        &mut self,
        r: usize,
        index: Option<&str>,
        steps: &[Step<'p>],
        env: &Env,
    ) -> String {
        let Some(res) = self.symbols.resources.get(r) else {
            return unknown("unknown resource");
        };
        let (full_type, api) = (res.full_type.clone(), res.api_version.clone());
        // Waiting for an `existing` resource is waiting for its deployed parent (see `depends_on`).
        self.deps.push(Dep::Resource(r, index.map(str::to_string)));
        let (head, rest) = match steps.split_first() {
            Some((Step::Member(m, _), rest)) => (Some(*m), rest),
            _ => (None, steps),
        };
        let base = match head {
            Some("id") => self.resource_id(r, index),
            Some("name") => self.resource_name(r, index),
            Some("type") => quote(&full_type),
            Some("apiVersion") => quote(&api),
            // As the compiler writes it: `properties` without 'full'.
            Some("properties") => {
                let id = self.resource_id(r, index);
                format!("reference({id}, {})", quote(&api))
            }
            Some(other) => {
                let id = self.resource_id(r, index);
                member_access(&format!("reference({id}, {}, 'full')", quote(&api)), other)
            }
            None => {
                let id = self.resource_id(r, index);
                format!("reference({id}, {}, 'full')", quote(&api))
            }
        };
        self.apply_steps(base, rest, env)
    }

    /// `mod.outputs.x` → `reference(deployment).outputs.x.value`; `mod.name`.
    fn module_chain(&mut self, m: usize, steps: &[Step<'p>], env: &Env) -> String {
        let mut rest = steps;
        let mut index = None;
        if let Some((Step::Index(i, false, false), tail)) = rest.split_first() {
            index = Some(self.expr(i, env));
            rest = tail;
        }
        self.deps.push(Dep::Module(m, index.clone()));
        let name = self.module_name(m, index.as_deref());
        match rest {
            [Step::Member("outputs", _), Step::Member(out, _), tail @ ..] => {
                // One instance of a loop by its name; a single module by its
                // symbol, which holds even when the name is not known statically.
                let target = match &index {
                    Some(_) => format!("resourceId('Microsoft.Resources/deployments', {name})"),
                    None => quote(self.symbols.modules.get(m).map_or("", |x| x.symbol)),
                };
                let outputs = format!("reference({target}, '2022-09-01').outputs");
                let base = format!("{}.value", member_access(&outputs, out));
                self.apply_steps(base, tail, env)
            }
            [Step::Member("name", _), tail @ ..] => self.apply_steps(name, tail, env),
            _ => unknown("a module's value other than its outputs or name"),
        }
    }
}

fn binary(op: BinaryOp, a: &str, b: &str) -> String {
    let f = match op {
        BinaryOp::Coalesce => "coalesce",
        BinaryOp::Or => "or",
        BinaryOp::And => "and",
        BinaryOp::Eq => "equals",
        BinaryOp::NotEq => return format!("not(equals({a}, {b}))"),
        BinaryOp::EqI => return format!("equals(toLower({a}), toLower({b}))"),
        BinaryOp::NotEqI => return format!("not(equals(toLower({a}), toLower({b})))"),
        BinaryOp::Less => "less",
        BinaryOp::LessEq => "lessOrEquals",
        BinaryOp::Greater => "greater",
        BinaryOp::GreaterEq => "greaterOrEquals",
        BinaryOp::Add => "add",
        BinaryOp::Sub => "sub",
        BinaryOp::Mul => "mul",
        BinaryOp::Div => "div",
        BinaryOp::Mod => "mod",
    };
    format!("{f}({a}, {b})")
}

#[allow(dead_code)]
fn _uses(_: Option<&[Expr]>) {
    let _ = as_call;
}
