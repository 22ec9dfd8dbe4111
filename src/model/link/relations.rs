//! Linking, step 3: the inverse relations — subnet → the distinct clusters
//! on it, route table / NSG / VNet → their subnets, identity → the role
//! assignments whose principal it is and the clusters that use it.

use std::collections::HashMap;

use crate::model::identity::cluster_identities;
use crate::model::linked::{IdIndex, Linked};

pub(super) fn relate(linked: &mut Linked) {
    linked.cluster_keys = linked
        .clusters
        .iter()
        .map(|c| c.facts.id.as_deref().map(crate::resource_id::link_key))
        .collect();
    linked.subnet_clusters = (0..linked.subnets.len())
        .map(|si| distinct_clusters(linked, si))
        .collect();
    let mut rt_subnets = vec![Vec::new(); linked.route_tables.len()];
    let mut nsg_subnets = vec![Vec::new(); linked.nsgs.len()];
    let mut vnet_subnets = vec![Vec::new(); linked.vnets.len()];
    for (si, s) in linked.subnets.iter().enumerate() {
        if let Some(list) = s.route_table.and_then(|r| rt_subnets.get_mut(r)) {
            list.push(si);
        }
        if let Some(list) = s.nsg.and_then(|n| nsg_subnets.get_mut(n)) {
            list.push(si);
        }
        let vnet = linked.subnet_vnet.get(si).copied().flatten();
        if let Some(list) = vnet.and_then(|v| vnet_subnets.get_mut(v)) {
            list.push(si);
        }
    }
    for (k, ra) in linked.role_assignments.iter().enumerate() {
        // `reference(identity).principalId`, as the evaluator stands it in.
        if let Ok(Some(identity)) = crate::model::identity::principal_identity(&ra.principal_id) {
            linked.identity_assignments.insert(&identity, k);
        }
    }
    linked.rt_subnets = rt_subnets;
    linked.nsg_subnets = nsg_subnets;
    linked.vnet_subnets = vnet_subnets;
    linked.identity_clusters = identity_clusters(linked);
}

/// Per identity: the distinct clusters naming it among their user-assigned
/// identities, each with the first place it is named there.
fn identity_clusters(linked: &Linked) -> Vec<Vec<(usize, usize)>> {
    let mut index = IdIndex::default();
    for (i, idn) in linked.identities.iter().enumerate() {
        if let Some(id) = idn.id.as_deref() {
            index.insert(id, i);
        }
    }
    let mut uses = vec![Vec::new(); linked.identities.len()];
    for (ci, c) in linked.clusters.iter().enumerate() {
        for (k, id) in cluster_identities(c.facts).iter().enumerate() {
            for i in index.find_all(id) {
                if let Some(list) = uses.get_mut(i) {
                    list.push((ci, k));
                }
            }
        }
    }
    uses.iter().map(|u| distinct(linked, u)).collect()
}

/// Distinct clusters on a subnet, in order, each with its first pool there.
fn distinct_clusters(linked: &Linked, si: usize) -> Vec<(usize, usize)> {
    linked
        .subnets
        .get(si)
        .map(|s| distinct(linked, &s.users))
        .unwrap_or_default()
}

/// The distinct clusters among (cluster, what of it) uses, in order, each
/// with its first use. A use whose cluster may be one already listed is not
/// a new user: only clusters with the same link key can be the same, and a
/// cluster whose id is unknown cannot be told apart from any other.
fn distinct(linked: &Linked, uses: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut listed: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut unknown_listed = false;
    for &(ci, pi) in uses {
        match linked.cluster_keys.get(ci).and_then(Option::as_deref) {
            None => {
                if out.is_empty() {
                    out.push((ci, pi));
                    unknown_listed = true;
                }
            }
            Some(_) if unknown_listed => {}
            Some(k) => {
                let same_key = listed.entry(k).or_default();
                if same_key
                    .iter()
                    .all(|&cj| linked.same_cluster(ci, cj) == Some(false))
                {
                    same_key.push(ci);
                    out.push((ci, pi));
                }
            }
        }
    }
    out
}
