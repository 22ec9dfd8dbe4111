//! Resources and modules as ARM resources: full types and names (children
//! and `parent:`), ids (scopes, extension resources), loops as `copy`,
//! conditions, implicit `dependsOn`, modules as inner-scope deployments of a
//! linked template.

use std::collections::HashSet;

use crate::bicep::syntax::{Expr, ExprKind, ObjectItem};
use crate::json::{Node, NodeKind};
use crate::source::Span;

use super::node::{self, expression, member, member_at, object, quote, string, unknown};
use super::symbols::{Body, Dep, decorator, property};
use super::{Env, Lowerer, as_call, loop_env};

/// How far `scope:` chains and parents are followed (cycles in bad input).
const MAX_CHAIN: usize = 16;

/// The API version tendon writes for module deployments (as the compiler does).
const DEPLOYMENTS_API: &str = "2022-09-01";

impl<'p> Lowerer<'p> {
    /// Every resource and module in declaration order, keyed by symbolic name
    /// (languageVersion 2.0), so `reference('symbol')` finds a module whatever
    /// its name.
    pub fn resources_and_modules(&mut self) -> Vec<crate::json::Member> {
        let mut out: Vec<(u32, String, Node)> = Vec::new();
        for r in 0..self.symbols.resources.len() {
            if let Some((at, n)) = self.emit_resource(r) {
                let key = self.resource_key(r);
                out.push((at, key, n));
            }
        }
        for m in 0..self.symbols.modules.len() {
            if let Some((at, n)) = self.emit_module(m) {
                let key = self
                    .symbols
                    .modules
                    .get(m)
                    .map_or("", |x| x.symbol)
                    .to_string();
                out.push((at, key, n));
            }
        }
        out.sort_by_key(|(at, _, _)| *at);
        let mut seen = HashSet::new();
        out.into_iter()
            .map(|(_, key, n)| {
                // Invalid files may repeat a symbol; keys stay unique.
                let mut unique = key.clone();
                let mut k = 1;
                while !seen.insert(unique.clone()) {
                    k += 1;
                    unique = format!("{key}#{k}");
                }
                member_at(unique, n.span, n)
            })
            .collect()
    }

    /// `vnet::subnet` for nested children, else the symbol.
    fn resource_key(&self, r: usize) -> String {
        let mut parts = Vec::new();
        let mut cur = Some(r);
        while let Some(i) = cur {
            let Some(res) = self.symbols.resources.get(i) else {
                break;
            };
            parts.push(res.symbol);
            cur = if res.nested { res.parent } else { None };
            if parts.len() > MAX_CHAIN {
                break;
            }
        }
        parts.reverse();
        parts.join("::")
    }

    /// The bindings of a resource's or module's own loop; `index` is the
    /// instance (`copyIndex()` inside its own body).
    fn own_env(&mut self, body: Option<&Body<'p>>, index: Option<&str>) -> Env {
        let Some(lp) = body.and_then(|b| b.lp.as_ref()) else {
            return Env::new();
        };
        let src = self.expr(lp.source, &Env::new());
        loop_env(
            lp.item.map(|i| i.name.as_str()),
            lp.index.map(|i| i.name.as_str()),
            &src,
            index.unwrap_or("copyIndex()"),
            &Env::new(),
        )
    }

    fn looped(&self, r: usize) -> bool {
        self.symbols
            .resources
            .get(r)
            .and_then(|x| x.body.as_ref())
            .is_some_and(|b| b.lp.is_some())
    }

    /// The `name` a resource declares (the short name for children).
    pub fn resource_name(&mut self, r: usize, index: Option<&str>) -> String {
        let Some(body) = self.symbols.resources.get(r).map(|res| res.body) else {
            return unknown("unknown resource");
        };
        self.declared_name((true, r), body, index, |_| {
            unknown("the resource has no name")
        })
    }

    /// A resource's or module's `name` lowered in its own loop bindings, once
    /// per instance (memoised), with self-reference cut off. `fallback` gives
    /// the name when none is declared.
    fn declared_name(
        &mut self,
        who: (bool, usize),
        body: Option<Body<'p>>,
        index: Option<&str>,
        fallback: impl FnOnce(Option<&str>) -> String,
    ) -> String {
        let key = (who.0, who.1, index.map(str::to_string));
        if let Some(text) = self.name_memo.get(&key) {
            return text.clone();
        }
        if self.naming.contains(&who) {
            let what = if who.0 { "resource" } else { "module" };
            return unknown(&format!(
                "evaluation limit: the {what}'s name refers to itself"
            ));
        }
        self.naming.push(who);
        let outer = std::mem::take(&mut self.deps);
        let env = self.own_env(body.as_ref(), index);
        let out = match body.as_ref().and_then(|b| property(b.items, "name")) {
            Some(n) => self.expr(n, &env),
            None => fallback(index),
        };
        self.naming.pop();
        // What the name itself refers to is not a dependency of the referrer.
        self.deps = outer;
        self.name_memo.insert(key, out.clone());
        out
    }

    /// The name segments of a resource id, one per type level.
    fn segments(&mut self, r: usize, index: Option<&str>, depth: usize) -> Vec<String> {
        if depth > MAX_CHAIN {
            return vec![unknown("resource parents nest too deeply")];
        }
        let Some(res) = self.symbols.resources.get(r) else {
            return vec![unknown("unknown resource")];
        };
        let levels = res.full_type.split('/').count().saturating_sub(1).max(1);
        let parent = res.parent;
        let literal = res
            .body
            .as_ref()
            .and_then(|b| property(b.items, "name"))
            .and_then(Expr::as_plain_str)
            .map(str::to_string);
        if let Some(p) = parent {
            let mut segs = self.segments(p, None, depth + 1);
            segs.push(self.resource_name(r, index));
            return segs;
        }
        if levels == 1 {
            return vec![self.resource_name(r, index)];
        }
        if let Some(lit) = literal {
            let parts: Vec<&str> = lit.split('/').collect();
            if parts.len() == levels {
                return parts.into_iter().map(quote).collect();
            }
        }
        let name = self.resource_name(r, index);
        (0..levels)
            .map(|k| format!("split({name}, '/')[{k}]"))
            .collect()
    }

    /// The `scope:` expression of a resource (inherited from its root parent).
    fn scope_of(&self, r: usize) -> Option<&'p Expr> {
        let mut cur = r;
        for _ in 0..MAX_CHAIN {
            let res = self.symbols.resources.get(cur)?;
            if let Some(s) = res.body.as_ref().and_then(|b| property(b.items, "scope")) {
                return Some(s);
            }
            cur = res.parent?;
        }
        None
    }

    pub fn resource_id(&mut self, r: usize, index: Option<&str>) -> String {
        self.resource_id_at(r, index, 0)
    }

    fn resource_id_at(&mut self, r: usize, index: Option<&str>, depth: usize) -> String {
        if depth > MAX_CHAIN {
            return unknown("resource scopes nest too deeply");
        }
        let Some(full_type) = self.symbols.resources.get(r).map(|x| x.full_type.clone()) else {
            return unknown("unknown resource");
        };
        let segs = self.segments(r, index, 0).join(", ");
        let ty = quote(&full_type);
        let Some(scope) = self.scope_of(r) else {
            return match self.symbols.target_scope.as_deref() {
                Some("subscription") => format!("subscriptionResourceId({ty}, {segs})"),
                Some("tenant") | Some("managementGroup") => {
                    format!("tenantResourceId({ty}, {segs})")
                }
                _ => format!("resourceId({ty}, {segs})"),
            };
        };
        if let Some(args) = as_call(scope, "resourceGroup") {
            let mut parts: Vec<String> = args.iter().map(|a| self.expr(a, &Env::new())).collect();
            // `resourceGroup(name)` is a group of the current subscription,
            // whatever the file's target scope: say so, as a lone group
            // name means nothing to resourceId() in a subscription deployment.
            if parts.len() == 1 {
                parts.insert(0, "subscription().subscriptionId".to_string());
            }
            parts.push(ty);
            parts.push(segs);
            return format!("resourceId({})", parts.join(", "));
        }
        if let Some(args) = as_call(scope, "subscription") {
            let mut parts: Vec<String> = args.iter().map(|a| self.expr(a, &Env::new())).collect();
            parts.push(ty);
            parts.push(segs);
            return format!("subscriptionResourceId({})", parts.join(", "));
        }
        if as_call(scope, "tenant").is_some() {
            return format!("tenantResourceId({ty}, {segs})");
        }
        if let Some(s) = self.symbols.resolve_resource(scope, 0) {
            let index = match &scope.kind {
                ExprKind::Index { index, .. } => Some(self.expr(index, &Env::new())),
                _ => None,
            };
            // `scope: rg` with `rg` a resource group symbol: a resource in that
            // group (the AKS baseline's `targetResourceGroup`), not an extension.
            if self.is_resource_group(s) {
                let rg = self.resource_name(s, index.as_deref());
                return format!("resourceId({rg}, {ty}, {segs})");
            }
            let at = self.resource_id_at(s, index.as_deref(), depth + 1);
            return format!("extensionResourceId({at}, {ty}, {segs})");
        }
        unknown("the resource's scope is not a resource group, subscription or resource")
    }

    fn is_resource_group(&self, r: usize) -> bool {
        self.symbols.resources.get(r).is_some_and(|x| {
            x.full_type
                .eq_ignore_ascii_case("Microsoft.Resources/resourceGroups")
        })
    }

    pub fn module_name(&mut self, m: usize, index: Option<&str>) -> String {
        let Some(module) = self.symbols.modules.get(m) else {
            return unknown("unknown module");
        };
        let (symbol, body) = (module.symbol, module.body);
        let looped = body.as_ref().is_some_and(|b| b.lp.is_some());
        // Without a name: the symbol (per instance in a loop).
        self.declared_name((false, m), body, index, |index| {
            if looped {
                format!(
                    "format('{{0}}-{{1}}', {}, {})",
                    quote(symbol),
                    index.unwrap_or("copyIndex()")
                )
            } else {
                quote(symbol)
            }
        })
    }

    fn emit_resource(&mut self, r: usize) -> Option<(u32, Node)> {
        let res = self.symbols.resources.get(r)?;
        if res.decl.existing {
            return None;
        }
        let (stmt, decl) = (res.stmt, res.decl);
        let body = res.body.as_ref()?;
        let (items, body_span, condition) = (body.items, body.span, body.condition);
        let lp_source = body.lp.as_ref().map(|l| l.source);
        let (full_type, api) = (res.full_type.clone(), res.api_version.clone());
        let parent = res.parent;
        let symbol = res.symbol;
        let type_span = decl.type_string.span;

        self.deps.clear();
        let own = res.body;
        let env = self.own_env(own.as_ref(), None);
        let mut members = vec![
            member_at("type", type_span, string(&full_type, type_span)),
            member_at("apiVersion", type_span, string(&api, type_span)),
        ];
        let mut explicit: Option<&'p Expr> = None;
        for item in items {
            let ObjectItem::Property { key, value } = item else {
                continue;
            };
            let Some(k) = key.as_plain_str() else {
                let v = self.value(value, &env, true);
                let key_text = format!("[{}]", self.expr(key, &env));
                members.push(member_at(key_text, key.span, v));
                continue;
            };
            match k {
                "parent" => {}
                "dependsOn" => explicit = Some(value),
                "name" if parent.is_some() => {
                    let segs = self.segments(r, None, 0);
                    let pattern: Vec<String> =
                        (0..segs.len()).map(|i| format!("{{{i}}}")).collect();
                    let text =
                        format!("format({}, {})", quote(&pattern.join("/")), segs.join(", "));
                    members.push(member_at("name", key.span, expression(&text, value.span)));
                }
                // Emitted below: children inherit their parent's scope.
                "scope" => {}
                _ => {
                    let v = self.value(value, &env, true);
                    members.push(member_at(k, key.span, v));
                }
            }
        }
        if let Some(scope) = self.scope_of(r) {
            members.extend(self.resource_scope(scope, &env));
        }
        if let Some(m) = self.decorator_metadata(stmt) {
            members.push(m);
        }
        if let Some(p) = parent
            && !self
                .symbols
                .resources
                .get(p)
                .is_some_and(|x| x.decl.existing)
        {
            self.deps.push(Dep::Resource(p, None));
        }
        if let Some(c) = condition {
            members.push(member("condition", self.value(c, &env, false)));
        }
        if let Some(src) = lp_source {
            members.push(member("copy", self.copy_node(symbol, src, stmt, body_span)));
        }
        let deps = self.depends_on(explicit, &env, Some(r), None, body_span);
        if let Some(d) = deps {
            members.push(d);
        }
        Some((stmt.span.start, object(members, stmt.span)))
    }

    /// `@description('…')` and `@metadata({…})` as the resource's `metadata`.
    fn decorator_metadata(
        &mut self,
        stmt: &'p crate::bicep::syntax::Statement,
    ) -> Option<crate::json::Member> {
        let mut members = Vec::new();
        if let Some(args) = decorator(stmt, "metadata")
            && let Some(ExprKind::Object(items)) = args.first().map(|a| &a.kind)
        {
            for item in items {
                if let ObjectItem::Property { key, value } = item
                    && let Some(k) = key.as_plain_str()
                {
                    members.push(member_at(
                        k,
                        key.span,
                        self.value(value, &Env::new(), false),
                    ));
                }
            }
        }
        if let Some(d) = decorator(stmt, "description").and_then(|a| a.first()) {
            members.push(member("description", self.value(d, &Env::new(), false)));
        }
        if members.is_empty() {
            return None;
        }
        Some(member("metadata", object(members, stmt.span)))
    }

    /// The `scope` of an extension resource (a resource id), or `/` for the tenant.
    fn resource_scope(&mut self, scope: &'p Expr, env: &Env) -> Option<crate::json::Member> {
        if as_call(scope, "tenant").is_some() {
            return Some(member("scope", string("/", scope.span)));
        }
        let s = self.symbols.resolve_resource(scope, 0)?;
        let index = match &scope.kind {
            ExprKind::Index { index, .. } => Some(self.expr(index, env)),
            _ => None,
        };
        if self.is_resource_group(s) {
            let rg = self.resource_name(s, index.as_deref());
            return Some(member("resourceGroup", expression(&rg, scope.span)));
        }
        let existing = self
            .symbols
            .resources
            .get(s)
            .is_some_and(|x| x.decl.existing);
        if !existing {
            self.deps.push(Dep::Resource(s, index.clone()));
        }
        let id = self.resource_id(s, index.as_deref());
        Some(member("scope", expression(&id, scope.span)))
    }

    fn copy_node(
        &mut self,
        symbol: &str,
        source: &'p Expr,
        stmt: &'p crate::bicep::syntax::Statement,
        span: Span,
    ) -> Node {
        let src = self.expr(source, &Env::new());
        let mut m = vec![
            member("name", string(symbol, span)),
            member("count", expression(&format!("length({src})"), source.span)),
        ];
        if let Some(args) = decorator(stmt, "batchSize") {
            m.push(member("mode", string("serial", span)));
            if let Some(n) = args.first() {
                m.push(member("batchSize", self.value(n, &Env::new(), false)));
            }
        }
        object(m, span)
    }

    /// `dependsOn` from the references made in the body plus explicit entries.
    fn depends_on(
        &mut self,
        explicit: Option<&'p Expr>,
        env: &Env,
        this_resource: Option<usize>,
        this_module: Option<usize>,
        span: Span,
    ) -> Option<crate::json::Member> {
        // Explicit entries first, each at its own text; implicit ones at the
        // `dependsOn` written (or the body when there is none).
        let implicit = std::mem::take(&mut self.deps);
        let at = explicit.map_or(span, |e| e.span);
        let mut located: Vec<(Dep, Span)> = Vec::new();
        for e in explicit.map(dep_items).unwrap_or_default() {
            let index = match &e.kind {
                ExprKind::Index { index, .. } => Some(self.expr(index, env)),
                _ => None,
            };
            if let Some(r) = self.symbols.resolve_resource(e, 0) {
                located.push((Dep::Resource(r, index), e.span));
            } else {
                let name = match &e.kind {
                    ExprKind::Ident(id) => Some(id.name.as_str()),
                    ExprKind::Index { target, .. } => match &target.kind {
                        ExprKind::Ident(t) => Some(t.name.as_str()),
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(super::symbols::Symbol::Module(m)) =
                    name.and_then(|n| self.symbols.lookup(n))
                {
                    located.push((Dep::Module(m, index), e.span));
                }
            }
        }
        self.deps.clear();
        let implicit = self.expand_deps(implicit);
        located.extend(implicit.into_iter().map(|d| (d, at)));
        // An index bound inside a property loop or lambda means nothing in
        // `dependsOn`: depend on the whole collection (as the compiler does).
        let deps: Vec<(Dep, Span)> = located
            .into_iter()
            .map(|(d, sp)| match d {
                Dep::Resource(r, Some(i)) if local_index(&i) => (Dep::Resource(r, None), sp),
                Dep::Module(m, Some(i)) if local_index(&i) => (Dep::Module(m, None), sp),
                other => (other, sp),
            })
            .collect();
        // An `existing` resource is not deployed: waiting for it means waiting
        // for the nearest deployed parent (a VNet for `vnet::subnet`).
        let deps: Vec<(Dep, Span)> = deps
            .into_iter()
            .map(|(d, sp)| match d {
                Dep::Resource(r, index) => {
                    let (mut cur, mut index) = (r, index);
                    while let Some(p) = self
                        .symbols
                        .resources
                        .get(cur)
                        .filter(|x| x.decl.existing)
                        .and_then(|x| x.parent)
                    {
                        (cur, index) = (p, None);
                    }
                    (Dep::Resource(cur, index), sp)
                }
                other => (other, sp),
            })
            .collect();
        let mut seen = HashSet::new();
        let mut entries = Vec::new();
        for (d, entry_span) in deps {
            let text = match &d {
                Dep::Resource(r, _) if Some(*r) == this_resource => continue,
                Dep::Module(m, _) if Some(*m) == this_module => continue,
                Dep::Resource(r, _)
                    if self
                        .symbols
                        .resources
                        .get(*r)
                        .is_some_and(|x| x.decl.existing) =>
                {
                    continue;
                }
                Dep::Resource(r, None) if self.looped(*r) => self
                    .symbols
                    .resources
                    .get(*r)
                    .map(|x| x.symbol.to_string())
                    .unwrap_or_default(),
                Dep::Resource(r, index) => format!("[{}]", self.resource_id(*r, index.as_deref())),
                Dep::Module(m, None)
                    if self
                        .symbols
                        .modules
                        .get(*m)
                        .is_some_and(|x| x.body.as_ref().is_some_and(|b| b.lp.is_some())) =>
                {
                    self.symbols
                        .modules
                        .get(*m)
                        .map(|x| x.symbol.to_string())
                        .unwrap_or_default()
                }
                Dep::Module(m, index) => format!(
                    "[resourceId('Microsoft.Resources/deployments', {})]",
                    self.module_name(*m, index.as_deref())
                ),
                Dep::Var(_) => continue,
            };
            if seen.insert(text.clone()) {
                entries.push(string(text, entry_span));
            }
        }
        self.deps.clear();
        if entries.is_empty() {
            return None;
        }
        Some(member(
            "dependsOn",
            node::node(NodeKind::Array(entries), at),
        ))
    }

    /// Resolves variable references into the resources they refer to.
    fn expand_deps(&self, deps: Vec<Dep>) -> Vec<Dep> {
        let mut out = Vec::new();
        let mut seen_vars: HashSet<String> = HashSet::new();
        let mut stack = deps;
        stack.reverse();
        while let Some(d) = stack.pop() {
            match d {
                Dep::Var(name) => {
                    if seen_vars.insert(name.clone())
                        && let Some(more) = self.var_deps.get(&name)
                    {
                        stack.extend(more.iter().rev().cloned());
                    }
                }
                other => out.push(other),
            }
        }
        out
    }

    fn emit_module(&mut self, m: usize) -> Option<(u32, Node)> {
        let module = self.symbols.modules.get(m)?;
        let (stmt, path) = (module.stmt, module.path);
        let body = module.body.as_ref()?;
        let (items, body_span, condition) = (body.items, body.span, body.condition);
        let lp_source = body.lp.as_ref().map(|l| l.source);
        let symbol = module.symbol;
        let b = *body;
        self.deps.clear();
        let env = self.own_env(Some(&b), None);

        let name_text = self.module_name(m, None);
        let name_span = property(items, "name").map_or(path.span, |n| n.span);
        let mut members = vec![
            member_at(
                "type",
                path.span,
                string("Microsoft.Resources/deployments", path.span),
            ),
            member_at("apiVersion", path.span, string(DEPLOYMENTS_API, path.span)),
            member("name", expression(&name_text, name_span)),
        ];
        let mut explicit: Option<&'p Expr> = None;
        let mut parameters = Vec::new();
        for item in items {
            let ObjectItem::Property { key, value } = item else {
                continue;
            };
            match key.as_plain_str() {
                Some("params") => {
                    if let ExprKind::Object(params) = &value.kind {
                        for p in params {
                            if let ObjectItem::Property { key: pk, value: pv } = p
                                && let Some(pname) = pk.as_plain_str()
                            {
                                let v = self.value(pv, &env, true);
                                parameters.push(member_at(
                                    pname,
                                    pk.span,
                                    object(vec![member("value", v)], pv.span),
                                ));
                            }
                        }
                    }
                }
                Some("scope") => members.extend(self.module_scope(value, &env)),
                Some("dependsOn") => explicit = Some(value),
                _ => {}
            }
        }
        let local = !["br:", "br/", "ts:", "ts/"]
            .iter()
            .any(|p| path.value.starts_with(p));
        let link = if local {
            member("relativePath", string(&path.value, path.span))
        } else {
            member("uri", string(&path.value, path.span))
        };
        let span = body_span;
        members.push(member(
            "properties",
            object(
                vec![
                    member(
                        "expressionEvaluationOptions",
                        object(vec![member("scope", string("inner", span))], span),
                    ),
                    member("mode", string("Incremental", span)),
                    member("templateLink", object(vec![link], path.span)),
                    member("parameters", object(parameters, span)),
                ],
                span,
            ),
        ));
        if let Some(c) = condition {
            members.push(member("condition", self.value(c, &env, false)));
        }
        if let Some(src) = lp_source {
            members.push(member("copy", self.copy_node(symbol, src, stmt, body_span)));
        }
        if let Some(d) = self.depends_on(explicit, &env, None, Some(m), body_span) {
            members.push(d);
        }
        Some((stmt.span.start, object(members, stmt.span)))
    }

    /// A module's `scope:` as deployment properties.
    fn module_scope(&mut self, scope: &'p Expr, env: &Env) -> Vec<crate::json::Member> {
        let span = scope.span;
        if let Some(args) = as_call(scope, "resourceGroup") {
            return match args {
                [rg] => vec![member("resourceGroup", self.value(rg, env, false))],
                [sub, rg] => vec![
                    member("subscriptionId", self.value(sub, env, false)),
                    member("resourceGroup", self.value(rg, env, false)),
                ],
                _ => Vec::new(),
            };
        }
        if let Some(args) = as_call(scope, "subscription") {
            let mut out = vec![member(
                "location",
                expression("deployment().location", span),
            )];
            if let [sub] = args {
                out.push(member("subscriptionId", self.value(sub, env, false)));
            }
            return out;
        }
        if let Some(r) = self.symbols.resolve_resource(scope, 0)
            && self.is_resource_group(r)
        {
            if !self
                .symbols
                .resources
                .get(r)
                .is_some_and(|x| x.decl.existing)
            {
                self.deps.push(Dep::Resource(r, None));
            }
            let name = self.resource_name(r, None);
            return vec![member("resourceGroup", expression(&name, span))];
        }
        if as_call(scope, "tenant").is_some() || as_call(scope, "managementGroup").is_some() {
            return vec![member(
                "scope",
                expression(&unknown("a management group or tenant scope"), span),
            )];
        }
        Vec::new()
    }
}

fn local_index(index: &str) -> bool {
    index.contains("copyIndex('") || index.contains("lambdaVariables(")
}

/// The entries of an explicit `dependsOn: [a, b[0]]`.
fn dep_items(value: &Expr) -> Vec<&Expr> {
    match &value.kind {
        ExprKind::Array(items) => items
            .iter()
            .filter_map(|i| match i {
                crate::bicep::syntax::ArrayItem::Expr(e) => Some(e),
                crate::bicep::syntax::ArrayItem::Spread(_) => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}
