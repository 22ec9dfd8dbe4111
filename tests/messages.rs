//! Exact messages and docs links of findings in fixture cases: names as the
//! templates write them, the numbers a message explains itself with, and the
//! docs page of the cluster's network (the `expected` files check locations).

use std::path::{Path, PathBuf};

use tendon::pipeline;
use tendon::report::locate;
use tendon::rules::load::load_rules;

/// `(rule, line, message, docs)` of every warning and error in a case, and
/// of its info findings of `rule`.
fn findings(case: &str) -> Vec<(String, u32, String, String)> {
    let rules = load_rules(&[] as &[&Path]).unwrap();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(case);
    let outcome = pipeline::run(&[dir], &rules).unwrap();
    outcome
        .findings
        .iter()
        .filter(|f| f.severity != tendon::finding::Severity::Info)
        .map(|f| {
            (
                f.rule.clone(),
                locate(&outcome.sources, f.loc).start.line,
                f.message.clone(),
                f.docs.clone().unwrap_or_default(),
            )
        })
        .collect()
}

/// The message of the one finding of `rule` at `line`.
fn message(case: &str, rule: &str, line: u32) -> String {
    let all = findings(case);
    let hits: Vec<_> = all
        .iter()
        .filter(|(r, l, _, _)| r == rule && *l == line)
        .collect();
    assert_eq!(hits.len(), 1, "{case}: {rule} at line {line} in {all:#?}");
    hits[0].2.clone()
}

fn docs(case: &str, rule: &str, line: u32) -> String {
    findings(case)
        .into_iter()
        .find(|(r, l, _, _)| r == rule && *l == line)
        .map(|f| f.3)
        .unwrap_or_default()
}

const KUBENET_DOCS: &str = "https://learn.microsoft.com/azure/aks/configure-kubenet";
const OVERLAY_DOCS: &str = "https://learn.microsoft.com/azure/aks/azure-cni-overlay";
const AZURE_CNI_DOCS: &str = "https://learn.microsoft.com/azure/aks/configure-azure-cni";

#[test]
fn subnet_names_are_printed_as_written() {
    // The id is compared lower-cased; the message keeps `AksSubnet`.
    for (case, line) in [
        ("AKS011/module-output", 39),
        ("AKS011/module-output-bicep", 22),
    ] {
        assert_eq!(
            message(case, "AKS011", line),
            "cluster 'aks-b' puts node pool 'system' on subnet 'AksSubnet', which cluster \
             'aks-a' already uses; kubenet clusters cannot share a subnet"
        );
    }
    // Named as the flagged pool writes it (`…/subnets/AKS`), not as the first cluster does.
    assert!(message("AKS011/fail", "AKS011", 16).contains("on subnet 'AKS',"));
}

#[test]
fn missing_network_role_says_what_is_not_covered() {
    assert_eq!(
        message("AKS014/no-route-table", "AKS014", 27),
        "kubenet cluster 'aks-byo-subnet' uses its own subnet 'AksNodes', but no role \
         assignment in the templates gives its user-assigned identity Network Contributor \
         (or a role with the same network rights) on the subnet (or its VNet or resource group)"
    );
    assert_eq!(
        message("AKS014/route-table-uncovered-bicep", "AKS014", 42),
        "kubenet cluster 'aks-own-routes' uses its own subnet 'AksNodes' and route table \
         'AksRoutes', but no role assignment in the templates gives its user-assigned \
         identity Network Contributor (or a role with the same network rights) on the route \
         table (or its resource group)"
    );
    assert_eq!(
        message("AKS014/fail", "AKS014", 44),
        "kubenet cluster 'aks-norole' uses its own subnet 'nodes' and route table 'aks-rt', \
         but no role assignment in the templates gives its user-assigned identity Network \
         Contributor (or a role with the same network rights) on the subnet and the route \
         table (or a resource group holding both)"
    );
}

#[test]
fn pod_range_message_counts_its_24_blocks() {
    assert_eq!(
        message("AKS006/fail", "AKS006", 46),
        "kubenet cluster 'aks-small-range' can reach 17 nodes, but its pod range \
         10.244.0.0/20 holds 16 /24 blocks, and each node takes one"
    );
    assert!(
        message("AKS006/fail", "AKS006", 29)
            .contains("10.244.0.0/16 (AKS's default, as it is not set) holds 256 /24 blocks")
    );
}

#[test]
fn implicit_plugin_message_says_what_aks_picks() {
    assert_eq!(
        message("AKS020/fail", "AKS020", 17),
        "cluster 'no-profile' does not set networkProfile.networkPlugin, so AKS picks Azure \
         CNI Overlay, as AKS's default Kubernetes version is 1.30 or later"
    );
    assert_eq!(
        message("AKS020/by-version", "AKS020", 6),
        "cluster 'old-version' does not set networkProfile.networkPlugin, so AKS picks \
         kubenet, as Kubernetes 1.29.7 is below 1.30"
    );
    // Rules that follow the implied plugin say so.
    assert_eq!(
        message("AKS020/by-version", "AKS001", 15),
        "node pool 'win' of cluster 'old-version' runs Windows, which kubenet does not \
         support (networkPlugin is not set: AKS's default for Kubernetes 1.29.7 is kubenet)"
    );
}

#[test]
fn docs_follow_the_clusters_network() {
    // AKS023 on an overlay cluster and on a kubenet one.
    assert_eq!(docs("AKS023/fail", "AKS023", 13), OVERLAY_DOCS);
    assert_eq!(docs("AKS023/fail", "AKS023", 24), KUBENET_DOCS);
    assert_eq!(docs("AKS023/flat-azure-cni", "AKS023", 13), AZURE_CNI_DOCS);
    assert_eq!(
        docs("AKS023/flat-azure-cni-bicep", "AKS023", 8),
        AZURE_CNI_DOCS
    );
    // A subnet whose clusters are all overlay.
    assert_eq!(docs("AKS007/two-clusters", "AKS007", 15), OVERLAY_DOCS);
    // kubenet-only rules keep the kubenet page.
    assert_eq!(docs("AKS006/fail", "AKS006", 46), KUBENET_DOCS);
}
