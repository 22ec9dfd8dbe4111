//! The JSON Schema (draft 2020-12) of the world document `tendon world`
//! prints, and its Markdown rendering for the README. Kept as Rust tables, one
//! field a line, rather than a `.json` file: the shared shapes (unknown
//! values, as-written values, common fields) are written once, and a field
//! added to the world is one line here. `tests/world_schema.rs` validates the
//! world of every fixture against it, so a drift fails the tests.

use serde_json::{Map, Value as J, json};

/// A field: name, whether every entity has it, type, one-line description.
type Field = (&'static str, bool, J, &'static str);

const REQ: bool = true;
const OPT: bool = false;

fn string() -> J {
    json!({"type": "string"})
}
fn integer() -> J {
    json!({"type": "integer"})
}
fn boolean() -> J {
    json!({"type": "boolean"})
}
fn array(items: J) -> J {
    json!({"type": "array", "items": items})
}
fn one_of(values: &[&str]) -> J {
    json!({"enum": values})
}
fn entity(name: &str) -> J {
    json!({"$ref": format!("#/$defs/{name}")})
}
/// A value tendon evaluated but may not know.
fn unknown_or(t: J) -> J {
    json!({"anyOf": [t, {"$ref": "#/$defs/unknown"}]})
}
/// Absent as a value (`null`).
fn or_null(t: J) -> J {
    json!({"anyOf": [t, {"type": "null"}]})
}
/// A template value as written: the expected type, `null`, or unknown.
fn written(t: J) -> J {
    json!({"anyOf": [t, {"type": "null"}, {"$ref": "#/$defs/unknown"}]})
}
/// A JSON Pointer into the world document (`/clusters/0/pools/1`).
fn pointer() -> J {
    json!({"type": "string", "format": "json-pointer", "pattern": "^/"})
}
/// Any JSON object, as written in the template.
fn open_object() -> J {
    json!({"type": "object"})
}

/// The fields every declared resource has.
#[rustfmt::skip]
fn common() -> Vec<Field> {
    vec![
        ("id", REQ, or_null(string()), "canonical resource id, lower-case (null when its name is unknown)"),
        ("name", REQ, unknown_or(string()), "the resource's name as evaluated"),
        ("file", REQ, string(), "the template that declares it"),
        ("scenario", REQ, or_null(string()), "the parameter file of this run, or null"),
        ("conditional", REQ, boolean(), "its `condition` (or copy count) could not be evaluated: it may not be deployed"),
        ("deployed", REQ, boolean(), "read from an export of deployed resources (`--context`); `file` is that export"),
    ]
}

fn with_common(fields: Vec<Field>) -> Vec<Field> {
    let mut all = common();
    all.extend(fields);
    all
}

/// The top-level arrays and objects, in the document's order.
#[rustfmt::skip]
fn document() -> Vec<Field> {
    vec![
        ("clusters", REQ, array(entity("cluster")), "AKS managed clusters"),
        ("subnets", REQ, array(entity("subnet")), "subnets, declared or only referenced by a pool"),
        ("vnets", REQ, array(entity("vnet")), "virtual networks"),
        ("routeTables", REQ, array(entity("routeTable")), "route tables"),
        ("nsgs", REQ, array(entity("nsg")), "network security groups"),
        ("identities", REQ, array(entity("identity")), "user-assigned managed identities"),
        ("roleAssignments", REQ, array(entity("roleAssignment")), "role assignments"),
        ("gateways", REQ, array(entity("gateway")), "VPN and ExpressRoute gateways, local network gateways, circuits"),
        ("applicationGateways", REQ, array(entity("applicationGateway")), "Application Gateways"),
        ("config", REQ, entity("config"), "the network ranges configured in tendon.toml"),
    ]
}

#[rustfmt::skip]
fn cluster() -> Vec<Field> {
    with_common(vec![
        ("apiVersion", OPT, unknown_or(string()), "the resource's API version"),
        ("effective", REQ, entity("clusterEffective"), "what AKS will use, defaults included"),
        ("network", REQ, entity("network"), "the network profile as written, enum values canonically spelled"),
        ("identity", REQ, entity("clusterIdentity"), "the cluster's managed identity"),
        ("addons", REQ, json!({"type": "object", "additionalProperties": entity("addon")}), "add-on profiles by name"),
        ("podIdentity", OPT, written(entity("podIdentity")), "`podIdentityProfile`, when written"),
        ("pools", REQ, array(entity("pool")), "node pools: inline `agentPoolProfiles` and `agentPools` resources"),
        ("extraReserved", REQ, array(entity("reservedRange")), "the ranges reserved in tendon.toml"),
        ("ownRanges", REQ, array(entity("range")), "its VNet or subnets, pod and service ranges"),
        ("ranges", REQ, array(entity("range")), "`ownRanges` plus peered VNets and configured on-premises ranges"),
        ("controlPlaneIdentity", REQ, unknown_or(one_of(&["userAssigned", "systemAssigned", "servicePrincipal", "none"])), "the kind of identity the control plane uses"),
        ("dependsOn", OPT, array(unknown_or(string())), "ids of the resources it waits for, as declared"),
        ("subnets", REQ, array(string()), "ids of its pools' subnets (→ `subnets[].id`), in pool order"),
        ("routeTables", REQ, array(string()), "ids of those subnets' route tables (→ `routeTables[].id`)"),
        ("subnetUses", REQ, array(unknown_or(entity("subnetUse"))), "its node subnets, each once in pool order, with their route tables (unknown for a pool whose subnet is not known)"),
        ("networkRights", OPT, entity("networkRights"), "the rights its user-assigned identity has on its subnets and route tables"),
        ("connectedGateways", REQ, array(pointer()), "the gateways connecting its network to on-premises (`/gateways/N`): in its VNet, a peered VNet or its template"),
    ])
}

#[rustfmt::skip]
fn cluster_effective() -> Vec<Field> {
    vec![
        ("plugin", REQ, unknown_or(string()), "effective network plugin: `kubenet`, `azure`, `none` (`azure` for AKS Automatic); when unset, AKS's default for `kubernetesVersion`: `kubenet` below 1.30, `azure` (overlay) from 1.30 or when the version is unset"),
        ("pluginDefault", REQ, unknown_or(boolean()), "the template leaves the plugin to AKS's default (not set, and not AKS Automatic)"),
        ("pluginNote", REQ, string(), "message text saying the plugin is AKS's default for the Kubernetes version, or empty"),
        ("pluginReason", REQ, string(), "what AKS picks when the plugin is not set, and why (empty when it is set)"),
        ("overlay", REQ, unknown_or(boolean()), "Azure CNI in overlay mode"),
        ("podCidr", OPT, unknown_or(string()), "pod range, AKS's default when unset (kubenet and overlay, and an unset plugin whichever default AKS picks)"),
        ("podCidrDefault", OPT, boolean(), "`podCidr` is AKS's default"),
        ("podCidrNote", OPT, string(), "message text saying it is the default, or empty"),
        ("serviceCidr", REQ, unknown_or(string()), "service range, AKS's default when unset"),
        ("serviceCidrDefault", REQ, boolean(), "`serviceCidr` is AKS's default"),
        ("serviceCidrNote", REQ, string(), "message text saying it is the default, or empty"),
        ("dnsServiceIP", REQ, unknown_or(string()), "DNS service address, AKS's default when unset"),
        ("dnsServiceIPDefault", REQ, boolean(), "`dnsServiceIP` is AKS's default"),
        ("dnsServiceIPNote", REQ, string(), "message text saying it is the default, or empty"),
        ("podBlocks", OPT, integer(), "how many /24 blocks the pod range holds (kubenet)"),
        ("podBlocksText", OPT, string(), "`podBlocks` for messages"),
        ("nodeCeiling", REQ, unknown_or(integer()), "the most nodes all pools can reach"),
    ]
}

#[rustfmt::skip]
fn network() -> Vec<Field> {
    vec![
        ("plugin", OPT, written(string()), "`networkPlugin`: `kubenet`, `azure`, `none`; present only when set"),
        ("pluginMode", OPT, written(string()), "`networkPluginMode` (`overlay`)"),
        ("policy", OPT, written(string()), "`networkPolicy`: `azure`, `calico`, `cilium`, `none`"),
        ("dataplane", OPT, written(string()), "`networkDataplane`"),
        ("podCidr", OPT, written(string()), "`podCidr`"),
        ("podCidrs", OPT, written(array(written(string()))), "`podCidrs`"),
        ("serviceCidr", OPT, written(string()), "`serviceCidr`"),
        ("serviceCidrs", OPT, written(array(written(string()))), "`serviceCidrs`"),
        ("dnsServiceIP", OPT, written(string()), "`dnsServiceIP`"),
        ("dockerBridgeCidr", OPT, written(string()), "`dockerBridgeCidr` (ignored by AKS; not in the API from 2023-04-01)"),
        ("outboundType", OPT, written(string()), "`outboundType`: `loadBalancer`, `userDefinedRouting`, `managedNATGateway`, …"),
        ("loadBalancerSku", OPT, written(string()), "`loadBalancerSku`: `standard` or `basic` (canonical spelling)"),
    ]
}

#[rustfmt::skip]
fn cluster_identity() -> Vec<Field> {
    vec![
        ("type", OPT, written(string()), "`SystemAssigned`, `UserAssigned`, `SystemAssigned, UserAssigned` or `None`"),
        ("userAssigned", OPT, array(string()), "ids of its user-assigned identities (→ `identities[].id`)"),
    ]
}

#[rustfmt::skip]
fn addon() -> Vec<Field> {
    vec![("enabled", OPT, written(boolean()), "the add-on is enabled")]
}

#[rustfmt::skip]
fn pod_identity() -> Vec<Field> {
    vec![
        ("enabled", OPT, written(boolean()), "the pod identity add-on is enabled"),
        ("allowNetworkPluginKubenet", REQ, written(boolean()), "`allowNetworkPluginKubenet` as written; null when unset"),
    ]
}

#[rustfmt::skip]
fn pool() -> Vec<Field> {
    vec![
        ("name", REQ, unknown_or(string()), "the pool's name"),
        ("cluster", REQ, unknown_or(string()), "its cluster's name"),
        ("clusterId", REQ, or_null(string()), "its cluster's id (→ `clusters[].id`)"),
        ("source", REQ, one_of(&["agentPoolProfiles", "agentPools"]), "declared inline in the cluster or as a child resource"),
        ("osType", OPT, written(string()), "`Linux` or `Windows`"),
        ("count", OPT, written(integer()), "`count` as written"),
        ("minCount", OPT, written(integer()), "`minCount` as written"),
        ("maxCount", OPT, written(integer()), "`maxCount` as written"),
        ("enableAutoScaling", OPT, written(boolean()), "`enableAutoScaling` as written"),
        ("maxPods", OPT, written(integer()), "`maxPods` as written"),
        ("mode", OPT, written(string()), "`System` or `User`"),
        ("type", OPT, written(string()), "`VirtualMachineScaleSets` or `AvailabilitySet`"),
        ("vnetSubnetID", OPT, written(string()), "the subnet id as written"),
        ("podSubnetID", OPT, written(string()), "the pod subnet id as written"),
        ("effective", REQ, entity("poolEffective"), "what AKS will use, defaults included"),
        ("subnet", REQ, unknown_or(or_null(string())), "id of its subnet (→ `subnets[].id`), or null; unknown when the pool is"),
        ("podSubnet", OPT, unknown_or(or_null(string())), "id of its pod subnet (`podSubnetID`, canonical; → `subnets[].id` when declared or a node subnet), null for an empty one; present when `podSubnetID` is written"),
    ]
}

#[rustfmt::skip]
fn pool_effective() -> Vec<Field> {
    vec![
        ("maxNodes", REQ, unknown_or(integer()), "the most nodes it can reach (autoscaler maximum, count, 1 when unset, or a VirtualMachines pool's scale profiles)"),
        ("surge", REQ, unknown_or(integer()), "extra nodes during an upgrade"),
        ("maxPods", REQ, unknown_or(integer()), "pods per node, AKS's default when unset"),
        ("maxPodsDefault", REQ, boolean(), "`maxPods` is AKS's default"),
        ("maxPodsNote", REQ, string(), "message text saying it is the default, or empty"),
        ("pluginNote", REQ, string(), "the cluster's `pluginNote`"),
    ]
}

#[rustfmt::skip]
fn range() -> Vec<Field> {
    vec![
        ("kind", REQ, string(), "what the range is, for messages"),
        ("cidr", REQ, string(), "the range"),
        ("group", REQ, string(), "ranges of one group never conflict (a VNet and its subnets)"),
        ("at", REQ, pointer(), "where the range is written in the world"),
        ("note", REQ, string(), "message text saying it is a default, or empty"),
    ]
}

#[rustfmt::skip]
fn reserved_range() -> Vec<Field> {
    vec![
        ("cidr", REQ, string(), "the reserved range"),
        ("at", REQ, pointer(), "the configured range (`/config/reserved/N`)"),
    ]
}

#[rustfmt::skip]
fn subnet() -> Vec<Field> {
    vec![
        ("id", REQ, string(), "canonical subnet id, lower-case"),
        ("declared", REQ, boolean(), "declared in the templates (false: only referenced by a pool)"),
        ("name", REQ, unknown_or(string()), "the declaration's name, else the first pool's `vnetSubnetID`"),
        ("file", OPT, string(), "the template that declares it (declared only)"),
        ("scenario", OPT, or_null(string()), "the parameter file of this run, or null (declared only)"),
        ("conditional", OPT, boolean(), "its `condition` could not be evaluated (declared only)"),
        ("deployed", OPT, boolean(), "read from an export of deployed resources (declared only)"),
        ("vnet", OPT, or_null(string()), "id of its VNet (→ `vnets[].id`)"),
        ("addressPrefixes", OPT, written(array(written(string()))), "`addressPrefix` or `addressPrefixes`"),
        ("routeTable", OPT, unknown_or(or_null(string())), "id of its route table (→ `routeTables[].id`); unknown when its properties or the reference are"),
        ("nsg", OPT, unknown_or(or_null(string())), "id of its NSG (→ `nsgs[].id`); unknown when its properties or the reference are"),
        ("natGateway", OPT, unknown_or(or_null(string())), "id of its NAT gateway (`natGateway.id`, canonical), null for none (declared only)"),
        ("delegations", OPT, written(array(open_object())), "`delegations` as written"),
        ("foreignDelegation", OPT, unknown_or(or_null(written(string()))), "the service of its first delegation to another service than `Microsoft.ContainerService/managedClusters`, null for none (declared only)"),
        ("clusters", REQ, array(string()), "ids of the clusters with a pool in it (→ `clusters[].id`)"),
        ("kubenetClusters", REQ, array(string()), "those using kubenet"),
        ("clusterPools", REQ, array(entity("clusterPool")), "the distinct clusters on it, in order, each with its first pool there"),
        ("applicationGateways", REQ, array(entity("applicationGatewayUse")), "the Application Gateways with an IP configuration in it"),
        ("usableAddresses", OPT, unknown_or(integer()), "addresses Azure leaves for use"),
        ("nodeDemand", REQ, unknown_or(integer()), "addresses its pools' nodes need at most, surge included"),
        ("cniDemand", OPT, unknown_or(integer()), "addresses nodes and pods need (Azure CNI without overlay)"),
        ("pools", REQ, array(pointer()), "its pools (`/clusters/N/pools/M`)"),
        ("podPools", OPT, array(entity("podPool")), "the pools whose pods take addresses from it (`podSubnetID`), in order; present when there are some"),
        ("podDemand", OPT, unknown_or(integer()), "addresses those pools' nodes, surge included, take at startup: one batch of 16 each (maxPods when smaller); Azure CNI only"),
        ("defaultRoute", REQ, unknown_or(entity("defaultRoute")), "where its traffic to 0.0.0.0/0 goes"),
        ("podTrafficDenied", REQ, array(entity("podTrafficDenial")), "NSG rules that deny traffic between it and the pod range of a kubenet cluster on it"),
    ]
}

#[rustfmt::skip]
fn route_table() -> Vec<Field> {
    with_common(vec![
        ("routes", REQ, array(entity("item")), "routes, inline and child resources, `properties` flattened"),
        ("disableBgpRoutePropagation", OPT, written(boolean()), "as written"),
        ("subnets", REQ, array(string()), "ids of the subnets using it (→ `subnets[].id`)"),
        ("clusters", REQ, array(string()), "ids of the clusters on those subnets (→ `clusters[].id`)"),
        ("clusterUses", REQ, array(entity("routeTableUse")), "the surely distinct clusters (known ids) on those subnets, each at the first subnet it uses"),
    ])
}

#[rustfmt::skip]
fn nsg() -> Vec<Field> {
    with_common(vec![
        ("rules", REQ, array(entity("item")), "security rules, inline and child resources, `properties` flattened"),
        ("subnets", REQ, array(string()), "ids of the subnets using it (→ `subnets[].id`)"),
    ])
}

#[rustfmt::skip]
fn vnet() -> Vec<Field> {
    with_common(vec![
        ("addressPrefixes", OPT, written(array(written(string()))), "its address space"),
        ("subnets", REQ, array(string()), "ids of its subnets (→ `subnets[].id`)"),
        ("peerings", REQ, array(entity("item")), "peerings, inline and child resources, `properties` flattened"),
    ])
}

#[rustfmt::skip]
fn role_assignment() -> Vec<Field> {
    with_common(vec![
        ("scope", REQ, written(string()), "the id it is assigned at"),
        ("roleDefinitionId", REQ, written(string()), "the role's definition id"),
        ("principalId", REQ, written(string()), "who gets the role; a managed identity's is `{principalId of <identity id>}`"),
        ("principalType", REQ, written(string()), "`ServicePrincipal`, `User`, `Group`, …"),
    ])
}

#[rustfmt::skip]
fn gateway() -> Vec<Field> {
    vec![
        ("id", REQ, or_null(string()), "canonical resource id, lower-case"),
        ("name", REQ, unknown_or(string()), "the resource's name as evaluated"),
        ("type", REQ, string(), "the resource type"),
        ("vnet", REQ, or_null(string()), "id of its VNet (→ `vnets[].id`), or null"),
        ("file", REQ, string(), "the template that declares it"),
        ("scenario", REQ, or_null(string()), "the parameter file of this run, or null"),
        ("conditional", REQ, boolean(), "its `condition` could not be evaluated"),
        ("deployed", REQ, boolean(), "read from an export of deployed resources (`--context`)"),
    ]
}

#[rustfmt::skip]
fn identity() -> Vec<Field> {
    with_common(vec![
        ("clusterUses", REQ, array(entity("identityUse")), "the distinct clusters naming it among their user-assigned identities, in order"),
    ])
}

#[rustfmt::skip]
fn application_gateway() -> Vec<Field> {
    with_common(vec![
        ("subnets", REQ, array(unknown_or(string())), "ids of the subnets its gateway IP configurations name, canonical (→ `subnets[].id` when declared or used by a pool)"),
    ])
}

#[rustfmt::skip]
fn config() -> Vec<Field> {
    vec![
        ("reserved", REQ, array(string()), "`[network] reserved` ranges"),
        ("onPremises", REQ, array(string()), "`[network] on-premises` ranges"),
    ]
}

#[rustfmt::skip]
fn item() -> Vec<Field> {
    vec![("name", OPT, written(string()), "its name; the other fields are its `properties` as written")]
}

#[rustfmt::skip]
fn relation_shapes() -> Vec<(&'static str, &'static str, Vec<Field>)> {
    let s = |name, desc| (name, REQ, string(), desc);
    let p = |name, desc| (name, REQ, pointer(), desc);
    vec![
        ("applicationGatewayUse", "an Application Gateway IP configuration in a subnet", vec![
            ("id", REQ, or_null(string()), "the gateway's id (→ `applicationGateways[].id`)"),
            ("name", REQ, unknown_or(string()), "the gateway's name"),
            ("at", REQ, pointer(), "the configuration's subnet reference (`/applicationGateways/N/subnets/M`)"),
        ]),
        ("identityUse", "a cluster naming the identity among its user-assigned identities", vec![
            ("cluster", REQ, unknown_or(string()), "the cluster's name"),
            ("id", REQ, or_null(string()), "the cluster's id (→ `clusters[].id`)"),
            ("at", REQ, pointer(), "where it names the identity (`/clusters/N/identity/userAssigned/M`)"),
        ]),
        ("subnetUse", "a node subnet of a cluster, with its first pool there", vec![
            s("subnet", "the subnet's name"),
            ("pool", REQ, or_null(string()), "the first pool's name (null when not known)"),
            p("poolAt", "that pool (`/clusters/N/pools/M`)"),
            p("subnetAt", "the subnet (`/subnets/N`)"),
            ("routeTable", REQ, unknown_or(or_null(string())), "id of its route table, null for none (→ `routeTables[].id`)"),
            ("routeTableName", REQ, or_null(string()), "the route table's name as the association writes it"),
            ("routeTableText", REQ, or_null(string()), "\"route table 'NAME'\" or \"no route table\", for messages"),
            p("at", "the association (`/subnets/N/routeTable`), or the subnet without one"),
            ("createdFirst", REQ, boolean(), "false when the cluster's template declares the subnet and the cluster waits for neither it nor its VNet"),
            ("defaultRoute", REQ, unknown_or(entity("defaultRoute")), "the subnet's `defaultRoute`"),
        ]),
        ("routeTableUse", "a cluster whose subnet a route table serves", vec![
            s("cluster", "the cluster's name"),
            ("kubenet", REQ, boolean(), "the cluster surely uses kubenet"),
            s("subnet", "the first subnet of it the table serves"),
            p("at", "that subnet's association (`/subnets/N/routeTable`)"),
            p("subnetAt", "that subnet (`/subnets/N`)"),
        ]),
        ("networkRights", "what a cluster's user-assigned identity may do on its network", vec![
            s("needs", "what it needs rights on, for messages"),
            ("routeTableAt", REQ, or_null(pointer()), "the first route table it brings (`/subnets/N/routeTable`)"),
            ("grants", REQ, array(entity("grant")), "the role assignments giving those rights, each once"),
            ("grantedBy", OPT, pointer(), "the first, when they cover everything (`/roleAssignments/N`)"),
            ("missing", OPT, string(), "what no assignment covers, when no assignment that may reach the identity there is unknown"),
            ("partial", OPT, pointer(), "then an assignment covering only part (`/roleAssignments/N`)"),
            ("partialCovers", OPT, string(), "what that assignment covers"),
        ]),
        ("grant", "a role assignment giving a cluster's identity rights on its network", vec![
            p("assignment", "the assignment (`/roleAssignments/N`)"),
            s("name", "its name"),
            ("createdFirst", REQ, boolean(), "false when the cluster's template declares it and the cluster does not wait for it"),
        ]),
        ("defaultRoute", "where a subnet's traffic to 0.0.0.0/0 goes", vec![
            s("nextHopType", "`Internet` for Azure's system route, else the route's hop, canonically spelled"),
            ("routeTable", REQ, or_null(string()), "its route table's name, null for none"),
            ("route", REQ, or_null(pointer()), "the 0.0.0.0/0 route (`/routeTables/N/routes/M`), null for the system route"),
            p("at", "what to change"),
        ]),
        ("clusterPool", "a cluster on a subnet, with its first pool there", vec![
            ("cluster", REQ, written(string()), "the cluster's name"),
            ("pool", REQ, written(string()), "the pool's name"),
            ("kubenet", REQ, boolean(), "the cluster surely uses kubenet"),
            ("subnetName", REQ, written(string()), "the subnet's name as that pool's `vnetSubnetID` writes it"),
            p("at", "the pool's subnet reference (`/clusters/N/pools/M/subnet`)"),
        ]),
        ("podPool", "a pool whose pods take their addresses from a subnet", vec![
            ("cluster", REQ, written(string()), "the cluster's name"),
            ("pool", REQ, written(string()), "the pool's name"),
            p("at", "the pool's pod subnet reference (`/clusters/N/pools/M/podSubnet`)"),
        ]),
        ("podTrafficDenial", "an NSG rule that denies traffic between a node subnet and a pod range", vec![
            s("nsg", "the NSG's name"),
            s("rule", "the rule's name"),
            s("direction", "`inbound` or `outbound`"),
            s("podCidr", "the pod range it blocks"),
            s("cluster", "the cluster's name"),
            s("subnet", "the subnet's name"),
            p("at", "the rule (`/nsgs/N/rules/M`)"),
        ]),
    ]
}

/// The entity shapes, in the order the README lists them.
#[rustfmt::skip]
fn definitions() -> Vec<(&'static str, &'static str, Vec<Field>, bool)> {
    let closed = |name, desc, fields| (name, desc, fields, false);
    let mut defs = vec![
        closed("cluster", "`clusters[]`: an AKS managed cluster", cluster()),
        closed("clusterEffective", "`clusters[].effective`", cluster_effective()),
        closed("network", "`clusters[].network`", network()),
        closed("clusterIdentity", "`clusters[].identity`", cluster_identity()),
        closed("addon", "`clusters[].addons.<name>`", addon()),
        closed("podIdentity", "`clusters[].podIdentity`", pod_identity()),
        closed("pool", "`clusters[].pools[]`: a node pool", pool()),
        closed("poolEffective", "`clusters[].pools[].effective`", pool_effective()),
        closed("range", "`clusters[].ownRanges[]`, `clusters[].ranges[]`: an address range", range()),
        closed("reservedRange", "`clusters[].extraReserved[]`", reserved_range()),
        closed("subnet", "`subnets[]`", subnet()),
        closed("vnet", "`vnets[]`", vnet()),
        closed("routeTable", "`routeTables[]`", route_table()),
        closed("nsg", "`nsgs[]`", nsg()),
        closed("identity", "`identities[]`: a user-assigned managed identity", identity()),
        closed("roleAssignment", "`roleAssignments[]`", role_assignment()),
        closed("gateway", "`gateways[]`", gateway()),
        closed("applicationGateway", "`applicationGateways[]`: an Application Gateway", application_gateway()),
        closed("config", "`config`", config()),
        ("item", "`routes[]`, `rules[]`, `peerings[]`: a child item as written", item(), true),
    ];
    for (name, desc, fields) in relation_shapes() {
        defs.push(closed(name, desc, fields));
    }
    defs
}

fn object_schema(desc: &str, fields: Vec<Field>, open: bool) -> J {
    let mut props = Map::new();
    let mut required = Vec::new();
    for (name, req, mut ty, text) in fields {
        if let J::Object(o) = &mut ty {
            o.insert("description".into(), J::from(text));
        }
        props.insert(name.into(), ty);
        if req {
            required.push(J::from(name));
        }
    }
    json!({
        "type": "object",
        "description": desc,
        "properties": props,
        "required": required,
        "additionalProperties": open,
    })
}

/// The JSON Schema of the world document.
pub fn schema() -> J {
    let mut defs = Map::new();
    defs.insert(
        "unknown".into(),
        json!({
            "type": "object",
            "description": "a value tendon could not compute, with the reason",
            "properties": {"$unknown": {"type": "string"}},
            "required": ["$unknown"],
            "additionalProperties": false,
        }),
    );
    for (name, desc, fields, open) in definitions() {
        defs.insert(name.into(), object_schema(desc, fields, open));
    }
    let mut doc = object_schema(
        "The linked world document `tendon world` prints and rules query",
        document(),
        false,
    );
    if let J::Object(o) = &mut doc {
        let mut head = Map::new();
        head.insert(
            "$schema".into(),
            J::from("https://json-schema.org/draft/2020-12/schema"),
        );
        head.insert("title".into(), J::from("tendon world"));
        head.extend(std::mem::take(o));
        head.insert("$defs".into(), J::Object(defs));
        *o = head;
    }
    doc
}

/// A type in a table cell: `string`, `integer \| unknown`, `array of pool`
/// (entity names link to their table).
fn type_text(t: &J) -> String {
    if let Some(r) = t.get("$ref").and_then(J::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r);
        return format!("[{name}](#world-{})", name.to_ascii_lowercase());
    }
    if let Some(parts) = t.get("anyOf").and_then(J::as_array) {
        let texts: Vec<String> = parts.iter().map(type_text).collect();
        return texts.join(" \\| ");
    }
    if let Some(values) = t.get("enum").and_then(J::as_array) {
        let texts: Vec<String> = values
            .iter()
            .map(|v| format!("`{}`", v.as_str().unwrap_or_default()))
            .collect();
        return texts.join(" \\| ");
    }
    if t.get("format").and_then(J::as_str) == Some("json-pointer") {
        return "pointer".into();
    }
    match t.get("type").and_then(J::as_str) {
        Some("array") => {
            let items = t.get("items").map(type_text).unwrap_or_default();
            if items.contains("\\|") {
                format!("array of ({items})")
            } else {
                format!("array of {items}")
            }
        }
        Some("object") => match t.get("additionalProperties") {
            Some(v @ J::Object(_)) => format!("object of {}", type_text(v)),
            _ => "object".into(),
        },
        Some(other) => other.to_string(),
        None => "any".into(),
    }
}

fn table(out: &mut String, def: &J) {
    out.push_str("| field | type | description |\n|---|---|---|\n");
    let required: Vec<&str> = def
        .get("required")
        .and_then(J::as_array)
        .map(|r| r.iter().filter_map(J::as_str).collect())
        .unwrap_or_default();
    let props = def.get("properties").and_then(J::as_object);
    for (name, t) in props.into_iter().flatten() {
        let opt = if required.contains(&name.as_str()) {
            ""
        } else {
            " (optional)"
        };
        let desc = t.get("description").and_then(J::as_str).unwrap_or_default();
        let desc = desc.replace('|', "\\|");
        out.push_str(&format!("| `{name}`{opt} | {} | {desc} |\n", type_text(t)));
    }
}

/// The README's "The world" reference, generated from [`schema`].
pub fn markdown() -> String {
    let s = schema();
    let mut out = String::new();
    out.push_str("Top level:\n\n");
    table(&mut out, &s);
    let defs = s.get("$defs").and_then(J::as_object);
    for (name, def) in defs.into_iter().flatten() {
        let desc = def
            .get("description")
            .and_then(J::as_str)
            .unwrap_or_default();
        let anchor = name.to_ascii_lowercase();
        out.push_str(&format!(
            "\n<a id=\"world-{anchor}\"></a>**{name}** — {desc}"
        ));
        if name == "unknown" {
            out.push_str(": `{\"$unknown\": \"reason\"}`.\n");
            continue;
        }
        out.push_str(if def.get("additionalProperties") == Some(&J::Bool(true)) {
            " (other fields allowed)\n\n"
        } else {
            "\n\n"
        });
        table(&mut out, def);
    }
    out
}
