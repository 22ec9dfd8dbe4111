//! Nested and linked deployments (`Microsoft.Resources/deployments`): inline
//! templates in `inner` or `outer` expression scope, linked templates found
//! through `templateLink.relativePath` or a `uri` built from
//! `deployment().properties.templateLink.uri`, the parameters a parent
//! passes, the scope they deploy to, and their outputs, which the parent
//! reads with `reference(...).outputs`.

use std::path::{Path, PathBuf};

use crate::arm::eval::{DeployScope, ScopeLevel};
use crate::arm::frame::{Frame, ParamSource};
use crate::arm::resources::is_deployment;
use crate::arm::template::{LinkedTemplate, MAX_NESTING, Resource};
use crate::json::{Node, NodeKind};
use crate::resource_id;
use crate::source::Loc;
use crate::value::{Kind, Object, Value};

/// `deployment().properties.templateLink.uri` of a local file is this prefix
/// plus the file's absolute path, so `uri(...)` can resolve siblings.
pub const LOCAL_URI_PREFIX: &str = "https://tendon.local";

/// A linked template or parameter file that evaluation could not read.
#[derive(Clone, Debug)]
pub struct Unread {
    /// The file looked for; `None` when the link is not a local file.
    pub path: Option<PathBuf>,
    /// The link as written: a relative path (also for a local URI), or the URI.
    pub written: String,
    /// A parameter file (`parametersLink`) rather than a template.
    pub parameters: bool,
    /// Why it was not read.
    pub reason: String,
    /// Where the link is written.
    pub at: Option<Loc>,
    /// The file is outside the project root (set by the loader, which knows it).
    pub outside_root: bool,
}

/// What a nested deployment produced.
#[derive(Debug)]
pub struct NestedResult {
    /// Taken when the deployment's turn in document order comes.
    pub resources: Option<Vec<Resource>>,
    /// `{name: {type, value}}`, or Unknown.
    pub outputs: Value,
}

/// How many declarations may be evaluated through one another (`reference()`
/// of a deployment whose name reads another's outputs, …): bounds the recursion.
const MAX_RESOLVING: usize = 64;

fn key(node: &Node) -> usize {
    node as *const Node as usize
}

impl<'a> Frame<'a, '_, '_> {
    /// A deployment resource met in document order.
    pub fn deployment(
        &mut self,
        node: &'a Node,
        name: Value,
        conditional: bool,
        prefix: &str,
        out: &mut Vec<Resource>,
    ) {
        let in_loop = !self.copy_stack.is_empty();
        // What the deployment waits for, everything inside it waits for too.
        let order = node
            .get("dependsOn")
            .map(|d| self.eval(d))
            .and_then(|d| d.as_array().map(<[Value]>::to_vec))
            .unwrap_or_default();
        let start = out.len();
        if !in_loop
            && let Some(done) = self.nested_memo.get_mut(&key(node))
            && let Some(resources) = done.resources.take()
        {
            out.extend(resources);
        } else {
            let result = self.evaluate_deployment(node, &name, conditional, prefix);
            out.extend(result.resources.unwrap_or_default());
            if !in_loop {
                self.nested_memo.insert(
                    key(node),
                    NestedResult {
                        resources: None,
                        outputs: result.outputs,
                    },
                );
            }
        }
        if !order.is_empty() {
            for r in out.iter_mut().skip(start) {
                inherit_dependencies(&mut r.body, &order);
            }
        }
    }

    fn evaluate_deployment(
        &mut self,
        node: &'a Node,
        name: &Value,
        conditional: bool,
        prefix: &str,
    ) -> NestedResult {
        let unknown = |reason: String| NestedResult {
            resources: Some(Vec::new()),
            outputs: Value::unknown(reason),
        };
        let Some(props_node) = node.get("properties") else {
            return unknown("the deployment has no properties".into());
        };
        // Fan-out multiplies instances (each module deploying the next several
        // times): bounded per root, with unknown outputs past the budget.
        if !self.shared.take_deployment_instance(Some(self.loc(node))) {
            return unknown(
                "evaluation limit: too many nested deployment or module instances".into(),
            );
        }
        let props = Value::new(
            Kind::Object(self.eval_members(props_node.members(), &["template"])),
            Some(self.loc(props_node)),
        );
        if self.depth + 1 > MAX_NESTING {
            let at = Some(self.loc(node));
            self.shared.note_limit_at(
                &format!("deployments nest more than {MAX_NESTING} levels deep"),
                at,
            );
            return unknown("evaluation limit: deployments nest too deeply".into());
        }
        let (scope, child_prefix) = self.child_scope(node, prefix);
        let inner_scope = props
            .get_path(&["expressionEvaluationOptions", "scope"])
            .and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("inner"));
        let location = node
            .get("location")
            .map(|l| self.eval(l))
            .or_else(|| self.deployment_location.clone());
        let mut resources = Vec::new();
        let outputs = if let Some(template) = props_node.get("template") {
            if inner_scope {
                let params = ParamSource::Values(passed_parameters(&props));
                let mut child = Frame::new(
                    template,
                    self.file,
                    self.path.clone(),
                    params,
                    scope,
                    child_prefix,
                    self.depth + 1,
                    self.shared,
                );
                child.deployment_name = Some(name.clone());
                child.deployment_location = location.clone();
                child.template_resources(&mut resources);
                child.outputs()
            } else {
                // Outer scope: the inner template's expressions see this template's
                // parameters and variables.
                if let Some(list) = template.get("resources") {
                    let parent = crate::arm::resources::Parent {
                        resource_type: "",
                        name: None,
                        conditional,
                    };
                    self.resource_list(list, &parent, &child_prefix, &mut resources);
                }
                self.outputs_of(template)
            }
        } else if let Some(link) = props.get("templateLink") {
            let this = ThisDeployment {
                name: name.clone(),
                location,
            };
            self.linked(link, &props, this, scope, child_prefix, &mut resources)
        } else {
            Value::unknown(format!(
                "deployment '{}' has neither a template nor a templateLink",
                name.as_str().unwrap_or("?")
            ))
        };
        if conditional {
            for r in &mut resources {
                r.conditional = true;
            }
        }
        NestedResult {
            resources: Some(resources),
            outputs,
        }
    }

    /// Scope and id prefix of a nested deployment (`resourceGroup`, `subscriptionId`, `scope`).
    fn child_scope(&mut self, node: &Node, prefix: &str) -> (DeployScope, String) {
        let rg = node.get("resourceGroup").map(|n| self.eval(n));
        let sub = node.get("subscriptionId").map(|n| self.eval(n));
        let known = |v: &Option<Value>| v.as_ref().and_then(|v| v.as_str().map(str::to_string));
        let mut scope = self.scope.clone();
        if let Some(s) = &sub {
            scope.subscription_id = known(&Some(s.clone()));
        }
        if rg.is_some() {
            scope.level = ScopeLevel::ResourceGroup;
            scope.resource_group = known(&rg);
        } else if sub.is_some() && self.scope.level != ScopeLevel::ResourceGroup {
            scope.level = ScopeLevel::Subscription;
        }
        // The target's location is its resource group's: another group's is not known.
        if scope.subscription_id != self.scope.subscription_id
            || scope.resource_group != self.scope.resource_group
            || scope.level != ScopeLevel::ResourceGroup
        {
            scope.location = None;
        }
        if rg.is_none() && sub.is_none() {
            return (scope, prefix.to_string());
        }
        let p = resource_id::scope_prefix(
            scope.level,
            scope.subscription_id.as_deref(),
            scope.resource_group.as_deref(),
        );
        (scope, p)
    }

    /// A linked template on disk: `relativePath`, or a `uri` under [`LOCAL_URI_PREFIX`].
    fn linked(
        &mut self,
        link: &Value,
        props: &Value,
        this: ThisDeployment,
        scope: DeployScope,
        prefix: String,
        out: &mut Vec<Resource>,
    ) -> Value {
        let written = link.get("relativePath").or_else(|| link.get("uri"));
        let at = written.and_then(|v| v.origin).or(link.origin);
        let written = written.and_then(Value::as_str).unwrap_or("").to_string();
        let Some(path) = self.link_path(link) else {
            let reason = match link.get("uri").and_then(Value::as_str) {
                Some(uri) => format!("linked template '{uri}' is not a local file"),
                None => "the linked template's location is not known statically".to_string(),
            };
            self.unread(None, written, false, &reason, at);
            return Value::unknown(reason);
        };
        let Some(linked) = self.shared.loader.load(&path) else {
            let reason = format!(
                "linked template {} cannot be read or is not a template",
                path.display()
            );
            self.unread(Some(path), written, false, &reason, at);
            return Value::unknown(reason);
        };
        if self.shared.link_stack.contains(&linked.path) {
            self.shared.note_limit_at(
                &format!("linked template {} links back to itself", path.display()),
                link.origin,
            );
            return Value::unknown("evaluation limit: linked templates form a cycle");
        }
        // Parameters: passed inline, or from a linked parameter file.
        let param_file = match props.get_path(&["parametersLink", "uri"]) {
            Some(uri) => self.linked_parameters(uri),
            None => None,
        };
        let params = match &param_file {
            Some(pf) => match pf.node.get("parameters") {
                Some(p) => ParamSource::File(p, pf.file),
                None => ParamSource::None,
            },
            None => ParamSource::Values(passed_parameters(props)),
        };
        if !self.shared.linked_files.contains(&linked.file) {
            self.shared.linked_files.push(linked.file);
        }
        self.shared.link_stack.push(linked.path.clone());
        let mut child = Frame::new(
            &linked.node,
            linked.file,
            Some(linked.path.clone()),
            params,
            scope,
            prefix,
            self.depth + 1,
            self.shared,
        );
        child.deployment_name = Some(this.name);
        child.deployment_location = this.location;
        child.template_resources(out);
        let outputs = child.outputs();
        drop(child);
        self.shared.link_stack.pop();
        outputs
    }

    /// The parameter file a `parametersLink` names, if it can be read.
    fn linked_parameters(&mut self, uri: &Value) -> Option<LinkedTemplate> {
        let written = uri.as_str().unwrap_or("").to_string();
        let Some(path) = uri.as_str().and_then(|u| self.uri_path(u)) else {
            let reason = match uri.as_str() {
                Some(u) => format!("linked parameter file '{u}' is not a local file"),
                None => "the linked parameter file's location is not known statically".into(),
            };
            self.unread(None, written, true, &reason, uri.origin);
            return None;
        };
        let loaded = self.shared.loader.load(&path);
        if loaded.is_none() {
            let reason = format!(
                "linked parameter file {} cannot be read or is not a parameter file",
                path.display()
            );
            self.unread(Some(path), written, true, &reason, uri.origin);
        }
        loaded
    }

    /// Tells the loader about a link that could not be read. A local file is
    /// named as written relative to this template's folder.
    fn unread(
        &self,
        path: Option<PathBuf>,
        written: String,
        parameters: bool,
        reason: &str,
        at: Option<Loc>,
    ) {
        let dir = self
            .path
            .as_deref()
            .and_then(|p| std::path::absolute(p).ok())
            .and_then(|p| p.parent().map(normalize));
        let written = match (&path, &dir) {
            (Some(p), Some(d)) if written.starts_with(LOCAL_URI_PREFIX) => p
                .strip_prefix(d)
                .map(|r| r.to_string_lossy().into_owned())
                .unwrap_or_else(|_| p.to_string_lossy().into_owned()),
            _ => written,
        };
        self.shared.loader.unread(Unread {
            path,
            written,
            parameters,
            reason: reason.to_string(),
            at,
            outside_root: false,
        });
    }

    fn link_path(&self, link: &Value) -> Option<PathBuf> {
        if let Some(rel) = link.get("relativePath").and_then(Value::as_str) {
            let dir = self.path.as_deref().and_then(Path::parent)?;
            return Some(normalize(&dir.join(rel)));
        }
        let uri = link.get("uri").and_then(Value::as_str)?;
        self.uri_path(uri)
    }

    fn uri_path(&self, uri: &str) -> Option<PathBuf> {
        let rest = uri.strip_prefix(LOCAL_URI_PREFIX)?;
        // Drop a SAS token or other query string.
        let rest = rest.split(['?', '#']).next().unwrap_or(rest);
        Some(normalize(Path::new(rest)))
    }

    /// This template's outputs as `{name: {type, value}}`.
    pub fn outputs(&mut self) -> Value {
        let template = self.template;
        self.outputs_of(template)
    }

    fn outputs_of(&mut self, template: &Node) -> Value {
        let mut obj = Object::new();
        let Some(outputs) = template.get("outputs") else {
            return Value::object(obj);
        };
        for m in outputs.members() {
            if let Some(cond) = m.value.get("condition") {
                match self.eval(cond).kind {
                    Kind::Bool(false) => continue,
                    Kind::Bool(true) => {}
                    _ => {
                        obj.entries.push((
                            m.key.clone(),
                            Value::unknown(format!(
                                "output '{}' has a condition not known statically",
                                m.key
                            )),
                        ));
                        continue;
                    }
                }
            }
            let value = match (m.value.get("copy"), m.value.get("value")) {
                (Some(copy), _) => match (copy.get("count"), copy.get("input")) {
                    (Some(count), Some(input)) => {
                        self.copy_array(&m.key, count, input, copy, false)
                    }
                    _ => Value::unknown("error: output copy without count or input"),
                },
                (None, Some(v)) => self.eval(v),
                (None, None) => Value::null(),
            };
            let mut entry = Object::new();
            if let Some(t) = m.value.get("type").and_then(Node::as_str) {
                entry.entries.push(("type".into(), Value::str(t)));
            }
            entry.entries.push(("value".into(), value));
            obj.entries.push((m.key.clone(), Value::object(entry)));
        }
        Value::object(obj)
    }

    /// `reference(x)` where `x` names a nested deployment of this template:
    /// `{outputs: …}` as far as known. `None` for anything else.
    pub fn reference(&mut self, args: &[Value]) -> Option<Value> {
        let target = args.first()?.as_str()?;
        let lower = target.to_ascii_lowercase();
        if let Some(identity) = self.identity_reference(target) {
            return Some(identity);
        }
        let name = match lower.rfind("microsoft.resources/deployments/") {
            Some(i) => lower
                .get(i + "microsoft.resources/deployments/".len()..)?
                .to_string(),
            None if !lower.contains('/') => lower,
            None => return None,
        };
        let node = self
            .deployments()?
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, node)| *node)?;
        if !self.nested_memo.contains_key(&key(node)) {
            if let Some(cut) = self.enter(node) {
                return Some(cut);
            }
            let name_value = node
                .get("name")
                .map(|n| self.eval(n))
                .unwrap_or_else(Value::null);
            let conditional = match node.get("condition").map(|c| self.eval(c).kind) {
                Some(Kind::Bool(false)) => {
                    self.resolving.pop();
                    return Some(Value::unknown(
                        "the referenced deployment's condition is false",
                    ));
                }
                Some(Kind::Bool(true)) | None => false,
                Some(_) => true,
            };
            let prefix = self.prefix.clone();
            let result = self.evaluate_deployment(node, &name_value, conditional, &prefix);
            self.resolving.pop();
            self.nested_memo.insert(key(node), result);
        }
        let outputs = self.nested_memo.get(&key(node))?.outputs.clone();
        let mut obj = Object::new();
        obj.entries.push(("outputs".into(), outputs));
        let mode = node
            .get("properties")
            .and_then(|p| p.get("mode"))
            .map(|m| self.eval(m))
            .unwrap_or_else(|| Value::str("Incremental"));
        obj.entries.push(("mode".into(), mode));
        // The rest of a deployment's runtime state.
        for k in [
            "provisioningState",
            "timestamp",
            "duration",
            "correlationId",
            "templateHash",
            "parameters",
            "outputResources",
            "dependencies",
            "providers",
            "error",
        ] {
            obj.entries.push((
                k.into(),
                Value::unknown(format!("reference(...).{k} is a runtime value")),
            ));
        }
        Some(Value::object(obj))
    }

    /// `reference()` of a user-assigned identity: its principal and client ids
    /// are runtime values, stood in for by placeholders naming the identity.
    fn identity_reference(&mut self, target: &str) -> Option<Value> {
        const IDENTITY: &str = "/providers/microsoft.managedidentity/userassignedidentities/";
        let id = if target.to_ascii_lowercase().contains(IDENTITY) {
            target.to_string()
        } else {
            // languageVersion 2.0: a symbolic name. A literal type that is not
            // an identity's answers without evaluating the name (which may
            // itself reference other declarations).
            let rtype = self
                .template
                .get("resources")
                .and_then(|r| r.get(target))
                .and_then(|n| n.get("type"))
                .and_then(Node::as_str);
            if rtype.is_some_and(|t| {
                !t.starts_with('[')
                    && !t.eq_ignore_ascii_case("Microsoft.ManagedIdentity/userAssignedIdentities")
            }) {
                return None;
            }
            let info = self.resource_info(&[Value::str(target)])?;
            let id = info.get("id")?.as_str()?.to_string();
            if !id.to_ascii_lowercase().contains(IDENTITY) {
                return None;
            }
            id
        };
        let canonical = crate::resource_id::canonical(&id);
        let mut ids = Object::new();
        ids.insert(
            "principalId".into(),
            Value::str(format!(
                "{}{canonical}}}",
                crate::arm::eval::PRINCIPAL_PLACEHOLDER
            )),
        );
        ids.insert(
            "clientId".into(),
            Value::str(format!(
                "{}{canonical}}}",
                crate::arm::eval::CLIENT_PLACEHOLDER
            )),
        );
        ids.insert(
            "tenantId".into(),
            Value::unknown("the identity's tenantId is a runtime value"),
        );
        let mut obj = ids.clone();
        // `reference(id, apiVersion, 'Full')` nests them under `properties`.
        obj.insert("properties".into(), Value::object(ids));
        obj.insert("id".into(), Value::str(id));
        Some(Value::object(obj))
    }

    /// Top-level deployments of this template (not in copy loops), by lower-case
    /// name and, in languageVersion 2.0, by symbolic name.
    fn deployments(&mut self) -> Option<&Vec<(String, &'a Node)>> {
        if self.deployments_index.is_none() {
            if self.building_index {
                return None;
            }
            self.building_index = true;
            let mut index = Vec::new();
            let template = self.template;
            let entries: Vec<(Option<&str>, &'a Node)> =
                match template.get("resources").map(|r| &r.kind) {
                    Some(NodeKind::Array(items)) => items.iter().map(|n| (None, n)).collect(),
                    Some(NodeKind::Object(members)) => members
                        .iter()
                        .map(|m| (Some(m.key.as_str()), &m.value))
                        .collect(),
                    _ => Vec::new(),
                };
            for (symbol, node) in entries {
                let is_dep = node
                    .get("type")
                    .and_then(Node::as_str)
                    .is_some_and(is_deployment);
                if !is_dep || node.get("copy").is_some() {
                    continue;
                }
                if let Some(symbol) = symbol {
                    index.push((symbol.to_ascii_lowercase(), node));
                }
                if let Some(name) = node.get("name").map(|n| self.eval(n))
                    && let Some(name) = name.as_str()
                {
                    index.push((name.to_ascii_lowercase(), node));
                }
            }
            self.deployments_index = Some(index);
            self.building_index = false;
        }
        self.deployments_index.as_ref()
    }

    /// `deployment()`: only the template link of a local file is known.
    pub fn deployment_object(&self) -> Value {
        let uri = match self
            .path
            .as_deref()
            .and_then(|p| std::path::absolute(p).ok())
        {
            Some(abs) => Value::str(format!(
                "{LOCAL_URI_PREFIX}{}",
                abs.to_string_lossy().replace('\\', "/")
            )),
            None => Value::unknown("deployment().properties.templateLink is a runtime value"),
        };
        let runtime =
            |what: &str| Value::unknown(format!("deployment().{what} is a runtime value"));
        let mut link = Object::new();
        link.entries.push(("uri".into(), uri));
        link.entries
            .push(("id".into(), runtime("properties.templateLink.id")));
        link.entries.push((
            "contentVersion".into(),
            runtime("properties.templateLink.contentVersion"),
        ));
        let mut props = Object::new();
        props
            .entries
            .push(("templateLink".into(), Value::object(link)));
        for k in ["template", "parameters", "mode", "provisioningState"] {
            props
                .entries
                .push((k.into(), runtime(&format!("properties.{k}"))));
        }
        let mut obj = Object::new();
        let name = self
            .deployment_name
            .clone()
            .unwrap_or_else(|| Value::str(crate::symbol::member("deployment", "name")));
        obj.entries.push(("name".into(), name));
        let location = self
            .deployment_location
            .clone()
            .unwrap_or_else(|| Value::str(crate::symbol::member("deployment", "location")));
        obj.entries.push(("location".into(), location));
        obj.entries
            .push(("properties".into(), Value::object(props)));
        Value::object(obj)
    }

    /// Marks a declaration as being evaluated; when it already is (it reads
    /// itself: a module looping over its own outputs) or the chain is too long,
    /// the Unknown to answer instead (TDN003), without recursing further.
    fn enter(&mut self, node: &Node) -> Option<Value> {
        let what = if self.resolving.contains(&key(node)) {
            "a resource or module reads its own name or outputs"
        } else if self.resolving.len() >= MAX_RESOLVING {
            "declarations read one another too deeply"
        } else {
            self.resolving.push(key(node));
            return None;
        };
        self.shared.note_limit(what);
        Some(Value::unknown(format!("evaluation limit: {what}")))
    }

    /// `resourceInfo('symbolicName')` (languageVersion 2.0): id, name, type, apiVersion.
    pub fn resource_info(&mut self, args: &[Value]) -> Option<Value> {
        let symbol = args.first()?.as_str()?;
        let template = self.template;
        let node = template.get("resources")?.get(symbol)?;
        if let Some(cut) = self.enter(node) {
            return Some(cut);
        }
        let rtype = node.get("type").map(|t| self.eval(t));
        let name = node.get("name").map(|n| self.eval(n));
        self.resolving.pop();
        let (rtype, name) = (rtype?, name?);
        let id = match (rtype.as_str(), name.as_str()) {
            (Some(t), Some(n)) => resource_id::build(&self.prefix, t, n)
                .map(Value::str)
                .unwrap_or_else(|| Value::unknown("error: resource type and name do not match")),
            _ => Value::unknown("the resource's name is not known statically"),
        };
        let mut obj = Object::new();
        obj.entries.push(("id".into(), id));
        obj.entries.push(("name".into(), name));
        obj.entries.push(("type".into(), rtype));
        let api = node
            .get("apiVersion")
            .map(|a| self.eval(a))
            .unwrap_or_else(Value::null);
        obj.entries.push(("apiVersion".into(), api));
        Some(Value::object(obj))
    }
}

/// What `deployment()` says inside a linked template.
struct ThisDeployment {
    name: Value,
    location: Option<Value>,
}

/// Adds a deployment's `dependsOn` entries to a resource deployed inside it.
fn inherit_dependencies(body: &mut Value, order: &[Value]) {
    let Kind::Object(obj) = &mut body.kind else {
        return;
    };
    let mut deps = obj
        .get("dependsOn")
        .and_then(Value::as_array)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    deps.extend(order.iter().cloned());
    obj.insert("dependsOn".into(), Value::array(deps));
}

/// `properties.parameters` of a deployment: `{name: {value}}` → `{name: value}`.
fn passed_parameters(props: &Value) -> Object {
    let mut out = Object::new();
    if let Some(Kind::Object(params)) = props.get("parameters").map(|p| &p.kind) {
        for (k, v) in params.iter() {
            let value = match (v.get("value"), v.get("reference")) {
                (Some(value), _) => value.clone(),
                (None, Some(_)) => Value::unknown(format!(
                    "parameter '{k}' is a Key Vault reference, read at deployment time"
                )),
                _ if v.is_unknown() => v.clone(),
                _ => Value::unknown(format!(
                    "error: parameter '{k}' passes neither value nor reference"
                )),
            };
            out.entries.push((k.to_string(), value));
        }
    }
    out
}

/// Removes `.` and `..` segments without touching the file system.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            // `..` cancels a folder name, never another `..` (`../../x` from
            // the working directory stays `../../x`) nor the root.
            std::path::Component::ParentDir => match out.components().next_back() {
                Some(std::path::Component::Normal(_)) => {
                    out.pop();
                }
                Some(std::path::Component::RootDir | std::path::Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod normalize_tests {
    use super::normalize;
    use std::path::Path;

    #[test]
    fn parent_folders_stay_when_nothing_cancels_them() {
        assert_eq!(
            normalize(Path::new("../../bicep/main.bicep")),
            Path::new("../../bicep/main.bicep")
        );
        assert_eq!(normalize(Path::new("a/../../b")), Path::new("../b"));
        assert_eq!(normalize(Path::new("a/b/./../c")), Path::new("a/c"));
        assert_eq!(normalize(Path::new("/../x")), Path::new("/x"));
    }
}
