//! `networkRole`, `missingNetworkRole`, `networkRoleGap` (missing-network-role),
//! `roleAssignmentOrder` (role-assignment-order) and `routeTableOrder`
//! (route-table-association-order): whether a cluster's identity may use its
//! subnet and route table, and whether it waits for what gives it that right.

use serde_json::{Value as J, json};

use crate::model::identity::{
    Assignment, DependencyTarget, ROLE_ASSIGNMENTS, cluster_identities, missing_dependency,
};
use crate::model::linked::{ClusterRef, Linked, SubnetEntry};
use crate::resource_id::{ids_match, last_name};
use crate::value::Value;

/// Something the identity needs rights on: a node subnet (a scope above it
/// — its VNet, resource group — covers it too) or the route table you bring.
struct Target {
    id: String,
    route_table: bool,
}

/// The cluster's node subnets and their route tables, each once.
fn targets(c: &ClusterRef, subnets: &[SubnetEntry]) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    let mut add = |id: String, route_table: bool| {
        if !out.iter().any(|t| ids_match(&t.id, &id)) {
            out.push(Target { id, route_table });
        }
    };
    for p in &c.pools {
        let Some(s) = p.subnet.and_then(|si| subnets.get(si)) else {
            continue;
        };
        add(s.id.clone(), false);
        if let Some(rt) = s
            .decl
            .and_then(|d| crate::model::facts::id_of(d.props.get_path(&["routeTable", "id"])))
        {
            add(rt, true);
        }
    }
    out
}

/// "the subnet", "the route table", "the subnet and the route table".
fn what(subnet: bool, route_table: bool) -> &'static str {
    match (subnet, route_table) {
        (true, true) => "the subnet and the route table",
        (false, true) => "the route table",
        _ => "the subnet",
    }
}

/// The role assignments of the run, each once, and whether all are known.
pub(super) struct Roles<'a> {
    pub list: Vec<Assignment<'a>>,
    pub all_known: bool,
}

impl<'a> Roles<'a> {
    pub(super) fn new(list: Vec<Assignment<'a>>) -> Roles<'a> {
        let all_known = list.iter().all(|a| a.known.is_ok());
        Roles { list, all_known }
    }
}

/// The role facts of a cluster on its own subnet: `networkRole`
/// (pointer to the assignment that gives its identity rights on the subnet)
/// when assignments cover the subnet and any route table it brings; else
/// `missingNetworkRole: true` with `networkRoleGap` (`needs`, `missing`, and
/// `partial`/`partialCovers` for an assignment that covers only one of them),
/// when every assignment of the run is known. And `roleAssignmentOrder` when a
/// covering assignment is in the cluster's template but the cluster does not
/// depend on it. `depends_at` is the world pointer a missing dependency is
/// reported at.
pub(super) fn network_role(
    linked: &Linked,
    c: &ClusterRef,
    roles: &Roles,
    depends_at: &str,
) -> Vec<(&'static str, J)> {
    let identities = cluster_identities(c.facts);
    let targets = targets(c, &linked.subnets);
    if identities.is_empty() || targets.is_empty() {
        return Vec::new();
    }
    let covering = covering(linked, &identities, &targets, roles);
    let mut out: Vec<(&'static str, J)> = order(c, &covering, roles, depends_at)
        .map(|o| ("roleAssignmentOrder", o))
        .into_iter()
        .collect();
    if covering.iter().all(Option::is_some) {
        if let Some(Some(k)) = covering.first() {
            out.push(("networkRole", J::from(format!("/roleAssignments/{k}"))));
        }
        return out;
    }
    // An unknown assignment may be the missing one.
    if !roles.all_known {
        return out;
    }
    out.push(("missingNetworkRole", J::Bool(true)));
    out.push(("networkRoleGap", gap(linked, c, &targets, &covering)));
    out
}

/// For each target, the first assignment that gives one of the identities
/// the right it needs there. Only the assignments whose principal is one of
/// the identities are looked at (the linked model indexes them).
fn covering(
    linked: &Linked,
    identities: &[String],
    targets: &[Target],
    roles: &Roles,
) -> Vec<Option<usize>> {
    let mut mine: Vec<usize> = identities
        .iter()
        .flat_map(|i| linked.assignments_of(i))
        .collect();
    mine.sort_unstable();
    mine.dedup();
    let grants = |k: usize, t: &Target| {
        roles
            .list
            .get(k)
            .is_some_and(|a| a.grants_at(&t.id, t.route_table))
    };
    targets
        .iter()
        .map(|t| mine.iter().copied().find(|&k| grants(k, t)))
        .collect()
}

/// `roleAssignmentOrder`: the first covering assignment in the cluster's
/// template that the cluster does not wait for.
fn order(c: &ClusterRef, covering: &[Option<usize>], roles: &Roles, depends_at: &str) -> Option<J> {
    let mut seen: Vec<usize> = Vec::new();
    for &k in covering.iter().flatten() {
        if seen.contains(&k) {
            continue;
        }
        seen.push(k);
        let Some(a) = roles.list.get(k) else {
            continue;
        };
        let target = DependencyTarget {
            id: a.fact.id.as_deref(),
            name: &a.fact.name,
            resource_type: ROLE_ASSIGNMENTS,
        };
        if missing_dependency(c.facts, &a.fact.origin, &target) {
            let name = a
                .fact
                .name
                .as_str()
                .unwrap_or("(name not known statically)");
            return Some(
                json!({"assignment": format!("/roleAssignments/{k}"), "name": name, "at": depends_at}),
            );
        }
    }
    None
}

/// `networkRoleGap`: what the identity needs rights on, what no assignment
/// covers, and an assignment that covers only part of it.
fn gap(linked: &Linked, c: &ClusterRef, targets: &[Target], covering: &[Option<usize>]) -> J {
    let subnets = &linked.subnets;
    let has_rt = targets.iter().any(|t| t.route_table);
    let uncovered = |rt: bool| {
        targets
            .iter()
            .zip(covering)
            .any(|(t, k)| t.route_table == rt && k.is_none())
    };
    let (no_subnet, no_rt) = (uncovered(false), uncovered(true));
    let on = || {
        c.pools
            .iter()
            .filter_map(|p| p.subnet.and_then(|si| subnets.get(si)))
    };
    let subnet_name = on().next().map(SubnetEntry::name).unwrap_or_default();
    let needs = match on().find_map(SubnetEntry::route_table_name) {
        Some(rt) => format!("subnet '{subnet_name}' and route table '{rt}'"),
        None => format!("subnet '{subnet_name}'"),
    };
    let scope = match (no_subnet, no_rt) {
        (true, true) => " (or a resource group holding both)",
        (true, false) => " (or its VNet or resource group)",
        _ => " (or its resource group)",
    };
    let mut gap = json!({
        "needs": needs,
        "missing": format!("{}{scope}", what(no_subnet, no_rt)),
    });
    if has_rt
        && let Some((t, Some(k))) = targets.iter().zip(covering).find(|(_, k)| k.is_some())
        && let J::Object(o) = &mut gap
    {
        o.insert("partial".into(), J::from(format!("/roleAssignments/{k}")));
        o.insert(
            "partialCovers".into(),
            J::from(what(!t.route_table, t.route_table)),
        );
    }
    gap
}

/// `routeTableOrder`: the first subnet with a route table that is declared in the
/// cluster's template but that the cluster does not depend on.
pub(super) fn route_table_order(
    c: &ClusterRef,
    subnets: &[SubnetEntry],
    depends_at: &str,
) -> Option<J> {
    c.pools.iter().find_map(|p| {
        let si = p.subnet?;
        let s = subnets.get(si)?;
        let d = s.decl?;
        crate::model::facts::id_of(d.props.get_path(&["routeTable", "id"]))?;
        let vnet = d
            .vnet_id
            .clone()
            .or_else(|| crate::resource_id::parent(&s.id).map(str::to_string));
        // Depending on the subnet or on its VNet both order the association first.
        let subnet_name = Value::str(last_name(&s.id));
        let on_subnet = missing_dependency(
            c.facts,
            &d.origin,
            &DependencyTarget {
                id: Some(&s.id),
                name: &subnet_name,
                resource_type: "Microsoft.Network/virtualNetworks/subnets",
            },
        );
        let on_vnet = vnet.as_deref().map(|v| {
            let vnet_name = Value::str(last_name(v));
            missing_dependency(
                c.facts,
                &d.origin,
                &DependencyTarget {
                    id: Some(v),
                    name: &vnet_name,
                    resource_type: "Microsoft.Network/virtualNetworks",
                },
            )
        });
        (on_subnet && on_vnet.unwrap_or(true)).then(|| {
            json!({
                "subnet": s.name(),
                "at": depends_at,
                "routeTable": format!("/subnets/{si}/routeTable"),
            })
        })
    })
}
