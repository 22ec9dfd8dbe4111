//! `reference()` of a resource the same template declares: what its
//! declaration says (`reference(vnetId).subnets[0].id`, Bicep's
//! `vnet.properties.addressSpace.addressPrefixes`), instead of a runtime
//! Unknown. Azure adds state of its own (`provisioningState`, `principalId`,
//! `fqdn`): those keys stay unknown (the object is *open*). Inline children
//! (a VNet's subnets, a route table's routes) get the `id` Azure gives them.

use std::collections::HashMap;

use crate::arm::frame::Frame;
use crate::arm::resources::{is_deployment, resource_nodes};
use crate::json::{Node, NodeKind};
use crate::resource_id;
use crate::value::{Kind, Object, Value};

/// Array properties whose items are child resources named `<parent id>/<property>/<name>`.
const INLINE_CHILDREN: [&str; 10] = [
    "subnets",
    "routes",
    "securityRules",
    "virtualNetworkPeerings",
    "frontendIPConfigurations",
    "backendAddressPools",
    "probes",
    "loadBalancingRules",
    "inboundNatRules",
    "ipConfigurations",
];

/// How many declarations' properties may be read through one another.
const MAX_CHAIN: usize = 16;

/// Marks the index of declarations as being built in `resolving`.
const BUILDING_INDEX: usize = usize::MAX;

/// Identity of a JSON node for memo tables.
fn key(node: &Node) -> usize {
    std::ptr::from_ref(node) as usize
}

impl<'a> Frame<'a, '_, '_> {
    /// `reference(target[, apiVersion[, 'Full']])` of a resource declared here;
    /// `None` when the target is not one (the caller falls back to Unknown).
    pub fn declared_reference(&mut self, args: &[Value]) -> Option<Value> {
        let target = args.first()?.as_str()?;
        let full = args
            .get(2)
            .and_then(Value::as_str)
            .is_some_and(|m| m.eq_ignore_ascii_case("full"));
        let (node, id) = self.declared(target)?;
        let k = key(node);
        if self.resolving.len() >= MAX_CHAIN {
            self.shared
                .note_limit("reference() of declared resources chains too deep");
            return Some(Value::unknown(
                "evaluation limit: reference() chains too deep",
            ));
        }
        if self.resolving.contains(&k) {
            return Some(Value::unknown(
                "error: the resource's properties refer to themselves",
            ));
        }
        let properties = match self.declared_memo.get(&k) {
            Some(v) => v.clone(),
            None => {
                self.resolving.push(k);
                let v = self.declared_properties(node, &id);
                self.resolving.pop();
                self.declared_memo.insert(k, v.clone());
                v
            }
        };
        if !full {
            return Some(properties);
        }
        let mut fields = Vec::new();
        for field in [
            "name",
            "type",
            "apiVersion",
            "location",
            "sku",
            "kind",
            "tags",
            "zones",
        ] {
            if let Some(v) = node.get(field) {
                fields.push((field.to_string(), self.eval(v)));
            }
        }
        Some(full_view(&id, fields, properties))
    }

    /// The declaration `target` names (a symbolic name, or an id of a resource
    /// deployed by this template), with its id.
    fn declared(&mut self, target: &str) -> Option<(&'a Node, String)> {
        let template = self.template;
        if !target.contains('/') {
            // languageVersion 2.0: a symbolic name.
            let node = template.get("resources")?.get(target)?;
            let id = self.declared_id(node)?;
            return Some((node, id));
        }
        if self.declared_index.is_none() {
            // A name or condition that itself calls reference() while the index
            // is being built: not a declared resource (no recursion).
            if self.resolving.contains(&BUILDING_INDEX) {
                return None;
            }
            self.resolving.push(BUILDING_INDEX);
            let mut index = HashMap::new();
            for node in resource_nodes(template) {
                if let Some(id) = self.declared_id(node) {
                    index
                        .entry(resource_id::canonical(&id))
                        .or_insert((node, id));
                }
            }
            self.resolving.retain(|&k| k != BUILDING_INDEX);
            self.declared_index = Some(index);
        }
        let wanted = resource_id::canonical(target);
        self.declared_index
            .as_ref()?
            .get(&wanted)
            .map(|(node, id)| (*node, id.clone()))
    }

    /// The id of a plain declaration: not `existing`, not looped, not in
    /// another scope, not a deployment, and not switched off by its condition.
    fn declared_id(&mut self, node: &'a Node) -> Option<String> {
        let is = |field: &str| node.get(field).is_some();
        if is("copy") || is("scope") || is("resourceGroup") || is("subscriptionId") {
            return None;
        }
        if node
            .get("existing")
            .is_some_and(|e| e.kind == NodeKind::Bool(true))
        {
            return None;
        }
        let rtype = node.get("type").map(|t| self.eval(t))?;
        let rtype = rtype.as_str()?;
        if is_deployment(rtype) {
            return None;
        }
        if let Some(c) = node.get("condition")
            && self.eval(c).as_bool() != Some(true)
        {
            return None;
        }
        let name = node.get("name").map(|n| self.eval(n))?;
        resource_id::build(&self.prefix, rtype, name.as_str()?)
    }

    fn declared_properties(&mut self, node: &'a Node, id: &str) -> Value {
        let props = match node.get("properties") {
            Some(p) => self.eval(p),
            None => Value::object(Object::new()),
        };
        as_referenced(props, id)
    }

    /// `reference()` of a resource another template of the run declares
    /// (known after a first pass over the run; see `crate::evaluate`).
    pub fn run_reference(&mut self, args: &[Value]) -> Option<Value> {
        let target = args.first()?.as_str()?;
        if !target.starts_with('/') {
            return None;
        }
        let full = args
            .get(2)
            .and_then(Value::as_str)
            .is_some_and(|m| m.eq_ignore_ascii_case("full"));
        let properties = self
            .shared
            .loader
            .declared(&resource_id::canonical(target))?;
        if !full {
            return Some(properties);
        }
        Some(full_view(target, Vec::new(), properties))
    }
}

/// A resource's evaluated `properties` as `reference()` reads them: open at
/// every depth, inline children with their ids.
pub fn as_referenced(mut props: Value, id: &str) -> Value {
    {
        open_all(&mut props, 0);
        if let Kind::Object(obj) = &mut props.kind {
            for (k, v) in obj.entries.iter_mut() {
                let Some(child_type) = INLINE_CHILDREN.iter().find(|c| c.eq_ignore_ascii_case(k))
                else {
                    continue;
                };
                if let Kind::Array(items) = &mut v.kind {
                    for item in items {
                        add_child_id(item, id, child_type);
                    }
                }
            }
        }
    }
    props
}

/// `reference(id, api, 'Full')`: the id, the declared top-level fields and
/// the properties, open to what Azure adds.
fn full_view(id: &str, fields: Vec<(String, Value)>, properties: Value) -> Value {
    let mut obj = Object::new();
    obj.open = true;
    obj.entries.push(("id".into(), Value::str(id)));
    obj.entries.extend(fields);
    obj.entries.push(("properties".into(), properties));
    Value::object(obj)
}

/// Gives an inline child `{name, properties}` the id Azure gives it.
fn add_child_id(item: &mut Value, parent_id: &str, child_type: &str) {
    let Kind::Object(obj) = &mut item.kind else {
        return;
    };
    if obj.get("id").is_some() {
        return;
    }
    if let Some(name) = obj.get("name").and_then(Value::as_str) {
        let id = format!("{parent_id}/{child_type}/{name}");
        obj.entries.push(("id".into(), Value::str(id)));
    }
}

/// Marks every object in `v` open: Azure adds keys at any depth
/// (`addonProfiles.x.identity`, a subnet's `ipConfigurations`).
fn open_all(v: &mut Value, depth: usize) {
    if depth > crate::arm::functions::comparison::MAX_VALUE_DEPTH {
        return;
    }
    match &mut v.kind {
        Kind::Object(o) => {
            o.open = true;
            for (_, x) in o.entries.iter_mut() {
                open_all(x, depth + 1);
            }
        }
        Kind::Array(items) => {
            for x in items {
                open_all(x, depth + 1);
            }
        }
        _ => {}
    }
}
