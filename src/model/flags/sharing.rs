//! `sharedSubnet` (kubenet-shared-subnet) and `sharedRouteTable`
//! (shared-route-table): a subnet or route table used by more than one cluster.

use std::collections::{HashMap, HashSet};

use serde_json::{Value as J, json};

use crate::model::linked::{Linked, SubnetEntry, written_last};
use crate::model::world::object;
use crate::value::Value;

/// How many clusters a finding names before "… and N more".
const MAX_NAMED: usize = 10;

/// Pool → the first other cluster on its subnet, for every pool of a later
/// cluster on a subnet several clusters use.
pub(super) fn shared_subnets(linked: &Linked) -> HashMap<(usize, usize), J> {
    let mut out = HashMap::new();
    for (si, s) in linked.subnets.iter().enumerate() {
        let users = linked.clusters_on(si);
        if users.len() < 2 {
            continue;
        }
        let any_kubenet = users
            .iter()
            .any(|&(ci, _)| linked.clusters.get(ci).is_some_and(|c| c.kubenet));
        let Some(&(c0, p0)) = users.first() else {
            continue;
        };
        let first_name = linked.cluster_name(c0);
        // Named once per subnet, and at most a few: a finding that names many
        // others says how many more (linear in clusters, whatever the input).
        let mut named: Vec<J> = users
            .iter()
            .take(MAX_NAMED)
            .map(|&(c, _)| J::String(linked.cluster_name(c)))
            .collect();
        if users.len() > MAX_NAMED {
            named.push(J::String(format!("… and {} more", users.len() - MAX_NAMED)));
        }
        let named = J::Array(named);
        for &(ci, pi) in users.iter().skip(1) {
            // Named as this pool writes it, where the finding points.
            let written = linked
                .clusters
                .get(ci)
                .and_then(|c| c.pools.get(pi))
                .and_then(|p| p.fact.props.get("vnetSubnetID"))
                .and_then(Value::as_str)
                .map_or_else(|| s.name(), |id| written_last(id).to_string());
            out.insert(
                (ci, pi),
                object([
                    ("subnet", J::String(written)),
                    ("firstCluster", J::String(first_name.clone())),
                    (
                        "firstUse",
                        J::String(format!("/clusters/{c0}/pools/{p0}/subnet")),
                    ),
                    ("anyKubenet", J::Bool(any_kubenet)),
                    ("clusters", named.clone()),
                ]),
            );
        }
    }
    out
}

/// Subnet → the earlier subnet whose kubenet cluster shares its route table.
pub(super) fn shared_route_tables(linked: &Linked) -> HashMap<usize, J> {
    let mut out = HashMap::new();
    for (rt, sis) in linked.rt_subnets.iter().enumerate() {
        let mut earlier: Vec<(usize, usize)> = Vec::new(); // (subnet, cluster)
        let mut earlier_ids: HashSet<&str> = HashSet::new();
        for &si in sis {
            let mine = linked.kubenet_clusters_on(si);
            let clash = mine.iter().find_map(|&c| {
                earlier
                    .iter()
                    .find(|&&(_, d)| linked.same_cluster(c, d) == Some(false))
                    .map(|&(s0, d)| (c, s0, d))
            });
            if let Some((c, s0, d)) = clash {
                let rt_name = linked
                    .route_tables
                    .get(rt)
                    .and_then(|r| r.0.name.as_str().map(str::to_string))
                    .unwrap_or_default();
                out.insert(
                    si,
                    json!({
                        "routeTable": rt_name,
                        "cluster": linked.cluster_name(c),
                        "firstCluster": linked.cluster_name(d),
                        "firstSubnet": linked.subnets.get(s0).map(SubnetEntry::name),
                        "firstUse": format!("/subnets/{s0}/routeTable"),
                    }),
                );
            }
            // Each cluster once, at its first subnet, and only with a known id
            // (an unknown one is never surely another cluster): the scan
            // above stays short however many subnets share the table.
            earlier.extend(
                mine.into_iter()
                    .filter(|&c| {
                        linked
                            .cluster_id(c)
                            .is_some_and(|id| earlier_ids.insert(id))
                    })
                    .map(|c| (si, c)),
            );
        }
    }
    out
}
