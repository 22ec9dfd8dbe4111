//! Whether a cluster's identity has the rights it needs on its node subnets
//! and route tables, and whether the assignments that give them exist when
//! the cluster is created.

use serde_json::{Value as J, json};

use crate::model::identity::{
    Assignment, DependencyTarget, ROLE_ASSIGNMENTS, cluster_identities, missing_dependency,
};
use crate::model::linked::{ClusterRef, Linked, SubnetEntry};
use crate::model::routing::association;
use crate::resource_id::ids_match;

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

/// The role assignments of the run, each once.
pub(crate) struct Roles<'a> {
    pub list: Vec<Assignment<'a>>,
}

impl<'a> Roles<'a> {
    pub(crate) fn new(list: Vec<Assignment<'a>>) -> Roles<'a> {
        Roles { list }
    }
}

/// `/clusters/{ci}/networkRights`: whether the cluster's identity may use
/// its node subnets and the route tables it brings. `needs` says what it
/// needs rights on; `routeTableAt` points at the first route table brought;
/// `grants` lists the assignments that give the rights (`{assignment, name,
/// createdFirst}`, `createdFirst` false when the cluster's template declares
/// the assignment but the cluster does not wait for it); `grantedBy` is the
/// first when they cover everything; else, when no assignment that is not
/// fully known may reach the identity there, `missing` says what no assignment covers, with `partial` /
/// `partialCovers` for an assignment that covers only part. `None` without a
/// user-assigned identity or subnet. Read by missing-network-role and
/// role-assignment-order.
pub(crate) fn network_rights(linked: &Linked, c: &ClusterRef, roles: &Roles) -> Option<J> {
    let identities = cluster_identities(c.facts);
    let targets = targets(c, &linked.subnets);
    if identities.is_empty() || targets.is_empty() {
        return None;
    }
    let covering = covering(linked, &identities, &targets, roles);
    let mut out = serde_json::Map::new();
    out.insert("needs".into(), J::from(needs(c, &linked.subnets)));
    out.insert("routeTableAt".into(), route_table_at(c, &linked.subnets));
    out.insert("grants".into(), grants(c, &covering, roles));
    if covering.iter().all(Option::is_some) {
        if let Some(Some(k)) = covering.first() {
            out.insert("grantedBy".into(), J::from(format!("/roleAssignments/{k}")));
        }
    } else {
        // An assignment not fully known that may reach this identity and
        // these places may be the missing one.
        let places: Vec<&str> = targets.iter().map(|t| t.id.as_str()).collect();
        if !roles
            .list
            .iter()
            .any(|a| a.may_matter(&identities, &places))
        {
            gap(&targets, &covering, &mut out);
        }
    }
    Some(J::Object(out))
}

/// The pointer of the first route table association of the cluster's subnets.
fn route_table_at(c: &ClusterRef, subnets: &[SubnetEntry]) -> J {
    c.pools
        .iter()
        .find_map(|p| {
            let si = p.subnet?;
            association(subnets.get(si)?).ok()??;
            Some(J::from(format!("/subnets/{si}/routeTable")))
        })
        .unwrap_or(J::Null)
}

/// "subnet 'a'" or "subnet 'a' and route table 'rt'".
fn needs(c: &ClusterRef, subnets: &[SubnetEntry]) -> String {
    let on = || {
        c.pools
            .iter()
            .filter_map(|p| p.subnet.and_then(|si| subnets.get(si)))
    };
    let subnet_name = on().next().map(SubnetEntry::name).unwrap_or_default();
    match on().find_map(SubnetEntry::route_table_name) {
        Some(rt) => format!("subnet '{subnet_name}' and route table '{rt}'"),
        None => format!("subnet '{subnet_name}'"),
    }
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

/// The distinct covering assignments, in order, and whether each surely
/// exists when the cluster is created.
fn grants(c: &ClusterRef, covering: &[Option<usize>], roles: &Roles) -> J {
    let mut seen: Vec<usize> = Vec::new();
    let mut out = Vec::new();
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
        let name = a
            .fact
            .name
            .as_str()
            .unwrap_or("(name not known statically)");
        out.push(json!({
            "assignment": format!("/roleAssignments/{k}"),
            "name": name,
            "createdFirst": !missing_dependency(c.facts, &a.fact.origin, &target),
        }));
    }
    J::Array(out)
}

/// `missing`: what no assignment covers (and the scopes above it that would
/// do), and `partial`: an assignment that covers only part of it.
fn gap(targets: &[Target], covering: &[Option<usize>], out: &mut serde_json::Map<String, J>) {
    let has_rt = targets.iter().any(|t| t.route_table);
    let uncovered = |rt: bool| {
        targets
            .iter()
            .zip(covering)
            .any(|(t, k)| t.route_table == rt && k.is_none())
    };
    let (no_subnet, no_rt) = (uncovered(false), uncovered(true));
    let scope = match (no_subnet, no_rt) {
        (true, true) => " (or a resource group holding both)",
        (true, false) => " (or its VNet or resource group)",
        _ => " (or its resource group)",
    };
    out.insert(
        "missing".into(),
        J::from(format!("{}{scope}", what(no_subnet, no_rt))),
    );
    if has_rt && let Some((t, Some(k))) = targets.iter().zip(covering).find(|(_, k)| k.is_some()) {
        out.insert("partial".into(), J::from(format!("/roleAssignments/{k}")));
        out.insert(
            "partialCovers".into(),
            J::from(what(!t.route_table, t.route_table)),
        );
    }
}
