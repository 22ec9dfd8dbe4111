#!/usr/bin/env python3
"""Generates a synthetic Azure Resource Graph export (`az graph query -o json`)
of about MB megabytes for measuring `--context` reading.

Usage: scripts/gen-context.py [MB] [OUT]   (defaults: 50, context-50mb.json)

Deterministic (fixed seed). Rows are ARM-shaped as Resource Graph prints
them (lower-case types, `properties` nested, injected `resourceGroup`), in
groups per resource group: a VNet with several subnets and a peering, route
tables, NSGs with rules, an AKS cluster with pools, identities. Every value
is made up.
"""

import json
import random
import sys

SUB = "00000000-0000-0000-0000-000000000000"


def rid(rg, provider, *parts):
    return f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/{provider}/" + "/".join(parts)


def ref(rg, provider, *parts):
    return {"id": rid(rg, provider, *parts), "resourceGroup": rg}


def common(rng, rg, type_, name, id_):
    return {
        "id": id_,
        "name": name,
        "type": type_,
        "tenantId": "11111111-1111-1111-1111-111111111111",
        "kind": "",
        "location": rng.choice(["westeurope", "northeurope", "eastus2"]),
        "resourceGroup": rg.lower(),
        "subscriptionId": SUB,
        "managedBy": "",
        "sku": None,
        "plan": None,
        "tags": {"costCenter": f"cc-{rng.randrange(1000)}", "owner": f"team-{rng.randrange(50)}@example.com"},
        "identity": None,
        "zones": None,
        "extendedLocation": None,
    }


def group(rng, g):
    rg = f"rg-app-{g:05d}"
    a, b = divmod(g % 60000, 250)
    base = f"10.{a % 250}.{b}"
    rows = []
    vnet = f"vnet-{g}"
    rts, nsgs = [], []
    for k in range(2):
        name = f"rt-{g}-{k}"
        rts.append(name)
        t = common(rng, rg, "microsoft.network/routetables", name, rid(rg, "Microsoft.Network", "routeTables", name))
        t["properties"] = {
            "provisioningState": "Succeeded",
            "resourceGuid": f"{rng.getrandbits(128):032x}",
            "disableBgpRoutePropagation": rng.random() < 0.5,
            "routes": [
                {
                    "name": f"route-{r}",
                    "id": rid(rg, "Microsoft.Network", "routeTables", name, "routes", f"route-{r}"),
                    "etag": f"W/\"{rng.getrandbits(64):016x}\"",
                    "type": "Microsoft.Network/routeTables/routes",
                    "properties": {
                        "provisioningState": "Succeeded",
                        "addressPrefix": f"10.{rng.randrange(256)}.{rng.randrange(256)}.0/24" if r else "0.0.0.0/0",
                        "nextHopType": "VirtualAppliance",
                        "nextHopIpAddress": f"10.0.{rng.randrange(256)}.4",
                        "hasBgpOverride": False,
                    },
                }
                for r in range(4)
            ],
            "subnets": [ref(rg, "Microsoft.Network", "virtualNetworks", vnet, "subnets", f"snet-{k}")],
        }
        rows.append(t)
    for k in range(2):
        name = f"nsg-{g}-{k}"
        nsgs.append(name)
        n = common(rng, rg, "microsoft.network/networksecuritygroups", name, rid(rg, "Microsoft.Network", "networkSecurityGroups", name))
        n["properties"] = {
            "provisioningState": "Succeeded",
            "resourceGuid": f"{rng.getrandbits(128):032x}",
            "securityRules": [
                {
                    "name": f"rule-{r}",
                    "id": rid(rg, "Microsoft.Network", "networkSecurityGroups", name, "securityRules", f"rule-{r}"),
                    "type": "Microsoft.Network/networkSecurityGroups/securityRules",
                    "properties": {
                        "provisioningState": "Succeeded",
                        "description": "synthetic rule",
                        "priority": 100 + 10 * r,
                        "direction": rng.choice(["Inbound", "Outbound"]),
                        "access": rng.choice(["Allow", "Deny"]),
                        "protocol": rng.choice(["Tcp", "Udp", "*"]),
                        "sourceAddressPrefix": rng.choice(["*", "VirtualNetwork", f"{base}.0/24"]),
                        "sourceAddressPrefixes": [],
                        "sourcePortRange": "*",
                        "sourcePortRanges": [],
                        "destinationAddressPrefix": rng.choice(["*", "Internet", "AzureCloud"]),
                        "destinationAddressPrefixes": [],
                        "destinationPortRange": str(rng.choice([22, 443, 3389, 8080])),
                        "destinationPortRanges": [],
                    },
                }
                for r in range(6)
            ],
            "defaultSecurityRules": [
                {"name": d, "id": rid(rg, "Microsoft.Network", "networkSecurityGroups", name, "defaultSecurityRules", d),
                 "properties": {"priority": 65000 + i, "access": "Allow", "direction": "Inbound", "protocol": "*",
                                "sourceAddressPrefix": "VirtualNetwork", "destinationAddressPrefix": "VirtualNetwork",
                                "sourcePortRange": "*", "destinationPortRange": "*"}}
                for i, d in enumerate(["AllowVnetInBound", "AllowAzureLoadBalancerInBound", "DenyAllInBound"])
            ],
            "subnets": [ref(rg, "Microsoft.Network", "virtualNetworks", vnet, "subnets", f"snet-{k}")],
        }
        rows.append(n)
    v = common(rng, rg, "microsoft.network/virtualnetworks", vnet, rid(rg, "Microsoft.Network", "virtualNetworks", vnet))
    subnets = []
    for k in range(5):
        s = {
            "name": f"snet-{k}",
            "id": rid(rg, "Microsoft.Network", "virtualNetworks", vnet, "subnets", f"snet-{k}"),
            "etag": f"W/\"{rng.getrandbits(64):016x}\"",
            "type": "Microsoft.Network/virtualNetworks/subnets",
            "resourceGroup": rg.lower(),
            "properties": {
                "provisioningState": "Succeeded",
                "addressPrefix": f"{base}.{k * 32}/27",
                "privateEndpointNetworkPolicies": "Disabled",
                "privateLinkServiceNetworkPolicies": "Enabled",
                "delegations": [],
                "ipConfigurations": [ref(rg, "Microsoft.Network", "networkInterfaces", f"nic-{g}-{k}-{i}", "ipConfigurations", "ipconfig1") for i in range(3)],
            },
        }
        if k < 2:
            s["properties"]["routeTable"] = ref(rg, "Microsoft.Network", "routeTables", rts[k])
            s["properties"]["networkSecurityGroup"] = ref(rg, "Microsoft.Network", "networkSecurityGroups", nsgs[k])
        if k == 4:
            s["properties"]["delegations"] = [{
                "name": "delegation",
                "id": s["id"] + "/delegations/delegation",
                "type": "Microsoft.Network/virtualNetworks/subnets/delegations",
                "properties": {"serviceName": "Microsoft.Web/serverFarms", "actions": ["Microsoft.Network/virtualNetworks/subnets/action"], "provisioningState": "Succeeded"},
            }]
        subnets.append(s)
    v["properties"] = {
        "provisioningState": "Succeeded",
        "resourceGuid": f"{rng.getrandbits(128):032x}",
        "addressSpace": {"addressPrefixes": [f"{base}.0/24"]},
        "dhcpOptions": {"dnsServers": []},
        "enableDdosProtection": False,
        "subnets": subnets,
        "virtualNetworkPeerings": [{
            "name": "to-hub",
            "id": v["id"] + "/virtualNetworkPeerings/to-hub",
            "properties": {
                "peeringState": "Connected",
                "peeringSyncLevel": "FullyInSync",
                "remoteVirtualNetwork": ref("rg-hub", "Microsoft.Network", "virtualNetworks", "hub"),
                "remoteAddressSpace": {"addressPrefixes": ["10.255.0.0/16"]},
                "allowVirtualNetworkAccess": True,
                "allowForwardedTraffic": True,
                "allowGatewayTransit": False,
                "useRemoteGateways": True,
            },
        }],
    }
    rows.append(v)
    ids = []
    for k in range(2):
        name = f"id-{g}-{k}"
        i = common(rng, rg, "microsoft.managedidentity/userassignedidentities", name,
                   rid(rg, "Microsoft.ManagedIdentity", "userAssignedIdentities", name).replace("/resourceGroups/", "/resourcegroups/"))
        i["properties"] = {"tenantId": "11111111-1111-1111-1111-111111111111",
                           "principalId": f"{rng.getrandbits(128):032x}", "clientId": f"{rng.getrandbits(128):032x}"}
        ids.append(i["id"])
        rows.append(i)
    name = f"aks-{g}"
    c = common(rng, rg, "microsoft.containerservice/managedclusters", name,
               rid(rg, "Microsoft.ContainerService", "managedClusters", name).replace("/resourceGroups/", "/resourcegroups/"))
    c["identity"] = {"type": "UserAssigned", "userAssignedIdentities": {ids[0]: {"clientId": "c", "principalId": "p"}}}
    c["sku"] = {"name": "Base", "tier": "Free"}
    c["properties"] = {
        "provisioningState": "Succeeded",
        "kubernetesVersion": "1.30.5",
        "dnsPrefix": name,
        "fqdn": f"{name}-{rng.getrandbits(32):08x}.hcp.westeurope.azmk8s.io",
        "agentPoolProfiles": [
            {
                "name": p, "count": rng.randrange(1, 10), "vmSize": "Standard_D4s_v5", "osDiskSizeGB": 128,
                "osDiskType": "Managed", "kubeletDiskType": "OS", "maxPods": 30, "type": "VirtualMachineScaleSets",
                "enableAutoScaling": False, "provisioningState": "Succeeded", "orchestratorVersion": "1.30.5",
                "mode": "System" if p == "system" else "User", "osType": "Linux", "osSKU": "Ubuntu",
                "vnetSubnetID": subnets[k]["id"],
                "upgradeSettings": {"maxSurge": "10%"},
                "nodeLabels": {"pool": p},
            }
            for k, p in enumerate(["system", "user"])
        ],
        "linuxProfile": {"adminUsername": "azureuser", "ssh": {"publicKeys": [{"keyData": "ssh-rsa AAAAsynthetic"}]}},
        "servicePrincipalProfile": {"clientId": "msi"},
        "addonProfiles": {"azurepolicy": {"enabled": True, "config": None}},
        "nodeResourceGroup": f"MC_{rg}_{name}_westeurope",
        "enableRBAC": True,
        "networkProfile": {
            "networkPlugin": "kubenet", "podCidr": "10.244.0.0/16", "serviceCidr": "10.0.0.0/16",
            "dnsServiceIP": "10.0.0.10", "outboundType": "userDefinedRouting", "loadBalancerSku": "standard",
            "podCidrs": ["10.244.0.0/16"], "serviceCidrs": ["10.0.0.0/16"], "ipFamilies": ["IPv4"],
        },
        "identityProfile": {"kubeletidentity": {"resourceId": ids[1], "clientId": "c", "objectId": "o"}},
    }
    rows.append(c)
    return rows


def main():
    mb = float(sys.argv[1]) if len(sys.argv) > 1 else 50.0
    out = sys.argv[2] if len(sys.argv) > 2 else "context-50mb.json"
    target = int(mb * 1024 * 1024)
    rng = random.Random(14)
    chunks = []
    written = 0
    g = 0
    while written < target:
        for row in group(rng, g):
            text = "    " + json.dumps(row, indent=2).replace("\n", "\n    ")
            chunks.append(text)
            written += len(text) + 2
        g += 1
    count = len(chunks)
    with open(out, "w", encoding="utf-8") as f:
        f.write(f'{{\n  "count": {count},\n  "data": [\n')
        f.write(",\n".join(chunks))
        f.write(f'\n  ],\n  "skip_token": null,\n  "total_records": {count}\n}}\n')
    print(f"{out}: {count} rows, {written / 1048576:.1f} MB")


if __name__ == "__main__":
    main()
