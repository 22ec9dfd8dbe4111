//! Subnet capacity against what its node pools can demand, as node subnets
//! and as pod subnets.

use std::collections::HashMap;

use serde_json::Value as J;

use crate::model::derive;
use crate::model::linked::{ClusterRef, PoolRef, SubnetEntry};
use crate::model::world::ObjWriter;
use crate::value::{Kind, Value};

/// Subnet capacity against demand: `usableAddresses`, `nodeDemand` (nodes plus
/// surge of every pool on it), `cniDemand` (with flat Azure CNI pools, one
/// address per pod too), and `pools` (pointers to the pools on it). Read by
/// subnet-too-small and azure-cni-subnet-capacity.
pub(crate) fn capacity(w: &mut ObjWriter, s: &SubnetEntry, clusters: &[ClusterRef]) {
    let prefixes = s
        .decl
        .and_then(|d| crate::model::facts::address_prefixes(&d.props));
    let at = prefixes.as_ref().and_then(|p| p.origin);
    if let Some(list) = prefixes.as_ref().and_then(Value::as_array) {
        let usable = match derive::usable_addresses(list) {
            Ok(Some(n)) => Value::int(n),
            Ok(None) => Value::null(),
            Err(r) => Value::unknown(r),
        };
        w.value("usableAddresses", &usable.with_origin(at));
    }
    let mut nodes: derive::Derived = Ok(0);
    let mut cni: derive::Derived = Ok(0);
    let mut any_flat = false;
    let mut pointers = Vec::new();
    // Each pool counts once: the same cluster id and pool name declared by
    // several sources (scenarios, a Bicep file and its compiled JSON, a module
    // deployed twice) is one pool, counted with its largest demand.
    let mut demand: Vec<(derive::Derived, derive::Derived)> = Vec::new();
    let mut by_identity: HashMap<(String, String), usize> = HashMap::new();
    for &(ci, pi) in &s.users {
        let Some(c) = clusters.get(ci) else { continue };
        let Some(p) = c.pools.get(pi) else { continue };
        let identity = match (c.facts.id.as_deref(), p.fact.name.as_str()) {
            (Some(cid), Some(name)) => Some((cid.to_string(), name.to_ascii_lowercase())),
            _ => None,
        };
        let slot = match identity.as_ref().and_then(|k| by_identity.get(k)) {
            Some(&i) => Some(i),
            None => {
                pointers.push(J::String(format!("/clusters/{ci}/pools/{pi}")));
                None
            }
        };
        let (with_surge, pool_cni, flat) = pool_demand(c, p);
        any_flat |= flat;
        match slot.and_then(|i| demand.get_mut(i)) {
            Some(d) => *d = (larger(&d.0, with_surge), larger(&d.1, pool_cni)),
            None => {
                if let Some(k) = identity {
                    by_identity.insert(k, demand.len());
                }
                demand.push((with_surge, pool_cni));
            }
        }
    }
    for (n, k) in demand {
        nodes = add(nodes, n);
        cni = add(cni, k);
    }
    w.value(
        "nodeDemand",
        &crate::model::effective::derived_value(&nodes, None),
    );
    if any_flat {
        w.value(
            "cniDemand",
            &crate::model::effective::derived_value(&cni, None),
        );
    }
    w.raw("pools", J::Array(pointers));
}

/// What one pool demands of its subnet: nodes (with upgrade surge), and
/// addresses for nodes and pods (one per pod too with flat Azure CNI: the
/// bool says whether it is). Read by subnet-too-small and
/// azure-cni-subnet-capacity.
pub(crate) fn pool_demand(c: &ClusterRef, p: &PoolRef) -> (derive::Derived, derive::Derived, bool) {
    let flat = derive::effective_plugin(c.facts).is_ok_and(|p| p.is("azure") && !p.overlay)
        && p.fact
            .props
            .get("podSubnetID")
            .is_none_or(|v| matches!(v.kind, Kind::Null) || v.as_str() == Some(""));
    let per_node = if flat {
        p.eff
            .max_pods
            .as_ref()
            .map(|(n, _)| n + 1)
            .map_err(Clone::clone)
    } else {
        Ok(1)
    };
    let with_surge = match (&p.eff.max_nodes, &p.eff.surge) {
        (Ok(n), Ok(sg)) => Ok(n.saturating_add(*sg)),
        (Err(r), _) | (_, Err(r)) => Err(r.clone()),
    };
    let cni = with_surge
        .clone()
        .and_then(|n| per_node.map(|k| n.saturating_mul(k)));
    (with_surge, cni, flat)
}

/// Addresses a node takes from its pod subnet at startup: one batch of 16
/// (Microsoft Learn, Azure CNI Pod Subnet - Dynamic IP Allocation, "Plan IP
/// addressing"), or maxPods when that is smaller. A lower bound: a node asks
/// for another batch as its pods use the first.
pub const POD_SUBNET_BATCH: i64 = 16;

/// A pod subnet's demand: `podDemand`, (nodes + surge) x the first batch of
/// every Azure CNI pool taking its pods' addresses from it, each pool once.
/// Read by pod-subnet-capacity.
pub(crate) fn pod_capacity(w: &mut ObjWriter, s: &SubnetEntry, clusters: &[ClusterRef]) {
    let mut demand: Vec<derive::Derived> = Vec::new();
    let mut by_identity: HashMap<(String, String), usize> = HashMap::new();
    for &(ci, pi) in &s.pod_users {
        let Some(c) = clusters.get(ci) else { continue };
        let Some(p) = c.pools.get(pi) else { continue };
        let d = pool_pod_demand(c, p);
        let identity = match (c.facts.id.as_deref(), p.fact.name.as_str()) {
            (Some(cid), Some(name)) => Some((cid.to_string(), name.to_ascii_lowercase())),
            _ => None,
        };
        match identity
            .as_ref()
            .and_then(|k| by_identity.get(k))
            .and_then(|&i| demand.get_mut(i))
        {
            Some(x) => *x = larger(x, d),
            None => {
                if let Some(k) = identity {
                    by_identity.insert(k, demand.len());
                }
                demand.push(d);
            }
        }
    }
    let total = demand.into_iter().fold(Ok(0), add);
    w.value(
        "podDemand",
        &crate::model::effective::derived_value(&total, None),
    );
}

/// What one pool takes from its pod subnet when all its nodes (and surge
/// nodes) start: unknown unless its cluster surely runs Azure CNI without
/// overlay, whose batches are documented.
fn pool_pod_demand(c: &ClusterRef, p: &PoolRef) -> derive::Derived {
    let plugin = derive::effective_plugin(c.facts)?;
    if !plugin.is("azure") || plugin.overlay {
        return Err("pod subnet batches are known only for Azure CNI".into());
    }
    let per_node = p
        .eff
        .max_pods
        .as_ref()
        .map(|(n, _)| (*n).clamp(0, POD_SUBNET_BATCH))
        .map_err(Clone::clone)?;
    let nodes = match (&p.eff.max_nodes, &p.eff.surge) {
        (Ok(n), Ok(sg)) => n.saturating_add(*sg),
        (Err(r), _) | (_, Err(r)) => return Err(r.clone()),
    };
    Ok(nodes.saturating_mul(per_node))
}

/// The larger of two demands; unknown when either is.
fn larger(a: &derive::Derived, b: derive::Derived) -> derive::Derived {
    match (a, b) {
        (Ok(x), Ok(y)) => Ok((*x).max(y)),
        (Err(r), _) => Err(r.clone()),
        (_, Err(r)) => Err(r),
    }
}

fn add(a: derive::Derived, b: derive::Derived) -> derive::Derived {
    match (a, b) {
        (Ok(x), Ok(y)) => Ok(x.saturating_add(y)),
        (Err(r), _) | (_, Err(r)) => Err(r),
    }
}
