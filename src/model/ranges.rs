//! The address ranges of a cluster's network: its VNets (or subnets), the
//! VNets peered with them, its pod and service ranges, and the ranges the
//! configuration adds. Read by reserved-range, cidr-overlap and
//! on-premises-overlap-risk.

use serde_json::{Value as J, json};

use crate::model::effective::cluster_effective;
use crate::model::facts::address_prefixes;
use crate::model::linked::{Linked, written_last};
use crate::model::world::object;
use crate::source::Loc;
use crate::value::Value;

/// Ranges given by the configuration, with their place in the config file.
#[derive(Debug, Default)]
pub struct NetworkConfig {
    /// More ranges nothing may overlap (read by reserved-range).
    pub reserved: Vec<(String, Option<Loc>)>,
    /// Ranges in use elsewhere, e.g. on-premises (read by cidr-overlap).
    pub on_premises: Vec<(String, Option<Loc>)>,
}

/// A cluster's ranges as the world lists them.
pub(crate) struct ClusterRanges {
    /// `extraReserved`: the configured reserved ranges (reserved-range).
    pub extra_reserved: Vec<J>,
    /// `ownRanges`: its networks, then its pod and service ranges.
    pub own: Vec<J>,
    /// `ranges`: its networks, the peered VNets, the configured on-premises
    /// ranges, then its pod and service ranges (cidr-overlap, on-premises-overlap-risk).
    pub all: Vec<J>,
}

/// The ranges of cluster `ci`, with the configured ones.
pub(crate) fn cluster_ranges(linked: &Linked, ci: usize, config: &NetworkConfig) -> ClusterRanges {
    let (own, mut all) = network_ranges(ci, linked);
    // Configured on-premises ranges sit with the networks, before pod and service ranges.
    let first_own = all
        .iter()
        .position(|r| {
            r.get("group")
                .and_then(J::as_str)
                .is_some_and(|g| g == "pods" || g == "services")
        })
        .unwrap_or(all.len());
    for (k, (cidr, _)) in config.on_premises.iter().enumerate().rev() {
        all.insert(
            first_own,
            json!({"kind": "the configured on-premises range", "cidr": cidr, "group": "on-premises",
                   "at": format!("/config/onPremises/{k}"), "note": ""}),
        );
    }
    let extra_reserved = config
        .reserved
        .iter()
        .enumerate()
        .map(|(k, (cidr, _))| json!({"cidr": cidr, "at": format!("/config/reserved/{k}")}))
        .collect();
    ClusterRanges {
        extra_reserved,
        own,
        all,
    }
}

/// One address range of a cluster's network, for overlap rules: what it is,
/// the CIDR, a group (ranges of one group never conflict with each other, e.g.
/// a VNet and its subnets) and the world pointer of the value.
fn range(kind: &str, cidr: &str, group: &str, at: String, note: &str) -> J {
    let s = |v: &str| J::String(v.to_string());
    object([
        ("kind", s(kind)),
        ("cidr", s(cidr)),
        ("group", s(group)),
        ("at", J::String(at)),
        ("note", s(note)),
    ])
}

/// The ranges of a cluster: `own` — its VNets (or subnets, when the VNet is
/// not in the templates), then its pod and service ranges — and `all`, which
/// puts the VNets peered with them between the two. The cluster's own pod and
/// service ranges come last, so they are a pair's later side: the value a
/// finding points at, as the one to change.
fn network_ranges(ci: usize, linked: &Linked) -> (Vec<J>, Vec<J>) {
    let (subnets, vnets, vnet_index) = (&linked.subnets, &linked.vnets, &linked.vnet_index);
    let Some(c) = linked.clusters.get(ci) else {
        return (Vec::new(), Vec::new());
    };
    let mut own = Vec::new();
    let mut peered = Vec::new();
    let mut seen_vnets: Vec<usize> = Vec::new();
    let prefixes = |v: Option<&Value>| -> Vec<(usize, String)> {
        v.and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .enumerate()
                    .filter_map(|(k, p)| p.as_str().map(|s| (k, s.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    };
    for p in &c.pools {
        let Some(si) = p.subnet else { continue };
        let Some(s) = subnets.get(si) else { continue };
        match linked.subnet_vnet.get(si).copied().flatten() {
            Some(vi) => {
                if seen_vnets.contains(&vi) {
                    continue;
                }
                seen_vnets.push(vi);
                let Some((v, peerings)) = vnets.get(vi) else {
                    continue;
                };
                let vname = v.name.as_str().unwrap_or("?");
                let group = v.id.clone().unwrap_or_else(|| format!("vnet{vi}"));
                for (k, cidr) in prefixes(v.address_prefixes.as_ref()) {
                    let kind = format!("the address space of VNet '{vname}'");
                    own.push(range(
                        &kind,
                        &cidr,
                        &group,
                        format!("/vnets/{vi}/addressPrefixes/{k}"),
                        "",
                    ));
                }
                for (pi, peering) in peerings.iter().enumerate() {
                    let props = peering.get("properties");
                    let remote =
                        props.and_then(|p| p.get_path(&["remoteAddressSpace", "addressPrefixes"]));
                    let remote_written = props
                        .and_then(|p| p.get_path(&["remoteVirtualNetwork", "id"]))
                        .and_then(Value::as_str);
                    let remote_id = remote_written.map(crate::resource_id::canonical);
                    let remote_vi = remote_id.as_deref().and_then(|id| vnet_index.find(id));
                    // Its declared name when the run has it, else as the peering writes it.
                    let remote_name = remote_vi
                        .and_then(|rvi| vnets.get(rvi))
                        .and_then(|(rv, _)| rv.name.as_str())
                        .or(remote_written.map(written_last))
                        .unwrap_or("?")
                        .to_string();
                    let group = remote_id
                        .clone()
                        .unwrap_or_else(|| format!("peer{vi}.{pi}"));
                    let kind = format!("the address space of peered VNet '{remote_name}'");
                    if remote.is_some() {
                        for (k, cidr) in prefixes(remote) {
                            let at = format!(
                                "/vnets/{vi}/peerings/{pi}/remoteAddressSpace/addressPrefixes/{k}"
                            );
                            peered.push(range(&kind, &cidr, &group, at, ""));
                        }
                    } else if let Some(rvi) = remote_vi
                        && let Some((rv, _)) = vnets.get(rvi)
                    {
                        for (k, cidr) in prefixes(rv.address_prefixes.as_ref()) {
                            peered.push(range(
                                &kind,
                                &cidr,
                                &group,
                                format!("/vnets/{rvi}/addressPrefixes/{k}"),
                                "",
                            ));
                        }
                    }
                }
            }
            None => {
                // The VNet is not in the templates: the subnet's own range stands for it.
                let Some(d) = s.decl else { continue };
                let sname = d.name.as_str().unwrap_or("?");
                for (k, cidr) in prefixes(address_prefixes(&d.props).as_ref()) {
                    let kind = format!("subnet '{sname}'");
                    own.push(range(
                        &kind,
                        &cidr,
                        &s.id,
                        format!("/subnets/{si}/addressPrefixes/{k}"),
                        "",
                    ));
                }
            }
        }
    }
    let network_count = own.len();
    let net = c.facts.network.as_ref();
    let eff = |k: &str| -> Option<Value> {
        let effective = cluster_effective(c.facts, &[]);
        effective.get(k).cloned()
    };
    let note = |k: &str| -> String {
        eff(&format!("{k}Note"))
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    // Dual-stack lists replace the single values.
    for (key, list, group, label) in [
        ("podCidr", "podCidrs", "pods", "podCidr"),
        ("serviceCidr", "serviceCidrs", "services", "serviceCidr"),
    ] {
        let listed = prefixes(net.and_then(|n| n.get(list)));
        if !listed.is_empty() {
            for (k, cidr) in listed {
                let at = format!("/clusters/{ci}/network/{list}/{k}");
                own.push(range(&format!("{list}[{k}]"), &cidr, group, at, ""));
            }
        } else if let Some(cidr) = eff(key).and_then(|v| v.as_str().map(str::to_string)) {
            let at = format!("/clusters/{ci}/effective/{key}");
            own.push(range(label, &cidr, group, at, &note(key)));
        }
    }
    let mut all: Vec<J> = own.get(..network_count).unwrap_or(&[]).to_vec();
    all.extend(peered);
    all.extend(own.get(network_count..).unwrap_or(&[]).iter().cloned());
    (own, all)
}
