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
    match derive::effective_plugin(c.network.as_ref(), c.sku.as_ref()) {
        Ok((plugin, overlay)) => PoolEffective::new(p, Ok(plugin.as_deref()), overlay),
        Err(r) => PoolEffective::new(p, Err(&r), false),
    }
}

/// What one pool will use. Read by kubenet-max-pods (`maxPods`) and, as
/// demand, by subnet-too-small and azure-cni-subnet-capacity.
pub struct PoolEffective {
    pub max_nodes: Derived,
    pub surge: Derived,
    pub max_pods: Result<(i64, bool), String>,
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
    let (plugin, overlay) = match derive::effective_plugin(net, c.sku.as_ref()) {
        Ok((p, overlay)) => (Ok(p), overlay),
        Err(r) => (Err(r), false),
    };
    let mut o = Object::new();
    let plugin_value = match &plugin {
        Ok(Some(p)) => Value::str(p.clone()),
        Ok(None) => Value::null(),
        Err(r) => Value::unknown(r.clone()),
    };
    let plugin_at = plugin_origin(c, automatic, omitted_at);
    o.insert("plugin".into(), plugin_value.with_origin(plugin_at));
    o.insert("overlay".into(), overlay_value(net, automatic, overlay));
    insert_pod_range(&mut o, &plugin, overlay, net, omitted_at);
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

/// Whether the cluster uses overlay: known only when `networkPluginMode` is
/// (or the SKU decides it).
fn overlay_value(net: Option<&Value>, automatic: bool, overlay: bool) -> Value {
    let mode = derive::field(net, "networkPluginMode");
    match mode.as_ref().map(|m| m.map(|v| &v.kind)) {
        _ if automatic => Value::bool(true),
        Err(r) | Ok(Some(Kind::Unknown(r))) => Value::unknown(r.clone()),
        _ => Value::bool(overlay),
    }
}

/// `podCidr` (with its /24 block count) where pods get their own range:
/// kubenet and overlay; flat Azure CNI uses the subnet, so it has none.
fn insert_pod_range(
    o: &mut Object,
    plugin: &Result<Option<String>, String>,
    overlay: bool,
    net: Option<&Value>,
    omitted_at: Option<Loc>,
) {
    let unknown = match plugin {
        Ok(Some(p)) if p == "kubenet" || (p == "azure" && overlay) => {
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
        Ok(Some(_)) => return,
        Ok(None) => Value::unknown("the network plugin is not set, so the pod range is implicit"),
        Err(r) => Value::unknown(r.clone()),
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
