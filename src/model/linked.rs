//! The linked model before it becomes the world document: entities joined by
//! canonical id, with indices between them. Built by [`crate::model::link`],
//! read by the modules that derive relations (ranges, capacity, egress, NSGs).

use std::collections::HashMap;

use crate::model::effective::PoolEffective;
use crate::model::facts::{ClusterFact, PoolFact, SubnetFact};
use crate::resource_id::{ids_match, last_name, link_key};
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
    /// AKS surely runs it with kubenet (not AKS Automatic, which is overlay).
    pub kubenet: bool,
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
    /// The id as the first pool that refers to it writes it (`id` is canonical).
    pub written: Option<String>,
}

/// The last segment of an id as written (`…/subnets/AksSubnet/` → `AksSubnet`).
pub(crate) fn written_last(id: &str) -> &str {
    last_name(id.trim().trim_end_matches('/'))
}

impl SubnetEntry<'_> {
    /// The subnet's name as the templates write it: its declaration's, else
    /// the first reference's; the canonical id only when neither is a string.
    pub(crate) fn name(&self) -> String {
        self.decl
            .and_then(|d| d.name.as_str())
            .or(self.written.as_deref().map(written_last))
            .unwrap_or_else(|| last_name(&self.id))
            .to_string()
    }

    /// The name of the associated route table, as the association writes it.
    pub(crate) fn route_table_name(&self) -> Option<String> {
        let d = self.decl?;
        let id = d.props.get_path(&["routeTable", "id"])?.as_str()?;
        Some(written_last(id).to_string())
    }
}
