//! AKS-shaped ARM templates (clusters, agent pools on subnets, VNets, route
//! tables, NSGs, role assignments, nested and linked deployments) whose
//! values are random expressions over the functions tendon implements.

use serde_json::{Value, json};

use super::pools::{NUMBERS, Ty, text};
use super::rng::Rng;

const API: &[&str] = &["2023-09-01", "2024-02-01", "2022-04-01", "2021-01-01"];

/// Templates of function calls by result type: `S I B A O X` are arguments
/// of that type (X any), `L` a one-variable lambda, `P` a two-variable
/// predicate lambda, `F` a lambda with a Boolean body.
const ARM_STR: &[&str] = &[
    "concat(S, S)",
    "concat(S, X, S)",
    "format(S, X, X)",
    "format('{0}-{1}', X, X)",
    "toLower(S)",
    "toUpper(S)",
    "substring(S, I, I)",
    "substring(S, I)",
    "replace(S, S, S)",
    "trim(S)",
    "padLeft(X, I, S)",
    "string(X)",
    "join(A, S)",
    "base64(S)",
    "base64ToString(S)",
    "uri(S, S)",
    "uriComponent(S)",
    "uriComponentToString(S)",
    "dataUri(X)",
    "dataUriToString(S)",
    "guid(S)",
    "guid(S, S, S)",
    "uniqueString(S)",
    "uniqueString(resourceGroup().id, S)",
    "first(S)",
    "last(A)",
    "if(B, S, S)",
    "coalesce(X, S)",
    "resourceId(S, S)",
    "resourceId('Microsoft.Network/virtualNetworks/subnets', S, S)",
    "resourceId(S, S, 'Microsoft.Network/virtualNetworks', S)",
    "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', S)",
    "tenantResourceId(S, S)",
    "extensionResourceId(S, S, S)",
    "managementGroupResourceId(S, S)",
    "cidrSubnet(S, I, I)",
    "cidrHost(S, I)",
    "utcNow()",
    "utcNow(S)",
    "newGuid()",
    "resourceGroup().id",
    "resourceGroup().location",
    "resourceGroup().name",
    "subscription().subscriptionId",
    "deployment().name",
    "environment().name",
    "tenant().tenantId",
    "reference(S).id",
    "reference(S, '2023-09-01').principalId",
    "reference(resourceId('Microsoft.ContainerService/managedClusters', S), '2024-02-01', 'Full').identity.principalId",
    "listKeys(S, '2020-01-01').keys[0].value",
    "split(S, S)[I]",
    "A[I]",
    "O.name",
    "O[S]",
    "items(O)[I].key",
    "json(S)",
    "tryGet(O, S)",
    "string(copyIndex())",
    "dateTimeAdd(S, S)",
    "dateTimeFromEpoch(I)",
    "indexFromEnd(A, I)",
    "tryIndexFromEnd(A, I)",
    "parseCidr(S).network",
    "skip(S, I)",
    "take(S, I)",
];

const ARM_INT: &[&str] = &[
    "add(I, I)",
    "sub(I, I)",
    "mul(I, I)",
    "div(I, I)",
    "mod(I, I)",
    "length(X)",
    "int(S)",
    "int(I)",
    "min(I, I)",
    "max(A)",
    "indexOf(S, S)",
    "lastIndexOf(A, X)",
    "copyIndex()",
    "copyIndex(I)",
    "copyIndex(S)",
    "dateTimeToEpoch(S)",
    "if(B, I, I)",
    "parseCidr(S).cidr",
    "reduce(A, I, lambda('c', 'n', add(lambdaVariables('c'), 1)))",
    "length(filter(A, F))",
    "first(range(I, I))",
];

const ARM_BOOL: &[&str] = &[
    "equals(X, X)",
    "less(I, I)",
    "lessOrEquals(S, S)",
    "greater(X, X)",
    "greaterOrEquals(I, I)",
    "not(B)",
    "and(B, B)",
    "or(B, B, B)",
    "contains(X, X)",
    "empty(X)",
    "startsWith(S, S)",
    "endsWith(S, S)",
    "bool(X)",
    "true()",
    "false()",
    "if(B, B, B)",
];

const ARM_ARR: &[&str] = &[
    "createArray(X, X)",
    "createArray()",
    "range(I, I)",
    "split(S, S)",
    "skip(A, I)",
    "take(A, I)",
    "union(A, A)",
    "intersection(A, A)",
    "flatten(A)",
    "concat(A, A)",
    "map(A, L)",
    "filter(A, F)",
    "sort(A, P)",
    "items(O)",
    "array(X)",
    "objectKeys(O)",
    "reference(S).subnets",
    "O.list",
    "if(B, A, A)",
    "json('[1, 2]')",
    "createArray(A, A)",
];

const ARM_OBJ: &[&str] = &[
    "createObject(S, X, S, X)",
    "createObject()",
    "json(S)",
    "json('{\"a\": {\"b\": [1]}}')",
    "union(O, O)",
    "shallowMerge(A)",
    "toObject(A, L)",
    "toObject(A, L, L)",
    "groupBy(A, L)",
    "mapValues(O, L)",
    "parseCidr(S)",
    "resourceGroup()",
    "subscription()",
    "deployment()",
    "reference(S, '2024-02-01', 'Full')",
    "tryGet(O, S)",
    "if(B, O, O)",
    "null()",
    "createObject('a', O, 'b', O)",
];

struct Arm<'r> {
    rng: &'r mut Rng,
    params: Vec<(String, Ty)>,
    vars: Vec<(String, Ty)>,
    lambdas: Vec<String>,
    loops: Vec<String>,
    siblings: Vec<String>,
    depth: usize,
}

impl<'r> Arm<'r> {
    fn new(rng: &'r mut Rng, siblings: Vec<String>, depth: usize) -> Self {
        Arm {
            rng,
            params: Vec::new(),
            vars: Vec::new(),
            lambdas: Vec::new(),
            loops: Vec::new(),
            siblings,
            depth,
        }
    }

    fn lit_str(&mut self) -> String {
        format!("'{}'", text(self.rng).replace('\'', "''"))
    }

    fn leaf(&mut self, ty: Ty) -> String {
        let ty = ty.concrete(self.rng);
        if !self.lambdas.is_empty() && self.rng.one_in(3) {
            let v = self.rng.pick(&self.lambdas).clone();
            return format!("lambdaVariables('{v}')");
        }
        if self.rng.one_in(3) {
            let known: Vec<String> = self
                .params
                .iter()
                .filter(|(_, t)| *t == ty)
                .map(|(n, _)| format!("parameters('{n}')"))
                .chain(
                    self.vars
                        .iter()
                        .filter(|(_, t)| *t == ty)
                        .map(|(n, _)| format!("variables('{n}')")),
                )
                .collect();
            if !known.is_empty() {
                return self.rng.pick(&known).clone();
            }
        }
        match ty {
            Ty::Str => self.lit_str(),
            Ty::Int => self.rng.pick(NUMBERS).to_string(),
            Ty::Bool => self.rng.pick(&["true", "false", "true()"]).to_string(),
            Ty::Arr => self
                .rng
                .pick(&[
                    "createArray(1, 2, 3)",
                    "range(0, 3)",
                    "createArray('a', 'b')",
                    "json('[]')",
                ])
                .to_string(),
            _ => self
                .rng
                .pick(&[
                    "json('{}')",
                    "createObject('name', 'n', 'list', createArray(1))",
                    "resourceGroup()",
                ])
                .to_string(),
        }
    }

    fn lambda(&mut self, params: &[&str], body: Ty, d: usize) -> String {
        let names: Vec<String> = params
            .iter()
            .map(|p| format!("{p}{}", self.lambdas.len()))
            .collect();
        self.lambdas.extend(names.iter().cloned());
        let b = self.expr(body, d);
        self.lambdas.truncate(self.lambdas.len() - names.len());
        let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
        format!("lambda({}, {b})", quoted.join(", "))
    }

    fn expr(&mut self, ty: Ty, d: usize) -> String {
        let ty = ty.concrete(self.rng);
        if d == 0 || self.rng.one_in(4) {
            return self.leaf(ty);
        }
        let table = match ty {
            Ty::Str => ARM_STR,
            Ty::Int => ARM_INT,
            Ty::Bool => ARM_BOOL,
            Ty::Arr => ARM_ARR,
            _ => ARM_OBJ,
        };
        let shape = *self.rng.pick(table);
        let mut out = String::new();
        let mut chars = shape.chars().peekable();
        let mut in_quote = false;
        while let Some(c) = chars.next() {
            if c == '\'' {
                in_quote = !in_quote;
            }
            let boundary = !out.chars().last().is_some_and(|p| p.is_alphanumeric());
            let next_ok = !chars.peek().is_some_and(|n| n.is_alphanumeric());
            let arg = if !in_quote && boundary && next_ok {
                match c {
                    'S' => Some(Ty::Str),
                    'I' => Some(Ty::Int),
                    'B' => Some(Ty::Bool),
                    'A' => Some(Ty::Arr),
                    'O' => Some(Ty::Obj),
                    'X' => Some(Ty::Any),
                    _ => None,
                }
            } else {
                None
            };
            match (arg, c) {
                (Some(t), _) => out.push_str(&self.expr(t, d - 1)),
                (None, 'L') if !in_quote && boundary && next_ok => {
                    out.push_str(&self.lambda(&["x"], Ty::Any, d - 1))
                }
                (None, 'P') if !in_quote && boundary && next_ok => {
                    out.push_str(&self.lambda(&["a", "b"], Ty::Bool, d - 1))
                }
                (None, 'F') if !in_quote && boundary && next_ok => {
                    out.push_str(&self.lambda(&["x"], Ty::Bool, d - 1))
                }
                _ => out.push(c),
            }
        }
        if self.rng.one_in(8) {
            out.push_str(self.rng.pick::<&str>(&[
                ".name",
                "[0]",
                "['a']",
                ".properties.subnets[0].id",
                "[-1]",
                ".?x",
            ]));
        }
        if !self.loops.is_empty() && self.rng.one_in(6) {
            let l = self.rng.pick(&self.loops).clone();
            out = format!("concat(string({out}), string(copyIndex('{l}')))");
        }
        out
    }

    /// An expression string as ARM writes it, sometimes broken or absurdly deep.
    fn bracket(&mut self, ty: Ty) -> String {
        let d = self.rng.between(1, 5);
        let mut e = self.expr(ty, d);
        match self.rng.below(40) {
            0 => {
                let n = *self.rng.pick(&[50, 500, 5_000, 100_000]);
                e = format!("{}{e}{}", "concat(".repeat(n), ")".repeat(n));
            }
            1 if !e.is_empty() => {
                let at = self.rng.below(e.len());
                if e.is_char_boundary(at) {
                    e.remove(at);
                }
            }
            2 => e.push(')'),
            3 => e = format!("{e}]"),
            _ => {}
        }
        format!("[{e}]")
    }

    /// A value of `ty`: a literal or an expression.
    fn val(&mut self, ty: Ty) -> Value {
        let ty = ty.concrete(self.rng);
        if self.rng.one_in(3) {
            return Value::String(self.bracket(ty));
        }
        match ty {
            Ty::Str => Value::String(text(self.rng)),
            Ty::Int => serde_json::from_str(self.rng.pick::<&str>(NUMBERS)).unwrap_or(json!(3)),
            Ty::Bool => Value::Bool(self.rng.one_in(2)),
            Ty::Arr => json!([text(self.rng), 1, {"name": "x"}]),
            _ => json!({"name": text(self.rng), "list": [1, 2]}),
        }
    }

    fn str_or(&mut self, choices: &[&str]) -> Value {
        if self.rng.one_in(4) {
            self.val(Ty::Str)
        } else {
            Value::String(self.rng.pick(choices).to_string())
        }
    }

    fn cidr(&mut self) -> Value {
        self.str_or(&[
            "10.0.0.0/16",
            "10.0.1.0/24",
            "10.0.2.0/24",
            "10.244.0.0/16",
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "10.0.0.0/33",
            "fd00::/64",
            "0.0.0.0/0",
            "10.0.0.0",
        ])
    }

    fn subnet_id(&mut self) -> Value {
        let v = self.rng.pick(&["vnet", "hub", "spoke"]).to_string();
        let s = self.rng.pick(&["nodes", "AKS", "pods"]).to_string();
        let e = match self.rng.below(8) {
            0 => format!(
                "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/{v}/subnets/{s}"
            ),
            1 => format!(
                "[concat(resourceId('Microsoft.Network/virtualNetworks', '{v}'), '/subnets/{s}')]"
            ),
            2 => format!(
                "[reference(resourceId('Microsoft.Network/virtualNetworks', '{v}'), '2023-09-01').subnets[0].id]"
            ),
            3 => format!(
                "[format('{{0}}/subnets/{{1}}', resourceId('Microsoft.Network/virtualNetworks', '{v}'), '{s}')]"
            ),
            4 => return self.val(Ty::Str),
            _ => format!("[resourceId('Microsoft.Network/virtualNetworks/subnets', '{v}', '{s}')]"),
        };
        Value::String(e)
    }

    fn count(&mut self) -> Value {
        if self.rng.one_in(3) {
            self.val(Ty::Int)
        } else {
            json!(self.rng.between(0, 4))
        }
    }

    fn pool(&mut self) -> Value {
        let mut p = json!({
            "name": self.str_or(&["system", "user", "win", "np1"]),
            "count": self.count(),
            "mode": self.str_or(&["System", "User"]),
            "vmSize": "Standard_D4s_v5",
        });
        if self.rng.one_in(2) {
            p["vnetSubnetID"] = self.subnet_id();
        }
        if self.rng.one_in(3) {
            p["osType"] = self.str_or(&["Windows", "Linux"]);
        }
        if self.rng.one_in(3) {
            p["maxPods"] = self.count();
            p["enableAutoScaling"] = self.val(Ty::Bool);
            p["maxCount"] = self.count();
        }
        if self.rng.one_in(4) {
            p["podSubnetID"] = self.subnet_id();
        }
        if self.rng.one_in(5) {
            p["upgradeSettings"] = json!({"maxSurge": self.str_or(&["33%", "1", "0"])});
        }
        p
    }

    fn network_profile(&mut self) -> Value {
        let mut n = json!({"networkPlugin": self.str_or(&["kubenet", "azure", "none"])});
        for (key, ty) in [
            ("podCidr", 0),
            ("serviceCidr", 0),
            ("dnsServiceIP", 1),
            ("networkPluginMode", 2),
            ("outboundType", 3),
            ("loadBalancerSku", 4),
        ] {
            if self.rng.one_in(2) {
                n[key] = match ty {
                    0 => self.cidr(),
                    1 => self.str_or(&["10.0.0.10", "10.2.0.10", "10.0.0.0"]),
                    2 => self.str_or(&["overlay"]),
                    3 => self.str_or(&["userDefinedRouting", "loadBalancer"]),
                    _ => self.str_or(&["basic", "standard"]),
                };
            }
        }
        if self.rng.one_in(5) {
            n["podCidrs"] = json!([self.cidr(), self.cidr()]);
        }
        n
    }

    fn resource(&mut self) -> Value {
        let mut r = match self.rng.below(11) {
            0 | 1 => {
                let mut subnets = Vec::new();
                for _ in 0..self.rng.below(3) {
                    let mut props = json!({"addressPrefix": self.cidr()});
                    if self.rng.one_in(2) {
                        props["routeTable"] = json!({"id": self.str_or(&[
                            "[resourceId('Microsoft.Network/routeTables', 'rt')]",
                        ])});
                    }
                    if self.rng.one_in(3) {
                        props["networkSecurityGroup"] = json!({"id": self.str_or(&[
                            "[resourceId('Microsoft.Network/networkSecurityGroups', 'nsg')]",
                        ])});
                    }
                    subnets.push(json!({"name": self.str_or(&["nodes", "AKS", "pods"]), "properties": props}));
                }
                let mut props = json!({
                    "addressSpace": {"addressPrefixes": [self.cidr()]},
                    "subnets": subnets,
                });
                if self.rng.one_in(3) {
                    let name = format!("sn{}", self.loops.len());
                    self.loops.push(name.clone());
                    let input = json!({
                        "name": format!("[concat('s', copyIndex('{name}'))]"),
                        "properties": {"addressPrefix": self.val(Ty::Str)},
                    });
                    self.loops.pop();
                    props["copy"] =
                        json!([{"name": "subnets", "count": self.count(), "input": input}]);
                }
                json!({"type": "Microsoft.Network/virtualNetworks",
                       "name": self.str_or(&["vnet", "hub", "spoke"]), "properties": props})
            }
            2 => json!({"type": "Microsoft.Network/virtualNetworks/subnets",
                        "name": self.str_or(&["vnet/nodes", "hub/AKS", "vnet/pods"]),
                        "dependsOn": ["[resourceId('Microsoft.Network/virtualNetworks', 'vnet')]"],
                        "properties": {"addressPrefix": self.cidr(),
                                       "routeTable": {"id": self.val(Ty::Str)}}}),
            3 => json!({"type": "Microsoft.Network/routeTables",
                        "name": self.str_or(&["rt"]),
                        "properties": {"disableBgpRoutePropagation": self.val(Ty::Bool),
                                       "routes": [{"name": "r", "properties": {
                                           "addressPrefix": self.cidr(),
                                           "nextHopType": "VirtualAppliance",
                                           "nextHopIpAddress": self.str_or(&["10.0.0.4"])}}]}}),
            4 => json!({"type": "Microsoft.Network/networkSecurityGroups",
                        "name": "nsg",
                        "properties": {"securityRules": [{"name": "deny", "properties": {
                            "priority": self.count(), "direction": self.str_or(&["Inbound", "Outbound"]),
                            "access": self.str_or(&["Deny", "Allow"]), "protocol": self.str_or(&["*", "Tcp"]),
                            "sourceAddressPrefix": self.str_or(&["*", "VirtualNetwork", "10.244.0.0/16"]),
                            "destinationAddressPrefix": "*", "sourcePortRange": "*",
                            "destinationPortRange": self.str_or(&["*", "443", "1-65535"])}}]}}),
            5 => json!({"type": "Microsoft.ManagedIdentity/userAssignedIdentities",
                        "name": self.str_or(&["aks-id"])}),
            6 | 7 => {
                let mut pools = Vec::new();
                for _ in 0..self.rng.below(4) {
                    pools.push(self.pool());
                }
                let mut props = json!({
                    "dnsPrefix": self.str_or(&["aks"]),
                    "agentPoolProfiles": pools,
                    "networkProfile": self.network_profile(),
                });
                if self.rng.one_in(3) {
                    let pool = self.pool();
                    props["copy"] = json!([{"name": "agentPoolProfiles", "count": self.count(), "input": pool}]);
                }
                let identity = if self.rng.one_in(2) {
                    json!({"type": "SystemAssigned"})
                } else {
                    json!({"type": "UserAssigned", "userAssignedIdentities": {
                        "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'aks-id')]": {}}})
                };
                json!({"type": "Microsoft.ContainerService/managedClusters",
                       "name": self.str_or(&["aks-1", "aks-2"]),
                       "identity": identity, "properties": props})
            }
            8 => {
                let pool = self.pool();
                json!({"type": "Microsoft.ContainerService/managedClusters/agentPools",
                       "name": self.str_or(&["aks-1/user", "aks-2/win"]),
                       "properties": pool})
            }
            9 => json!({"type": "Microsoft.Authorization/roleAssignments",
                        "name": self.val(Ty::Str),
                        "scope": self.str_or(&["Microsoft.Network/virtualNetworks/vnet",
                                                "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'nodes')]"]),
                        "properties": {
                            "roleDefinitionId": self.str_or(&[
                                "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4d97b98b-1d4f-4787-a291-c67834d212e7')]",
                                "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'acdd72a7-3385-48ef-bd42-f606fba81ae7')]"]),
                            "principalId": self.str_or(&[
                                "[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'aks-id'), '2023-01-31').principalId]",
                                "[reference(resourceId('Microsoft.ContainerService/managedClusters', 'aks-1'), '2024-02-01', 'Full').identity.principalId]"]),
                            "principalType": "ServicePrincipal"}}),
            _ => self.deployment(),
        };
        r["apiVersion"] = Value::String(self.rng.pick(API).to_string());
        if self.rng.one_in(2) {
            r["location"] = self.str_or(&["westeurope", "[resourceGroup().location]"]);
        }
        if self.rng.one_in(5) {
            r["condition"] = self.val(Ty::Bool);
        }
        if self.rng.one_in(4) {
            let name = format!("c{}", self.loops.len());
            r["copy"] = json!({"name": name, "count": self.count(),
                               "mode": self.str_or(&["Parallel", "Serial"]), "batchSize": 1});
            if self.rng.one_in(2) {
                self.loops.push(name.clone());
                r["name"] =
                    Value::String(format!("[concat({}, copyIndex('{name}'))]", self.lit_str()));
                self.loops.pop();
            }
        }
        if self.rng.one_in(6) {
            r["dependsOn"] = json!([self.val(Ty::Str)]);
        }
        if self.rng.one_in(10) {
            r["metadata"] =
                json!({"tendon": {"suppress": [self.str_or(&["AKS011", "AKS021", "*"])]}});
        }
        r
    }

    fn deployment(&mut self) -> Value {
        let mut props = json!({"mode": "Incremental"});
        if !self.siblings.is_empty() && self.rng.one_in(2) {
            let target = self.rng.pick(&self.siblings).clone();
            props["templateLink"] = json!({"relativePath": self.str_or(&[&target])});
            if self.rng.one_in(4) {
                props["parametersLink"] =
                    json!({"relativePath": self.str_or(&["main.parameters.json"])});
            }
        } else if self.depth > 0 {
            let mut inner = Arm::new(self.rng, Vec::new(), self.depth - 1);
            props["template"] = inner.template();
            if self.rng.one_in(2) {
                props["expressionEvaluationOptions"] =
                    json!({"scope": self.str_or(&["inner", "outer"])});
            }
        } else {
            props["template"] = self.val(Ty::Obj);
        }
        props["parameters"] = json!({
            "pS": {"value": self.val(Ty::Str)},
            "pI": {"value": self.val(Ty::Int)},
            "pA": {"value": self.val(Ty::Arr)},
        });
        let mut d = json!({"type": "Microsoft.Resources/deployments",
                           "name": self.str_or(&["nested", "[concat('d', copyIndex())]"]),
                           "properties": props});
        if self.rng.one_in(3) {
            d["resourceGroup"] = self.str_or(&["rg-other"]);
            d["subscriptionId"] = self.str_or(&["11111111-1111-1111-1111-111111111111"]);
        }
        d
    }

    fn template(&mut self) -> Value {
        let schema = *self.rng.pick(&[
            "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "https://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#",
            "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#",
            "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#",
        ]);
        let mut parameters = serde_json::Map::new();
        for (name, ty) in [
            ("pS", Ty::Str),
            ("pI", Ty::Int),
            ("pB", Ty::Bool),
            ("pA", Ty::Arr),
            ("pO", Ty::Obj),
        ] {
            if self.rng.one_in(4) {
                continue;
            }
            let mut p = json!({"type": ty.arm()});
            if self.rng.one_in(3) {
                p["defaultValue"] = self.val(ty);
            } else if self.rng.one_in(2) {
                p["defaultValue"] = match ty {
                    Ty::Str => json!("aks-1"),
                    Ty::Int => json!(2),
                    Ty::Bool => json!(true),
                    Ty::Arr => json!(["nodes", "AKS"]),
                    _ => json!({"name": "vnet"}),
                };
            }
            if self.rng.one_in(8) {
                p["allowedValues"] = json!([text(self.rng)]);
            }
            parameters.insert(name.to_string(), p);
            self.params.push((name.to_string(), ty));
        }
        let mut variables = serde_json::Map::new();
        for i in 0..self.rng.below(5) {
            let ty = Ty::Any.concrete(self.rng);
            let v = self.val(ty);
            let name = format!("v{i}");
            variables.insert(name.clone(), v);
            self.vars.push((name, ty));
        }
        if self.rng.one_in(3) {
            self.loops.push("vc".into());
            let input = self.val(Ty::Any);
            self.loops.pop();
            variables.insert(
                "copy".into(),
                json!([{"name": "vc", "count": self.count(), "input": input}]),
            );
            self.vars.push(("vc".into(), Ty::Arr));
        }
        if self.rng.one_in(6) {
            // Doubling: the size budget must stop this, not memory.
            let mut prev = "json('{\"a\": 1}')".to_string();
            for i in 0..self.rng.between(5, 40) {
                variables.insert(
                    format!("d{i}"),
                    json!(format!("[createObject('a', {prev}, 'b', {prev})]")),
                );
                prev = format!("variables('d{i}')");
            }
        }
        let mut resources = Vec::new();
        for _ in 0..self.rng.between(1, 7) {
            resources.push(self.resource());
        }
        let mut t = json!({
            "$schema": schema,
            "contentVersion": "1.0.0.0",
            "parameters": parameters,
            "variables": variables,
            "resources": resources,
        });
        if self.rng.one_in(5) {
            t["functions"] = json!([{"namespace": "ns", "members": {"f": {
                "parameters": [{"name": "a", "type": "string"}],
                "output": {"type": "string", "value": "[concat(parameters('a'), '-x')]"}}}}]);
        }
        if self.rng.one_in(6) {
            // Symbolic names: resources become an object.
            let mut named = serde_json::Map::new();
            if let Value::Array(rs) = t["resources"].take() {
                for (i, r) in rs.into_iter().enumerate() {
                    named.insert(format!("r{i}"), r);
                }
            }
            t["languageVersion"] = json!("2.0");
            t["resources"] = Value::Object(named);
        }
        t["outputs"] = json!({
            "o": {"type": "string", "value": self.val(Ty::Str)},
            "subnetId": {"type": "string", "value": self.subnet_id()},
        });
        t
    }
}

fn params_file(rng: &mut Rng) -> Value {
    let mut arm = Arm::new(rng, Vec::new(), 0);
    json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {
            "pS": {"value": arm.val(Ty::Str)},
            "pI": {"value": arm.val(Ty::Int)},
            "pA": {"value": ["nodes", "AKS"]},
            "pO": {"reference": {"keyVault": {"id": "x"}, "secretName": "s"}},
        },
    })
}

pub fn arm_batch(rng: &mut Rng, files: &mut Vec<(String, Vec<u8>)>, prefix: &str) {
    let linked = vec!["linked/child.json".to_string(), "other.json".to_string()];
    let main = Arm::new(rng, linked.clone(), 2).template();
    files.push((format!("{prefix}main.json"), pretty(&main)));
    if rng.one_in(2) {
        files.push((
            format!("{prefix}main.parameters.json"),
            pretty(&params_file(rng)),
        ));
    }
    for name in linked {
        if rng.one_in(3) {
            continue;
        }
        // A linked template may link back (a cycle), or to its sibling.
        let back = vec!["../main.json".to_string(), "main.json".to_string()];
        let t = Arm::new(rng, back, 1).template();
        files.push((format!("{prefix}{name}"), pretty(&t)));
    }
}

fn pretty(v: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(v).unwrap_or_default()
}
