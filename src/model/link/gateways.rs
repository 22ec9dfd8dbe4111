//! `/clusters/{ci}/connectedGateways`: the gateways that connect a cluster's
//! network to on-premises (read by on-premises-overlap-risk).

use std::collections::{BTreeSet, HashMap};

use crate::model::facts::{GatewayFact, id_of};
use crate::model::linked::{ClusterRef, Linked};
use crate::resource_id::{ids_match, link_key};
use crate::source::FileId;

/// Gateways by what connects them to a cluster — the VNet they sit in (by
/// link key), or, for local network gateways and circuits, the file.
pub(super) struct GatewayIndex {
    by_vnet: HashMap<String, Vec<(String, usize)>>,
    by_file: HashMap<FileId, Vec<usize>>,
}

impl GatewayIndex {
    pub(super) fn new(gateways: &[&GatewayFact]) -> GatewayIndex {
        let mut index = GatewayIndex {
            by_vnet: HashMap::new(),
            by_file: HashMap::new(),
        };
        for (gi, g) in gateways.iter().enumerate() {
            match &g.vnet_id {
                Some(v) => index
                    .by_vnet
                    .entry(link_key(v))
                    .or_default()
                    .push((v.clone(), gi)),
                None => index.by_file.entry(g.origin.file).or_default().push(gi),
            }
        }
        index
    }

    /// The gateways connecting a cluster's network to on-premises, in order:
    /// in its VNet or a VNet peered with it, or in the cluster's own template.
    pub(super) fn connected(&self, linked: &Linked, c: &ClusterRef) -> BTreeSet<usize> {
        let mut networks: Vec<String> = Vec::new();
        for p in &c.pools {
            let Some(vi) = p
                .subnet
                .and_then(|si| linked.subnet_vnet.get(si).copied().flatten())
            else {
                continue;
            };
            let Some((v, peerings)) = linked.vnets.get(vi) else {
                continue;
            };
            networks.extend(v.id.clone());
            networks.extend(
                peerings.iter().filter_map(|p| {
                    id_of(p.get_path(&["properties", "remoteVirtualNetwork", "id"]))
                }),
            );
        }
        let mut out: BTreeSet<usize> = self
            .by_file
            .get(&c.facts.origin.file)
            .into_iter()
            .flatten()
            .copied()
            .collect();
        for n in &networks {
            let bucket = self.by_vnet.get(&link_key(n));
            out.extend(
                bucket
                    .into_iter()
                    .flatten()
                    .filter(|(v, _)| ids_match(n, v))
                    .map(|&(_, gi)| gi),
            );
        }
        out
    }
}
