//! Control-plane identities, what role assignments grant on the network and
//! at which scope, and what a cluster waits for before it deploys.
//!
//! A role assignment's `principalId` is a runtime value; the evaluator stands
//! in `{principalId of <identity id>}` for `reference(identity).principalId`,
//! which is how an assignment is matched with the cluster's identity.

use crate::arm::eval::PRINCIPAL_PLACEHOLDER;
use crate::model::facts::{ClusterFact, Origin, RoleAssignmentFact};
use crate::resource_id::{canonical, ids_match, last_name};
use crate::value::{Kind, Value};

/// Built-in roles that include the subnet join and route table write actions.
const NETWORK_ROLES: &[&str] = &[
    "4d97b98b-1d4f-4787-a291-c67834d212e7", // Network Contributor
    "b24988ac-6180-42a0-ab88-20f7382dd24c", // Contributor
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", // Owner
];

/// Built-in roles known to grant neither the subnet join nor route table
/// writes (checked against public role listings). Any other role that the
/// templates do not define is unknown: it may be a custom role with those
/// rights.
const OTHER_BUILT_IN_ROLES: &[&str] = &[
    "acdd72a7-3385-48ef-bd42-f606fba81ae7", // Reader
    "7f951dda-4ed3-4680-a7ca-43fe172d538d", // AcrPull
    "f1a07417-d97a-45cb-824c-7a7467783830", // Managed Identity Operator
    "3913510d-42f4-4e42-8a64-420c390055eb", // Monitoring Metrics Publisher
    "43d0d8ad-25c7-4714-9337-8ba259a9fe05", // Monitoring Reader
    "b12aa53e-6015-4669-85d0-8515ebb3ae7f", // Private DNS Zone Contributor
    "befefa01-2a29-4197-83a8-272ff33ce314", // DNS Zone Contributor
    "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b", // Azure Kubernetes Service RBAC Cluster Admin
    "7f6c6a51-bcf8-42ba-9220-52d62157d7db", // Azure Kubernetes Service RBAC Reader
    "4abbcc35-e782-43d8-92c5-2d3f1bd2253f", // Azure Kubernetes Service Cluster User Role
    "4633458b-17de-408a-b874-0445c86b69e6", // Key Vault Secrets User
    "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba", // Key Vault Certificate User
    "a4417e6f-fecd-4de8-b567-7b0420556985", // Key Vault Certificates Officer
    "21090545-7ca7-4776-b22c-e363652d74d2", // Key Vault Reader
    "f25e0fa2-a7c8-4377-a976-54943a77a395", // Key Vault Contributor
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
pub(crate) fn principal_identity(v: &Value) -> Result<Option<String>, ()> {
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
    if OTHER_BUILT_IN_ROLES.contains(&guid.as_str()) {
        return Ok(Grants {
            subnet: false,
            route_table: false,
        });
    }
    // A role defined outside the templates: what it grants is not known.
    Err(())
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
    /// The principal and scope on their own: an assignment whose role is not
    /// known matters only to the identities and places it may reach.
    principal: Result<Option<String>, ()>,
    scope: Option<String>,
}

impl Assignment<'_> {
    /// Whether the assignment is not fully known and may give one of
    /// `identities` rights at one of `targets` (so no gap can be told).
    pub(crate) fn may_matter(&self, identities: &[String], targets: &[&str]) -> bool {
        if self.known.is_ok() {
            return false;
        }
        let principal = match &self.principal {
            Ok(Some(p)) => identities.iter().any(|i| i == p),
            Ok(None) => false,
            Err(()) => true,
        };
        let scope = match &self.scope {
            Some(s) => targets.iter().any(|t| covers(s, t)),
            None => true,
        };
        principal && scope
    }

    /// Whether the assignment surely lets its principal join subnets
    /// (`route_table` false) or write routes (`route_table` true) at `target`:
    /// the role grants it, at `target` or a scope above it. Read by
    /// missing-network-role and role-assignment-order.
    pub(crate) fn grants_at(&self, target: &str, route_table: bool) -> bool {
        let Ok((_, grants, scope)) = &self.known else {
            return false;
        };
        let grants = if route_table {
            grants.route_table
        } else {
            grants.subnet
        };
        grants && covers(scope, target)
    }
}

pub(crate) fn assignments<'a>(
    all: &[&'a RoleAssignmentFact],
    custom: &[(Value, Vec<Value>)],
) -> Vec<Assignment<'a>> {
    all.iter()
        .map(|ra| {
            let principal = principal_identity(&ra.principal_id);
            let scope = ra.scope.as_str().map(canonical);
            let known = (|| {
                let grants = grants_network(&ra.role_definition_id, custom)?;
                Ok((principal.clone()?, grants, scope.clone().ok_or(())?))
            })();
            Assignment {
                fact: ra,
                known,
                principal,
                scope,
            }
        })
        .collect()
}

/// The cluster's user-assigned control-plane identities (canonical ids).
pub(crate) fn cluster_identities(c: &ClusterFact) -> Vec<String> {
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
/// none is set), `servicePrincipal`, or Unknown. Read by
/// byo-route-table-identity and missing-network-role (`controlPlaneIdentity`).
pub(crate) fn control_plane_identity(c: &ClusterFact) -> Value {
    let identity = c.identity.as_ref();
    let origin = identity
        .and_then(|i| i.get("type"))
        .and_then(|t| t.origin)
        .or(identity.and_then(|i| i.origin))
        .or(Some(c.origin.loc));
    // An unknown identity block is an unknown identity, not none.
    let declared = match crate::model::derive::field(identity, "type") {
        Ok(t) => t,
        Err(r) => return Value::unknown(r).with_origin(origin),
    };
    let kind = match declared.map(|t| &t.kind) {
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

pub(crate) const ROLE_ASSIGNMENTS: &str = "Microsoft.Authorization/roleAssignments";

/// What a cluster should depend on: its id and name when known, and its type.
pub(crate) struct DependencyTarget<'t> {
    pub id: Option<&'t str>,
    pub name: &'t Value,
    pub resource_type: &'t str,
}

/// Whether the cluster, deployed in the same template and scenario as
/// `target`, surely does not list it in `dependsOn` (no entry is unknown or a
/// nested deployment that could order it). A target whose id is unknown (a
/// `guid()` name of deployment values) can still be told apart from entries
/// that are ids of another type. Read by role-assignment-order and
/// route-table-association-order.
pub(crate) fn missing_dependency(
    c: &ClusterFact,
    target_origin: &Origin,
    target: &DependencyTarget,
) -> bool {
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
        // A listed built-in role grants nothing; any other role the
        // templates do not define is unknown.
        let reader = Value::str(
            "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7",
        );
        assert_eq!(grants_network(&reader, &[]), Ok(none));
        let elsewhere = Value::str(
            "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/8f3b1c2e-5d4a-4b6c-9e7f-0a1b2c3d4e5f",
        );
        assert_eq!(grants_network(&elsewhere, &[]), Err(()));
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
