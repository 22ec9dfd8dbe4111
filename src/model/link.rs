//! Links the facts of every deployment of the run into one [`World`]: joins
//! resources by canonical id across files, precomputes relations in both
//! directions (subnet ⇄ clusters, route table ⇄ subnets ⇄ clusters) and the
//! sharing relations the rules select on.

use std::collections::HashMap;

use serde_json::{Value as J, json};

use crate::model::capacity::capacity;
use crate::model::derive;
use crate::model::effective::{PoolEffective, cluster_effective};
use crate::model::facts::address_prefixes;
use crate::model::facts::{ClusterFact, Facts, GatewayFact, PoolFact, VnetFact, id_of};
use crate::model::identity;
use crate::model::linked::{ClusterRef, IdIndex, PoolRef, SubnetEntry, written_last};
use crate::model::nsg_check::nsg_blocks;
use crate::model::ranges::network_ranges;
use crate::model::routing;
use crate::model::world::{ObjWriter, World, object, push_token};
use crate::resource_id::{ids_match, last_name};
use crate::source::{FileId, Loc};
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

fn str_json(s: &str) -> J {
    J::String(s.to_string())
}

/// Display names of files, for the `file` / `scenario` fields.
pub type FileNames<'a> = &'a dyn Fn(FileId) -> String;

/// Ranges given by the configuration, with their place in the config file.
#[derive(Debug, Default)]
pub struct NetworkConfig {
    /// More ranges nothing may overlap (AKS008).
    pub reserved: Vec<(String, Option<Loc>)>,
    /// Ranges in use elsewhere, e.g. on-premises (AKS009).
    pub on_premises: Vec<(String, Option<Loc>)>,
}

/// How many clusters a finding names before "… and N more".
const MAX_NAMED: usize = 10;

pub fn link(all: &[Facts], names: FileNames) -> World {
    link_with(all, names, &NetworkConfig::default())
}

pub fn link_with(all: &[Facts], names: FileNames, config: &NetworkConfig) -> World {
    let mut spans = HashMap::new();

    // Clusters in order, then child pools attached to them.
    let mut clusters: Vec<ClusterRef> = Vec::new();
    let mut cluster_index = IdIndex::default();
    for facts in all {
        for c in &facts.clusters {
            let plugin = canon(
                c.network.as_ref().and_then(|n| n.get("networkPlugin")),
                PLUGINS,
            )
            .unwrap_or_else(Value::null);
            if let Some(id) = &c.id
                && cluster_index.find(id).is_none()
            {
                cluster_index.insert(id, clusters.len());
            }
            let pools = c
                .pools
                .iter()
                .map(|p| PoolRef {
                    fact: p,
                    subnet: None,
                    eff: pool_effective(c, p),
                })
                .collect();
            let kubenet = derive::effective_plugin(c.network.as_ref(), c.sku.as_ref())
                .is_ok_and(|(p, _)| p.as_deref() == Some("kubenet"));
            clusters.push(ClusterRef {
                facts: c,
                pools,
                plugin,
                kubenet,
            });
        }
    }
    for facts in all {
        for cp in &facts.child_pools {
            if let Some(i) = cp
                .cluster_id
                .as_deref()
                .and_then(|id| cluster_index.find(id))
                && let Some(c) = clusters.get_mut(i)
            {
                // One pool, reached twice (a profile and its agentPools resource,
                // a module deployed twice, a Bicep file and its compiled JSON).
                let name = cp.pool.name.as_str();
                if name.is_some_and(|n| {
                    c.pools.iter().any(|p| {
                        p.fact
                            .name
                            .as_str()
                            .is_some_and(|m| m.eq_ignore_ascii_case(n))
                    })
                }) {
                    continue;
                }
                let eff = pool_effective(c.facts, &cp.pool);
                c.pools.push(PoolRef {
                    fact: &cp.pool,
                    subnet: None,
                    eff,
                });
            }
        }
    }

    // Route tables and NSGs, merged by id.
    let mut rt_index = IdIndex::default();
    let mut route_tables = Vec::new();
    let mut nsg_index = IdIndex::default();
    let mut nsgs = Vec::new();
    for facts in all {
        for rt in &facts.route_tables {
            match rt.id.as_deref() {
                Some(id) if rt_index.find(id).is_some() => {}
                Some(id) => {
                    rt_index.insert(id, route_tables.len());
                    route_tables.push((rt, Vec::new()));
                }
                None => route_tables.push((rt, Vec::new())),
            }
        }
        for n in &facts.nsgs {
            match n.id.as_deref() {
                Some(id) if nsg_index.find(id).is_some() => {}
                Some(id) => {
                    nsg_index.insert(id, nsgs.len());
                    nsgs.push((n, Vec::new()));
                }
                None => nsgs.push((n, Vec::new())),
            }
        }
    }
    for facts in all {
        for r in &facts.child_routes {
            if let Some(i) = r.parent_id.as_deref().and_then(|id| rt_index.find(id))
                && let Some(rt) = route_tables.get_mut(i)
            {
                rt.1.push(&r.item);
            }
        }
        for r in &facts.child_rules {
            if let Some(i) = r.parent_id.as_deref().and_then(|id| nsg_index.find(id))
                && let Some(n) = nsgs.get_mut(i)
            {
                n.1.push(&r.item);
            }
        }
    }

    // Subnets: declared ones (merged by id), then those only referenced by pools.
    let mut subnet_index = IdIndex::default();
    let mut subnets: Vec<SubnetEntry> = Vec::new();
    for facts in all {
        for s in &facts.subnets {
            let Some(id) = s.id.as_deref() else { continue };
            let idx = match subnet_index.find(id) {
                Some(i) => i,
                None => {
                    subnet_index.insert(id, subnets.len());
                    subnets.push(SubnetEntry {
                        id: id.to_string(),
                        ..SubnetEntry::default()
                    });
                    subnets.len() - 1
                }
            };
            let Some(entry) = subnets.get_mut(idx) else {
                continue;
            };
            // The first declaration that associates a route table wins; else the first.
            let has_rt = id_of(s.props.get_path(&["routeTable", "id"])).is_some();
            let current_has_rt = entry
                .decl
                .is_some_and(|d| id_of(d.props.get_path(&["routeTable", "id"])).is_some());
            if entry.decl.is_none() || (has_rt && !current_has_rt) {
                entry.decl = Some(s);
            }
        }
    }
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
    for s in &mut subnets {
        if let Some(d) = s.decl {
            s.route_table = id_of(d.props.get_path(&["routeTable", "id"]))
                .map(|id| rt_index.find(&id).unwrap_or(usize::MAX));
            s.nsg = id_of(d.props.get_path(&["networkSecurityGroup", "id"]))
                .map(|id| nsg_index.find(&id).unwrap_or(usize::MAX));
        }
    }

    let cluster_id = |ci: usize| clusters.get(ci).and_then(|c| c.facts.id.clone());
    // Ids that can name one resource share a link key: compare those only.
    let keys: Vec<Option<String>> = clusters
        .iter()
        .map(|c| c.facts.id.as_deref().map(crate::resource_id::link_key))
        .collect();
    let same_cluster = |a: usize, b: usize| -> Option<bool> {
        if a == b {
            return Some(true);
        }
        let id = |i: usize| clusters.get(i).and_then(|c| c.facts.id.as_deref());
        match (id(a), id(b)) {
            (Some(x), Some(y)) => Some(keys.get(a) == keys.get(b) && ids_match(x, y)),
            // Without both names known, two declarations cannot be told apart.
            _ => None,
        }
    };

    // Distinct clusters per subnet, in order: first pool of each. Computed
    // once per subnet (several relations ask; `subnets` no longer changes).
    let distinct_memo: std::cell::RefCell<HashMap<usize, Vec<(usize, usize)>>> =
        std::cell::RefCell::new(HashMap::new());
    let distinct_users = |s: &SubnetEntry| -> Vec<(usize, usize)> {
        let key = std::ptr::from_ref(s) as usize;
        if let Some(hit) = distinct_memo.borrow().get(&key) {
            return hit.clone();
        }
        // A pool whose cluster may be one already listed is not a new user:
        // only clusters with the same link key can be the same, and a cluster
        // whose id is unknown cannot be told apart from any other.
        let mut out: Vec<(usize, usize)> = Vec::new();
        let mut listed: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut unknown_listed = false;
        for &(ci, pi) in &s.users {
            match keys.get(ci).and_then(Option::as_deref) {
                None => {
                    if out.is_empty() {
                        out.push((ci, pi));
                        unknown_listed = true;
                    }
                }
                Some(_) if unknown_listed => {}
                Some(k) => {
                    let same_key = listed.entry(k).or_default();
                    if same_key
                        .iter()
                        .all(|&cj| same_cluster(ci, cj) == Some(false))
                    {
                        same_key.push(ci);
                        out.push((ci, pi));
                    }
                }
            }
        }
        distinct_memo.borrow_mut().insert(key, out.clone());
        out
    };

    // AKS011 relation: pool → the first other cluster on its subnet.
    let mut shared_subnet: HashMap<(usize, usize), J> = HashMap::new();
    for s in &subnets {
        let users = distinct_users(s);
        if users.len() < 2 {
            continue;
        }
        let any_kubenet = users
            .iter()
            .any(|&(ci, _)| clusters.get(ci).is_some_and(|c| c.kubenet));
        let Some(&(c0, p0)) = users.first() else {
            continue;
        };
        let first_name = cluster_name(&clusters, c0);
        // Named once per subnet, and at most a few: a finding that names many
        // others says how many more (linear in clusters, whatever the input).
        let mut named: Vec<J> = users
            .iter()
            .take(MAX_NAMED)
            .map(|&(c, _)| str_json(&cluster_name(&clusters, c)))
            .collect();
        if users.len() > MAX_NAMED {
            named.push(J::String(format!("… and {} more", users.len() - MAX_NAMED)));
        }
        let named = J::Array(named);
        for &(ci, pi) in users.iter().skip(1) {
            // Named as this pool writes it, where the finding points.
            let written = clusters
                .get(ci)
                .and_then(|c| c.pools.get(pi))
                .and_then(|p| p.fact.props.get("vnetSubnetID"))
                .and_then(Value::as_str)
                .map_or_else(|| s.name(), |id| written_last(id).to_string());
            shared_subnet.insert(
                (ci, pi),
                object([
                    ("subnet", J::String(written)),
                    ("firstCluster", str_json(&first_name)),
                    (
                        "firstUse",
                        J::String(format!("/clusters/{c0}/pools/{p0}/subnet")),
                    ),
                    ("anyKubenet", J::Bool(any_kubenet)),
                    ("clusters", named.clone()),
                ]),
            );
        }
    }

    // Kubenet clusters per subnet, per route table.
    let kubenet_clusters = |s: &SubnetEntry| -> Vec<usize> {
        distinct_users(s)
            .into_iter()
            .map(|(c, _)| c)
            .filter(|&c| clusters.get(c).is_some_and(|c| c.kubenet))
            .collect()
    };
    let mut rt_subnets: HashMap<usize, Vec<usize>> = HashMap::new();
    for (si, s) in subnets.iter().enumerate() {
        if let Some(rt) = s.route_table.filter(|&r| r != usize::MAX) {
            rt_subnets.entry(rt).or_default().push(si);
        }
    }
    // AKS012 relation: subnet → the earlier subnet whose kubenet cluster shares its route table.
    let mut shared_rt: HashMap<usize, J> = HashMap::new();
    for (&rt, sis) in &rt_subnets {
        let mut earlier: Vec<(usize, usize)> = Vec::new(); // (subnet, cluster)
        let mut earlier_ids: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for &si in sis {
            let Some(s) = subnets.get(si) else { continue };
            let mine = kubenet_clusters(s);
            let clash = mine.iter().find_map(|&c| {
                earlier
                    .iter()
                    .find(|&&(_, d)| same_cluster(c, d) == Some(false))
                    .map(|&(s0, d)| (c, s0, d))
            });
            if let Some((c, s0, d)) = clash {
                let rt_name = route_tables
                    .get(rt)
                    .and_then(|r| r.0.name.as_str().map(str::to_string))
                    .unwrap_or_default();
                shared_rt.insert(
                    si,
                    json!({
                        "routeTable": rt_name,
                        "cluster": cluster_name(&clusters, c),
                        "firstCluster": cluster_name(&clusters, d),
                        "firstSubnet": subnets.get(s0).map(SubnetEntry::name),
                        "firstUse": format!("/subnets/{s0}/routeTable"),
                    }),
                );
            }
            // Each cluster once, at its first subnet, and only with a known id
            // (an unknown one is never surely another cluster): the scan
            // above stays short however many subnets share the table.
            earlier.extend(
                mine.into_iter()
                    .filter(|&c| {
                        clusters
                            .get(c)
                            .and_then(|x| x.facts.id.as_deref())
                            .is_some_and(|id| earlier_ids.insert(id))
                    })
                    .map(|c| (si, c)),
            );
        }
    }

    // VNets merged by id, with their peerings (inline and child resources).
    let mut vnet_index = IdIndex::default();
    let mut vnets: Vec<(&VnetFact, Vec<&Value>)> = Vec::new();
    for facts in all {
        for v in &facts.vnets {
            if let Some(id) = v.id.as_deref() {
                if vnet_index.find(id).is_some() {
                    continue;
                }
                vnet_index.insert(id, vnets.len());
            }
            vnets.push((v, v.peerings.iter().collect()));
        }
    }
    for facts in all {
        for p in &facts.child_peerings {
            if let Some(i) = p.parent_id.as_deref().and_then(|id| vnet_index.find(id))
                && let Some(v) = vnets.get_mut(i)
            {
                v.1.push(&p.item);
            }
        }
    }
    let vnet_of_subnet = |s: &SubnetEntry| -> Option<usize> {
        let vid = s
            .decl
            .and_then(|d| d.vnet_id.clone())
            .or_else(|| crate::resource_id::parent(&s.id).map(str::to_string))?;
        vnet_index.find(&vid)
    };

    let all_assignments: Vec<&crate::model::facts::RoleAssignmentFact> =
        all.iter().flat_map(|f| f.role_assignments.iter()).collect();
    let custom_roles: Vec<(Value, Vec<Value>)> = all
        .iter()
        .flat_map(|f| f.role_definitions.iter().cloned())
        .collect();
    let assignments = identity::assignments(&all_assignments, &custom_roles);

    let gateways: Vec<&GatewayFact> = all.iter().flat_map(|f| f.gateways.iter()).collect();
    let gateway_index = GatewayIndex::new(&gateways);

    // ---- Emit the document ----
    let mut cluster_docs = Vec::new();
    for (ci, c) in clusters.iter().enumerate() {
        let f = c.facts;
        let mut w = ObjWriter::new(format!("/clusters/{ci}"), &mut spans);
        w.at(Some(f.origin.loc));
        w.raw("id", f.id.as_deref().map_or(J::Null, str_json));
        w.value("name", &f.name);
        common(&mut w, &f.origin, names);
        w.opt("apiVersion", f.api_version.as_ref());
        let pool_effs: Vec<(&PoolFact, &PoolEffective)> =
            c.pools.iter().map(|p| (p.fact, &p.eff)).collect();
        w.value("effective", &cluster_effective(f, &pool_effs));
        let net = f.network.as_ref();
        let get = |k: &str| net.and_then(|n| n.get(k));
        let plugin = c.plugin.clone();
        w.object("network", |n| {
            n.at(net.and_then(|v| v.origin));
            if net.is_some_and(|v| v.get("networkPlugin").is_some()) {
                n.value("plugin", &plugin);
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
            n.opt(
                "outboundType",
                canon(get("outboundType"), OUTBOUND).as_ref(),
            );
            n.opt("loadBalancerSku", get("loadBalancerSku"));
        });
        let identity = f.identity.as_ref();
        w.object("identity", |i| {
            i.at(identity.and_then(|v| v.origin));
            i.opt(
                "type",
                canon(identity.and_then(|v| v.get("type")), IDENTITY_TYPES).as_ref(),
            );
            let ua = identity.and_then(|v| v.get("userAssignedIdentities"));
            if let Some(ua) = ua {
                let ids: Vec<J> = match &ua.kind {
                    Kind::Object(o) => o
                        .iter()
                        .map(|(k, _)| str_json(&crate::resource_id::canonical(k)))
                        .collect(),
                    _ => Vec::new(),
                };
                i.raw_at("userAssigned", J::Array(ids), ua.origin);
            }
        });
        let addons = f.addons.as_ref();
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
        let mut pools = Vec::new();
        let mut cluster_subnets: Vec<J> = Vec::new();
        let mut cluster_rts: Vec<J> = Vec::new();
        for (pi, p) in c.pools.iter().enumerate() {
            let ptr = format!("/clusters/{ci}/pools/{pi}");
            let mut pw = ObjWriter::new(ptr, w_spans(&mut w));
            pw.at(p.fact.loc);
            pw.value("name", &p.fact.name);
            pw.value("cluster", &f.name);
            pw.raw("clusterId", f.id.as_deref().map_or(J::Null, str_json));
            pw.raw(
                "source",
                str_json(if p.fact.inline {
                    "agentPoolProfiles"
                } else {
                    "agentPools"
                }),
            );
            let props = &p.fact.props;
            pw.opt("osType", canon(props.get("osType"), OS_TYPES).as_ref());
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
                pw.opt(key, props.get(key));
            }
            pw.value("effective", &p.eff.to_value(p.fact));
            let subnet = p.subnet.and_then(|si| subnets.get(si));
            pw.raw_like(
                "subnet",
                subnet.map_or(J::Null, |s| str_json(&s.id)),
                props.get("vnetSubnetID"),
            );
            if let Some(s) = subnet {
                if !cluster_subnets
                    .iter()
                    .any(|x| x.as_str() == Some(s.id.as_str()))
                {
                    cluster_subnets.push(str_json(&s.id));
                }
                if let Some(rt) = s.route_table.and_then(|r| rt_id(&route_tables, r, s))
                    && !cluster_rts.iter().any(|x| x.as_str() == Some(rt.as_str()))
                {
                    cluster_rts.push(str_json(&rt));
                }
            }
            if let Some(share) = shared_subnet.remove(&(ci, pi)) {
                pw.raw("sharedSubnet", share);
            }
            // Egress problems are reported once per cluster and subnet.
            let first_on_subnet = c.pools.iter().position(|q| q.subnet == p.subnet) == Some(pi);
            if first_on_subnet
                && let Some(si) = p.subnet
                && let Some(s) = subnets.get(si)
                && let Some(egress) = routing::udr_egress(si, s, &route_tables)
            {
                pw.raw("udrEgress", egress);
            }
            pools.push(pw.finish());
        }
        w.raw("pools", J::Array(pools));
        let (own, mut all_ranges) =
            network_ranges(ci, c, &subnets, &vnets, &vnet_of_subnet, &vnet_index);
        // Configured on-premises ranges sit with the networks, before pod and service ranges.
        let first_own = all_ranges
            .iter()
            .position(|r| {
                r.get("group")
                    .and_then(J::as_str)
                    .is_some_and(|g| g == "pods" || g == "services")
            })
            .unwrap_or(all_ranges.len());
        for (k, (cidr, _)) in config.on_premises.iter().enumerate().rev() {
            all_ranges.insert(
                first_own,
                json!({"kind": "the configured on-premises range", "cidr": cidr, "group": "on-premises",
                       "at": format!("/config/onPremises/{k}"), "note": ""}),
            );
        }
        let extra_reserved: Vec<J> = config
            .reserved
            .iter()
            .enumerate()
            .map(|(k, (cidr, _))| json!({"cidr": cidr, "at": format!("/config/reserved/{k}")}))
            .collect();
        w.raw("extraReserved", J::Array(extra_reserved));
        w.raw("ownRanges", J::Array(own));
        w.raw("ranges", J::Array(all_ranges));
        w.value("controlPlaneIdentity", &routing::control_plane_identity(f));
        if let Some(byo) = routing::byo_route_table(c, &subnets) {
            w.raw("byoRouteTable", byo);
        }
        if let Some(mixed) = routing::mixed_route_tables(c, &subnets) {
            w.raw("mixedRouteTables", mixed);
        }
        let depends_at = if f.depends_on.is_empty() {
            format!("/clusters/{ci}")
        } else {
            let deps = Value::array(f.depends_on.clone())
                .with_origin(f.depends_on.first().and_then(|d| d.origin));
            w.value("dependsOn", &deps);
            format!("/clusters/{ci}/dependsOn")
        };
        for (key, value) in identity::network_role(c, &subnets, &assignments, &depends_at) {
            w.raw(key, value);
        }
        if let Some(order) = identity::route_table_order(c, &subnets, &depends_at) {
            w.raw("routeTableOrder", order);
        }
        w.raw("subnets", J::Array(cluster_subnets));
        w.raw("routeTables", J::Array(cluster_rts));
        let connected = gateway_index.connected(c, &subnets, &vnets, &vnet_of_subnet);
        w.raw("onPremisesGateways", J::from(connected.len()));
        if let Some(first) = connected.first() {
            w.raw("firstGateway", J::from(format!("/gateways/{first}")));
        }
        cluster_docs.push(w.finish());
    }

    let mut subnet_docs = Vec::new();
    for (si, s) in subnets.iter().enumerate() {
        let mut w = ObjWriter::new(format!("/subnets/{si}"), &mut spans);
        w.raw("id", str_json(&s.id));
        w.raw("declared", J::Bool(s.decl.is_some()));
        match s.decl {
            Some(d) => {
                w.at(Some(d.origin.loc));
                w.value("name", &d.name);
                common(&mut w, &d.origin, names);
                w.raw("vnet", d.vnet_id.as_deref().map_or(J::Null, str_json));
                let prefixes = address_prefixes(&d.props);
                w.opt("addressPrefixes", prefixes.as_ref());
                let rt_val = d.props.get_path(&["routeTable", "id"]);
                w.raw_at(
                    "routeTable",
                    s.route_table
                        .and_then(|r| rt_id(&route_tables, r, s))
                        .map_or(J::Null, |id| str_json(&id)),
                    rt_val.and_then(|v| v.origin),
                );
                let nsg_val = d.props.get_path(&["networkSecurityGroup", "id"]);
                w.raw_at(
                    "nsg",
                    id_of(nsg_val).map_or(J::Null, |id| str_json(&id)),
                    nsg_val.and_then(|v| v.origin),
                );
                w.opt("delegations", d.props.get("delegations"));
            }
            None => {
                w.raw("name", str_json(&s.name()));
            }
        }
        let users = distinct_users(s);
        w.raw(
            "clusters",
            J::Array(
                users
                    .iter()
                    .filter_map(|&(c, _)| cluster_id(c).map(|id| str_json(&id)))
                    .collect(),
            ),
        );
        w.raw(
            "kubenetClusters",
            J::Array(
                kubenet_clusters(s)
                    .into_iter()
                    .filter_map(|c| cluster_id(c).map(|id| str_json(&id)))
                    .collect(),
            ),
        );
        if let Some(share) = shared_rt.remove(&si) {
            w.raw("sharedRouteTable", share);
        }
        capacity(&mut w, s, &clusters);
        let vnet = vnet_of_subnet(s).and_then(|vi| vnets.get(vi));
        let blocks = nsg_blocks(s, &clusters, &nsgs, &route_tables, vnet);
        if !blocks.is_empty() {
            w.raw("nsgBlocks", J::Array(blocks));
        }
        subnet_docs.push(w.finish());
    }

    let mut rt_docs = Vec::new();
    for (ri, (rt, extra)) in route_tables.iter().enumerate() {
        let mut w = ObjWriter::new(format!("/routeTables/{ri}"), &mut spans);
        w.at(Some(rt.origin.loc));
        w.raw("id", rt.id.as_deref().map_or(J::Null, str_json));
        w.value("name", &rt.name);
        common(&mut w, &rt.origin, names);
        let routes: Vec<Value> = rt
            .routes
            .iter()
            .chain(extra.iter().copied())
            .cloned()
            .collect();
        let ptr = push_token(w.ptr(), "routes");
        let route_docs: Vec<J> = routes
            .iter()
            .enumerate()
            .map(|(i, r)| flatten_item(&push_token(&ptr, &i.to_string()), r, w_spans(&mut w)))
            .collect();
        w.raw("routes", J::Array(route_docs));
        w.opt("disableBgpRoutePropagation", rt.disable_bgp.as_ref());
        let sis = rt_subnets.get(&ri).cloned().unwrap_or_default();
        w.raw(
            "subnets",
            J::Array(
                sis.iter()
                    .filter_map(|&si| subnets.get(si).map(|s| str_json(&s.id)))
                    .collect(),
            ),
        );
        let mut cl: Vec<String> = Vec::new();
        let mut listed: std::collections::HashSet<String> = std::collections::HashSet::new();
        for si in &sis {
            if let Some(s) = subnets.get(*si) {
                for (c, _) in distinct_users(s) {
                    if let Some(id) = cluster_id(c)
                        && listed.insert(id.clone())
                    {
                        cl.push(id);
                    }
                }
            }
        }
        w.raw(
            "clusters",
            J::Array(cl.iter().map(|s| str_json(s)).collect()),
        );
        rt_docs.push(w.finish());
    }

    // Subnets per NSG and per VNet, in subnet order (one pass, not one per NSG or VNet).
    let mut nsg_subnets: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut vnet_subnets: HashMap<usize, Vec<usize>> = HashMap::new();
    for (si, s) in subnets.iter().enumerate() {
        if let Some(ni) = s.nsg {
            nsg_subnets.entry(ni).or_default().push(si);
        }
        if let Some(vi) = vnet_of_subnet(s) {
            vnet_subnets.entry(vi).or_default().push(si);
        }
    }
    let mut nsg_docs = Vec::new();
    for (ni, (n, extra)) in nsgs.iter().enumerate() {
        let mut w = ObjWriter::new(format!("/nsgs/{ni}"), &mut spans);
        w.at(Some(n.origin.loc));
        w.raw("id", n.id.as_deref().map_or(J::Null, str_json));
        w.value("name", &n.name);
        common(&mut w, &n.origin, names);
        let ptr = push_token(w.ptr(), "rules");
        let rules: Vec<J> = n
            .rules
            .iter()
            .chain(extra.iter().copied())
            .enumerate()
            .map(|(i, r)| flatten_item(&push_token(&ptr, &i.to_string()), r, w_spans(&mut w)))
            .collect();
        w.raw("rules", J::Array(rules));
        let sis: Vec<J> = nsg_subnets
            .get(&ni)
            .into_iter()
            .flatten()
            .filter_map(|&si| subnets.get(si).map(|s| str_json(&s.id)))
            .collect();
        w.raw("subnets", J::Array(sis));
        nsg_docs.push(w.finish());
    }

    let mut vnet_docs = Vec::new();
    let mut identity_docs = Vec::new();
    let mut ra_docs = Vec::new();
    for (vi, (v, peerings)) in vnets.iter().enumerate() {
        let mut w = ObjWriter::new(format!("/vnets/{vi}"), &mut spans);
        w.at(Some(v.origin.loc));
        w.raw("id", v.id.as_deref().map_or(J::Null, str_json));
        w.value("name", &v.name);
        common(&mut w, &v.origin, names);
        w.opt("addressPrefixes", v.address_prefixes.as_ref());
        let own: Vec<J> = vnet_subnets
            .get(&vi)
            .into_iter()
            .flatten()
            .filter_map(|&si| subnets.get(si).map(|s| str_json(&s.id)))
            .collect();
        w.raw("subnets", J::Array(own));
        let ptr = push_token(w.ptr(), "peerings");
        let docs: Vec<J> = peerings
            .iter()
            .enumerate()
            .map(|(i, p)| flatten_item(&push_token(&ptr, &i.to_string()), p, w_spans(&mut w)))
            .collect();
        w.raw("peerings", J::Array(docs));
        vnet_docs.push(w.finish());
    }
    for facts in all {
        for idn in &facts.identities {
            let mut w = ObjWriter::new(format!("/identities/{}", identity_docs.len()), &mut spans);
            w.at(Some(idn.origin.loc));
            w.raw("id", idn.id.as_deref().map_or(J::Null, str_json));
            w.value("name", &idn.name);
            common(&mut w, &idn.origin, names);
            identity_docs.push(w.finish());
        }
        for ra in &facts.role_assignments {
            let mut w = ObjWriter::new(format!("/roleAssignments/{}", ra_docs.len()), &mut spans);
            w.at(Some(ra.origin.loc));
            w.raw("id", ra.id.as_deref().map_or(J::Null, str_json));
            w.value("name", &ra.name);
            common(&mut w, &ra.origin, names);
            w.value("scope", &ra.scope);
            w.value("roleDefinitionId", &ra.role_definition_id);
            w.value("principalId", &ra.principal_id);
            w.value("principalType", &ra.principal_type);
            ra_docs.push(w.finish());
        }
    }

    let mut gateway_docs = Vec::new();
    for facts in all {
        for g in &facts.gateways {
            let mut w = ObjWriter::new(format!("/gateways/{}", gateway_docs.len()), &mut spans);
            w.at(Some(g.origin.loc));
            w.raw("id", g.id.as_deref().map_or(J::Null, str_json));
            w.value("name", &g.name);
            w.raw("type", str_json(&g.resource_type));
            w.raw("vnet", g.vnet_id.as_deref().map_or(J::Null, str_json));
            common(&mut w, &g.origin, names);
            gateway_docs.push(w.finish());
        }
    }
    let mut config_doc = ObjWriter::new("/config".into(), &mut spans);
    for (key, list) in [
        ("reserved", &config.reserved),
        ("onPremises", &config.on_premises),
    ] {
        let items: Vec<Value> = list
            .iter()
            .map(|(cidr, loc)| Value::str(cidr.clone()).with_origin(*loc))
            .collect();
        config_doc.value(key, &Value::array(items));
    }
    let config_doc = config_doc.finish();

    // Moved in, not through `json!` (which would copy the whole document).
    let doc: serde_json::Map<String, J> = [
        ("clusters", J::Array(cluster_docs)),
        ("subnets", J::Array(subnet_docs)),
        ("vnets", J::Array(vnet_docs)),
        ("routeTables", J::Array(rt_docs)),
        ("nsgs", J::Array(nsg_docs)),
        ("identities", J::Array(identity_docs)),
        ("roleAssignments", J::Array(ra_docs)),
        ("gateways", J::Array(gateway_docs)),
        ("config", config_doc),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let doc = J::Object(doc);
    World {
        doc,
        spans,
        clusters_by_id: std::sync::OnceLock::new(),
    }
}

/// AKS028: gateways by what connects them to a cluster — the VNet they sit
/// in (by link key), or, for local network gateways and circuits, the file.
struct GatewayIndex {
    by_vnet: HashMap<String, Vec<(String, usize)>>,
    by_file: HashMap<FileId, Vec<usize>>,
}

impl GatewayIndex {
    fn new(gateways: &[&GatewayFact]) -> GatewayIndex {
        let mut index = GatewayIndex {
            by_vnet: HashMap::new(),
            by_file: HashMap::new(),
        };
        for (gi, g) in gateways.iter().enumerate() {
            match &g.vnet_id {
                Some(v) => index
                    .by_vnet
                    .entry(crate::resource_id::link_key(v))
                    .or_default()
                    .push((v.clone(), gi)),
                None => index.by_file.entry(g.origin.file).or_default().push(gi),
            }
        }
        index
    }

    /// The gateways connecting a cluster's network to on-premises, in order:
    /// in its VNet or a VNet peered with it, or in the cluster's own template.
    fn connected(
        &self,
        c: &ClusterRef,
        subnets: &[SubnetEntry],
        vnets: &[(&VnetFact, Vec<&Value>)],
        vnet_of_subnet: &dyn Fn(&SubnetEntry) -> Option<usize>,
    ) -> std::collections::BTreeSet<usize> {
        let mut networks: Vec<String> = Vec::new();
        for p in &c.pools {
            let Some(vi) = p
                .subnet
                .and_then(|si| subnets.get(si))
                .and_then(vnet_of_subnet)
            else {
                continue;
            };
            let Some((v, peerings)) = vnets.get(vi) else {
                continue;
            };
            networks.extend(v.id.clone());
            networks.extend(
                peerings.iter().filter_map(|p| {
                    id_of(p.get_path(&["properties", "remoteVirtualNetwork", "id"]))
                }),
            );
        }
        let mut out: std::collections::BTreeSet<usize> = self
            .by_file
            .get(&c.facts.origin.file)
            .into_iter()
            .flatten()
            .copied()
            .collect();
        for n in &networks {
            let bucket = self.by_vnet.get(&crate::resource_id::link_key(n));
            out.extend(
                bucket
                    .into_iter()
                    .flatten()
                    .filter(|(v, _)| ids_match(n, v))
                    .map(|&(_, gi)| gi),
            );
        }
        out
    }
}

fn pool_effective(c: &ClusterFact, p: &PoolFact) -> PoolEffective {
    match derive::effective_plugin(c.network.as_ref(), c.sku.as_ref()) {
        Ok((plugin, overlay)) => PoolEffective::new(p, Ok(plugin.as_deref()), overlay),
        Err(r) => PoolEffective::new(p, Err(&r), false),
    }
}

fn w_spans<'b>(w: &'b mut ObjWriter<'_>) -> &'b mut HashMap<String, Loc> {
    w.spans_mut()
}

fn cluster_name(clusters: &[ClusterRef], ci: usize) -> String {
    clusters
        .get(ci)
        .and_then(|c| c.facts.name.as_str())
        .map(|n| last_name(n).to_string())
        .unwrap_or_else(|| "(unknown)".into())
}

/// The route table id as declared, or as referenced when not declared.
fn rt_id(
    route_tables: &[(&crate::model::facts::RouteTableFact, Vec<&Value>)],
    r: usize,
    s: &SubnetEntry,
) -> Option<String> {
    if let Some((rt, _)) = route_tables.get(r)
        && let Some(id) = &rt.id
    {
        return Some(id.clone());
    }
    s.decl
        .and_then(|d| id_of(d.props.get_path(&["routeTable", "id"])))
}

fn common(w: &mut ObjWriter, origin: &crate::model::facts::Origin, names: FileNames) {
    w.raw("file", J::String(names(origin.file)));
    w.raw_at(
        "scenario",
        origin
            .parameters_file
            .map_or(J::Null, |f| J::String(names(f))),
        origin.parameters_loc,
    );
    w.raw("conditional", J::Bool(origin.conditional));
}

/// An item with `name` and `properties` (route, security rule, peering) as one flat object.
fn flatten_item(ptr: &str, item: &Value, spans: &mut HashMap<String, Loc>) -> J {
    let mut w = ObjWriter::new(ptr.to_string(), spans);
    w.at(item.origin);
    w.opt("name", item.get("name"));
    if let Some(Kind::Object(props)) = item.get("properties").map(|p| &p.kind) {
        for (k, v) in props.iter() {
            w.value(k, v);
        }
    }
    w.finish()
}
