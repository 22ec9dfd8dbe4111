//! Subnet capacity against what its node pools can demand.

use serde_json::Value as J;

use crate::model::derive;
use crate::model::linked::{ClusterRef, SubnetEntry};
use crate::model::world::ObjWriter;
use crate::value::{Kind, Value};

/// Subnet capacity against demand: `usableAddresses`, `nodeDemand` (nodes plus
/// surge of every pool on it), `cniDemand` (with flat Azure CNI pools, one
/// address per pod too), and `pools` (pointers to the pools on it).
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
    for &(ci, pi) in &s.users {
        let Some(c) = clusters.get(ci) else { continue };
        let Some(p) = c.pools.get(pi) else { continue };
        pointers.push(J::String(format!("/clusters/{ci}/pools/{pi}")));
        let flat = derive::effective_plugin(c.facts.network.as_ref(), c.facts.sku.as_ref())
            .is_ok_and(|(p, overlay)| p.as_deref() == Some("azure") && !overlay)
            && p.fact
                .props
                .get("podSubnetID")
                .is_none_or(|v| matches!(v.kind, Kind::Null) || v.as_str() == Some(""));
        any_flat |= flat;
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
        nodes = add(nodes, with_surge.clone());
        cni = add(
            cni,
            with_surge.and_then(|n| per_node.map(|k| n.saturating_mul(k))),
        );
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

fn add(a: derive::Derived, b: derive::Derived) -> derive::Derived {
    match (a, b) {
        (Ok(x), Ok(y)) => Ok(x.saturating_add(y)),
        (Err(r), _) | (_, Err(r)) => Err(r),
    }
}
