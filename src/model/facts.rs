//! Extracts the networking facts of one evaluated deployment: clusters and
//! their pools, VNets, subnets, route tables, NSGs, identities and role
//! assignments. Values stay `Value`s so their origins (spans) survive.

use std::collections::{HashMap, HashSet};

use crate::arm::template::{Deployment, Resource};
use crate::resource_id::{self, canonical};
use crate::source::{FileId, Loc};
use crate::value::{Kind, Value};

/// Where a fact was declared.
#[derive(Clone, Copy, Debug)]
pub struct Origin {
    pub file: FileId,
    pub parameters_file: Option<FileId>,
    /// Where the parameter file's values start (for "found with" locations).
    pub parameters_loc: Option<Loc>,
    pub loc: Loc,
    pub conditional: bool,
}

#[derive(Debug)]
pub struct ClusterFact {
    pub origin: Origin,
    /// The resource's first line, where it names its type: the `type` value in
    /// ARM, the `resource x '…'` line in Bicep (findings about the whole cluster).
    pub head: Loc,
    /// `sku` (AKS Automatic is `sku.name: 'Automatic'`).
    pub sku: Option<Value>,
    /// Canonical id, when the name is known.
    pub id: Option<String>,
    pub name: Value,
    pub network: Option<Value>,
    pub identity: Option<Value>,
    pub addons: Option<Value>,
    pub pools: Vec<PoolFact>,
    /// Where `agentPoolProfiles` is written.
    pub pools_origin: Option<Loc>,
    pub api_version: Option<Value>,
    /// `servicePrincipalProfile.clientId`.
    pub service_principal: Option<Value>,
    /// The evaluated `dependsOn` entries.
    pub depends_on: Vec<Value>,
    /// What the cluster waits for: `dependsOn` and, transitively, what those
    /// resources of the same deployment wait for.
    pub waits_for: Vec<Value>,
}

#[derive(Debug)]
pub struct PoolFact {
    /// The pool object (inline profile) or the agentPool's `properties`.
    pub props: Value,
    pub name: Value,
    pub loc: Option<Loc>,
    /// `agentPoolProfiles` entry (true) or a separate agentPools resource (false).
    pub inline: bool,
}

/// A pool declared as its own resource, attached to its cluster when linking.
#[derive(Debug)]
pub struct ChildPoolFact {
    pub cluster_id: Option<String>,
    pub pool: PoolFact,
}

#[derive(Debug)]
pub struct SubnetFact {
    pub origin: Origin,
    pub id: Option<String>,
    pub name: Value,
    pub vnet_id: Option<String>,
    /// The subnet's `properties` object.
    pub props: Value,
}

#[derive(Debug)]
pub struct VnetFact {
    pub origin: Origin,
    pub id: Option<String>,
    pub name: Value,
    pub address_prefixes: Option<Value>,
    pub peerings: Vec<Value>,
}

#[derive(Debug)]
pub struct RouteTableFact {
    pub origin: Origin,
    pub id: Option<String>,
    pub name: Value,
    pub routes: Vec<Value>,
    pub disable_bgp: Option<Value>,
}

/// A route declared as its own resource.
#[derive(Debug)]
pub struct ChildFact {
    pub parent_id: Option<String>,
    pub item: Value,
}

#[derive(Debug)]
pub struct NsgFact {
    pub origin: Origin,
    pub id: Option<String>,
    pub name: Value,
    pub rules: Vec<Value>,
}

#[derive(Debug)]
pub struct IdentityFact {
    pub origin: Origin,
    pub id: Option<String>,
    pub name: Value,
}

#[derive(Debug)]
pub struct RoleAssignmentFact {
    pub origin: Origin,
    pub id: Option<String>,
    pub name: Value,
    /// Canonical id of the scope (the deployment's resource group when absent).
    pub scope: Value,
    pub role_definition_id: Value,
    pub principal_id: Value,
    pub principal_type: Value,
}

/// Facts of one deployment.
#[derive(Debug, Default)]
pub struct Facts {
    pub clusters: Vec<ClusterFact>,
    pub child_pools: Vec<ChildPoolFact>,
    pub vnets: Vec<VnetFact>,
    pub subnets: Vec<SubnetFact>,
    pub route_tables: Vec<RouteTableFact>,
    pub child_routes: Vec<ChildFact>,
    pub nsgs: Vec<NsgFact>,
    pub child_rules: Vec<ChildFact>,
    /// `virtualNetworks/virtualNetworkPeerings` resources.
    pub child_peerings: Vec<ChildFact>,
    pub identities: Vec<IdentityFact>,
    pub role_assignments: Vec<RoleAssignmentFact>,
    /// VPN / ExpressRoute gateways, local network gateways, ExpressRoute circuits.
    pub gateways: Vec<GatewayFact>,
    /// Custom role definitions: the role's GUID (its name) and its actions.
    pub role_definitions: Vec<(Value, Vec<Value>)>,
    pub application_gateways: Vec<ApplicationGatewayFact>,
}

impl Facts {
    /// How many resources it holds, child resources included: what the
    /// run-wide resource budget counts.
    pub fn resource_count(&self) -> usize {
        self.clusters.len()
            + self.child_pools.len()
            + self.vnets.len()
            + self.subnets.len()
            + self.route_tables.len()
            + self.child_routes.len()
            + self.nsgs.len()
            + self.child_rules.len()
            + self.child_peerings.len()
            + self.identities.len()
            + self.role_assignments.len()
            + self.gateways.len()
            + self.role_definitions.len()
            + self.application_gateways.len()
    }
}

/// Something that connects the network to on-premises ranges.
#[derive(Debug)]
pub struct GatewayFact {
    pub origin: Origin,
    pub id: Option<String>,
    pub name: Value,
    pub resource_type: String,
    /// The VNet a VPN / ExpressRoute gateway sits in (its `GatewaySubnet`'s parent).
    pub vnet_id: Option<String>,
}

/// An Application Gateway and the subnets it sits in.
#[derive(Debug)]
pub struct ApplicationGatewayFact {
    pub origin: Origin,
    pub id: Option<String>,
    pub name: Value,
    /// Each gateway IP configuration's `properties.subnet.id`, as written.
    pub subnets: Vec<Value>,
}

/// Resource types that connect a network to on-premises.
const GATEWAY_TYPES: &[&str] = &[
    "Microsoft.Network/virtualNetworkGateways",
    "Microsoft.Network/localNetworkGateways",
    "Microsoft.Network/expressRouteCircuits",
    "Microsoft.Network/expressRouteGateways",
    "Microsoft.Network/vpnGateways",
];

fn props(res: &Resource) -> Value {
    res.body
        .get("properties")
        .cloned()
        .unwrap_or_else(|| Value::null().with_origin(Some(res.loc)))
}

fn items(v: Option<&Value>) -> Vec<Value> {
    v.and_then(Value::as_array)
        .map(<[Value]>::to_vec)
        .unwrap_or_default()
}

/// Canonical id from a value holding an id string (e.g. `routeTable.id`).
pub fn id_of(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(canonical)
}

fn type_is(res: &Resource, t: &str) -> bool {
    res.resource_type.eq_ignore_ascii_case(t)
}

pub fn extract(dep: &Deployment) -> Facts {
    let mut f = extract_resources(dep);
    let graph = DependencyGraph::new(dep);
    for c in &mut f.clusters {
        c.waits_for = graph.closure(&c.depends_on);
    }
    f
}

/// `dependsOn` of every resource of one deployment, by canonical id and by
/// lower-case name (languageVersion 2.0 and Bicep entries may be symbolic).
struct DependencyGraph<'d> {
    by_key: HashMap<String, &'d [Value]>,
}

impl<'d> DependencyGraph<'d> {
    fn new(dep: &'d Deployment) -> DependencyGraph<'d> {
        let mut by_key = HashMap::new();
        for res in &dep.resources {
            let Some(list) = res.body.get("dependsOn").and_then(Value::as_array) else {
                continue;
            };
            if list.is_empty() {
                continue;
            }
            if let Some(id) = res.id.as_deref() {
                by_key.entry(canonical(id)).or_insert(list);
            }
            if let Some(name) = res.name.as_str() {
                by_key
                    .entry(resource_id::last_name(name).to_ascii_lowercase())
                    .or_insert(list);
            }
        }
        DependencyGraph { by_key }
    }

    /// `deps` and everything they wait for, each once, in order found.
    fn closure(&self, deps: &[Value]) -> Vec<Value> {
        let mut out: Vec<Value> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut queue: std::collections::VecDeque<&Value> = deps.iter().collect();
        while let Some(d) = queue.pop_front() {
            let Some(text) = d.as_str() else {
                out.push(d.clone());
                continue;
            };
            let key = text.trim().to_ascii_lowercase();
            if !seen.insert(key.clone()) {
                continue;
            }
            out.push(d.clone());
            let lookup = if key.starts_with('/') {
                canonical(&key)
            } else {
                resource_id::last_name(&key).to_string()
            };
            if let Some(more) = self.by_key.get(&lookup) {
                queue.extend(more.iter());
            }
        }
        out
    }
}

fn extract_resources(dep: &Deployment) -> Facts {
    let mut f = Facts::default();
    let prefix = resource_id::scope_prefix(dep.scope.level, None, None);
    for res in &dep.resources {
        let origin = Origin {
            file: dep.file,
            parameters_file: dep.parameters_file,
            parameters_loc: dep.parameters_loc,
            loc: res.loc,
            conditional: res.conditional,
        };
        let id = res.id.as_deref().map(canonical);
        let name = res.name.clone();
        let t = res.resource_type.as_str();
        if type_is(res, "Microsoft.ContainerService/managedClusters") {
            let p = props(res);
            let pools = items(p.get("agentPoolProfiles"))
                .into_iter()
                .map(|pool| PoolFact {
                    name: pool
                        .get("name")
                        .cloned()
                        .unwrap_or_else(|| Value::unknown("pool has no name")),
                    loc: pool.origin,
                    props: pool,
                    inline: true,
                })
                .collect();
            f.clusters.push(ClusterFact {
                origin,
                head: res
                    .body
                    .get("type")
                    .and_then(|t| t.origin)
                    .unwrap_or(res.loc),
                sku: res.body.get("sku").cloned(),
                id,
                name,
                // Unknown properties leave every setting unknown, not unset.
                network: if p.is_unknown() {
                    Some(p.clone())
                } else {
                    p.get("networkProfile").cloned()
                },
                identity: res.body.get("identity").cloned(),
                addons: p.get("addonProfiles").cloned(),
                pools_origin: p.get("agentPoolProfiles").and_then(|v| v.origin),
                pools,
                api_version: res.body.get("apiVersion").cloned(),
                service_principal: p
                    .get_path(&["servicePrincipalProfile", "clientId"])
                    .cloned(),
                depends_on: items(res.body.get("dependsOn")),
                waits_for: Vec::new(),
            });
        } else if type_is(res, "Microsoft.ContainerService/managedClusters/agentPools") {
            let short = res
                .name
                .as_str()
                .map(|n| Value::str(resource_id::last_name(n)).located_as(&res.name))
                .unwrap_or_else(|| res.name.clone());
            f.child_pools.push(ChildPoolFact {
                cluster_id: id
                    .as_deref()
                    .and_then(resource_id::parent)
                    .map(str::to_string),
                pool: PoolFact {
                    props: props(res),
                    name: short,
                    loc: Some(res.loc),
                    inline: false,
                },
            });
        } else if type_is(res, "Microsoft.Network/virtualNetworks") {
            let p = props(res);
            for sn in items(p.get("subnets")) {
                let sn_name = sn
                    .get("name")
                    .cloned()
                    .unwrap_or_else(|| Value::unknown("subnet has no name"));
                // Under the VNet's own id: a VNet deployed by a nested deployment
                // or module lives in that deployment's scope, not the root's.
                let sn_id = match (id.as_deref(), sn_name.as_str()) {
                    (Some(v), Some(s)) => Some(canonical(&format!("{v}/subnets/{s}"))),
                    _ => None,
                };
                f.subnets.push(SubnetFact {
                    origin: Origin {
                        loc: sn.origin.unwrap_or(res.loc),
                        ..origin
                    },
                    id: sn_id,
                    name: sn_name,
                    vnet_id: id.clone(),
                    props: sn.get("properties").cloned().unwrap_or_else(Value::null),
                });
            }
            f.vnets.push(VnetFact {
                origin,
                id,
                name,
                address_prefixes: p.get_path(&["addressSpace", "addressPrefixes"]).cloned(),
                peerings: items(p.get("virtualNetworkPeerings")),
            });
        } else if type_is(res, "Microsoft.Network/virtualNetworks/subnets") {
            let short = res
                .name
                .as_str()
                .map(|n| Value::str(resource_id::last_name(n)).located_as(&res.name))
                .unwrap_or_else(|| res.name.clone());
            f.subnets.push(SubnetFact {
                origin,
                vnet_id: id
                    .as_deref()
                    .and_then(resource_id::parent)
                    .map(str::to_string),
                id,
                name: short,
                props: props(res),
            });
        } else if type_is(res, "Microsoft.Network/routeTables") {
            let p = props(res);
            f.route_tables.push(RouteTableFact {
                origin,
                id,
                name,
                routes: items(p.get("routes")),
                disable_bgp: p.get("disableBgpRoutePropagation").cloned(),
            });
        } else if type_is(res, "Microsoft.Network/routeTables/routes") {
            f.child_routes.push(ChildFact {
                parent_id: id
                    .as_deref()
                    .and_then(resource_id::parent)
                    .map(str::to_string),
                item: child_item(res),
            });
        } else if type_is(
            res,
            "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
        ) {
            f.child_peerings.push(ChildFact {
                parent_id: id
                    .as_deref()
                    .and_then(resource_id::parent)
                    .map(str::to_string),
                item: child_item(res),
            });
        } else if type_is(res, "Microsoft.Network/networkSecurityGroups") {
            let p = props(res);
            f.nsgs.push(NsgFact {
                origin,
                id,
                name,
                rules: items(p.get("securityRules")),
            });
        } else if type_is(res, "Microsoft.Network/networkSecurityGroups/securityRules") {
            f.child_rules.push(ChildFact {
                parent_id: id
                    .as_deref()
                    .and_then(resource_id::parent)
                    .map(str::to_string),
                item: child_item(res),
            });
        } else if GATEWAY_TYPES.iter().any(|g| type_is(res, g)) {
            let vnet_id = items(props(res).get("ipConfigurations"))
                .iter()
                .find_map(|c| id_of(c.get_path(&["properties", "subnet", "id"])))
                .and_then(|s| resource_id::parent(&s).map(str::to_string));
            f.gateways.push(GatewayFact {
                origin,
                id,
                name,
                resource_type: res.resource_type.clone(),
                vnet_id,
            });
        } else if type_is(res, "Microsoft.Network/applicationGateways") {
            let p = props(res);
            let subnets = match known_at(&p, &["gatewayIPConfigurations"]) {
                Some(configs) if configs.as_array().is_some() => items(Some(&configs))
                    .iter()
                    .filter_map(|c| known_at(c, &["properties", "subnet", "id"]))
                    .collect(),
                // Configurations not known: nor are their subnets.
                Some(unknown) if unknown.is_unknown() => vec![unknown],
                _ => Vec::new(),
            };
            f.application_gateways.push(ApplicationGatewayFact {
                origin,
                id,
                name,
                subnets,
            });
        } else if type_is(res, "Microsoft.ManagedIdentity/userAssignedIdentities") {
            f.identities.push(IdentityFact { origin, id, name });
        } else if type_is(res, "Microsoft.Authorization/roleDefinitions") {
            let p = props(res);
            let actions = items(p.get("permissions"))
                .iter()
                .flat_map(|perm| items(perm.get("actions")))
                .collect();
            f.role_definitions.push((res.name.clone(), actions));
        } else if t.to_ascii_lowercase().ends_with("roleassignments") {
            let p = props(res);
            let scope = role_assignment_scope(res, &prefix);
            f.role_assignments.push(RoleAssignmentFact {
                origin,
                id,
                name,
                scope,
                role_definition_id: p
                    .get("roleDefinitionId")
                    .cloned()
                    .unwrap_or_else(Value::null),
                principal_id: p.get("principalId").cloned().unwrap_or_else(Value::null),
                principal_type: p.get("principalType").cloned().unwrap_or_else(Value::null),
            });
        }
    }
    f
}

/// The value at `path`, or the unknown value met on the way there.
fn known_at(v: &Value, path: &[&str]) -> Option<Value> {
    let mut cur = v;
    for key in path {
        if cur.is_unknown() {
            break;
        }
        cur = cur.get(key)?;
    }
    Some(cur.clone())
}

/// A child resource (route, security rule) in the shape of an inline item.
fn child_item(res: &Resource) -> Value {
    let mut obj = crate::value::Object::new();
    let short = res
        .name
        .as_str()
        .map(|n| Value::str(resource_id::last_name(n)).located_as(&res.name))
        .unwrap_or_else(|| res.name.clone());
    obj.insert("name".into(), short);
    obj.insert("properties".into(), props(res));
    Value::new(Kind::Object(obj), Some(res.loc))
}

/// Scope of a role assignment: its `scope` property, the resource an old-style
/// `…/providers/roleAssignments` type extends, or the deployment's scope.
fn role_assignment_scope(res: &Resource, prefix: &str) -> Value {
    if let Some(scope) = res.body.get("scope") {
        return match scope.as_str() {
            Some(s) => Value::str(canonical(&resource_id::resolve_scope(prefix, s)))
                .with_origin(scope.origin),
            None => scope.clone(),
        };
    }
    if let Some(id) = res.id.as_deref() {
        let lower = id.to_ascii_lowercase();
        if let Some(at) = lower.rfind("/providers/microsoft.authorization/roleassignments/")
            && let Some(base) = id.get(..at)
        {
            return Value::str(canonical(base)).with_origin(Some(res.loc));
        }
    }
    Value::str(canonical(prefix)).with_origin(Some(res.loc))
}

/// `addressPrefix` and `addressPrefixes` of a subnet, as one array.
pub fn address_prefixes(props: &Value) -> Option<Value> {
    // Azure uses `addressPrefix` when `addressPrefixes` is empty or null
    // (Azure Verified Modules write `addressPrefixes: []`).
    if let Some(list) = props.get("addressPrefixes")
        && !matches!(&list.kind, Kind::Null)
        && list
            .as_array()
            .is_none_or(|a| !a.is_empty() || props.get("addressPrefix").is_none())
    {
        return Some(list.clone());
    }
    props
        .get("addressPrefix")
        .map(|p| Value::new(Kind::Array(vec![p.clone()]), p.origin))
}
