//! Lowering: a Bicep [`Program`] becomes the ARM template the Bicep compiler
//! would emit for it, as a [`Node`] tree whose spans point into the Bicep
//! text. The ARM evaluator then runs it like any template, so both languages
//! share one evaluator (functions, copy loops, conditions, modules as nested
//! deployments, outputs) and findings land on the Bicep source.
//!
//! Split by concept: `symbols` collects declarations, `expr` turns Bicep
//! expressions into ARM expression text, `resources` emits resources and
//! modules, `imports` copies imported variables and functions, `params` lowers
//! `.bicepparam` files, `node` builds nodes; this file assembles the template.

mod expr;
mod imports;
mod node;
mod params;
mod resources;
mod symbols;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::bicep::FileRef;
use crate::bicep::syntax::{Expr, ExprKind, Program, Statement, StmtKind, TypeExpr, TypeKind};
use crate::confine::{ProjectRoot, Refusal};
use crate::json::{Member, Node, NodeKind};
use crate::source::Span;

use node::{expression, member, member_at, object, string};
use symbols::{Dep, Symbols};

/// Reads the files `load*Content` functions and imports name.
pub trait FileReader {
    /// The text of `path`, or why it is not read.
    fn read(&self, path: &Path) -> Result<String, Refusal>;
}

/// Reads from disk, inside the project root, up to a size limit, and
/// notes each file it was asked for with its stamp (what the lowered
/// document was compiled from: a language server parses it again when one
/// changes).
pub struct DiskReader<'r> {
    pub root: &'r ProjectRoot,
    pub read: std::cell::RefCell<Vec<(std::path::PathBuf, Option<crate::fsread::Stamp>)>>,
}

impl<'r> DiskReader<'r> {
    pub fn new(root: &'r ProjectRoot) -> DiskReader<'r> {
        DiskReader {
            root,
            read: std::cell::RefCell::new(Vec::new()),
        }
    }
}

/// `loadTextContent` and friends read at most this much.
const MAX_LOADED_FILE: u64 = 4 * 1024 * 1024;

impl FileReader for DiskReader<'_> {
    fn read(&self, path: &Path) -> Result<String, Refusal> {
        let stamp = crate::fsread::stamp(path);
        let named = crate::fsread::lexical(path);
        if let Ok(mut read) = self.read.try_borrow_mut()
            && !read.iter().any(|(p, _)| *p == named)
        {
            read.push((named, stamp));
        }
        let path = self.root.admit(path)?;
        crate::fsread::read_regular_text(&path, MAX_LOADED_FILE).map_err(|_| Refusal::Unreadable)
    }
}

/// A lowered document and the files its `load*Content` calls name.
pub struct Lowered {
    pub node: Node,
    /// Literal `load*Content` paths of the file itself (not of its imports).
    pub loads: Vec<FileRef>,
}

/// Lowers a `.bicep` program to an ARM template document. `dir` is the
/// file's folder (for `load*` functions).
pub fn lower(
    program: &Program,
    text_len: usize,
    dir: Option<&Path>,
    files: &dyn FileReader,
) -> Lowered {
    let mut lowerer = Lowerer::new(program, text_len, dir, files);
    let node = lowerer.template(program, Span::new(0, text_len));
    lowerer.finish(node)
}

/// Lowers a `.bicepparam` program to its parameter document (module `params`).
pub fn lower_params(
    program: &Program,
    text_len: usize,
    dir: Option<&Path>,
    files: &dyn FileReader,
) -> Lowered {
    let mut lowerer = Lowerer::new(program, text_len, dir, files);
    let node = lowerer.parameter_document(program, Span::new(0, text_len));
    lowerer.finish(node)
}

/// A binding of a loop or lambda variable to its ARM expression text.
pub(crate) type Env = Vec<(String, String)>;

pub(crate) struct Lowerer<'p> {
    pub symbols: Symbols<'p>,
    pub dir: Option<PathBuf>,
    pub files: &'p dyn FileReader,
    /// References made while lowering the current resource or module body.
    pub deps: Vec<Dep>,
    /// Resources and variables each variable refers to (for implicit dependencies).
    pub var_deps: HashMap<String, Vec<Dep>>,
    pub fresh: usize,
    /// Expression nesting, bounded so hostile input cannot overflow the stack.
    pub depth: usize,
    /// Resources and modules whose names are being lowered (cycle detection).
    pub naming: Vec<(bool, usize)>,
    /// Bytes of expression text produced so far (bounded: references re-lower
    /// names, so a hostile file could otherwise grow exponentially).
    pub emitted: usize,
    pub budget: usize,
    /// Lowered resource and module names by (is resource, index, instance):
    /// each is lowered once.
    pub name_memo: HashMap<(bool, usize, Option<String>), String>,
    /// Prefix of this file's variable names (files lowered for an `import`).
    pub var_prefix: String,
    pub import_depth: usize,
    /// Files this root may still read for imports, and the chain being read.
    pub import_budget: usize,
    pub import_chain: Vec<PathBuf>,
    /// Imported names and what they stand for.
    pub imported: HashMap<String, imports::Imported>,
    /// `import * as ns`: the exported names of `ns`.
    pub namespaces: HashMap<String, HashMap<String, imports::Imported>>,
    /// Variables and functions copied from imported files.
    pub from_imports: imports::FromImports,
    /// Files `load*Content` calls name (literal paths, this file only).
    pub loads: Vec<FileRef>,
}

/// How deep imports of imports are followed.
pub const MAX_IMPORT_DEPTH: usize = 8;
/// How many imported files one file's lowering reads in all.
pub const MAX_IMPORTED_FILES: usize = 64;

/// Expression text a file may lower to: real files lower to about 2–3× their
/// size, so this only stops files built to explode.
pub fn emit_budget(text_len: usize) -> usize {
    (1 << 20) + text_len.saturating_mul(16)
}

impl<'p> Lowerer<'p> {
    /// The lowered document and its `load*Content` paths, each once (an
    /// expression can be lowered more than once).
    fn finish(mut self, node: Node) -> Lowered {
        self.loads.sort_by_key(|l| l.span);
        self.loads.dedup_by_key(|l| l.span);
        Lowered {
            node,
            loads: self.loads,
        }
    }

    pub fn new(
        program: &'p Program,
        text_len: usize,
        dir: Option<&Path>,
        files: &'p dyn FileReader,
    ) -> Lowerer<'p> {
        Lowerer {
            symbols: Symbols::collect(program),
            dir: dir.map(Path::to_path_buf),
            files,
            deps: Vec::new(),
            var_deps: HashMap::new(),
            fresh: 0,
            depth: 0,
            naming: Vec::new(),
            emitted: 0,
            budget: emit_budget(text_len),
            name_memo: HashMap::new(),
            var_prefix: String::new(),
            import_depth: 0,
            import_budget: MAX_IMPORTED_FILES,
            import_chain: Vec::new(),
            imported: HashMap::new(),
            namespaces: HashMap::new(),
            from_imports: imports::FromImports::default(),
            loads: Vec::new(),
        }
    }

    fn template(&mut self, program: &'p Program, span: Span) -> Node {
        // Imported names are bound before anything can refer to them.
        self.lower_imports(program);
        let mut params = Vec::new();
        let mut outputs = Vec::new();
        for stmt in &program.statements {
            match &stmt.kind {
                StmtKind::Param { name, ty, default } => {
                    params.push(member_at(
                        &name.name,
                        name.span,
                        self.param(stmt, ty.as_ref(), default.as_ref()),
                    ));
                }
                StmtKind::Output { name, ty, value } => {
                    self.deps.clear();
                    outputs.push(member_at(
                        &name.name,
                        name.span,
                        self.output(ty, value, stmt.span),
                    ));
                }
                _ => {}
            }
        }
        let mut funcs = std::mem::take(&mut self.from_imports.funcs);
        funcs.extend(self.functions(program));
        let (own_vars, own_loops) = self.all_variables(program);
        let vars = self.with_imported_variables(own_vars, own_loops, span);
        let resources = self.resources_and_modules();

        let schema = match self.symbols.target_scope.as_deref() {
            Some("subscription") => {
                "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
            }
            Some("managementGroup") => {
                "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#"
            }
            Some("tenant") => {
                "https://schema.management.azure.com/schemas/2019-08-01/tenantDeploymentTemplate.json#"
            }
            _ => "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        };
        let mut members = vec![
            member("$schema", string(schema, span)),
            member("languageVersion", string("2.0", span)),
            member("contentVersion", string("1.0.0.0", span)),
            member("parameters", object(params, span)),
            member("variables", object(vars, span)),
        ];
        if let Some(f) = functions_member(funcs, span) {
            members.push(f);
        }
        members.push(member("resources", object(resources, span)));
        members.push(member("outputs", object(outputs, span)));
        object(members, span)
    }

    /// The `variables` members: the imported ones first, then `own`, then
    /// one `copy` member for all variable loops.
    pub fn with_imported_variables(
        &mut self,
        own: Vec<Member>,
        own_loops: Vec<Node>,
        span: Span,
    ) -> Vec<Member> {
        let mut vars = std::mem::take(&mut self.from_imports.vars);
        vars.extend(own);
        let mut loops = std::mem::take(&mut self.from_imports.var_loops);
        loops.extend(own_loops);
        if !loops.is_empty() {
            vars.push(member("copy", node::node(NodeKind::Array(loops), span)));
        }
        vars
    }

    /// This file's variables: values, and loop specs.
    pub fn all_variables(&mut self, program: &'p Program) -> (Vec<Member>, Vec<Node>) {
        let mut vars = Vec::new();
        let mut var_loops = Vec::new();
        for stmt in &program.statements {
            if let StmtKind::Var { name, value, .. } = &stmt.kind {
                self.deps.clear();
                match &value.kind {
                    ExprKind::For {
                        item,
                        index,
                        source,
                        body,
                    } => {
                        let copy = self.copy_spec(
                            Some(&format!("{}{}", self.var_prefix, name.name)),
                            item.as_ref().map(|i| i.name.as_str()),
                            index.as_ref().map(|i| i.name.as_str()),
                            source,
                            body,
                            &Env::new(),
                            value.span,
                        );
                        var_loops.push(copy);
                    }
                    _ => {
                        let v = self.value(value, &Env::new(), true);
                        vars.push(member_at(
                            format!("{}{}", self.var_prefix, name.name),
                            name.span,
                            v,
                        ));
                    }
                }
                let deps = std::mem::take(&mut self.deps);
                self.var_deps.insert(name.name.clone(), deps);
            }
        }
        (vars, var_loops)
    }

    /// `{type, defaultValue?, nullable?}` of one parameter.
    fn param(
        &mut self,
        stmt: &'p Statement,
        ty: Option<&'p TypeExpr>,
        default: Option<&'p Expr>,
    ) -> Node {
        let secure = self.symbols.has_decorator(stmt, "secure");
        let type_name = ty.map_or("object", |t| self.arm_type(t, secure, 0));
        let mut m = vec![member(
            "type",
            string(type_name, ty.map_or(stmt.span, |t| t.span)),
        )];
        if let Some(d) = default {
            m.push(member("defaultValue", self.value(d, &Env::new(), true)));
        } else if ty.is_some_and(TypeExpr::is_nullable) {
            m.push(member(
                "nullable",
                node::node(NodeKind::Bool(true), stmt.span),
            ));
        }
        object(m, stmt.span)
    }

    /// The ARM parameter type for a Bicep type.
    pub fn arm_type(&self, ty: &TypeExpr, secure: bool, depth: usize) -> &'static str {
        if depth > 32 {
            return "object";
        }
        match &ty.kind {
            TypeKind::Name { name, .. } => match name.name.as_str() {
                "string" if secure => "securestring",
                "string" => "string",
                "int" => "int",
                "bool" => "bool",
                "object" if secure => "secureObject",
                "object" => "object",
                "array" => "array",
                other => match self.symbols.types.get(other) {
                    Some(t) => self.arm_type(t, secure, depth + 1),
                    None => imported_arm_type(self.imported_type(other), secure),
                },
            },
            TypeKind::Literal(e) => match &e.kind {
                ExprKind::Int(_) | ExprKind::Unary { .. } => "int",
                ExprKind::Bool(_) => "bool",
                _ => "string",
            },
            TypeKind::Union(items) => items
                .iter()
                .find(|t| !matches!(&t.kind, TypeKind::Literal(e) if e.kind == ExprKind::Null))
                .map_or("object", |t| self.arm_type(t, secure, depth + 1)),
            TypeKind::Array(_) | TypeKind::Tuple(_) => "array",
            TypeKind::Nullable(t) | TypeKind::NonNull(t) | TypeKind::Paren(t) => {
                self.arm_type(t, secure, depth + 1)
            }
            TypeKind::Resource(_) => "string",
            // `ns.T`: a type of an `import * as ns` namespace.
            TypeKind::Access { target, member } => match &target.kind {
                TypeKind::Name { name, .. } if self.namespaces.contains_key(&name.name) => {
                    let t = self.imported_type(&format!("{}.{member}", name.name));
                    imported_arm_type(t, secure)
                }
                _ => "object",
            },
            TypeKind::Object(_) | TypeKind::Error => "object",
        }
    }

    fn output(
        &mut self,
        ty: &'p crate::bicep::syntax::OutputType,
        value: &'p Expr,
        span: Span,
    ) -> Node {
        let type_name = match ty {
            crate::bicep::syntax::OutputType::Type(t) => self.arm_type(t, false, 0),
            crate::bicep::syntax::OutputType::Resource(_) => "string",
        };
        let mut m = vec![member("type", string(type_name, span))];
        match &value.kind {
            ExprKind::For {
                item,
                index,
                source,
                body,
            } => {
                // Output loops answer a bare `copyIndex()` and have no name.
                let copy = self.copy_spec(
                    None,
                    item.as_ref().map(|i| i.name.as_str()),
                    index.as_ref().map(|i| i.name.as_str()),
                    source,
                    body,
                    &Env::new(),
                    value.span,
                );
                m.push(member("copy", copy));
            }
            _ => m.push(member("value", self.value(value, &Env::new(), true))),
        }
        object(m, span)
    }

    pub fn func(
        &mut self,
        params: &'p [(crate::bicep::syntax::Ident, TypeExpr)],
        ret: Option<&'p TypeExpr>,
        body: &'p Expr,
        span: Span,
    ) -> Node {
        let mut env = Env::new();
        let mut specs = Vec::new();
        for (name, ty) in params {
            env.push((
                name.name.clone(),
                format!("parameters({})", node::quote(&name.name)),
            ));
            specs.push(object(
                vec![
                    member("name", string(&name.name, name.span)),
                    member("type", string(self.arm_type(ty, false, 0), ty.span)),
                ],
                name.span,
            ));
        }
        let out_type = ret.map_or("object", |t| self.arm_type(t, false, 0));
        let value = expression(&self.expr(body, &env), body.span);
        object(
            vec![
                member("parameters", node::node(NodeKind::Array(specs), span)),
                member(
                    "output",
                    object(
                        vec![
                            member("type", string(out_type, span)),
                            member("value", value),
                        ],
                        body.span,
                    ),
                ),
            ],
            span,
        )
    }

    /// A `{name, count, input}` loop spec: property and variable loops are
    /// named (`copyIndex('name')`), output loops (`name: None`) are not.
    #[allow(clippy::too_many_arguments)]
    pub fn copy_spec(
        &mut self,
        name: Option<&str>,
        item: Option<&str>,
        index: Option<&str>,
        source: &'p Expr,
        body: &'p Expr,
        env: &Env,
        span: Span,
    ) -> Node {
        let src = self.expr(source, env);
        let idx = match name {
            Some(n) => format!("copyIndex({})", node::quote(n)),
            None => "copyIndex()".to_string(),
        };
        let inner = loop_env(item, index, &src, &idx, env);
        let input = self.value(body, &inner, true);
        let mut members = Vec::with_capacity(3);
        if let Some(n) = name {
            members.push(member("name", string(n, span)));
        }
        members.push(member(
            "count",
            expression(&format!("length({src})"), source.span),
        ));
        members.push(member("input", input));
        object(members, span)
    }

    /// A template value: literals, objects and arrays stay structural (so each
    /// keeps its own span); anything computed becomes an expression string.
    /// `copy_ok`: loops in object properties may use ARM property `copy`.
    pub fn value(&mut self, e: &'p Expr, env: &Env, copy_ok: bool) -> Node {
        match &e.kind {
            ExprKind::Null => node::node(NodeKind::Null, e.span),
            ExprKind::Bool(b) => node::node(NodeKind::Bool(*b), e.span),
            ExprKind::Int(i) => node::node(NodeKind::Int(*i), e.span),
            ExprKind::Unary {
                op: crate::bicep::syntax::UnaryOp::Neg,
                operand,
            } if matches!(operand.kind, ExprKind::Int(_)) => match operand.kind {
                ExprKind::Int(i) => node::node(NodeKind::Int(i.wrapping_neg()), e.span),
                _ => node::node(NodeKind::Null, e.span),
            },
            ExprKind::String { parts, holes } if holes.is_empty() => {
                node::literal(parts.first().map_or("", String::as_str), e.span)
            }
            ExprKind::Paren(inner) | ExprKind::NonNull(inner) => self.value(inner, env, copy_ok),
            ExprKind::Array(items)
                if items
                    .iter()
                    .all(|i| matches!(i, crate::bicep::syntax::ArrayItem::Expr(_))) =>
            {
                let values = items
                    .iter()
                    .filter_map(|i| match i {
                        crate::bicep::syntax::ArrayItem::Expr(x) => Some(x),
                        crate::bicep::syntax::ArrayItem::Spread(_) => None,
                    })
                    .map(|x| self.value(x, env, true))
                    .collect();
                node::node(NodeKind::Array(values), e.span)
            }
            ExprKind::Object(items)
                if !items
                    .iter()
                    .any(|i| matches!(i, crate::bicep::syntax::ObjectItem::Spread(_))) =>
            {
                self.object_value(items, env, copy_ok, e.span)
            }
            _ => expression(&self.expr(e, env), e.span),
        }
    }

    fn object_value(
        &mut self,
        items: &'p [crate::bicep::syntax::ObjectItem],
        env: &Env,
        copy_ok: bool,
        span: Span,
    ) -> Node {
        use crate::bicep::syntax::ObjectItem;
        let mut members: Vec<Member> = Vec::new();
        let mut loops = Vec::new();
        for item in items {
            let ObjectItem::Property { key, value } = item else {
                continue;
            };
            let key_text = match key.as_plain_str() {
                // Escaped like a literal value: `'[x]': 1` is the key `[x]`.
                Some(k) if k.starts_with('[') && k.ends_with(']') => format!("[{k}"),
                Some(k) => k.to_string(),
                None => format!("[{}]", self.expr(key, env)),
            };
            match &value.kind {
                ExprKind::For {
                    item,
                    index,
                    source,
                    body,
                } if copy_ok && key.as_plain_str().is_some() => {
                    loops.push(self.copy_spec(
                        Some(&key_text),
                        item.as_ref().map(|i| i.name.as_str()),
                        index.as_ref().map(|i| i.name.as_str()),
                        source,
                        body,
                        env,
                        value.span,
                    ));
                }
                _ => {
                    let v = self.value(value, env, true);
                    members.push(member_at(key_text, key.span, v));
                }
            }
        }
        if !loops.is_empty() {
            members.push(member("copy", node::node(NodeKind::Array(loops), span)));
        }
        object(members, span)
    }
}

/// The ARM type of an imported type (`object` when not known).
fn imported_arm_type(t: Option<&'static str>, secure: bool) -> &'static str {
    match t {
        Some("string") if secure => "securestring",
        Some("object") if secure => "secureObject",
        Some(t) => t,
        None => "object",
    }
}

/// `"functions": [{"namespace": "__bicep", "members": …}]`, unless there are none.
pub(crate) fn functions_member(funcs: Vec<Member>, span: Span) -> Option<Member> {
    if funcs.is_empty() {
        return None;
    }
    let ns = object(
        vec![
            member("namespace", string("__bicep", span)),
            member("members", object(funcs, span)),
        ],
        span,
    );
    Some(member(
        "functions",
        node::node(NodeKind::Array(vec![ns]), span),
    ))
}

/// The bindings inside a loop body: the item is `source[index]`.
pub(crate) fn loop_env(
    item: Option<&str>,
    index: Option<&str>,
    source: &str,
    index_text: &str,
    outer: &Env,
) -> Env {
    let mut env = outer.clone();
    if let Some(item) = item {
        env.push((item.to_string(), format!("{source}[{index_text}]")));
    }
    if let Some(index) = index {
        env.push((index.to_string(), index_text.to_string()));
    }
    env
}

/// Whether an expression is a call of `name` (also as `sys.name` / `az.name`),
/// and its arguments.
pub(crate) fn as_call<'e>(e: &'e Expr, name: &str) -> Option<&'e [Expr]> {
    match &e.kind {
        ExprKind::Call { name: n, args } if n.name == name => Some(args),
        ExprKind::MethodCall {
            target,
            name: n,
            args,
        } if n.name == name => match &target.kind {
            ExprKind::Ident(ns) if ns.name == "sys" || ns.name == "az" => Some(args),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests;
