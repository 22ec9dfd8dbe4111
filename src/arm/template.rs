//! Evaluates one ARM template (with an optional parameter file) into the list
//! of resources it deploys, every value evaluated as far as it can be: copy
//! loops expanded, conditions applied, nested and linked deployments followed.
//!
//! The work is split by concept: [`crate::arm::frame`] (one template's
//! parameters, variables and values), [`crate::arm::resources`] (resources,
//! conditions, copy loops, child resources), [`crate::arm::nested`] (nested and
//! linked deployments, outputs, `reference`), [`crate::arm::udf`] (user-defined
//! functions).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::arm::eval::{DeployScope, ScopeLevel};
use crate::arm::frame::{Frame, ParamSource, Shared};
use crate::json::Node;
use crate::resource_id;
use crate::source::{FileId, Loc, Span};
use crate::value::Value;

/// Evaluation steps allowed per template (nested and linked ones included).
pub const STEP_BUDGET: u64 = 4_000_000;
/// ARM's own limit on the instances of one copy loop.
pub const MAX_COPY_COUNT: i64 = 800;
/// Copy instances expanded per template, all loops together.
pub const MAX_COPY_INSTANCES: u64 = 20_000;
/// Nested deployment and module instances per template (nested and linked
/// ones included): seven files each deploying the next eight times would
/// otherwise be two million.
pub const MAX_DEPLOYMENT_INSTANCES: u64 = 2_000;
/// Units (nodes plus string bytes / 64) of values copied or built per
/// template, nested and linked ones included: bounds memory, where steps
/// bound time.
pub const MAX_BUILT_UNITS: u64 = 400_000;
/// How deep nested and linked deployments may go.
pub const MAX_NESTING: usize = 12;

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
    /// Its `condition` (or the count of its copy loop) is not known statically:
    /// the resource may not be deployed.
    pub conditional: bool,
}

/// What one template deploys under one parameter file.
#[derive(Debug)]
pub struct Deployment {
    pub file: FileId,
    pub parameters_file: Option<FileId>,
    /// The `parameters` object of the parameter file, for "found with" locations.
    pub parameters_loc: Option<Loc>,
    pub scope: DeployScope,
    pub resources: Vec<Resource>,
    /// Set when an evaluation budget ran out (what, and the expression being
    /// evaluated); values past that point are Unknown.
    pub limit_hit: Option<(String, Option<Loc>)>,
    /// Template expressions that do not parse: message and location.
    pub expression_errors: Vec<(String, Loc)>,
    /// Files this deployment reached as linked templates.
    pub linked_files: Vec<FileId>,
}

/// A template file reached through `templateLink`.
#[derive(Clone, Debug)]
pub struct LinkedTemplate {
    pub file: FileId,
    pub path: PathBuf,
    pub node: Arc<Node>,
}

/// Finds linked templates and parameter files on disk.
pub trait TemplateLoader: Sync {
    fn load(&self, path: &Path) -> Option<LinkedTemplate>;

    /// Told about each linked template or parameter file evaluation could not read.
    fn unread(&self, _link: crate::arm::nested::Unread) {}

    /// What `reference()` reads of a resource (by canonical id) that another
    /// template of the run declares; `None` when none does (yet).
    fn declared(&self, _canonical_id: &str) -> Option<crate::value::Value> {
        None
    }
}

/// A loader that finds nothing (linked templates stay Unknown).
pub struct NoLoader;

impl TemplateLoader for NoLoader {
    fn load(&self, _path: &Path) -> Option<LinkedTemplate> {
        None
    }
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

/// A template to evaluate: the document, its file and path on disk.
pub struct Source<'a> {
    pub node: &'a Node,
    pub file: FileId,
    pub path: Option<&'a Path>,
    /// Where it is deployed, when known (`--target`).
    pub target: Option<&'a crate::target::Target>,
}

pub fn evaluate(
    template: Source,
    parameters: Option<(&Node, FileId)>,
    loader: &dyn TemplateLoader,
) -> Deployment {
    let level = scope_level(template.node);
    let target = template.target;
    let scope = DeployScope {
        level,
        subscription_id: target
            .filter(|_| level != ScopeLevel::ManagementGroup && level != ScopeLevel::Tenant)
            .map(|t| t.subscription.clone()),
        resource_group: target
            .filter(|_| level == ScopeLevel::ResourceGroup)
            .and_then(|t| t.resource_group.clone()),
        location: target
            .filter(|t| level == ScopeLevel::ResourceGroup && t.resource_group.is_some())
            .and_then(|t| t.location.clone()),
    };
    let mut shared = Shared::new(loader);
    if let Some(root) = template.path.and_then(|p| std::fs::canonicalize(p).ok()) {
        shared.link_stack.push(root);
    }
    let params = match parameters.and_then(|(n, f)| n.get("parameters").map(|p| (n, p, f))) {
        Some((doc, p, f)) if doc.get("$bicepparam").is_some() => {
            ParamSource::Values(bicep_parameter_values(doc, p, f, &mut shared))
        }
        Some((_, p, f)) => ParamSource::File(p, f),
        None => ParamSource::None,
    };
    let parameters_loc = parameters.and_then(|(n, f)| {
        n.member("parameters")
            .map(|m| Loc::new(f, m.key_span))
            .or(Some(Loc::new(f, Span::new(0, 0))))
    });
    let prefix = resource_id::scope_prefix(
        scope.level,
        scope.subscription_id.as_deref(),
        scope.resource_group.as_deref(),
    );
    let mut frame = Frame::new(
        template.node,
        template.file,
        template.path.map(Path::to_path_buf),
        params,
        scope,
        prefix,
        0,
        &mut shared,
    );
    let mut resources = Vec::new();
    frame.template_resources(&mut resources);
    let scope = frame.scope.clone();
    drop(frame);
    Deployment {
        file: template.file,
        parameters_file: parameters.map(|(_, f)| f),
        parameters_loc,
        scope,
        resources,
        limit_hit: shared.limit_hit,
        expression_errors: shared.expression_errors,
        linked_files: shared.linked_files,
    }
}

/// The values of a lowered `.bicepparam` document: expressions evaluated
/// with the file's own variables, each keeping its span in that file.
fn bicep_parameter_values(
    doc: &Node,
    params: &Node,
    file: FileId,
    shared: &mut Shared,
) -> crate::value::Object {
    let scope = DeployScope {
        level: ScopeLevel::ResourceGroup,
        ..DeployScope::default()
    };
    let prefix = resource_id::scope_prefix(scope.level, None, None);
    // `extends 'base.bicepparam'`: the base's values first, then this file's.
    let mut values = crate::value::Object::new();
    if let Some(base) = doc.get("extends").and_then(Node::as_str) {
        if shared.link_stack.len() > MAX_NESTING
            || shared
                .link_stack
                .iter()
                .any(|p| p.as_path() == Path::new(base))
        {
            shared.note_limit_at(
                "a .bicepparam file extends itself, or extends nest too deeply",
                Some(Loc::new(file, doc.span)),
            );
        } else if let Some(linked) = shared.loader.load(Path::new(base))
            && let Some(base_params) = linked.node.get("parameters")
        {
            shared.link_stack.push(PathBuf::from(base));
            let node = linked.node.clone();
            values = bicep_parameter_values(&node, base_params, linked.file, shared);
            shared.link_stack.pop();
        }
    }
    let mut frame = Frame::new(doc, file, None, ParamSource::None, scope, prefix, 0, shared);
    for m in params.members() {
        if let Some(v) = m.value.get("value") {
            values.insert(m.key.clone(), frame.eval(v));
        }
    }
    values
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
        let source = Source {
            node: &t,
            file: 0,
            path: None,
            target: None,
        };
        evaluate(source, p.as_ref().map(|p| (p, 1)), &NoLoader)
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
    fn inner_scope_nested_deployments_take_parameters_and_give_outputs() {
        let t = r#"{"$schema": "$SCHEMA",
          "variables": {"v": "outer"},
          "resources": [
            {"type": "T.N/x", "name": "[reference('mod').outputs.made.value]"},
            {"type": "Microsoft.Resources/deployments", "name": "mod", "resourceGroup": "net-rg",
             "properties": {"expressionEvaluationOptions": {"scope": "inner"}, "mode": "Incremental",
               "parameters": {"n": {"value": "[concat(variables('v'), '-vnet')]"}},
               "template": {"parameters": {"n": {"type": "string"}}, "variables": {"v": "inner"},
                 "resources": [{"type": "Microsoft.Network/virtualNetworks", "name": "[parameters('n')]",
                                "properties": {"tag": "[variables('v')]"}}],
                 "outputs": {"made": {"type": "string", "value": "[concat(parameters('n'), '!')]"}}}}}]}"#;
        let d = eval_with(t, None);
        assert_eq!(
            names(&d),
            vec![
                ("T.N/x".into(), "outer-vnet!".into()),
                (
                    "Microsoft.Network/virtualNetworks".into(),
                    "outer-vnet".into()
                ),
            ]
        );
        let vnet = &d.resources[1];
        assert_eq!(
            vnet.body
                .get_path(&["properties", "tag"])
                .and_then(Value::as_str),
            Some("inner")
        );
        assert_eq!(
            vnet.id.as_deref(),
            Some(
                "/subscriptions/{subscriptionId}/resourceGroups/net-rg/providers/Microsoft.Network/virtualNetworks/outer-vnet"
            )
        );
    }

    #[test]
    fn outer_scope_nested_deployments_see_the_parent() {
        let t = r#"{"$schema": "$SCHEMA",
          "parameters": {"p": {"type": "string", "defaultValue": "parent"}},
          "resources": [{"type": "Microsoft.Resources/deployments", "name": "mod",
             "properties": {"mode": "Incremental",
               "template": {"resources": [{"type": "T.N/x", "name": "[parameters('p')]"}]}}}]}"#;
        assert_eq!(
            names(&eval_with(t, None)),
            vec![("T.N/x".into(), "parent".into())]
        );
    }

    #[test]
    fn copy_loops_expand_resources_properties_and_variables() {
        let t = r#"{"$schema": "$SCHEMA",
          "parameters": {"n": {"type": "int", "defaultValue": 3}, "unknownCount": {"type": "int"}},
          "variables": {"copy": [{"name": "names", "count": 2, "input": "[concat('v', copyIndex('names', 1))]"}]},
          "resources": [
            {"type": "T.N/x", "name": "[concat('r', copyIndex(1))]", "copy": {"name": "rs", "count": "[parameters('n')]"},
             "properties": {"copy": [{"name": "items", "count": "[add(copyIndex(), 1)]",
                                      "input": {"i": "[copyIndex('items')]", "r": "[copyIndex()]"}}]}},
            {"type": "T.N/y", "name": "[variables('names')[1]]"},
            {"type": "T.N/z", "name": "[concat('z', copyIndex())]", "copy": {"name": "zs", "count": "[parameters('unknownCount')]"}},
            {"type": "T.N/w", "name": "w", "copy": {"name": "none", "count": 0}}]}"#;
        let d = eval_with(t, None);
        let got: Vec<String> = d
            .resources
            .iter()
            .map(|r| r.name.as_str().unwrap_or("?").to_string())
            .collect();
        assert_eq!(got, vec!["r1", "r2", "r3", "v2", "?"]);
        let items = d.resources[2]
            .body
            .get_path(&["properties", "items"])
            .unwrap()
            .to_json();
        assert_eq!(
            items,
            serde_json::json!([{"i": 0, "r": 2}, {"i": 1, "r": 2}, {"i": 2, "r": 2}])
        );
        assert!(!d.resources[0].conditional);
        assert!(d.resources[4].conditional, "unknown count: maybe deployed");
    }

    #[test]
    fn copy_counts_over_arms_limit_are_reported() {
        let t = r#"{"$schema": "$SCHEMA",
          "resources": [{"type": "T.N/x", "name": "[concat('r', copyIndex())]", "copy": {"name": "rs", "count": 1000000000}}]}"#;
        let d = eval_with(t, None);
        assert!(
            d.limit_hit
                .as_ref()
                .is_some_and(|(w, _)| w.contains("limit of 800")),
            "{:?}",
            d.limit_hit
        );
        assert_eq!(d.resources.len(), 1);
        assert!(d.resources[0].conditional);
    }

    #[test]
    fn user_defined_functions() {
        let t = r#"{"$schema": "$SCHEMA",
          "functions": [{"namespace": "ns", "members": {
            "name": {"parameters": [{"name": "p", "type": "string"}],
                     "output": {"type": "string", "value": "[concat(parameters('p'), '-', ns.suffix())]"}},
            "suffix": {"parameters": [], "output": {"type": "string", "value": "sfx"}}}}],
          "resources": [{"type": "T.N/x", "name": "[ns.name('a')]"}]}"#;
        assert_eq!(names(&eval_with(t, None))[0].1, "a-sfx");
    }
}
