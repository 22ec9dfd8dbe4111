//! Which deployed resources a run needs: those the templates reach through
//! resource ids, a few links away (a template's pool names a subnet; the
//! subnet its VNet, route table and NSG; those the other subnets and
//! clusters that share them, the peered VNets, the role assignments on
//! them). Findings between deployed resources only are not reported, so the
//! rest of a subscription's export would only cost time and memory.

use std::collections::HashSet;
use std::sync::Arc;

use crate::model::facts::Facts;
use crate::resource_id::{canonical, link_key};
use crate::value::{Kind, Value};

/// Links followed from the templates: template → subnet → route table →
/// the other subnets on it → their clusters (the longest chain a rule reads).
const HOPS: usize = 4;

/// Keys (see [`link_key`]) of the resource ids in a value, wherever they are
/// written: plain, in an id, or inside a placeholder (`{principalId of /subscriptions/…}`).
fn keys_in(v: &Value, out: &mut Vec<String>) {
    match &v.kind {
        Kind::Str(s) => keys_in_str(s, out),
        Kind::Array(items) => items.iter().for_each(|i| keys_in(i, out)),
        Kind::Object(o) => o.iter().for_each(|(k, i)| {
            keys_in_str(k, out);
            keys_in(i, out);
        }),
        _ => {}
    }
}

fn keys_in_str(s: &str, out: &mut Vec<String>) {
    let lower = s.to_ascii_lowercase();
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("/subscriptions/") {
        let tail = rest.get(at..).unwrap_or("");
        let end = tail
            .find(['}', '\'', '"', ',', ')', ' '])
            .unwrap_or(tail.len());
        let id = tail.get(..end).unwrap_or("");
        push_key(id, out);
        rest = tail.get(end.max(1)..).unwrap_or("");
    }
}

/// The id's key and its parents' (a subnet names its VNet).
fn push_key(id: &str, out: &mut Vec<String>) {
    let id = canonical(id.trim_end_matches('/'));
    if id.split('/').count() > 5 {
        out.push(link_key(&id));
    }
    if let Some(parent) = crate::resource_id::parent(&id)
        && parent.contains("/providers/")
    {
        out.push(link_key(parent));
    }
}

fn id_keys(id: Option<&str>, out: &mut Vec<String>) {
    if let Some(id) = id {
        push_key(id, out);
    }
}

/// Per kind, each entity's keys: its id and every id it names.
fn entity_keys(f: &Facts) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    let mut one = |fill: &dyn Fn(&mut Vec<String>)| {
        let mut keys = Vec::new();
        fill(&mut keys);
        all.push(keys);
    };
    for c in &f.clusters {
        one(&|k| {
            id_keys(c.id.as_deref(), k);
            c.pools.iter().for_each(|p| keys_in(&p.props, k));
            c.identity.iter().for_each(|v| keys_in(v, k));
            c.network.iter().for_each(|v| keys_in(v, k));
        });
    }
    for s in &f.subnets {
        one(&|k| {
            id_keys(s.id.as_deref(), k);
            id_keys(s.vnet_id.as_deref(), k);
            keys_in(&s.props, k);
        });
    }
    for v in &f.vnets {
        one(&|k| {
            id_keys(v.id.as_deref(), k);
            v.peerings.iter().for_each(|p| keys_in(p, k));
        });
    }
    for r in &f.route_tables {
        one(&|k| id_keys(r.id.as_deref(), k));
    }
    for n in &f.nsgs {
        one(&|k| id_keys(n.id.as_deref(), k));
    }
    for i in &f.identities {
        one(&|k| id_keys(i.id.as_deref(), k));
    }
    for r in &f.role_assignments {
        one(&|k| {
            id_keys(r.id.as_deref(), k);
            keys_in(&r.scope, k);
            keys_in(&r.principal_id, k);
        });
    }
    for g in &f.gateways {
        one(&|k| {
            id_keys(g.id.as_deref(), k);
            id_keys(g.vnet_id.as_deref(), k);
        });
    }
    for g in &f.application_gateways {
        one(&|k| {
            id_keys(g.id.as_deref(), k);
            g.subnets.iter().for_each(|s| keys_in(s, k));
        });
    }
    all
}

/// The deployed facts the templates reach within `HOPS` links.
pub fn reached(deployed: Vec<Facts>, templates: &[Arc<Facts>]) -> Vec<Facts> {
    let mut known: HashSet<String> = HashSet::new();
    for f in templates {
        known.extend(entity_keys(f).into_iter().flatten());
    }
    let keys: Vec<Vec<Vec<String>>> = deployed.iter().map(entity_keys).collect();
    let mut keep: Vec<Vec<bool>> = keys.iter().map(|k| vec![false; k.len()]).collect();
    for _ in 0..HOPS {
        let mut added = Vec::new();
        for (fk, fkeep) in keys.iter().zip(keep.iter_mut()) {
            for (ek, kept) in fk.iter().zip(fkeep.iter_mut()) {
                if !*kept && ek.iter().any(|k| known.contains(k)) {
                    *kept = true;
                    added.extend(ek.iter().cloned());
                }
            }
        }
        if added.is_empty() {
            break;
        }
        known.extend(added);
    }
    deployed
        .into_iter()
        .zip(keep)
        .map(|(f, k)| retain_entities(f, &k))
        .collect()
}

/// The facts with only the entities `keep` marks, in [`entity_keys`]' order.
fn retain_entities(mut f: Facts, keep: &[bool]) -> Facts {
    let mut flags = keep.iter().copied();
    let mut next = || flags.next().unwrap_or(false);
    f.clusters.retain(|_| next());
    f.subnets.retain(|_| next());
    f.vnets.retain(|_| next());
    f.route_tables.retain(|_| next());
    f.nsgs.retain(|_| next());
    f.identities.retain(|_| next());
    f.role_assignments.retain(|_| next());
    f.gateways.retain(|_| next());
    f.application_gateways.retain(|_| next());
    f
}
