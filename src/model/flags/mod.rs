//! Rule flags: values computed in Rust for one rule each and added to the
//! world after linking, at the place in each object where the rules (and
//! `tendon world` readers) find them. Each is to be replaced by a rule that
//! states its own condition on the generic relations and the named
//! derivations (issue 12, item 3); delete a flag here when its rule no
//! longer reads it.
//!
//! | flag | on | read by |
//! |---|---|---|
//! | `udrEgress` | pool | udr-default-route |
//! | `byoRouteTable` | cluster | byo-route-table-identity, missing-network-role |
//! | `mixedRouteTables` | cluster | mixed-route-tables |
//! | `networkRole`, `missingNetworkRole`, `networkRoleGap` | cluster | missing-network-role |
//! | `roleAssignmentOrder` | cluster | role-assignment-order |
//! | `routeTableOrder` | cluster | route-table-association-order |
//! | `onPremisesGateways`, `firstGateway` | cluster | on-premises-overlap-risk |
//! | `sharedRouteTable` | subnet | shared-route-table |
//! | `nsgBlocks` | subnet | nsg-blocks-pod-traffic |

mod gateways;
mod network_role;
mod nsg_blocks;
mod route_tables;
mod sharing;

use std::collections::HashMap;

use serde_json::{Map, Value as J};

use crate::model::identity;
use crate::model::linked::Linked;
use nsg_blocks::nsg_blocks;

/// Where a flag goes in its object: before or after a field, or last.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Before(&'static str),
    After(&'static str),
    End,
}

type Fields = Vec<(Place, &'static str, J)>;

/// Adds every rule flag to the world document of `linked`.
pub(crate) fn apply(linked: &Linked, doc: &mut J) {
    let mut shared_rt = sharing::shared_route_tables(linked);
    let roles = network_role::Roles::new(identity::assignments(
        &linked.role_assignments,
        &linked.role_definitions,
    ));
    let gateways = gateways::GatewayIndex::new(&linked.gateways);
    for (ci, c) in linked.clusters.iter().enumerate() {
        let cluster = doc.pointer_mut(&format!("/clusters/{ci}"));
        place(cluster, cluster_flags(linked, ci, &roles, &gateways));
        for (pi, p) in c.pools.iter().enumerate() {
            let mut fields = Fields::new();
            // Egress problems are reported once per cluster and subnet.
            let first_on_subnet = c.pools.iter().position(|q| q.subnet == p.subnet) == Some(pi);
            if first_on_subnet
                && let Some(si) = p.subnet
                && let Some(s) = linked.subnets.get(si)
                && let Some(egress) = route_tables::udr_egress(si, s, &linked.route_tables)
            {
                fields.push((Place::End, "udrEgress", egress));
            }
            place(
                doc.pointer_mut(&format!("/clusters/{ci}/pools/{pi}")),
                fields,
            );
        }
    }
    for (si, s) in linked.subnets.iter().enumerate() {
        let mut fields = Fields::new();
        if let Some(share) = shared_rt.remove(&si) {
            fields.push((Place::After("kubenetClusters"), "sharedRouteTable", share));
        }
        let vnet = linked.subnet_vnet.get(si).copied().flatten();
        let vnet = vnet.and_then(|vi| linked.vnets.get(vi));
        let blocks = nsg_blocks(
            s,
            &linked.clusters,
            &linked.nsgs,
            &linked.route_tables,
            vnet,
        );
        if !blocks.is_empty() {
            fields.push((Place::End, "nsgBlocks", J::Array(blocks)));
        }
        place(doc.pointer_mut(&format!("/subnets/{si}")), fields);
    }
}

/// The flags of cluster `ci`.
fn cluster_flags(
    linked: &Linked,
    ci: usize,
    roles: &network_role::Roles,
    gateways: &gateways::GatewayIndex,
) -> Fields {
    let mut fields = Fields::new();
    let Some(c) = linked.clusters.get(ci) else {
        return fields;
    };
    let after_identity = Place::After("controlPlaneIdentity");
    if let Some(byo) = route_tables::byo_route_table(c, &linked.subnets) {
        fields.push((after_identity, "byoRouteTable", byo));
    }
    if let Some(mixed) = route_tables::mixed_route_tables(c, &linked.subnets) {
        fields.push((after_identity, "mixedRouteTables", mixed));
    }
    let depends_at = if c.facts.depends_on.is_empty() {
        format!("/clusters/{ci}")
    } else {
        format!("/clusters/{ci}/dependsOn")
    };
    let before_subnets = Place::Before("subnets");
    for (key, value) in network_role::network_role(linked, c, roles, &depends_at) {
        fields.push((before_subnets, key, value));
    }
    if let Some(order) = network_role::route_table_order(c, &linked.subnets, &depends_at) {
        fields.push((before_subnets, "routeTableOrder", order));
    }
    let connected = gateways.connected(linked, c);
    fields.push((Place::End, "onPremisesGateways", J::from(connected.len())));
    if let Some(first) = connected.first() {
        fields.push((
            Place::End,
            "firstGateway",
            J::from(format!("/gateways/{first}")),
        ));
    }
    fields
}

/// Adds `fields` to an object in one pass, rebuilt at its exact size.
fn place(obj: Option<&mut J>, fields: Fields) {
    let Some(J::Object(map)) = obj else { return };
    if fields.is_empty() {
        return;
    }
    let old = std::mem::take(map);
    let mut new = Map::with_capacity(old.len() + fields.len());
    let mut before: HashMap<&str, Vec<(&str, J)>> = HashMap::new();
    let mut after: HashMap<&str, Vec<(&str, J)>> = HashMap::new();
    let mut end = Vec::new();
    for (p, k, v) in fields {
        match p {
            Place::Before(a) if old.contains_key(a) => before.entry(a).or_default().push((k, v)),
            Place::After(a) if old.contains_key(a) => after.entry(a).or_default().push((k, v)),
            // A field whose anchor is missing goes last.
            _ => end.push((k, v)),
        }
    }
    let extend = |new: &mut Map<String, J>, list: Option<Vec<(&str, J)>>| {
        for (k, v) in list.into_iter().flatten() {
            new.insert(k.to_string(), v);
        }
    };
    for (k, v) in old {
        extend(&mut new, before.remove(k.as_str()));
        let later = after.remove(k.as_str());
        new.insert(k, v);
        extend(&mut new, later);
    }
    extend(&mut new, Some(end));
    *map = new;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_go_before_or_after_their_anchor_else_last() {
        let mut obj = serde_json::json!({"a": 1, "b": 2, "c": 3});
        let fields = vec![
            (Place::End, "z", J::from(9)),
            (Place::After("a"), "a2", J::from(1)),
            (Place::Before("c"), "b2", J::from(2)),
            (Place::Before("c"), "b3", J::from(2)),
            (Place::After("missing"), "m", J::from(0)),
        ];
        place(Some(&mut obj), fields);
        let keys: Vec<&str> = obj
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(keys, ["a", "a2", "b", "b2", "b3", "c", "z", "m"]);
    }
}
