//! Linking, step 2: every reference field resolved to the entity it names —
//! a pool's `vnetSubnetID` to its subnet (a subnet only referenced gets an
//! entry too), its `podSubnetID` to its pod subnet when that has an entry, a
//! subnet's `routeTable.id` and `networkSecurityGroup.id` to
//! the declared table and NSG, a subnet to its VNet, an Application
//! Gateway's IP configurations to their subnets.

use crate::model::facts::id_of;
use crate::model::linked::{Linked, SubnetEntry};
use crate::value::Value;

pub(super) fn resolve(linked: &mut Linked) {
    pool_subnets(linked);
    pod_subnets(linked);
    subnet_references(linked);
    application_gateway_subnets(linked);
}

/// Each Application Gateway IP configuration's subnet, listed on the subnet
/// when it has an entry (declared, or used by a pool).
fn application_gateway_subnets(linked: &mut Linked) {
    let mut per_subnet = vec![Vec::new(); linked.subnets.len()];
    for (gi, g) in linked.application_gateways.iter().enumerate() {
        for (k, subnet) in g.subnets.iter().enumerate() {
            if let Some(list) = id_of(Some(subnet))
                .and_then(|id| linked.subnet_index.find(&id))
                .and_then(|si| per_subnet.get_mut(si))
            {
                list.push((gi, k));
            }
        }
    }
    linked.subnet_application_gateways = per_subnet;
}

/// Each pool's subnet; the subnet lists its pools (users) in world order.
fn pool_subnets(linked: &mut Linked) {
    let Linked {
        clusters,
        subnets,
        subnet_index,
        ..
    } = linked;
    for (ci, c) in clusters.iter_mut().enumerate() {
        for (pi, p) in c.pools.iter_mut().enumerate() {
            let Some(id) = id_of(p.fact.props.get("vnetSubnetID")) else {
                continue;
            };
            let idx = match subnet_index.find(&id) {
                Some(i) => i,
                None => {
                    subnet_index.insert(&id, subnets.len());
                    subnets.push(SubnetEntry {
                        id: id.clone(),
                        ..SubnetEntry::default()
                    });
                    subnets.len() - 1
                }
            };
            p.subnet = Some(idx);
            if let Some(s) = subnets.get_mut(idx) {
                s.users.push((ci, pi));
                if s.written.is_none() {
                    s.written = p
                        .fact
                        .props
                        .get("vnetSubnetID")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                }
            }
        }
    }
}

/// Each pool's pod subnet (`podSubnetID`), when the subnet has an entry
/// (declared, or some pool's node subnet); the subnet lists it in
/// `pod_users`. A pod subnet only referenced gets no entry: nothing about it
/// is known but its id, which the pool carries, and node-subnet relations
/// (`users`, `clusters`) stay as they are.
fn pod_subnets(linked: &mut Linked) {
    let Linked {
        clusters,
        subnets,
        subnet_index,
        ..
    } = linked;
    for (ci, c) in clusters.iter_mut().enumerate() {
        for (pi, p) in c.pools.iter_mut().enumerate() {
            let Some(idx) =
                id_of(p.fact.props.get("podSubnetID")).and_then(|id| subnet_index.find(&id))
            else {
                continue;
            };
            p.pod_subnet = Some(idx);
            if let Some(s) = subnets.get_mut(idx) {
                s.pod_users.push((ci, pi));
            }
        }
    }
}

/// A declared subnet's route table and NSG (`usize::MAX` when named but not
/// declared), and every subnet's VNet (its declaration's, else its id's parent).
fn subnet_references(linked: &mut Linked) {
    let Linked {
        subnets,
        rt_index,
        nsg_index,
        vnet_index,
        subnet_vnet,
        ..
    } = linked;
    for s in subnets.iter_mut() {
        if let Some(d) = s.decl {
            s.route_table = id_of(d.props.get_path(&["routeTable", "id"]))
                .map(|id| rt_index.find(&id).unwrap_or(usize::MAX));
            s.nsg = id_of(d.props.get_path(&["networkSecurityGroup", "id"]))
                .map(|id| nsg_index.find(&id).unwrap_or(usize::MAX));
        }
        let vnet = s
            .decl
            .and_then(|d| d.vnet_id.clone())
            .or_else(|| crate::resource_id::parent(&s.id).map(str::to_string));
        subnet_vnet.push(vnet.and_then(|v| vnet_index.find(&v)));
    }
}
