//! `sharedRouteTable` (shared-route-table): a route table serving the
//! subnets of more than one kubenet cluster.

use std::collections::{HashMap, HashSet};

use serde_json::{Value as J, json};

use crate::model::linked::{Linked, SubnetEntry};

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
