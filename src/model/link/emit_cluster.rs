//! The world's clusters and their pools: the declared settings (enum-like
//! values in their canonical spelling), the effective settings, the pools'
//! subnets, and the cluster's network ranges.

use serde_json::Value as J;

use super::emit::{common, str_json};
use super::gateways::GatewayIndex;
use super::uses::subnet_uses;
use super::{FileNames, NetworkConfig};
use crate::model::effective::{PoolEffective, cluster_effective};
use crate::model::facts::{PoolFact, id_of};
use crate::model::identity::assignments;
use crate::model::identity::control_plane_identity;
use crate::model::linked::{ClusterRef, Linked};
use crate::model::network_rights::{Roles, network_rights};
use crate::model::ranges::cluster_ranges;
use crate::model::routing::default_route;
use crate::model::world::{ObjWriter, Spans};
use crate::value::{Kind, Value};

/// Canonical spelling of an enum-like value, matched case-insensitively.
fn canon(v: Option<&Value>, allowed: &[&str]) -> Option<Value> {
    let v = v?;
    match v.as_str() {
        Some(s) => {
            let hit = allowed.iter().find(|a| a.eq_ignore_ascii_case(s));
            Some(match hit {
                Some(a) => Value::str(*a).located_as(v),
                None => v.clone(),
            })
        }
        None => Some(v.clone()),
    }
}

const PLUGINS: &[&str] = &["kubenet", "azure", "none"];
const POLICIES: &[&str] = &["azure", "calico", "cilium", "none"];
const OUTBOUND: &[&str] = &[
    "loadBalancer",
    "userDefinedRouting",
    "managedNATGateway",
    "userAssignedNATGateway",
    "none",
];
const OS_TYPES: &[&str] = &["Linux", "Windows"];
const IDENTITY_TYPES: &[&str] = &[
    "SystemAssigned",
    "UserAssigned",
    "SystemAssigned, UserAssigned",
    "None",
];

/// What the clusters' relations are looked up in, built once per run.
pub(super) struct RunIndex<'a> {
    roles: Roles<'a>,
    gateways: GatewayIndex,
    /// Each subnet's `defaultRoute`, computed once.
    pub default_routes: Vec<J>,
}

impl<'a> RunIndex<'a> {
    pub(super) fn new(linked: &'a Linked) -> RunIndex<'a> {
        RunIndex {
            roles: Roles::new(assignments(
                &linked.role_assignments,
                &linked.role_definitions,
            )),
            gateways: GatewayIndex::new(&linked.gateways),
            default_routes: linked
                .subnets
                .iter()
                .enumerate()
                .map(|(si, s)| default_route(si, s, &linked.route_tables))
                .collect(),
        }
    }
}

/// `/clusters/{ci}`.
pub(super) fn cluster(
    linked: &Linked,
    ci: usize,
    names: FileNames,
    config: &NetworkConfig,
    index: &RunIndex,
    spans: &mut Spans,
) -> J {
    let Some(c) = linked.clusters.get(ci) else {
        return J::Null;
    };
    let f = c.facts;
    let mut w = ObjWriter::new(format!("/clusters/{ci}"), spans);
    w.at(Some(f.origin.loc));
    w.raw("id", f.id.as_deref().map_or(J::Null, str_json));
    w.value("name", &f.name);
    common(&mut w, &f.origin, names);
    w.opt("apiVersion", f.api_version.as_ref());
    let pool_effs: Vec<(&PoolFact, &PoolEffective)> =
        c.pools.iter().map(|p| (p.fact, &p.eff)).collect();
    w.value("effective", &cluster_effective(f, &pool_effs));
    network(&mut w, c);
    identity(&mut w, c);
    addons(&mut w, c);
    pod_identity(&mut w, c);
    let pools = (0..c.pools.len())
        .map(|pi| pool(linked, ci, pi, w.spans_mut()))
        .collect();
    w.raw("pools", J::Array(pools));
    let ranges = cluster_ranges(linked, ci, config);
    w.raw("extraReserved", J::Array(ranges.extra_reserved));
    w.raw("ownRanges", J::Array(ranges.own));
    w.raw("ranges", J::Array(ranges.all));
    w.value("controlPlaneIdentity", &control_plane_identity(f));
    if !f.depends_on.is_empty() {
        let deps = Value::array(f.depends_on.clone())
            .with_origin(f.depends_on.first().and_then(|d| d.origin));
        w.value("dependsOn", &deps);
    }
    let (subnets, route_tables) = networks(linked, c);
    w.raw("subnets", J::Array(subnets));
    w.raw("routeTables", J::Array(route_tables));
    w.raw("subnetUses", subnet_uses(linked, ci, &index.default_routes));
    if let Some(rights) = network_rights(linked, c, &index.roles) {
        w.raw("networkRights", rights);
    }
    let gateways = index.gateways.connected(linked, c);
    let gateways = gateways.iter().map(|g| J::from(format!("/gateways/{g}")));
    w.raw("connectedGateways", J::Array(gateways.collect()));
    w.finish()
}

/// `network`: the network profile's settings, canonically spelled.
fn network(w: &mut ObjWriter, c: &ClusterRef) {
    let net = c.facts.network.as_ref();
    let get = |k: &str| net.and_then(|n| n.get(k));
    w.object("network", |n| {
        n.at(net.and_then(|v| v.origin));
        if let Some(plugin) = get("networkPlugin") {
            n.value(
                "plugin",
                &canon(Some(plugin), PLUGINS).unwrap_or_else(Value::null),
            );
        }
        n.opt(
            "pluginMode",
            canon(get("networkPluginMode"), &["overlay"]).as_ref(),
        );
        n.opt("policy", canon(get("networkPolicy"), POLICIES).as_ref());
        n.opt("dataplane", get("networkDataplane"));
        n.opt("podCidr", get("podCidr"));
        n.opt("podCidrs", get("podCidrs"));
        n.opt("serviceCidr", get("serviceCidr"));
        n.opt("serviceCidrs", get("serviceCidrs"));
        n.opt("dnsServiceIP", get("dnsServiceIP"));
        n.opt("dockerBridgeCidr", get("dockerBridgeCidr"));
        n.opt(
            "outboundType",
            canon(get("outboundType"), OUTBOUND).as_ref(),
        );
        n.opt(
            "loadBalancerSku",
            canon(get("loadBalancerSku"), &["standard", "basic"]).as_ref(),
        );
    });
}

/// `identity`: its type and the user-assigned identities (canonical ids).
fn identity(w: &mut ObjWriter, c: &ClusterRef) {
    let identity = c.facts.identity.as_ref();
    w.object("identity", |i| {
        i.at(identity.and_then(|v| v.origin));
        i.opt(
            "type",
            canon(identity.and_then(|v| v.get("type")), IDENTITY_TYPES).as_ref(),
        );
        if let Some(ua) = identity.and_then(|v| v.get("userAssignedIdentities")) {
            let ids: Vec<J> = match &ua.kind {
                Kind::Object(o) => o
                    .iter()
                    .map(|(k, _)| str_json(&crate::resource_id::canonical(k)))
                    .collect(),
                _ => Vec::new(),
            };
            i.raw_at("userAssigned", J::Array(ids), ua.origin);
            // Each id where its entry is written (its value: keys have no span).
            if let Kind::Object(o) = &ua.kind {
                let list = crate::model::world::push_token(i.ptr(), "userAssigned");
                for (k, loc) in o
                    .iter()
                    .enumerate()
                    .filter_map(|(k, (_, v))| Some((k, v.origin?)))
                {
                    i.spans_mut().insert(format!("{list}/{k}"), loc);
                }
            }
        }
    });
}

/// `addons`: which add-ons are enabled.
fn addons(w: &mut ObjWriter, c: &ClusterRef) {
    let addons = c.facts.addons.as_ref();
    w.object("addons", |a| {
        a.at(addons.and_then(|v| v.origin));
        if let Some(Kind::Object(o)) = addons.map(|v| &v.kind) {
            for (k, v) in o.iter() {
                let key = if k.eq_ignore_ascii_case("aciConnectorLinux") {
                    "aciConnectorLinux"
                } else {
                    k
                };
                a.object(key, |x| {
                    x.at(v.origin);
                    x.opt("enabled", v.get("enabled"));
                });
            }
        }
    });
}

/// `podIdentity`: the pod identity profile, when written (unknown when it is).
/// `allowNetworkPluginKubenet` is null when unset, so rules can tell unset
/// from unknown.
fn pod_identity(w: &mut ObjWriter, c: &ClusterRef) {
    let Some(profile) = c.facts.pod_identity.as_ref() else {
        return;
    };
    if profile.as_object().is_none() {
        w.value("podIdentity", profile);
        return;
    }
    w.object("podIdentity", |x| {
        x.at(profile.origin);
        x.opt("enabled", profile.get("enabled"));
        let allow = profile.get("allowNetworkPluginKubenet");
        x.value(
            "allowNetworkPluginKubenet",
            &allow.cloned().unwrap_or_else(Value::null),
        );
    });
}

/// `/clusters/{ci}/pools/{pi}`.
fn pool(linked: &Linked, ci: usize, pi: usize, spans: &mut Spans) -> J {
    let Some(c) = linked.clusters.get(ci) else {
        return J::Null;
    };
    let Some(p) = c.pools.get(pi) else {
        return J::Null;
    };
    let f = c.facts;
    let mut pw = ObjWriter::new(format!("/clusters/{ci}/pools/{pi}"), spans);
    pw.at(p.fact.loc);
    pw.value("name", &p.fact.name);
    pw.value("cluster", &f.name);
    pw.raw("clusterId", f.id.as_deref().map_or(J::Null, str_json));
    let source = if p.fact.inline {
        "agentPoolProfiles"
    } else {
        "agentPools"
    };
    pw.raw("source", str_json(source));
    let props = &p.fact.props;
    // An unknown pool (a parameter without a value): each of its fields is
    // unknown, never absent (no vnetSubnetID, no osType).
    let field = |k: &str| {
        if props.is_unknown() {
            Some(props)
        } else {
            props.get(k)
        }
    };
    pw.opt("osType", canon(field("osType"), OS_TYPES).as_ref());
    for key in [
        "count",
        "minCount",
        "maxCount",
        "enableAutoScaling",
        "maxPods",
        "mode",
        "type",
        "vnetSubnetID",
        "podSubnetID",
    ] {
        pw.opt(key, field(key));
    }
    pw.value("effective", &p.eff.to_value(p.fact));
    let subnet = p.subnet.and_then(|si| linked.subnets.get(si));
    if props.is_unknown() {
        pw.value("subnet", props);
    } else {
        pw.raw_like(
            "subnet",
            subnet.map_or(J::Null, |s| str_json(&s.id)),
            props.get("vnetSubnetID"),
        );
    }
    if let Some(written) = field("podSubnetID") {
        if written.is_unknown() {
            pw.value("podSubnet", written);
        } else {
            // The entry's id when it has one, so it equals a node subnet's.
            let entry = p.pod_subnet.and_then(|si| linked.subnets.get(si));
            let id = entry.map(|s| s.id.clone()).or_else(|| id_of(Some(written)));
            pw.raw_like(
                "podSubnet",
                id.map_or(J::Null, |id| str_json(&id)),
                Some(written),
            );
        }
    }
    pw.finish()
}

/// The cluster's subnets and their route tables, each once, in pool order.
fn networks(linked: &Linked, c: &ClusterRef) -> (Vec<J>, Vec<J>) {
    let mut subnets: Vec<J> = Vec::new();
    let mut route_tables: Vec<J> = Vec::new();
    for s in c
        .pools
        .iter()
        .filter_map(|p| p.subnet.and_then(|si| linked.subnets.get(si)))
    {
        if !subnets.iter().any(|x| x.as_str() == Some(s.id.as_str())) {
            subnets.push(str_json(&s.id));
        }
        if let Some(rt) = linked.route_table_id(s)
            && !route_tables.iter().any(|x| x.as_str() == Some(rt.as_str()))
        {
            route_tables.push(str_json(&rt));
        }
    }
    (subnets, route_tables)
}
