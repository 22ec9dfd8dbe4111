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
    /// Read from an export of deployed resources (`--context`), not a template.
    pub deployed: bool,
}

#[derive(Clone, Debug)]
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
    /// `podIdentityProfile` (unknown when the properties are).
    pub pod_identity: Option<Value>,
    pub pools: Vec<PoolFact>,
    /// Where `agentPoolProfiles` is written.
    pub pools_origin: Option<Loc>,
    pub api_version: Option<Value>,
    /// `kubernetesVersion` (unknown when the properties are): AKS picks an
    /// unset plugin by it.
    pub kubernetes_version: Option<Value>,
    /// `servicePrincipalProfile.clientId`.
    pub service_principal: Option<Value>,
    /// The evaluated `dependsOn` entries.
    pub depends_on: Vec<Value>,
    /// What the cluster waits for: `dependsOn` and, transitively, what those
    /// resources of the same deployment wait for.
    pub waits_for: Vec<Value>,
}

#[derive(Clone, Debug)]
pub struct PoolFact {
    /// The pool object (inline profile) or the agentPool's `properties`.
    pub props: Value,
    pub name: Value,
    pub loc: Option<Loc>,
    /// `agentPoolProfiles` entry (true) or a separate agentPools resource (false).
    pub inline: bool,
}

/// A pool declared as its own resource, attached to its cluster when linking.
#[derive(Clone, Debug)]
pub struct ChildPoolFact {
    pub cluster_id: Option<String>,
    pub pool: PoolFact,
}

#[derive(Clone, Debug)]
pub struct SubnetFact {
    pub origin: Origin,
    pub id: Option<String>,
    pub name: Value,
    pub vnet_id: Option<String>,
    /// The subnet's `properties` object.
    pub props: Value,
}

#[derive(Clone, Debug)]
pub struct VnetFact {
    pub origin: Origin,
    pub id: Option<String>,
    pub name: Value,
    pub address_prefixes: Option<Value>,
    pub peerings: Vec<Value>,
}

#[derive(Clone, Debug)]
pub struct RouteTableFact {
    pub origin: Origin,
    pub id: Option<String>,
    pub name: Value,
    pub routes: Vec<Value>,
    pub disable_bgp: Option<Value>,
}

/// A route declared as its own resource.
#[derive(Clone, Debug)]
pub struct ChildFact {
    pub parent_id: Option<String>,
    pub item: Value,
}

#[derive(Clone, Debug)]
pub struct NsgFact {
    pub origin: Origin,
    pub id: Option<String>,
    pub name: Value,
    pub rules: Vec<Value>,
}

#[derive(Clone, Debug)]
pub struct IdentityFact {
    pub origin: Origin,
    pub id: Option<String>,
    pub name: Value,
}

#[derive(Clone, Debug)]
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
#[derive(Clone, Debug, Default)]
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
#[derive(Clone, Debug)]
pub struct GatewayFact {
    pub origin: Origin,
    pub id: Option<String>,
    pub name: Value,
    pub resource_type: String,
    /// The VNet a VPN / ExpressRoute gateway sits in (its `GatewaySubnet`'s parent).
    pub vnet_id: Option<String>,
}

/// An Application Gateway and the subnets it sits in.
#[derive(Clone, Debug)]
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

/// The elements of list `key` of `parent`, where an unknown list (or an
/// unknown parent) is one unknown element: it may hold anything, so it must
/// not read as empty (no route, no rule, no permission).
fn entries(parent: &Value, key: &str) -> Vec<Value> {
    if parent.is_unknown() {
        return vec![parent.clone()];
    }
    match parent.get(key) {
        Some(v) if v.is_unknown() => vec![v.clone()],
        v => items(v),
    }
}

fn items(v: Option<&Value>) -> Vec<Value> {
    v.and_then(Value::as_array)
        .map(<[Value]>::to_vec)
        .unwrap_or_default()
}

/// Canonical id from a value holding an id string (e.g. `routeTable.id`).
/// The canonical id a reference names; none for an empty string (ARM
/// templates write `''` for "no subnet", "no route table").
pub fn id_of(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(canonical)
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
    let prefix = resource_id::scope_prefix(
        dep.scope.level,
        dep.scope.subscription_id.as_deref(),
        dep.scope.resource_group.as_deref(),
    );
    for res in &dep.resources {
        push_resource(&mut f, Declared::new(dep, res), &prefix);
    }
    f
}

/// What every fact of one resource shares, so the extractor of each kind
/// takes one argument.
struct Declared<'r> {
    res: &'r Resource,
    origin: Origin,
    /// Canonical id, when the name is known.
    id: Option<String>,
    name: Value,
}

impl<'r> Declared<'r> {
    fn new(dep: &Deployment, res: &'r Resource) -> Declared<'r> {
        Declared {
            res,
            origin: Origin {
                file: dep.file,
                parameters_file: dep.parameters_file,
                parameters_loc: dep.parameters_loc,
                loc: res.loc,
                conditional: res.conditional,
                deployed: false,
            },
            id: res.id.as_deref().map(canonical),
            name: res.name.clone(),
        }
    }

    /// The parent's canonical id, for a child resource (`…/subnets/x`).
    fn parent_id(&self) -> Option<String> {
        self.id
            .as_deref()
            .and_then(resource_id::parent)
            .map(str::to_string)
    }
}

/// Files one resource under its kind; other types hold no networking fact.
/// The first matching kind wins, so the order of the tests matters.
fn push_resource(f: &mut Facts, r: Declared, prefix: &str) {
    let res = r.res;
    if type_is(res, "Microsoft.ContainerService/managedClusters") {
        f.clusters.push(cluster(r));
    } else if type_is(res, "Microsoft.ContainerService/managedClusters/agentPools") {
        f.child_pools.push(child_pool(r));
    } else if type_is(res, "Microsoft.Network/virtualNetworks") {
        f.subnets.extend(inline_subnets(&r));
        f.vnets.push(vnet(r));
    } else if type_is(res, "Microsoft.Network/virtualNetworks/subnets") {
        f.subnets.push(child_subnet(r));
    } else if type_is(res, "Microsoft.Network/routeTables") {
        f.route_tables.push(route_table(r));
    } else if type_is(res, "Microsoft.Network/routeTables/routes") {
        f.child_routes.push(child(&r));
    } else if type_is(
        res,
        "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
    ) {
        f.child_peerings.push(child(&r));
    } else if type_is(res, "Microsoft.Network/networkSecurityGroups") {
        f.nsgs.push(nsg(r));
    } else if type_is(res, "Microsoft.Network/networkSecurityGroups/securityRules") {
        f.child_rules.push(child(&r));
    } else if GATEWAY_TYPES.iter().any(|g| type_is(res, g)) {
        f.gateways.push(gateway(r));
    } else if type_is(res, "Microsoft.Network/applicationGateways") {
        f.application_gateways.push(application_gateway(r));
    } else if type_is(res, "Microsoft.ManagedIdentity/userAssignedIdentities") {
        f.identities.push(identity(r));
    } else if type_is(res, "Microsoft.Authorization/roleDefinitions") {
        f.role_definitions.push(role_definition(r));
    } else if res
        .resource_type
        .to_ascii_lowercase()
        .ends_with("roleassignments")
    {
        f.role_assignments.push(role_assignment(r, prefix));
    }
}

/// A cluster with its inline `agentPoolProfiles`.
fn cluster(r: Declared) -> ClusterFact {
    let res = r.res;
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
    ClusterFact {
        origin: r.origin,
        head: res
            .body
            .get("type")
            .and_then(|t| t.origin)
            .unwrap_or(res.loc),
        sku: res.body.get("sku").cloned(),
        id: r.id,
        name: r.name,
        // Unknown properties leave every setting unknown, not unset.
        network: if p.is_unknown() {
            Some(p.clone())
        } else {
            p.get("networkProfile").cloned()
        },
        identity: res.body.get("identity").cloned(),
        addons: p.get("addonProfiles").cloned(),
        pod_identity: if p.is_unknown() {
            Some(p.clone())
        } else {
            p.get("podIdentityProfile").cloned()
        },
        pools_origin: p.get("agentPoolProfiles").and_then(|v| v.origin),
        pools,
        api_version: res.body.get("apiVersion").cloned(),
        kubernetes_version: if p.is_unknown() {
            Some(p.clone())
        } else {
            p.get("kubernetesVersion").cloned()
        },
        // An unknown profile (or properties) is an unknown client id.
        service_principal: match crate::model::derive::field(Some(&p), "servicePrincipalProfile") {
            Err(_) => Some(p.clone()),
            Ok(Some(sp)) if sp.is_unknown() => Some(sp.clone()),
            Ok(sp) => sp.and_then(|sp| sp.get("clientId")).cloned(),
        },
        depends_on: items(res.body.get("dependsOn")),
        waits_for: Vec::new(),
    }
}

/// An `agentPools` resource, attached to its cluster when linking.
fn child_pool(r: Declared) -> ChildPoolFact {
    ChildPoolFact {
        cluster_id: r.parent_id(),
        pool: PoolFact {
            props: props(r.res),
            name: short_name(r.res),
            loc: Some(r.res.loc),
            inline: false,
        },
    }
}

/// The subnets a VNet declares inline.
fn inline_subnets(r: &Declared) -> Vec<SubnetFact> {
    let mut out = Vec::new();
    for sn in items(props(r.res).get("subnets")) {
        let sn_name = sn
            .get("name")
            .cloned()
            .unwrap_or_else(|| Value::unknown("subnet has no name"));
        // Under the VNet's own id: a VNet deployed by a nested deployment
        // or module lives in that deployment's scope, not the root's.
        let sn_id = match (r.id.as_deref(), sn_name.as_str()) {
            (Some(v), Some(s)) => Some(canonical(&format!("{v}/subnets/{s}"))),
            _ => None,
        };
        out.push(SubnetFact {
            origin: Origin {
                loc: sn.origin.unwrap_or(r.res.loc),
                ..r.origin
            },
            id: sn_id,
            name: sn_name,
            vnet_id: r.id.clone(),
            props: sn.get("properties").cloned().unwrap_or_else(Value::null),
        });
    }
    out
}

/// A VNet itself: its address space and inline peerings.
fn vnet(r: Declared) -> VnetFact {
    let p = props(r.res);
    VnetFact {
        origin: r.origin,
        id: r.id,
        name: r.name,
        address_prefixes: p.get_path(&["addressSpace", "addressPrefixes"]).cloned(),
        peerings: items(p.get("virtualNetworkPeerings")),
    }
}

/// A `virtualNetworks/subnets` resource.
fn child_subnet(r: Declared) -> SubnetFact {
    SubnetFact {
        origin: r.origin,
        vnet_id: r.parent_id(),
        name: short_name(r.res),
        props: props(r.res),
        id: r.id,
    }
}

/// A route table with its inline routes.
fn route_table(r: Declared) -> RouteTableFact {
    let p = props(r.res);
    RouteTableFact {
        origin: r.origin,
        id: r.id,
        name: r.name,
        routes: entries(&p, "routes"),
        disable_bgp: p.get("disableBgpRoutePropagation").cloned(),
    }
}

/// A route, peering or security rule declared as its own resource.
fn child(r: &Declared) -> ChildFact {
    ChildFact {
        parent_id: r.parent_id(),
        item: child_item(r.res),
    }
}

/// An NSG with its inline security rules.
fn nsg(r: Declared) -> NsgFact {
    NsgFact {
        origin: r.origin,
        id: r.id,
        name: r.name,
        rules: entries(&props(r.res), "securityRules"),
    }
}

/// A gateway to on-premises, and the VNet its first IP configuration's subnet is in.
fn gateway(r: Declared) -> GatewayFact {
    let vnet_id = items(props(r.res).get("ipConfigurations"))
        .iter()
        .find_map(|c| id_of(c.get_path(&["properties", "subnet", "id"])))
        .and_then(|s| resource_id::parent(&s).map(str::to_string));
    GatewayFact {
        origin: r.origin,
        id: r.id,
        name: r.name,
        resource_type: r.res.resource_type.clone(),
        vnet_id,
    }
}

/// An Application Gateway and the subnets its gateway IP configurations name.
fn application_gateway(r: Declared) -> ApplicationGatewayFact {
    let p = props(r.res);
    let subnets = match known_at(&p, &["gatewayIPConfigurations"]) {
        Some(configs) if configs.as_array().is_some() => items(Some(&configs))
            .iter()
            .filter_map(|c| known_at(c, &["properties", "subnet", "id"]))
            .collect(),
        // Configurations not known: nor are their subnets.
        Some(unknown) if unknown.is_unknown() => vec![unknown],
        _ => Vec::new(),
    };
    ApplicationGatewayFact {
        origin: r.origin,
        id: r.id,
        name: r.name,
        subnets,
    }
}

/// A user-assigned identity.
fn identity(r: Declared) -> IdentityFact {
    IdentityFact {
        origin: r.origin,
        id: r.id,
        name: r.name,
    }
}

/// A custom role definition: its GUID (name) and the actions of all its permissions.
fn role_definition(r: Declared) -> (Value, Vec<Value>) {
    let actions = entries(&props(r.res), "permissions")
        .iter()
        .flat_map(|perm| entries(perm, "actions"))
        .collect();
    (r.name, actions)
}

/// A role assignment, with its scope resolved against the deployment's `prefix`.
fn role_assignment(r: Declared, prefix: &str) -> RoleAssignmentFact {
    let p = props(r.res);
    let field = |key: &str| p.get(key).cloned().unwrap_or_else(Value::null);
    RoleAssignmentFact {
        origin: r.origin,
        id: r.id,
        name: r.name,
        scope: role_assignment_scope(r.res, prefix),
        role_definition_id: field("roleDefinitionId"),
        principal_id: field("principalId"),
        principal_type: field("principalType"),
    }
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
    obj.insert("name".into(), short_name(res));
    obj.insert("properties".into(), props(res));
    Value::new(Kind::Object(obj), Some(res.loc))
}

/// A child resource's own name, the last segment of `parent/child`.
fn short_name(res: &Resource) -> Value {
    res.name
        .as_str()
        .map(|n| Value::str(resource_id::last_name(n)).located_as(&res.name))
        .unwrap_or_else(|| res.name.clone())
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
