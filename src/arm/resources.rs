//! Resources of a template: `condition`s, resource `copy` loops, child
//! resources nested in `resources`, ids, and the hand-off of
//! `Microsoft.Resources/deployments` to [`crate::arm::nested`].

use crate::arm::frame::{CopyFrame, Frame};
use crate::arm::template::Resource;
use crate::json::{Node, NodeKind};
use crate::resource_id;
use crate::value::{Kind, Value};

/// The parent of a resource nested in another's `resources` array.
pub struct Parent<'p> {
    pub resource_type: &'p str,
    /// `None` at top level; `Some(Unknown)` when the parent's name is unknown.
    pub name: Option<&'p Value>,
    pub conditional: bool,
}

const TOP: Parent<'static> = Parent {
    resource_type: "",
    name: None,
    conditional: false,
};

/// The resource objects of a template (or of a resource's child `resources`):
/// an array, or (languageVersion 2.0) an object keyed by symbolic name.
pub fn resource_nodes(holder: &Node) -> Vec<&Node> {
    match holder.get("resources").map(|r| &r.kind) {
        Some(NodeKind::Array(items)) => items.iter().collect(),
        Some(NodeKind::Object(members)) => members.iter().map(|m| &m.value).collect(),
        _ => Vec::new(),
    }
}

pub fn is_deployment(resource_type: &str) -> bool {
    resource_type.eq_ignore_ascii_case("Microsoft.Resources/deployments")
}

impl<'a> Frame<'a, '_, '_> {
    /// Every resource of this frame's template, in document order.
    pub fn template_resources(&mut self, out: &mut Vec<Resource>) {
        let template = self.template;
        if let Some(list) = template.get("resources") {
            let prefix = self.prefix.clone();
            self.resource_list(list, &TOP, &prefix, out);
        }
    }

    /// A `resources` array, or a languageVersion 2.0 object keyed by symbolic name.
    pub fn resource_list(
        &mut self,
        list: &'a Node,
        parent: &Parent,
        prefix: &str,
        out: &mut Vec<Resource>,
    ) {
        match &list.kind {
            NodeKind::Array(items) => {
                for node in items {
                    self.resource(node, parent, prefix, out);
                }
            }
            NodeKind::Object(members) => {
                for m in members {
                    self.resource(&m.value, parent, prefix, out);
                }
            }
            _ => {}
        }
    }

    /// One resource declaration: expands its copy loop, then each instance.
    fn resource(&mut self, node: &'a Node, parent: &Parent, prefix: &str, out: &mut Vec<Resource>) {
        if !matches!(node.kind, NodeKind::Object(_)) {
            return;
        }
        if node
            .get("existing")
            .is_some_and(|e| e.kind == NodeKind::Bool(true))
        {
            return;
        }
        let Some(copy) = node.get("copy") else {
            self.instance(node, parent, prefix, out, false);
            return;
        };
        let name = copy
            .get("name")
            .map(|n| self.eval(n))
            .and_then(|n| n.as_str().map(str::to_ascii_lowercase))
            .unwrap_or_default();
        let count = copy
            .get("count")
            .map(|c| self.eval(c))
            .unwrap_or_else(|| Value::int(1));
        match self.copy_count(&count) {
            Ok(n) => {
                for i in 0..n {
                    if !self.take_copy_instance() {
                        break;
                    }
                    self.copy_stack.push(CopyFrame {
                        name: name.clone(),
                        index: Some(i),
                        property: false,
                    });
                    self.instance(node, parent, prefix, out, false);
                    self.copy_stack.pop();
                }
            }
            // Count unknown: one instance with an unknown index, maybe not deployed.
            Err(_) => {
                self.copy_stack.push(CopyFrame {
                    name,
                    index: None,
                    property: false,
                });
                self.instance(node, parent, prefix, out, true);
                self.copy_stack.pop();
            }
        }
    }

    /// One instance: condition, type and name, body, id, then nested children.
    fn instance(
        &mut self,
        node: &'a Node,
        parent: &Parent,
        prefix: &str,
        out: &mut Vec<Resource>,
        uncertain: bool,
    ) {
        let mut conditional = parent.conditional || uncertain;
        if let Some(cond) = node.get("condition") {
            match self.eval(cond).kind {
                Kind::Bool(false) => return,
                Kind::Bool(true) => {}
                _ => conditional = true,
            }
        }
        let Some(raw_type) = node.get("type").map(|t| self.eval(t)) else {
            return;
        };
        let Some(raw_type) = raw_type.as_str() else {
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
        if is_deployment(&resource_type) {
            self.deployment(node, name, conditional, prefix, out);
            return;
        }
        let NodeKind::Object(members) = &node.kind else {
            return;
        };
        let body = self.eval_members(members, &["resources", "copy", "condition"]);
        let own_prefix = match body.get("scope").and_then(Value::as_str) {
            Some(scope) => resource_id::resolve_scope(prefix, scope),
            None => prefix.to_string(),
        };
        let id = name
            .as_str()
            .and_then(|n| resource_id::build(&own_prefix, &resource_type, n));
        let loc = self.loc(node);
        out.push(Resource {
            resource_type: resource_type.clone(),
            name: name.clone(),
            id,
            body: Value::new(Kind::Object(body), Some(loc)),
            loc,
            conditional,
        });
        if let Some(children) = node.get("resources") {
            let child_parent = Parent {
                resource_type: &resource_type,
                name: Some(&name),
                conditional,
            };
            self.resource_list(children, &child_parent, prefix, out);
        }
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
