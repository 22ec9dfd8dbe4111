//! Linking, step 1: one entry per resource, however many sources declare it
//! (a Bicep file and its compiled JSON, a module deployed twice, scenarios),
//! merged by canonical id (Application Gateways too); child resources (pools,
//! routes, security rules, peerings) attached to their parent.

use std::sync::Arc;

use crate::model::derive;
use crate::model::effective;
use crate::model::facts::{ChildFact, Facts, id_of};
use crate::model::linked::{ClusterRef, IdIndex, Linked, PoolRef, SubnetEntry, WithChildren};

/// Every declaration of the run merged by id; references not yet resolved.
pub(super) fn merge(all: &[Arc<Facts>]) -> Linked<'_> {
    let mut linked = Linked {
        clusters: clusters(all),
        identities: all.iter().flat_map(|f| f.identities.iter()).collect(),
        role_assignments: all.iter().flat_map(|f| f.role_assignments.iter()).collect(),
        role_definitions: all
            .iter()
            .flat_map(|f| f.role_definitions.iter().cloned())
            .collect(),
        gateways: all.iter().flat_map(|f| f.gateways.iter()).collect(),
        ..Linked::default()
    };
    let (route_tables, rt_index) = by_id(
        all.iter().flat_map(|f| f.route_tables.iter()),
        |rt| rt.id.as_deref(),
        |_| Vec::new(),
    );
    linked.route_tables = route_tables;
    attach(&mut linked.route_tables, &rt_index, all, |f| {
        &f.child_routes
    });
    linked.rt_index = rt_index;
    let (nsgs, nsg_index) = by_id(
        all.iter().flat_map(|f| f.nsgs.iter()),
        |n| n.id.as_deref(),
        |_| Vec::new(),
    );
    linked.nsgs = nsgs;
    attach(&mut linked.nsgs, &nsg_index, all, |f| &f.child_rules);
    linked.nsg_index = nsg_index;
    let (vnets, vnet_index) = by_id(
        all.iter().flat_map(|f| f.vnets.iter()),
        |v| v.id.as_deref(),
        |v| v.peerings.iter().collect(),
    );
    linked.vnets = vnets;
    attach(&mut linked.vnets, &vnet_index, all, |f| &f.child_peerings);
    linked.vnet_index = vnet_index;
    declared_subnets(all, &mut linked);
    let (application_gateways, _) = by_id(
        all.iter().flat_map(|f| f.application_gateways.iter()),
        |g| g.id.as_deref(),
        |_| Vec::new(),
    );
    linked.application_gateways = application_gateways.into_iter().map(|(g, _)| g).collect();
    linked
}

/// Clusters in order, each with its inline pools, then the pools declared
/// as their own resources attached to their cluster. Two derivations every
/// later step reads are computed once here, by their own modules: a pool's
/// effective settings and whether its cluster surely runs kubenet.
fn clusters(all: &[Arc<Facts>]) -> Vec<ClusterRef<'_>> {
    let mut clusters: Vec<ClusterRef> = Vec::new();
    let mut index = IdIndex::default();
    for c in all.iter().flat_map(|f| f.clusters.iter()) {
        if let Some(id) = &c.id
            && index.find(id).is_none()
        {
            index.insert(id, clusters.len());
        }
        let pools = c
            .pools
            .iter()
            .map(|p| PoolRef {
                fact: p,
                subnet: None,
                pod_subnet: None,
                eff: effective::pool_effective(c, p),
            })
            .collect();
        clusters.push(ClusterRef {
            facts: c,
            pools,
            kubenet: derive::surely_kubenet(c),
        });
    }
    for cp in all.iter().flat_map(|f| f.child_pools.iter()) {
        let Some(c) = cp
            .cluster_id
            .as_deref()
            .and_then(|id| index.find(id))
            .and_then(|i| clusters.get_mut(i))
        else {
            continue;
        };
        // One pool, reached twice (a profile and its agentPools resource,
        // a module deployed twice, a Bicep file and its compiled JSON).
        let name = cp.pool.name.as_str();
        let known = |n: &str| {
            c.pools.iter().any(|p| {
                p.fact
                    .name
                    .as_str()
                    .is_some_and(|m| m.eq_ignore_ascii_case(n))
            })
        };
        if name.is_some_and(known) {
            continue;
        }
        let eff = effective::pool_effective(c.facts, &cp.pool);
        c.pools.push(PoolRef {
            fact: &cp.pool,
            subnet: None,
            pod_subnet: None,
            eff,
        });
    }
    clusters
}

/// Declarations merged by id (the first one stands for the resource); those
/// without a known id each stay on their own. `items` gives the inline items.
fn by_id<'a, F: 'a>(
    decls: impl Iterator<Item = &'a F>,
    id: impl Fn(&F) -> Option<&str>,
    items: impl Fn(&'a F) -> Vec<&'a crate::value::Value>,
) -> (Vec<WithChildren<'a, F>>, IdIndex) {
    let mut index = IdIndex::default();
    let mut out = Vec::new();
    for d in decls {
        if let Some(id) = id(d) {
            if index.find(id).is_some() {
                continue;
            }
            index.insert(id, out.len());
        }
        out.push((d, items(d)));
    }
    (out, index)
}

/// Child resources (routes, security rules, peerings) added to their parent's items.
fn attach<'a, F>(
    parents: &mut [WithChildren<'a, F>],
    index: &IdIndex,
    all: &'a [Arc<Facts>],
    children: impl Fn(&'a Facts) -> &'a Vec<ChildFact>,
) {
    for child in all.iter().flat_map(|f| children(f)) {
        if let Some(i) = child.parent_id.as_deref().and_then(|id| index.find(id))
            && let Some(parent) = parents.get_mut(i)
        {
            parent.1.push(&child.item);
        }
    }
}

/// Declared subnets merged by id: the first declaration that associates a
/// route table stands for the subnet, else the first.
fn declared_subnets<'a>(all: &'a [Arc<Facts>], linked: &mut Linked<'a>) {
    let has_rt = |s: &crate::model::facts::SubnetFact| {
        id_of(s.props.get_path(&["routeTable", "id"])).is_some()
    };
    for s in all.iter().flat_map(|f| f.subnets.iter()) {
        let Some(id) = s.id.as_deref() else { continue };
        let idx = match linked.subnet_index.find(id) {
            Some(i) => i,
            None => {
                linked.subnet_index.insert(id, linked.subnets.len());
                linked.subnets.push(SubnetEntry {
                    id: id.to_string(),
                    ..SubnetEntry::default()
                });
                linked.subnets.len() - 1
            }
        };
        let Some(entry) = linked.subnets.get_mut(idx) else {
            continue;
        };
        if entry.decl.is_none() || (has_rt(s) && !entry.decl.is_some_and(has_rt)) {
            entry.decl = Some(s);
        }
    }
}
