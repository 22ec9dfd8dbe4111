//! `udrEgress` (udr-default-route), `mixedRouteTables` (mixed-route-tables)
//! and `byoRouteTable` (byo-route-table-identity, missing-network-role): what
//! a cluster's subnets' route tables mean for it. Every function answers
//! `None` when the templates do not say for sure.

use serde_json::{Value as J, json};

use crate::model::linked::{ClusterRef, SubnetEntry};
use crate::model::routing::{RouteTables, association};
use crate::resource_id::last_name;
use crate::value::{Kind, Value};

/// Why a subnet cannot carry `userDefinedRouting` egress, with the pointer to
/// what must change; `None` when it can or when that is not known.
pub(super) fn udr_egress(si: usize, s: &SubnetEntry, route_tables: &RouteTables) -> Option<J> {
    let subnet = s.name();
    let Some(rt_id) = association(s).ok()? else {
        return Some(json!({
            "subnet": subnet,
            "problem": "has no route table",
            "at": format!("/subnets/{si}"),
        }));
    };
    let ri = s.route_table.filter(|&r| r != usize::MAX)?;
    let (rt, extra) = route_tables.get(ri)?;
    let rt_name = rt
        .name
        .as_str()
        .map(str::to_string)
        .or_else(|| s.route_table_name())
        .unwrap_or_else(|| last_name(&rt_id).to_string());
    let routes: Vec<&Value> = rt.routes.iter().chain(extra.iter().copied()).collect();
    let mut default_route = None;
    for (k, r) in routes.iter().enumerate() {
        let props = r.get("properties")?;
        match props.get("addressPrefix").map(|p| &p.kind) {
            Some(Kind::Str(p)) if p.trim() == "0.0.0.0/0" => default_route = Some((k, props)),
            Some(Kind::Str(_)) => {}
            // A route whose prefix is not known might be the default route.
            _ => return None,
        }
    }
    let Some((k, props)) = default_route else {
        return Some(json!({
            "subnet": subnet,
            "problem": format!("has route table '{rt_name}' without a 0.0.0.0/0 route"),
            "at": format!("/routeTables/{ri}"),
        }));
    };
    let hop = props.get("nextHopType")?.as_str()?;
    hop.eq_ignore_ascii_case("Internet").then(|| {
        json!({
            "subnet": subnet,
            "problem": format!("has route table '{rt_name}' whose 0.0.0.0/0 route goes to the Internet, which AKS rejects"),
            "at": format!("/routeTables/{ri}/routes/{k}/nextHopType"),
        })
    })
}

/// For a cluster whose pools sit on subnets with different route tables (or
/// some with and some without one): the later subnet and the first one.
pub(super) fn mixed_route_tables(c: &ClusterRef, subnets: &[SubnetEntry]) -> Option<J> {
    let mut seen: Vec<(usize, Option<String>)> = Vec::new();
    for p in &c.pools {
        let si = p.subnet?;
        if seen.iter().any(|(s, _)| *s == si) {
            continue;
        }
        let s = subnets.get(si)?;
        seen.push((si, association(s).ok()?));
    }
    let (first_si, first_rt) = seen.first()?.clone();
    let (si, rt) = seen.iter().find(|(_, rt)| *rt != first_rt)?.clone();
    let at = |si: usize, rt: &Option<String>| match rt {
        Some(_) => format!("/subnets/{si}/routeTable"),
        None => format!("/subnets/{si}"),
    };
    // Compared canonically, named as written.
    let describe = |si: usize, rt: &Option<String>| match rt {
        Some(id) => format!(
            "route table '{}'",
            subnets
                .get(si)
                .and_then(SubnetEntry::route_table_name)
                .unwrap_or_else(|| last_name(id).to_string())
        ),
        None => "no route table".to_string(),
    };
    let name = |si: usize| subnets.get(si).map(SubnetEntry::name).unwrap_or_default();
    Some(json!({
        "subnet": name(si),
        "routeTable": describe(si, &rt),
        "at": at(si, &rt),
        "firstSubnet": name(first_si),
        "firstRouteTable": describe(first_si, &first_rt),
        "firstAt": at(first_si, &first_rt),
    }))
}

/// The first subnet of the cluster that has a route table: `{name, at}`.
pub(super) fn byo_route_table(c: &ClusterRef, subnets: &[SubnetEntry]) -> Option<J> {
    c.pools.iter().find_map(|p| {
        let si = p.subnet?;
        let s = subnets.get(si)?;
        let rt = association(s).ok()??;
        let name = s
            .route_table_name()
            .unwrap_or_else(|| last_name(&rt).to_string());
        Some(json!({"name": name, "at": format!("/subnets/{si}/routeTable")}))
    })
}
