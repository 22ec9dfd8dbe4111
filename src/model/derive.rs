//! Values the rules need that templates do not write down: effective
//! defaults (pod and service ranges, max pods), node counts, surge, and
//! subnet capacity. Each result is a [`Derived`]: known, or unknown with a
//! reason — never a guess.

use ipnet::IpNet;

use crate::value::{Kind, Value};

/// A derived number or an unknown with its reason.
pub type Derived = Result<i64, String>;

/// AKS defaults (<https://learn.microsoft.com/azure/aks/configure-kubenet>).
pub const DEFAULT_POD_CIDR: &str = "10.244.0.0/16";
pub const DEFAULT_SERVICE_CIDR: &str = "10.0.0.0/16";
pub const DEFAULT_DNS_SERVICE_IP: &str = "10.0.0.10";
pub const DEFAULT_MAX_PODS_KUBENET: i64 = 110;
pub const DEFAULT_MAX_PODS_AZURE_CNI: i64 = 30;
pub const DEFAULT_MAX_PODS_OVERLAY: i64 = 250;
/// Addresses Azure reserves in every subnet (network, gateway, 2 DNS, broadcast).
pub const RESERVED_PER_SUBNET: i64 = 5;

/// An integer from a value (ints, and numeric strings as ARM coerces them).
pub fn int(v: Option<&Value>, what: &str) -> Derived {
    match v.map(|v| &v.kind) {
        Some(Kind::Int(i)) => Ok(*i),
        Some(Kind::Str(s)) => s
            .trim()
            .parse()
            .map_err(|_| format!("{what} '{s}' is not a number")),
        Some(Kind::Unknown(r)) => Err(r.clone()),
        Some(Kind::Null) | None => Err(format!("{what} is not set")),
        Some(_) => Err(format!("{what} is not a number")),
    }
}

fn bool_of(v: Option<&Value>) -> Result<bool, String> {
    match v.map(|v| &v.kind) {
        Some(Kind::Bool(b)) => Ok(*b),
        Some(Kind::Null) | None => Ok(false),
        Some(Kind::Unknown(r)) => Err(r.clone()),
        Some(Kind::Str(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(Kind::Str(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err("enableAutoScaling is not a bool".into()),
    }
}

/// Most nodes a pool can reach: `maxCount` when autoscaling, else `count`
/// (1 when unset: the AKS API's default); a `VirtualMachines` pool, which
/// takes no `count`, the sum of its `virtualMachinesProfile.scale` profiles.
/// Read by kubenet-node-limit and pod-cidr-too-small (the cluster's
/// `nodeCeiling`), subnet-too-small and azure-cni-subnet-capacity (demand).
pub fn pool_max_nodes(pool: &Value) -> Derived {
    known(pool)?;
    if bool_of(pool.get("enableAutoScaling"))? {
        return int(pool.get("maxCount"), "maxCount");
    }
    match pool.get("count").map(|v| &v.kind) {
        None | Some(Kind::Null) => {}
        Some(_) => return int(pool.get("count"), "count"),
    }
    match pool.get("type").map(|v| &v.kind) {
        Some(Kind::Str(t)) if t.eq_ignore_ascii_case("VirtualMachines") => {
            virtual_machines_nodes(pool)
        }
        Some(Kind::Unknown(r)) => Err(r.clone()),
        _ => Ok(1),
    }
}

/// `Err` when the pool itself is unknown: none of its settings can be read as
/// unset (and so defaulted).
fn known(pool: &Value) -> Result<(), String> {
    match &pool.kind {
        Kind::Unknown(r) => Err(r.clone()),
        _ => Ok(()),
    }
}

/// Nodes of a `VirtualMachines` pool: every manual scale profile's `count`,
/// plus the autoscale profiles' `maxCount` (a list in the API; one object
/// accepted too).
fn virtual_machines_nodes(pool: &Value) -> Derived {
    let scale = field(pool.get("virtualMachinesProfile"), "scale")?;
    let scale = scale.ok_or("virtualMachinesProfile.scale is not set")?;
    let mut nodes: i64 = 0;
    match field(Some(scale), "manual")?.map(|v| &v.kind) {
        None | Some(Kind::Null) => {}
        Some(Kind::Array(profiles)) => {
            for p in profiles {
                if let Kind::Unknown(r) = &p.kind {
                    return Err(r.clone());
                }
                nodes = nodes.saturating_add(int(p.get("count"), "count")?);
            }
        }
        Some(Kind::Unknown(r)) => return Err(r.clone()),
        Some(_) => return Err("virtualMachinesProfile.scale.manual is not an array".into()),
    }
    let autoscale = field(Some(scale), "autoscale")?;
    let profiles: &[Value] = match autoscale.map(|v| &v.kind) {
        None | Some(Kind::Null) => &[],
        Some(Kind::Array(items)) => items,
        Some(_) => autoscale.map(std::slice::from_ref).unwrap_or_default(),
    };
    for p in profiles {
        let max = field(Some(p), "maxCount")?;
        nodes = nodes.saturating_add(int(max, "maxCount")?);
    }
    Ok(nodes)
}

/// Extra nodes during an upgrade: `upgradeSettings.maxSurge` as a count or a
/// percentage of the pool (rounded up); 1 when unset or empty (the SDKs:
/// "if empty uses AKS default"; CARML passes `''` for that). Read by
/// subnet-too-small and azure-cni-subnet-capacity (demand).
pub fn pool_surge(pool: &Value, max_nodes: i64) -> Derived {
    known(pool)?;
    if max_nodes == 0 {
        return Ok(0); // no node to replace
    }
    let Some(surge) = field(field(Some(pool), "upgradeSettings")?, "maxSurge")? else {
        return Ok(1);
    };
    match &surge.kind {
        Kind::Null => Ok(1),
        Kind::Int(n) => Ok(*n),
        Kind::Str(s) if s.trim().is_empty() => Ok(1),
        Kind::Str(s) => {
            let s = s.trim();
            if let Some(pct) = s.strip_suffix('%') {
                let pct: i64 = pct
                    .trim()
                    .parse()
                    .map_err(|_| format!("maxSurge '{s}' is not a percentage"))?;
                Ok((max_nodes.saturating_mul(pct) + 99) / 100)
            } else {
                s.parse()
                    .map_err(|_| format!("maxSurge '{s}' is not a number"))
            }
        }
        Kind::Unknown(r) => Err(r.clone()),
        _ => Err("maxSurge is not a number".into()),
    }
}

/// A property of an object that may itself be unknown: `Err` when the parent
/// is unknown (its properties cannot be absent for sure), `Ok(None)` when absent.
pub fn field<'a>(parent: Option<&'a Value>, key: &str) -> Result<Option<&'a Value>, String> {
    match parent.map(|p| &p.kind) {
        Some(Kind::Unknown(r)) => Err(r.clone()),
        _ => Ok(parent.and_then(|p| p.get(key))),
    }
}

/// Whether the template writes `networkPlugin` at all (an unknown value is
/// written); `Err` when the network profile itself is unknown.
pub fn plugin_written(network: Option<&Value>) -> Result<bool, String> {
    field(network, "networkPlugin")
        .map(|p| p.is_some_and(|v| !matches!(v.kind, Kind::Null) && v.as_str() != Some("")))
}

/// The plugin as configured: `Ok(None)` when unset.
pub fn plugin(network: Option<&Value>) -> Result<Option<String>, String> {
    match field(network, "networkPlugin")?.map(|v| &v.kind) {
        None | Some(Kind::Null) => Ok(None),
        Some(Kind::Str(s)) if s.is_empty() => Ok(None),
        Some(Kind::Str(s)) => Ok(Some(s.to_ascii_lowercase())),
        Some(Kind::Unknown(r)) => Err(r.clone()),
        Some(_) => Err("networkPlugin is not a string".into()),
    }
}

/// Whether `networkPluginMode` is overlay; `Err` when it (or the network
/// profile) is unknown.
pub fn is_overlay(network: Option<&Value>) -> Result<bool, String> {
    match field(network, "networkPluginMode")?.map(|v| &v.kind) {
        Some(Kind::Str(m)) => Ok(m.eq_ignore_ascii_case("overlay")),
        Some(Kind::Unknown(r)) => Err(r.clone()),
        _ => Ok(false),
    }
}

/// Whether the cluster is AKS Automatic (`sku.name`); `Err` when not known.
pub fn is_automatic(sku: Option<&Value>) -> Result<bool, String> {
    match field(sku, "name")?.map(|v| &v.kind) {
        Some(Kind::Str(s)) => Ok(s.eq_ignore_ascii_case("Automatic")),
        Some(Kind::Unknown(r)) => Err(r.clone()),
        _ => Ok(false),
    }
}

/// The network plugin AKS runs a cluster with.
#[derive(Clone, Debug, PartialEq)]
pub struct Plugin {
    /// `kubenet`, `azure`, `none`, … in lower case.
    pub name: String,
    pub overlay: bool,
    /// Why AKS picks it when the template does not write it.
    pub implied: Option<Implied>,
}

/// How AKS decides a plugin the template leaves to it.
#[derive(Clone, Debug, PartialEq)]
pub enum Implied {
    /// AKS Automatic always runs Azure CNI Overlay.
    Automatic,
    /// Unset plugin: kubenet below Kubernetes 1.30, Azure CNI Overlay from
    /// 1.30 (the version as written).
    ByVersion(String),
    /// Unset plugin and version: AKS's default version, 1.30 or later.
    DefaultVersion,
}

impl Plugin {
    /// The plugin as written. With Azure CNI, an unknown mode leaves the
    /// whole plugin unknown: overlay and flat clusters differ in everything
    /// the rules count (pod addresses, default maxPods).
    fn written(name: String, network: Option<&Value>) -> Result<Plugin, String> {
        let overlay = match is_overlay(network) {
            Ok(o) => o,
            Err(r) if name == "azure" => return Err(r),
            Err(_) => false,
        };
        Ok(Plugin {
            name,
            overlay,
            implied: None,
        })
    }

    pub fn is(&self, name: &str) -> bool {
        self.name == name
    }

    /// Whether the template left the plugin to AKS's default (not to the SKU).
    pub fn defaulted(&self) -> bool {
        matches!(
            self.implied,
            Some(Implied::ByVersion(_) | Implied::DefaultVersion)
        )
    }
}

/// The plugin AKS uses: as configured, except that AKS Automatic always runs
/// Azure CNI Overlay, and that an unset plugin is AKS's default for the
/// cluster's Kubernetes version. An unknown SKU leaves only an unset plugin
/// unknown: a template that writes its plugin is not an Automatic one. Read
/// (as the cluster's `effective.plugin`) by most rules: kubenet-windows-pool,
/// kubenet-azure-network-policy, kubenet-virtual-nodes, kubenet-max-pods,
/// kubenet-node-limit, pod-cidr-too-small, byo-route-table-identity,
/// missing-network-role, mixed-route-tables, implicit-network-plugin,
/// kubenet-retirement, overlay-needs-azure-plugin,
/// route-table-association-order; pod-cidr-ignored reads `effective.overlay`.
pub fn effective_plugin(c: &crate::model::facts::ClusterFact) -> Result<Plugin, String> {
    plugin_of(
        c.network.as_ref(),
        c.sku.as_ref(),
        c.kubernetes_version.as_ref(),
    )
}

fn plugin_of(
    network: Option<&Value>,
    sku: Option<&Value>,
    version: Option<&Value>,
) -> Result<Plugin, String> {
    match is_automatic(sku) {
        Ok(true) => Ok(Plugin {
            name: "azure".into(),
            overlay: true,
            implied: Some(Implied::Automatic),
        }),
        Ok(false) => match plugin(network)? {
            Some(p) => Plugin::written(p, network),
            None => default_plugin(network, version),
        },
        Err(r) => match plugin(network)? {
            Some(p) => Plugin::written(p, network),
            None => Err(format!(
                "the SKU is not known ({r}), and AKS Automatic clusters use Azure CNI Overlay"
            )),
        },
    }
}

/// AKS's plugin for a cluster that does not set one: kubenet below
/// Kubernetes 1.30, Azure CNI Overlay from 1.30 (Azure/azure-rest-api-specs
/// #30845, which removed the API's fixed `kubenet` default). An unset
/// version is AKS's default version, 1.30 or later since 2025.
fn default_plugin(network: Option<&Value>, version: Option<&Value>) -> Result<Plugin, String> {
    const WHY: &str = "the network plugin is not set, and AKS picks it by the Kubernetes version";
    let overlay_default = |implied| Plugin {
        name: "azure".into(),
        overlay: true,
        implied: Some(implied),
    };
    match version.map(|v| &v.kind) {
        None | Some(Kind::Null) => Ok(overlay_default(Implied::DefaultVersion)),
        Some(Kind::Str(s)) if s.trim().is_empty() => Ok(overlay_default(Implied::DefaultVersion)),
        Some(Kind::Str(s)) => match minor_version(s) {
            Some(minor) if minor < 30 => Ok(Plugin {
                name: "kubenet".into(),
                overlay: is_overlay(network).unwrap_or(false),
                implied: Some(Implied::ByVersion(s.trim().to_string())),
            }),
            Some(_) => Ok(overlay_default(Implied::ByVersion(s.trim().to_string()))),
            None => Err(format!("{WHY}, and '{s}' is not a version tendon can read")),
        },
        Some(Kind::Unknown(r)) => Err(format!("{WHY}, which is unknown: {r}")),
        Some(_) => Err(format!("{WHY}, and kubernetesVersion is not a string")),
    }
}

/// The minor version of `1.N` or `1.N.P` (digits only, spaces around
/// allowed); `None` for anything else, which tendon does not guess at.
fn minor_version(s: &str) -> Option<u32> {
    let mut parts = s.trim().split('.');
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let (major, minor, patch) = (parts.next()?, parts.next()?, parts.next());
    if major != "1" || !digits(minor) || patch.is_some_and(|p| !digits(p)) || parts.next().is_some()
    {
        return None;
    }
    minor.parse().ok()
}

/// Whether AKS surely runs the cluster with kubenet (an AKS Automatic
/// cluster is Azure CNI Overlay, whatever it writes). Read by
/// kubenet-shared-subnet, shared-route-table and nsg-blocks-pod-traffic
/// (through the `kubenet` of the subnets' and route tables' cluster relations).
pub fn surely_kubenet(c: &crate::model::facts::ClusterFact) -> bool {
    effective_plugin(c).is_ok_and(|p| p.is("kubenet"))
}

/// `maxPods` of a pool, or the default of its cluster's plugin; the bool says
/// whether the default was used. Read by kubenet-max-pods (a pool's
/// `effective.maxPods`) and azure-cni-subnet-capacity (addresses per node).
pub fn max_pods(pool: &Value, plugin: Option<&str>, overlay: bool) -> Result<(i64, bool), String> {
    known(pool)?;
    match pool.get("maxPods").map(|v| &v.kind) {
        None | Some(Kind::Null) => {}
        _ => return int(pool.get("maxPods"), "maxPods").map(|n| (n, false)),
    }
    match plugin {
        Some("kubenet") => Ok((DEFAULT_MAX_PODS_KUBENET, true)),
        Some("azure") if overlay => Ok((DEFAULT_MAX_PODS_OVERLAY, true)),
        Some("azure") => Ok((DEFAULT_MAX_PODS_AZURE_CNI, true)),
        Some(other) => Err(format!("no maxPods default is known for plugin '{other}'")),
        None => Err("maxPods is not set and the network plugin is implicit".into()),
    }
}

pub fn parse_cidr(s: &str) -> Option<IpNet> {
    let s = s.trim();
    s.parse::<IpNet>()
        .ok()
        .or_else(|| s.parse::<std::net::IpAddr>().ok().map(IpNet::from))
}

/// Usable IPv4 addresses of a subnet's prefixes (each minus Azure's 5 reserved);
/// `Ok(None)` when it has no IPv4 prefix. Read by subnet-too-small and
/// azure-cni-subnet-capacity (`usableAddresses`).
pub fn usable_addresses(prefixes: &[Value]) -> Result<Option<i64>, String> {
    let mut total: Option<i64> = None;
    for p in prefixes {
        let s = match &p.kind {
            Kind::Str(s) => s,
            Kind::Unknown(r) => return Err(r.clone()),
            _ => return Err("an address prefix is not a string".into()),
        };
        let net = parse_cidr(s).ok_or_else(|| format!("'{s}' is not a CIDR range"))?;
        if let IpNet::V4(v4) = net {
            let size = 1i64 << (32 - u32::from(v4.prefix_len()));
            *total.get_or_insert(0) += (size - RESERVED_PER_SUBNET).max(0);
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Object;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        let mut o = Object::new();
        for (k, v) in pairs {
            o.insert(k.to_string(), v.clone());
        }
        Value::object(o)
    }

    #[test]
    fn max_nodes_and_surge() {
        let fixed = obj(&[("count", Value::int(3))]);
        assert_eq!(pool_max_nodes(&fixed), Ok(3));
        let auto = obj(&[
            ("count", Value::int(3)),
            ("enableAutoScaling", Value::bool(true)),
            ("maxCount", Value::int(10)),
        ]);
        assert_eq!(pool_max_nodes(&auto), Ok(10));
        assert!(pool_max_nodes(&obj(&[("count", Value::unknown("p"))])).is_err());
        // Unset: the API's default of one node.
        assert_eq!(pool_max_nodes(&obj(&[])), Ok(1));
        assert_eq!(pool_max_nodes(&obj(&[("count", Value::null())])), Ok(1));
        // VirtualMachines pools are sized by their scale profiles.
        let manual = |n: i64| obj(&[("size", Value::str("D2")), ("count", Value::int(n))]);
        let vms = |scale: Value| {
            obj(&[
                ("type", Value::str("VirtualMachines")),
                ("virtualMachinesProfile", obj(&[("scale", scale)])),
            ])
        };
        let two = vms(obj(&[("manual", Value::array(vec![manual(2), manual(3)]))]));
        assert_eq!(pool_max_nodes(&two), Ok(5));
        let auto = vms(obj(&[
            ("manual", Value::array(vec![manual(2)])),
            (
                "autoscale",
                obj(&[("minCount", Value::int(1)), ("maxCount", Value::int(4))]),
            ),
        ]));
        assert_eq!(pool_max_nodes(&auto), Ok(6));
        let unknown = vms(obj(&[("manual", Value::unknown("p"))]));
        assert_eq!(pool_max_nodes(&unknown), Err("p".into()));
        let none = obj(&[("type", Value::str("VirtualMachines"))]);
        assert!(pool_max_nodes(&none).is_err());
        // The API's autoscale list.
        let listed = vms(obj(&[(
            "autoscale",
            Value::array(vec![obj(&[
                ("minCount", Value::int(1)),
                ("maxCount", Value::int(7)),
            ])]),
        )]));
        assert_eq!(pool_max_nodes(&listed), Ok(7));
        // An unknown pool is unknown, never a pool of one default node.
        let unknown_pool = Value::unknown("p");
        assert_eq!(pool_max_nodes(&unknown_pool), Err("p".into()));
        assert_eq!(pool_surge(&unknown_pool, 3), Err("p".into()));
        assert!(max_pods(&unknown_pool, Some("kubenet"), false).is_err());
        // Nor are settings under an unknown object unset.
        let unknown_settings = obj(&[("upgradeSettings", Value::unknown("u"))]);
        assert_eq!(pool_surge(&unknown_settings, 3), Err("u".into()));
        // A pool of no nodes has none to surge.
        assert_eq!(pool_surge(&fixed, 0), Ok(0));
        assert_eq!(pool_surge(&fixed, 3), Ok(1));
        let pct = obj(&[("upgradeSettings", obj(&[("maxSurge", Value::str("33%"))]))]);
        assert_eq!(pool_surge(&pct, 10), Ok(4));
        let n = obj(&[("upgradeSettings", obj(&[("maxSurge", Value::str("5"))]))]);
        assert_eq!(pool_surge(&n, 10), Ok(5));
        let empty = obj(&[("upgradeSettings", obj(&[("maxSurge", Value::str(""))]))]);
        assert_eq!(pool_surge(&empty, 10), Ok(1));
        let bad = obj(&[("upgradeSettings", obj(&[("maxSurge", Value::str("x"))]))]);
        assert!(pool_surge(&bad, 10).is_err());
    }

    #[test]
    fn max_pods_defaults_by_plugin() {
        let pool = obj(&[]);
        assert_eq!(max_pods(&pool, Some("kubenet"), false), Ok((110, true)));
        assert_eq!(max_pods(&pool, Some("azure"), false), Ok((30, true)));
        assert_eq!(max_pods(&pool, Some("azure"), true), Ok((250, true)));
        assert!(max_pods(&pool, None, false).is_err());
        let set = obj(&[("maxPods", Value::int(50))]);
        assert_eq!(max_pods(&set, None, false), Ok((50, false)));
    }

    #[test]
    fn automatic_clusters_use_overlay() {
        let net = obj(&[("networkPlugin", Value::str("Kubenet"))]);
        let auto = obj(&[("name", Value::str("automatic"))]);
        let base = obj(&[("name", Value::str("Base"))]);
        let unknown = obj(&[("name", Value::unknown("p"))]);
        let named = |p: Result<Plugin, String>| p.map(|p| (p.name, p.overlay));
        let azure_overlay = Ok(("azure".to_string(), true));
        let kubenet = Ok(("kubenet".to_string(), false));
        assert_eq!(named(plugin_of(None, Some(&auto), None)), azure_overlay);
        assert_eq!(
            named(plugin_of(Some(&net), Some(&auto), None)),
            azure_overlay
        );
        assert_eq!(named(plugin_of(Some(&net), Some(&base), None)), kubenet);
        assert_eq!(named(plugin_of(Some(&net), Some(&unknown), None)), kubenet);
        assert!(plugin_of(None, Some(&unknown), None).is_err());
    }

    #[test]
    fn an_unset_plugin_follows_the_kubernetes_version() {
        let of = |v: Option<Value>| plugin_of(None, None, v.as_ref());
        let old = of(Some(Value::str("1.29.9")));
        assert_eq!(
            old,
            Ok(Plugin {
                name: "kubenet".into(),
                overlay: false,
                implied: Some(Implied::ByVersion("1.29.9".into())),
            })
        );
        assert!(old.is_ok_and(|p| p.defaulted()));
        let new = of(Some(Value::str("1.30")));
        assert_eq!(
            new.clone().map(|p| (p.name, p.overlay)),
            Ok(("azure".into(), true))
        );
        assert_eq!(
            of(None).map(|p| p.implied),
            Ok(Some(Implied::DefaultVersion))
        );
        assert_eq!(
            of(Some(Value::str(""))).map(|p| p.implied),
            Ok(Some(Implied::DefaultVersion))
        );
        assert!(of(Some(Value::unknown("p"))).is_err());
        assert!(of(Some(Value::str("latest"))).is_err());
        // A written plugin wins over the version.
        let net = obj(&[("networkPlugin", Value::str("azure"))]);
        let written = plugin_of(Some(&net), None, Some(&Value::str("1.28")));
        assert_eq!(
            written.map(|p| (p.name, p.overlay, p.implied)),
            Ok(("azure".into(), false, None))
        );
        assert_eq!(minor_version("1.31.2"), Some(31));
        assert_eq!(minor_version(" 1.29 "), Some(29));
        for odd in [
            "v1.29",
            "1.29.x",
            "+1.29",
            "1.29.0-preview",
            "0.9",
            "2.0",
            "1",
            "1.",
            "1.29.1.2",
        ] {
            assert_eq!(minor_version(odd), None, "{odd}");
            assert!(of(Some(Value::str(odd))).is_err(), "{odd}");
        }
    }

    #[test]
    fn subnet_capacity() {
        assert_eq!(
            usable_addresses(&[Value::str("10.0.0.0/24")]),
            Ok(Some(251))
        );
        assert_eq!(usable_addresses(&[Value::str("10.0.0.0/29")]), Ok(Some(3)));
        assert_eq!(
            usable_addresses(&[Value::str("10.0.0.0/24"), Value::str("fd00::/64")]),
            Ok(Some(251))
        );
        assert_eq!(usable_addresses(&[Value::str("fd00::/64")]), Ok(None));
        assert!(usable_addresses(&[Value::str("nonsense")]).is_err());
    }
}
