//! `/subnets/{si}/podTrafficDenied`: which rules of a node subnet's NSG deny
//! traffic between the subnet and the pod range of a kubenet cluster on it
//! (whether a rule set blocks a flow is [`crate::model::nsg`]). Read by
//! nsg-blocks-pod-traffic.

use ipnet::IpNet;
use serde_json::{Value as J, json};

use crate::model::derive::parse_cidr;
use crate::model::facts::{NsgFact, VnetFact, address_prefixes};
use crate::model::linked::{ClusterRef, SubnetEntry};
use crate::model::nsg;
use crate::model::routing::RouteTables;
use crate::resource_id::last_name;
use crate::value::{Kind, Value};

/// A world item (`{name, properties}`) as the flat JSON the analysis reads.
fn flat(item: &Value) -> J {
    let mut out = serde_json::Map::new();
    if let Some(name) = item.get("name") {
        out.insert("name".into(), name.to_json());
    }
    if let Some(Kind::Object(props)) = item.get("properties").map(|p| &p.kind) {
        for (k, v) in props.iter() {
            out.insert(k.to_string(), v.to_json());
        }
    }
    J::Object(out)
}

fn cidrs(values: &[Value]) -> Option<Vec<IpNet>> {
    values
        .iter()
        .map(|v| v.as_str().and_then(parse_cidr))
        .collect()
}

/// `[{at, rule, direction, cluster, podCidr}]` for the subnet's NSG.
pub(crate) fn pod_traffic_denied(
    s: &SubnetEntry,
    clusters: &[ClusterRef],
    nsgs: &[(&NsgFact, Vec<&Value>)],
    route_tables: &RouteTables,
    vnet: Option<&(&VnetFact, Vec<&Value>)>,
) -> Vec<J> {
    let mut out = Vec::new();
    let Some(ni) = s.nsg.filter(|&n| n != usize::MAX) else {
        return out;
    };
    let Some((nsg, extra)) = nsgs.get(ni) else {
        return out;
    };
    let Some(d) = s.decl else { return out };
    let Some(node_ranges) = address_prefixes(&d.props).and_then(|p| p.as_array().and_then(cidrs))
    else {
        return out;
    };
    let rules: Vec<J> = nsg
        .rules
        .iter()
        .chain(extra.iter().copied())
        .map(flat)
        .collect();
    let tag = virtual_network_tag(s, &node_ranges, route_tables, vnet);
    let mut seen = Vec::new();
    for &(ci, _) in &s.users {
        if seen.contains(&ci) {
            continue;
        }
        seen.push(ci);
        let Some(c) = clusters.get(ci) else { continue };
        if !c.kubenet {
            continue;
        }
        let Some(pod) = nsg::kubenet_pod_range(c.facts) else {
            continue;
        };
        let mut vn = tag.clone();
        // kubenet adds a route per node for its pod range: the tag covers it.
        vn.push(pod);
        let flows = nsg::kubenet_flows(pod, &node_ranges);
        let cluster = c
            .facts
            .name
            .as_str()
            .map(|n| last_name(n).to_string())
            .unwrap_or_default();
        let mut reported: Vec<usize> = Vec::new();
        for b in nsg::blocking_rules(&rules, &flows, &vn) {
            if reported.contains(&b.rule) {
                continue;
            }
            reported.push(b.rule);
            let rule = rules
                .get(b.rule)
                .and_then(|r| r.get("name"))
                .and_then(J::as_str)
                .unwrap_or("?");
            let direction = if b.flow < 2 { "inbound" } else { "outbound" };
            out.push(json!({
                "at": format!("/nsgs/{ni}/rules/{}", b.rule),
                "rule": rule,
                "nsg": nsg.name.as_str().unwrap_or("?"),
                "direction": direction,
                "cluster": cluster,
                "podCidr": pod.to_string(),
                "subnet": s.name(),
            }));
        }
    }
    out
}

/// The ranges the `VirtualNetwork` tag stands for at a subnet: its VNet, its
/// own ranges, and its route table's prefixes (kubenet's pod routes).
fn virtual_network_tag(
    s: &SubnetEntry,
    node_ranges: &[IpNet],
    route_tables: &RouteTables,
    vnet: Option<&(&VnetFact, Vec<&Value>)>,
) -> Vec<IpNet> {
    let mut tag: Vec<IpNet> = vnet
        .and_then(|(v, _)| v.address_prefixes.as_ref())
        .and_then(|p| p.as_array().and_then(cidrs))
        .unwrap_or_default();
    tag.extend(node_ranges.iter().copied());
    if let Some(ri) = s.route_table.filter(|&r| r != usize::MAX)
        && let Some((rt, extra)) = route_tables.get(ri)
    {
        for r in rt.routes.iter().chain(extra.iter().copied()) {
            if let Some(p) = r
                .get_path(&["properties", "addressPrefix"])
                .and_then(Value::as_str)
                .and_then(parse_cidr)
            {
                tag.push(p);
            }
        }
    }
    tag
}
