//! Evaluates one ARM template (with an optional parameter file) into the list
//! of resources it deploys, every value evaluated as far as it can be.

use std::collections::HashMap;

use crate::arm::eval::{DeployScope, ExprEnv, ScopeLevel, evaluate_string, parse_error};
use crate::json::{Member, Node, NodeKind};
use crate::resource_id;
use crate::source::{FileId, Loc};
use crate::value::{Kind, Object, Value};

/// Evaluation steps allowed per template before values turn Unknown.
pub const STEP_BUDGET: u64 = 2_000_000;
/// How deep variables and parameter defaults may refer to each other.
const MAX_REF_DEPTH: usize = 64;

/// One evaluated resource.
#[derive(Debug)]
pub struct Resource {
    /// Full type, e.g. `Microsoft.Network/virtualNetworks/subnets`.
    pub resource_type: String,
    /// Full name (`vnet/subnet`), possibly Unknown.
    pub name: Value,
    /// Resource id (placeholders for unknown scope parts); `None` when the name is unknown.
    pub id: Option<String>,
    /// The evaluated resource object (`properties`, `identity`, `dependsOn`, …).
    pub body: Value,
    /// The resource object in the template.
    pub loc: Loc,
    /// The `condition` could not be evaluated: the resource may not be deployed.
    pub conditional: bool,
    /// Declared in a `copy` loop (instances are not expanded yet).
    pub copied: bool,
}

/// What one template deploys under one parameter file.
#[derive(Debug)]
pub struct Deployment {
    pub file: FileId,
    pub parameters_file: Option<FileId>,
    pub scope: DeployScope,
    pub resources: Vec<Resource>,
    /// Set when an evaluation budget ran out (what, and the expression being
    /// evaluated); values past that point are Unknown.
    pub limit_hit: Option<(String, Option<Loc>)>,
    /// Template expressions that do not parse: message and location.
    pub expression_errors: Vec<(String, Loc)>,
}

/// Deployment scope from the template's `$schema`.
pub fn scope_level(template: &Node) -> ScopeLevel {
    let schema = template
        .get("$schema")
        .and_then(Node::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    if schema.contains("subscriptiondeploymenttemplate") {
        ScopeLevel::Subscription
    } else if schema.contains("managementgroupdeploymenttemplate") {
        ScopeLevel::ManagementGroup
    } else if schema.contains("tenantdeploymenttemplate") {
        ScopeLevel::Tenant
    } else {
        ScopeLevel::ResourceGroup
    }
}

pub fn evaluate(template: &Node, file: FileId, parameters: Option<(&Node, FileId)>) -> Deployment {
    let scope = DeployScope {
        level: scope_level(template),
        subscription_id: None,
        resource_group: None,
    };
    let mut env = TemplateEnv {
        file,
        template,
        parameters: parameters.and_then(|(n, f)| n.get("parameters").map(|p| (p, f))),
        param_cache: HashMap::new(),
        var_cache: HashMap::new(),
        scope,
        steps: 0,
        ref_depth: 0,
        limit_hit: None,
        current: None,
        expression_errors: Vec::new(),
    };
    let prefix = resource_id::scope_prefix(env.scope.level, None, None);
    let mut resources = Vec::new();
    if let Some(list) = template.get("resources") {
        let parent = Parent {
            resource_type: "",
            name: None,
            conditional: false,
        };
        match &list.kind {
            NodeKind::Array(items) => {
                for node in items {
                    env.resource(node, &parent, &prefix, &mut resources);
                }
            }
            // languageVersion 2.0: resources keyed by symbolic name.
            NodeKind::Object(members) => {
                for m in members {
                    env.resource(&m.value, &parent, &prefix, &mut resources);
                }
            }
            _ => {}
        }
    }
    Deployment {
        file,
        parameters_file: parameters.map(|(_, f)| f),
        scope: env.scope,
        resources,
        limit_hit: env.limit_hit,
        expression_errors: env.expression_errors,
    }
}

struct Parent<'a> {
    resource_type: &'a str,
    /// `None` at top level; `Some(Unknown)` when the parent's name is unknown.
    name: Option<&'a Value>,
    conditional: bool,
}

enum Slot {
    InProgress,
    Done(Value),
}

struct TemplateEnv<'a> {
    file: FileId,
    template: &'a Node,
    /// The `parameters` object of the parameter file, and that file.
    parameters: Option<(&'a Node, FileId)>,
    param_cache: HashMap<String, Slot>,
    var_cache: HashMap<String, Slot>,
    scope: DeployScope,
    steps: u64,
    ref_depth: usize,
    limit_hit: Option<(String, Option<Loc>)>,
    /// The template string being evaluated, for TDN003's location.
    current: Option<Loc>,
    expression_errors: Vec<(String, Loc)>,
}

impl<'a> TemplateEnv<'a> {
    fn loc(&self, node: &Node) -> Loc {
        Loc::new(self.file, node.span)
    }

    /// Evaluates a template value: strings as expressions, containers recursively.
    fn eval(&mut self, node: &Node) -> Value {
        let loc = Some(self.loc(node));
        let kind = match &node.kind {
            NodeKind::String(s) => {
                let origin = self.loc(node);
                let outer = self.current.replace(origin);
                let v = evaluate_string(s, origin, self);
                if let Some(reason) = v.unknown_reason() {
                    if reason.starts_with("evaluation limit") {
                        self.note_limit(reason.trim_start_matches("evaluation limit: "));
                    } else if reason.starts_with("invalid expression") {
                        self.note_syntax_error(s, node);
                    }
                }
                self.current = outer;
                // Values computed in this template point at the expression; values
                // from a parameter file keep that file's span.
                return match v.origin {
                    Some(o) if o.file != self.file => v,
                    _ => v.with_origin(Some(origin)),
                };
            }
            NodeKind::Object(members) => Kind::Object(self.eval_members(members, &[])),
            NodeKind::Array(items) => Kind::Array(items.iter().map(|n| self.eval(n)).collect()),
            other => literal_kind(other),
        };
        Value::new(kind, loc)
    }

    fn eval_members(&mut self, members: &[Member], skip: &[&str]) -> Object {
        let mut obj = Object::new();
        for m in members {
            if skip.iter().any(|s| m.key.eq_ignore_ascii_case(s)) {
                continue;
            }
            let v = self.eval(&m.value);
            // Lookups take the last duplicate, so pushing keeps JSON semantics without
            // a quadratic duplicate scan on large objects.
            obj.entries.push((m.key.clone(), v));
        }
        obj
    }

    fn resource(&mut self, node: &Node, parent: &Parent, prefix: &str, out: &mut Vec<Resource>) {
        let NodeKind::Object(members) = &node.kind else {
            return;
        };
        let mut conditional = parent.conditional;
        if let Some(cond) = node.get("condition") {
            let c = self.eval(cond);
            match c.kind {
                Kind::Bool(false) => return,
                Kind::Bool(true) => {}
                _ => conditional = true,
            }
        }
        if node
            .get("existing")
            .is_some_and(|e| e.kind == NodeKind::Bool(true))
        {
            return;
        }
        let raw_type = node.get("type").map(|t| self.eval(t));
        let Some(raw_type) = raw_type.as_ref().and_then(Value::as_str) else {
            return;
        };
        let raw_name = node
            .get("name")
            .map(|n| self.eval(n))
            .unwrap_or_else(|| Value::unknown("resource has no name"));
        let (resource_type, name) = match parent.name {
            None => (raw_type.to_string(), raw_name),
            Some(parent_name) => {
                child_type_and_name(parent.resource_type, parent_name, raw_type, raw_name)
            }
        };
        let is_deployment = resource_type.eq_ignore_ascii_case("Microsoft.Resources/deployments");
        let skip: &[&str] = &["resources"];
        let mut body = self.eval_members(members, skip);
        if is_deployment {
            // Nested templates have their own scope; they are not evaluated here.
            if let Some(Kind::Object(props)) = body.get("properties").map(|p| p.kind.clone()) {
                let mut props = props;
                props
                    .entries
                    .retain(|(k, _)| !k.eq_ignore_ascii_case("template"));
                if let Some(loc) = body.get("properties").and_then(|p| p.origin) {
                    body.insert(
                        "properties".into(),
                        Value::new(Kind::Object(props), Some(loc)),
                    );
                }
            }
        }
        let own_prefix = match body.get("scope").and_then(Value::as_str) {
            Some(scope) => resource_id::resolve_scope(prefix, scope),
            None => prefix.to_string(),
        };
        let id = name
            .as_str()
            .and_then(|n| resource_id::build(&own_prefix, &resource_type, n));
        let copied = node.get("copy").is_some();
        let children = node.get("resources");
        out.push(Resource {
            resource_type: resource_type.clone(),
            name: name.clone(),
            id,
            body: Value::new(Kind::Object(body), Some(self.loc(node))),
            loc: self.loc(node),
            conditional,
            copied,
        });
        if let Some(children) = children {
            let child_parent = Parent {
                resource_type: &resource_type,
                name: Some(&name),
                conditional,
            };
            for child in children.items() {
                self.resource(child, &child_parent, prefix, out);
            }
        }
    }

    fn parameter_value(&mut self, name: &str) -> Value {
        if let Some((params, pfile)) = self.parameters
            && let Some(entry) = params.get(name)
        {
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
        let spec = self.template.get("parameters").and_then(|p| p.get(name));
        match spec {
            None => Value::unknown(format!("parameter '{name}' is not declared")),
            Some(spec) => match spec.get("defaultValue") {
                Some(default) => self.eval(default),
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
        let vars = self.template.get("variables");
        if vars.and_then(|v| v.get("copy")).is_some() {
            let defined_by_copy = vars
                .and_then(|v| v.get("copy"))
                .map(|c| {
                    c.items().iter().any(|i| {
                        i.get("name")
                            .and_then(Node::as_str)
                            .is_some_and(|n| n.eq_ignore_ascii_case(name))
                    })
                })
                .unwrap_or(false);
            if defined_by_copy {
                return Value::unknown(format!(
                    "variable '{name}' comes from a copy loop, not evaluated yet"
                ));
            }
        }
        match vars.and_then(|v| v.get(name)) {
            Some(node) => self.eval(node),
            None => Value::unknown(format!("error: variable '{name}' is not declared")),
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
            Some(Slot::Done(v)) => return v.clone(),
            Some(Slot::InProgress) => {
                return Value::unknown(format!("error: '{name}' refers to itself"));
            }
            None => {}
        }
        if self.ref_depth >= MAX_REF_DEPTH {
            self.note_limit("variables and parameters nest too deeply");
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
        self.cache_mut(is_param).insert(key, Slot::Done(v.clone()));
        v
    }

    fn cache_mut(&mut self, is_param: bool) -> &mut HashMap<String, Slot> {
        if is_param {
            &mut self.param_cache
        } else {
            &mut self.var_cache
        }
    }

    /// Records a syntax error once, pointing inside the string when it has no escapes.
    fn note_syntax_error(&mut self, text: &str, node: &Node) {
        let Some((message, offset)) = parse_error(text) else {
            return;
        };
        let raw_len = node.span.len() as usize;
        // `"` + text + `"` in the source means byte offsets map one to one.
        let loc = if raw_len == text.len() + 2 {
            let at = node.span.start as usize + 1 + offset;
            Loc::new(
                self.file,
                crate::source::Span::new(at, (at + 1).min(node.span.end as usize - 1)),
            )
        } else {
            self.loc(node)
        };
        if !self.expression_errors.iter().any(|(_, l)| *l == loc) {
            self.expression_errors.push((message, loc));
        }
    }

    fn note_limit(&mut self, what: &str) {
        if self.limit_hit.is_none() {
            self.limit_hit = Some((what.to_string(), self.current));
        }
    }
}

impl ExprEnv for TemplateEnv<'_> {
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
        self.steps += 1;
        if self.steps > STEP_BUDGET {
            self.note_limit("the evaluation step budget ran out");
            return false;
        }
        true
    }
}

/// Full type and name of a resource nested in a parent's `resources` array.
fn child_type_and_name(
    parent_type: &str,
    parent_name: &Value,
    child_type: &str,
    child_name: Value,
) -> (String, Value) {
    // A child may use the full form (`Microsoft.Network/virtualNetworks/subnets`, `vnet/sn`).
    let full_form = child_type
        .split('/')
        .next()
        .is_some_and(|ns| ns.contains('.'));
    if full_form {
        return (child_type.to_string(), child_name);
    }
    let resource_type = format!("{parent_type}/{child_type}");
    let name = match (parent_name.as_str(), child_name.as_str()) {
        (Some(p), Some(c)) => Value::str(format!("{p}/{c}")).with_origin(child_name.origin),
        (None, _) => Value::unknown("the parent resource's name is not known statically"),
        (_, None) => child_name,
    };
    (resource_type, name)
}

fn literal_kind(kind: &NodeKind) -> Kind {
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
fn literal_value(node: &Node, file: FileId) -> Value {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    const SCHEMA: &str =
        "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

    fn eval_with(template: &str, params: Option<&str>) -> Deployment {
        let t = parse(&template.replace("$SCHEMA", SCHEMA)).unwrap();
        let p = params.map(|p| parse(p).unwrap());
        evaluate(&t, 0, p.as_ref().map(|p| (p, 1)))
    }

    fn names(d: &Deployment) -> Vec<(String, String)> {
        d.resources
            .iter()
            .map(|r| {
                (
                    r.resource_type.clone(),
                    r.name.as_str().unwrap_or("?").to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn parameter_files_override_defaults_and_names_are_case_insensitive() {
        let t = r#"{"$schema": "$SCHEMA",
          "parameters": {"vnetName": {"type": "string", "defaultValue": "dflt"},
                         "other": {"type": "string", "defaultValue": "[concat(parameters('VNETNAME'), '-x')]"}},
          "resources": [{"type": "Microsoft.Network/virtualNetworks", "name": "[parameters('other')]"}]}"#;
        assert_eq!(names(&eval_with(t, None))[0].1, "dflt-x");
        let p = r#"{"parameters": {"VnetName": {"value": "fromfile"}}}"#;
        let d = eval_with(t, Some(p));
        assert_eq!(names(&d)[0].1, "fromfile-x");
    }

    #[test]
    fn parameter_file_values_keep_their_span_and_placeholders_are_unknown() {
        let t = r#"{"$schema": "$SCHEMA",
          "parameters": {"a": {"type": "string"}, "b": {"type": "string"}},
          "resources": [{"type": "T.N/x", "name": "n", "properties": {"a": "[parameters('a')]", "b": "[parameters('b')]"}}]}"#;
        let p = r#"{"parameters": {"a": {"value": "A"}, "b": {"value": "${AZURE_ENV}"}}}"#;
        let d = eval_with(t, Some(p));
        let props = d.resources[0].body.get("properties").unwrap();
        let a = props.get("a").unwrap();
        assert_eq!(a.as_str(), Some("A"));
        assert_eq!(a.origin.map(|o| o.file), Some(1));
        assert!(props.get("b").unwrap().is_unknown());
    }

    #[test]
    fn missing_parameters_and_key_vault_references_are_unknown() {
        let t = r#"{"$schema": "$SCHEMA",
          "parameters": {"a": {"type": "string"}, "kv": {"type": "securestring"}},
          "resources": [{"type": "T.N/x", "name": "[parameters('a')]"},
                        {"type": "T.N/x", "name": "[parameters('kv')]"}]}"#;
        let p = r#"{"parameters": {"kv": {"reference": {"keyVault": {"id": "x"}, "secretName": "s"}}}}"#;
        let d = eval_with(t, Some(p));
        let reasons: Vec<_> = d
            .resources
            .iter()
            .map(|r| r.name.unknown_reason().unwrap_or(""))
            .collect();
        assert!(reasons[0].contains("no default"), "{reasons:?}");
        assert!(reasons[1].contains("Key Vault"), "{reasons:?}");
        assert_eq!(d.resources[0].id, None);
    }

    #[test]
    fn conditions_drop_or_mark_resources() {
        let t = r#"{"$schema": "$SCHEMA",
          "parameters": {"on": {"type": "bool", "defaultValue": false}, "maybe": {"type": "bool"}},
          "resources": [
            {"condition": "[parameters('on')]", "type": "T.N/x", "name": "off"},
            {"condition": "[not(parameters('on'))]", "type": "T.N/x", "name": "on"},
            {"condition": "[parameters('maybe')]", "type": "T.N/x", "name": "maybe",
             "resources": [{"type": "child", "name": "c"}]}]}"#;
        let d = eval_with(t, None);
        assert_eq!(
            names(&d),
            vec![
                ("T.N/x".into(), "on".into()),
                ("T.N/x".into(), "maybe".into()),
                ("T.N/x/child".into(), "maybe/c".into()),
            ]
        );
        assert!(!d.resources[0].conditional);
        assert!(d.resources[1].conditional && d.resources[2].conditional);
    }

    #[test]
    fn child_resources_get_full_types_names_and_ids() {
        let t = r#"{"$schema": "$SCHEMA",
          "resources": [{"type": "Microsoft.Network/virtualNetworks", "name": "vnet",
            "resources": [
              {"type": "subnets", "name": "a"},
              {"type": "Microsoft.Network/virtualNetworks/subnets", "name": "vnet/b"}]}]}"#;
        let d = eval_with(t, None);
        assert_eq!(
            names(&d)[1..],
            [
                (
                    "Microsoft.Network/virtualNetworks/subnets".to_string(),
                    "vnet/a".to_string()
                ),
                (
                    "Microsoft.Network/virtualNetworks/subnets".to_string(),
                    "vnet/b".to_string()
                ),
            ]
        );
        assert_eq!(
            d.resources[1].id.as_deref(),
            Some(
                "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/a"
            )
        );
    }

    #[test]
    fn symbolic_resources_and_existing_and_scopes() {
        let t = r#"{"$schema": "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
          "languageVersion": "2.0",
          "resources": {
            "rg": {"type": "Microsoft.Resources/resourceGroups", "name": "rg1"},
            "old": {"existing": true, "type": "Microsoft.Resources/resourceGroups", "name": "rg0"}}}"#;
        let d = eval_with(t, None);
        assert_eq!(
            names(&d),
            vec![("Microsoft.Resources/resourceGroups".into(), "rg1".into())]
        );
        assert_eq!(d.scope.level, ScopeLevel::Subscription);
        assert_eq!(
            d.resources[0].id.as_deref(),
            Some(
                "/subscriptions/{subscriptionId}/providers/Microsoft.Resources/resourceGroups/rg1"
            )
        );
    }

    #[test]
    fn expression_values_point_at_the_expression() {
        let text = r#"{"$schema": "$SCHEMA", "variables": {"v": "kubenet"},
          "resources": [{"type": "T.N/x", "name": "n", "properties": {"p": "[variables('v')]"}}]}"#;
        let d = eval_with(text, None);
        let p = d.resources[0].body.get_path(&["properties", "p"]).unwrap();
        let full = text.replace("$SCHEMA", SCHEMA);
        let at = p.origin.unwrap().span;
        assert_eq!(
            &full[at.start as usize..at.end as usize],
            "\"[variables('v')]\""
        );
    }

    #[test]
    fn nested_deployment_templates_are_not_evaluated_with_the_outer_scope() {
        let t = r#"{"$schema": "$SCHEMA",
          "resources": [{"type": "Microsoft.Resources/deployments", "name": "inner",
            "properties": {"mode": "Incremental", "template": {"resources": [{"name": "[parameters('x')]"}]}}}]}"#;
        let d = eval_with(t, None);
        assert!(
            d.resources[0]
                .body
                .get_path(&["properties", "template"])
                .is_none()
        );
        assert!(d.expression_errors.is_empty());
    }
}
