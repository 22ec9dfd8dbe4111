//! Route tables: which one a subnet is associated with, as far as the
//! templates say for sure.

use serde_json::{Value as J, json};

use crate::model::facts::{RouteTableFact, id_of};
use crate::model::linked::SubnetEntry;
use crate::resource_id::last_name;
use crate::value::{Kind, Value};

pub(crate) type RouteTables<'a> = [(&'a RouteTableFact, Vec<&'a Value>)];

/// A subnet's route table association: `Ok(None)` none, `Ok(Some(id))` one,
/// `Err(())` not known (subnet or association not in the templates, or unknown).
/// Read by udr-default-route, mixed-route-tables, byo-route-table-identity
/// and missing-network-role (through `defaultRoute` and `subnetUses`).
pub(crate) fn association(s: &SubnetEntry) -> Result<Option<String>, ()> {
    let d = s.decl.ok_or(())?;
    if d.props.is_unknown() {
        return Err(());
    }
    match d.props.get("routeTable") {
        None => Ok(None),
        Some(rt) if matches!(rt.kind, Kind::Null) => Ok(None),
        Some(rt) => id_of(rt.get("id")).map(Some).ok_or(()),
    }
}

const NEXT_HOP_TYPES: &[&str] = &[
    "Internet",
    "VirtualAppliance",
    "VirtualNetworkGateway",
    "VnetLocal",
    "None",
];

/// `/subnets/{si}/defaultRoute`: where the subnet's traffic to the Internet
/// (0.0.0.0/0) goes — `{nextHopType, routeTable, route, at}`: a 0.0.0.0/0
/// route of its route table (`route` its pointer), else Azure's system
/// route to the Internet (`routeTable` null when it has none). `at` is
/// where to change it. Unknown when the association, a route's prefix or
/// the hop is not known statically. Read by udr-default-route.
pub(crate) fn default_route(si: usize, s: &SubnetEntry, route_tables: &RouteTables) -> J {
    let unknown = |why: &str| json!({"$unknown": why});
    let Ok(association) = association(s) else {
        return unknown("the subnet's route table association is not in the templates");
    };
    let Some(rt_id) = association else {
        return json!({
            "nextHopType": "Internet",
            "routeTable": null,
            "route": null,
            "at": format!("/subnets/{si}"),
        });
    };
    let Some((ri, (rt, extra))) = s
        .route_table
        .and_then(|ri| Some((ri, route_tables.get(ri)?)))
    else {
        return unknown("the subnet's route table is not in the templates");
    };
    let rt_name = rt
        .name
        .as_str()
        .map(str::to_string)
        .or_else(|| s.route_table_name())
        .unwrap_or_else(|| last_name(&rt_id).to_string());
    let mut default = None;
    for (k, r) in rt.routes.iter().chain(extra.iter().copied()).enumerate() {
        let Some(props) = r.get("properties") else {
            return unknown("a route's properties are not known statically");
        };
        match props.get("addressPrefix").map(|p| &p.kind) {
            Some(Kind::Str(p)) if p.trim() == "0.0.0.0/0" => default = Some((k, props)),
            Some(Kind::Str(_)) => {}
            // A route whose prefix is not known might be the default route.
            _ => return unknown("a route's addressPrefix is not known statically"),
        }
    }
    let Some((k, props)) = default else {
        return json!({
            "nextHopType": "Internet",
            "routeTable": rt_name,
            "route": null,
            "at": format!("/routeTables/{ri}"),
        });
    };
    match props.get("nextHopType").and_then(Value::as_str) {
        Some(hop) => json!({
            // Canonically spelled, as Azure matches it.
            "nextHopType": NEXT_HOP_TYPES
                .iter()
                .find(|t| t.eq_ignore_ascii_case(hop))
                .copied()
                .unwrap_or(hop),
            "routeTable": rt_name,
            "route": format!("/routeTables/{ri}/routes/{k}"),
            "at": format!("/routeTables/{ri}/routes/{k}/nextHopType"),
        }),
        None => unknown("the 0.0.0.0/0 route's nextHopType is not known statically"),
    }
}
