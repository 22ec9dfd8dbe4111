//! Text, numbers and value types the generators draw from.

use super::rng::Rng;

/// Text that must never reach output raw.
pub const HOSTILE: &[&str] = &[
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

pub const STRINGS: &[&str] = &[
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

pub const NUMBERS: &[&str] = &[
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

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ty {
    Str,
    Int,
    Bool,
    Arr,
    Obj,
    Any,
}

impl Ty {
    pub fn concrete(self, rng: &mut Rng) -> Ty {
        if self == Ty::Any {
            *rng.pick(&[Ty::Str, Ty::Int, Ty::Bool, Ty::Arr, Ty::Obj])
        } else {
            self
        }
    }

    pub fn arm(self) -> &'static str {
        match self {
            Ty::Str => "string",
            Ty::Int => "int",
            Ty::Bool => "bool",
            Ty::Arr => "array",
            Ty::Obj | Ty::Any => "object",
        }
    }
}

pub fn text(rng: &mut Rng) -> String {
    let mut s = rng.pick(STRINGS).to_string();
    if rng.one_in(6) {
        let at = rng.below(s.len() + 1);
        if s.is_char_boundary(at) {
            s.insert_str(at, rng.pick::<&str>(HOSTILE));
        }
    }
    s
}
