//! Each export shape, read from small synthetic files (never real outputs).

use super::*;
use crate::arm::eval::DeployScope;
use crate::arm::template::Deployment;
use crate::model::facts::{self, Facts};
use crate::value::Value;

const FILE: FileId = 7;

fn resources(text: &str) -> Vec<Resource> {
    match read(text, FILE) {
        Ok(Context::Resources(r)) => r,
        other => panic!("expected resources, got {other:?}"),
    }
}

fn facts_of(resources: Vec<Resource>) -> Facts {
    facts::extract(&Deployment {
        file: FILE,
        parameters_file: None,
        parameters_loc: None,
        scope: DeployScope::default(),
        resources,
        limit_hit: None,
        expression_errors: Vec::new(),
        linked_files: Vec::new(),
    })
}

/// The exported text a value came from.
fn origin_text<'t>(text: &'t str, v: &Value) -> &'t str {
    let loc = v.origin.expect("value has an origin");
    assert_eq!(loc.file, FILE);
    &text[loc.span.start as usize..loc.span.end as usize]
}

fn at<'v>(v: &'v Value, path: &[&str]) -> &'v Value {
    v.get_path(path)
        .unwrap_or_else(|| panic!("no {path:?} in {v:?}"))
}

fn str_at<'v>(v: &'v Value, path: &[&str]) -> &'v str {
    at(v, path).as_str().expect("a string")
}

fn item(v: &Value, i: usize) -> &Value {
    &v.as_array().expect("an array")[i]
}

/// Every key and string anywhere in a value, for the privacy checks.
fn all_text(v: &Value, out: &mut String) {
    match &v.kind {
        crate::value::Kind::Str(s) => out.push_str(s),
        crate::value::Kind::Array(items) => items.iter().for_each(|i| all_text(i, out)),
        crate::value::Kind::Object(o) => {
            for (k, v) in o.iter() {
                out.push_str(k);
                out.push(' ');
                all_text(v, out);
            }
        }
        _ => {}
    }
    out.push(' ');
}

const SUB: &str = "/subscriptions/0000/resourceGroups/rg-net/providers";

#[test]
fn cli_vnet_list_nests_subnets_and_peerings_in_properties() {
    let text = format!(
        r#"[ {{ "id": "{SUB}/Microsoft.Network/virtualNetworks/hub",
  "name": "hub", "type": "Microsoft.Network/virtualNetworks", "location": "westeurope",
  "resourceGroup": "rg-net", "etag": "W/\"1\"", "tags": {{ "costCenter": "TAG-SECRET" }},
  "addressSpace": {{ "addressPrefixes": ["10.10.0.0/16"] }},
  "subnets": [ {{ "id": "{SUB}/Microsoft.Network/virtualNetworks/hub/subnets/aks",
      "name": "aks", "addressPrefix": "10.10.0.0/22",
      "routeTable": {{ "id": "{SUB}/Microsoft.Network/routeTables/rt-aks", "resourceGroup": "rg-net" }},
      "delegations": [], "ipConfigurations": [ {{ "id": "nic-ip" }} ],
      "type": "Microsoft.Network/virtualNetworks/subnets", "resourceGroup": "rg-net" }} ],
  "virtualNetworkPeerings": [ {{ "name": "hub-to-spoke", "peeringState": "Connected",
      "allowForwardedTraffic": true,
      "remoteVirtualNetwork": {{ "id": "/subscriptions/0000/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/spoke", "resourceGroup": "rg-spoke" }},
      "remoteAddressSpace": {{ "addressPrefixes": ["10.20.0.0/16"] }} }} ] }} ]"#
    );
    let res = resources(&text);
    assert_eq!(res.len(), 1);
    let vnet = &res[0];
    assert_eq!(vnet.resource_type, "Microsoft.Network/virtualNetworks");
    assert_eq!(vnet.name.as_str(), Some("hub"));
    assert_eq!(
        vnet.id.as_deref(),
        Some(&*format!("{SUB}/Microsoft.Network/virtualNetworks/hub"))
    );
    assert!(!vnet.conditional);
    let id_text = &text[vnet.loc.span.start as usize..vnet.loc.span.end as usize];
    assert_eq!(
        id_text,
        format!("\"{SUB}/Microsoft.Network/virtualNetworks/hub\"")
    );
    let body = &vnet.body;
    let prefixes = at(body, &["properties", "addressSpace", "addressPrefixes"]);
    assert_eq!(origin_text(&text, prefixes), r#"["10.10.0.0/16"]"#);
    let subnet = item(at(body, &["properties", "subnets"]), 0);
    assert_eq!(str_at(subnet, &["name"]), "aks");
    let prefix = at(subnet, &["properties", "addressPrefix"]);
    assert_eq!(origin_text(&text, prefix), r#""10.10.0.0/22""#);
    assert!(str_at(subnet, &["properties", "routeTable", "id"]).ends_with("/rt-aks"));
    assert!(
        subnet
            .get_path(&["properties", "ipConfigurations"])
            .is_none()
    );
    assert!(
        subnet
            .get_path(&["properties", "routeTable", "resourceGroup"])
            .is_none()
    );
    let peering = item(at(body, &["properties", "virtualNetworkPeerings"]), 0);
    assert_eq!(
        str_at(peering, &["properties", "peeringState"]),
        "Connected"
    );
    assert!(
        peering
            .get_path(&["properties", "allowForwardedTraffic"])
            .is_none()
    );
    let mut all = String::new();
    all_text(body, &mut all);
    assert!(!all.contains("TAG-SECRET") && !all.contains("tags") && !all.contains("etag"));

    let f = facts_of(res);
    assert_eq!(f.vnets.len(), 1);
    assert_eq!(f.subnets.len(), 1);
    let sn = &f.subnets[0];
    assert_eq!(
        sn.id.as_deref(),
        Some(
            &*format!("{SUB}/Microsoft.Network/virtualNetworks/hub/subnets/aks")
                .to_ascii_lowercase()
        )
    );
    let prefixes = facts::address_prefixes(&sn.props).expect("prefixes");
    assert_eq!(item(&prefixes, 0).as_str(), Some("10.10.0.0/22"));
    assert_eq!(
        facts::id_of(sn.props.get_path(&["routeTable", "id"])).as_deref(),
        Some(&*format!("{SUB}/Microsoft.Network/routeTables/rt-aks").to_ascii_lowercase())
    );
    let v = &f.vnets[0];
    assert_eq!(
        item(v.address_prefixes.as_ref().expect("space"), 0).as_str(),
        Some("10.10.0.0/16")
    );
    assert_eq!(v.peerings.len(), 1);
    let remote = at(
        &v.peerings[0],
        &["properties", "remoteAddressSpace", "addressPrefixes"],
    );
    assert_eq!(item(remote, 0).as_str(), Some("10.20.0.0/16"));
}

#[test]
fn cli_subnet_list_names_the_subnet_under_its_vnet() {
    let text = format!(
        r#"[ {{ "id": "{SUB}/Microsoft.Network/virtualNetworks/hub/subnets/pods",
    "name": "pods", "addressPrefixes": ["10.10.8.0/22", "10.10.12.0/22"],
    "delegations": [ {{ "name": "aks-delegation", "serviceName": "Microsoft.ContainerService/managedClusters",
                        "actions": ["Microsoft.Network/virtualNetworks/subnets/join/action"] }} ],
    "networkSecurityGroup": {{ "id": "{SUB}/Microsoft.Network/networkSecurityGroups/nsg-pods", "resourceGroup": "rg-net" }},
    "routeTable": null,
    "type": "Microsoft.Network/virtualNetworks/subnets", "resourceGroup": "rg-net" }} ]"#
    );
    let res = resources(&text);
    let sn = &res[0];
    assert_eq!(
        sn.resource_type,
        "Microsoft.Network/virtualNetworks/subnets"
    );
    assert_eq!(sn.name.as_str(), Some("hub/pods"));
    assert_eq!(origin_text(&text, &sn.name), r#""pods""#);
    let delegation = item(at(&sn.body, &["properties", "delegations"]), 0);
    let service = at(delegation, &["properties", "serviceName"]);
    assert_eq!(
        origin_text(&text, service),
        r#""Microsoft.ContainerService/managedClusters""#
    );
    assert!(delegation.get_path(&["properties", "actions"]).is_none());
    assert!(sn.body.get_path(&["properties", "routeTable"]).is_none());

    let f = facts_of(res);
    let sn = &f.subnets[0];
    assert_eq!(sn.name.as_str(), Some("pods"));
    assert_eq!(
        sn.vnet_id.as_deref(),
        Some(&*format!("{SUB}/Microsoft.Network/virtualNetworks/hub").to_ascii_lowercase())
    );
    let prefixes = facts::address_prefixes(&sn.props).expect("prefixes");
    assert_eq!(prefixes.as_array().map(<[Value]>::len), Some(2));
    assert!(str_at(&sn.props, &["networkSecurityGroup", "id"]).ends_with("nsg-pods"));
}

#[test]
fn cli_route_table_list_nests_routes() {
    let text = format!(
        r#"[ {{ "id": "{SUB}/Microsoft.Network/routeTables/rt-aks",
    "name": "rt-aks", "type": "Microsoft.Network/routeTables", "resourceGroup": "rg-net",
    "disableBgpRoutePropagation": true,
    "routes": [ {{ "name": "default-to-fw", "addressPrefix": "0.0.0.0/0", "hasBgpOverride": false,
                  "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.0.1.4" }} ],
    "subnets": [ {{ "id": "{SUB}/Microsoft.Network/virtualNetworks/hub/subnets/aks", "resourceGroup": "rg-net" }} ] }} ]"#
    );
    let res = resources(&text);
    let rt = &res[0];
    assert_eq!(rt.resource_type, "Microsoft.Network/routeTables");
    assert_eq!(rt.name.as_str(), Some("rt-aks"));
    assert!(rt.body.get_path(&["properties", "subnets"]).is_none());
    let f = facts_of(res);
    let rt = &f.route_tables[0];
    assert_eq!(rt.disable_bgp.as_ref().and_then(Value::as_bool), Some(true));
    assert_eq!(rt.routes.len(), 1);
    let route = &rt.routes[0];
    assert_eq!(str_at(route, &["name"]), "default-to-fw");
    assert_eq!(
        str_at(route, &["properties", "nextHopType"]),
        "VirtualAppliance"
    );
    let hop = at(route, &["properties", "nextHopIpAddress"]);
    assert_eq!(origin_text(&text, hop), r#""10.0.1.4""#);
    assert!(route.get_path(&["properties", "hasBgpOverride"]).is_none());
}

#[test]
fn cli_nsg_list_nests_rules() {
    let text = format!(
        r#"[ {{ "id": "{SUB}/Microsoft.Network/networkSecurityGroups/nsg-aks",
    "name": "nsg-aks", "type": "Microsoft.Network/networkSecurityGroups", "resourceGroup": "rg-net",
    "securityRules": [ {{ "name": "deny-inet-out", "priority": 4000, "direction": "Outbound", "access": "Deny",
                         "protocol": "*", "sourceAddressPrefix": "*", "sourcePortRange": "*",
                         "destinationAddressPrefix": "Internet", "destinationPortRange": "*",
                         "sourceAddressPrefixes": [], "destinationPortRanges": [], "description": "private note" }} ],
    "defaultSecurityRules": [ {{ "name": "AllowVnetInBound", "priority": 65000 }} ] }} ]"#
    );
    let res = resources(&text);
    let f = facts_of(res);
    let nsg = &f.nsgs[0];
    assert_eq!(nsg.name.as_str(), Some("nsg-aks"));
    assert_eq!(nsg.rules.len(), 1);
    let rule = &nsg.rules[0];
    let priority = at(rule, &["properties", "priority"]);
    assert_eq!(priority.as_int(), Some(4000));
    assert_eq!(origin_text(&text, priority), "4000");
    assert_eq!(
        str_at(rule, &["properties", "destinationAddressPrefix"]),
        "Internet"
    );
    assert_eq!(
        at(rule, &["properties", "sourceAddressPrefixes"])
            .as_array()
            .map(<[Value]>::len),
        Some(0)
    );
    assert!(rule.get_path(&["properties", "description"]).is_none());
}

#[test]
fn cli_aks_list_renames_sdk_keys_and_drops_secrets() {
    let text = r#"[ { "id": "/subscriptions/0000/resourcegroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/c1",
    "name": "c1", "type": "Microsoft.ContainerService/ManagedClusters", "location": "westeurope",
    "resourceGroup": "rg-aks", "nodeResourceGroup": "MC_rg-aks_c1_westeurope", "enableRbac": true,
    "tags": { "owner": "TAG-SECRET" },
    "kubernetesVersion": "1.30",
    "sku": { "name": "Base", "tier": "Free" },
    "agentPoolProfiles": [ { "name": "sys", "mode": "System", "type": "VirtualMachineScaleSets", "osType": "Linux",
        "count": 3, "enableAutoScaling": true, "minCount": 3, "maxCount": 5, "maxPods": 50,
        "vmSize": "Standard_D4s_v5", "nodeLabels": { "team": "x" },
        "vnetSubnetId": "/subscriptions/0000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/hub/subnets/aks",
        "podSubnetId": null, "upgradeSettings": { "maxSurge": "33%" } } ],
    "networkProfile": { "networkPlugin": "kubenet", "podCidr": "192.168.0.0/16",
        "serviceCidr": "172.16.0.0/16", "dnsServiceIp": "172.16.0.10", "outboundType": "userDefinedRouting",
        "loadBalancerProfile": { "effectiveOutboundIPs": [ { "id": "pip" } ] } },
    "linuxProfile": { "adminUsername": "azureuser", "ssh": { "publicKeys": [ { "keyData": "ssh-rsa KEY-SECRET" } ] } },
    "windowsProfile": { "adminUsername": "winadmin", "adminPassword": "PASSWORD-SECRET" },
    "servicePrincipalProfile": { "clientId": "msi", "secret": "SP-SECRET" },
    "addonProfiles": { "omsagent": { "enabled": true, "config": { "logAnalyticsWorkspaceResourceID": "WS-SECRET" } } },
    "identity": { "type": "UserAssigned", "principalId": null, "tenantId": null,
        "userAssignedIdentities": { "/subscriptions/0000/resourceGroups/rg-id/providers/Microsoft.ManagedIdentity/userAssignedIdentities/c1-cp":
            { "clientId": "aaaa", "principalId": "bbbb" } } },
    "identityProfile": { "kubeletidentity": { "clientId": "cccc", "objectId": "dddd",
        "resourceId": "/subscriptions/0000/resourcegroups/rg-id/providers/Microsoft.ManagedIdentity/userAssignedIdentities/c1-kubelet" } } } ]"#;
    let res = resources(text);
    let c = &res[0];
    assert_eq!(
        c.resource_type,
        "Microsoft.ContainerService/managedClusters"
    );
    assert_eq!(c.name.as_str(), Some("c1"));
    let mut all = String::new();
    all_text(&c.body, &mut all);
    for secret in [
        "TAG-SECRET",
        "KEY-SECRET",
        "PASSWORD-SECRET",
        "SP-SECRET",
        "WS-SECRET",
        "adminUsername",
        "tags",
        "kubeletidentity",
        "Standard_D4s_v5",
        "bbbb",
    ] {
        assert!(!all.contains(secret), "{secret} kept: {all}");
    }
    assert_eq!(str_at(&c.body, &["sku", "name"]), "Base");

    let f = facts_of(res);
    let cluster = &f.clusters[0];
    assert_eq!(cluster.pools.len(), 1);
    let pool = &cluster.pools[0].props;
    let subnet = at(pool, &["vnetSubnetID"]);
    assert!(subnet.as_str().is_some_and(|s| s.ends_with("/subnets/aks")));
    assert!(origin_text(text, subnet).starts_with("\"/subscriptions/0000/resourceGroups/rg-net"));
    // The key is written in ARM spelling, whatever case the CLI used.
    let key = pool
        .as_object()
        .and_then(|o| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("vnetSubnetID"))
        })
        .map(|(k, _)| k);
    assert_eq!(key, Some("vnetSubnetID"));
    assert!(pool.get("podSubnetID").is_none());
    assert_eq!(at(pool, &["maxCount"]).as_int(), Some(5));
    assert_eq!(str_at(pool, &["upgradeSettings", "maxSurge"]), "33%");
    let net = cluster.network.as_ref().expect("network profile");
    assert_eq!(str_at(net, &["dnsServiceIP"]), "172.16.0.10");
    assert_eq!(str_at(net, &["networkPlugin"]), "kubenet");
    assert!(net.get("loadBalancerProfile").is_none());
    let identity = cluster.identity.as_ref().expect("identity");
    assert_eq!(str_at(identity, &["type"]), "UserAssigned");
    let ua = at(identity, &["userAssignedIdentities"])
        .as_object()
        .expect("map");
    let (k, v) = ua.iter().next().expect("one identity");
    assert!(k.ends_with("/c1-cp"));
    assert!(origin_text(text, v).contains("\"clientId\": \"aaaa\""));
    assert_eq!(
        cluster.service_principal.as_ref().and_then(Value::as_str),
        Some("msi")
    );
    let addons = cluster.addons.as_ref().expect("addons");
    assert_eq!(at(addons, &["omsagent", "enabled"]).as_bool(), Some(true));
}

#[test]
fn cli_identity_and_role_assignment_lists() {
    let text = r#"[ { "id": "/subscriptions/0000/resourcegroups/rg-id/providers/Microsoft.ManagedIdentity/userAssignedIdentities/c1-kubelet",
    "name": "c1-kubelet", "location": "westeurope", "resourceGroup": "rg-id",
    "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
    "clientId": "cccc", "principalId": "dddd", "tenantId": "tttt", "tags": {} },
  { "id": "/subscriptions/0000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/hub/subnets/aks/providers/Microsoft.Authorization/roleAssignments/1111",
    "name": "1111", "type": "Microsoft.Authorization/roleAssignments",
    "scope": "/subscriptions/0000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/hub/subnets/aks",
    "principalId": "dddd", "principalType": "ServicePrincipal", "principalName": "c1-cp",
    "roleDefinitionId": "/subscriptions/0000/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7",
    "roleDefinitionName": "Network Contributor", "createdBy": "someone", "resourceGroup": "rg-net" } ]"#;
    let res = resources(text);
    assert_eq!(res.len(), 2);
    let idn = &res[0];
    assert_eq!(
        idn.resource_type,
        "Microsoft.ManagedIdentity/userAssignedIdentities"
    );
    assert_eq!(str_at(&idn.body, &["properties", "principalId"]), "dddd");
    assert_eq!(str_at(&idn.body, &["properties", "clientId"]), "cccc");
    assert!(idn.body.get_path(&["properties", "tenantId"]).is_none());
    let ra = &res[1];
    assert_eq!(ra.resource_type, "Microsoft.Authorization/roleAssignments");
    assert_eq!(ra.name.as_str(), Some("1111"));
    let scope = at(&ra.body, &["scope"]);
    assert!(origin_text(text, scope).ends_with("/subnets/aks\""));
    assert!(ra.body.get_path(&["properties", "principalName"]).is_none());
    assert!(ra.body.get_path(&["properties", "createdBy"]).is_none());

    let f = facts_of(res);
    assert_eq!(f.identities.len(), 1);
    assert_eq!(f.identities[0].name.as_str(), Some("c1-kubelet"));
    let a = &f.role_assignments[0];
    assert_eq!(
        a.scope.as_str(),
        Some(
            "/subscriptions/0000/resourcegroups/rg-net/providers/microsoft.network/virtualnetworks/hub/subnets/aks"
        )
    );
    assert!(
        a.role_definition_id
            .as_str()
            .is_some_and(|r| r.ends_with("c67834d212e7"))
    );
    assert_eq!(a.principal_id.as_str(), Some("dddd"));
    assert_eq!(a.principal_type.as_str(), Some("ServicePrincipal"));
}

#[test]
fn resource_graph_rows_are_arm_shaped_in_lower_case_types() {
    let text = r#"{ "count": 3, "skip_token": null, "total_records": 3,
  "data": [
    { "id": "/subscriptions/0000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/hub",
      "name": "hub", "type": "microsoft.network/virtualnetworks", "location": "westeurope",
      "resourceGroup": "rg-net", "subscriptionId": "0000", "tags": { "env": "TAG-SECRET" },
      "properties": { "addressSpace": { "addressPrefixes": ["10.10.0.0/16"] }, "resourceGuid": "g",
        "subnets": [ { "name": "aks", "id": "/subscriptions/0000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/hub/subnets/aks",
                       "resourceGroup": "rg-net",
                       "properties": { "addressPrefix": "10.10.0.0/22", "provisioningState": "Succeeded",
                                       "routeTable": { "id": "/subscriptions/0000/resourceGroups/rg-net/providers/Microsoft.Network/routeTables/rt-aks" } } } ] } },
    { "id": "/subscriptions/0000/resourcegroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/c1",
      "name": "c1", "type": "microsoft.containerservice/managedclusters",
      "identity": { "type": "SystemAssigned", "principalId": "pppp" },
      "properties": { "agentPoolProfiles": [ { "name": "sys", "count": 3, "vnetSubnetID": "/subscriptions/0000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/hub/subnets/aks" } ],
        "networkProfile": { "networkPlugin": "kubenet", "dnsServiceIP": "10.0.0.10" },
        "windowsProfile": { "adminPassword": "PASSWORD-SECRET" } } },
    { "id": "/subscriptions/0000/providers/Microsoft.Authorization/roleAssignments/2222",
      "name": "2222", "type": "microsoft.authorization/roleassignments",
      "principalId": "pppp", "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/guid",
      "scope": "/subscriptions/0000" },
    { "id": "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/sa",
      "name": "sa", "type": "microsoft.storage/storageaccounts", "properties": {} }
  ] }"#;
    let res = resources(text);
    let types: Vec<_> = res.iter().map(|r| r.resource_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "Microsoft.Network/virtualNetworks",
            "Microsoft.ContainerService/managedClusters",
            "Microsoft.Authorization/roleAssignments"
        ]
    );
    let ty = at(&res[0].body, &["type"]);
    assert_eq!(ty.as_str(), Some("Microsoft.Network/virtualNetworks"));
    assert_eq!(
        origin_text(text, ty),
        r#""microsoft.network/virtualnetworks""#
    );
    for r in &res {
        let mut all = String::new();
        all_text(&r.body, &mut all);
        assert!(
            !all.contains("SECRET")
                && !all.contains("provisioningState")
                && !all.contains("resourceGroup ")
        );
    }
    let f = facts_of(res);
    let sn = &f.subnets[0];
    assert_eq!(str_at(&sn.props, &["addressPrefix"]), "10.10.0.0/22");
    assert!(origin_text(text, &sn.props).starts_with("{ \"addressPrefix\""));
    let c = &f.clusters[0];
    assert!(str_at(&c.pools[0].props, &["vnetSubnetID"]).ends_with("/subnets/aks"));
    assert_eq!(
        str_at(c.network.as_ref().expect("net"), &["dnsServiceIP"]),
        "10.0.0.10"
    );
    assert_eq!(
        str_at(c.identity.as_ref().expect("identity"), &["type"]),
        "SystemAssigned"
    );
    let a = &f.role_assignments[0];
    assert_eq!(a.scope.as_str(), Some("/subscriptions/0000"));
    assert_eq!(a.principal_id.as_str(), Some("pppp"));
}

#[test]
fn rest_value_list_and_concatenated_arrays_mix_shapes() {
    let text = r#"{ "value": [
    { "id": "/subscriptions/0000/resourceGroups/rg-net/providers/Microsoft.Network/routeTables/rt",
      "name": "rt", "type": "Microsoft.Network/routeTables", "etag": "e",
      "properties": { "disableBgpRoutePropagation": false,
        "routes": [ { "name": "r", "id": "/subscriptions/0000/resourceGroups/rg-net/providers/Microsoft.Network/routeTables/rt/routes/r",
                      "properties": { "addressPrefix": "0.0.0.0/0", "nextHopType": "Internet" } } ] } } ],
  "nextLink": null }"#;
    let res = resources(text);
    let f = facts_of(res);
    let rt = &f.route_tables[0];
    assert_eq!(
        str_at(&rt.routes[0], &["properties", "nextHopType"]),
        "Internet"
    );
    assert_eq!(str_at(&rt.routes[0], &["name"]), "r");

    // One array holding an ARM-shaped row and a flattened one.
    let text = r#"[ { "id": "/subscriptions/0/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/a",
        "type": "Microsoft.Network/virtualNetworks/subnets", "name": "a", "properties": { "addressPrefix": "10.0.0.0/24" } },
      { "id": "/subscriptions/0/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/b",
        "type": "Microsoft.Network/virtualNetworks/subnets", "name": "b", "addressPrefix": "10.0.1.0/24" },
      "not a resource", { "name": "no id" } ]"#;
    let f = facts_of(resources(text));
    let prefixes: Vec<_> = f
        .subnets
        .iter()
        .map(|s| str_at(&s.props, &["addressPrefix"]).to_string())
        .collect();
    assert_eq!(prefixes, ["10.0.0.0/24", "10.0.1.0/24"]);
}

#[test]
fn a_row_without_type_takes_it_from_its_id() {
    let text = r#"{ "data": [ { "id": "/subscriptions/0/resourceGroups/g/providers/Microsoft.Network/networkSecurityGroups/n",
        "properties": { "securityRules": [] } } ] }"#;
    let res = resources(text);
    assert_eq!(
        res[0].resource_type,
        "Microsoft.Network/networkSecurityGroups"
    );
    assert_eq!(res[0].name.as_str(), Some("n"));
    assert_eq!(
        origin_text(text, &res[0].name),
        origin_text(text, at(&res[0].body, &["id"]))
    );
}

#[test]
fn node_pools_keep_their_pool_type_not_the_arm_type() {
    let cluster =
        "/subscriptions/0/resourcegroups/g/providers/Microsoft.ContainerService/managedClusters/c";
    let text = format!(
        r#"[ {{ "id": "{cluster}/agentPools/user", "name": "user",
        "type": "Microsoft.ContainerService/managedClusters/agentPools",
        "typePropertiesType": "VirtualMachineScaleSets", "count": 2,
        "vnetSubnetId": "/subscriptions/0/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/s" }},
      {{ "id": "{cluster}/agentPools/arm", "name": "arm",
        "type": "Microsoft.ContainerService/managedClusters/agentPools",
        "properties": {{ "count": 1 }} }} ]"#
    );
    let res = resources(&text);
    assert_eq!(res[0].name.as_str(), Some("c/user"));
    let f = facts_of(res);
    let pool = &f.child_pools[0];
    assert_eq!(
        pool.cluster_id.as_deref(),
        Some(&*cluster.to_ascii_lowercase())
    );
    assert_eq!(pool.pool.name.as_str(), Some("user"));
    assert_eq!(
        str_at(&pool.pool.props, &["type"]),
        "VirtualMachineScaleSets"
    );
    assert!(str_at(&pool.pool.props, &["vnetSubnetID"]).ends_with("/subnets/s"));
    assert!(f.child_pools[1].pool.props.get("type").is_none());
}

#[test]
fn an_arm_template_is_reported_as_one() {
    let text = r#"{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
      "contentVersion": "1.0.0.0", "parameters": {}, "resources": [] }"#;
    assert!(matches!(read(text, FILE), Ok(Context::Template)));
}

#[test]
fn other_shapes_are_errors_with_a_span() {
    for text in [
        r#"{ "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#", "parameters": {} }"#,
        r#"  { "newVNet": { "id": "x" } }"#,
        "42",
    ] {
        let err = read(text, FILE).expect_err("not an export");
        assert!(
            err.message.contains("expected an Azure export"),
            "{}",
            err.message
        );
        let start = text.len() - text.trim_start().len();
        assert_eq!(err.span, Span::new(start, start + 1));
    }
    let err = read(r#"{ "data": { "columns": [], "rows": [] } }"#, FILE).expect_err("table");
    assert_eq!(err.span, Span::new(2, 8));
    assert!(err.message.contains("table format"));
}

#[test]
fn a_malformed_row_stops_the_read_at_its_span() {
    let text = r#"[ { "id": "/subscriptions/0/resourceGroups/g/providers/Microsoft.Network/routeTables/a", "type": "Microsoft.Network/routeTables" },
      { "id": "x" "name": "y" } ]"#;
    let err = read(text, FILE).expect_err("malformed");
    let at = text.find("\"name\": \"y\"").expect("in text");
    assert_eq!(err.span.start as usize, at);
    assert!(err.message.contains("expected ',' or '}'"));
}

#[test]
fn the_number_of_resources_is_bounded() {
    let row = r#"{"id":"/subscriptions/0/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i","type":"Microsoft.ManagedIdentity/userAssignedIdentities"}"#;
    let mut text = String::from("[");
    for _ in 0..=MAX_RESOURCES {
        text.push_str(row);
        text.push(',');
    }
    text.push(']');
    let err = read(&text, FILE).expect_err("too many");
    assert!(err.message.contains("more than 200000 resources"));
    let last = text.len() - 1 - 1 - row.len();
    assert_eq!(err.span, Span::new(last, last + row.len()));
}

#[test]
fn the_name_comes_from_the_id_when_the_row_has_none() {
    assert_eq!(
        normalize_name(
            "/subscriptions/s/resourcegroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/s1/"
        ),
        Some("v/s1".to_string())
    );
}

fn normalize_name(id: &str) -> Option<String> {
    let text =
        format!(r#"[{{"id": "{id}", "type": "Microsoft.Network/virtualNetworks/subnets"}}]"#);
    resources(&text)
        .first()
        .and_then(|r| r.name.as_str().map(str::to_string))
}

/// Times reading a large export: `TENDON_CONTEXT_FILE=/tmp/ctx.json cargo test
/// --release --lib context::tests::read_a_large_export -- --ignored --nocapture`
/// (generate the file with `scripts/gen-context.py`).
#[test]
#[ignore]
fn read_a_large_export() {
    let Ok(path) = std::env::var("TENDON_CONTEXT_FILE") else {
        return;
    };
    let text = std::fs::read_to_string(&path).expect("readable file");
    let start = std::time::Instant::now();
    let res = resources(&text);
    let read = start.elapsed();
    // Peak memory so far (Linux): the text plus what reading kept.
    let peak = || {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM"))
                    .map(str::to_string)
            })
            .unwrap_or_default()
    };
    println!("after read: {}", peak());
    let f = facts_of(res);
    println!(
        "{path}: {} MB read in {read:?}; {} clusters, {} subnets, {} route tables, {} NSGs, {} identities",
        text.len() / 1_000_000,
        f.clusters.len(),
        f.subnets.len(),
        f.route_tables.len(),
        f.nsgs.len(),
        f.identities.len()
    );
}
