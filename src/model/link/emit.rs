//! The linked model written as the world document: one list per entity kind,
//! each entity with its declared fields, its resolved references, its
//! inverse relations and the named derivations of its concept, and the span
//! of every value in the side table. Nothing here is named after a rule.

use serde_json::Value as J;

use super::emit_cluster::{RunIndex, cluster};
use super::uses::{
    cluster_pools, cluster_uses, identity_cluster_uses, pod_pools, subnet_application_gateways,
};
use super::{FileNames, NetworkConfig};
use crate::model::capacity::{capacity, pod_capacity};
use crate::model::facts::{Origin, address_prefixes, id_of};
use crate::model::linked::Linked;
use crate::model::pod_traffic::pod_traffic_denied;
use crate::model::world::{ObjWriter, Spans, World, push_token};
use crate::value::{Kind, Value};

pub(super) fn str_json(s: &str) -> J {
    J::String(s.to_string())
}

pub(super) fn document(linked: &Linked, names: FileNames, config: &NetworkConfig) -> World {
    let index = RunIndex::new(linked);
    // Written in parallel, each part with its span table (in this order).
    let all = |n: usize, f: &(dyn Fn(usize, &mut Spans) -> J + Sync)| {
        let mut spans = Spans::default();
        let list: Vec<J> = (0..n).map(|i| f(i, &mut spans)).collect();
        (J::Array(list), spans)
    };
    let ((clusters, vnets_etc), (subnets, rest)) = rayon::join(
        || {
            rayon::join(
                || {
                    all(linked.clusters.len(), &|ci, spans| {
                        cluster(linked, ci, names, config, &index, spans)
                    })
                },
                || {
                    let mut spans = Spans::default();
                    let route_tables: Vec<J> = (0..linked.route_tables.len())
                        .map(|ri| route_table(linked, ri, names, &mut spans))
                        .collect();
                    let vnets: Vec<J> = (0..linked.vnets.len())
                        .map(|vi| vnet(linked, vi, names, &mut spans))
                        .collect();
                    let gateways = gateways(linked, names, &mut spans);
                    let app_gateways = application_gateways(linked, names, &mut spans);
                    let config = config_doc(config, &mut spans);
                    ((route_tables, vnets, gateways, app_gateways, config), spans)
                },
            )
        },
        || {
            rayon::join(
                || {
                    all(linked.subnets.len(), &|si, spans| {
                        subnet(linked, si, names, &index, spans)
                    })
                },
                || {
                    let mut spans = Spans::default();
                    let nsgs: Vec<J> = (0..linked.nsgs.len())
                        .map(|ni| nsg(linked, ni, names, &mut spans))
                        .collect();
                    let (identities, role_assignments) = identities(linked, names, &mut spans);
                    ((nsgs, identities, role_assignments), spans)
                },
            )
        },
    );
    let ((route_tables, vnets, gateways, application_gateways, config), vnets_spans) = vnets_etc;
    let ((nsgs, identities, role_assignments), nsgs_spans) = rest;
    // Moved in, not through `json!` (which would copy the whole document).
    let doc: serde_json::Map<String, J> = [
        ("clusters", clusters.0),
        ("subnets", subnets.0),
        ("vnets", J::Array(vnets)),
        ("routeTables", J::Array(route_tables)),
        ("nsgs", J::Array(nsgs)),
        ("identities", J::Array(identities)),
        ("roleAssignments", J::Array(role_assignments)),
        ("gateways", J::Array(gateways)),
        ("applicationGateways", J::Array(application_gateways)),
        ("config", config),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    World {
        doc: J::Object(doc),
        // Each part writes under its own lists' pointers: no key is in two.
        spans: vec![clusters.1, subnets.1, nsgs_spans, vnets_spans],
        clusters_by_id: std::sync::OnceLock::new(),
    }
}

/// Ids of the listed entities (those with an id).
fn ids<'a>(list: impl Iterator<Item = Option<&'a str>>) -> J {
    J::Array(list.flatten().map(str_json).collect())
}

fn subnet_ids(linked: &Linked, sis: &[usize]) -> J {
    ids(sis
        .iter()
        .map(|&si| linked.subnets.get(si).map(|s| s.id.as_str())))
}

/// `/subnets/{si}`: declared or only referenced, its clusters, its capacity.
fn subnet(linked: &Linked, si: usize, names: FileNames, index: &RunIndex, spans: &mut Spans) -> J {
    let Some(s) = linked.subnets.get(si) else {
        return J::Null;
    };
    let mut w = ObjWriter::new(format!("/subnets/{si}"), spans);
    w.raw("id", str_json(&s.id));
    w.raw("declared", J::Bool(s.decl.is_some()));
    match s.decl {
        Some(d) => {
            w.at(Some(d.origin.loc));
            w.value("name", &d.name);
            common(&mut w, &d.origin, names);
            w.raw("vnet", d.vnet_id.as_deref().map_or(J::Null, str_json));
            let prefixes = address_prefixes(&d.props);
            w.opt("addressPrefixes", prefixes.as_ref());
            // Unknown properties, or an unknown reference, are an unknown
            // association, never none.
            let unknown_ref = |key: &str| -> Option<Value> {
                if d.props.as_object().is_none() {
                    return Some(Value::unknown("the subnet's properties are not known"));
                }
                let r = d.props.get(key)?;
                let id = if r.is_unknown() { r } else { r.get("id")? };
                id.is_unknown().then(|| id.clone())
            };
            let nsg_id = id_of(d.props.get_path(&["networkSecurityGroup", "id"]));
            for (field, key, known) in [
                ("routeTable", "routeTable", linked.route_table_id(s)),
                ("nsg", "networkSecurityGroup", nsg_id),
            ] {
                match unknown_ref(key) {
                    Some(u) => {
                        w.value(field, &u);
                    }
                    None => {
                        let at = d.props.get_path(&[key, "id"]).and_then(|v| v.origin);
                        w.raw_at(field, known.map_or(J::Null, |id| str_json(&id)), at);
                    }
                }
            }
            w.opt("delegations", d.props.get("delegations"));
            w.value("foreignDelegation", &foreign_delegation(&d.props));
            w.value("natGateway", &nat_gateway(&d.props));
        }
        None => {
            w.raw("name", str_json(&s.name()));
        }
    }
    let clusters = linked.clusters_on(si).iter().map(|&(c, _)| c);
    w.raw("clusters", ids(clusters.map(|c| linked.cluster_id(c))));
    let kubenet = linked.kubenet_clusters_on(si);
    w.raw(
        "kubenetClusters",
        ids(kubenet.into_iter().map(|c| linked.cluster_id(c))),
    );
    let ptr = w.ptr().to_string();
    let uses = cluster_pools(linked, si, &ptr, w.spans_mut());
    w.raw("clusterPools", uses);
    w.raw(
        "applicationGateways",
        subnet_application_gateways(linked, si),
    );
    capacity(&mut w, s, &linked.clusters);
    let ptr = w.ptr().to_string();
    if let Some(pods) = pod_pools(linked, si, &ptr, w.spans_mut()) {
        w.raw("podPools", pods);
        pod_capacity(&mut w, s, &linked.clusters);
    }
    w.raw(
        "defaultRoute",
        index.default_routes.get(si).cloned().unwrap_or(J::Null),
    );
    let vnet = linked.subnet_vnet.get(si).copied().flatten();
    let vnet = vnet.and_then(|vi| linked.vnets.get(vi));
    let denied = pod_traffic_denied(
        s,
        &linked.clusters,
        &linked.nsgs,
        &linked.route_tables,
        vnet,
    );
    w.raw("podTrafficDenied", J::Array(denied));
    w.finish()
}

/// A declared subnet's NAT gateway: its canonical id, null when surely
/// absent, unknown when the properties or the reference are not known.
fn nat_gateway(props: &Value) -> Value {
    if props.as_object().is_none() {
        return Value::unknown("the subnet's properties are not known");
    }
    match props.get("natGateway") {
        None => Value::null(),
        Some(v) if matches!(v.kind, Kind::Null) => Value::null(),
        Some(v) => match v.get("id") {
            Some(id) if id.is_unknown() => id.clone(),
            Some(id) => match id_of(Some(id)) {
                Some(canon) => Value::str(canon).located_as(id),
                None => Value::unknown("the NAT gateway reference has no id"),
            },
            None if v.is_unknown() => v.clone(),
            None => Value::unknown("the NAT gateway reference has no id"),
        },
    }
}

/// AKS's own service, the one delegation a node subnet may carry.
const AKS_DELEGATION: &str = "Microsoft.ContainerService/managedClusters";

/// The service of the subnet's first delegation to another service than AKS
/// (which node subnets accept: Microsoft's SubnetIsDelegated troubleshooting
/// page), null when there is none, unknown when a service name is not known
/// and no known one decides.
fn foreign_delegation(props: &Value) -> Value {
    if props.as_object().is_none() {
        return Value::unknown("the subnet's properties are not known");
    }
    let list = match props.get("delegations") {
        None => return Value::null(),
        Some(v) if matches!(v.kind, Kind::Null) => return Value::null(),
        Some(v) if v.is_unknown() => return v.clone(),
        Some(v) => match v.as_array() {
            Some(list) => list,
            None => return Value::unknown("`delegations` is not a list"),
        },
    };
    let mut unknown = None;
    for d in list {
        let service = d.get_path(&["properties", "serviceName"]);
        match service.and_then(Value::as_str) {
            Some(s) if crate::symbol::has_token(s) => {
                unknown
                    .get_or_insert_with(|| Value::unknown("a delegation's service is not known"));
            }
            Some(s) if s.eq_ignore_ascii_case(AKS_DELEGATION) => {}
            Some(_) => return service.cloned().unwrap_or_else(Value::null),
            None => {
                let why = service.filter(|v| v.is_unknown()).cloned();
                unknown.get_or_insert_with(|| {
                    why.unwrap_or_else(|| Value::unknown("a delegation has no service name"))
                });
            }
        }
    }
    unknown.unwrap_or_else(Value::null)
}

/// `/routeTables/{ri}`: its routes (inline and child resources), subnets and clusters.
fn route_table(linked: &Linked, ri: usize, names: FileNames, spans: &mut Spans) -> J {
    let Some((rt, extra)) = linked.route_tables.get(ri) else {
        return J::Null;
    };
    let mut w = ObjWriter::new(format!("/routeTables/{ri}"), spans);
    w.at(Some(rt.origin.loc));
    w.raw("id", rt.id.as_deref().map_or(J::Null, str_json));
    w.value("name", &rt.name);
    common(&mut w, &rt.origin, names);
    let routes = rt.routes.iter().chain(extra.iter().copied());
    let routes = items(&mut w, "routes", routes);
    w.raw("routes", routes);
    w.opt("disableBgpRoutePropagation", rt.disable_bgp.as_ref());
    let sis = linked.rt_subnets.get(ri).map_or(&[][..], Vec::as_slice);
    w.raw("subnets", subnet_ids(linked, sis));
    let mut clusters: Vec<&str> = Vec::new();
    let mut listed: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for &si in sis {
        for &(c, _) in linked.clusters_on(si) {
            if let Some(id) = linked.cluster_id(c)
                && listed.insert(id)
            {
                clusters.push(id);
            }
        }
    }
    w.raw("clusters", ids(clusters.into_iter().map(Some)));
    w.raw("clusterUses", cluster_uses(linked, ri));
    w.finish()
}

/// `/nsgs/{ni}`: its security rules (inline and child resources) and subnets.
fn nsg(linked: &Linked, ni: usize, names: FileNames, spans: &mut Spans) -> J {
    let Some((n, extra)) = linked.nsgs.get(ni) else {
        return J::Null;
    };
    let mut w = ObjWriter::new(format!("/nsgs/{ni}"), spans);
    w.at(Some(n.origin.loc));
    w.raw("id", n.id.as_deref().map_or(J::Null, str_json));
    w.value("name", &n.name);
    common(&mut w, &n.origin, names);
    let rules = items(&mut w, "rules", n.rules.iter().chain(extra.iter().copied()));
    w.raw("rules", rules);
    let sis = linked.nsg_subnets.get(ni).map_or(&[][..], Vec::as_slice);
    w.raw("subnets", subnet_ids(linked, sis));
    w.finish()
}

/// `/vnets/{vi}`: its address space, subnets and peerings.
fn vnet(linked: &Linked, vi: usize, names: FileNames, spans: &mut Spans) -> J {
    let Some((v, peerings)) = linked.vnets.get(vi) else {
        return J::Null;
    };
    let mut w = ObjWriter::new(format!("/vnets/{vi}"), spans);
    w.at(Some(v.origin.loc));
    w.raw("id", v.id.as_deref().map_or(J::Null, str_json));
    w.value("name", &v.name);
    common(&mut w, &v.origin, names);
    w.opt("addressPrefixes", v.address_prefixes.as_ref());
    let sis = linked.vnet_subnets.get(vi).map_or(&[][..], Vec::as_slice);
    w.raw("subnets", subnet_ids(linked, sis));
    let peerings = items(&mut w, "peerings", peerings.iter().copied());
    w.raw("peerings", peerings);
    w.finish()
}

/// `/identities/*` and `/roleAssignments/*`.
fn identities(linked: &Linked, names: FileNames, spans: &mut Spans) -> (Vec<J>, Vec<J>) {
    let mut identity_docs = Vec::new();
    for (k, idn) in linked.identities.iter().enumerate() {
        let mut w = ObjWriter::new(format!("/identities/{k}"), spans);
        w.at(Some(idn.origin.loc));
        w.raw("id", idn.id.as_deref().map_or(J::Null, str_json));
        w.value("name", &idn.name);
        common(&mut w, &idn.origin, names);
        w.raw("clusterUses", identity_cluster_uses(linked, k));
        identity_docs.push(w.finish());
    }
    let mut ra_docs = Vec::new();
    for (k, ra) in linked.role_assignments.iter().enumerate() {
        let mut w = ObjWriter::new(format!("/roleAssignments/{k}"), spans);
        w.at(Some(ra.origin.loc));
        w.raw("id", ra.id.as_deref().map_or(J::Null, str_json));
        w.value("name", &ra.name);
        common(&mut w, &ra.origin, names);
        w.value("scope", &ra.scope);
        w.value("roleDefinitionId", &ra.role_definition_id);
        w.value("principalId", &ra.principal_id);
        w.value("principalType", &ra.principal_type);
        ra_docs.push(w.finish());
    }
    (identity_docs, ra_docs)
}

/// `/applicationGateways/*`: each with the subnets its IP configurations name.
fn application_gateways(linked: &Linked, names: FileNames, spans: &mut Spans) -> Vec<J> {
    let mut docs = Vec::new();
    for (k, g) in linked.application_gateways.iter().enumerate() {
        let mut w = ObjWriter::new(format!("/applicationGateways/{k}"), spans);
        w.at(Some(g.origin.loc));
        w.raw("id", g.id.as_deref().map_or(J::Null, str_json));
        w.value("name", &g.name);
        common(&mut w, &g.origin, names);
        let subnets = g
            .subnets
            .iter()
            .map(|s| match id_of(Some(s)) {
                Some(id) => Value::str(id).located_as(s),
                None => s.clone(),
            })
            .collect();
        w.value("subnets", &Value::array(subnets));
        docs.push(w.finish());
    }
    docs
}

/// `/gateways/*`: what connects a network to on-premises.
fn gateways(linked: &Linked, names: FileNames, spans: &mut Spans) -> Vec<J> {
    let mut docs = Vec::new();
    for (k, g) in linked.gateways.iter().enumerate() {
        let mut w = ObjWriter::new(format!("/gateways/{k}"), spans);
        w.at(Some(g.origin.loc));
        w.raw("id", g.id.as_deref().map_or(J::Null, str_json));
        w.value("name", &g.name);
        w.raw("type", str_json(&g.resource_type));
        w.raw("vnet", g.vnet_id.as_deref().map_or(J::Null, str_json));
        common(&mut w, &g.origin, names);
        docs.push(w.finish());
    }
    docs
}

/// `/config`: the configured ranges, located in the configuration file.
fn config_doc(config: &NetworkConfig, spans: &mut Spans) -> J {
    let mut w = ObjWriter::new("/config".into(), spans);
    for (key, list) in [
        ("reserved", &config.reserved),
        ("onPremises", &config.on_premises),
    ] {
        let items: Vec<Value> = list
            .iter()
            .map(|(cidr, loc)| Value::str(cidr.clone()).with_origin(*loc))
            .collect();
        w.value(key, &Value::array(items));
    }
    w.finish()
}

/// `file`, `scenario`, `conditional` and `deployed` of a declaration.
pub(super) fn common(w: &mut ObjWriter, origin: &Origin, names: FileNames) {
    w.raw("file", J::String(names(origin.file)));
    w.raw_at(
        "scenario",
        origin
            .parameters_file
            .map_or(J::Null, |f| J::String(names(f))),
        origin.parameters_loc,
    );
    w.raw("conditional", J::Bool(origin.conditional));
    w.raw("deployed", J::Bool(origin.deployed));
}

/// Items with `name` and `properties` (routes, security rules, peerings),
/// each as one flat object under `key`.
fn items<'v>(w: &mut ObjWriter, key: &str, list: impl Iterator<Item = &'v Value>) -> J {
    let ptr = push_token(w.ptr(), key);
    let spans = w.spans_mut();
    J::Array(
        list.enumerate()
            .map(|(i, item)| flatten_item(&push_token(&ptr, &i.to_string()), item, spans))
            .collect(),
    )
}

/// An item with `name` and `properties` (route, security rule, peering) as one flat object.
fn flatten_item(ptr: &str, item: &Value, spans: &mut Spans) -> J {
    let mut w = ObjWriter::new(ptr.to_string(), spans);
    w.at(item.origin);
    w.opt("name", item.get("name"));
    if let Some(Kind::Object(props)) = item.get("properties").map(|p| &p.kind) {
        for (k, v) in props.iter() {
            w.value(k, v);
        }
    }
    w.finish()
}
