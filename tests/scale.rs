//! Many entities from a few bytes (copy loops): relations between them stay
//! linear, and a finding that would name many others is capped. Each test
//! generates its templates in a scratch folder.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{scratch, stderr, tendon_in};
use serde_json::{Value as J, json};

const SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

fn template(resources: J) -> String {
    json!({"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": resources}).to_string()
}

/// `count` kubenet clusters `aks{prefix}-{i}`, each with one pool on `subnet`
/// (an ARM expression for the subnet id).
fn clusters(prefix: &str, count: usize, subnet: &str) -> J {
    json!({
        "copy": {"name": format!("c{prefix}"), "count": count},
        "type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-02-01",
        "name": format!("[format('aks{prefix}-{{0}}', copyIndex())]"), "location": "x",
        "properties": {
            "agentPoolProfiles": [{"name": "sys", "mode": "System", "count": 1, "vnetSubnetID": subnet}],
            "networkProfile": {"networkPlugin": "kubenet"}
        }
    })
}

/// Runs `check --format json` (under `/usr/bin/time` when present, for the
/// peak memory in KB), within 10 s; findings counted per rule.
fn run(dir: &Path) -> (J, BTreeMap<String, usize>, Option<u64>) {
    let started = Instant::now();
    let timed = Path::new("/usr/bin/time").exists();
    let o = if timed {
        std::process::Command::new("/usr/bin/time")
            .args(["-f", "peak-kb %M", env!("CARGO_BIN_EXE_tendon")])
            .args(["check", ".", "--format", "json", "--fail-on", "never"])
            .current_dir(dir)
            .output()
            .unwrap()
    } else {
        tendon_in(
            dir,
            &["check", ".", "--format", "json", "--fail-on", "never"],
        )
    };
    // A debug build takes 1–3 s here; the bound catches a quadratic blow-up
    // (minutes), with room for a shared machine running four of these at once.
    let took = started.elapsed();
    assert!(took < Duration::from_secs(40), "too slow: {took:?}");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let peak = stderr(&o)
        .lines()
        .find_map(|l| l.strip_prefix("peak-kb ")?.trim().parse().ok());
    let report: J = serde_json::from_slice(&o.stdout).unwrap();
    let mut counts = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        *counts
            .entry(f["rule"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    (report, counts, peak)
}

fn messages<'a>(report: &'a J, rule: &str) -> Vec<&'a str> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| f["message"].as_str().unwrap())
        .collect()
}

/// A thousand clusters from ten files on one subnet: one AKS011 per cluster
/// after the first, each naming ten clusters and how many more.
#[test]
fn a_thousand_clusters_in_ten_files_on_one_subnet() {
    let dir = scratch("scale-shared-subnet");
    let subnet = "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'nodes')]";
    for f in 0..10 {
        let loops = J::Array(
            (0..2)
                .map(|k| clusters(&format!("{f}x{k}"), 50, subnet))
                .collect(),
        );
        std::fs::write(dir.join(format!("t{f}.json")), template(loops)).unwrap();
    }
    let (report, counts, peak) = run(&dir);
    assert_eq!(counts.get("AKS011"), Some(&999));
    assert_eq!(counts.get("AKS021"), Some(&1000));
    let help = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "AKS011")
        .and_then(|f| f["help"].as_str())
        .unwrap();
    assert!(help.ends_with(", … and 990 more)."), "{help}");
    if let Some(kb) = peak {
        assert!(kb < 256 * 1024, "peak {kb} KB");
    }
}

/// One cluster in a hub peered with 200 VNets that all use one range: every
/// peered range overlaps every earlier one (about 20,000 pairs), but each
/// yields at most ten findings, the tenth saying how many more.
#[test]
fn overlapping_peerings_yield_at_most_ten_pairs_per_range() {
    let dir = scratch("scale-peerings");
    let resources = json!([
        {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": "hub", "location": "x",
         "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
                        "subnets": [{"name": "nodes", "properties": {"addressPrefix": "10.1.0.0/24"}}]}},
        {"type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings", "apiVersion": "2023-09-01",
         "name": "[format('hub/p{0}', copyIndex())]", "copy": {"name": "p", "count": 200},
         "properties": {
            "remoteVirtualNetwork": {"id": "[resourceId('Microsoft.Network/virtualNetworks', format('spoke{0}', copyIndex()))]"},
            "remoteAddressSpace": {"addressPrefixes": ["10.50.0.0/16"]}}},
        {"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-02-01", "name": "aks", "location": "x",
         "properties": {
            "agentPoolProfiles": [{"name": "sys", "mode": "System", "count": 1,
              "vnetSubnetID": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'hub', 'nodes')]"}],
            "networkProfile": {"networkPlugin": "kubenet"}}}
    ]);
    std::fs::write(dir.join("hub.json"), template(resources)).unwrap();
    let (report, counts, peak) = run(&dir);
    // Peered range k overlaps the k before it: min(k, 10) findings each.
    let expected: usize = (0..200usize).map(|k| k.min(10)).sum();
    assert_eq!(expected, 1945);
    assert_eq!(counts.get("AKS009"), Some(&expected));
    let found = messages(&report, "AKS009");
    let capped: Vec<_> = found.iter().filter(|m| m.ends_with(" more)")).collect();
    assert_eq!(capped.len(), 189);
    assert!(found.contains(
        &"the address space of peered VNet 'spoke199' 10.50.0.0/16 of cluster 'aks' overlaps \
          the address space of peered VNet 'spoke9' 10.50.0.0/16 (and 189 more)"
    ));
    if let Some(kb) = peak {
        assert!(kb < 256 * 1024, "peak {kb} KB");
    }
}

/// Many subnets on one route table, each with its own kubenet cluster, and
/// many NSGs and VNets: each relation is built in one pass.
#[test]
fn route_tables_nsgs_and_vnets_with_many_subnets() {
    let n = 300;
    let dir = scratch("scale-route-table");
    let resources = json!([
        {"type": "Microsoft.Network/routeTables", "apiVersion": "2023-09-01", "name": "rt", "location": "x",
         "properties": {"routes": []}},
        {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2023-09-01",
         "name": "[format('nsg{0}', copyIndex())]", "location": "x", "copy": {"name": "n", "count": n},
         "properties": {"securityRules": []}},
        {"type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": "2023-09-01",
         "name": "[format('vnet/s{0}', copyIndex())]", "copy": {"name": "s", "count": n},
         "properties": {
            "addressPrefix": "[format('172.16.{0}.0/24', copyIndex())]",
            "routeTable": {"id": "[resourceId('Microsoft.Network/routeTables', 'rt')]"},
            "networkSecurityGroup": {"id": "[resourceId('Microsoft.Network/networkSecurityGroups', format('nsg{0}', copyIndex()))]"}}},
        clusters("", n, "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', format('s{0}', copyIndex()))]"),
    ]);
    std::fs::write(dir.join("rt.json"), template(resources)).unwrap();
    let (report, counts, _) = run(&dir);
    // Every subnet after the first shares the route table with an earlier cluster.
    assert_eq!(counts.get("AKS012"), Some(&(n - 1)));
    let first = messages(&report, "AKS012");
    assert!(
        first.iter().all(|m| m.contains("aks-0")),
        "{:?}",
        first.first()
    );

    let dir = scratch("scale-vnets");
    let resources = json!([
        {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01",
         "name": "[format('vnet{0}', copyIndex())]", "location": "x", "copy": {"name": "v", "count": n},
         "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                        "subnets": [{"name": "nodes", "properties": {"addressPrefix": "10.0.0.0/24"}}]}},
        clusters("", n, "[resourceId('Microsoft.Network/virtualNetworks/subnets', format('vnet{0}', copyIndex()), 'nodes')]"),
    ]);
    std::fs::write(dir.join("vnets.json"), template(resources)).unwrap();
    let (_, counts, _) = run(&dir);
    // Each cluster's VNet overlaps its own default service range, once.
    assert_eq!(counts.get("AKS009"), Some(&n));
}

/// The run links at most 1,500 resources plus one per 640 bytes of input,
/// whole templates at a time: of four thousand clusters from ten files
/// (20 KB: 1,532 allowed), the first three files' 1,200 are linked, and each
/// template left out says so (TDN003): memory stays bounded.
#[test]
fn the_linked_resources_are_bounded() {
    let dir = scratch("scale-resource-budget");
    let subnet = "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'nodes')]";
    for f in 0..10 {
        let loops: Vec<J> = (0..5)
            .map(|k| clusters(&format!("{f}{k}"), 80, subnet))
            .collect();
        std::fs::write(dir.join(format!("t{f}.json")), template(J::Array(loops))).unwrap();
    }
    let (report, counts, peak) = run(&dir);
    assert_eq!(counts.get("AKS021"), Some(&1_200), "{counts:?}");
    assert_eq!(counts.get("AKS011"), Some(&1_199), "{counts:?}");
    assert_eq!(counts.get("TDN003"), Some(&7), "{counts:?}");
    let limits = messages(&report, "TDN003");
    assert_eq!(
        limits.first().copied(),
        Some(
            "evaluation limit reached: this run links at most 1532 resources; the 400 this template deploys are not linked, and rules do not see them"
        )
    );
    if let Some(kb) = peak {
        assert!(kb < 256 * 1024, "peak {kb} KB");
    }
}

/// Pairing parameter files by the names they set stays bounded: two hundred
/// templates and two hundred parameter files in one folder, each with three
/// hundred parameters, none pairing by name and none taken (one extra name).
/// A lookup per name per pair would take minutes; the run takes seconds and
/// pairs nothing.
#[test]
fn pairing_by_declared_names_is_bounded() {
    let dir = scratch("scale-pairing");
    let declared: serde_json::Map<String, J> = (0..300)
        .map(|k| {
            (
                format!("p{k}"),
                json!({"type": "string", "defaultValue": "x"}),
            )
        })
        .collect();
    let mut set: serde_json::Map<String, J> = (0..300)
        .map(|k| (format!("p{k}"), json!({"value": "y"})))
        .collect();
    set.insert("extra".into(), json!({"value": "z"}));
    let t = json!({"$schema": SCHEMA, "contentVersion": "1.0.0.0",
                   "parameters": declared, "resources": []})
    .to_string();
    let p = json!({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
                   "contentVersion": "1.0.0.0", "parameters": set})
    .to_string();
    for i in 0..200 {
        std::fs::write(dir.join(format!("t{i}.json")), &t).unwrap();
        std::fs::write(dir.join(format!("v{i}.json")), &p).unwrap();
    }
    let (_, counts, _) = run(&dir);
    assert!(counts.is_empty(), "{counts:?}");
}
