//! Effective settings of clusters and pools, as world values: what AKS will
//! use, including its defaults. A default points at the object that omitted
//! the setting and is flagged (`podCidrDefault: true`), so a finding caused by
//! a default can say so.

use crate::model::derive::{self, Derived};
use crate::model::facts::{ClusterFact, PoolFact};
use crate::source::Loc;
use crate::value::{Kind, Object, Value};

/// An int, or an unknown with its reason, at `origin`.
pub fn derived_value(d: &Derived, origin: Option<Loc>) -> Value {
    match d {
        Ok(n) => Value::int(*n),
        Err(r) => Value::unknown(r.clone()),
    }
    .with_origin(origin)
}

/// What a pool of cluster `c` will use, under the cluster's effective plugin.
pub fn pool_effective(c: &ClusterFact, p: &PoolFact) -> PoolEffective {
    let effective = derive::effective_plugin(c);
    let mut pool = match &effective {
        Ok(plugin) => PoolEffective::new(p, Ok(Some(&plugin.name)), plugin.overlay),
        Err(r) => PoolEffective::new(p, Err(r), false),
    };
    pool.plugin_note = plugin_note(&effective);
    pool
}

/// What one pool will use. Read by kubenet-max-pods (`maxPods`) and, as
/// demand, by subnet-too-small and azure-cni-subnet-capacity.
pub struct PoolEffective {
    pub max_nodes: Derived,
    pub surge: Derived,
    pub max_pods: Result<(i64, bool), String>,
    /// The cluster's [`plugin_note`], for messages about the pool.
    pub plugin_note: String,
}

impl PoolEffective {
    pub fn new(
        pool: &PoolFact,
        plugin: Result<Option<&str>, &str>,
        overlay: bool,
    ) -> PoolEffective {
        let max_nodes = derive::pool_max_nodes(&pool.props);
        let surge = match &max_nodes {
            Ok(n) => derive::pool_surge(&pool.props, *n),
            Err(r) => Err(r.clone()),
        };
        let max_pods = match plugin {
            Ok(p) => derive::max_pods(&pool.props, p, overlay),
            Err(r) => match pool.props.get("maxPods") {
                Some(v) if !matches!(v.kind, Kind::Null) => {
                    derive::int(Some(v), "maxPods").map(|n| (n, false))
                }
                _ => Err(r.to_string()),
            },
        };
        PoolEffective {
            max_nodes,
            surge,
            max_pods,
            plugin_note: String::new(),
        }
    }

    /// `{maxNodes, surge, maxPods, maxPodsDefault}` with spans on the values they come from.
    pub fn to_value(&self, pool: &PoolFact) -> Value {
        let p = &pool.props;
        let at = |k: &str| p.get(k).and_then(|v| v.origin).or(pool.loc);
        let autoscale = p
            .get("enableAutoScaling")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let nodes_at = if autoscale {
            at("maxCount")
        } else if p.get("count").is_none_or(|c| matches!(c.kind, Kind::Null)) {
            // A VirtualMachines pool's scale profiles, else the pool (the default).
            at("virtualMachinesProfile")
        } else {
            at("count")
        };
        let surge_at = p
            .get_path(&["upgradeSettings", "maxSurge"])
            .and_then(|v| v.origin)
            .or(pool.loc);
        let mut o = Object::new();
        o.insert("maxNodes".into(), derived_value(&self.max_nodes, nodes_at));
        o.insert("surge".into(), derived_value(&self.surge, surge_at));
        let pods = self
            .max_pods
            .as_ref()
            .map(|(n, _)| *n)
            .map_err(Clone::clone);
        o.insert("maxPods".into(), derived_value(&pods, at("maxPods")));
        let defaulted = matches!(self.max_pods, Ok((_, true)));
        o.insert("maxPodsDefault".into(), Value::bool(defaulted));
        o.insert("maxPodsNote".into(), note(defaulted));
        o.insert("pluginNote".into(), Value::str(self.plugin_note.clone()));
        Value::new(Kind::Object(o), pool.loc)
    }
}

/// The note a message adds after a value AKS fills in by default.
pub const DEFAULT_NOTE: &str = " (AKS's default, as it is not set)";

fn note(defaulted: bool) -> Value {
    Value::str(if defaulted { DEFAULT_NOTE } else { "" })
}

/// How many /24 blocks (one per kubenet or overlay node) an IPv4 range holds.
fn blocks_of_24(cidr: &str) -> Option<i64> {
    match derive::parse_cidr(cidr)? {
        ipnet::IpNet::V4(n) => Some(match 24u32.checked_sub(u32::from(n.prefix_len())) {
            Some(bits) => 1i64 << bits,
            None => 0,
        }),
        ipnet::IpNet::V6(_) => None,
    }
}

/// A setting or its default: the value, and whether the default was used.
fn setting(
    net: Option<&Value>,
    key: &str,
    default: &str,
    omitted_at: Option<Loc>,
) -> (Value, bool) {
    if let Err(r) = derive::field(net, key) {
        return (Value::unknown(r).with_origin(omitted_at), false);
    }
    match net.and_then(|n| n.get(key)) {
        Some(v) if !matches!(&v.kind, Kind::Null) && v.as_str() != Some("") => (v.clone(), false),
        // A dual-stack list stands in for an unset single value with its IPv4 entry.
        _ => match net.and_then(|n| n.get(&format!("{key}s"))).map(|l| &l.kind) {
            Some(Kind::Array(items)) if !items.is_empty() => {
                let v4 = items.iter().find(|i| {
                    i.as_str()
                        .and_then(derive::parse_cidr)
                        .is_some_and(|n| matches!(n, ipnet::IpNet::V4(_)))
                });
                (
                    v4.or(items.first()).cloned().unwrap_or_else(Value::null),
                    false,
                )
            }
            Some(Kind::Unknown(r)) => (Value::unknown(r.clone()).with_origin(omitted_at), false),
            _ => (Value::str(default).with_origin(omitted_at), true),
        },
    }
}

/// `{plugin, overlay, podCidr, podCidrDefault, podBlocks, serviceCidr, …, nodeCeiling}` of a cluster.
/// Read by the rules on the plugin (see [`derive::effective_plugin`]),
/// kubenet-node-limit and pod-cidr-too-small (`nodeCeiling`, `podCidr`),
/// dns-service-ip and service-cidr-too-large (`serviceCidr`, `dnsServiceIP`),
/// and, through the cluster's ranges, reserved-range and cidr-overlap.
pub fn cluster_effective(c: &ClusterFact, pools: &[(&PoolFact, &PoolEffective)]) -> Value {
    let net = c.network.as_ref();
    let omitted_at = net.and_then(|n| n.origin).or(Some(c.origin.loc));
    let automatic = derive::is_automatic(c.sku.as_ref()) == Ok(true);
    let effective = derive::effective_plugin(c);
    let mut o = Object::new();
    let plugin_value = match &effective {
        Ok(p) => Value::str(p.name.clone()),
        Err(r) => Value::unknown(r.clone()),
    };
    let plugin_at = plugin_origin(c, automatic, omitted_at);
    o.insert("plugin".into(), plugin_value.with_origin(plugin_at));
    insert_plugin_default(&mut o, c, &effective);
    o.insert("overlay".into(), overlay_value(net, automatic, &effective));
    insert_pod_range(&mut o, own_pod_range(c, &effective), net, omitted_at);
    for (key, default) in [
        ("serviceCidr", derive::DEFAULT_SERVICE_CIDR),
        ("dnsServiceIP", derive::DEFAULT_DNS_SERVICE_IP),
    ] {
        insert_setting(&mut o, key, setting(net, key, default, omitted_at));
    }
    let pools_at = c.pools_origin.or(Some(c.origin.loc));
    o.insert(
        "nodeCeiling".into(),
        derived_value(&node_ceiling(pools), pools_at),
    );
    Value::new(Kind::Object(o), omitted_at)
}

/// Where the plugin is decided. Set: where it is written (or the SKU that
/// decides it); unset: the cluster's first line, where the user adds it.
fn plugin_origin(c: &ClusterFact, automatic: bool, omitted_at: Option<Loc>) -> Option<Loc> {
    let net = c.network.as_ref();
    if automatic {
        return c
            .sku
            .as_ref()
            .and_then(|s| s.get("name"))
            .and_then(|v| v.origin)
            .or(omitted_at);
    }
    match net.and_then(|n| n.get("networkPlugin")) {
        Some(v) => v.origin.or(omitted_at),
        None if net.is_some_and(Value::is_unknown) => omitted_at,
        None => Some(c.head),
    }
}

/// Whether the cluster uses overlay: known when `networkPluginMode` is, or
/// when the SKU or AKS's default plugin decides it.
fn overlay_value(
    net: Option<&Value>,
    automatic: bool,
    effective: &Result<derive::Plugin, String>,
) -> Value {
    let mode = derive::field(net, "networkPluginMode");
    match (mode.as_ref().map(|m| m.map(|v| &v.kind)), effective) {
        _ if automatic => Value::bool(true),
        (Err(r) | Ok(Some(Kind::Unknown(r))), _) => Value::unknown(r.clone()),
        (_, Ok(p)) => Value::bool(p.overlay),
        (_, Err(r)) => Value::unknown(r.clone()),
    }
}

/// `pluginDefault` (the template leaves the plugin to AKS's default, which
/// follows the Kubernetes version), `pluginNote` (what rule messages about
/// the plugin add then) and `pluginReason` (what AKS picks, and why).
fn insert_plugin_default(
    o: &mut Object,
    c: &ClusterFact,
    effective: &Result<derive::Plugin, String>,
) {
    use derive::Implied;
    // Known only when whether the plugin is written, and whether the SKU
    // (AKS Automatic) decides it, are.
    let written = derive::plugin_written(c.network.as_ref());
    let defaulted = match (written, derive::is_automatic(c.sku.as_ref())) {
        (Ok(true), _) | (_, Ok(true)) => Value::bool(false),
        (Ok(false), Ok(false)) => Value::bool(true),
        (Err(r), _) | (_, Err(r)) => Value::unknown(r),
    };
    let reason = match effective.as_ref().map(|p| (&p.implied, p.name.as_str())) {
        Ok((Some(Implied::ByVersion(v)), "kubenet")) => {
            format!("kubenet, as Kubernetes {v} is below 1.30")
        }
        Ok((Some(Implied::ByVersion(v)), _)) => {
            format!("Azure CNI Overlay, as Kubernetes {v} is 1.30 or later")
        }
        Ok((Some(Implied::DefaultVersion), _)) => {
            "Azure CNI Overlay, as AKS's default Kubernetes version is 1.30 or later".to_string()
        }
        _ => {
            let version = match c.kubernetes_version.as_ref().map(|v| &v.kind) {
                Some(Kind::Str(v)) => format!("'{v}' is not a version tendon can read"),
                _ => "the version is not known here".to_string(),
            };
            format!(
                "it by the Kubernetes version (kubenet below 1.30, Azure CNI Overlay from 1.30), \
                 and {version}"
            )
        }
    };
    let note = plugin_note(effective);
    let reason = if defaulted.as_bool() == Some(true) {
        reason
    } else {
        String::new()
    };
    o.insert("pluginDefault".into(), defaulted);
    o.insert("pluginNote".into(), Value::str(note));
    o.insert("pluginReason".into(), Value::str(reason));
}

/// What a message about the plugin adds when AKS picks it by default: "" for
/// a written plugin (or one the SKU decides).
pub fn plugin_note(effective: &Result<derive::Plugin, String>) -> String {
    use derive::Implied;
    match effective.as_ref().map(|p| (&p.implied, p.name.as_str())) {
        Ok((Some(Implied::ByVersion(v)), "kubenet")) => {
            format!(" (networkPlugin is not set: AKS's default for Kubernetes {v} is kubenet)")
        }
        Ok((Some(Implied::ByVersion(v)), _)) => format!(
            " (networkPlugin is not set: AKS's default for Kubernetes {v} is Azure CNI Overlay)"
        ),
        Ok((Some(Implied::DefaultVersion), _)) => " (networkPlugin and kubernetesVersion are not \
             set: AKS's default is Azure CNI Overlay)"
            .to_string(),
        _ => String::new(),
    }
}

/// `podCidr` (with its /24 block count) where pods get their own range:
/// kubenet and overlay; flat Azure CNI uses the subnet, so it has none.
/// Whether pods get a range of their own (kubenet, overlay) rather than
/// subnet addresses. An unset plugin always does, even when which default
/// AKS picks is not known: kubenet and Azure CNI Overlay alike.
fn own_pod_range(
    c: &ClusterFact,
    effective: &Result<derive::Plugin, String>,
) -> Result<bool, String> {
    match effective {
        Ok(p) => Ok(p.is("kubenet") || (p.is("azure") && p.overlay)),
        Err(r) => {
            let unset = derive::plugin_written(c.network.as_ref()) == Ok(false);
            if unset { Ok(true) } else { Err(r.clone()) }
        }
    }
}

fn insert_pod_range(
    o: &mut Object,
    own: Result<bool, String>,
    net: Option<&Value>,
    omitted_at: Option<Loc>,
) {
    let unknown = match own {
        Ok(true) => {
            let (v, d) = setting(net, "podCidr", derive::DEFAULT_POD_CIDR, omitted_at);
            if let Some(n) = v.as_str().and_then(blocks_of_24) {
                o.insert("podBlocks".into(), Value::int(n).located_as(&v));
                let text = match n {
                    0 => "no /24 block".to_string(),
                    1 => "one /24 block".to_string(),
                    n => format!("{n} /24 blocks"),
                };
                o.insert("podBlocksText".into(), Value::str(text).located_as(&v));
            }
            insert_setting(o, "podCidr", (v, d));
            return;
        }
        Ok(false) => return,
        Err(r) => Value::unknown(r),
    };
    o.insert("podCidr".into(), unknown.with_origin(omitted_at));
}

/// A setting as `key`, `keyDefault` and `keyNote`, so messages can say a
/// value is AKS's default.
fn insert_setting(o: &mut Object, key: &str, (value, defaulted): (Value, bool)) {
    o.insert(key.into(), value);
    o.insert(format!("{key}Default"), Value::bool(defaulted));
    o.insert(format!("{key}Note"), note(defaulted));
}

/// How many nodes all pools together may reach: unknown if any pool's is,
/// or if the templates declare no pool.
fn node_ceiling(pools: &[(&PoolFact, &PoolEffective)]) -> Derived {
    if pools.is_empty() {
        return Err("the cluster has no node pools in the templates".into());
    }
    let mut ceiling: Derived = Ok(0);
    for (_, e) in pools {
        ceiling = match (ceiling, &e.max_nodes) {
            (Ok(a), Ok(b)) => Ok(a.saturating_add(*b)),
            (Err(r), _) => Err(r),
            (Ok(_), Err(r)) => Err(r.clone()),
        };
    }
    ceiling
}

#[cfg(test)]
mod tests {
    use super::blocks_of_24;

    #[test]
    fn counts_24_blocks() {
        assert_eq!(blocks_of_24("10.244.0.0/16"), Some(256));
        assert_eq!(blocks_of_24("10.244.0.0/20"), Some(16));
        assert_eq!(blocks_of_24("10.244.0.0/24"), Some(1));
        assert_eq!(blocks_of_24("10.244.0.0/25"), Some(0));
        assert_eq!(blocks_of_24("0.0.0.0/0"), Some(1 << 24));
        assert_eq!(blocks_of_24("fd00::/64"), None);
        assert_eq!(blocks_of_24("nonsense"), None);
    }
}
