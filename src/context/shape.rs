//! What a context file may hold, per resource kind: its ARM type and the
//! fields kept, a whitelist of exactly what `crate::model` reads. Anything
//! else (tags, secrets, profiles, states) never leaves the export.

/// What to keep of one field's value.
#[derive(Debug)]
pub enum Keep {
    /// A string, number or boolean, or an array of them (objects are dropped).
    Scalar,
    /// A reference: an object of which only `id` is kept.
    Ref,
    /// An array of references.
    Refs,
    /// An object with these fields.
    Object(&'static [Field]),
    /// An array of objects with these fields, read from the item itself
    /// (agent pool profiles have no `properties` level).
    Objects(&'static [Field]),
    /// An array of child resources (subnets, routes, rules, peerings,
    /// delegations): each keeps `name`, `id` and these fields in its own
    /// `properties`, read from there or, flattened, from the item.
    Children(&'static [Field]),
    /// An object whose keys are resource ids: the keys are kept, their values
    /// emptied (user-assigned identities).
    Keys,
    /// An object of named objects, each with these fields (add-on profiles).
    Map(&'static [Field]),
}

/// One kept field: its ARM spelling (keys match case-insensitively, so the
/// CLI's `vnetSubnetId` is `vnetSubnetID`), other spellings, and what is kept.
#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub keep: Keep,
}

const fn f(name: &'static str, keep: Keep) -> Field {
    Field {
        name,
        aliases: &[],
        keep,
    }
}

/// One resource kind read from a context file.
#[derive(Debug)]
pub struct Kind {
    /// The canonical ARM spelling of the type.
    pub arm_type: &'static str,
    /// Fields of the resource object itself (`identity`, `sku`, `scope`).
    pub top: &'static [Field],
    /// Fields of its `properties`.
    pub properties: &'static [Field],
}

const ADDRESS_SPACE: &[Field] = &[f("addressPrefixes", Keep::Scalar)];

const SUBNET: &[Field] = &[
    f("addressPrefix", Keep::Scalar),
    f("addressPrefixes", Keep::Scalar),
    f("routeTable", Keep::Ref),
    f("networkSecurityGroup", Keep::Ref),
    f("natGateway", Keep::Ref),
    f(
        "delegations",
        Keep::Children(&[f("serviceName", Keep::Scalar)]),
    ),
];

const PEERING: &[Field] = &[
    f("remoteVirtualNetwork", Keep::Ref),
    f("remoteAddressSpace", Keep::Object(ADDRESS_SPACE)),
    f("peeringState", Keep::Scalar),
];

const ROUTE: &[Field] = &[
    f("addressPrefix", Keep::Scalar),
    f("nextHopType", Keep::Scalar),
    f("nextHopIpAddress", Keep::Scalar),
];

const SECURITY_RULE: &[Field] = &[
    f("priority", Keep::Scalar),
    f("direction", Keep::Scalar),
    f("access", Keep::Scalar),
    f("protocol", Keep::Scalar),
    f("sourceAddressPrefix", Keep::Scalar),
    f("sourceAddressPrefixes", Keep::Scalar),
    f("destinationAddressPrefix", Keep::Scalar),
    f("destinationAddressPrefixes", Keep::Scalar),
    f("sourcePortRange", Keep::Scalar),
    f("sourcePortRanges", Keep::Scalar),
    f("destinationPortRange", Keep::Scalar),
    f("destinationPortRanges", Keep::Scalar),
    f("sourceApplicationSecurityGroups", Keep::Refs),
    f("destinationApplicationSecurityGroups", Keep::Refs),
];

/// A node pool, inline in `agentPoolProfiles` or an `agentPools` resource
/// (`az aks nodepool list` prints the pool type as `typePropertiesType`, its
/// top-level `type` being the ARM type; a resource's `name` is its own).
const POOL: &[Field] = &[
    f("name", Keep::Scalar),
    f("count", Keep::Scalar),
    f("minCount", Keep::Scalar),
    f("maxCount", Keep::Scalar),
    f("enableAutoScaling", Keep::Scalar),
    f("maxPods", Keep::Scalar),
    f("mode", Keep::Scalar),
    Field {
        name: "type",
        aliases: &["typePropertiesType"],
        keep: Keep::Scalar,
    },
    f("osType", Keep::Scalar),
    f("vnetSubnetID", Keep::Scalar),
    f("podSubnetID", Keep::Scalar),
    f(
        "upgradeSettings",
        Keep::Object(&[f("maxSurge", Keep::Scalar)]),
    ),
];

const NETWORK_PROFILE: &[Field] = &[
    f("networkPlugin", Keep::Scalar),
    f("networkPluginMode", Keep::Scalar),
    f("networkPolicy", Keep::Scalar),
    f("networkDataplane", Keep::Scalar),
    f("podCidr", Keep::Scalar),
    f("podCidrs", Keep::Scalar),
    f("serviceCidr", Keep::Scalar),
    f("serviceCidrs", Keep::Scalar),
    f("dnsServiceIP", Keep::Scalar),
    f("outboundType", Keep::Scalar),
    f("loadBalancerSku", Keep::Scalar),
];

const IDENTITY: &[Field] = &[
    f("type", Keep::Scalar),
    f("userAssignedIdentities", Keep::Keys),
];

/// An IP configuration's subnet (gateways, Application Gateways).
const IP_CONFIGURATION: &[Field] = &[f("subnet", Keep::Ref)];

const GATEWAY: Kind = Kind {
    arm_type: "",
    top: &[],
    properties: &[f("ipConfigurations", Keep::Children(IP_CONFIGURATION))],
};

const fn gateway(arm_type: &'static str) -> Kind {
    Kind {
        arm_type,
        ..GATEWAY
    }
}

/// Every kind read; other types are skipped.
pub const KINDS: &[Kind] = &[
    Kind {
        arm_type: "Microsoft.Network/virtualNetworks",
        top: &[],
        properties: &[
            f("addressSpace", Keep::Object(ADDRESS_SPACE)),
            f("subnets", Keep::Children(SUBNET)),
            f("virtualNetworkPeerings", Keep::Children(PEERING)),
        ],
    },
    Kind {
        arm_type: "Microsoft.Network/virtualNetworks/subnets",
        top: &[],
        properties: SUBNET,
    },
    Kind {
        arm_type: "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
        top: &[],
        properties: PEERING,
    },
    Kind {
        arm_type: "Microsoft.Network/routeTables",
        top: &[],
        properties: &[
            f("disableBgpRoutePropagation", Keep::Scalar),
            f("routes", Keep::Children(ROUTE)),
        ],
    },
    Kind {
        arm_type: "Microsoft.Network/routeTables/routes",
        top: &[],
        properties: ROUTE,
    },
    Kind {
        arm_type: "Microsoft.Network/networkSecurityGroups",
        top: &[],
        properties: &[f("securityRules", Keep::Children(SECURITY_RULE))],
    },
    Kind {
        arm_type: "Microsoft.Network/networkSecurityGroups/securityRules",
        top: &[],
        properties: SECURITY_RULE,
    },
    Kind {
        arm_type: "Microsoft.ContainerService/managedClusters",
        top: &[
            f("identity", Keep::Object(IDENTITY)),
            f("sku", Keep::Object(&[f("name", Keep::Scalar)])),
        ],
        properties: &[
            f("agentPoolProfiles", Keep::Objects(POOL)),
            f("networkProfile", Keep::Object(NETWORK_PROFILE)),
            f("addonProfiles", Keep::Map(&[f("enabled", Keep::Scalar)])),
            // The client id tells a service principal from `msi`; never the secret.
            f(
                "servicePrincipalProfile",
                Keep::Object(&[f("clientId", Keep::Scalar)]),
            ),
        ],
    },
    Kind {
        arm_type: "Microsoft.ContainerService/managedClusters/agentPools",
        top: &[],
        properties: POOL,
    },
    Kind {
        arm_type: "Microsoft.ManagedIdentity/userAssignedIdentities",
        top: &[],
        properties: &[f("principalId", Keep::Scalar), f("clientId", Keep::Scalar)],
    },
    Kind {
        arm_type: "Microsoft.Authorization/roleAssignments",
        // A template writes `scope` beside `properties`; REST puts it inside.
        top: &[f("scope", Keep::Scalar)],
        properties: &[
            f("roleDefinitionId", Keep::Scalar),
            f("principalId", Keep::Scalar),
            f("principalType", Keep::Scalar),
        ],
    },
    Kind {
        arm_type: "Microsoft.Authorization/roleDefinitions",
        top: &[],
        properties: &[f(
            "permissions",
            Keep::Objects(&[f("actions", Keep::Scalar)]),
        )],
    },
    gateway("Microsoft.Network/virtualNetworkGateways"),
    gateway("Microsoft.Network/localNetworkGateways"),
    gateway("Microsoft.Network/expressRouteCircuits"),
    gateway("Microsoft.Network/expressRouteGateways"),
    gateway("Microsoft.Network/vpnGateways"),
    Kind {
        arm_type: "Microsoft.Network/applicationGateways",
        top: &[],
        properties: &[f(
            "gatewayIPConfigurations",
            Keep::Children(IP_CONFIGURATION),
        )],
    },
];

/// The kind of a type, in any case (Resource Graph writes types in lower case).
pub fn kind_of(resource_type: &str) -> Option<&'static Kind> {
    KINDS
        .iter()
        .find(|k| k.arm_type.eq_ignore_ascii_case(resource_type.trim()))
}
