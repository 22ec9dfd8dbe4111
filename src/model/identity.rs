//! Control-plane identities, role assignments and deployment order, for the
//! rules about bringing your own route table (AKS014, AKS015, AKS027).
//!
//! A role assignment's `principalId` is a runtime value; the evaluator stands
//! in `{principalId of <identity id>}` for `reference(identity).principalId`,
//! which is how an assignment is matched with the cluster's identity.

use serde_json::{Value as J, json};

use crate::arm::eval::PRINCIPAL_PLACEHOLDER;
use crate::model::facts::{ClusterFact, Origin, RoleAssignmentFact};
use crate::model::linked::{ClusterRef, SubnetEntry};
use crate::resource_id::{canonical, ids_match, last_name};
use crate::value::{Kind, Value};

/// Built-in roles that include the subnet join and route table write actions.
const NETWORK_ROLES: &[&str] = &[
    "4d97b98b-1d4f-4787-a291-c67834d212e7", // Network Contributor
    "b24988ac-6180-42a0-ab88-20f7382dd24c", // Contributor
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", // Owner
];

/// What AKS does with the subnet, and with a route table you bring: a custom
/// role must allow all of them (directly or through a wildcard such as
/// `Microsoft.Network/*`).
const SUBNET_ACTIONS: &[&str] = &[
    "microsoft.network/virtualnetworks/subnets/join/action",
    "microsoft.network/virtualnetworks/subnets/read",
];
const ROUTE_TABLE_ACTIONS: &[&str] = &[
    "microsoft.network/routetables/write",
    "microsoft.network/routetables/routes/write",
];

/// Whether an action pattern (`Microsoft.Network/*`, `*/read`, …) allows an action.
fn allows(pattern: &str, action: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    match pattern.split_once('*') {
        None => pattern == action,
        Some((head, tail)) => {
            action.starts_with(head)
                && action.ends_with(tail)
                && action.len() >= head.len() + tail.len()
        }
    }
}

/// The identity a principal id stands for, `Err` when it is not known.
fn principal_identity(v: &Value) -> Result<Option<String>, ()> {
    match &v.kind {
        Kind::Str(s) => Ok(s
            .strip_prefix(PRINCIPAL_PLACEHOLDER)
            .and_then(|r| r.strip_suffix('}'))
            .map(canonical)),
        _ => Err(()),
    }
}

/// What a role lets AKS do: join the subnet, and write routes to a route table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Grants {
    pub subnet: bool,
    pub route_table: bool,
}

/// What the role grants on the network; `Err` when unknown.
fn grants_network(v: &Value, custom: &[(Value, Vec<Value>)]) -> Result<Grants, ()> {
    let id = v.as_str().ok_or(())?.to_ascii_lowercase();
    let guid = last_name(&id).to_string();
    if NETWORK_ROLES.contains(&guid.as_str()) {
        return Ok(Grants {
            subnet: true,
            route_table: true,
        });
    }
    for (name, actions) in custom {
        if name.as_str().is_some_and(|n| n.eq_ignore_ascii_case(&guid)) {
            let patterns: Vec<&str> = actions
                .iter()
                .map(|a| a.as_str().ok_or(()))
                .collect::<Result<_, _>>()?;
            let all =
                |needed: &[&str]| needed.iter().all(|n| patterns.iter().any(|p| allows(p, n)));
            return Ok(Grants {
                subnet: all(SUBNET_ACTIONS),
                route_table: all(ROUTE_TABLE_ACTIONS),
            });
        }
    }
    Ok(Grants {
        subnet: false,
        route_table: false,
    })
}

/// Whether `scope` is `target` or one of its parents (placeholders match anything).
fn covers(scope: &str, target: &str) -> bool {
    let scope = scope.trim_end_matches('/');
    let n = scope.split('/').count();
    let prefix: Vec<&str> = target.split('/').take(n).collect();
    prefix.len() == n && ids_match(scope, &prefix.join("/"))
}

/// Role assignments of the run, each with the facts rules need.
pub(crate) struct Assignment<'a> {
    pub fact: &'a RoleAssignmentFact,
    /// `Err` when the principal, role or scope is not known.
    pub known: Result<(Option<String>, Grants, String), ()>,
}

pub(crate) fn assignments<'a>(
    all: &[&'a RoleAssignmentFact],
    custom: &[(Value, Vec<Value>)],
) -> Vec<Assignment<'a>> {
    all.iter()
        .map(|ra| {
            let known = (|| {
                let principal = principal_identity(&ra.principal_id)?;
                let grants = grants_network(&ra.role_definition_id, custom)?;
                let scope = ra.scope.as_str().map(canonical).ok_or(())?;
                Ok((principal, grants, scope))
            })();
            Assignment { fact: ra, known }
        })
        .collect()
}

/// The cluster's user-assigned control-plane identities (canonical ids).
fn cluster_identities(c: &ClusterFact) -> Vec<String> {
    match c
        .identity
        .as_ref()
        .and_then(|i| i.get("userAssignedIdentities"))
        .map(|u| &u.kind)
    {
        Some(Kind::Object(o)) => o.iter().map(|(k, _)| canonical(k)).collect(),
        _ => Vec::new(),
    }
}

/// The control-plane identity: `userAssigned`, `systemAssigned` (also when
/// none is set), `servicePrincipal`, or Unknown.
pub(crate) fn control_plane_identity(c: &ClusterFact) -> Value {
    let identity = c.identity.as_ref();
    let origin = identity
        .and_then(|i| i.get("type"))
        .and_then(|t| t.origin)
        .or(identity.and_then(|i| i.origin))
        .or(Some(c.origin.loc));
    let kind = match c
        .identity
        .as_ref()
        .and_then(|i| i.get("type"))
        .map(|t| &t.kind)
    {
        Some(Kind::Str(t)) if t.to_ascii_lowercase().contains("userassigned") => "userAssigned",
        Some(Kind::Str(t)) if t.eq_ignore_ascii_case("SystemAssigned") => "systemAssigned",
        Some(Kind::Unknown(r)) => return Value::unknown(r.clone()).with_origin(origin),
        _ => match c.service_principal.as_ref().map(|v| &v.kind) {
            Some(Kind::Str(id)) if !id.is_empty() && !id.eq_ignore_ascii_case("msi") => {
                "servicePrincipal"
            }
            Some(Kind::Unknown(r)) => return Value::unknown(r.clone()).with_origin(origin),
            // Without an identity or a service principal AKS creates a system-assigned identity.
            _ => "systemAssigned",
        },
    };
    Value::str(kind).with_origin(origin)
}

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

/// AKS014/AKS015 facts of a cluster on its own subnet: `networkRole`
/// (pointer to the assignment that gives its identity rights on the subnet)
/// when assignments cover the subnet and any route table it brings; else
/// `missingNetworkRole: true` with `networkRoleGap` (`needs`, `missing`, and
/// `partial`/`partialCovers` for an assignment that covers only one of them),
/// when every assignment of the run is known. And `roleAssignmentOrder` when a
/// covering assignment is in the cluster's template but the cluster does not
/// depend on it. `depends_at` is the world pointer a missing dependency is
/// reported at.
pub(crate) fn network_role(
    c: &ClusterRef,
    subnets: &[SubnetEntry],
    assignments: &[Assignment],
    depends_at: &str,
) -> Vec<(&'static str, J)> {
    let identities = cluster_identities(c.facts);
    let targets = targets(c, subnets);
    if identities.is_empty() || targets.is_empty() {
        return Vec::new();
    }
    let all_known = assignments.iter().all(|a| a.known.is_ok());
    // The first assignment covering each target.
    let covering: Vec<Option<usize>> = targets
        .iter()
        .map(|t| {
            assignments.iter().position(|a| {
                let Ok((principal, grants, scope)) = &a.known else {
                    return false;
                };
                let mine = principal
                    .as_deref()
                    .is_some_and(|p| identities.iter().any(|i| ids_match(i, p)));
                let grants = if t.route_table {
                    grants.route_table
                } else {
                    grants.subnet
                };
                mine && grants && covers(scope, &t.id)
            })
        })
        .collect();
    let mut out = Vec::new();
    let mut seen: Vec<usize> = Vec::new();
    for k in covering.iter().flatten() {
        if seen.contains(k) {
            continue;
        }
        seen.push(*k);
        let Some(a) = assignments.get(*k) else {
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
            out.push((
                "roleAssignmentOrder",
                json!({"assignment": format!("/roleAssignments/{k}"), "name": name, "at": depends_at}),
            ));
            break;
        }
    }
    if covering.iter().all(Option::is_some) {
        if let Some(Some(k)) = covering.first() {
            out.push(("networkRole", J::from(format!("/roleAssignments/{k}"))));
        }
        return out;
    }
    // An unknown assignment may be the missing one.
    if !all_known {
        return out;
    }
    let has_rt = targets.iter().any(|t| t.route_table);
    let uncovered = |rt: bool| {
        targets
            .iter()
            .zip(&covering)
            .any(|(t, k)| t.route_table == rt && k.is_none())
    };
    let (no_subnet, no_rt) = (uncovered(false), uncovered(true));
    let subnet_name = c
        .pools
        .iter()
        .find_map(|p| p.subnet.and_then(|si| subnets.get(si)))
        .map(SubnetEntry::name)
        .unwrap_or_default();
    let rt_name = c
        .pools
        .iter()
        .filter_map(|p| p.subnet.and_then(|si| subnets.get(si)))
        .find_map(SubnetEntry::route_table_name);
    let needs = match &rt_name {
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
        && let Some((t, Some(k))) = targets.iter().zip(&covering).find(|(_, k)| k.is_some())
        && let J::Object(o) = &mut gap
    {
        o.insert("partial".into(), J::from(format!("/roleAssignments/{k}")));
        o.insert(
            "partialCovers".into(),
            J::from(what(!t.route_table, t.route_table)),
        );
    }
    out.push(("missingNetworkRole", J::Bool(true)));
    out.push(("networkRoleGap", gap));
    out
}

/// AKS027: the first subnet with a route table that is declared in the
/// cluster's template but that the cluster does not depend on.
pub(crate) fn route_table_order(
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

const ROLE_ASSIGNMENTS: &str = "Microsoft.Authorization/roleAssignments";

/// What a cluster should depend on: its id and name when known, and its type.
struct DependencyTarget<'t> {
    id: Option<&'t str>,
    name: &'t Value,
    resource_type: &'t str,
}

/// Whether the cluster, deployed in the same template and scenario as
/// `target`, surely does not list it in `dependsOn` (no entry is unknown or a
/// nested deployment that could order it). A target whose id is unknown (a
/// `guid()` name of deployment values) can still be told apart from entries
/// that are ids of another type.
fn missing_dependency(c: &ClusterFact, target_origin: &Origin, target: &DependencyTarget) -> bool {
    if c.origin.file != target_origin.file
        || c.origin.parameters_file != target_origin.parameters_file
    {
        return false;
    }
    let name = target.name.as_str().map(str::to_ascii_lowercase);
    for dep in &c.waits_for {
        let Some(entry) = dep.as_str() else {
            // An id of another type, even with its name unknown, is not the target;
            // a deployment (module) may order anything.
            let raw = match &dep.kind {
                Kind::Unknown(r) => Some(r.as_str()),
                _ => None,
            };
            match raw.and_then(crate::value::typed_unknown_type) {
                Some(t)
                    if !t.eq_ignore_ascii_case(target.resource_type)
                        && !t.eq_ignore_ascii_case("Microsoft.Resources/deployments") =>
                {
                    continue;
                }
                _ => return false,
            }
        };
        let entry = entry.trim().to_ascii_lowercase();
        if entry.contains("microsoft.resources/deployments") {
            return false;
        }
        let matches = match target.id {
            Some(id) if entry.starts_with('/') => ids_match(&canonical(&entry), id),
            Some(id) if entry.contains('/') => id.ends_with(&format!("/{entry}")),
            Some(id) => Some(&entry) == name.as_ref() || entry == last_name(id),
            // Unknown id: only an entry of another type surely is not it.
            None if entry.starts_with('/') => crate::resource_id::type_of(&entry)
                .is_none_or(|t| t.eq_ignore_ascii_case(target.resource_type)),
            None => true,
        };
        if matches {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_roles_need_every_action() {
        let role = |actions: &[&str]| {
            vec![(
                Value::str("guid-1"),
                actions.iter().map(|a| Value::str(*a)).collect::<Vec<_>>(),
            )]
        };
        let id =
            Value::str("/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/guid-1");
        let both = Grants {
            subnet: true,
            route_table: true,
        };
        let subnet_only = Grants {
            subnet: true,
            route_table: false,
        };
        let none = Grants {
            subnet: false,
            route_table: false,
        };
        assert_eq!(
            grants_network(&id, &role(&["Microsoft.Network/*"])),
            Ok(both)
        );
        assert_eq!(grants_network(&id, &role(&["*"])), Ok(both));
        assert_eq!(
            grants_network(
                &id,
                &role(&[
                    "Microsoft.Network/virtualNetworks/subnets/*",
                    "Microsoft.Network/routeTables/*",
                ])
            ),
            Ok(both)
        );
        assert_eq!(
            grants_network(&id, &role(&["Microsoft.Network/virtualNetworks/subnets/*"])),
            Ok(subnet_only)
        );
        assert_eq!(
            grants_network(
                &id,
                &role(&["Microsoft.Network/virtualNetworks/subnets/join/action"])
            ),
            Ok(none)
        );
        assert_eq!(grants_network(&id, &role(&["*/read"])), Ok(none));
        let network_contributor =
            Value::str("/x/roleDefinitions/4D97B98B-1D4F-4787-A291-C67834D212E7");
        assert_eq!(grants_network(&network_contributor, &[]), Ok(both));
        assert_eq!(grants_network(&Value::unknown("r"), &[]), Err(()));
        assert!(covers(
            "/subscriptions/s/resourcegroups/g",
            "/subscriptions/s/resourcegroups/g/providers/x/y/z"
        ));
        assert!(!covers(
            "/subscriptions/s/resourcegroups/h",
            "/subscriptions/s/resourcegroups/g/providers/x/y/z"
        ));
    }
}
