//! What a run hid is said, never silent: the summary line counts findings
//! silenced in the source and those in the baseline, SARIF reports silenced
//! findings as suppressed in source with the reason written beside them, and
//! `--statistics` counts findings per rule.

mod common;

use common::{scratch, stderr, stdout, tendon_in};
use std::path::PathBuf;

const ARM_COMMENT: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-02-01",
      "name": "aks-a",
      "location": "westeurope",
      "properties": {
        "dnsPrefix": "aksa",
        // tendon-disable-next-line AKS001 -- legacy pool, removed in #12
        "agentPoolProfiles": [ { "name": "win", "count": 1, "osType": "Windows", "mode": "System" } ],
        "networkProfile": { "networkPlugin": "kubenet" }
      }
    }
  ]
}
"#;

const BICEP_PRAGMA: &str =
    "resource aks 'Microsoft.ContainerService/managedClusters@2024-02-01' = {
  name: 'aks-b'
  location: 'westeurope'
  properties: {
    agentPoolProfiles: [
      #disable-next-line AKS001 // blue/green twin of aks-a
      { name: 'win', mode: 'System', count: 1, osType: 'Windows' }
    ]
    networkProfile: { networkPlugin: 'kubenet' }
  }
}
";

const ARM_METADATA: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-02-01",
      "name": "aks-c",
      "location": "westeurope",
      "metadata": { "tendon": { "suppress": ["kubenet-retirement"], "reason": "retires with the platform" } },
      "properties": {
        "dnsPrefix": "aksc",
        "agentPoolProfiles": [ { "name": "win", "count": 1, "osType": "Windows", "mode": "System" } ],
        "networkProfile": { "networkPlugin": "kubenet" }
      }
    }
  ]
}
"#;

/// Three clusters, each with one finding silenced in its source.
fn project(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join("a.json"), ARM_COMMENT).unwrap();
    std::fs::write(dir.join("b.bicep"), BICEP_PRAGMA).unwrap();
    std::fs::write(dir.join("c.json"), ARM_METADATA).unwrap();
    dir
}

fn last_line(text: &str) -> &str {
    text.lines().last().unwrap_or("")
}

#[test]
fn the_summary_says_what_suppressions_and_the_baseline_hid() {
    let dir = project("hidden-summary");
    let o = tendon_in(&dir, &["check", "."]);
    assert_eq!(
        last_line(&stdout(&o)),
        "checked 3 files (2 templates, 1 Bicep file): 1 error, 0 warnings, 2 infos (3 suppressed)"
    );
    let o = tendon_in(&dir, &["check", ".", "--write-baseline", "base.json"]);
    assert_eq!(stdout(&o), "wrote 3 findings to base.json\n");
    let o = tendon_in(&dir, &["check", ".", "--baseline", "base.json"]);
    assert_eq!(
        stdout(&o),
        "checked 3 files (2 templates, 1 Bicep file): 0 errors, 0 warnings (3 suppressed, 3 in baseline)\n"
    );
    assert_eq!(o.status.code(), Some(0));
    // The JSON report counts them too.
    let o = tendon_in(
        &dir,
        &["check", ".", "--baseline", "base.json", "--format", "json"],
    );
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let summary = &doc["summary"];
    assert_eq!(
        (
            &summary["suppressed"],
            &summary["baselined"],
            &summary["unchanged"]
        ),
        (&3.into(), &3.into(), &0.into())
    );
}

#[test]
fn sarif_reports_silenced_findings_as_suppressed_in_source() {
    let dir = project("hidden-sarif");
    let o = tendon_in(&dir, &["check", ".", "--format", "sarif"]);
    assert_eq!(stderr(&o), "");
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let run = &doc["runs"][0];
    assert_eq!(
        run["tool"]["driver"]["informationUri"],
        env!("CARGO_PKG_REPOSITORY")
    );
    let results: Vec<String> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let at = &r["locations"][0]["physicalLocation"];
            format!(
                "{} {}:{} {}",
                r["ruleId"].as_str().unwrap(),
                at["artifactLocation"]["uri"].as_str().unwrap(),
                at["region"]["startLine"],
                r["suppressions"]
            )
        })
        .collect();
    assert_eq!(
        results,
        [
            "AKS021 a.json:14 []",
            "AKS021 b.bicep:9 []",
            "AKS001 c.json:13 []",
            r#"AKS001 a.json:13 [{"kind":"inSource","justification":"legacy pool, removed in #12"}]"#,
            r#"AKS001 b.bicep:7 [{"kind":"inSource","justification":"blue/green twin of aks-a"}]"#,
            r#"AKS021 c.json:14 [{"kind":"inSource","justification":"retires with the platform"}]"#,
        ]
    );
}

#[test]
fn statistics_count_findings_per_rule() {
    let dir = project("hidden-statistics");
    let o = tendon_in(&dir, &["check", ".", "--statistics"]);
    assert_eq!(
        stdout(&o),
        "2  AKS021  info     kubenet-retirement\n\
         1  AKS001  error    kubenet-windows-pool\n\
         checked 3 files (2 templates, 1 Bicep file): 1 error, 0 warnings, 2 infos (3 suppressed)\n"
    );
    // The exit code still follows the findings.
    assert_eq!(o.status.code(), Some(1));
    let o = tendon_in(&dir, &["check", ".", "--statistics", "--format", "json"]);
    assert_eq!(
        stdout(&o),
        r#"[
  {
    "rule": "AKS021",
    "slug": "kubenet-retirement",
    "severity": "info",
    "count": 2
  },
  {
    "rule": "AKS001",
    "slug": "kubenet-windows-pool",
    "severity": "error",
    "count": 1
  }
]
"#
    );
    // --report files stay complete.
    let o = tendon_in(
        &dir,
        &[
            "check",
            ".",
            "--statistics",
            "-q",
            "--report",
            "gcc=all.txt",
        ],
    );
    assert_eq!(
        stdout(&o),
        "2  AKS021  info     kubenet-retirement\n1  AKS001  error    kubenet-windows-pool\n"
    );
    let all = std::fs::read_to_string(dir.join("all.txt")).unwrap();
    assert_eq!(all.lines().count(), 3, "{all}");
}
