//! Who uses what: the relations between clusters and the subnets and route
//! tables their node pools sit on, each member once and in pool order, with
//! the pointers a rule follows or points at; and who else uses a subnet or an
//! identity (Application Gateways, clusters).

use serde_json::{Value as J, json};

use super::emit::str_json;
use crate::model::identity::{DependencyTarget, missing_dependency};
use crate::model::linked::{Linked, SubnetEntry, written_last};
use crate::model::routing::association;
use crate::model::world::{ObjWriter, Spans, object, push_token};
use crate::resource_id::{last_name, parent};
use crate::value::Value;

/// `/subnets/{si}/clusterPools`: the distinct clusters on the subnet, in
/// order, each with its first pool there: `{cluster, pool, kubenet,
/// subnetName, at}` (`subnetName` as that pool writes it, `at` the pointer
/// of the pool's reference to the subnet).
pub(super) fn cluster_pools(linked: &Linked, si: usize, ptr: &str, spans: &mut Spans) -> J {
    let list = push_token(ptr, "clusterPools");
    let subnet = linked.subnets.get(si);
    let uses = linked.clusters_on(si).iter().enumerate();
    J::Array(
        uses.filter_map(|(k, &(ci, pi))| {
            let c = linked.clusters.get(ci)?;
            let p = c.pools.get(pi)?;
            let mut w = ObjWriter::new(push_token(&list, &k.to_string()), spans);
            w.value("cluster", &c.facts.name);
            w.value("pool", &p.fact.name);
            w.raw("kubenet", J::Bool(c.kubenet));
            let written = p.fact.props.get("vnetSubnetID").and_then(Value::as_str);
            let name = written.map_or_else(
                || subnet.map(SubnetEntry::name).unwrap_or_default(),
                |id| written_last(id).to_string(),
            );
            w.raw("subnetName", J::String(name));
            w.raw("at", J::String(format!("/clusters/{ci}/pools/{pi}/subnet")));
            Some(w.finish())
        })
        .collect(),
    )
}

/// `/subnets/{si}/podPools`: the pools whose pods take their addresses from
/// the subnet (`podSubnetID`), in order: `{cluster, pool, at}` (`at` the
/// pointer of the pool's reference to it). Written only when there are some.
pub(super) fn pod_pools(linked: &Linked, si: usize, ptr: &str, spans: &mut Spans) -> Option<J> {
    let users = linked.subnets.get(si).map(|s| s.pod_users.as_slice())?;
    if users.is_empty() {
        return None;
    }
    let list = push_token(ptr, "podPools");
    let pools = users.iter().enumerate().filter_map(|(k, &(ci, pi))| {
        let c = linked.clusters.get(ci)?;
        let p = c.pools.get(pi)?;
        let mut w = ObjWriter::new(push_token(&list, &k.to_string()), spans);
        w.value("cluster", &c.facts.name);
        w.value("pool", &p.fact.name);
        w.raw(
            "at",
            J::String(format!("/clusters/{ci}/pools/{pi}/podSubnet")),
        );
        Some(w.finish())
    });
    Some(J::Array(pools.collect()))
}

/// `/routeTables/{ri}/clusterUses`: the clusters whose node subnets the route
/// table serves, each surely distinct cluster once (so only those with a
/// known id), at the first subnet it uses: `{cluster, kubenet, subnet, at,
/// subnetAt}` (`at` the subnet's association, or the pool's reference to a
/// deployed subnet: see [`use_at`]).
pub(super) fn cluster_uses(linked: &Linked, ri: usize) -> J {
    let sis = linked.rt_subnets.get(ri).map_or(&[][..], Vec::as_slice);
    let mut listed: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    for &si in sis {
        for &(ci, pi) in linked.clusters_on(si) {
            let distinct = linked.cluster_id(ci).is_some()
                && listed
                    .iter()
                    .all(|&d| linked.same_cluster(ci, d) == Some(false));
            if !distinct {
                continue;
            }
            listed.push(ci);
            out.push(json!({
                "cluster": linked.cluster_name(ci),
                "kubenet": linked.clusters.get(ci).is_some_and(|c| c.kubenet),
                "subnet": linked.subnets.get(si).map(SubnetEntry::name),
                "at": use_at(linked, si, ci, pi, format!("/subnets/{si}/routeTable")),
                "subnetAt": format!("/subnets/{si}"),
            }));
        }
    }
    J::Array(out)
}

/// `/clusters/{ci}/subnetUses`: the cluster's node subnets, each once in pool
/// order, with its first pool there and its route table association:
/// `{subnet, pool, poolAt, subnetAt, routeTable, routeTableName,
/// routeTableText, at, createdFirst, defaultRoute}` (the subnet's). `routeTable` is the canonical id, null
/// for none, unknown when the templates do not say; `at` points at the
/// association, or at the subnet without one; `createdFirst` is false when
/// the cluster's template declares the subnet but the cluster waits for
/// neither it nor its VNet. A pool whose subnet is not known adds an unknown
/// member.
pub(super) fn subnet_uses(linked: &Linked, ci: usize, default_routes: &[J]) -> J {
    let Some(c) = linked.clusters.get(ci) else {
        return J::Array(Vec::new());
    };
    let mut seen: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    for (pi, p) in c.pools.iter().enumerate() {
        let Some(si) = p.subnet else {
            let pool = p.fact.name.as_str().unwrap_or("(unknown)");
            out.push(json!({"$unknown": format!("the subnet of node pool '{pool}' is not known")}));
            continue;
        };
        let Some(s) = linked.subnets.get(si) else {
            continue;
        };
        if seen.contains(&si) {
            continue;
        }
        seen.push(si);
        let (route_table, name, text, at) = match association(s) {
            Ok(Some(id)) => {
                let name = s
                    .route_table_name()
                    .unwrap_or_else(|| last_name(&id).to_string());
                let text = format!("route table '{name}'");
                (
                    J::from(id),
                    J::from(name),
                    J::from(text),
                    format!("/subnets/{si}/routeTable"),
                )
            }
            Ok(None) => (
                J::Null,
                J::Null,
                J::from("no route table"),
                format!("/subnets/{si}"),
            ),
            Err(()) => (
                json!({"$unknown": "the subnet's route table association is not in the templates"}),
                J::Null,
                J::Null,
                format!("/subnets/{si}"),
            ),
        };
        out.push(json!({
            "subnet": s.name(),
            "pool": p.fact.name.as_str(),
            "poolAt": format!("/clusters/{ci}/pools/{pi}"),
            "subnetAt": format!("/subnets/{si}"),
            "routeTable": route_table,
            "routeTableName": name,
            "routeTableText": text,
            "at": use_at(linked, si, ci, pi, at),
            "createdFirst": created_first(c.facts, s),
            "defaultRoute": default_routes.get(si).cloned().unwrap_or(J::Null),
        }));
    }
    J::Array(out)
}

/// Where a cluster's use of a subnet is written: `at` on the subnet's side,
/// unless the subnet is deployed (read from an export) and the cluster is
/// not; then the pool's reference to it, the side a pull request changes.
fn use_at(linked: &Linked, si: usize, ci: usize, pi: usize, at: String) -> String {
    let deployed_subnet = linked
        .subnets
        .get(si)
        .and_then(|s| s.decl)
        .is_some_and(|d| d.origin.deployed);
    let template_cluster = linked
        .clusters
        .get(ci)
        .is_some_and(|c| !c.facts.origin.deployed);
    if deployed_subnet && template_cluster {
        format!("/clusters/{ci}/pools/{pi}/subnet")
    } else {
        at
    }
}

/// Whether the subnet surely exists when the cluster is created: it is not
/// declared in the cluster's template, or the cluster waits for it or its VNet.
fn created_first(c: &crate::model::facts::ClusterFact, s: &SubnetEntry) -> bool {
    let Some(d) = s.decl else {
        return true;
    };
    let subnet_name = Value::str(last_name(&s.id));
    let on_subnet = missing_dependency(
        c,
        &d.origin,
        &DependencyTarget {
            id: Some(&s.id),
            name: &subnet_name,
            resource_type: "Microsoft.Network/virtualNetworks/subnets",
        },
    );
    let vnet = d
        .vnet_id
        .clone()
        .or_else(|| parent(&s.id).map(str::to_string));
    let on_vnet = vnet.as_deref().is_none_or(|v| {
        let vnet_name = Value::str(last_name(v));
        missing_dependency(
            c,
            &d.origin,
            &DependencyTarget {
                id: Some(v),
                name: &vnet_name,
                resource_type: "Microsoft.Network/virtualNetworks",
            },
        )
    });
    !(on_subnet && on_vnet)
}

/// `/subnets/{si}/applicationGateways`: the Application Gateways with an IP
/// configuration in the subnet, `{id, name, at}` (`at` the pointer of that
/// configuration's subnet reference).
pub(super) fn subnet_application_gateways(linked: &Linked, si: usize) -> J {
    let uses = linked.subnet_application_gateways.get(si);
    J::Array(
        uses.into_iter()
            .flatten()
            .filter_map(|&(gi, k)| {
                let g = linked.application_gateways.get(gi)?;
                Some(object([
                    ("id", g.id.as_deref().map_or(J::Null, str_json)),
                    ("name", g.name.to_json()),
                    (
                        "at",
                        J::String(format!("/applicationGateways/{gi}/subnets/{k}")),
                    ),
                ]))
            })
            .collect(),
    )
}

/// `/identities/{k}/clusterUses`: the distinct clusters that name the
/// identity among their user-assigned identities, in order, `{cluster, id,
/// at}` (`at` the pointer of the first place each names it).
pub(super) fn identity_cluster_uses(linked: &Linked, k: usize) -> J {
    let uses = linked.identity_clusters.get(k);
    J::Array(
        uses.into_iter()
            .flatten()
            .filter_map(|&(ci, u)| {
                let c = linked.clusters.get(ci)?;
                Some(object([
                    ("cluster", c.facts.name.to_json()),
                    ("id", linked.cluster_id(ci).map_or(J::Null, str_json)),
                    (
                        "at",
                        J::String(format!("/clusters/{ci}/identity/userAssigned/{u}")),
                    ),
                ]))
            })
            .collect(),
    )
}
