//! The linked model before it becomes the world document: entities joined by
//! canonical id, references resolved to indices, and the inverse relations.
//! Built by [`crate::model::link`]; read by the world writer and the named
//! derivations (ranges, capacity, routing, NSGs, identity, network rights).

use std::collections::HashMap;

use crate::model::effective::PoolEffective;
use crate::model::facts::{
    ApplicationGatewayFact, ClusterFact, GatewayFact, IdentityFact, NsgFact, PoolFact,
    RoleAssignmentFact, RouteTableFact, SubnetFact, VnetFact, id_of,
};
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

    /// Every entity inserted under an id matching `id`, in insertion order.
    pub(crate) fn find_all<'s>(&'s self, id: &'s str) -> impl Iterator<Item = usize> + 's {
        self.buckets
            .get(&link_key(id))
            .into_iter()
            .flatten()
            .filter(move |(known, _)| ids_match(known, id))
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
    /// Index of its pod subnet (`podSubnetID`) in the subnet list, when that
    /// subnet has an entry (declared, or a node subnet).
    pub pod_subnet: Option<usize>,
    pub eff: PoolEffective,
}

pub(crate) struct ClusterRef<'a> {
    pub facts: &'a ClusterFact,
    pub pools: Vec<PoolRef<'a>>,
    /// AKS surely runs it with kubenet ([`crate::model::derive::surely_kubenet`]).
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
    /// (cluster index, pool index) of every pool whose pods take their
    /// addresses from it (`podSubnetID`), in world order. Not in `users`.
    pub pod_users: Vec<(usize, usize)>,
}

/// A resource with items declared inline or as child resources (a route
/// table's routes, an NSG's rules): the declaration and the child items.
pub(crate) type WithChildren<'a, F> = (&'a F, Vec<&'a Value>);

/// Every entity of the run, once, with its references resolved and the
/// relations in both directions. Indices are positions in the world's lists.
#[derive(Default)]
pub(crate) struct Linked<'a> {
    pub clusters: Vec<ClusterRef<'a>>,
    pub subnets: Vec<SubnetEntry<'a>>,
    pub route_tables: Vec<WithChildren<'a, RouteTableFact>>,
    pub nsgs: Vec<WithChildren<'a, NsgFact>>,
    /// VNets with their peerings (inline first, then child resources).
    pub vnets: Vec<WithChildren<'a, VnetFact>>,
    pub identities: Vec<&'a IdentityFact>,
    pub role_assignments: Vec<&'a RoleAssignmentFact>,
    /// Custom role definitions: the role's GUID and its actions.
    pub role_definitions: Vec<(Value, Vec<Value>)>,
    pub gateways: Vec<&'a GatewayFact>,
    pub rt_index: IdIndex,
    pub nsg_index: IdIndex,
    pub vnet_index: IdIndex,
    pub subnet_index: IdIndex,
    /// Per cluster: the key its id links by (ids that can name one resource share it).
    pub cluster_keys: Vec<Option<String>>,
    /// Per subnet: its VNet.
    pub subnet_vnet: Vec<Option<usize>>,
    /// Per subnet: the distinct clusters on it, each with its first pool there.
    pub subnet_clusters: Vec<Vec<(usize, usize)>>,
    /// Identity → the role assignments whose principal it is.
    pub identity_assignments: IdIndex,
    /// Per route table, NSG and VNet: its subnets, in subnet order.
    pub rt_subnets: Vec<Vec<usize>>,
    pub nsg_subnets: Vec<Vec<usize>>,
    pub vnet_subnets: Vec<Vec<usize>>,
    /// Application Gateways, merged by id.
    pub application_gateways: Vec<&'a ApplicationGatewayFact>,
    /// Per subnet: (gateway, its subnet reference) of each Application
    /// Gateway IP configuration in it.
    pub subnet_application_gateways: Vec<Vec<(usize, usize)>>,
    /// Per identity: the distinct clusters naming it among their
    /// user-assigned identities, each (cluster, position in that list).
    pub identity_clusters: Vec<Vec<(usize, usize)>>,
}

impl Linked<'_> {
    /// Whether two clusters are one resource: `None` when that cannot be told
    /// (an id is not known).
    pub(crate) fn same_cluster(&self, a: usize, b: usize) -> Option<bool> {
        if a == b {
            return Some(true);
        }
        let id = |i: usize| self.clusters.get(i).and_then(|c| c.facts.id.as_deref());
        match (id(a), id(b)) {
            (Some(x), Some(y)) => {
                Some(self.cluster_keys.get(a) == self.cluster_keys.get(b) && ids_match(x, y))
            }
            // Without both names known, two declarations cannot be told apart.
            _ => None,
        }
    }

    /// The role assignments whose principal is identity `id`, in order.
    pub(crate) fn assignments_of<'s>(&'s self, id: &'s str) -> impl Iterator<Item = usize> + 's {
        self.identity_assignments.find_all(id)
    }

    /// The distinct clusters on a subnet (with their first pool there).
    pub(crate) fn clusters_on(&self, si: usize) -> &[(usize, usize)] {
        self.subnet_clusters.get(si).map_or(&[], Vec::as_slice)
    }

    /// The distinct clusters on a subnet that surely run kubenet.
    pub(crate) fn kubenet_clusters_on(&self, si: usize) -> Vec<usize> {
        self.clusters_on(si)
            .iter()
            .map(|&(c, _)| c)
            .filter(|&c| self.clusters.get(c).is_some_and(|c| c.kubenet))
            .collect()
    }

    pub(crate) fn cluster_id(&self, ci: usize) -> Option<&str> {
        self.clusters.get(ci).and_then(|c| c.facts.id.as_deref())
    }

    /// The cluster's name (its last segment), `(unknown)` when not known.
    pub(crate) fn cluster_name(&self, ci: usize) -> String {
        self.clusters
            .get(ci)
            .and_then(|c| c.facts.name.as_str())
            .map(|n| last_name(n).to_string())
            .unwrap_or_else(|| "(unknown)".into())
    }

    /// A subnet's route table id: as declared, or as referenced when not declared.
    pub(crate) fn route_table_id(&self, s: &SubnetEntry) -> Option<String> {
        let r = s.route_table?;
        if let Some((rt, _)) = self.route_tables.get(r)
            && let Some(id) = &rt.id
        {
            return Some(id.clone());
        }
        s.decl
            .and_then(|d| id_of(d.props.get_path(&["routeTable", "id"])))
    }
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
