//! Route tables: which one a subnet is associated with, as far as the
//! templates say for sure.

use crate::model::facts::{RouteTableFact, id_of};
use crate::model::linked::SubnetEntry;
use crate::value::{Kind, Value};

pub(crate) type RouteTables<'a> = [(&'a RouteTableFact, Vec<&'a Value>)];

/// A subnet's route table association: `Ok(None)` none, `Ok(Some(id))` one,
/// `Err(())` not known (subnet or association not in the templates, or unknown).
/// Read by udr-default-route, mixed-route-tables, byo-route-table-identity
/// and missing-network-role (through their flags).
pub(crate) fn association(s: &SubnetEntry) -> Result<Option<String>, ()> {
    let d = s.decl.ok_or(())?;
    match d.props.get("routeTable") {
        None => Ok(None),
        Some(rt) if matches!(rt.kind, Kind::Null) => Ok(None),
        Some(rt) => id_of(rt.get("id")).map(Some).ok_or(()),
    }
}
