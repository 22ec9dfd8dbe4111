//! The address ranges of a cluster's network: its VNets (or subnets), the
//! VNets peered with them, its pod and service ranges, and the ranges the
//! configuration adds. Read by reserved-range, cidr-overlap and
//! on-premises-overlap-risk.

use serde_json::{Value as J, json};

use crate::model::effective::cluster_effective;
use crate::model::facts::{ClusterFact, address_prefixes};
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
    let Some(c) = linked.clusters.get(ci) else {
        return (Vec::new(), Vec::new());
    };
    let mut own = Vec::new();
    let mut peered = Vec::new();
    let mut seen_vnets: Vec<usize> = Vec::new();
    for si in c.pools.iter().filter_map(|p| p.subnet) {
        match linked.subnet_vnet.get(si).copied().flatten() {
            Some(vi) => {
                if seen_vnets.contains(&vi) {
                    continue;
                }
                seen_vnets.push(vi);
                vnet_ranges(linked, vi, &mut own);
                peered_ranges(linked, vi, &mut peered);
            }
            // The VNet is not in the templates: the subnet's own range stands for it.
            None => subnet_ranges(linked, si, &mut own),
        }
    }
    let network_count = own.len();
    pod_and_service_ranges(ci, c.facts, &mut own);
    let mut all: Vec<J> = own.get(..network_count).unwrap_or(&[]).to_vec();
    all.extend(peered);
    all.extend(own.get(network_count..).unwrap_or(&[]).iter().cloned());
    (own, all)
}

/// The string items of a list, with their positions.
fn prefixes(v: Option<&Value>) -> Vec<(usize, String)> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .enumerate()
                .filter_map(|(k, p)| p.as_str().map(|s| (k, s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// A VNet's address space.
fn vnet_ranges(linked: &Linked, vi: usize, out: &mut Vec<J>) {
    let Some((v, _)) = linked.vnets.get(vi) else {
        return;
    };
    let vname = v.name.as_str().unwrap_or("?");
    let group = v.id.clone().unwrap_or_else(|| format!("vnet{vi}"));
    let kind = format!("the address space of VNet '{vname}'");
    for (k, cidr) in prefixes(v.address_prefixes.as_ref()) {
        let at = format!("/vnets/{vi}/addressPrefixes/{k}");
        out.push(range(&kind, &cidr, &group, at, ""));
    }
}

/// The address spaces of the VNets peered with VNet `vi`: as the peering
/// states them, else as the run declares the remote VNet.
fn peered_ranges(linked: &Linked, vi: usize, out: &mut Vec<J>) {
    let Some((_, peerings)) = linked.vnets.get(vi) else {
        return;
    };
    for (pi, peering) in peerings.iter().enumerate() {
        let props = peering.get("properties");
        let remote = props.and_then(|p| p.get_path(&["remoteAddressSpace", "addressPrefixes"]));
        let remote_written = props
            .and_then(|p| p.get_path(&["remoteVirtualNetwork", "id"]))
            .and_then(Value::as_str);
        let remote_id = remote_written.map(crate::resource_id::canonical);
        let remote_vi = remote_id
            .as_deref()
            .and_then(|id| linked.vnet_index.find(id));
        let remote_vnet = remote_vi.and_then(|rvi| linked.vnets.get(rvi).map(|(rv, _)| (rvi, rv)));
        // Its declared name when the run has it, else as the peering writes it.
        let remote_name = remote_vnet
            .and_then(|(_, rv)| rv.name.as_str())
            .or(remote_written.map(written_last))
            .unwrap_or("?");
        let group = remote_id.unwrap_or_else(|| format!("peer{vi}.{pi}"));
        let kind = format!("the address space of peered VNet '{remote_name}'");
        if remote.is_some() {
            for (k, cidr) in prefixes(remote) {
                let at =
                    format!("/vnets/{vi}/peerings/{pi}/remoteAddressSpace/addressPrefixes/{k}");
                out.push(range(&kind, &cidr, &group, at, ""));
            }
        } else if let Some((rvi, rv)) = remote_vnet {
            for (k, cidr) in prefixes(rv.address_prefixes.as_ref()) {
                let at = format!("/vnets/{rvi}/addressPrefixes/{k}");
                out.push(range(&kind, &cidr, &group, at, ""));
            }
        }
    }
}

/// A declared subnet's own ranges, standing for a VNet the templates do not declare.
fn subnet_ranges(linked: &Linked, si: usize, out: &mut Vec<J>) {
    let Some(s) = linked.subnets.get(si) else {
        return;
    };
    let Some(d) = s.decl else { return };
    let sname = d.name.as_str().unwrap_or("?");
    let kind = format!("subnet '{sname}'");
    for (k, cidr) in prefixes(address_prefixes(&d.props).as_ref()) {
        let at = format!("/subnets/{si}/addressPrefixes/{k}");
        out.push(range(&kind, &cidr, &s.id, at, ""));
    }
}

/// The cluster's pod and service ranges: the dual-stack lists when written
/// (they replace the single values), else the effective single range.
fn pod_and_service_ranges(ci: usize, c: &ClusterFact, out: &mut Vec<J>) {
    let net = c.network.as_ref();
    let effective = cluster_effective(c, &[]);
    let eff = |k: &str| effective.get(k).and_then(Value::as_str).map(str::to_string);
    for (key, list, group) in [
        ("podCidr", "podCidrs", "pods"),
        ("serviceCidr", "serviceCidrs", "services"),
    ] {
        let listed = prefixes(net.and_then(|n| n.get(list)));
        if !listed.is_empty() {
            for (k, cidr) in listed {
                let at = format!("/clusters/{ci}/network/{list}/{k}");
                out.push(range(&format!("{list}[{k}]"), &cidr, group, at, ""));
            }
        } else if let Some(cidr) = eff(key) {
            let at = format!("/clusters/{ci}/effective/{key}");
            let note = eff(&format!("{key}Note")).unwrap_or_default();
            out.push(range(key, &cidr, group, at, &note));
        }
    }
}
