//! Bicep programs: parameters, variables, resources with loops and
//! conditions, modules calling sibling files (cycles included), imports and
//! `.bicepparam` files.

use super::pools::{Ty, text};
use super::rng::Rng;
use crate::common::neutral::hidden;

/// Bicep integers (no floats; a literal beyond i64 is a parse error).
const BICEP_NUMBERS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "24",
    "110",
    "250",
    "2147483647",
    "9223372036854775807",
    "99999999999999999999",
];

struct Bicep<'r> {
    rng: &'r mut Rng,
    params: Vec<(String, Ty)>,
    vars: Vec<(String, Ty)>,
    resources: Vec<String>,
    modules: Vec<String>,
    locals: Vec<String>,
    siblings: Vec<String>,
    out: String,
}

const BICEP_STR: &[&str] = &[
    "toLower(S)",
    "concat(S, S)",
    "format('{0}-{1}', X, X)",
    "uniqueString(resourceGroup().id, S)",
    "resourceGroup().location",
    "resourceId('Microsoft.Network/virtualNetworks/subnets', S, S)",
    "subscriptionResourceId('Microsoft.Authorization/roleDefinitions', S)",
    "B ? S : S",
    "S ?? S",
    "string(X)",
    "first(A)",
    "A[I]",
    "O.name",
    "O.?name",
    "O[S]",
    "cidrSubnet(S, I, I)",
    "guid(S, S)",
    "replace(S, S, S)",
    "substring(S, I, I)",
    "join(A, S)",
    "base64(S)",
    "az.resourceGroup().id",
    "sys.concat(S, S)",
    "loadTextContent(S)",
    "loadTextContent('data.txt')",
    "loadFileAsBase64('data.txt')",
    "last(split(S, S))",
    "deployment().name",
    "environment().name",
    "padLeft(X, I, '0')",
    "O!.x",
];

const BICEP_INT: &[&str] = &[
    "I + I",
    "I - I",
    "I * I",
    "I / I",
    "I % I",
    "-I",
    "length(X)",
    "int(S)",
    "min(I, I)",
    "max(I, I)",
    "B ? I : I",
    "reduce(A, 0, (c, n) => c + 1)",
    "indexOf(S, S)",
    "(I)",
];

const BICEP_BOOL: &[&str] = &[
    "!B",
    "B && B",
    "B || B",
    "X == X",
    "X != X",
    "I < I",
    "I >= I",
    "S =~ S",
    "contains(X, X)",
    "empty(X)",
    "startsWith(S, S)",
    "bool(X)",
];

const BICEP_ARR: &[&str] = &[
    "[X, X]",
    "[\n  X\n  X\n]",
    "range(I, I)",
    "split(S, S)",
    "union(A, A)",
    "skip(A, I)",
    "take(A, I)",
    "flatten([A, A])",
    "items(O)",
    "objectKeys(O)",
    "loadJsonContent('data.json').list",
    "map(A, x => X)",
    "filter(A, x => B)",
    "sort(A, (a, b) => a < b)",
    "concat(A, A)",
    "B ? A : A",
    "[for x in A: X]",
    "[for (x, i) in A: X]",
    "[...A, X]",
];

const BICEP_OBJ: &[&str] = &[
    "{ k: X, 'q${S}': X }",
    "{\n  a: X\n  b: O\n}",
    "union(O, O)",
    "toObject(A, x => string(x))",
    "json(S)",
    "loadJsonContent('data.json')",
    "loadJsonContent(S)",
    "parseCidr(S)",
    "resourceGroup()",
    "B ? O : O",
    "shallowMerge([O, O])",
    "{ ...O, z: X }",
    "{ a: O, b: O }",
    "groupBy(A, x => string(x))",
];

impl<'r> Bicep<'r> {
    fn new(rng: &'r mut Rng, siblings: Vec<String>) -> Self {
        Bicep {
            rng,
            params: Vec::new(),
            vars: Vec::new(),
            resources: Vec::new(),
            modules: Vec::new(),
            locals: Vec::new(),
            siblings,
            out: String::new(),
        }
    }

    fn lit_str(&mut self) -> String {
        let s = self.escaped();
        match self.rng.below(8) {
            0 => format!("'''{}'''", s.replace("'''", "")),
            1 => {
                let e = self.leaf(Ty::Any);
                format!("'{s}${{{e}}}{s}'")
            }
            _ => format!("'{s}'"),
        }
    }

    /// A string literal's content, escaped (rarely raw: the parser must cope).
    fn escaped(&mut self) -> String {
        let raw = text(self.rng);
        if self.rng.one_in(10) {
            return raw;
        }
        let mut s = String::new();
        for c in raw.chars() {
            match c {
                '\\' => s.push_str("\\\\"),
                '\'' => s.push_str("\\'"),
                '$' => s.push_str("\\$"),
                '\n' => s.push_str("\\n"),
                '\r' => s.push_str("\\r"),
                '\t' => s.push_str("\\t"),
                c if hidden(c) => s.push_str(&format!("\\u{{{:x}}}", c as u32)),
                c => s.push(c),
            }
        }
        s
    }

    fn leaf(&mut self, ty: Ty) -> String {
        let ty = ty.concrete(self.rng);
        if !self.locals.is_empty() && self.rng.one_in(3) {
            return self.rng.pick(&self.locals).clone();
        }
        if self.rng.one_in(3) {
            let mut known: Vec<String> = self
                .params
                .iter()
                .chain(self.vars.iter())
                .filter(|(_, t)| *t == ty)
                .map(|(n, _)| n.clone())
                .collect();
            if ty == Ty::Str {
                known.extend(self.resources.iter().map(|r| format!("{r}.id")));
                known.extend(self.resources.iter().map(|r| format!("{r}.name")));
                known.extend(self.modules.iter().map(|m| format!("{m}.outputs.o")));
            }
            if ty == Ty::Obj {
                known.extend(self.resources.iter().map(|r| format!("{r}.properties")));
                known.extend(self.modules.iter().map(|m| format!("{m}.outputs")));
            }
            if !known.is_empty() {
                return self.rng.pick(&known).clone();
            }
        }
        match ty {
            Ty::Str => format!("'{}'", self.escaped()),
            Ty::Int => self.rng.pick(BICEP_NUMBERS).to_string(),
            Ty::Bool => self.rng.pick(&["true", "false"]).to_string(),
            Ty::Arr => self
                .rng
                .pick(&["[1, 2, 3]", "range(0, 3)", "['nodes', 'AKS']", "[]"])
                .to_string(),
            _ => self
                .rng
                .pick(&["{}", "{ name: 'n', list: [1] }", "resourceGroup()"])
                .to_string(),
        }
    }

    fn expr(&mut self, ty: Ty, d: usize) -> String {
        let ty = ty.concrete(self.rng);
        if d == 0 || self.rng.one_in(4) {
            return if ty == Ty::Str && self.rng.one_in(2) {
                self.lit_str()
            } else {
                self.leaf(ty)
            };
        }
        let table = match ty {
            Ty::Str => BICEP_STR,
            Ty::Int => BICEP_INT,
            Ty::Bool => BICEP_BOOL,
            Ty::Arr => BICEP_ARR,
            _ => BICEP_OBJ,
        };
        let shape = *self.rng.pick(table);
        // Names bound by the shape (`x =>`, `for x in`) are in scope in it.
        let bound: Vec<String> = ["x", "i", "a", "b", "c", "n"]
            .iter()
            .filter(|v| {
                shape.contains(&format!("{v} =>"))
                    || shape.contains(&format!("({v},"))
                    || shape.contains(&format!("for {v} "))
                    || shape.contains(&format!(", {v})"))
            })
            .map(|v| v.to_string())
            .collect();
        // Bicep shapes quote no lone capital, so `'q${S}'` is substituted.
        let mut out = String::new();
        let chars: Vec<char> = shape.chars().collect();
        for (k, &c) in chars.iter().enumerate() {
            let boundary = k == 0 || !chars[k - 1].is_alphanumeric();
            let next_ok = chars.get(k + 1).is_none_or(|n| !n.is_alphanumeric());
            let arg = if boundary && next_ok {
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
            match arg {
                Some(t) => {
                    // After a binder the body sees the bound names.
                    let before: String = chars[..k].iter().collect();
                    let in_body = before.contains("=>") || before.contains(": ");
                    let pushed = if in_body { bound.len() } else { 0 };
                    if in_body {
                        self.locals.extend(bound.iter().cloned());
                    }
                    let e = self.expr(t, d - 1);
                    self.locals.truncate(self.locals.len() - pushed);
                    out.push_str(&e);
                }
                None => out.push(c),
            }
        }
        if self.rng.one_in(10) {
            out = format!(
                "({out}){}",
                self.rng
                    .pick(&[".name", "[0]", ".?x", "!", "['a']", "[^1]"])
            );
        }
        out
    }

    fn e(&mut self, ty: Ty) -> String {
        let d = self.rng.between(1, 4);
        let mut s = self.expr(ty, d);
        if self.rng.one_in(40) {
            let n = *self.rng.pick(&[50, 500, 5_000, 100_000]);
            s = match self.rng.below(3) {
                0 => format!("{}{s}{}", "[".repeat(n), "]".repeat(n)),
                1 => format!("{}{s}{}", "(".repeat(n), ")".repeat(n)),
                _ => format!("{}{s}", "!".repeat(n)),
            };
        }
        s
    }

    fn line(&mut self, s: &str) {
        self.out.push_str(s);
        self.out.push('\n');
    }

    fn decorators(&mut self) {
        if self.rng.one_in(4) {
            let d = *self.rng.pick(&[
                "@description('x')",
                "@minValue(1)",
                "@maxLength(3)",
                "@secure()",
                "@allowed(['a', 'b'])",
                "@export()",
                "@batchSize(1)",
                "@metadata({ a: 1 })",
                "#disable-next-line AKS011 AKS021",
            ]);
            self.line(d);
        }
    }

    fn subnet_ref(&mut self) -> String {
        let subs: Vec<String> = self
            .resources
            .iter()
            .filter(|r| r.starts_with("sub") || r.starts_with("vnet"))
            .cloned()
            .collect();
        if !subs.is_empty() && self.rng.one_in(2) {
            let s = self.rng.pick(&subs).clone();
            return if s.starts_with("vnet") {
                format!("{s}.properties.subnets[0].id")
            } else {
                format!("{s}.id")
            };
        }
        match self.rng.below(4) {
            0 => "resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'nodes')".into(),
            1 => "'/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/AKS'".into(),
            _ => self.e(Ty::Str),
        }
    }

    fn opt(&mut self, choices: &[&str]) -> String {
        if self.rng.one_in(4) {
            self.e(Ty::Str)
        } else {
            format!("'{}'", self.rng.pick(choices))
        }
    }

    fn resource(&mut self, i: usize) {
        self.decorators();
        let (sym, ty, body) = match self.rng.below(6) {
            0 => {
                let cidr = self.opt(&["10.0.0.0/16", "10.1.0.0/16", "fd00::/8"]);
                let sub = self.opt(&["10.0.1.0/24", "10.0.0.0/8", "10.0.0.0/33"]);
                let name = self.opt(&["vnet", "hub"]);
                let subnets = if self.rng.one_in(2) {
                    let n = self.e(Ty::Int);
                    format!(
                        "[for j in range(0, {n}): {{\n      name: 'sn${{j}}'\n      properties: {{ addressPrefix: cidrSubnet({cidr}, 24, j) }}\n    }}]"
                    )
                } else {
                    format!(
                        "[\n      {{\n        name: 'nodes'\n        properties: {{ addressPrefix: {sub} }}\n      }}\n    ]"
                    )
                };
                (
                    format!("vnet{i}"),
                    "Microsoft.Network/virtualNetworks@2023-09-01",
                    format!(
                        "  name: {name}\n  location: resourceGroup().location\n  properties: {{\n    addressSpace: {{ addressPrefixes: [{cidr}] }}\n    subnets: {subnets}\n  }}\n"
                    ),
                )
            }
            1 => {
                let parent = self
                    .resources
                    .iter()
                    .find(|r| r.starts_with("vnet"))
                    .cloned();
                let prefix = self.opt(&["10.0.1.0/24", "10.0.2.0/24"]);
                let rt = if self.rng.one_in(2) {
                    "\n    routeTable: { id: resourceId('Microsoft.Network/routeTables', 'rt') }"
                } else {
                    ""
                };
                let head = match parent {
                    Some(p) if self.rng.one_in(2) => format!("  name: 'nodes'\n  parent: {p}\n"),
                    _ => "  name: 'vnet/nodes'\n".to_string(),
                };
                (
                    format!("sub{i}"),
                    "Microsoft.Network/virtualNetworks/subnets@2023-09-01",
                    format!("{head}  properties: {{\n    addressPrefix: {prefix}{rt}\n  }}\n"),
                )
            }
            2 => {
                let prefix = self.opt(&["0.0.0.0/0", "10.244.0.0/16"]);
                (
                    format!("rt{i}"),
                    "Microsoft.Network/routeTables@2023-09-01",
                    format!(
                        "  name: 'rt'\n  properties: {{\n    disableBgpRoutePropagation: {}\n    routes: [{{ name: 'r', properties: {{ addressPrefix: {prefix}, nextHopType: 'VirtualAppliance', nextHopIpAddress: '10.0.0.4' }} }}]\n  }}\n",
                        self.e(Ty::Bool)
                    ),
                )
            }
            3 => {
                let principal = match self.resources.iter().find(|r| r.starts_with("aks")) {
                    Some(a) => format!("{a}.identity.principalId"),
                    None => self.e(Ty::Str),
                };
                (
                    format!("ra{i}"),
                    "Microsoft.Authorization/roleAssignments@2022-04-01",
                    format!(
                        "  name: guid({})\n  properties: {{\n    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4d97b98b-1d4f-4787-a291-c67834d212e7')\n    principalId: {principal}\n  }}\n",
                        self.e(Ty::Str)
                    ),
                )
            }
            _ => {
                let mut pools = String::new();
                for _ in 0..self.rng.below(3) {
                    let name = self.opt(&["system", "user", "win"]);
                    let os = self.opt(&["Linux", "Windows"]);
                    let count = self.e(Ty::Int);
                    let subnet = self.subnet_ref();
                    pools.push_str(&format!("      {{\n        name: {name}\n        mode: 'System'\n        count: {count}\n        osType: {os}\n        vnetSubnetID: {subnet}\n      }}\n"));
                }
                if self.rng.one_in(3) {
                    let arr = self.e(Ty::Arr);
                    let subnet = self.subnet_ref();
                    pools = format!(
                        "[for (p, k) in {arr}: {{\n      name: 'p${{k}}'\n      count: 1\n      vnetSubnetID: {subnet}\n    }}]"
                    );
                } else {
                    pools = format!("[\n{pools}    ]");
                }
                let plugin = self.opt(&["kubenet", "azure", "none"]);
                let pod = self.opt(&["10.244.0.0/16", "10.0.0.0/16", "172.16.0.0/16"]);
                let svc = self.opt(&["10.2.0.0/16", "10.0.0.0/16"]);
                let name = self.opt(&["aks-1", "aks-2"]);
                (
                    format!("aks{i}"),
                    "Microsoft.ContainerService/managedClusters@2024-02-01",
                    format!(
                        "  name: {name}\n  location: 'westeurope'\n  identity: {{ type: 'SystemAssigned' }}\n  properties: {{\n    dnsPrefix: 'aks'\n    agentPoolProfiles: {pools}\n    networkProfile: {{\n      networkPlugin: {plugin}\n      podCidr: {pod}\n      serviceCidr: {svc}\n      dnsServiceIP: '10.2.0.10'\n    }}\n  }}\n"
                    ),
                )
            }
        };
        let head = match self.rng.below(6) {
            0 => {
                let c = self.e(Ty::Bool);
                format!("resource {sym} '{ty}' = if ({c}) {{\n{body}}}")
            }
            1 => {
                let n = self.e(Ty::Int);
                format!(
                    "resource {sym} '{ty}' = [for k in range(0, {n}): {{\n{}}}]",
                    body.replacen("name: ", "name: '${k}-${", 1)
                        .replacen('\n', "}'\n", 1)
                )
            }
            2 => format!("resource {sym} '{ty}' existing = {{\n  name: 'x'\n}}"),
            _ => format!("resource {sym} '{ty}' = {{\n{body}}}"),
        };
        self.line(&head);
        self.resources.push(sym);
    }

    fn program(&mut self, index: usize) -> String {
        if self.rng.one_in(6) {
            let scope = self.opt(&["resourceGroup", "subscription", "managementGroup"]);
            self.line(&format!("targetScope = {scope}"));
        }
        if !self.siblings.is_empty() && self.rng.one_in(3) {
            let f = self.rng.pick(&self.siblings).clone();
            match self.rng.below(2) {
                0 => self.line(&format!("import {{ shared as imported }} from '{f}'")),
                _ => self.line(&format!("import * as ns from '{f}'")),
            }
        }
        for (name, ty, bicep_ty) in [
            ("location", Ty::Str, "string"),
            ("count", Ty::Int, "int"),
            ("flag", Ty::Bool, "bool"),
            ("names", Ty::Arr, "array"),
            ("settings", Ty::Obj, "object"),
        ] {
            if self.rng.one_in(3) {
                continue;
            }
            self.decorators();
            let default = if self.rng.one_in(3) {
                String::new()
            } else {
                format!(" = {}", self.e(ty))
            };
            let opt = if self.rng.one_in(6) { "?" } else { "" };
            self.line(&format!("param {name} {bicep_ty}{opt}{default}"));
            self.params.push((name.into(), ty));
        }
        if self.rng.one_in(4) {
            self.line("type t = {\n  name: string\n  count: int?\n  *: string\n}");
            self.line("func f(a string) string => '${a}-x'");
        }
        let shared = self.e(Ty::Any);
        self.line(&format!("@export()\nvar shared = {shared}"));
        for i in 0..self.rng.below(4) {
            let ty = Ty::Any.concrete(self.rng);
            self.decorators();
            let e = self.e(ty);
            self.line(&format!("var v{i} = {e}"));
            self.vars.push((format!("v{i}"), ty));
        }
        if self.rng.one_in(6) {
            // Doubling: stopped by the size budget.
            self.line("var o0 = { a: 1 }");
            let n = self.rng.between(5, 40);
            for k in 1..n {
                self.line(&format!("var o{k} = {{ a: o{}, b: o{} }}", k - 1, k - 1));
            }
        }
        for i in 0..self.rng.between(1, 6) {
            self.resource(i);
        }
        for k in 0..self.rng.below(3) {
            let target = if self.siblings.is_empty() || self.rng.one_in(8) {
                self.rng
                    .pick(&[
                        "'main.bicep'",
                        "'missing.bicep'",
                        "'../x/../main.json'",
                        "'br:example.azurecr.io/m:1'",
                        "'/etc/hostname'",
                    ])
                    .to_string()
            } else {
                format!("'{}'", self.rng.pick(&self.siblings))
            };
            let name = format!("m{index}{k}");
            let p = self.e(Ty::Any);
            let body = format!(
                "  name: 'deploy-{k}'\n  params: {{\n    location: {}\n    count: {p}\n  }}\n",
                self.e(Ty::Str)
            );
            let decl = match self.rng.below(4) {
                0 => {
                    let arr = self.e(Ty::Arr);
                    format!("module {name} {target} = [for (x, i) in {arr}: {{\n{body}}}]")
                }
                1 => format!(
                    "module {name} {target} = if ({}) {{\n{body}  scope: resourceGroup('rg-other')\n}}",
                    self.e(Ty::Bool)
                ),
                _ => format!("module {name} {target} = {{\n{body}}}"),
            };
            self.line(&decl);
            self.modules.push(name);
        }
        let o = self.e(Ty::Str);
        self.line(&format!("output o string = {o}"));
        if self.rng.one_in(3) {
            let a = self.e(Ty::Arr);
            self.line(&format!("output many array = [for x in {a}: x]"));
        }
        std::mem::take(&mut self.out)
    }
}

fn bicepparam(rng: &mut Rng, using: &str) -> String {
    let mut b = Bicep::new(rng, Vec::new());
    let mut out = format!("using '{using}'\n");
    if b.rng.one_in(4) {
        out.push_str("extends 'base.bicepparam'\n");
    }
    for (name, ty) in [
        ("location", Ty::Str),
        ("count", Ty::Int),
        ("names", Ty::Arr),
        ("settings", Ty::Obj),
    ] {
        if b.rng.one_in(2) {
            let e = b.e(ty);
            out.push_str(&format!("param {name} = {e}\n"));
        }
    }
    if b.rng.one_in(3) {
        out.push_str("var local = readEnvironmentVariable('HOME', 'x')\nparam extra = local\n");
    }
    out
}

pub fn bicep_batch(rng: &mut Rng, files: &mut Vec<(String, Vec<u8>)>, prefix: &str) {
    let modules = ["modules/net.bicep", "modules/aks.bicep"];
    let main = Bicep::new(rng, modules.iter().map(|m| m.to_string()).collect()).program(0);
    files.push((format!("{prefix}main.bicep"), main.into_bytes()));
    for (i, m) in modules.iter().enumerate() {
        // A module may call its sibling, itself or the main file (cycles).
        let siblings = vec![
            "aks.bicep".to_string(),
            "net.bicep".to_string(),
            "../main.bicep".to_string(),
        ];
        let text = Bicep::new(rng, siblings).program(i + 1);
        files.push((format!("{prefix}{m}"), text.into_bytes()));
    }
    if rng.one_in(2) {
        let p = bicepparam(rng, "main.bicep");
        files.push((format!("{prefix}main.bicepparam"), p.into_bytes()));
        files.push((
            format!("{prefix}base.bicepparam"),
            bicepparam(rng, "none").into_bytes(),
        ));
    }
    files.push((format!("{prefix}data.txt"), text(rng).into_bytes()));
    files.push((
        format!("{prefix}data.json"),
        br#"{"list": [1, 2], "name": "n"}"#.to_vec(),
    ));
}
