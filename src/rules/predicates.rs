//! Typed predicates for what JSONPath cannot say. Each is documented in the
//! README ("Predicates"). Arguments are field paths relative to the match,
//! or literals. Filters keep or drop a match; generators (with `bind`) turn
//! one match into one finding per result, the result bound under that name.

use ipnet::IpNet;
use serde_json::{Value as J, json};

use crate::model::derive::parse_cidr;
use crate::rules::load::{FieldPath, field_path};

#[derive(Debug)]
pub enum Predicate {
    /// `known(field, ...)`: every field is present and not Unknown.
    Known(Vec<FieldPath>),
    /// `equals_ignore_case(field, "literal")`.
    EqualsIgnoreCase(FieldPath, String),
    /// `one_of_ignore_case(field, "a", "b", ...)`.
    OneOfIgnoreCase(FieldPath, Vec<String>),
    /// `prefix_shorter_than(cidr, n)`: an IPv4 range with a prefix length below n.
    PrefixShorterThan(FieldPath, u8),
    /// `fewer_blocks_than(cidr, count, prefix)`: the range holds fewer /prefix
    /// blocks than the number in field `count`.
    FewerBlocksThan(FieldPath, FieldPath, u8),
    /// `outside(ip, cidr)`: the address is not inside the range.
    Outside(FieldPath, FieldPath),
    /// `network_or_first_address(ip, cidr)`: the address is the range's network
    /// address or the one after it.
    NetworkOrFirst(FieldPath, FieldPath),
    /// Generator `address_problem(ip, cidr)`: why the address cannot serve in the
    /// range — outside it, its network, first or (IPv4) broadcast address — bound as
    /// a sentence (nothing when it is fine or unknown).
    AddressProblem(FieldPath, FieldPath),
    /// Generator `overlapping_pairs(list)`: every two elements `{cidr, group}` of
    /// different groups whose ranges overlap, bound as `{a, b}` (list order).
    OverlappingPairs(FieldPath),
    /// Generator `overlapping_ranges(list, "cidr", ..., "@field")`: every element
    /// whose `cidr` overlaps one of the given ranges (or of the elements
    /// `{cidr, at}` of a list field named with `@`), bound as `{range, with, withAt}`.
    OverlappingRanges(FieldPath, Vec<IpNet>, Vec<FieldPath>),
    /// Generator `after_first(list[, flag])`: every element of a list after its
    /// first, bound as `{first, item}` (list order); with `flag`, only the
    /// elements whose field `flag` is `true` count.
    AfterFirst(FieldPath, Option<FieldPath>),
    /// Generator `each(list)`: every element of a list.
    Each(FieldPath),
    /// Generator `follow(pointer)`: the world value at the JSON Pointer held
    /// in a field (a relation followed to its entity).
    Follow(FieldPath),
    /// Generator `first_differing(list, field)`: the first element whose
    /// `field` differs from the first element's, bound as `{first, item}`;
    /// nothing when any element's `field` is not known.
    FirstDiffering(FieldPath, FieldPath),
    /// `not_null(field, ...)`: every field is known and not null.
    NotNull(Vec<FieldPath>),
    /// `is_null(field, ...)`: every field is present and null (surely absent,
    /// not unknown).
    IsNull(Vec<FieldPath>),
    /// `equals(field, literal)`: the field is exactly the literal (a string,
    /// number or boolean).
    Equals(FieldPath, J),
    /// `differs(field, other)`: both fields are known and not equal.
    Differs(FieldPath, FieldPath),
    /// `first()`: keeps only the first candidate of each match (after the
    /// generators and filters before it).
    First,
    /// `distinct(field)`: keeps the first candidate of each match for each
    /// value of the field (one finding per place, say).
    Distinct(FieldPath),
    /// Generator `different_resource_groups(id, id)`: when the two resource
    /// ids surely lie in different resource groups, their groups bound as
    /// `{a, b}`, each `{name, subscription, id}`.
    DifferentResourceGroups(FieldPath, FieldPath),
    /// `different_parents(id, id)`: the two resource ids have parents (two
    /// subnets: their VNets) that are surely different resources.
    DifferentParents(FieldPath, FieldPath),
}

/// How many overlapping pairs one range yields before "(and N more)".
pub const MAX_PAIRS: usize = 10;

pub const NAMES: &str = "known, equals_ignore_case, one_of_ignore_case, prefix_shorter_than, \
     fewer_blocks_than, outside, network_or_first_address, address_problem, overlapping_pairs, \
     overlapping_ranges, after_first, each, follow, first_differing, not_null, is_null, equals, differs, first, distinct, \
     different_resource_groups, different_parents";

fn str_arg(args: &[toml::Value], i: usize, what: &str) -> Result<String, String> {
    match args.get(i) {
        Some(toml::Value::String(s)) => Ok(s.clone()),
        _ => Err(format!("argument {} must be a string ({what})", i + 1)),
    }
}

fn field_arg(args: &[toml::Value], i: usize) -> Result<FieldPath, String> {
    str_arg(args, i, "a field path").map(|s| field_path(&s))
}

/// One or more field arguments (`known`, `not_null`, `is_null`).
fn fields_args(name: &str, args: &[toml::Value]) -> Result<Vec<FieldPath>, String> {
    if args.is_empty() {
        return Err(format!("{name}() needs at least one field"));
    }
    (0..args.len()).map(|i| field_arg(args, i)).collect()
}

fn prefix_arg(args: &[toml::Value], i: usize) -> Result<u8, String> {
    match args.get(i) {
        Some(toml::Value::Integer(n)) if (0..=128).contains(n) => Ok(*n as u8),
        _ => Err(format!(
            "argument {} must be a prefix length (0-128)",
            i + 1
        )),
    }
}

fn arity(name: &str, args: &[toml::Value], n: usize) -> Result<(), String> {
    if args.len() == n {
        Ok(())
    } else {
        Err(format!(
            "{name}() takes {n} argument(s), got {}",
            args.len()
        ))
    }
}

impl Predicate {
    pub fn parse(name: &str, args: &[toml::Value]) -> Result<Predicate, String> {
        match name {
            "known" => Ok(Predicate::Known(fields_args(name, args)?)),
            "equals_ignore_case" => {
                arity(name, args, 2)?;
                Ok(Predicate::EqualsIgnoreCase(
                    field_arg(args, 0)?,
                    str_arg(args, 1, "the value")?,
                ))
            }
            "one_of_ignore_case" => {
                if args.len() < 2 {
                    return Err(
                        "one_of_ignore_case(field, value, ...) needs a field and values".into(),
                    );
                }
                let values = (1..args.len())
                    .map(|i| str_arg(args, i, "a value"))
                    .collect::<Result<_, _>>()?;
                Ok(Predicate::OneOfIgnoreCase(field_arg(args, 0)?, values))
            }
            "prefix_shorter_than" => {
                arity(name, args, 2)?;
                Ok(Predicate::PrefixShorterThan(
                    field_arg(args, 0)?,
                    prefix_arg(args, 1)?,
                ))
            }
            "fewer_blocks_than" => {
                arity(name, args, 3)?;
                Ok(Predicate::FewerBlocksThan(
                    field_arg(args, 0)?,
                    field_arg(args, 1)?,
                    prefix_arg(args, 2)?,
                ))
            }
            "outside" => {
                arity(name, args, 2)?;
                Ok(Predicate::Outside(field_arg(args, 0)?, field_arg(args, 1)?))
            }
            "network_or_first_address" => {
                arity(name, args, 2)?;
                Ok(Predicate::NetworkOrFirst(
                    field_arg(args, 0)?,
                    field_arg(args, 1)?,
                ))
            }
            "address_problem" => {
                arity(name, args, 2)?;
                Ok(Predicate::AddressProblem(
                    field_arg(args, 0)?,
                    field_arg(args, 1)?,
                ))
            }
            "overlapping_pairs" => {
                arity(name, args, 1)?;
                Ok(Predicate::OverlappingPairs(field_arg(args, 0)?))
            }
            "after_first" => {
                if !(1..=2).contains(&args.len()) {
                    return Err(format!(
                        "after_first(list[, flag]) takes 1 or 2 arguments, got {}",
                        args.len()
                    ));
                }
                let flag = match args.len() {
                    2 => Some(field_arg(args, 1)?),
                    _ => None,
                };
                Ok(Predicate::AfterFirst(field_arg(args, 0)?, flag))
            }
            "each" => {
                arity(name, args, 1)?;
                Ok(Predicate::Each(field_arg(args, 0)?))
            }
            "follow" => {
                arity(name, args, 1)?;
                Ok(Predicate::Follow(field_arg(args, 0)?))
            }
            "first_differing" => {
                arity(name, args, 2)?;
                Ok(Predicate::FirstDiffering(
                    field_arg(args, 0)?,
                    field_arg(args, 1)?,
                ))
            }
            "not_null" => Ok(Predicate::NotNull(fields_args(name, args)?)),
            "is_null" => Ok(Predicate::IsNull(fields_args(name, args)?)),
            "equals" => {
                arity(name, args, 2)?;
                let literal = match args.get(1) {
                    Some(toml::Value::String(s)) => J::from(s.as_str()),
                    Some(toml::Value::Integer(n)) => J::from(*n),
                    Some(toml::Value::Boolean(b)) => J::Bool(*b),
                    _ => return Err("argument 2 must be a string, integer or boolean".into()),
                };
                Ok(Predicate::Equals(field_arg(args, 0)?, literal))
            }
            "differs" => {
                arity(name, args, 2)?;
                Ok(Predicate::Differs(field_arg(args, 0)?, field_arg(args, 1)?))
            }
            "first" => {
                arity(name, args, 0)?;
                Ok(Predicate::First)
            }
            "distinct" => {
                arity(name, args, 1)?;
                Ok(Predicate::Distinct(field_arg(args, 0)?))
            }
            "overlapping_ranges" => {
                if args.len() < 2 {
                    return Err(
                        "overlapping_ranges(list, range, ...) needs a list and ranges".into(),
                    );
                }
                let mut ranges = Vec::new();
                let mut lists = Vec::new();
                for i in 1..args.len() {
                    let s = str_arg(args, i, "a CIDR range or an @field")?;
                    match s.strip_prefix('@') {
                        Some(f) => lists.push(field_path(f)),
                        None => ranges.push(
                            parse_cidr(&s).ok_or_else(|| format!("'{s}' is not a CIDR range"))?,
                        ),
                    }
                }
                Ok(Predicate::OverlappingRanges(
                    field_arg(args, 0)?,
                    ranges,
                    lists,
                ))
            }
            "different_resource_groups" => {
                arity(name, args, 2)?;
                Ok(Predicate::DifferentResourceGroups(
                    field_arg(args, 0)?,
                    field_arg(args, 1)?,
                ))
            }
            "different_parents" => {
                arity(name, args, 2)?;
                Ok(Predicate::DifferentParents(
                    field_arg(args, 0)?,
                    field_arg(args, 1)?,
                ))
            }
            other => Err(format!(
                "unknown predicate '{}' (known: {NAMES})",
                crate::neutral::capped(other, crate::neutral::TOKEN_CHARS)
            )),
        }
    }

    /// Generators need a `bind` name; filters must not have one.
    pub fn is_generator(&self) -> bool {
        matches!(
            self,
            Predicate::OverlappingPairs(_)
                | Predicate::OverlappingRanges(..)
                | Predicate::AddressProblem(..)
                | Predicate::AfterFirst(..)
                | Predicate::Each(_)
                | Predicate::Follow(_)
                | Predicate::FirstDiffering(..)
                | Predicate::DifferentResourceGroups(..)
        )
    }

    /// The fields this predicate reads.
    pub fn fields(&self) -> Vec<&FieldPath> {
        match self {
            Predicate::Known(fields) | Predicate::NotNull(fields) | Predicate::IsNull(fields) => {
                fields.iter().collect()
            }
            Predicate::First => Vec::new(),
            Predicate::AfterFirst(f, flag) => std::iter::once(f).chain(flag).collect(),
            Predicate::EqualsIgnoreCase(f, _)
            | Predicate::Equals(f, _)
            | Predicate::Each(f)
            | Predicate::Distinct(f)
            | Predicate::Follow(f)
            | Predicate::OneOfIgnoreCase(f, _)
            | Predicate::PrefixShorterThan(f, _)
            | Predicate::OverlappingPairs(f)
            | Predicate::OverlappingRanges(f, _, _) => vec![f],
            Predicate::FewerBlocksThan(a, b, _)
            | Predicate::Outside(a, b)
            | Predicate::NetworkOrFirst(a, b)
            | Predicate::FirstDiffering(a, b)
            | Predicate::Differs(a, b)
            | Predicate::AddressProblem(a, b) => {
                vec![a, b]
            }
            Predicate::DifferentResourceGroups(a, b) | Predicate::DifferentParents(a, b) => {
                vec![a, b]
            }
        }
    }

    /// For filters: whether the match passes. Generators always pass here.
    pub fn holds<M: Fields + ?Sized>(&self, m: &M) -> bool {
        match self {
            Predicate::Known(fields) => fields.iter().all(|f| is_known(m.field(f))),
            Predicate::EqualsIgnoreCase(f, v) => m
                .field(f)
                .and_then(J::as_str)
                .is_some_and(|s| s.eq_ignore_ascii_case(v)),
            Predicate::OneOfIgnoreCase(f, vs) => m
                .field(f)
                .and_then(J::as_str)
                .is_some_and(|s| vs.iter().any(|v| s.eq_ignore_ascii_case(v))),
            Predicate::PrefixShorterThan(f, n) => {
                matches!(cidr(m, f), Some(IpNet::V4(net)) if net.prefix_len() < *n)
            }
            Predicate::FewerBlocksThan(f, count, block) => {
                let (Some(net), Some(count)) = (cidr(m, f), m.field(count).and_then(J::as_i64))
                else {
                    return false;
                };
                let max = if matches!(net, IpNet::V4(_)) { 32 } else { 128 };
                if *block > max {
                    return false;
                }
                let blocks: u128 = match block.checked_sub(net.prefix_len()) {
                    Some(bits) if bits >= 64 => u128::MAX,
                    Some(bits) => 1u128 << bits,
                    None => 0,
                };
                u128::try_from(count).is_ok_and(|c| blocks < c)
            }
            Predicate::Outside(ip, range) => match (cidr(m, ip), cidr(m, range)) {
                (Some(ip), Some(range)) => !range.contains(&ip.addr()),
                _ => false,
            },
            Predicate::NetworkOrFirst(ip, range) => match (cidr(m, ip), cidr(m, range)) {
                (Some(ip), Some(range)) => {
                    ip.addr() == range.network() || next_addr(range.network()) == Some(ip.addr())
                }
                _ => false,
            },
            Predicate::NotNull(fields) => fields
                .iter()
                .all(|f| is_known(m.field(f)) && m.field(f) != Some(&J::Null)),
            Predicate::IsNull(fields) => fields.iter().all(|f| m.field(f) == Some(&J::Null)),
            Predicate::Equals(f, v) => m.field(f) == Some(v),
            Predicate::Differs(a, b) => match (m.field(a), m.field(b)) {
                (Some(x), Some(y)) => is_known(Some(x)) && is_known(Some(y)) && x != y,
                _ => false,
            },
            Predicate::DifferentParents(a, b) => {
                let parent = |f: &FieldPath| {
                    m.field(f)
                        .and_then(J::as_str)
                        .and_then(crate::resource_id::parent)
                };
                match (parent(a), parent(b)) {
                    (Some(x), Some(y)) => surely_different_ids(x, y),
                    _ => false,
                }
            }
            Predicate::First
            | Predicate::Distinct(_)
            | Predicate::OverlappingPairs(_)
            | Predicate::OverlappingRanges(..)
            | Predicate::AddressProblem(..)
            | Predicate::AfterFirst(..)
            | Predicate::Each(_)
            | Predicate::Follow(_)
            | Predicate::FirstDiffering(..)
            | Predicate::DifferentResourceGroups(..) => true,
        }
    }

    /// Whether this keeps some candidates of a match by looking at the others
    /// (`first`, `distinct`) rather than at each alone.
    pub fn is_reducer(&self) -> bool {
        matches!(self, Predicate::First | Predicate::Distinct(_))
    }

    /// Reducers: the candidates kept, in order.
    pub fn reduce<M: Fields>(&self, mut candidates: Vec<M>) -> Vec<M> {
        match self {
            Predicate::First => {
                candidates.truncate(1);
                candidates
            }
            Predicate::Distinct(f) => {
                let mut seen = std::collections::HashSet::new();
                candidates
                    .into_iter()
                    .filter(|c| seen.insert(c.field(f).map(J::to_string)))
                    .collect()
            }
            _ => candidates,
        }
    }

    /// For generators: the values to bind, one finding each. `root` is the
    /// world document, which `follow` reads.
    pub fn expand<M: Fields + ?Sized>(&self, m: &M, root: &J) -> Vec<J> {
        match self {
            Predicate::AddressProblem(ip, range) => {
                let (Some(ip), Some(range)) = (cidr(m, ip), cidr(m, range)) else {
                    return Vec::new();
                };
                let problem = if !range.contains(&ip.addr()) {
                    "is outside"
                } else if ip.addr() == range.network() {
                    "is the network address of"
                } else if next_addr(range.network()) == Some(ip.addr()) {
                    "is the first address, taken by the Kubernetes API service, of"
                } else if matches!(range, IpNet::V4(n) if n.prefix_len() < 31)
                    && ip.addr() == range.broadcast()
                {
                    "is the broadcast (last) address of"
                } else {
                    return Vec::new();
                };
                vec![J::String(problem.into())]
            }
            Predicate::OverlappingPairs(list) => {
                let items = ranges(m, list);
                let clash = |i: usize, j: usize| -> bool {
                    let (Some((a, na)), Some((b, nb))) = (items.get(i), items.get(j)) else {
                        return false;
                    };
                    let same_group = a.get("group").is_some() && a.get("group") == b.get("group");
                    !same_group && overlaps(*na, *nb)
                };
                // A range that overlaps many earlier ones (one network peered
                // with hundreds) yields the first few pairs, the last saying
                // how many more: findings stay linear in the ranges.
                let mut total = vec![0usize; items.len()];
                for j in 0..items.len() {
                    if let Some(t) = total.get_mut(j) {
                        *t = (0..j).filter(|&i| clash(i, j)).count();
                    }
                }
                let mut shown = vec![0usize; items.len()];
                let mut out = Vec::new();
                for (i, (a, _)) in items.iter().enumerate() {
                    for (j, (b, _)) in items.iter().enumerate().skip(i + 1) {
                        let (Some(n), Some(t)) = (shown.get_mut(j), total.get(j)) else {
                            continue;
                        };
                        if *n >= MAX_PAIRS || !clash(i, j) {
                            continue;
                        }
                        *n += 1;
                        let more = if *n == MAX_PAIRS && *t > MAX_PAIRS {
                            format!(" (and {} more)", t - MAX_PAIRS)
                        } else {
                            String::new()
                        };
                        out.push(json!({"a": a, "b": b, "more": more}));
                    }
                }
                out
            }
            Predicate::OverlappingRanges(list, with, lists) => {
                let extra: Vec<(&J, IpNet)> = lists.iter().flat_map(|l| ranges(m, l)).collect();
                ranges(m, list)
                    .into_iter()
                    .filter_map(|(item, net)| {
                        with.iter()
                            .find(|w| overlaps(net, **w))
                            .map(|w| json!({"range": item, "with": w.to_string(), "withAt": null}))
                            .or_else(|| {
                                extra.iter().find(|(_, e)| overlaps(net, *e)).map(|(e, n)| {
                                    json!({"range": item, "with": n.to_string(), "withAt": e.get("at")})
                                })
                            })
                    })
                    .collect()
            }
            Predicate::AfterFirst(list, flag) => {
                let items = m.field(list).and_then(J::as_array);
                let counts = |e: &&J| {
                    flag.as_ref()
                        .is_none_or(|f| field(e, f) == Some(&J::Bool(true)))
                };
                let mut counted = items.into_iter().flatten().filter(counts);
                let Some(first) = counted.next() else {
                    return Vec::new();
                };
                counted
                    .map(|item| json!({"first": first, "item": item}))
                    .collect()
            }
            // An element that is itself unknown names nothing to report.
            Predicate::Each(list) => m
                .field(list)
                .and_then(J::as_array)
                .into_iter()
                .flatten()
                .filter(|item| item.get("$unknown").is_none())
                .cloned()
                .collect(),
            Predicate::Follow(pointer) => m
                .field(pointer)
                .and_then(J::as_str)
                .and_then(|p| root.pointer(p))
                .cloned()
                .into_iter()
                .collect(),
            Predicate::FirstDiffering(list, key) => {
                let Some(items) = m.field(list).and_then(J::as_array) else {
                    return Vec::new();
                };
                let keys: Option<Vec<&J>> = items
                    .iter()
                    .map(|e| field(e, key).filter(|k| is_known(Some(k))))
                    .collect();
                let Some(keys) = keys else {
                    return Vec::new();
                };
                let (Some(first), Some(k0)) = (items.first(), keys.first()) else {
                    return Vec::new();
                };
                items
                    .iter()
                    .zip(&keys)
                    .find(|(_, k)| *k != k0)
                    .map(|(item, _)| json!({"first": first, "item": item}))
                    .into_iter()
                    .collect()
            }
            Predicate::DifferentResourceGroups(a, b) => {
                let id = |f: &FieldPath| m.field(f).and_then(J::as_str).and_then(resource_group);
                match (id(a), id(b)) {
                    (Some(ga), Some(gb)) if ga.surely_differs(&gb) => {
                        vec![json!({"a": ga.to_json(), "b": gb.to_json()})]
                    }
                    _ => Vec::new(),
                }
            }
            _ => Vec::new(),
        }
    }
}

/// The resource group a resource id lies in: its subscription and name
/// segments as written (lower-case in the world).
#[derive(Debug, PartialEq)]
struct ResourceGroup<'a> {
    subscription: &'a str,
    name: &'a str,
}

/// `/subscriptions/S/resourceGroups/G/…` → S and G; `None` for an id
/// outside a resource group (a subscription, a management group).
fn resource_group(id: &str) -> Option<ResourceGroup<'_>> {
    let mut segments = id.strip_prefix('/')?.split('/');
    let (s, sub, g, name) = (
        segments.next()?,
        segments.next()?,
        segments.next()?,
        segments.next()?,
    );
    (s.eq_ignore_ascii_case("subscriptions") && g.eq_ignore_ascii_case("resourceGroups")).then_some(
        ResourceGroup {
            subscription: sub,
            name,
        },
    )
}

/// A segment fixed before deployment: not empty, no placeholder for the
/// deployment's subscription or group and no deploy-time symbol (both are
/// written in braces, which Azure names cannot contain).
fn fixed(segment: &str) -> bool {
    !segment.is_empty() && !segment.contains('{')
}

/// Two resource ids surely name different resources: a different number of
/// segments (another type), or a segment fixed in both and different. A
/// placeholder or a deploy-time value may be anything.
fn surely_different_ids(a: &str, b: &str) -> bool {
    let (sa, sb): (Vec<&str>, Vec<&str>) = (a.split('/').collect(), b.split('/').collect());
    sa.len() != sb.len()
        || sa
            .iter()
            .zip(&sb)
            .any(|(x, y)| fixed(x) && fixed(y) && !x.eq_ignore_ascii_case(y))
}

impl ResourceGroup<'_> {
    /// Different names, or different subscriptions, both fixed: the same
    /// placeholder is the same group, and a placeholder may be any group.
    fn surely_differs(&self, other: &ResourceGroup) -> bool {
        let differ = |x: &str, y: &str| fixed(x) && fixed(y) && !x.eq_ignore_ascii_case(y);
        differ(self.name, other.name) || differ(self.subscription, other.subscription)
    }

    fn to_json(&self) -> J {
        json!({
            "name": self.name,
            "subscription": self.subscription,
            "id": format!("/subscriptions/{}/resourcegroups/{}", self.subscription, self.name),
        })
    }
}

fn next_addr(ip: std::net::IpAddr) -> Option<std::net::IpAddr> {
    match ip {
        std::net::IpAddr::V4(v4) => u32::from(v4)
            .checked_add(1)
            .map(|n| std::net::Ipv4Addr::from(n).into()),
        std::net::IpAddr::V6(v6) => u128::from(v6)
            .checked_add(1)
            .map(|n| std::net::Ipv6Addr::from(n).into()),
    }
}

pub fn overlaps(a: IpNet, b: IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// A known CIDR (or single address) at a field.
fn cidr<M: Fields + ?Sized>(m: &M, f: &[String]) -> Option<IpNet> {
    m.field(f).and_then(J::as_str).and_then(parse_cidr)
}

/// Elements of a list field with a known `cidr`, with their parsed ranges.
fn ranges<'a, M: Fields + ?Sized>(m: &'a M, list: &[String]) -> Vec<(&'a J, IpNet)> {
    m.field(list)
        .and_then(J::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| {
                    i.get("cidr")
                        .and_then(J::as_str)
                        .and_then(parse_cidr)
                        .map(|n| (i, n))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What rules read fields from: a match, or a match with generated values
/// bound to it.
pub trait Fields {
    fn field(&self, path: &[String]) -> Option<&J>;
}

impl Fields for J {
    fn field(&self, path: &[String]) -> Option<&J> {
        field(self, path)
    }
}

/// A match and the values generators bound to it, read through the bindings
/// first: binding never copies the match (a generator may yield many values
/// for one large match).
#[derive(Clone)]
pub struct Bound<'a> {
    pub base: &'a J,
    pub binds: Vec<(&'a str, J)>,
}

impl Fields for Bound<'_> {
    fn field(&self, path: &[String]) -> Option<&J> {
        // Bound names are fields of an object match, the last binding first.
        if let (Some(first), J::Object(_)) = (path.first(), self.base)
            && let Some((_, v)) = self.binds.iter().rev().find(|(n, _)| n == first)
        {
            return field(v, path.get(1..).unwrap_or(&[]));
        }
        field(self.base, path)
    }
}

/// The value at a field path relative to `m`.
pub fn field<'a>(m: &'a J, path: &[String]) -> Option<&'a J> {
    let mut cur = m;
    for key in path {
        cur = match cur {
            J::Object(o) => o.get(key)?,
            J::Array(a) => a.get(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Present, and neither Unknown nor containing Unknown.
pub fn is_known(v: Option<&J>) -> bool {
    match v {
        None => false,
        Some(J::Object(o)) => !o.contains_key("$unknown") && o.values().all(|v| is_known(Some(v))),
        Some(J::Array(a)) => a.iter().all(|v| is_known(Some(v))),
        Some(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(n: &str, a: Vec<toml::Value>) -> Predicate {
        Predicate::parse(n, &a).unwrap()
    }
    fn s(v: &str) -> toml::Value {
        toml::Value::String(v.into())
    }
    fn i(v: i64) -> toml::Value {
        toml::Value::Integer(v)
    }

    #[test]
    fn predicates() {
        let m = json!({"a": "Kubenet", "b": {"$unknown": "r"}, "c": [1, {"$unknown": "r"}]});
        assert!(p("known", vec![s("a")]).holds(&m));
        assert!(!p("known", vec![s("b")]).holds(&m));
        assert!(!p("known", vec![s("c")]).holds(&m));
        assert!(!p("known", vec![s("zz")]).holds(&m));
        assert!(p("equals_ignore_case", vec![s("a"), s("kubenet")]).holds(&m));
        assert!(!p("equals_ignore_case", vec![s("b"), s("kubenet")]).holds(&m));
        assert!(p("one_of_ignore_case", vec![s("a"), s("azure"), s("KUBENET")]).holds(&m));
        assert!(Predicate::parse("nope", &[]).is_err());
        assert!(Predicate::parse("prefix_shorter_than", &[s("a")]).is_err());
    }

    #[test]
    fn cidr_filters() {
        let m = json!({"svc": "10.0.0.0/11", "small": "10.0.0.0/12", "pod": "10.244.0.0/16",
                       "n255": 256, "n257": 257, "dns": "10.0.0.10", "net": "10.0.0.0", "one": "10.0.0.1",
                       "far": "192.168.0.10", "u": {"$unknown": "x"}, "v6": "fd00::/108"});
        assert!(p("prefix_shorter_than", vec![s("svc"), i(12)]).holds(&m));
        assert!(!p("prefix_shorter_than", vec![s("small"), i(12)]).holds(&m));
        assert!(!p("prefix_shorter_than", vec![s("v6"), i(12)]).holds(&m));
        assert!(!p("prefix_shorter_than", vec![s("u"), i(12)]).holds(&m));
        // A /16 holds 256 /24 blocks: enough for 256 nodes, not for 257.
        assert!(!p("fewer_blocks_than", vec![s("pod"), s("n255"), i(24)]).holds(&m));
        assert!(p("fewer_blocks_than", vec![s("pod"), s("n257"), i(24)]).holds(&m));
        assert!(!p("fewer_blocks_than", vec![s("pod"), s("u"), i(24)]).holds(&m));
        assert!(!p("outside", vec![s("dns"), s("small")]).holds(&m));
        assert!(p("outside", vec![s("far"), s("small")]).holds(&m));
        assert!(!p("outside", vec![s("u"), s("small")]).holds(&m));
        assert!(p("network_or_first_address", vec![s("net"), s("small")]).holds(&m));
        assert!(p("network_or_first_address", vec![s("one"), s("small")]).holds(&m));
        assert!(!p("network_or_first_address", vec![s("dns"), s("small")]).holds(&m));
    }

    #[test]
    fn generators() {
        let m = json!({"ranges": [
            {"cidr": "10.244.0.0/16", "group": "pods"},
            {"cidr": "10.0.0.0/16", "group": "services"},
            {"cidr": "10.0.0.0/8", "group": "vnet"},
            {"cidr": "10.1.0.0/24", "group": "vnet"},
            {"cidr": {"$unknown": "x"}, "group": "peer"},
            {"cidr": "fd00::/64", "group": "v6"}
        ]});
        let pairs = p("overlapping_pairs", vec![s("ranges")]).expand(&m, &m);
        let groups: Vec<(String, String)> = pairs
            .iter()
            .map(|b| {
                (
                    b["a"]["group"].as_str().unwrap().into(),
                    b["b"]["group"].as_str().unwrap().into(),
                )
            })
            .collect();
        assert_eq!(
            groups,
            vec![
                ("pods".into(), "vnet".into()),
                ("services".into(), "vnet".into())
            ]
        );
        let hits = p(
            "overlapping_ranges",
            vec![s("ranges"), s("10.0.0.0/24"), s("169.254.0.0/16")],
        )
        .expand(&m, &m);
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0]["with"], "10.0.0.0/24");
        assert!(Predicate::parse("overlapping_ranges", &[s("ranges"), s("nope")]).is_err());
    }

    #[test]
    fn after_first_binds_each_later_element_with_the_first() {
        let m = json!({"l": ["a", "b", "c"], "one": ["a"], "u": {"$unknown": "x"}});
        let g = p("after_first", vec![s("l")]);
        assert!(g.is_generator());
        assert_eq!(
            g.expand(&m, &m),
            vec![
                json!({"first": "a", "item": "b"}),
                json!({"first": "a", "item": "c"})
            ]
        );
        assert!(p("after_first", vec![s("one")]).expand(&m, &m).is_empty());
        assert!(p("after_first", vec![s("u")]).expand(&m, &m).is_empty());
        assert!(
            p("after_first", vec![s("missing")])
                .expand(&m, &m)
                .is_empty()
        );
        assert!(Predicate::parse("after_first", &[]).is_err());
    }

    #[test]
    fn after_first_with_a_flag_counts_only_flagged_elements() {
        let m = json!({"l": [{"k": false, "n": 1}, {"k": true, "n": 2}, {"k": true, "n": 3}, {"n": 4}]});
        let g = p("after_first", vec![s("l"), s("k")]);
        assert_eq!(
            g.expand(&m, &m),
            vec![json!({"first": {"k": true, "n": 2}, "item": {"k": true, "n": 3}})]
        );
        assert!(Predicate::parse("after_first", &[s("l"), s("k"), s("x")]).is_err());
    }

    #[test]
    fn each_follow_and_first_differing() {
        let root = json!({"subnets": [{"name": "a"}, {"name": "b"}]});
        let m = json!({"l": [1, 2], "ptr": "/subnets/1", "bad": "/nope", "u": {"$unknown": "x"},
                       "rt": [{"r": "x"}, {"r": "x"}, {"r": null}, {"r": "y"}],
                       "same": [{"r": "x"}, {"r": "x"}],
                       "partly": [{"r": "x"}, {"$unknown": "pool"}, {"r": "y"}]});
        assert_eq!(
            p("each", vec![s("l")]).expand(&m, &root),
            vec![json!(1), json!(2)]
        );
        assert!(p("each", vec![s("u")]).expand(&m, &root).is_empty());
        assert_eq!(
            p("follow", vec![s("ptr")]).expand(&m, &root),
            vec![json!({"name": "b"})]
        );
        assert!(p("follow", vec![s("bad")]).expand(&m, &root).is_empty());
        assert!(p("follow", vec![s("u")]).expand(&m, &root).is_empty());
        let g = p("first_differing", vec![s("rt"), s("r")]);
        assert_eq!(
            g.expand(&m, &root),
            vec![json!({"first": {"r": "x"}, "item": {"r": null}})]
        );
        assert!(
            p("first_differing", vec![s("same"), s("r")])
                .expand(&m, &root)
                .is_empty()
        );
        // An element that is not known may be the one that differs, or not.
        assert!(
            p("first_differing", vec![s("partly"), s("r")])
                .expand(&m, &root)
                .is_empty()
        );
    }

    #[test]
    fn not_null_equals_and_first() {
        let m = json!({"a": "x", "n": null, "u": {"$unknown": "r"}, "f": false, "i": 3});
        assert!(p("not_null", vec![s("a")]).holds(&m));
        assert!(!p("not_null", vec![s("a"), s("n")]).holds(&m));
        assert!(!p("not_null", vec![s("u")]).holds(&m));
        assert!(!p("not_null", vec![s("missing")]).holds(&m));
        assert!(p("is_null", vec![s("n")]).holds(&m));
        assert!(!p("is_null", vec![s("n"), s("a")]).holds(&m));
        assert!(!p("is_null", vec![s("u")]).holds(&m));
        assert!(!p("is_null", vec![s("missing")]).holds(&m));
        let b = |v: bool| toml::Value::Boolean(v);
        assert!(p("equals", vec![s("f"), b(false)]).holds(&m));
        assert!(!p("equals", vec![s("missing"), b(false)]).holds(&m));
        assert!(!p("equals", vec![s("u"), b(false)]).holds(&m));
        assert!(p("equals", vec![s("i"), i(3)]).holds(&m));
        assert!(p("equals", vec![s("a"), s("x")]).holds(&m));
        assert!(!p("equals", vec![s("a"), s("X")]).holds(&m));
        assert!(Predicate::parse("equals", &[s("a"), toml::Value::Float(1.0)]).is_err());
        assert!(p("differs", vec![s("a"), s("i")]).holds(&m));
        assert!(!p("differs", vec![s("a"), s("a")]).holds(&m));
        assert!(!p("differs", vec![s("a"), s("u")]).holds(&m));
        assert!(!p("differs", vec![s("a"), s("missing")]).holds(&m));
        assert!(matches!(p("first", vec![]), Predicate::First));
        assert!(Predicate::parse("first", &[s("a")]).is_err());
    }

    #[test]
    fn each_binds_every_element() {
        let m = json!({"l": [{"n": 1}, {"$unknown": "x"}, {"n": 2, "u": {"$unknown": "y"}}],
                       "u": {"$unknown": "x"}, "s": "text"});
        let g = p("each", vec![s("l")]);
        assert!(g.is_generator());
        assert_eq!(
            g.expand(&m, &m),
            vec![json!({"n": 1}), json!({"n": 2, "u": {"$unknown": "y"}})]
        );
        for empty in ["u", "s", "missing"] {
            assert!(
                p("each", vec![s(empty)]).expand(&m, &m).is_empty(),
                "{empty}"
            );
        }
        assert!(Predicate::parse("each", &[s("a"), s("b")]).is_err());
    }

    #[test]
    fn different_resource_groups_only_when_sure() {
        let id = |sub: &str, rg: &str| {
            format!(
                "/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.network/routetables/rt"
            )
        };
        let m = json!({
            "net": id("s1", "rg-net"),
            "net2": id("s1", "RG-NET").replace("/routetables/rt", "/virtualnetworks/v/subnets/a"),
            "aks": id("s1", "rg-aks"),
            "otherSub": id("s2", "rg-net"),
            "here": id("{subscriptionid}", "{resourcegroupname}"),
            "here2": id("{subscriptionid}", "{resourcegroupname}").replace("/rt", "/rt2"),
            "derived": id("s1", "{resourcegroupname}-net"),
            "token": id("s1", "rg-{uniquestring(resourcegroup().id)}"),
            "placeholderSub": id("{subscriptionid}", "rg-net"),
            "subscription": "/subscriptions/s1",
            "u": {"$unknown": "x"},
        });
        let g = |a: &str, b: &str| p("different_resource_groups", vec![s(a), s(b)]).expand(&m, &m);
        assert!(p("different_resource_groups", vec![s("a"), s("b")]).is_generator());
        let hit = g("net", "aks");
        assert_eq!(
            hit,
            vec![json!({
                "a": {"name": "rg-net", "subscription": "s1", "id": "/subscriptions/s1/resourcegroups/rg-net"},
                "b": {"name": "rg-aks", "subscription": "s1", "id": "/subscriptions/s1/resourcegroups/rg-aks"}
            })]
        );
        // Another subscription is another group, whatever the names.
        assert_eq!(g("net", "otherSub").len(), 1);
        // A different name is a different group, whatever the subscription.
        assert_eq!(g("placeholderSub", "aks").len(), 1);
        for (a, b) in [
            ("net", "net2"),           // the same group, in other casing
            ("here", "here2"),         // the deployment's group twice: the same
            ("here", "net"),           // the deployment's group may be rg-net
            ("derived", "aks"),        // built from the deployment's group: not fixed
            ("token", "aks"),          // a deploy-time value: may be anything
            ("placeholderSub", "net"), // same name, subscription unknown
            ("subscription", "net"),   // not in a resource group
            ("u", "net"),
            ("missing", "net"),
        ] {
            assert!(g(a, b).is_empty(), "{a} vs {b}");
        }
        assert!(Predicate::parse("different_resource_groups", &[s("a")]).is_err());
    }

    #[test]
    fn different_parents_only_when_sure() {
        let id = |rg: &str, vnet: &str, subnet: &str| {
            format!(
                "/subscriptions/s1/resourcegroups/{rg}/providers/microsoft.network/virtualnetworks/{vnet}/subnets/{subnet}"
            )
        };
        let m = json!({
            "nodes": id("rg", "spoke", "nodes"),
            "pods": id("RG", "Spoke", "pods"),
            "otherVnet": id("rg", "hub", "pods"),
            "otherGroup": id("rg2", "spoke", "pods"),
            "here": id("{resourcegroupname}", "spoke", "pods"),
            "hereOther": id("{resourcegroupname}", "hub", "pods"),
            "token": id("rg", "{uniquestring(resourcegroup().id)}", "pods"),
            "vnet": "/subscriptions/s1/resourcegroups/rg/providers/microsoft.network/virtualnetworks/spoke",
            "u": {"$unknown": "x"},
        });
        let h = |a: &str, b: &str| p("different_parents", vec![s(a), s(b)]).holds(&m);
        assert!(!p("different_parents", vec![s("a"), s("b")]).is_generator());
        assert!(h("nodes", "otherVnet"));
        assert!(h("nodes", "otherGroup"));
        assert!(h("nodes", "hereOther")); // another VNet name, whatever the group
        for (a, b) in [
            ("nodes", "pods"),  // one VNet, in other casing
            ("nodes", "here"),  // the deployment's group may be rg
            ("nodes", "token"), // a deploy-time name may be anything
            ("nodes", "vnet"),  // a VNet's parent is a resource group
            ("u", "nodes"),
            ("missing", "nodes"),
        ] {
            assert!(!h(a, b), "{a} vs {b}");
        }
        assert!(Predicate::parse("different_parents", &[s("a")]).is_err());
    }
}
