//! Fuzz test of the whole CLI: batches of generated inputs (mutated fixtures,
//! AKS-shaped ARM templates full of random expressions, Bicep programs with
//! modules and `.bicepparam` files) go through the real binary in every
//! output format, and every run must end in time with a documented exit code,
//! no panic and well-formed, injection-free output that agrees across formats.
//!
//! Deterministic: `TENDON_FUZZ_SEED` (default fixed) seeds batch i with
//! (seed, i); `TENDON_FUZZ_SECS` (default 3) is the time budget;
//! `TENDON_FUZZ_BATCH=i` runs only batch i (`TENDON_FUZZ_KEEP=1` keeps it
//! under `target/tmp/cli-fuzz/`). A failing batch is kept under
//! `target/tmp/cli-fuzz-failures/` with a `README.txt` saying how to rerun it.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

// ───────────────────────────── randomness ─────────────────────────────

/// splitmix64: tiny, deterministic, good enough for test inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

// ───────────────────────────── settings ─────────────────────────────

struct Settings {
    seed: u64,
    budget: Duration,
    only: Option<u64>,
    timeout: Duration,
    max_rss_kb: u64,
}

fn env_f64(name: &str) -> Option<f64> {
    std::env::var(name).ok().and_then(|s| s.trim().parse().ok())
}

fn env_u64(name: &str) -> Option<u64> {
    let s = std::env::var(name).ok()?;
    let s = s.trim();
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

fn settings() -> Settings {
    Settings {
        seed: env_u64("TENDON_FUZZ_SEED").unwrap_or(0x7E4D_0F22_C11F_0222),
        budget: Duration::from_secs_f64(env_f64("TENDON_FUZZ_SECS").unwrap_or(3.0).max(0.0)),
        only: env_u64("TENDON_FUZZ_BATCH"),
        // Generous: the debug binary is slow and the machine is shared; a
        // hang is what this catches, TDN003 keeps real work far below it.
        timeout: Duration::from_secs_f64(
            env_f64("TENDON_FUZZ_TIMEOUT").unwrap_or(if cfg!(debug_assertions) {
                60.0
            } else {
                20.0
            }),
        ),
        max_rss_kb: env_u64("TENDON_FUZZ_MAX_MB").unwrap_or(1536) * 1024,
    }
}

// ───────────────────────────── shared pools ─────────────────────────────

/// Text that must never reach output raw.
const HOSTILE: &[&str] = &[
    "\n::error file=forged.json,line=1::forged\n",
    "::warning::x",
    "\n##vso[task.setvariable variable=x]1\n",
    "##[error]forged",
    "\r",
    "\r\n",
    "\u{1b}[31m",
    "\u{1b}]0;title\u{7}",
    "\u{0}",
    "\u{8}",
    "\u{7f}",
    "\u{85}",
    "\u{9b}",
    "\u{2028}",
    "\u{2029}",
    "\u{202e}",
    "\u{2066}",
    "\u{200f}",
    "\u{feff}",
    "\u{fffe}",
    "\u{ffff}",
    "\t",
    "%0A",
    "%25",
    "<![CDATA[",
    "]]>",
    "&amp;",
    "<x>",
    "\"",
    "'",
    "\\",
    "${",
    "é",
    "𝔘",
];

const STRINGS: &[&str] = &[
    "",
    "a",
    "aks-1",
    "aks-2",
    "vnet",
    "nodes",
    "AKS",
    "kubenet",
    "azure",
    "overlay",
    "none",
    "Windows",
    "Linux",
    "System",
    "User",
    "SystemAssigned",
    "UserAssigned",
    "userDefinedRouting",
    "loadBalancer",
    "westeurope",
    "10.0.0.0/16",
    "10.0.1.0/24",
    "10.244.0.0/16",
    "10.0.0.10",
    "fd00::/8",
    "300.1.1.1/24",
    "10.0.0.0/33",
    "{0}-{1}",
    "{0",
    "[",
    "]",
    "[[x]",
    "x/y/z",
    "Microsoft.Network/virtualNetworks",
    "Microsoft.Network/virtualNetworks/subnets",
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes",
    "2023-09-01",
    "Full",
    "dGVzdA==",
    "data:text/plain;base64,dGVzdA==",
    "{\"a\": [1, 2]}",
    "[1, 2, 3]",
    "9223372036854775807",
    "-1",
    "true",
    "null",
    "2024-01-01T00:00:00Z",
    "P1D",
    "::error::x",
    "##vso[x]",
    "line\nbreak",
    "esc\u{1b}[2K",
    "sep\u{2028}x",
    "\u{fffe}",
];

const NUMBERS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "-1",
    "24",
    "110",
    "250",
    "2147483647",
    "-2147483648",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "99999999999999999999999999",
    "1.5",
    "1e3",
    "1e400",
    "-0",
];

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

const API: &[&str] = &["2023-09-01", "2024-02-01", "2022-04-01", "2021-01-01"];

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ty {
    Str,
    Int,
    Bool,
    Arr,
    Obj,
    Any,
}

impl Ty {
    fn concrete(self, rng: &mut Rng) -> Ty {
        if self == Ty::Any {
            *rng.pick(&[Ty::Str, Ty::Int, Ty::Bool, Ty::Arr, Ty::Obj])
        } else {
            self
        }
    }

    fn arm(self) -> &'static str {
        match self {
            Ty::Str => "string",
            Ty::Int => "int",
            Ty::Bool => "bool",
            Ty::Arr => "array",
            Ty::Obj | Ty::Any => "object",
        }
    }
}

fn text(rng: &mut Rng) -> String {
    let mut s = rng.pick(STRINGS).to_string();
    if rng.one_in(6) {
        let at = rng.below(s.len() + 1);
        if s.is_char_boundary(at) {
            s.insert_str(at, rng.pick::<&str>(HOSTILE));
        }
    }
    s
}

// ───────────────────────────── ARM expressions ─────────────────────────────

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

fn arm_batch(rng: &mut Rng, files: &mut Vec<(String, Vec<u8>)>, prefix: &str) {
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

// ───────────────────────────── Bicep programs ─────────────────────────────

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

fn bicep_batch(rng: &mut Rng, files: &mut Vec<(String, Vec<u8>)>, prefix: &str) {
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

// ───────────────────────────── mutated fixtures ─────────────────────────────

/// Fixture cases: each a list of (path inside the case, bytes), without
/// `expected`.
fn fixture_cases() -> Vec<Vec<(String, Vec<u8>)>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut cases = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        if entries.iter().any(|p| p.ends_with("expected")) {
            let mut files = Vec::new();
            let mut inner = vec![dir.clone()];
            while let Some(d) = inner.pop() {
                for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        inner.push(p);
                    } else if !p.ends_with("expected") {
                        let rel = p.strip_prefix(&dir).unwrap().to_string_lossy().into_owned();
                        files.push((rel, std::fs::read(&p).unwrap_or_default()));
                    }
                }
            }
            files.sort();
            if !files.is_empty() {
                cases.push(files);
            }
        } else {
            stack.extend(entries.into_iter().filter(|p| p.is_dir()));
        }
    }
    cases.sort();
    cases
}

const ALPHABET: &[u8] = b" \n\"'[](){}:,.$@=!?<>|-_/0123456789abcxyzAKS\\";

const WORDS: &[&str] = &[
    "kubenet",
    "azure",
    "Windows",
    "copyIndex()",
    "parameters('x')",
    "variables('missing')",
    "reference('x')",
    "[",
    "]",
    "\"[",
    "null",
    "true",
    "-1",
    "resourceGroup().id",
    "existing",
    "module",
    "for",
    "if",
    "${",
    "'",
    "\"",
];

const HUGE: &[&str] = &[
    "1e999",
    "-1e999",
    "99999999999999999999999999999",
    "18446744073709551616",
    "-9223372036854775809",
    "1.7976931348623157e309",
    "0.0000000000000000000000001",
    "4294967296",
];

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for u in text.encode_utf16() {
        let b = if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        };
        out.extend_from_slice(&b);
    }
    out
}

const MAX_FILE: usize = 4 << 20;

fn mutate(rng: &mut Rng, data: &mut Vec<u8>, donor: &[u8]) {
    let len = data.len();
    let at = rng.below(len + 1);
    match rng.below(13) {
        0 => {
            for _ in 0..rng.between(1, 8) {
                if !data.is_empty() {
                    let i = rng.below(data.len());
                    data[i] = if rng.one_in(3) {
                        rng.next() as u8
                    } else {
                        *rng.pick(ALPHABET)
                    };
                }
            }
        }
        1 => data.truncate(at),
        2 => {
            let from = rng.below(donor.len() + 1);
            data.truncate(at);
            data.extend_from_slice(&donor[from..]);
        }
        3 => {
            let a = rng.below(len + 1);
            let b = (a + rng.below(400)).min(len);
            let region = data[a..b].to_vec();
            let times = if rng.one_in(8) {
                rng.between(10, 2000)
            } else {
                1
            };
            let mut insert = Vec::new();
            for _ in 0..times {
                if insert.len() + data.len() > MAX_FILE {
                    break;
                }
                insert.extend_from_slice(&region);
            }
            data.splice(at..at, insert);
        }
        4 => {
            data.splice(at..at, rng.pick(HOSTILE).bytes());
        }
        5 => {
            // Into a string literal, where names and messages come from.
            let quotes: Vec<usize> = data
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'"' || **b == b'\'')
                .map(|(i, _)| i + 1)
                .collect();
            if !quotes.is_empty() {
                let q = *rng.pick(&quotes);
                let mut s = String::new();
                for _ in 0..rng.between(1, 3) {
                    s.push_str(rng.pick::<&str>(HOSTILE));
                }
                data.splice(q..q, s.into_bytes());
            }
        }
        6 => {
            let n = *rng.pick(&[100, 1_000, 20_000, 100_000]);
            let (open, close) = *rng.pick(&[
                ("[", "]"),
                ("{\"a\":", "}"),
                ("(", ")"),
                ("concat(", ")"),
                ("{a:", "}"),
                ("[for x in ", ": x]"),
                ("'${", "}'"),
            ]);
            let mut s = open.repeat(n);
            if rng.one_in(2) {
                s.push('1');
                s.push_str(&close.repeat(n));
            }
            data.splice(at..at, s.into_bytes());
        }
        7 => {
            let digits: Vec<usize> = data
                .iter()
                .enumerate()
                .filter(|(i, b)| b.is_ascii_digit() && (*i == 0 || !data[i - 1].is_ascii_digit()))
                .map(|(i, _)| i)
                .collect();
            if !digits.is_empty() {
                let s = *rng.pick(&digits);
                let mut e = s;
                while e < data.len() && data[e].is_ascii_digit() {
                    e += 1;
                }
                data.splice(s..e, rng.pick(HUGE).bytes());
            }
        }
        8 => {
            let text = String::from_utf8_lossy(data).into_owned();
            *data = utf16(&text, rng.one_in(3));
            if rng.one_in(4) && !data.is_empty() {
                let cut = rng.below(data.len());
                data.truncate(cut);
            }
        }
        9 => {
            let text = String::from_utf8_lossy(data).into_owned();
            let text = match rng.below(3) {
                0 => text.replace('\n', "\r\n"),
                1 => text.replace('\n', "\r"),
                _ => format!("\u{feff}{text}"),
            };
            *data = text.into_bytes();
        }
        10 => {
            let b = (at + rng.below(200)).min(len);
            data.drain(at..b);
        }
        11 => {
            let w = rng.pick(WORDS);
            data.splice(at..at, w.bytes());
        }
        _ => {
            // Invalid UTF-8.
            let bad: &[u8] = rng.pick::<&[u8]>(&[
                &[0xFF][..],
                &[0xC3],
                &[0xED, 0xA0, 0x80],
                &[0xF4, 0x90, 0x80, 0x80],
            ]);
            data.splice(at..at, bad.iter().copied());
        }
    }
    data.truncate(MAX_FILE);
}

fn fixture_batch(
    rng: &mut Rng,
    cases: &[Vec<(String, Vec<u8>)>],
    files: &mut Vec<(String, Vec<u8>)>,
    prefix: &str,
) {
    let case = rng.pick(cases).clone();
    let donor_case = rng.pick(cases);
    let donor = rng.pick(donor_case).1.clone();
    let mut case = case;
    for _ in 0..rng.between(1, 3) {
        let i = rng.below(case.len());
        mutate(rng, &mut case[i].1, &donor);
    }
    for (name, bytes) in case {
        files.push((format!("{prefix}{name}"), bytes));
    }
}

// ───────────────────────────── batches ─────────────────────────────

const HOSTILE_NAMES: &[&str] = &[
    "x\n::error file=forged.json,line=1::forged.json",
    "::warning::y.bicep",
    "##vso[task.complete result=Succeeded]z.json",
    "esc\u{1b}[31m.json",
    "sep\u{2028}.bicep",
    "rtl\u{202e}nosj.json",
    "amp&<>'\".json",
    "pct%0A%25.json",
    "é ü 𝔘.bicep",
];

struct Batch {
    kind: &'static str,
    files: Vec<(String, Vec<u8>)>,
}

fn batch(seed: u64, index: u64, cases: &[Vec<(String, Vec<u8>)>]) -> Batch {
    let mut rng = Rng(seed ^ index.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    rng.next();
    let mut files = Vec::new();
    let kind = match index % 4 {
        0 => {
            fixture_batch(&mut rng, cases, &mut files, "");
            "mutated fixture"
        }
        1 => {
            arm_batch(&mut rng, &mut files, "");
            "ARM"
        }
        2 => {
            bicep_batch(&mut rng, &mut files, "");
            "Bicep"
        }
        _ => {
            fixture_batch(&mut rng, cases, &mut files, "f/");
            arm_batch(&mut rng, &mut files, "arm/");
            bicep_batch(&mut rng, &mut files, "bicep/");
            // Generated text mutated like a fixture.
            let donor = files[0].1.clone();
            let i = rng.below(files.len());
            mutate(&mut rng, &mut files[i].1, &donor);
            "mixed"
        }
    };
    if rng.one_in(6) {
        let i = rng.below(files.len());
        let (dir, _) = files[i].0.rsplit_once('/').unwrap_or(("", ""));
        let name = rng.pick(HOSTILE_NAMES);
        files[i].0 = if dir.is_empty() {
            name.to_string()
        } else {
            format!("{dir}/{name}")
        };
    }
    Batch { kind, files }
}

fn write_batch(dir: &Path, b: &Batch) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    for (name, bytes) in &b.files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, bytes).unwrap();
    }
}

// ───────────────────────────── running ─────────────────────────────

struct Run {
    args: Vec<String>,
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    timed_out: bool,
    over_memory: bool,
    peak_kb: u64,
    elapsed: Duration,
}

fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn run(dir: &Path, args: &[String], s: &Settings) -> Run {
    let t0 = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tendon"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env("GIT_CEILING_DIRECTORIES", dir.parent().unwrap_or(dir))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tendon");
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_thread = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out_pipe.read_to_end(&mut v);
        v
    });
    let err_thread = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    let pid = child.id();
    let (mut timed_out, mut over_memory, mut peak_kb) = (false, false, 0);
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait for tendon") {
            break st;
        }
        if let Some(kb) = status_kb(pid, "VmHWM:") {
            peak_kb = peak_kb.max(kb);
        }
        if status_kb(pid, "VmRSS:").is_some_and(|kb| kb > s.max_rss_kb) {
            over_memory = true;
        }
        if t0.elapsed() > s.timeout {
            timed_out = true;
        }
        if timed_out || over_memory {
            let _ = child.kill();
            break child.wait().expect("wait for tendon");
        }
        std::thread::sleep(Duration::from_millis(3));
    };
    Run {
        args: args.to_vec(),
        code: status.code(),
        stdout: out_thread.join().unwrap_or_default(),
        stderr: err_thread.join().unwrap_or_default(),
        timed_out,
        over_memory,
        peak_kb,
        elapsed: t0.elapsed(),
    }
}

// ───────────────────────────── checks ─────────────────────────────

const FORMATS: &[&str] = &["human", "gcc", "github", "json", "sarif", "junit"];

fn severity_rank(s: &str) -> u8 {
    match s {
        "error" => 3,
        "warning" => 2,
        "info" | "note" => 1,
        _ => 0,
    }
}

/// Characters that must never be printed raw (any format).
fn hidden(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}' | '\u{61c}' | '\u{200e}' | '\u{200f}'
        )
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// No hidden character and no CI command line but tendon's own (`github`).
fn check_text(out: &str, what: &str, github: bool, problems: &mut Vec<String>) {
    if let Some((i, c)) = out.char_indices().find(|(_, c)| hidden(*c)) {
        let from = out[..i].rfind('\n').map_or(0, |n| n + 1);
        let to = out[i..].find('\n').map_or(out.len(), |n| i + n);
        problems.push(format!(
            "{what}: raw {c:?} in output line {:?}",
            &out[from..to]
        ));
    }
    let own: &[&str] = if github {
        &["::error file=", "::warning file=", "::notice file="]
    } else {
        &[]
    };
    for line in out.lines() {
        let command =
            line.starts_with("::") || line.starts_with("##[") || line.starts_with("##vso[");
        if command && !own.iter().any(|p| line.starts_with(p)) {
            problems.push(format!("{what}: command line {line:?}"));
            break;
        }
    }
}

/// XML 1.0 well-formedness, enough for what a JUnit reader does: one root,
/// tags balanced, attributes quoted and unique, only the predefined or
/// numeric character references, only XML `Char`s.
fn xml_problem(x: &str) -> Option<String> {
    fn xml_char(c: char) -> bool {
        matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{d7ff}').contains(&c)
            || ('\u{e000}'..='\u{fffd}').contains(&c)
            || c >= '\u{10000}'
    }
    fn name_ok(n: &str) -> bool {
        !n.is_empty()
            && n.chars()
                .next()
                .is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':')
            && n.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '-' | '.'))
    }
    fn text_ok(t: &str) -> Option<String> {
        let mut rest = t;
        while let Some(i) = rest.find(['&', '<']) {
            if rest[i..].starts_with('<') {
                return Some(format!(
                    "raw '<' in text {:?}",
                    &rest[i..rest.len().min(i + 40)]
                ));
            }
            let Some(end) = rest[i..].find(';') else {
                return Some("unterminated reference".into());
            };
            let ent = &rest[i + 1..i + end];
            let ok = matches!(ent, "amp" | "lt" | "gt" | "quot" | "apos")
                || ent
                    .strip_prefix("#x")
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| ent.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32)
                    .is_some_and(xml_char);
            if !ok {
                return Some(format!("bad reference &{ent};"));
            }
            rest = &rest[i + end + 1..];
        }
        None
    }
    if let Some(c) = x.chars().find(|c| !xml_char(*c)) {
        return Some(format!("{c:?} is not an XML character"));
    }
    let mut rest = x;
    if let Some(r) = rest.strip_prefix("<?xml") {
        let Some(end) = r.find("?>") else {
            return Some("unterminated declaration".into());
        };
        rest = &r[end + 2..];
    }
    let mut stack: Vec<&str> = Vec::new();
    let mut roots = 0;
    loop {
        let Some(lt) = rest.find('<') else {
            if !rest.trim().is_empty() && stack.is_empty() {
                return Some("text after the root".into());
            }
            break;
        };
        let text = &rest[..lt];
        if stack.is_empty() && !text.trim().is_empty() {
            return Some("text outside the root".into());
        }
        if let Some(p) = text_ok(text) {
            return Some(p);
        }
        rest = &rest[lt..];
        if let Some(r) = rest.strip_prefix("<!--") {
            let Some(end) = r.find("-->") else {
                return Some("unterminated comment".into());
            };
            rest = &r[end + 3..];
            continue;
        }
        if let Some(r) = rest.strip_prefix("<![CDATA[") {
            if stack.is_empty() {
                return Some("CDATA outside the root".into());
            }
            let Some(end) = r.find("]]>") else {
                return Some("unterminated CDATA".into());
            };
            rest = &r[end + 3..];
            continue;
        }
        // A tag: find its end outside quoted attribute values.
        let mut quote = None;
        let mut end = None;
        for (i, c) in rest.char_indices().skip(1) {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, '>') => {
                    end = Some(i);
                    break;
                }
                (None, '<') => return Some("'<' inside a tag".into()),
                _ => {}
            }
        }
        let Some(end) = end else {
            return Some("unterminated tag".into());
        };
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            match stack.pop() {
                Some(open) if open == name.trim_end() => {}
                other => return Some(format!("</{name}> closes {other:?}")),
            }
            continue;
        }
        let (tag, empty) = match tag.strip_suffix('/') {
            Some(t) => (t, true),
            None => (tag, false),
        };
        let name_end = tag.find(char::is_whitespace).unwrap_or(tag.len());
        let name = &tag[..name_end];
        if !name_ok(name) {
            return Some(format!("bad element name {name:?}"));
        }
        if stack.is_empty() {
            roots += 1;
            if roots > 1 {
                return Some("second root element".into());
            }
        }
        let mut attrs = tag[name_end..].trim_start();
        let mut seen = BTreeSet::new();
        while !attrs.is_empty() {
            let Some(eq) = attrs.find('=') else {
                return Some(format!("attribute without value in <{name}>"));
            };
            let key = attrs[..eq].trim();
            if !name_ok(key) || !seen.insert(key) {
                return Some(format!("bad or repeated attribute {key:?}"));
            }
            let v = attrs[eq + 1..].trim_start();
            let Some(q) = v.chars().next().filter(|c| *c == '"' || *c == '\'') else {
                return Some(format!("unquoted attribute {key:?}"));
            };
            let Some(close) = v[1..].find(q) else {
                return Some(format!("unterminated attribute {key:?}"));
            };
            let value = &v[1..1 + close];
            if let Some(p) = text_ok(value) {
                return Some(format!("attribute {key}: {p}"));
            }
            let after = &v[close + 2..];
            if !after.is_empty() && !after.starts_with(char::is_whitespace) {
                return Some(format!("no space after attribute {key:?}"));
            }
            attrs = after.trim_start();
        }
        if !empty {
            stack.push(name);
        }
    }
    if !stack.is_empty() {
        return Some(format!("unclosed {stack:?}"));
    }
    (roots == 0).then(|| "no root element".into())
}

struct Expect {
    findings: usize,
    at_or_above: usize,
}

/// Checks one `check` run; returns the JSON document for json runs.
fn check_run(
    r: &Run,
    format: &str,
    fail_on: u8,
    dir: &Path,
    sarif: &jsonschema::Validator,
    problems: &mut Vec<String>,
) -> Option<Value> {
    let p0 = problems.len();
    let what = format!("[{}]", r.args.join(" "));
    let stderr = String::from_utf8_lossy(&r.stderr);
    if r.timed_out {
        problems.push(format!("{what}: no answer within {:?} (hang)", r.elapsed));
    }
    if r.over_memory {
        problems.push(format!("{what}: killed above the memory cap"));
    }
    if r.code.is_none() && !r.timed_out && !r.over_memory {
        problems.push(format!(
            "{what}: killed by a signal (abort?); stderr: {stderr}"
        ));
    }
    for bad in [
        "panicked at",
        "overflowed its stack",
        "memory allocation",
        "RUST_BACKTRACE",
    ] {
        if stderr.contains(bad) {
            problems.push(format!("{what}: {bad:?} on stderr:\n{stderr}"));
        }
    }
    if let Some(c) = r.code
        && !(0..=1).contains(&c)
    {
        problems.push(format!("{what}: exit code {c}; stderr: {stderr}"));
    }
    if problems.len() > p0 {
        return None;
    }
    let Ok(out) = std::str::from_utf8(&r.stdout) else {
        problems.push(format!("{what}: stdout is not UTF-8"));
        return None;
    };
    check_text(out, &what, format == "github", problems);
    check_text(&stderr, &format!("{what} stderr"), false, problems);
    let doc = match format {
        "json" | "sarif" | "world" => match serde_json::from_str::<Value>(out) {
            Ok(v) => Some(v),
            Err(e) => {
                problems.push(format!("{what}: not JSON: {e}"));
                return None;
            }
        },
        _ => None,
    };
    match format {
        "gcc" => {
            let shape =
                regex::Regex::new(r"^.+:\d+:\d+: (error|warning|note)\[[A-Z]+\d+\]: .*$").unwrap();
            for line in out.lines() {
                if !shape.is_match(line) {
                    problems.push(format!("{what}: not a gcc finding line: {line:?}"));
                    break;
                }
            }
        }
        "github" => {
            let shape = regex::Regex::new(
                r"^::(error|warning|notice) file=[^,:]*,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=[A-Z]+\d+ [a-z0-9-]+::.*$",
            )
            .unwrap();
            let escape = regex::Regex::new(r"%(?:[^02]|0[^AD]|2[^5C]|$)").unwrap();
            for line in out.lines() {
                if !shape.is_match(line) {
                    problems.push(format!("{what}: not a workflow command: {line:?}"));
                    break;
                }
                let props = &line[..line[2..].find("::").map_or(line.len(), |i| i + 2)];
                if escape.is_match(props) || escape.is_match(&line[props.len()..]) {
                    problems.push(format!("{what}: unescaped '%' in {line:?}"));
                    break;
                }
            }
        }
        "human" => {
            let header = regex::Regex::new(r"╭─\[.*:\d+:\d+\]$").unwrap();
            for line in out.lines().filter(|l| l.contains("╭─[")) {
                if !header.is_match(line) {
                    problems.push(format!("{what}: bad snippet header {line:?}"));
                    break;
                }
            }
            let last = out.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
            if !last.starts_with("checked ") {
                problems.push(format!("{what}: no summary line at the end: {last:?}"));
            }
        }
        "junit" => {
            if let Some(p) = xml_problem(out) {
                problems.push(format!("{what}: malformed XML: {p}"));
            }
        }
        "sarif" => {
            if let Some(d) = &doc {
                if !d["runs"].is_array() {
                    problems.push(format!("{what}: no runs"));
                }
                let errs: Vec<String> = sarif
                    .iter_errors(d)
                    .take(3)
                    .map(|e| format!("{}: {e}", e.instance_path()))
                    .collect();
                if !errs.is_empty() {
                    problems.push(format!("{what}: SARIF schema: {errs:?}"));
                }
            }
        }
        "json" => {
            if let Some(d) = &doc {
                check_json(d, dir, &what, fail_on, r.code, problems);
            }
        }
        _ => {}
    }
    doc
}

fn check_json(
    d: &Value,
    dir: &Path,
    what: &str,
    fail_on: u8,
    code: Option<i32>,
    problems: &mut Vec<String>,
) {
    if d["version"] != 1 {
        problems.push(format!("{what}: version is not 1"));
    }
    let Some(findings) = d["findings"].as_array() else {
        problems.push(format!("{what}: no findings array"));
        return;
    };
    let rule = regex::Regex::new(r"^[A-Z]+\d+$").unwrap();
    let mut failing = false;
    for f in findings {
        let bad = |m: &str| format!("{what}: {m} in finding {f}");
        if !f["rule"].as_str().is_some_and(|r| rule.is_match(r)) {
            problems.push(bad("bad rule id"));
        }
        let sev = f["severity"].as_str().map_or(0, severity_rank);
        if sev == 0 {
            problems.push(bad("bad severity"));
        }
        failing |= sev >= fail_on;
        let mut locs = vec![f];
        locs.extend(f["related"].as_array().into_iter().flatten());
        for l in locs {
            let (Some(file), Some(line), Some(col), Some(el), Some(ec)) = (
                l["file"].as_str(),
                l["line"].as_u64(),
                l["column"].as_u64(),
                l["end_line"].as_u64(),
                l["end_column"].as_u64(),
            ) else {
                problems.push(bad("missing location fields"));
                continue;
            };
            if line == 0 || col == 0 || (el, ec) < (line, col) {
                problems.push(bad("location out of order"));
            }
            match std::fs::read(dir.join(file)) {
                Ok(bytes) => {
                    let lines = 1 + bytes
                        .iter()
                        .filter(|b| **b == b'\n' || **b == b'\r')
                        .count();
                    if el as usize > lines + 1 {
                        problems.push(bad(&format!("line past the end ({lines} lines)")));
                    }
                }
                Err(_) => problems.push(bad("file does not exist")),
            }
        }
    }
    let expected = if failing { 1 } else { 0 };
    if code != Some(expected) {
        problems.push(format!(
            "{what}: exit code {code:?} but {} findings at or above --fail-on",
            if failing { "some" } else { "no" }
        ));
    }
}

fn count_lines(out: &[u8]) -> usize {
    String::from_utf8_lossy(out).lines().count()
}

fn human_count(out: &[u8]) -> usize {
    let head = regex::Regex::new(r"^[A-Z]+\d+\([a-z0-9-]+\)( \(.*\))?$").unwrap();
    String::from_utf8_lossy(out)
        .lines()
        .filter(|l| head.is_match(l))
        .count()
}

/// Runs every format (and `world`, and json single-threaded) on one batch.
fn check_batch(
    dir: &Path,
    rng: &mut Rng,
    s: &Settings,
    sarif: &jsonschema::Validator,
) -> (Vec<String>, usize, u64) {
    let mut problems = Vec::new();
    let (fail_on_word, fail_on) = *rng.pick(&[
        ("error", 3),
        ("error", 3),
        ("warning", 2),
        ("info", 1),
        ("never", 4),
    ]);
    let mut extra: Vec<String> = Vec::new();
    if fail_on_word != "error" || rng.one_in(2) {
        extra.extend(["--fail-on".into(), fail_on_word.into()]);
    }
    if rng.one_in(4) {
        extra.push("--report-unresolved".into());
    }
    if rng.one_in(4) {
        extra.push("--stats".into());
    }
    let mut runs = 0;
    let mut peak = 0;
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut expect: Option<Expect> = None;
    let mut json_out = Vec::new();
    let mut code = None;
    for format in FORMATS {
        let mut args: Vec<String> = ["check", ".", "--format", format, "--color", "never"]
            .iter()
            .map(|a| a.to_string())
            .collect();
        args.extend(extra.iter().cloned());
        let r = run(dir, &args, s);
        runs += 1;
        peak = peak.max(r.peak_kb);
        let doc = check_run(&r, format, fail_on, dir, sarif, &mut problems);
        if code.is_some() && code != r.code {
            problems.push(format!(
                "exit code {:?} with {format} but {code:?} before",
                r.code
            ));
        }
        code = r.code;
        match *format {
            "json" => {
                if let Some(d) = &doc {
                    let all = d["findings"].as_array().map_or(0, |f| f.len());
                    let above = d["findings"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|f| f["severity"].as_str().map_or(0, severity_rank) >= fail_on)
                        .count();
                    expect = Some(Expect {
                        findings: all,
                        at_or_above: above,
                    });
                }
                json_out = r.stdout.clone();
            }
            "sarif" => {
                let n = doc
                    .as_ref()
                    .and_then(|d| d["runs"][0]["results"].as_array().map(|a| a.len()))
                    .unwrap_or(0);
                counts.push(("sarif".into(), n));
            }
            "gcc" | "github" => counts.push((format.to_string(), count_lines(&r.stdout))),
            "human" => counts.push(("human".into(), human_count(&r.stdout))),
            "junit" => {
                let failures = String::from_utf8_lossy(&r.stdout)
                    .matches("<failure ")
                    .count();
                counts.push(("junit failures".into(), failures));
            }
            _ => {}
        }
    }
    if let Some(e) = &expect {
        for (what, n) in &counts {
            let want = if what == "junit failures" {
                e.at_or_above
            } else {
                e.findings
            };
            if *n != want {
                problems.push(format!("{what}: {n} findings, json has {want}"));
            }
        }
    }
    // Output does not depend on scheduling.
    let mut args: Vec<String> = ["check", ".", "--format", "json", "-j", "1"]
        .iter()
        .map(|a| a.to_string())
        .collect();
    args.extend(extra.iter().cloned());
    let r = run(dir, &args, s);
    runs += 1;
    check_run(&r, "json", fail_on, dir, sarif, &mut problems);
    if r.stdout != json_out && !r.timed_out {
        problems.push("json output differs with -j 1".into());
    }
    let args: Vec<String> = ["world", "."].iter().map(|a| a.to_string()).collect();
    let r = run(dir, &args, s);
    runs += 1;
    peak = peak.max(r.peak_kb);
    check_run(&r, "world", fail_on, dir, sarif, &mut problems);
    if r.code != Some(0) && r.code.is_some() {
        problems.push(format!("world: exit code {:?}", r.code));
    }
    problems.dedup();
    (problems, runs, peak)
}

fn sarif_validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-2.1.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

#[test]
fn every_format_lists_in_help() {
    // A new format must be added to FORMATS (and so to the fuzz test).
    let o = Command::new(env!("CARGO_BIN_EXE_tendon"))
        .args(["check", "-h"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&o.stdout);
    let line = help
        .lines()
        .find(|l| l.contains("--format"))
        .unwrap_or_default()
        .to_string();
    let listed: BTreeSet<&str> = line
        .split_once("possible values:")
        .map(|(_, v)| v)
        .unwrap_or_default()
        .trim()
        .trim_end_matches(']')
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let ours: BTreeSet<&str> = FORMATS.iter().copied().collect();
    assert_eq!(listed, ours, "{help}");
}

#[test]
fn xml_check_rejects_what_it_should() {
    assert_eq!(
        xml_problem("<?xml version=\"1.0\"?>\n<a b='1' c=\"&amp;&#x41;\"><c/>t</a>\n"),
        None
    );
    for bad in [
        "<a><b></a></b>",
        "<a b=1/>",
        "<a b='1' b='2'/>",
        "<a>&nbsp;</a>",
        "<a>\u{1b}</a>",
        "<a>\u{fffe}</a>",
        "<a/><b/>",
        "<a>x < y</a>",
        "<a>&#0;</a>",
        "<a>",
        "text",
    ] {
        assert!(xml_problem(bad).is_some(), "{bad:?}");
    }
}

#[test]
fn fuzz_cli() {
    let s = settings();
    let cases = fixture_cases();
    assert!(cases.len() > 100, "fixtures are missing");
    let sarif = sarif_validator();
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-fuzz");
    let failures_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-fuzz-failures");
    let t0 = Instant::now();
    let (mut batches, mut files, mut bytes, mut runs, mut peak) =
        (0u64, 0usize, 0usize, 0usize, 0u64);
    let mut failed: Vec<String> = Vec::new();
    let mut index = s.only.unwrap_or(0);
    loop {
        let b = batch(s.seed, index, &cases);
        let dir = work.join(format!("batch-{index}"));
        write_batch(&dir, &b);
        let mut rng = Rng(s.seed ^ index ^ 0x5151);
        let (problems, n, p) = check_batch(&dir, &mut rng, &s, &sarif);
        batches += 1;
        files += b.files.len();
        bytes += b.files.iter().map(|(_, d)| d.len()).sum::<usize>();
        runs += n;
        peak = peak.max(p);
        if problems.is_empty() {
            if std::env::var_os("TENDON_FUZZ_KEEP").is_none() {
                let _ = std::fs::remove_dir_all(&dir);
            }
        } else {
            let keep = failures_dir.join(format!("seed-{:#x}-batch-{index}", s.seed));
            let _ = std::fs::remove_dir_all(&keep);
            let _ = std::fs::create_dir_all(&failures_dir);
            let _ = std::fs::rename(&dir, &keep);
            let readme = format!(
                "{} batch {index} of seed {:#x}\nregenerate: TENDON_FUZZ_SEED={:#x} TENDON_FUZZ_BATCH={index} cargo test --test cli_fuzz fuzz_cli\nrerun: cd {} && tendon check . --format json\n\n{}\n",
                b.kind,
                s.seed,
                s.seed,
                keep.display(),
                problems.join("\n")
            );
            let _ = std::fs::write(keep.with_extension("txt"), &readme);
            eprintln!("cli_fuzz: FAILED {}: {}", keep.display(), readme);
            failed.push(format!(
                "{} ({})",
                keep.display(),
                problems.first().cloned().unwrap_or_default()
            ));
            if failed.len() >= 20 {
                break;
            }
        }
        if s.only.is_some() || t0.elapsed() >= s.budget {
            break;
        }
        index += 1;
    }
    eprintln!(
        "cli_fuzz: seed {:#x}: {batches} batches, {files} files ({} KiB), {runs} runs in {:.1} s, peak RSS {} MiB, {} failing",
        s.seed,
        bytes / 1024,
        t0.elapsed().as_secs_f64(),
        peak / 1024,
        failed.len()
    );
    assert!(
        failed.is_empty(),
        "failing batches (inputs kept):\n{}",
        failed.join("\n")
    );
}
