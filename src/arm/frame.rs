//! One template being evaluated: its parameters, variables, copy-loop
//! indices and the evaluation of template values (strings as expressions,
//! property `copy` loops expanded). Budgets and diagnostics are shared by all
//! frames of one root template ([`Shared`]).

use std::collections::HashMap;
use std::path::PathBuf;

use std::rc::Rc;

use crate::arm::eval::{
    DeployScope, ExprEnv, StringForm, classify, evaluate_expr, evaluate_string, parse_error,
};
use crate::arm::expr::Expr;
use crate::arm::nested::NestedResult;
use crate::arm::template::{
    MAX_BUILT_UNITS, MAX_COPY_COUNT, MAX_COPY_INSTANCES, MAX_DEPLOYMENT_INSTANCES, STEP_BUDGET,
    TemplateLoader,
};
use crate::json::{Member, Node, NodeKind};
use crate::source::{FileId, Loc, Span};
use crate::value::{Kind, Object, Value};

/// How deep variables and parameter defaults may refer to each other.
const MAX_REF_DEPTH: usize = 64;

/// State shared by every frame of one evaluation.
pub struct Shared<'l> {
    pub steps: u64,
    /// Units of values copied or built (nodes plus string bytes / 64): what
    /// evaluation can hold in memory.
    pub built: u64,
    pub copies: u64,
    /// Nested deployments and modules evaluated, every instance counted.
    pub deployments: u64,
    pub limit_hit: Option<(String, Option<Loc>)>,
    pub expression_errors: Vec<(String, Loc)>,
    pub loader: &'l dyn TemplateLoader,
    /// Linked template files being evaluated, outermost first (cycle detection).
    pub link_stack: Vec<PathBuf>,
    /// The template string being evaluated, for TDN003's location.
    pub current: Option<Loc>,
    /// Files reached as linked templates.
    pub linked_files: Vec<FileId>,
    /// Parsed expressions by text: nested templates, copy loops and modules
    /// evaluate the same strings many times.
    pub parsed: HashMap<Box<str>, Rc<Expr>>,
}

impl<'l> Shared<'l> {
    pub fn new(loader: &'l dyn TemplateLoader) -> Shared<'l> {
        Shared {
            steps: 0,
            built: 0,
            copies: 0,
            deployments: 0,
            limit_hit: None,
            expression_errors: Vec::new(),
            loader,
            link_stack: Vec::new(),
            current: None,
            linked_files: Vec::new(),
            parsed: HashMap::new(),
        }
    }

    pub fn note_limit(&mut self, what: &str) {
        if self.limit_hit.is_none() {
            self.limit_hit = Some((what.to_string(), self.current));
        }
    }

    /// Charges `units` evaluation steps; false once the step budget is spent.
    pub fn charge(&mut self, units: u64) -> bool {
        self.steps = self.steps.saturating_add(units);
        // Past the size budget every step fails too: the loop that built
        // too much stops instead of copying on.
        if self.steps > STEP_BUDGET || self.built > MAX_BUILT_UNITS {
            self.note_limit("the evaluation step budget ran out");
            return false;
        }
        true
    }

    /// Charges a value of `units` copied or built: as many steps (the work
    /// is in proportion to its size), and as much of the size budget.
    pub fn charge_built(&mut self, units: u64) -> bool {
        self.built = self.built.saturating_add(units);
        if self.built > MAX_BUILT_UNITS {
            self.note_limit(&format!("values built grew past {MAX_BUILT_UNITS} units"));
            return false;
        }
        self.charge(units)
    }

    /// Accounts for one more nested deployment or module instance; false,
    /// with TDN003 at `at`, once there are too many.
    pub fn take_deployment_instance(&mut self, at: Option<Loc>) -> bool {
        self.deployments += 1;
        if self.deployments > MAX_DEPLOYMENT_INSTANCES {
            self.note_limit_at(
                &format!(
                    "more than {MAX_DEPLOYMENT_INSTANCES} nested deployment or module instances"
                ),
                at,
            );
            return false;
        }
        true
    }

    /// Like `note_limit`, at `at` when no expression is being evaluated.
    pub fn note_limit_at(&mut self, what: &str, at: Option<Loc>) {
        if self.limit_hit.is_none() {
            self.limit_hit = Some((what.to_string(), self.current.or(at)));
        }
    }
}

/// Where parameter values come from.
pub enum ParamSource<'a> {
    None,
    /// The `parameters` object of a parameter file, and that file.
    File(&'a Node, FileId),
    /// Values passed by a parent deployment (`properties.parameters`), evaluated.
    Values(Object),
}

enum Slot {
    InProgress,
    /// The value and what copying it out costs, in steps.
    Done(Value, u64),
}

/// One active copy loop.
pub struct CopyFrame {
    pub name: String,
    /// `None` when the count is not known statically.
    pub index: Option<i64>,
    /// Property and variable loops must be named in `copyIndex('name')`.
    pub property: bool,
}

pub struct Frame<'a, 's, 'l> {
    pub file: FileId,
    pub path: Option<PathBuf>,
    pub template: &'a Node,
    params: ParamSource<'a>,
    param_cache: HashMap<String, Slot>,
    var_cache: HashMap<String, Slot>,
    pub scope: DeployScope,
    /// Id prefix of resources deployed by this frame.
    pub prefix: String,
    pub copy_stack: Vec<CopyFrame>,
    ref_depth: usize,
    /// Nesting depth of deployments (0 for the root template).
    pub depth: usize,
    pub shared: &'s mut Shared<'l>,
    /// Nested deployments evaluated ahead of their turn (for `reference`), by node address.
    pub nested_memo: HashMap<usize, NestedResult>,
    /// Nested deployments of this template by lower-case name and symbolic name.
    pub deployments_index: Option<Vec<(String, &'a Node)>>,
    pub building_index: bool,
    /// `deployment().name`: the nested deployment's evaluated name; `None` for
    /// the root template, whose deployment name is chosen when deploying.
    pub deployment_name: Option<Value>,
    /// `deployment().location` (subscription and wider scopes): the nested
    /// deployment's `location`, else its parent's; `None` for the root.
    pub deployment_location: Option<Value>,
    /// Resources of this template by canonical id, for `reference()` ([`crate::arm::declared`]).
    pub declared_index: Option<HashMap<String, (&'a Node, String)>>,
    /// `reference()` results of declared resources, by node address.
    pub declared_memo: HashMap<usize, Value>,
    /// Declarations whose properties are being evaluated (cycle detection).
    pub resolving: Vec<usize>,
}

impl<'a, 's, 'l> Frame<'a, 's, 'l> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        template: &'a Node,
        file: FileId,
        path: Option<PathBuf>,
        params: ParamSource<'a>,
        scope: DeployScope,
        prefix: String,
        depth: usize,
        shared: &'s mut Shared<'l>,
    ) -> Frame<'a, 's, 'l> {
        Frame {
            file,
            path,
            template,
            params,
            param_cache: HashMap::new(),
            var_cache: HashMap::new(),
            scope,
            prefix,
            copy_stack: Vec::new(),
            ref_depth: 0,
            depth,
            shared,
            nested_memo: HashMap::new(),
            deployments_index: None,
            building_index: false,
            deployment_name: None,
            deployment_location: None,
            declared_index: None,
            declared_memo: HashMap::new(),
            resolving: Vec::new(),
        }
    }

    /// A variable or default whose object literal names a large value twice
    /// doubles it; chained, that is exponential. Checked once per variable.
    fn within_size_budget(&mut self, v: Value, node: &Node) -> Value {
        if matches!(v.kind, Kind::Object(_) | Kind::Array(_))
            && crate::value::larger_than(&v, crate::value::MAX_VALUE_UNITS)
        {
            let at = Some(self.loc(node));
            self.shared
                .note_limit_at("a value grew past its size budget", at);
            return Value::unknown("evaluation limit: a value grew past its size budget");
        }
        v
    }

    pub fn loc(&self, node: &Node) -> Loc {
        Loc::new(self.file, node.span)
    }

    /// Evaluates a template value: strings as expressions, containers recursively,
    /// property `copy` loops expanded.
    pub fn eval(&mut self, node: &Node) -> Value {
        let loc = Some(self.loc(node));
        let kind = match &node.kind {
            NodeKind::String(s) => return self.eval_string(s, node),
            // Each member built costs a step: a module or copy instance
            // repeats its whole body.
            NodeKind::Object(members) => {
                if !self.shared.charge_built(members.len() as u64) {
                    return Value::unknown("evaluation limit: step budget exhausted")
                        .with_origin(loc);
                }
                Kind::Object(self.eval_members(members, &[]))
            }
            NodeKind::Array(items) => {
                if !self.shared.charge_built(items.len() as u64) {
                    return Value::unknown("evaluation limit: step budget exhausted")
                        .with_origin(loc);
                }
                Kind::Array(items.iter().map(|n| self.eval(n)).collect())
            }
            other => literal_kind(other),
        };
        Value::new(kind, loc)
    }

    fn eval_string(&mut self, s: &str, node: &Node) -> Value {
        let origin = self.loc(node);
        let outer = self.shared.current.replace(origin);
        let v = match self.parsed_expression(s) {
            Some(e) => evaluate_expr(&e, self).or_origin(Some(origin)),
            None => evaluate_string(s, origin, self),
        };
        if let Some(reason) = v.unknown_reason() {
            if let Some(what) = reason.strip_prefix("evaluation limit: ") {
                self.shared.note_limit(what);
            } else if reason.starts_with("invalid expression") {
                self.note_syntax_error(s, node);
            }
        }
        self.shared.current = outer;
        // Values computed in this template point at the expression; values given
        // from outside (a parameter file, a parent deployment) keep their span.
        let region = self.template.span;
        match v.origin {
            Some(o)
                if o.file != self.file
                    || o.span.start < region.start
                    || o.span.end > region.end =>
            {
                let mut v = v;
                v.via = Some(origin);
                v.outer_via = v.outer_via.or(Some(origin));
                v
            }
            _ => v.with_origin(Some(origin)),
        }
    }

    /// The parsed expression of a template string (cached), or `None` for
    /// literals and expressions that do not parse (left to `evaluate_string`).
    fn parsed_expression(&mut self, s: &str) -> Option<Rc<Expr>> {
        let StringForm::Expression(inner, _) = classify(s) else {
            return None;
        };
        if let Some(e) = self.shared.parsed.get(inner) {
            return Some(e.clone());
        }
        let e = Rc::new(crate::arm::expr::parse(inner).ok()?);
        self.shared.parsed.insert(inner.into(), e.clone());
        Some(e)
    }

    /// Object members, skipping `skip` keys; a `copy` array of loop specs
    /// becomes one array property per loop.
    pub fn eval_members(&mut self, members: &[Member], skip: &[&str]) -> Object {
        let mut obj = Object::new();
        for m in members {
            if skip.iter().any(|s| m.key.eq_ignore_ascii_case(s)) {
                continue;
            }
            if m.key.eq_ignore_ascii_case("copy") && is_copy_specs(&m.value) {
                for spec in m.value.items() {
                    if let Some((name, v)) = self.property_copy(spec) {
                        obj.entries.push((name, v));
                    }
                }
                continue;
            }
            let v = self.eval(&m.value);
            let key = self.eval_key(m);
            // Lookups take the last duplicate, so pushing keeps JSON semantics
            // without a quadratic duplicate scan on large objects.
            obj.entries.push((key, v));
        }
        obj
    }

    /// A property name: ARM evaluates expression keys (Bicep writes
    /// `userAssignedIdentities` as `{"[format('{0}', resourceId(...))]": {}}`).
    /// A key that does not evaluate to a known string stays as written.
    fn eval_key(&mut self, m: &Member) -> String {
        if !crate::arm::eval::is_expression(&m.key) {
            return crate::arm::eval::literal_text(&m.key).to_string();
        }
        let origin = Loc::new(self.file, m.key_span);
        match evaluate_string(&m.key, origin, self).kind {
            Kind::Str(s) => s,
            _ => m.key.clone(),
        }
    }

    /// One `{name, count, input}` loop: the property name and its array.
    fn property_copy(&mut self, spec: &Node) -> Option<(String, Value)> {
        let name = self.eval(spec.get("name")?);
        let name = name.as_str()?.to_string();
        let input = spec.get("input")?;
        let value = self.copy_array(&name, spec.get("count")?, input, spec, true);
        Some((name, value))
    }

    /// Evaluates `input` once per index of a loop. Property and variable loops are
    /// `named` (`copyIndex('name')`); output loops answer a bare `copyIndex()`.
    pub fn copy_array(
        &mut self,
        name: &str,
        count: &Node,
        input: &Node,
        at: &Node,
        named: bool,
    ) -> Value {
        let loc = Some(self.loc(at));
        let count = self.eval(count);
        let n = match self.copy_count(&count) {
            Ok(n) => n,
            Err(reason) => return Value::unknown(reason).with_origin(loc),
        };
        let mut items = Vec::with_capacity(n.min(64) as usize);
        for i in 0..n {
            if !self.take_copy_instance() {
                return Value::unknown("evaluation limit: too many copy instances")
                    .with_origin(loc);
            }
            self.copy_stack.push(CopyFrame {
                name: name.to_ascii_lowercase(),
                index: Some(i),
                property: named,
            });
            let v = self.eval(input);
            self.copy_stack.pop();
            items.push(v);
        }
        Value::new(Kind::Array(items), loc)
    }

    /// The count of a copy loop, within ARM's limit; `Err` with the reason otherwise.
    pub fn copy_count(&mut self, count: &Value) -> Result<i64, String> {
        match count.kind {
            Kind::Int(n) if (0..=MAX_COPY_COUNT).contains(&n) => Ok(n),
            Kind::Int(n) if n > MAX_COPY_COUNT => {
                let what = format!("copy count {n} exceeds ARM's limit of {MAX_COPY_COUNT}");
                self.shared.note_limit_at(&what, count.origin);
                Err(format!("error: {what}"))
            }
            Kind::Int(n) => Err(format!("error: copy count {n} is negative")),
            Kind::Unknown(ref r) => Err(format!("the copy count is not known: {r}")),
            _ => Err(format!("error: copy count is a {}", count.type_name())),
        }
    }

    /// Accounts for one more copy instance; false when the budget is spent.
    pub fn take_copy_instance(&mut self) -> bool {
        self.shared.copies += 1;
        if self.shared.copies > MAX_COPY_INSTANCES {
            self.shared.note_limit(&format!(
                "more than {MAX_COPY_INSTANCES} copy-loop instances"
            ));
            return false;
        }
        true
    }

    /// Records a syntax error once, pointing inside the string when it has no escapes.
    fn note_syntax_error(&mut self, text: &str, node: &Node) {
        let Some((message, offset)) = parse_error(text) else {
            return;
        };
        // `"` + text + `"` in the source means byte offsets map one to one.
        let loc = if node.span.len() as usize == text.len() + 2 {
            let at = node.span.start as usize + 1 + offset;
            let end = (at + 1).min((node.span.end as usize).saturating_sub(1));
            Loc::new(self.file, Span::new(at, end))
        } else {
            self.loc(node)
        };
        if !self.shared.expression_errors.iter().any(|(_, l)| *l == loc) {
            self.shared.expression_errors.push((message, loc));
        }
    }

    fn parameter_value(&mut self, name: &str) -> Value {
        match &self.params {
            ParamSource::File(params, pfile) => {
                let (params, pfile) = (*params, *pfile);
                if let Some(entry) = params.get(name) {
                    if let Some(v) = entry.get("value") {
                        return literal_value(v, pfile);
                    }
                    if entry.get("reference").is_some() {
                        return Value::unknown(format!(
                            "parameter '{name}' is a Key Vault reference, read at deployment time"
                        ))
                        .with_origin(Some(Loc::new(pfile, entry.span)));
                    }
                }
            }
            ParamSource::Values(values) => {
                // A null passed for a parameter with a default means "not given"
                // (Bicep's `pool.?maxPods`, `tryGet` into a module's parameters).
                let has_default = || {
                    self.template
                        .get("parameters")
                        .and_then(|p| p.get(name))
                        .is_some_and(|spec| spec.get("defaultValue").is_some())
                };
                if let Some(v) = values.get(name)
                    && !(matches!(v.kind, Kind::Null) && has_default())
                {
                    return v.clone();
                }
            }
            ParamSource::None => {}
        }
        let spec = self.template.get("parameters").and_then(|p| p.get(name));
        match spec {
            None => Value::unknown(format!("error: parameter '{name}' is not declared")),
            Some(spec) => match spec.get("defaultValue") {
                Some(default) => {
                    let v = self.eval(default);
                    self.within_size_budget(v, default)
                }
                None if spec
                    .get("nullable")
                    .is_some_and(|n| n.kind == NodeKind::Bool(true)) =>
                {
                    Value::null().with_origin(Some(self.loc(spec)))
                }
                None => Value::unknown(format!(
                    "parameter '{name}' has no default and no parameter file gives it"
                ))
                .with_origin(Some(self.loc(spec))),
            },
        }
    }

    fn variable_value(&mut self, name: &str) -> Value {
        let Some(vars) = self.template.get("variables") else {
            return Value::unknown(format!("error: variable '{name}' is not declared"));
        };
        // Variable copy loops: `"copy": [{name, count, input}]` defines variable `name`.
        if let Some(spec) = vars.get("copy").and_then(|c| {
            c.items().iter().find(|i| {
                i.get("name")
                    .and_then(Node::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
        }) && let (Some(count), Some(input)) = (spec.get("count"), spec.get("input"))
        {
            return self.copy_array(name, count, input, spec, true);
        }
        match vars.get(name) {
            Some(node) if !name.eq_ignore_ascii_case("copy") => {
                let v = self.eval(node);
                self.within_size_budget(v, node)
            }
            _ => Value::unknown(format!("error: variable '{name}' is not declared")),
        }
    }

    /// Memoised lookup with cycle detection and a depth bound.
    fn cached(&mut self, is_param: bool, name: &str) -> Value {
        let key = name.to_ascii_lowercase();
        let cache = if is_param {
            &self.param_cache
        } else {
            &self.var_cache
        };
        match cache.get(&key) {
            Some(Slot::Done(v, cost)) => {
                // Every read copies the value: a large one read in a loop
                // costs in proportion.
                return if self.shared.charge_built(*cost) {
                    v.clone()
                } else {
                    Value::unknown("evaluation limit: step budget exhausted")
                };
            }
            Some(Slot::InProgress) => {
                return Value::unknown(format!("error: '{name}' refers to itself"));
            }
            None => {}
        }
        if self.ref_depth >= MAX_REF_DEPTH {
            self.shared
                .note_limit("variables and parameters nest too deeply");
            return Value::unknown("evaluation limit: references nest too deeply");
        }
        self.cache_mut(is_param)
            .insert(key.clone(), Slot::InProgress);
        self.ref_depth += 1;
        let v = if is_param {
            self.parameter_value(name)
        } else {
            self.variable_value(name)
        };
        self.ref_depth -= 1;
        let cost = copy_cost(&v);
        self.cache_mut(is_param)
            .insert(key, Slot::Done(v.clone(), cost));
        v
    }

    fn cache_mut(&mut self, is_param: bool) -> &mut HashMap<String, Slot> {
        if is_param {
            &mut self.param_cache
        } else {
            &mut self.var_cache
        }
    }
}

impl ExprEnv for Frame<'_, '_, '_> {
    fn parameter(&mut self, name: &str) -> Value {
        self.cached(true, name)
    }

    fn variable(&mut self, name: &str) -> Value {
        self.cached(false, name)
    }

    fn scope(&self) -> &DeployScope {
        &self.scope
    }

    fn tick(&mut self) -> bool {
        self.shared.charge(1)
    }

    fn charge(&mut self, units: u64) -> bool {
        self.shared.charge_built(units)
    }

    fn copy_index(&mut self, loop_name: Option<&str>) -> Value {
        let frame = match loop_name {
            Some(n) => self
                .copy_stack
                .iter()
                .rev()
                .find(|c| c.name.eq_ignore_ascii_case(n)),
            None => self.copy_stack.iter().rev().find(|c| !c.property),
        };
        match (frame, loop_name) {
            (Some(CopyFrame { index: Some(i), .. }), _) => Value::int(*i),
            (Some(_), _) => Value::unknown("the copy loop's count is not known statically"),
            (None, Some(n)) => {
                Value::unknown(format!("error: copyIndex('{n}') outside that copy loop"))
            }
            (None, None) => Value::unknown("error: copyIndex() outside a copy loop"),
        }
    }

    fn runtime_function(&mut self, name: &str, args: &[Value]) -> Option<Value> {
        match name {
            "reference" => self
                .reference(args)
                .or_else(|| self.declared_reference(args))
                .or_else(|| self.run_reference(args)),
            "deployment" => Some(self.deployment_object()),
            "resourceinfo" => self.resource_info(args),
            _ => None,
        }
    }

    fn user_function(&mut self, namespace: &str, name: &str, args: Vec<Value>) -> Value {
        crate::arm::udf::call(self, namespace, name, args, 0)
    }
}

/// What copying `v` costs beyond the step of the call that reads it.
pub fn copy_cost(v: &Value) -> u64 {
    let units = crate::value::units_up_to(v, STEP_BUDGET as usize);
    (units as u64).saturating_sub(1)
}

/// A `copy` member that is a list of property loops (`{name, count, input}`).
fn is_copy_specs(node: &Node) -> bool {
    let items = node.items();
    !items.is_empty()
        && items.iter().all(|i| {
            i.get("name").is_some() && i.get("count").is_some() && i.get("input").is_some()
        })
}

pub fn literal_kind(kind: &NodeKind) -> Kind {
    match kind {
        NodeKind::Null => Kind::Null,
        NodeKind::Bool(b) => Kind::Bool(*b),
        NodeKind::Int(i) => Kind::Int(*i),
        NodeKind::Float(f) => Kind::Float(*f),
        NodeKind::String(s) => Kind::Str(s.clone()),
        NodeKind::Array(_) | NodeKind::Object(_) => Kind::Null,
    }
}

/// A parameter-file value: literal JSON, never evaluated; `${VAR}` placeholders
/// (Azure Developer CLI) are Unknown.
pub fn literal_value(node: &Node, file: FileId) -> Value {
    let loc = Some(Loc::new(file, node.span));
    let kind = match &node.kind {
        NodeKind::String(s) if s.contains("${") => Kind::Unknown(format!(
            "'{s}' is an environment placeholder filled in at deployment time"
        )),
        NodeKind::Object(members) => {
            let mut obj = Object::new();
            for m in members {
                obj.entries
                    .push((m.key.clone(), literal_value(&m.value, file)));
            }
            Kind::Object(obj)
        }
        NodeKind::Array(items) => {
            Kind::Array(items.iter().map(|n| literal_value(n, file)).collect())
        }
        other => literal_kind(other),
    };
    Value::new(kind, loc)
}
