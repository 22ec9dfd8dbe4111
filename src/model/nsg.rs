//! Whether an NSG's rules block a flow, and the flows kubenet needs: read by
//! nsg-blocks-pod-traffic.
//!
//! With kubenet, pod traffic leaves and enters the node NICs with pod IPs as source or
//! destination, so an NSG on the node subnet sees it. AKS never edits subnet NSGs, so a
//! custom deny rule that catches node↔pod traffic before anything allows it breaks the
//! cluster. This module models Azure's NSG evaluation just far enough to tell.
//!
//! Model: a rule matches a box of traffic, the product of five sets (source addresses,
//! destination addresses, protocol, source ports, destination ports). Rules of one
//! direction are evaluated in ascending priority and the first match decides, so a deny D
//! blocks flow F when some of `D ∩ F` is not inside the union of the allow rules evaluated
//! before D. The union test is exact (several allows may cover the traffic together, and
//! an allow on TCP 443 does cover a deny on TCP 443).
//!
//! Unknown values (`{"$unknown": ..}`, missing fields, garbage) never produce a finding:
//! for D only the values it surely matches are used, and every rule that might be an
//! earlier allow is taken as broadly as its unknowns permit.

use std::ptr;

use ipnet::IpNet;
use serde_json::Value as J;

use crate::model::derive::{DEFAULT_POD_CIDR, parse_cidr};
use crate::model::facts::ClusterFact;
use crate::value::Kind;

/// Direction of a flow or security rule, as seen from the NSG.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Inbound,
    Outbound,
}

/// Traffic that must be allowed: from any address of `source` to any of `destination`,
/// on every protocol and port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flow {
    pub direction: Direction,
    pub source: Vec<IpNet>,
    pub destination: Vec<IpNet>,
}

/// A deny rule that blocks (part of) `flows[flow]` before any rule allows it.
/// `rule` indexes the `rules` slice given to [`blocking_rules`]; Azure's default rules are
/// never reported.
#[derive(Debug, PartialEq, Eq)]
pub struct Block {
    pub rule: usize,
    pub flow: usize,
}

/// The pod range of a kubenet cluster: its `podCidr`, AKS's default when
/// unset; `None` when not known. Read by nsg-blocks-pod-traffic.
pub fn kubenet_pod_range(c: &ClusterFact) -> Option<IpNet> {
    let net = c.network.as_ref();
    match net.and_then(|n| n.get("podCidr")).map(|v| &v.kind) {
        Some(Kind::Str(p)) if !p.is_empty() => parse_cidr(p),
        None | Some(Kind::Null) => parse_cidr(DEFAULT_POD_CIDR),
        _ => None,
    }
}

/// The traffic kubenet needs through a node subnet's NSG: pods ↔ nodes, in
/// both directions, inbound then outbound. Read by nsg-blocks-pod-traffic.
pub fn kubenet_flows(pod: IpNet, nodes: &[IpNet]) -> [Flow; 4] {
    let flow = |direction, source: Vec<IpNet>, destination: Vec<IpNet>| Flow {
        direction,
        source,
        destination,
    };
    [
        flow(Direction::Inbound, vec![pod], nodes.to_vec()),
        flow(Direction::Inbound, nodes.to_vec(), vec![pod]),
        flow(Direction::Outbound, vec![pod], nodes.to_vec()),
        flow(Direction::Outbound, nodes.to_vec(), vec![pod]),
    ]
}

/// Finds the deny rules that block (part of) a flow before any rule allows it.
///
/// `rules`: the NSG's security rules as plain JSON objects with the ARM property names,
/// flattened (no `properties` wrapper): `name`, `priority` (int), `direction`
/// ("Inbound"/"Outbound"), `access` ("Allow"/"Deny"), `protocol` ("*", "Tcp", "Udp", "Icmp",
/// "Esp", "Ah"), `sourceAddressPrefix` or `sourceAddressPrefixes` (array),
/// `destinationAddressPrefix(es)`, `sourcePortRange(s)`, `destinationPortRange(s)`. Any value
/// may instead be an unknown marker object `{"$unknown": "reason"}`; a missing field is
/// unknown too, except the plural/singular alternatives. Values are case-insensitive.
/// `source/destinationApplicationSecurityGroups`, when non-empty, make that side unknown.
///
/// `virtual_network`: the address ranges the `VirtualNetwork` service tag stands for here
/// (the VNet's address space, peered VNets, and the route table's route prefixes).
///
/// Address prefixes: `*`/`Any` is everything, a CIDR or single IP (v4 or v6) is itself,
/// `VirtualNetwork` is `virtual_network`, `AzureLoadBalancer` is 168.63.129.16, and
/// `Internet` and the other known service tags (optionally `.Region`-scoped) are public
/// Microsoft/Internet space taken to match none of the flows' (private) ranges. An
/// unrecognized tag is unknown.
///
/// Azure's default rules (`AllowVnetInBound`, `AllowAzureLoadBalancerInBound`,
/// `AllowVnetOutBound`, `AllowInternetOutBound` at 65000/65001) take part in the
/// evaluation but are never reported.
///
/// A `Block { rule: d, flow: f }` is reported when `rules[d]` is a deny of `f`'s direction
/// with a known priority, overlapping `f`, and some traffic of `f` it matches is not
/// allowed by the union of the rules that come before it. A rule comes before `d` when its
/// priority is lower, equal (Azure rejects duplicates, so order is unknown) or unknown.
/// Nothing is reported when an unknown value could change the answer (nor when the
/// coverage question is too large to settle, see `COVER_BUDGET`). The result is
/// sorted by rule, then flow, without duplicates. Never panics.
pub fn blocking_rules(rules: &[J], flows: &[Flow], virtual_network: &[IpNet]) -> Vec<Block> {
    let vnet = Addrs::from_nets(virtual_network);
    let parsed: Vec<Rule> = rules.iter().map(|r| Rule::parse(r, &vnet)).collect();
    let defaults = default_rules(&vnet);
    let flows: Vec<(Direction, Addrs, Addrs)> = flows
        .iter()
        .map(|f| {
            (
                f.direction,
                Addrs::from_nets(&f.source),
                Addrs::from_nets(&f.destination),
            )
        })
        .collect();

    let mut out = Vec::new();
    for (rule, deny) in parsed.iter().enumerate() {
        for (flow, (direction, source, destination)) in flows.iter().enumerate() {
            let everyone = parsed.iter().chain(&defaults);
            if blocks(deny, *direction, source, destination, everyone) {
                out.push(Block { rule, flow });
            }
        }
    }
    out
}

/// Does `deny` block part of the flow before the other rules in `all` allow it?
fn blocks<'a>(
    deny: &Rule,
    direction: Direction,
    source: &Addrs,
    destination: &Addrs,
    all: impl Iterator<Item = &'a Rule>,
) -> bool {
    let Some(reach) = DenyReach::of(deny, direction, source, destination) else {
        return false;
    };
    let allows = allows_before(deny, direction, reach.priority, all);
    // Families never match each other, so each source/destination family pair is its own
    // box; the union of boxes is then a plain n-dimensional coverage question.
    for src_v6 in [false, true] {
        for dst_v6 in [false, true] {
            if reach.blocks_in(src_v6, dst_v6, &allows) {
                return true;
            }
        }
    }
    false
}

/// The part of a flow a deny surely matches: only this part may be called blocked.
struct DenyReach {
    priority: u32,
    src: Addrs,
    dst: Addrs,
    /// Protocols, source ports, destination ports.
    rest: [Ranges; 3],
    /// Whether `rest` is known; if not, see [`DenyReach::blocks_in`].
    exact: bool,
}

impl DenyReach {
    /// `None` when `deny` is not a deny of `direction` with a known priority, or an
    /// address side is unknown (it could miss the flow entirely).
    fn of(
        deny: &Rule,
        direction: Direction,
        source: &Addrs,
        destination: &Addrs,
    ) -> Option<DenyReach> {
        if deny.access != Some(Access::Deny) || deny.direction != Some(direction) {
            return None;
        }
        let priority = deny.priority?;
        let (Some(deny_src), Some(deny_dst)) = (&deny.src.lower, &deny.dst.lower) else {
            return None;
        };
        // An unknown protocol or port list is still *some* value, so the deny blocks part
        // of the flow; but which part is unknown, so it is taken as everything.
        let mut exact = true;
        let mut surely = |dim: &Dim<Ranges>, full: Ranges| match &dim.lower {
            Some(r) => r.clone(),
            None => {
                exact = false;
                full
            }
        };
        let rest = [
            surely(&deny.proto, Ranges::full(PROTO_MAX)),
            surely(&deny.sport, Ranges::full(PORT_MAX)),
            surely(&deny.dport, Ranges::full(PORT_MAX)),
        ];
        Some(DenyReach {
            priority,
            src: deny_src.intersect(source),
            dst: deny_dst.intersect(destination),
            rest,
            exact,
        })
    }

    /// Is some of the reach in one source/destination family pair left uncovered by
    /// `allows`? With unknown protocols or ports the part blocked is unknown, so it
    /// only counts if no allow touches the reach at all.
    fn blocks_in(&self, src_v6: bool, dst_v6: bool, allows: &[&Rule]) -> bool {
        let mut region = vec![
            self.src.family(src_v6).clone(),
            self.dst.family(dst_v6).clone(),
        ];
        region.extend(self.rest.iter().cloned());
        if region.iter().any(Ranges::is_empty) {
            return false;
        }
        let boxes: Vec<Vec<Ranges>> = allows
            .iter()
            .map(|a| allow_box(a, src_v6, dst_v6))
            .collect();
        let boxes: Vec<&[Ranges]> = boxes.iter().map(Vec::as_slice).collect();
        if self.exact {
            // Out of budget: the answer is unknown, and unknown is not reported.
            let mut budget = COVER_BUDGET;
            !covered(&region, &boxes, &mut budget)
        } else {
            !boxes.iter().any(|b| {
                b.iter()
                    .zip(&region)
                    .all(|(have, need)| have.intersects(need))
            })
        }
    }
}

/// Everything that might be an allow evaluated before `deny` (of `priority`).
fn allows_before<'a>(
    deny: &Rule,
    direction: Direction,
    priority: u32,
    all: impl Iterator<Item = &'a Rule>,
) -> Vec<&'a Rule> {
    all.filter(|a| !ptr::eq(*a, deny))
        .filter(|a| a.access != Some(Access::Deny))
        .filter(|a| a.direction.is_none_or(|d| d == direction))
        .filter(|a| a.priority.is_none_or(|p| p <= priority))
        .collect()
}

/// The box an allow might match in one family pair, as broad as its unknowns permit.
fn allow_box(a: &Rule, src_v6: bool, dst_v6: bool) -> Vec<Ranges> {
    vec![
        a.src.upper.family(src_v6).clone(),
        a.dst.upper.family(dst_v6).clone(),
        a.proto.upper.clone(),
        a.sport.upper.clone(),
        a.dport.upper.clone(),
    ]
}

/// Is every point of `region` inside at least one of `boxes`? All have the same
/// number of dimensions. Splits the first dimension at the boxes' edges so that each
/// piece is either fully inside or fully outside each box, then recurses.
///
/// Each call spends one unit of `budget`; once it is gone the answer is `true`
/// (adversarial rule sets can need exponentially many pieces).
fn covered(region: &[Ranges], boxes: &[&[Ranges]], budget: &mut usize) -> bool {
    let Some(left) = budget.checked_sub(1) else {
        return true;
    };
    *budget = left;
    let Some((first, rest)) = region.split_first() else {
        // A point (zero dimensions left) is covered by any box that reached it.
        return !boxes.is_empty();
    };
    if first.is_empty() {
        return true;
    }
    // One box holding the whole region settles it without splitting (keeps it fast).
    if boxes.iter().any(|b| {
        b.iter()
            .zip(region)
            .all(|(have, need)| have.contains_all(need))
    }) {
        return true;
    }
    let touching: Vec<(&Ranges, &[Ranges])> = boxes
        .iter()
        .filter_map(|b| b.split_first())
        .filter(|(head, _)| head.intersects(first))
        .collect();
    if touching.is_empty() {
        return false;
    }
    let mut cuts: Vec<u128> = Vec::new();
    for (head, _) in &touching {
        for &(lo, hi) in &head.0 {
            cuts.push(lo);
            if let Some(next) = hi.checked_add(1) {
                cuts.push(next);
            }
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    for &(lo, hi) in &first.0 {
        let mut start = lo;
        loop {
            // The piece runs up to the next cut; `cut > start`, so `cut - 1` cannot underflow.
            let next_cut = cuts.get(cuts.partition_point(|&c| c <= start)).copied();
            let end = match next_cut {
                Some(cut) if cut <= hi => cut - 1,
                _ => hi,
            };
            let inside: Vec<&[Ranges]> = touching
                .iter()
                .filter(|(head, _)| head.contains(start))
                .map(|(_, tail)| *tail)
                .collect();
            if !covered(rest, &inside, budget) {
                return false;
            }
            if end >= hi {
                break;
            }
            start = end + 1;
        }
    }
    true
}

// ---------------------------------------------------------------------------------------
// Sets

/// Recursion steps allowed per coverage question; real NSGs need a few hundred.
const COVER_BUDGET: usize = 200_000;
const V4_MAX: u128 = u32::MAX as u128;
const PORT_MAX: u128 = 65535;
/// Protocols: Tcp, Udp, Icmp, Esp, Ah, and 5 for every other IP protocol, which only `*`
/// matches (so TCP+UDP+ICMP+ESP+AH allows together still do not cover `*`).
const PROTO_MAX: u128 = 5;

/// Sorted, disjoint, non-adjacent inclusive intervals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Ranges(Vec<(u128, u128)>);

impl Ranges {
    fn new(mut spans: Vec<(u128, u128)>) -> Self {
        spans.retain(|(lo, hi)| lo <= hi);
        spans.sort_unstable();
        let mut out: Vec<(u128, u128)> = Vec::with_capacity(spans.len());
        for (lo, hi) in spans {
            match out.last_mut() {
                Some(last) if last.1.checked_add(1).is_none_or(|n| lo <= n) => {
                    last.1 = last.1.max(hi);
                }
                _ => out.push((lo, hi)),
            }
        }
        Ranges(out)
    }

    fn full(max: u128) -> Self {
        Ranges(vec![(0, max)])
    }

    fn one(lo: u128, hi: u128) -> Self {
        Ranges::new(vec![(lo, hi)])
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn union(&self, other: &Self) -> Self {
        Ranges::new(self.0.iter().chain(&other.0).copied().collect())
    }

    fn intersect(&self, other: &Self) -> Self {
        let (mut a, mut b) = (self.0.iter().peekable(), other.0.iter().peekable());
        let mut out = Vec::new();
        while let (Some(&&(lo1, hi1)), Some(&&(lo2, hi2))) = (a.peek(), b.peek()) {
            let (lo, hi) = (lo1.max(lo2), hi1.min(hi2));
            if lo <= hi {
                out.push((lo, hi));
            }
            // Drop whichever interval ends first; the other may still meet later ones.
            if hi1 < hi2 {
                a.next();
            } else {
                b.next();
            }
        }
        Ranges::new(out)
    }

    fn intersects(&self, other: &Self) -> bool {
        !self.intersect(other).is_empty()
    }

    fn contains_all(&self, other: &Self) -> bool {
        self.intersect(other) == *other
    }

    fn contains(&self, x: u128) -> bool {
        self.0.iter().any(|&(lo, hi)| lo <= x && x <= hi)
    }
}

/// A set of addresses, one interval set per family (they never match each other).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Addrs {
    v4: Ranges,
    v6: Ranges,
}

impl Addrs {
    fn all() -> Self {
        Addrs {
            v4: Ranges::full(V4_MAX),
            v6: Ranges::full(u128::MAX),
        }
    }

    fn from_net(net: &IpNet) -> Self {
        match net {
            IpNet::V4(n) => Addrs {
                v4: Ranges::one(
                    u128::from(u32::from(n.network())),
                    u128::from(u32::from(n.broadcast())),
                ),
                v6: Ranges::default(),
            },
            IpNet::V6(n) => Addrs {
                v4: Ranges::default(),
                v6: Ranges::one(u128::from(n.network()), u128::from(n.broadcast())),
            },
        }
    }

    fn from_nets(nets: &[IpNet]) -> Self {
        nets.iter()
            .fold(Addrs::default(), |acc, n| acc.union(&Addrs::from_net(n)))
    }

    fn union(&self, other: &Self) -> Self {
        Addrs {
            v4: self.v4.union(&other.v4),
            v6: self.v6.union(&other.v6),
        }
    }

    fn intersect(&self, other: &Self) -> Self {
        Addrs {
            v4: self.v4.intersect(&other.v4),
            v6: self.v6.intersect(&other.v6),
        }
    }

    fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    fn family(&self, v6: bool) -> &Ranges {
        if v6 { &self.v6 } else { &self.v4 }
    }
}

/// What a `Dim` needs from its set type.
trait Set: Clone + Default {
    fn union(&self, other: &Self) -> Self;
    fn is_empty(&self) -> bool;
}

impl Set for Ranges {
    fn union(&self, other: &Self) -> Self {
        Ranges::union(self, other)
    }
    fn is_empty(&self) -> bool {
        Ranges::is_empty(self)
    }
}

impl Set for Addrs {
    fn union(&self, other: &Self) -> Self {
        Addrs::union(self, other)
    }
    fn is_empty(&self) -> bool {
        Addrs::is_empty(self)
    }
}

// ---------------------------------------------------------------------------------------
// Rules

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    Allow,
    Deny,
}

/// One dimension of a rule's match. `lower`: values the rule surely matches (`None`: an
/// unknown value, nothing is sure). `upper`: values it might match.
#[derive(Clone, Debug)]
struct Dim<T> {
    lower: Option<T>,
    upper: T,
}

impl<T: Set> Dim<T> {
    fn known(set: T) -> Self {
        Dim {
            lower: Some(set.clone()),
            upper: set,
        }
    }

    fn unknown(full: T) -> Self {
        Dim {
            lower: None,
            upper: full,
        }
    }

    /// From list items (`None`: the list itself is unknown); an unknown item widens
    /// `upper` to `full` but keeps the known items as `lower`.
    fn from_items(items: Option<Vec<&J>>, full: T, parse: impl Fn(&J) -> Option<T>) -> Self {
        let Some(items) = items else {
            return Dim::unknown(full);
        };
        let mut known = T::default();
        let mut any_unknown = false;
        for item in items {
            match parse(item) {
                Some(set) => known = known.union(&set),
                None => any_unknown = true,
            }
        }
        match (any_unknown, known.is_empty()) {
            (false, _) => Dim::known(known),
            (true, true) => Dim::unknown(full),
            (true, false) => Dim {
                lower: Some(known),
                upper: full,
            },
        }
    }
}

/// A security rule, parsed leniently: anything not understood becomes unknown (`None`).
#[derive(Clone, Debug)]
struct Rule {
    priority: Option<u32>,
    direction: Option<Direction>,
    access: Option<Access>,
    src: Dim<Addrs>,
    dst: Dim<Addrs>,
    proto: Dim<Ranges>,
    sport: Dim<Ranges>,
    dport: Dim<Ranges>,
}

impl Rule {
    /// `rule` may be any JSON; `J::get` yields `None` on non-objects, so garbage is simply
    /// a rule with every field unknown.
    fn parse(rule: &J, vnet: &Addrs) -> Self {
        let addresses = |singular: &str, plural: &str, asgs: &str| {
            // Application security groups stand for NIC addresses we cannot know.
            let asg = rule
                .get(asgs)
                .is_some_and(|v| !(v.is_null() || v.as_array().is_some_and(Vec::is_empty)));
            if asg {
                return Dim::unknown(Addrs::all());
            }
            Dim::from_items(alternatives(rule, singular, plural), Addrs::all(), |v| {
                prefix(v, vnet)
            })
        };
        let ports = |singular: &str, plural: &str| {
            Dim::from_items(
                alternatives(rule, singular, plural),
                Ranges::full(PORT_MAX),
                port_range,
            )
        };
        Rule {
            priority: rule.get("priority").and_then(priority),
            direction: text(rule.get("direction")).and_then(|d| match d.as_str() {
                "inbound" => Some(Direction::Inbound),
                "outbound" => Some(Direction::Outbound),
                _ => None,
            }),
            access: text(rule.get("access")).and_then(|a| match a.as_str() {
                "allow" => Some(Access::Allow),
                "deny" => Some(Access::Deny),
                _ => None,
            }),
            src: addresses(
                "sourceAddressPrefix",
                "sourceAddressPrefixes",
                "sourceApplicationSecurityGroups",
            ),
            dst: addresses(
                "destinationAddressPrefix",
                "destinationAddressPrefixes",
                "destinationApplicationSecurityGroups",
            ),
            proto: Dim::from_items(
                rule.get("protocol").map(|p| vec![p]),
                Ranges::full(PROTO_MAX),
                protocol,
            ),
            sport: ports("sourcePortRange", "sourcePortRanges"),
            dport: ports("destinationPortRange", "destinationPortRanges"),
        }
    }
}

/// Azure's built-in rules, evaluated after every custom rule. Only the allows can
/// matter (defaults are never reported); the denies are listed for completeness.
fn default_rules(vnet: &Addrs) -> Vec<Rule> {
    let lb = load_balancer();
    let rule = |priority, direction, access, src: &Addrs, dst: &Addrs| Rule {
        priority: Some(priority),
        direction: Some(direction),
        access: Some(access),
        src: Dim::known(src.clone()),
        dst: Dim::known(dst.clone()),
        proto: Dim::known(Ranges::full(PROTO_MAX)),
        sport: Dim::known(Ranges::full(PORT_MAX)),
        dport: Dim::known(Ranges::full(PORT_MAX)),
    };
    let any = Addrs::all();
    // `Internet` matches none of the flows (see `prefix`).
    let internet = Addrs::default();
    use Access::{Allow, Deny};
    use Direction::{Inbound, Outbound};
    vec![
        rule(65000, Inbound, Allow, vnet, vnet),
        rule(65001, Inbound, Allow, &lb, &any),
        rule(65500, Inbound, Deny, &any, &any),
        rule(65000, Outbound, Allow, vnet, vnet),
        rule(65001, Outbound, Allow, &any, &internet),
        rule(65500, Outbound, Deny, &any, &any),
    ]
}

/// The items of a plural/singular pair (`sourceAddressPrefixes`/`sourceAddressPrefix`);
/// `None` when unknown. ARM uses the plural when it is a non-empty array.
fn alternatives<'a>(rule: &'a J, singular: &str, plural: &str) -> Option<Vec<&'a J>> {
    match rule.get(plural) {
        Some(J::Array(items)) if !items.is_empty() => return Some(items.iter().collect()),
        Some(J::Array(_) | J::Null) | None => {}
        // A marker (or garbage) in the plural: the real list is unknown, whatever the singular says.
        Some(_) => return None,
    }
    match rule.get(singular) {
        None | Some(J::Null) => None,
        Some(J::String(s)) if s.trim().is_empty() => None,
        Some(value) => Some(vec![value]),
    }
}

/// Lower-cased, trimmed string value; `None` for markers, non-strings and missing values.
fn text(value: Option<&J>) -> Option<String> {
    value
        .and_then(J::as_str)
        .map(|s| s.trim().to_ascii_lowercase())
}

fn priority(value: &J) -> Option<u32> {
    match value {
        J::Number(n) => n.as_u64().and_then(|p| u32::try_from(p).ok()),
        // ARM coerces numeric strings; accept them rather than call them unknown.
        J::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn protocol(value: &J) -> Option<Ranges> {
    let p = match text(Some(value))?.as_str() {
        "*" | "any" => return Some(Ranges::full(PROTO_MAX)),
        "tcp" => 0,
        "udp" => 1,
        "icmp" => 2,
        "esp" => 3,
        "ah" => 4,
        _ => return None,
    };
    Some(Ranges::one(p, p))
}

/// `*`, `443` or `8000-8999` (a bare JSON number is accepted too).
fn port_range(value: &J) -> Option<Ranges> {
    let port = |s: &str| s.trim().parse::<u16>().ok().map(u128::from);
    if let Some(n) = value.as_u64() {
        let n = u16::try_from(n).ok()?;
        return Some(Ranges::one(n.into(), n.into()));
    }
    let s = text(Some(value))?;
    if s == "*" || s == "any" {
        return Some(Ranges::full(PORT_MAX));
    }
    let (lo, hi) = match s.split_once('-') {
        Some((lo, hi)) => (port(lo)?, port(hi)?),
        None => (port(&s)?, port(&s)?),
    };
    // A reversed range is invalid rather than empty.
    (lo <= hi).then(|| Ranges::one(lo, hi))
}

/// Service tags that stand for public Microsoft or Internet space. None of them covers the
/// private node/pod ranges this rule is about, so for it they match nothing. Compared
/// lower-case, also with a `.Region` suffix (`Storage.WestEurope`).
const PUBLIC_TAGS: &[&str] = &[
    "internet",
    "actiongroup",
    "apimanagement",
    "applicationinsightsavailability",
    "appconfiguration",
    "appservice",
    "appservicemanagement",
    "azureactivedirectory",
    "azureactivedirectorydomainservices",
    "azureadvancedthreatprotection",
    "azurearcinfrastructure",
    "azureattestation",
    "azurebackup",
    "azurebotservice",
    "azurecloud",
    "azurecognitivesearch",
    "azureconnectors",
    "azurecontainerappsservice",
    "azurecontainerregistry",
    "azurecosmosdb",
    "azuredatabricks",
    "azuredataexplorermanagement",
    "azuredatalake",
    "azuredevops",
    "azuredevspaces",
    "azuredigitaltwins",
    "azureeventgrid",
    "azurefrontdoor",
    "azurehealthcareapis",
    "azureinformationprotection",
    "azureiothub",
    "azurekeyvault",
    "azuremachinelearning",
    "azuremonitor",
    "azureopendatasets",
    "azureplatformdns",
    "azureplatformimds",
    "azureplatformlkm",
    "azureresourcemanager",
    "azuresignalr",
    "azuresiterecovery",
    "azurespringcloud",
    "azurestack",
    "azuretrafficmanager",
    "azureupdatedelivery",
    "azurewebpubsub",
    "batchnodemanagement",
    "chaosstudio",
    "cognitiveservicesfrontend",
    "cognitiveservicesmanagement",
    "datafactory",
    "datafactorymanagement",
    "dynamics365formarketingemail",
    "eventhub",
    "gatewaymanager",
    "guestandhybridmanagement",
    "hdinsight",
    "logicapps",
    "logicappsmanagement",
    "microsoftcloudappsecurity",
    "microsoftcontainerregistry",
    "microsoftdefenderforendpoint",
    "powerbi",
    "powerplatforminfra",
    "powerqueryonline",
    "servicebus",
    "servicefabric",
    "sql",
    "sqlmanagement",
    "storage",
    "storagesyncservice",
    "windowsadmincenter",
    "windowsvirtualdesktop",
];

/// The `AzureLoadBalancer` tag: the platform's virtual IP for health probes.
fn load_balancer() -> Addrs {
    let ip = u128::from(u32::from(std::net::Ipv4Addr::new(168, 63, 129, 16)));
    Addrs {
        v4: Ranges::one(ip, ip),
        v6: Ranges::default(),
    }
}

/// One address prefix; `None` when unknown.
fn prefix(value: &J, vnet: &Addrs) -> Option<Addrs> {
    let s = text(Some(value))?;
    match s.as_str() {
        "*" | "any" => return Some(Addrs::all()),
        "virtualnetwork" => return Some(vnet.clone()),
        "azureloadbalancer" => return Some(load_balancer()),
        _ => {}
    }
    if let Ok(net) = s.parse::<IpNet>() {
        return Some(Addrs::from_net(&net));
    }
    if let Ok(ip) = s.parse::<std::net::IpAddr>() {
        return Some(Addrs::from_net(&IpNet::from(ip)));
    }
    let base = s.split_once('.').map_or(s.as_str(), |(base, _)| base);
    PUBLIC_TAGS.contains(&base).then(Addrs::default)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NODES: &str = "10.240.0.0/16";
    const PODS: &str = "10.244.0.0/16";

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    fn flow(direction: Direction, src: &str, dst: &str) -> Flow {
        Flow {
            direction,
            source: vec![net(src)],
            destination: vec![net(dst)],
        }
    }

    /// node→pod and pod→node, inbound then outbound (indices 0..4).
    fn kubenet_flows() -> Vec<Flow> {
        vec![
            flow(Direction::Inbound, NODES, PODS),
            flow(Direction::Inbound, PODS, NODES),
            flow(Direction::Outbound, NODES, PODS),
            flow(Direction::Outbound, PODS, NODES),
        ]
    }

    fn vnet() -> Vec<IpNet> {
        vec![net(NODES), net(PODS)]
    }

    /// A fully known `*` rule; tests override fields.
    fn rule(priority: u32, direction: &str, access: &str) -> J {
        json!({
            "name": format!("r{priority}"),
            "priority": priority,
            "direction": direction,
            "access": access,
            "protocol": "*",
            "sourceAddressPrefix": "*",
            "destinationAddressPrefix": "*",
            "sourcePortRange": "*",
            "destinationPortRange": "*",
        })
    }

    fn with(mut rule: J, key: &str, value: J) -> J {
        if let Some(obj) = rule.as_object_mut() {
            obj.insert(key.to_string(), value);
        }
        rule
    }

    fn without(mut rule: J, key: &str) -> J {
        if let Some(obj) = rule.as_object_mut() {
            obj.remove(key);
        }
        rule
    }

    fn blocks(pairs: &[(usize, usize)]) -> Vec<Block> {
        pairs
            .iter()
            .map(|&(rule, flow)| Block { rule, flow })
            .collect()
    }

    fn unknown() -> J {
        json!({"$unknown": "expression"})
    }

    #[test]
    fn deny_all_inbound_fires_for_inbound_flows() {
        let rules = [rule(4000, "Inbound", "Deny")];
        let got = blocking_rules(&rules, &kubenet_flows(), &vnet());
        assert_eq!(got, blocks(&[(0, 0), (0, 1)]));
    }

    #[test]
    fn deny_from_pod_cidr_fires_for_pod_sourced_flow_only() {
        let rules = [with(
            rule(4000, "Inbound", "Deny"),
            "sourceAddressPrefix",
            json!(PODS),
        )];
        let got = blocking_rules(&rules, &kubenet_flows(), &vnet());
        assert_eq!(got, blocks(&[(0, 1)]));
    }

    #[test]
    fn deny_tcp_443_still_blocks_part() {
        let r = with(rule(4000, "Outbound", "Deny"), "protocol", json!("Tcp"));
        let r = with(r, "destinationPortRange", json!("443"));
        let got = blocking_rules(&[r], &kubenet_flows(), &vnet());
        assert_eq!(got, blocks(&[(0, 2), (0, 3)]));
    }

    #[test]
    fn allow_vnet_first_silences() {
        let allow = with(
            rule(100, "Inbound", "Allow"),
            "sourceAddressPrefix",
            json!("VirtualNetwork"),
        );
        let allow = with(allow, "destinationAddressPrefix", json!("VirtualNetwork"));
        let rules = [allow, rule(4000, "Inbound", "Deny")];
        let flows = &kubenet_flows()[..2];
        assert_eq!(blocking_rules(&rules, flows, &vnet()), vec![]);
        // Order in the array is irrelevant; priority decides.
        let rules = [rules[1].clone(), rules[0].clone()];
        assert_eq!(blocking_rules(&rules, flows, &vnet()), vec![]);
        // VirtualNetwork not covering the pod CIDR leaves the traffic blocked.
        let got = blocking_rules(&rules, flows, &[net(NODES)]);
        assert_eq!(got, blocks(&[(0, 0), (0, 1)]));
    }

    #[test]
    fn allow_after_deny_does_not_help() {
        let rules = [
            rule(4000, "Inbound", "Deny"),
            rule(4001, "Inbound", "Allow"),
        ];
        let got = blocking_rules(&rules, &kubenet_flows()[..1], &vnet());
        assert_eq!(got, blocks(&[(0, 0)]));
    }

    #[test]
    fn several_allows_together_cover() {
        let half = |p, src| {
            with(
                rule(p, "Inbound", "Allow"),
                "sourceAddressPrefix",
                json!(src),
            )
        };
        let rules = [
            half(100, "10.244.0.0/17"),
            half(110, "10.244.128.0/17"),
            rule(4000, "Inbound", "Deny"),
        ];
        let flows = [flow(Direction::Inbound, PODS, NODES)];
        assert_eq!(blocking_rules(&rules, &flows, &vnet()), vec![]);
        // One half alone is not enough.
        let got = blocking_rules(&rules[1..], &flows, &vnet());
        assert_eq!(got, blocks(&[(1, 0)]));
    }

    #[test]
    fn allow_counts_only_for_protocols_and_ports_it_covers() {
        let tcp_allow = with(rule(100, "Inbound", "Allow"), "protocol", json!("Tcp"));
        let flows = &kubenet_flows()[..1];
        // TCP allowed, the rest still denied.
        let rules = [tcp_allow.clone(), rule(4000, "Inbound", "Deny")];
        assert_eq!(blocking_rules(&rules, flows, &vnet()), blocks(&[(1, 0)]));
        // A TCP 443 deny behind a TCP allow blocks nothing.
        let deny = with(rule(4000, "Inbound", "Deny"), "protocol", json!("tcp"));
        let deny = with(deny, "destinationPortRanges", json!(["443", "8000-8080"]));
        let rules = [tcp_allow, deny.clone()];
        assert_eq!(blocking_rules(&rules, flows, &vnet()), vec![]);
        // An allow on ports 0-1000 leaves 8000-8080 blocked.
        let narrow = with(
            rule(100, "Inbound", "Allow"),
            "destinationPortRange",
            json!("0-1000"),
        );
        let rules = [narrow, deny];
        assert_eq!(blocking_rules(&rules, flows, &vnet()), blocks(&[(1, 0)]));
        // Allows for every named protocol still leave the others to `*`.
        let mut rules: Vec<J> = ["Tcp", "Udp", "Icmp", "Esp", "Ah"]
            .iter()
            .enumerate()
            .map(|(i, p)| {
                with(
                    rule(100 + i as u32, "Inbound", "Allow"),
                    "protocol",
                    json!(p),
                )
            })
            .collect();
        rules.push(rule(4000, "Inbound", "Deny"));
        assert_eq!(blocking_rules(&rules, flows, &vnet()), blocks(&[(5, 0)]));
    }

    #[test]
    fn allow_with_zero_to_max_ports_counts_as_any() {
        let allow = with(
            rule(100, "Inbound", "Allow"),
            "sourcePortRange",
            json!("0-65535"),
        );
        let allow = with(allow, "destinationPortRanges", json!(["0-65535"]));
        let rules = [allow, rule(4000, "Inbound", "Deny")];
        assert_eq!(blocking_rules(&rules, &kubenet_flows(), &vnet()), vec![]);
    }

    #[test]
    fn deny_of_internet_or_other_tags_is_silent() {
        for tag in [
            "Internet",
            "AzureCloud",
            "Storage.WestEurope",
            "AzureLoadBalancer",
        ] {
            let rules = [with(
                rule(4000, "Inbound", "Deny"),
                "sourceAddressPrefix",
                json!(tag),
            )];
            assert_eq!(
                blocking_rules(&rules, &kubenet_flows(), &vnet()),
                vec![],
                "{tag}"
            );
        }
    }

    #[test]
    fn deny_of_unrelated_range_is_silent() {
        let rules = [with(
            rule(4000, "Inbound", "Deny"),
            "destinationAddressPrefix",
            json!("192.168.0.0/16"),
        )];
        assert_eq!(blocking_rules(&rules, &kubenet_flows(), &vnet()), vec![]);
    }

    #[test]
    fn deny_with_unknown_priority_is_silent() {
        let flows = kubenet_flows();
        let marker = with(rule(4000, "Inbound", "Deny"), "priority", unknown());
        let missing = without(rule(4000, "Inbound", "Deny"), "priority");
        let garbage = with(rule(4000, "Inbound", "Deny"), "priority", json!([1]));
        for r in [marker, missing, garbage] {
            assert_eq!(blocking_rules(&[r], &flows, &vnet()), vec![]);
        }
    }

    #[test]
    fn deny_with_unknown_address_direction_or_access_is_silent() {
        let flows = kubenet_flows();
        let d = || rule(4000, "Inbound", "Deny");
        let cases = [
            with(d(), "sourceAddressPrefix", unknown()),
            without(d(), "destinationAddressPrefix"),
            with(d(), "sourceAddressPrefix", json!("SomeFutureTag")),
            with(d(), "direction", unknown()),
            with(d(), "access", json!("Maybe")),
            with(d(), "sourceApplicationSecurityGroups", json!([{"id": "x"}])),
        ];
        for r in cases {
            assert_eq!(
                blocking_rules(std::slice::from_ref(&r), &flows, &vnet()),
                vec![],
                "{r}"
            );
        }
    }

    #[test]
    fn deny_with_partially_unknown_prefixes_uses_known_part() {
        let r = with(
            rule(4000, "Inbound", "Deny"),
            "sourceAddressPrefixes",
            json!([unknown(), PODS]),
        );
        let got = blocking_rules(&[r], &kubenet_flows(), &vnet());
        assert_eq!(got, blocks(&[(0, 1)]));
    }

    #[test]
    fn deny_with_unknown_port_fires_only_if_no_allow_touches() {
        let deny = with(
            rule(4000, "Inbound", "Deny"),
            "destinationPortRange",
            unknown(),
        );
        let flows = &kubenet_flows()[..1];
        assert_eq!(
            blocking_rules(std::slice::from_ref(&deny), flows, &vnet()),
            blocks(&[(0, 0)])
        );
        // The unknown port might be one the TCP allow covers.
        let allow = with(rule(100, "Inbound", "Allow"), "protocol", json!("Tcp"));
        assert_eq!(blocking_rules(&[allow, deny], flows, &vnet()), vec![]);
    }

    #[test]
    fn earlier_unknown_allow_silences() {
        let flows = &kubenet_flows()[..2];
        let deny = rule(4000, "Inbound", "Deny");
        let a = || rule(100, "Inbound", "Allow");
        let cases = [
            with(a(), "sourceAddressPrefix", unknown()),
            with(a(), "sourceAddressPrefixes", unknown()),
            with(a(), "protocol", unknown()),
            with(a(), "access", unknown()),
            with(a(), "direction", unknown()),
            with(a(), "priority", unknown()),
            with(rule(5000, "Inbound", "Allow"), "priority", unknown()),
            with(
                a(),
                "sourceApplicationSecurityGroups",
                json!([{"id": "asg"}]),
            ),
            json!({"$unknown": "copy loop"}),
        ];
        for allow in cases {
            let rules = [allow.clone(), deny.clone()];
            assert_eq!(blocking_rules(&rules, flows, &vnet()), vec![], "{allow}");
        }
    }

    #[test]
    fn unknowns_that_cannot_matter_do_not_silence() {
        let flows = &kubenet_flows()[..1];
        let deny = rule(4000, "Inbound", "Deny");
        let cases = [
            // Later than the deny.
            with(
                rule(4001, "Inbound", "Allow"),
                "sourceAddressPrefix",
                unknown(),
            ),
            // Known not to reach the flow.
            with(
                with(rule(100, "Inbound", "Allow"), "protocol", unknown()),
                "sourceAddressPrefix",
                json!("192.168.0.0/16"),
            ),
            // Other direction, or a deny.
            with(
                rule(100, "Outbound", "Allow"),
                "sourceAddressPrefix",
                unknown(),
            ),
            with(
                rule(100, "Inbound", "Deny"),
                "sourceAddressPrefix",
                unknown(),
            ),
        ];
        for other in cases {
            let rules = [other.clone(), deny.clone()];
            assert_eq!(
                blocking_rules(&rules, flows, &vnet()),
                blocks(&[(1, 0)]),
                "{other}"
            );
        }
    }

    #[test]
    fn equal_priority_counts_as_possibly_first() {
        let rules = [
            rule(4000, "Inbound", "Allow"),
            rule(4000, "Inbound", "Deny"),
        ];
        assert_eq!(blocking_rules(&rules, &kubenet_flows(), &vnet()), vec![]);
    }

    #[test]
    fn values_are_case_insensitive() {
        let allow = json!({
            "priority": "100", "direction": "INBOUND", "access": "ALLOW", "protocol": "ANY",
            "sourceAddressPrefix": "virtualnetwork", "destinationAddressPrefix": "VIRTUALNETWORK",
            "sourcePortRange": "*", "destinationPortRange": "*",
        });
        let deny = json!({
            "priority": 4000, "direction": "inbound", "access": "deny", "protocol": "tcp",
            "sourceAddressPrefix": " Any ", "destinationAddressPrefix": "*",
            "sourcePortRange": "*", "destinationPortRange": "*",
        });
        let flows = &kubenet_flows()[..1];
        assert_eq!(
            blocking_rules(std::slice::from_ref(&deny), flows, &vnet()),
            blocks(&[(0, 0)])
        );
        assert_eq!(blocking_rules(&[allow, deny], flows, &vnet()), vec![]);
    }

    #[test]
    fn default_rules_are_never_reported() {
        // VirtualNetwork misses the pods, so the default DenyAll would block: still silent.
        let got = blocking_rules(&[], &kubenet_flows(), &[net(NODES)]);
        assert_eq!(got, vec![]);
    }

    #[test]
    fn ipv6_flows() {
        let nodes = "fd00:10::/64";
        let pods = "fd00:244::/64";
        let flows = [
            flow(Direction::Inbound, nodes, pods),
            flow(Direction::Inbound, pods, nodes),
        ];
        let deny = |src: &str| {
            with(
                rule(4000, "Inbound", "Deny"),
                "sourceAddressPrefix",
                json!(src),
            )
        };
        let v6net = [net(nodes), net(pods)];
        assert_eq!(
            blocking_rules(&[deny("*")], &flows, &v6net),
            blocks(&[(0, 0), (0, 1)])
        );
        assert_eq!(
            blocking_rules(&[deny("FD00:244::/64")], &flows, &v6net),
            blocks(&[(0, 1)])
        );
        assert_eq!(
            blocking_rules(&[deny("fd00:244::5")], &flows, &v6net),
            blocks(&[(0, 1)])
        );
        // An IPv4 range never matches IPv6 traffic.
        assert_eq!(blocking_rules(&[deny("0.0.0.0/0")], &flows, &v6net), vec![]);
        // Dual stack: v4 allow does not cover the v6 part.
        let allow = with(
            rule(100, "Inbound", "Allow"),
            "sourceAddressPrefix",
            json!("10.0.0.0/8"),
        );
        let dual = [Flow {
            direction: Direction::Inbound,
            source: vec![net(PODS), net(pods)],
            destination: vec![net(NODES), net(nodes)],
        }];
        assert_eq!(
            blocking_rules(&[allow.clone(), deny("*")], &dual, &[]),
            blocks(&[(1, 0)])
        );
        assert_eq!(
            blocking_rules(&[allow, deny("10.0.0.0/8")], &dual, &[]),
            vec![]
        );
    }

    #[test]
    fn each_pair_once_sorted() {
        let deny2 = with(
            rule(3000, "Inbound", "Deny"),
            "sourceAddressPrefixes",
            json!(["10.244.0.0/17", "10.244.128.0/17", "10.240.0.0/16"]),
        );
        let rules = [rule(4000, "Inbound", "Deny"), deny2];
        let got = blocking_rules(&rules, &kubenet_flows(), &vnet());
        assert_eq!(got, blocks(&[(0, 0), (0, 1), (1, 0), (1, 1)]));
    }

    #[test]
    fn garbage_never_panics() {
        let garbage = vec![
            json!(null),
            json!("Deny"),
            json!(42),
            json!(-1.5),
            json!([]),
            json!([rule(100, "Inbound", "Deny")]),
            json!({}),
            json!({"priority": -5, "direction": 7, "access": ["Deny"]}),
            json!({"priority": 1e300, "access": "Deny", "direction": "Inbound",
                   "sourceAddressPrefixes": [1, null, {}, "10.0.0.0/33", "::/129", "1.2.3.4/0"],
                   "destinationAddressPrefix": {"nested": {"$unknown": 1}},
                   "protocol": {"$unknown": null},
                   "sourcePortRanges": ["70000", "5-1", "-", "", 65536, -1, "1-2-3"],
                   "destinationPortRange": true}),
            json!({"priority": 200, "access": "Deny", "direction": "Inbound",
                   "sourceAddressPrefixes": "10.0.0.0/8", "destinationAddressPrefix": "",
                   "sourceApplicationSecurityGroups": "x"}),
            json!({"priority": "18446744073709551616", "access": "Deny", "direction": "Inbound"}),
        ];
        let flows = vec![
            flow(Direction::Inbound, NODES, PODS),
            Flow {
                direction: Direction::Outbound,
                source: vec![],
                destination: vec![net("::/0")],
            },
            flow(Direction::Inbound, "0.0.0.0/0", "::/0"),
        ];
        let _ = blocking_rules(&garbage, &flows, &vnet());
        let _ = blocking_rules(&garbage, &[], &[]);
        // A garbage rule might be an allow with any priority, so it silences the deny.
        let mut rules = vec![json!("garbage")];
        rules.push(rule(4000, "Inbound", "Deny"));
        assert_eq!(blocking_rules(&rules, &flows[..1], &vnet()), vec![]);
        // Full-range corners.
        let edge = [
            with(
                rule(100, "Inbound", "Allow"),
                "sourceAddressPrefix",
                json!("255.255.255.255"),
            ),
            with(
                rule(101, "Inbound", "Allow"),
                "sourceAddressPrefix",
                json!("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            ),
            rule(4000, "Inbound", "Deny"),
        ];
        let all = [
            flow(Direction::Inbound, "0.0.0.0/0", "0.0.0.0/0"),
            flow(Direction::Inbound, "::/0", "::/0"),
        ];
        assert_eq!(blocking_rules(&edge, &all, &[]), blocks(&[(2, 0), (2, 1)]));
    }

    #[test]
    fn coverage_splits_correctly() {
        let r = |lo, hi| Ranges::one(lo, hi);
        let region = [r(0, 9), r(0, 9)];
        let a = [r(0, 4), r(0, 9)];
        let b = [r(5, 9), r(0, 4)];
        let c = [r(3, 9), r(5, 9)];
        let mut budget = COVER_BUDGET;
        assert!(covered(&region, &[&a, &b, &c], &mut budget));
        assert!(!covered(&region, &[&a, &b], &mut budget));
        // An exhausted budget gives up on the safe side.
        assert!(covered(&region, &[&a, &b], &mut 3));
        assert!(covered(
            &[r(0, u128::MAX)],
            &[&[r(0, 5)], &[r(6, u128::MAX)]],
            &mut budget
        ));
        assert_eq!(r(0, 3).union(&r(4, 9)), r(0, 9));
        assert_eq!(r(5, u128::MAX).union(&r(0, 4)), r(0, u128::MAX));
    }
}
