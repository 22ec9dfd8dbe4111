//! The linked model before it becomes the world document: entities joined by
//! canonical id, with indices between them. Built by [`crate::model::link`],
//! read by the modules that derive relations (ranges, capacity, egress, NSGs).

use std::collections::HashMap;

use crate::model::effective::PoolEffective;
use crate::model::facts::{ClusterFact, PoolFact, SubnetFact};
use crate::resource_id::{ids_match, link_key};
use crate::value::Value;

/// Finds entities by canonical id, honouring placeholder matching.
#[derive(Default)]
pub(crate) struct IdIndex {
    buckets: HashMap<String, Vec<(String, usize)>>,
}

impl IdIndex {
    pub(crate) fn find(&self, id: &str) -> Option<usize> {
        self.buckets
            .get(&link_key(id))?
            .iter()
            .find(|(known, _)| ids_match(known, id))
            .map(|(_, i)| *i)
    }

    pub(crate) fn insert(&mut self, id: &str, idx: usize) {
        self.buckets
            .entry(link_key(id))
            .or_default()
            .push((id.to_string(), idx));
    }
}

pub(crate) struct PoolRef<'a> {
    pub fact: &'a PoolFact,
    /// Index of its subnet in the subnet list.
    pub subnet: Option<usize>,
    pub eff: PoolEffective,
}

pub(crate) struct ClusterRef<'a> {
    pub facts: &'a ClusterFact,
    pub pools: Vec<PoolRef<'a>>,
    /// `networkPlugin` in its canonical spelling (null when unset).
    pub plugin: Value,
}

#[derive(Default)]
pub(crate) struct SubnetEntry<'a> {
    pub id: String,
    /// The declaration used (the first that associates a route table, else the first).
    pub decl: Option<&'a SubnetFact>,
    /// Index into the route tables; `usize::MAX` when the table is not declared.
    pub route_table: Option<usize>,
    /// Index into the NSGs; `usize::MAX` when the NSG is not declared.
    pub nsg: Option<usize>,
    /// (cluster index, pool index) of every pool on the subnet, in world order.
    pub users: Vec<(usize, usize)>,
}
