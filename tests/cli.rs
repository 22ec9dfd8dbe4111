//! End-to-end tests of the `tendon` binary: exact output of every format,
//! every exit code, determinism across thread counts.

mod common;

use common::{scratch, stderr, stdout, tendon, tendon_in};

use std::path::Path;
use std::process::Output;

/// Stdout without AKS021's info lines (kubenet retirement), which every kubenet fixture has.
fn without_retirement_notes(o: &Output) -> String {
    stdout(o)
        .lines()
        .filter(|l| !l.contains("note[AKS021]"))
        .map(|l| format!("{l}\n"))
        .collect()
}

const GCC: &str = "\
fixtures/TDN001/fail/broken.json:8:7: error[TDN001]: unexpected character '\"', expected ',' or '}'
fixtures/TDN001/fail/good.json:11:71: error[AKS001]: node pool 'win' of cluster 'aks-good' runs Windows, which kubenet does not support
fixtures/TDN001/fail/good.json:12:46: note[AKS021]: cluster 'aks-good' uses kubenet, which AKS retires on 31 March 2028; plan the move to Azure CNI Overlay
";

#[test]
fn gcc_format_is_one_line_per_finding() {
    let o = tendon(&["check", "fixtures/TDN001/fail", "--format", "gcc"]);
    assert_eq!(stdout(&o), GCC);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn json_format_has_the_documented_shape() {
    let o = tendon(&["check", "fixtures/TDN001/fail", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let expected = r#"{
  "version": 1,
  "findings": [
    {
      "rule": "TDN001",
      "slug": "parse-error",
      "severity": "error",
      "message": "unexpected character '\"', expected ',' or '}'",
      "file": "fixtures/TDN001/fail/broken.json",
      "line": 8,
      "column": 7,
      "end_line": 8,
      "end_column": 8,
      "help": null,
      "docs": null,
      "related": []
    },
    {
      "rule": "AKS001",
      "slug": "kubenet-windows-pool",
      "severity": "error",
      "message": "node pool 'win' of cluster 'aks-good' runs Windows, which kubenet does not support",
      "file": "fixtures/TDN001/fail/good.json",
      "line": 11,
      "column": 71,
      "end_line": 11,
      "end_column": 80,
      "help": "Windows node pools need Azure CNI: set networkProfile.networkPlugin to 'azure' (with networkPluginMode 'overlay' to keep pod IPs off the subnet), or make this a Linux pool.",
      "docs": "https://learn.microsoft.com/azure/aks/configure-kubenet",
      "related": []
    },
    {
      "rule": "AKS021",
      "slug": "kubenet-retirement",
      "severity": "info",
      "message": "cluster 'aks-good' uses kubenet, which AKS retires on 31 March 2028; plan the move to Azure CNI Overlay",
      "file": "fixtures/TDN001/fail/good.json",
      "line": 12,
      "column": 46,
      "end_line": 12,
      "end_column": 55,
      "help": "Azure CNI Overlay keeps pod addresses off the VNet like kubenet, without route tables.",
      "docs": "https://learn.microsoft.com/azure/aks/concepts-network-legacy-cni",
      "related": []
    }
  ],
  "summary": {
    "files": 2,
    "templates": 1,
    "parameter_files": 0,
    "bicep_files": 0,
    "errors": 2,
    "warnings": 0,
    "infos": 1,
    "suppressed": 0,
    "baselined": 0,
    "unchanged": 0
  }
}
"#;
    assert_eq!(stdout(&o), expected);
}

const HUMAN: &str = r#"error[TDN001]: unexpected character '"', expected ',' or '}'
 --> fixtures/TDN001/fail/broken.json:8:7
  |
8 |       "location": "westeurope"
  |       ^

error[AKS001]: node pool 'win' of cluster 'aks-good' runs Windows, which kubenet does not support
  --> fixtures/TDN001/fail/good.json:11:71
   |
11 |         "agentPoolProfiles": [ { "name": "win", "count": 1, "osType": "Windows" } ],
   |                                                                       ^^^^^^^^^
   |
   = help: Windows node pools need Azure CNI: set networkProfile.networkPlugin to 'azure' (with networkPluginMode 'overlay' to keep pod IPs off the subnet), or make this a Linux pool. (tendon explain kubenet-windows-pool)
   = docs: https://learn.microsoft.com/azure/aks/configure-kubenet

note[AKS021]: cluster 'aks-good' uses kubenet, which AKS retires on 31 March 2028; plan the move to Azure CNI Overlay
  --> fixtures/TDN001/fail/good.json:12:46
   |
12 |         "networkProfile": { "networkPlugin": "kubenet" }
   |                                              ^^^^^^^^^
   |
   = help: Azure CNI Overlay keeps pod addresses off the VNet like kubenet, without route tables. (tendon explain kubenet-retirement)
   = docs: https://learn.microsoft.com/azure/aks/concepts-network-legacy-cni

checked 2 files (1 template): 2 errors, 0 warnings, 1 info
"#;

#[test]
fn human_format_shows_snippets_and_a_summary() {
    let o = tendon(&["check", "fixtures/TDN001/fail", "--color", "never"]);
    assert_eq!(stdout(&o), HUMAN);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn quiet_drops_the_summary_and_color_always_colors() {
    let o = tendon(&["check", "fixtures/TDN001/fail", "--color", "never", "-q"]);
    assert!(!stdout(&o).contains("checked "));
    let o = tendon(&["check", "fixtures/TDN001/fail", "--color", "always"]);
    assert!(stdout(&o).contains("\u{1b}["));
    // auto: not a terminal here, so no colour.
    let o = tendon(&["check", "fixtures/TDN001/fail"]);
    assert!(!stdout(&o).contains("\u{1b}["));
}

#[test]
fn exit_codes() {
    // Clean input.
    let o = tendon(&["check", "fixtures/AKS001/pass"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // Errors found, per --fail-on.
    assert_eq!(
        tendon(&["check", "fixtures/TDN001/fail"]).status.code(),
        Some(1)
    );
    assert_eq!(
        tendon(&["check", "fixtures/TDN001/fail", "--fail-on", "warning"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        tendon(&["check", "fixtures/TDN001/fail", "--fail-on", "info"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        tendon(&["check", "fixtures/TDN001/fail", "--fail-on", "never"])
            .status
            .code(),
        Some(0)
    );
    // The run itself fails: bad argument, missing path, zero jobs.
    let o = tendon(&["check", "--format", "xml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("xml"));
    let o = tendon(&["check", "no/such/path"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read no/such/path"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        tendon(&["check", "-j", "0", "fixtures"]).status.code(),
        Some(2)
    );
}

#[test]
fn a_bad_rule_file_is_exit_2_with_a_pointer_into_the_toml() {
    let dir = scratch("bad-rules");
    std::fs::write(
        dir.join("X.toml"),
        "id = \"XYZ001\"\nslug = \"x\"\nseverity = \"error\"\nsummary = \"s\"\nselect = \"$.clusters[\"\nmessage = \"m\"\n",
    )
    .unwrap();
    let o = tendon(&[
        "check",
        "fixtures/AKS001/pass",
        "--rules",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("invalid JSONPath in `select`"), "{err}");
    assert!(err.contains("X.toml:5:10"), "{err}");
}

#[test]
fn user_rules_run_next_to_the_builtin_ones() {
    let dir = scratch("user-rules");
    std::fs::write(
        dir.join("ORG001.toml"),
        r#"id = "ORG001"
slug = "no-system-identity"
severity = "warning"
summary = "clusters use a user-assigned identity"
select = "$.clusters[?@.identity.type == 'SystemAssigned']"
message = "cluster '{name}' uses a system-assigned identity"
at = "identity.type"
"#,
    )
    .unwrap();
    let o = tendon(&[
        "check",
        "fixtures/AKS001/fail",
        "--format",
        "gcc",
        "--fail-on",
        "never",
        "--rules",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains("fixtures/AKS001/fail/azuredeploy.json:17:29: warning[ORG001]: cluster 'aks-win' uses a system-assigned identity"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn output_does_not_depend_on_thread_count() {
    let one = tendon(&["check", "fixtures", "--format", "json", "-j", "1"]);
    let eight = tendon(&["check", "fixtures", "--format", "json", "-j", "8"]);
    assert_eq!(stdout(&one), stdout(&eight));
    assert!(stdout(&one).contains("\"AKS011\""));
}

#[test]
fn timings_go_to_stderr() {
    let o = tendon(&[
        "check",
        "fixtures/AKS001/pass",
        "--timings",
        "--format",
        "gcc",
    ]);
    let err = stderr(&o);
    for stage in ["discover", "load", "evaluate", "link", "rules", "report"] {
        assert!(err.contains(&format!("timing {stage}")), "{err}");
    }
    assert_eq!(without_retirement_notes(&o), "");
}

#[test]
fn world_prints_the_linked_document() {
    let o = tendon(&["world", "fixtures/AKS011/fail"]);
    assert_eq!(o.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let clusters = doc["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 2);
    assert_eq!(doc["subnets"].as_array().unwrap().len(), 1);
    assert_eq!(doc["subnets"][0]["clusters"].as_array().unwrap().len(), 2);
    let uses = &doc["subnets"][0]["clusterPools"];
    assert_eq!(uses[0]["cluster"], "aks-a");
    assert_eq!(uses[1]["at"], "/clusters/1/pools/0/subnet");
}

/// `world` shows what the rules of `check` see: the configuration's ranges apply.
#[test]
fn world_applies_the_configuration() {
    let dir = scratch("world-config");
    std::fs::copy("fixtures/AKS011/fail/cluster-a.json", dir.join("a.json")).unwrap();
    std::fs::write(
        dir.join("tendon.toml"),
        "[network]\non-premises = [\"10.0.0.0/8\"]\n",
    )
    .unwrap();
    let config = |o: &std::process::Output| {
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        doc["config"]["onPremises"].clone()
    };
    let o = tendon_in(&dir, &["world", "."]);
    assert_eq!(config(&o), serde_json::json!(["10.0.0.0/8"]));
    std::fs::write(dir.join("other.toml"), "").unwrap();
    let o = tendon_in(&dir, &["world", ".", "--config", "other.toml"]);
    assert_eq!(config(&o), serde_json::json!([]));
}

#[test]
fn deployment_targets_make_ids_concrete() {
    let dir = scratch("world-target");
    std::fs::create_dir_all(dir.join("prod")).unwrap();
    for to in ["a.json", "prod/a.json"] {
        std::fs::copy("fixtures/AKS011/fail/cluster-a.json", dir.join(to)).unwrap();
    }
    std::fs::write(
        dir.join("tendon.toml"),
        "[deployment]\ntarget = \"/subscriptions/1111/resourceGroups/rg-dev\"\n\
         location = \"westeurope\"\n\n[[deployment.folder]]\npath = \"prod\"\n\
         target = \"/subscriptions/2222/resourceGroups/rg-prod\"\n",
    )
    .unwrap();
    let subnets = |o: &std::process::Output| {
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let mut ids: Vec<String> = doc["subnets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    let id = |sub: &str, rg: &str| {
        format!(
            "/subscriptions/{sub}/resourcegroups/{rg}/providers/microsoft.network/virtualnetworks/spoke-vnet/subnets/aks"
        )
    };
    // Each folder's target, else the configuration's.
    let o = tendon_in(&dir, &["world", "."]);
    assert_eq!(subnets(&o), [id("1111", "rg-dev"), id("2222", "rg-prod")]);
    // --target wins over the configuration, for every template.
    let o = tendon_in(
        &dir,
        &[
            "world",
            ".",
            "--target",
            "/subscriptions/3333/resourceGroups/rg-x",
        ],
    );
    assert_eq!(subnets(&o), [id("3333", "rg-x")]);
    let o = tendon_in(&dir, &["check", ".", "--target", "/subscriptions/{sub}"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("bad --target /subscriptions/{sub}: the subscription id must be"),
        "{}",
        stderr(&o)
    );
    // A bad target in the configuration points into it.
    std::fs::write(dir.join("tendon.toml"), "[deployment]\ntarget = \"/rg\"\n").unwrap();
    let o = tendon_in(&dir, &["check", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("bad deployment target: expected /subscriptions/<id>"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn rule_docs_and_list() {
    let o = tendon(&["rule", "AKS011"]);
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    for heading in [
        "# AKS011 (kubenet-shared-subnet)",
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "## Use instead",
        "## References",
    ] {
        assert!(text.contains(heading), "{text}");
    }
    let o = tendon(&["rule"]);
    assert!(stdout(&o).lines().any(|l| l.starts_with("AKS001 ")));
    assert_eq!(tendon(&["rule", "NOPE999"]).status.code(), Some(2));
}

#[test]
fn version() {
    let o = tendon(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stdout(&o),
        format!("tendon {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn report_unresolved_says_which_rule_could_not_be_checked() {
    let o = tendon(&["check", "fixtures/AKS003/pass", "--format", "gcc"]);
    assert_eq!(without_retirement_notes(&o), "");
    let o = tendon(&[
        "check",
        "fixtures/AKS003/pass",
        "--format",
        "gcc",
        "--report-unresolved",
    ]);
    assert_eq!(
        without_retirement_notes(&o),
        "fixtures/AKS003/pass/azuredeploy.json:26:62: note[TDN002]: AKS003 (kubenet-virtual-nodes) could not be checked: \
         addons.aciConnectorLinux.enabled is unknown: parameter 'enableVirtualNodes' has no default and no parameter file gives it\n"
    );
    // Info findings do not fail the run by default.
    assert_eq!(o.status.code(), Some(0));
    let o = tendon(&[
        "check",
        "fixtures/AKS003/pass",
        "--report-unresolved",
        "--fail-on",
        "info",
    ]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn stats_report_coverage_on_stderr() {
    let o = tendon(&[
        "check",
        "fixtures/AKS001/pass",
        "--stats",
        "--format",
        "gcc",
    ]);
    assert_eq!(without_retirement_notes(&o), "");
    assert_eq!(
        stderr(&o),
        "stats: 1 template evaluations, 0 evaluated completely (0%)\n\
         stats: 1 unknown values; top reasons:\n       \
         1  parameter '…' has no default and no parameter file gives it  \
         (e.g. fixtures/AKS001/pass/azuredeploy.json:29:52)\n"
    );
}

#[test]
fn readme_rule_table_is_generated_from_the_rules() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme.find("<!-- rules:start -->\n").expect("start marker")
        + "<!-- rules:start -->\n".len();
    let end = readme.find("<!-- rules:end -->").expect("end marker");
    let o = tendon(&["rules", "--format", "markdown"]);
    assert_eq!(
        &readme[start..end],
        stdout(&o),
        "README's rule table is stale: replace it with `tendon rules --format markdown`"
    );
}

#[test]
fn rules_list_and_explain() {
    let o = tendon(&["rules", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"AKS028") && ids.contains(&"TDN001"),
        "{ids:?}"
    );
    assert_eq!(list[0]["slug"], "kubenet-windows-pool");
    let o = tendon(&["explain", "kubenet-shared-subnet"]);
    assert!(stdout(&o).starts_with("# AKS011 (kubenet-shared-subnet)\n"));
    assert!(ids.contains(&"TDN006"), "{ids:?}");
    let o = tendon(&["explain", "missing-file"]);
    assert!(
        stdout(&o).starts_with(
            "# TDN006 (missing-file)\n\nSeverity: warning. A module, import or linked template names a file that does not exist\n"
        ),
        "{}",
        stdout(&o)
    );
    assert_eq!(tendon(&["explain", "NOPE999"]).status.code(), Some(2));
}

#[test]
fn github_format_writes_workflow_commands() {
    let o = tendon(&["check", "fixtures/AKS011/fail", "--format", "github"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        "::notice file=fixtures/AKS011/fail/cluster-a.json,line=21,col=46,endLine=21,endColumn=55,title=AKS021 kubenet-retirement::\
         cluster 'aks-a' uses kubenet, which AKS retires on 31 March 2028; plan the move to Azure CNI Overlay\n\
         ::error file=fixtures/AKS011/fail/cluster-b.json,line=16,col=29,endLine=16,endColumn=171,title=AKS011 kubenet-shared-subnet::\
         cluster 'aks-b' puts node pool 'system' on subnet 'AKS', which cluster 'aks-a' already uses; kubenet clusters cannot share a subnet\
         %0Arelated: fixtures/AKS011/fail/cluster-a.json:18:77: cluster 'aks-a' uses the subnet here\n"
    );
}

#[test]
fn junit_format_has_a_test_case_per_file() {
    let o = tendon(&["check", "fixtures/TDN001", "--format", "junit"]);
    let xml = stdout(&o);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"tendon\" tests=\"3\" failures=\"2\">\n"), "{xml}");
    assert!(
        xml.contains(
            "    <testcase classname=\"tendon\" name=\"fixtures/TDN001/pass/commented.jsonc\"/>\n"
        ),
        "{xml}"
    );
    assert!(
        xml.contains("      <failure type=\"TDN001\" message=\"unexpected character &apos;&quot;&apos;, expected &apos;,&apos; or &apos;}&apos;\">fixtures/TDN001/fail/broken.json:8:7: error[TDN001]: "),
        "{xml}"
    );
    assert!(xml.ends_with("  </testsuite>\n</testsuites>\n"));
}

#[test]
fn sarif_format_describes_rules_and_results() {
    let o = tendon(&["check", "fixtures/AKS011/fail", "--format", "sarif"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(
        rules
            .iter()
            .any(|r| r["id"] == "AKS011" && r["name"] == "kubenet-shared-subnet")
    );
    assert!(rules.iter().any(|r| r["id"] == "TDN001"));
    let result = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "AKS011")
        .unwrap();
    assert_eq!(result["level"], "error");
    assert_eq!(
        rules[result["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "AKS011"
    );
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(16), Some(29))
    );
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "fixtures/AKS011/fail/cluster-b.json"
    );
    assert_eq!(
        result["relatedLocations"][0]["physicalLocation"]["region"]["startLine"],
        18
    );
    let fingerprint = result["partialFingerprints"]["tendonFinding/v1"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(fingerprint.len(), 16);
    // The fingerprint does not depend on line numbers: the same finding elsewhere in a file keeps it.
    let again = tendon(&["check", "fixtures/AKS011/fail", "--format", "sarif"]);
    assert!(stdout(&again).contains(&fingerprint));
}

#[test]
fn output_writes_the_report_to_a_file_and_the_summary_to_the_terminal() {
    let dir = scratch("output");
    // The report's folder does not exist yet.
    let file = dir.join("reports").join("report.sarif");
    let o = tendon(&[
        "check",
        "fixtures/AKS011/fail",
        "--format",
        "sarif",
        "--output",
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        "checked 2 files (2 templates): 1 error, 0 warnings, 1 info\n"
    );
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("\"version\": \"2.1.0\""));
}

const KUBENET_ON_10: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-02-01",
      "name": "aks",
      "location": "westeurope",
      "properties": {
        "agentPoolProfiles": [ { "name": "win", "count": 1, "osType": "Windows" } ],
        "networkProfile": { "networkPlugin": "kubenet", "podCidr": "10.244.0.0/16", "serviceCidr": "172.16.0.0/16", "dnsServiceIP": "172.16.0.10" }
      }
    }
  ]
}
"#;

#[test]
fn configuration_is_found_upward_and_applied() {
    let dir = scratch("config-applied");
    std::fs::create_dir_all(dir.join("infra/legacy")).unwrap();
    std::fs::write(dir.join("infra/aks.json"), KUBENET_ON_10).unwrap();
    std::fs::write(dir.join("infra/legacy/old.json"), KUBENET_ON_10).unwrap();
    std::fs::write(
        dir.join("tendon.toml"),
        "ignore = [\"kubenet-retirement\"]\nexclude = [\"infra/legacy/**\"]\nfail-on = \"warning\"\n\n[severity]\nAKS001 = \"warning\"\n\n[network]\non-premises = [\"10.0.0.0/8\"]\n",
    )
    .unwrap();
    let o = tendon_in(&dir.join("infra"), &["check", ".", "--format", "gcc"]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "aks.json:11:71: warning[AKS001]: node pool 'win' of cluster 'aks' runs Windows, which kubenet does not support\n\
         aks.json:12:68: error[AKS009]: podCidr 10.244.0.0/16 of cluster 'aks' overlaps the configured on-premises range 10.0.0.0/8\n"
    );
    // fail-on = "warning" from the config; --fail-on on the command line wins.
    assert_eq!(o.status.code(), Some(1));
    let o = tendon_in(
        &dir.join("infra"),
        &["check", ".", "--format", "json", "--fail-on", "never"],
    );
    assert_eq!(o.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let related = &doc["findings"][1]["related"][0];
    // Outside the working directory, so printed as given (absolute).
    assert!(
        related["file"]
            .as_str()
            .unwrap()
            .ends_with("config-applied/tendon.toml"),
        "{related}"
    );
    assert_eq!(
        (related["line"].as_u64(), related["column"].as_u64()),
        (Some(9), Some(16))
    );
}

#[test]
fn a_bad_configuration_is_exit_2_with_a_pointer() {
    let dir = scratch("config-bad");
    std::fs::write(
        dir.join(".tendon.toml"),
        "[network]\non-premises = [\"10.0.0.0/33\"]\n",
    )
    .unwrap();
    let o = tendon_in(&dir, &["check", "."]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(
        err.contains("bad configuration") && err.contains("'10.0.0.0/33' is not a CIDR range"),
        "{err}"
    );
    assert!(err.contains(".tendon.toml:2:16"), "{err}");
    std::fs::write(dir.join(".tendon.toml"), "selct = []\n").unwrap();
    let o = tendon_in(&dir, &["check", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown field `selct`"));
}

#[test]
fn init_writes_a_starter_configuration_once() {
    let dir = scratch("config-init");
    let o = tendon_in(&dir, &["init"]);
    assert_eq!(o.status.code(), Some(0));
    let text = std::fs::read_to_string(dir.join("tendon.toml")).unwrap();
    assert!(text.contains("on-premises") && text.contains("# [[pair]]"));
    // A real link to the documentation, not a placeholder.
    assert_eq!(
        text.lines().next(),
        Some(concat!(
            "# tendon configuration (",
            env!("CARGO_PKG_REPOSITORY"),
            "#configuration)"
        ))
    );
    assert!(env!("CARGO_PKG_REPOSITORY").starts_with("https://github.com/"));
    // The starter parses, and a second init refuses to overwrite it.
    assert_eq!(tendon_in(&dir, &["check", "."]).status.code(), Some(0));
    assert_eq!(tendon_in(&dir, &["init"]).status.code(), Some(2));
}

/// Names built from deploy-time values are symbols, shown as the expression
/// that builds them, never `(unknown)`; the multi-argument form reads as ARM.
#[test]
fn symbolic_names_read_as_expressions() {
    let o = tendon(&[
        "check",
        "fixtures/AKS007/symbolic-name",
        "--format",
        "gcc",
        "--fail-on",
        "never",
    ]);
    assert_eq!(
        stdout(&o),
        "fixtures/AKS007/symbolic-name/azuredeploy.json:19:74: error[AKS007]: subnet 'nodes' has 11 usable addresses (Azure reserves 5), but its node pools can reach 12 nodes including upgrade surge\n\
         fixtures/AKS007/symbolic-name/azuredeploy.json:33:46: note[AKS021]: cluster 'aks-{uniqueString(resourceGroup().id)}' uses kubenet, which AKS retires on 31 March 2028; plan the move to Azure CNI Overlay\n"
    );
    assert_eq!(o.status.code(), Some(0));
}
const POOLS_ON_SUBNETS: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": { "subnetId": { "type": "string" } },
  "resources": [
    {
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-02-01",
      "name": "aks1",
      "location": "westeurope",
      "properties": {
        "agentPoolProfiles": [
          { "name": "np1", "count": 1, "vnetSubnetID": "[parameters('subnetId')]" },
          { "name": "np2", "count": 1, "vnetSubnetID": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'aks')]" },
          { "name": "np3", "count": 1 },
          { "name": "np4", "count": 1, "vnetSubnetID": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'nodes')]" }
        ],
        "networkProfile": { "networkPlugin": "azure" }
      }
    },
    {
      "type": "Microsoft.ContainerService/managedClusters/agentPools",
      "apiVersion": "2024-02-01",
      "name": "aks1/np5",
      "properties": { "count": 1, "vnetSubnetID": "[reference('subnetLookup').outputs.id.value]" }
    }
  ]
}
"#;

const VNET_WITH_NODES: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.Network/virtualNetworks",
      "apiVersion": "2023-09-01",
      "name": "vnet",
      "location": "westeurope",
      "properties": {
        "addressSpace": { "addressPrefixes": ["10.1.0.0/16"] },
        "subnets": [ { "name": "nodes", "properties": { "addressPrefix": "10.1.0.0/24" } } ]
      }
    }
  ]
}
"#;

#[test]
fn report_unresolved_says_which_node_subnets_could_not_be_linked() {
    let dir = scratch("unlinked-subnets");
    std::fs::write(dir.join("aks.json"), POOLS_ON_SUBNETS).unwrap();
    std::fs::write(dir.join("vnet.json"), VNET_WITH_NODES).unwrap();
    let o = tendon_in(&dir, &["check", ".", "--format", "gcc"]);
    assert_eq!(stdout(&o), "");
    // np1: unknown id; np2: a subnet no template declares; np3: the AKS-managed
    // VNet; np4: on the subnet vnet.json declares; np5 (an agentPools
    // resource): unknown id.
    let o = tendon_in(
        &dir,
        &["check", ".", "--format", "gcc", "--report-unresolved"],
    );
    assert_eq!(
        stdout(&o),
        "aks.json:13:56: note[TDN002]: node subnet of pool 'np1' in cluster 'aks1' could not be linked: \
         parameter 'subnetId' has no default and no parameter file gives it\n\
         aks.json:14:56: note[TDN002]: node subnet of pool 'np2' in cluster 'aks1' names subnet \
         '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aks' \
         that no template of the run declares; rules about its subnet, VNet and route table are not checked\n\
         aks.json:25:51: note[TDN002]: node subnet of pool 'np5' in cluster 'aks1' could not be linked: \
         reference() is a runtime value\n"
    );
    assert_eq!(o.status.code(), Some(0));
}

/// A kubenet cluster whose one pool's OS type is a parameter (Linux by default).
fn cluster_with_os_parameter(name: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {{ "osType": {{ "type": "string", "defaultValue": "Linux" }} }},
  "resources": [
    {{
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-02-01",
      "name": "{name}",
      "location": "westeurope",
      "properties": {{
        "agentPoolProfiles": [ {{ "name": "np1", "count": 1, "osType": "[parameters('osType')]" }} ],
        "networkProfile": {{ "networkPlugin": "kubenet" }}
      }}
    }}
  ]
}}
"#
    )
}

/// A parameter file giving `osType: Windows`, with `metadata` as given (JSON).
fn windows_parameters(metadata: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "contentVersion": "1.0.0.0",
  "metadata": {metadata},
  "parameters": {{
    "osType": {{ "value": "Windows" }}
  }}
}}
"#
    )
}

#[test]
fn parameter_files_pair_through_metadata_template() {
    let dir = scratch("pair-metadata");
    std::fs::create_dir_all(dir.join("infra")).unwrap();
    std::fs::create_dir_all(dir.join("env")).unwrap();
    std::fs::write(dir.join("infra/aks.json"), cluster_with_os_parameter("aks")).unwrap();
    std::fs::write(
        dir.join("infra/other.json"),
        cluster_with_os_parameter("other"),
    )
    .unwrap();
    // Its name says aks.json; its metadata says other.json, which wins.
    std::fs::write(
        dir.join("infra/aks.parameters.json"),
        windows_parameters(r#"{"template": "./other.json"}"#),
    )
    .unwrap();
    // No `./`: relative to the parameter file, else to the folder linted.
    std::fs::write(
        dir.join("env/dev.json"),
        windows_parameters(r#"{"template": "infra/aks.json"}"#),
    )
    .unwrap();
    let o = tendon_in(&dir, &["check", ".", "--format", "gcc"]);
    assert_eq!(
        without_retirement_notes(&o),
        "env/dev.json:6:26: error[AKS001]: node pool 'np1' of cluster 'aks' runs Windows, which kubenet does not support\n\
         infra/aks.parameters.json:6:26: error[AKS001]: node pool 'np1' of cluster 'other' runs Windows, which kubenet does not support\n"
    );
}

#[test]
fn a_stale_parameter_file_gets_a_hint_not_a_pairing() {
    let dir = scratch("pair-stale");
    std::fs::write(
        dir.join("cluster-stamp.bicep"),
        "param clusterName string\nparam nodeCount int\noutput n string = clusterName\n",
    )
    .unwrap();
    std::fs::write(dir.join("network.bicep"), "param vnetName string\n").unwrap();
    std::fs::write(
        dir.join("azuredeploy.parameters.prod.json"),
        r#"{"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
  "parameters": {"clusterName": {"value": "aks"}, "nodeCount": {"value": 3}, "Location": {"value": "x"}}}"#,
    )
    .unwrap();
    let o = tendon_in(&dir, &["check", ".", "--format", "gcc", "--stats"]);
    // cluster-stamp.bicep would reject `Location`: no pairing, so no TDN008.
    assert_eq!(stdout(&o), "");
    assert!(
        stderr(&o).ends_with(
            "stats: parameter file azuredeploy.parameters.prod.json pairs with no template \
             (cluster-stamp.bicep declares all its parameters but 'Location': stale, or pair it \
             explicitly)\n"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn parameter_files_pair_through_the_configuration() {
    let dir = scratch("pair-config");
    std::fs::create_dir_all(dir.join("infra")).unwrap();
    std::fs::create_dir_all(dir.join("env/prod")).unwrap();
    std::fs::write(dir.join("infra/aks.json"), cluster_with_os_parameter("aks")).unwrap();
    std::fs::write(
        dir.join("env/prod/aks.parameters.json"),
        windows_parameters("{}"),
    )
    .unwrap();
    std::fs::write(
        dir.join("env/orphan.parameters.json"),
        windows_parameters("{}"),
    )
    .unwrap();
    let o = tendon_in(&dir, &["check", ".", "--format", "gcc", "--stats"]);
    assert_eq!(without_retirement_notes(&o), "");
    assert!(
        stderr(&o).contains(
            "stats: parameter file env/orphan.parameters.json pairs with no template\n\
             stats: parameter file env/prod/aks.parameters.json pairs with no template\n"
        ),
        "{}",
        stderr(&o)
    );
    std::fs::write(
        dir.join("tendon.toml"),
        "[[pair]]\ntemplate = \"infra/aks.json\"\nparameters = [\"env/*/aks.parameters.json\"]\n",
    )
    .unwrap();
    let o = tendon_in(&dir, &["check", ".", "--format", "gcc", "--stats"]);
    assert_eq!(
        without_retirement_notes(&o),
        "env/prod/aks.parameters.json:6:26: error[AKS001]: node pool 'np1' of cluster 'aks' runs Windows, which kubenet does not support\n"
    );
    assert!(
        stderr(&o)
            .ends_with("stats: parameter file env/orphan.parameters.json pairs with no template\n"),
        "{}",
        stderr(&o)
    );
    // A bad glob stops the run, pointing into the TOML.
    std::fs::write(
        dir.join("tendon.toml"),
        "[[pair]]\ntemplate = \"infra/aks.json\"\nparameters = [\"env/{dev,prod}/*.json\"]\n",
    )
    .unwrap();
    let o = tendon_in(&dir, &["check", "."]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains(
            "bad parameters glob \"env/{dev,prod}/*.json\": only `*`, `**` and `?` are supported"
        ),
        "{err}"
    );
    assert!(err.contains("tendon.toml:3:15"), "{err}");
}

#[test]
fn stats_count_modules_that_were_not_evaluated() {
    let dir = scratch("stats-modules");
    std::fs::write(
        dir.join("main.bicep"),
        "module vnet 'br/public:avm/res/network/virtual-network:0.5.0' = {\n  name: 'vnet'\n}\n\n\
         module spec 'ts:00000000-0000-0000-0000-000000000000/specs/aks:1.0' = {\n  name: 'spec'\n}\n\n\
         module gone './gone.bicep' = {\n  name: 'gone'\n}\n",
    )
    .unwrap();
    let o = tendon_in(&dir, &["check", ".", "--format", "gcc", "--stats"]);
    assert_eq!(
        stdout(&o),
        "main.bicep:9:13: warning[TDN006]: module './gone.bicep' does not exist\n"
    );
    assert_eq!(
        stderr(&o),
        "stats: 1 template evaluations, 0 evaluated completely (0%)\n\
         stats: 3 modules or linked templates not evaluated:\n       \
         1  module or linked template does not exist (TDN006)  (e.g. main.bicep:9:13)\n       \
         1  registry module (not available offline)  (e.g. main.bicep:1:13)\n       \
         1  template spec module (not available offline)  (e.g. main.bicep:5:13)\n\
         stats: 0 unknown values; top reasons:\n"
    );
}

/// Module paths with `../../` resolve from the calling file, also when tendon
/// runs in that file's folder and is given only its name.
#[test]
fn parent_module_paths_resolve_from_the_calling_file() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/AKS007/parent-module-bicep/env/dev");
    let o = tendon_in(&dir, &["check", "main.bicep", "--format", "gcc", "-q"]);
    assert_eq!(
        stdout(&o),
        "../../modules/cluster.bicep:9:38: note[AKS021]: cluster 'aks' uses kubenet, which AKS retires on 31 March 2028; plan the move to Azure CNI Overlay\n\
         main.bicep:8:62: error[AKS007]: subnet 'nodes' has 11 usable addresses (Azure reserves 5), but its node pools can reach 12 nodes including upgrade surge\n"
    );
    assert_eq!(o.status.code(), Some(1));
}

/// A run that lints nothing says so on stderr (a gate on the wrong folder
/// must not pass silently); a file named explicitly says why it was skipped.
/// The exit code stays 0: nothing was found.
#[test]
fn nothing_linted_is_said() {
    let dir = scratch("cli-nothing-linted");
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    std::fs::write(dir.join("docs/package.json"), r#"{"name": "x"}"#).unwrap();
    std::fs::write(dir.join("notes.txt"), "hello").unwrap();
    let o = tendon_in(&dir, &["check", "docs", "-q"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr(&o),
        "tendon: warning: no ARM or Bicep files found under docs\n"
    );
    let o = tendon_in(&dir, &["check", "notes.txt", "docs/package.json", "-q"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        stderr(&o),
        "tendon: warning: docs/package.json: skipped: not an ARM template or parameter file (no deploymentTemplate.json or deploymentParameters.json $schema)\n\
         tendon: warning: notes.txt: skipped: not an ARM template or parameter file (no deploymentTemplate.json or deploymentParameters.json $schema)\n\
         tendon: warning: no ARM or Bicep files found under notes.txt, docs/package.json\n"
    );
}

/// `--report FORMAT=PATH` writes more reports from the same run, each
/// byte-identical to a run with that `--format`; the terminal keeps its own
/// format and the exit code.
#[test]
fn several_reports_from_one_run() {
    let dir = scratch("cli-reports");
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/AKS001/fail");
    let case = case.to_str().unwrap();
    let sarif = dir.join("out/tendon.sarif");
    let junit = dir.join("tendon.xml");
    let o = tendon(&[
        "check",
        case,
        "--format",
        "gcc",
        "--report",
        &format!("sarif={}", sarif.display()),
        "--report",
        &format!("JUnit={}", junit.display()),
    ]);
    let gcc = tendon(&["check", case, "--format", "gcc"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), stdout(&gcc));
    for (path, format) in [(&sarif, "sarif"), (&junit, "junit")] {
        let alone = tendon(&["check", case, "--format", format]);
        assert_eq!(
            std::fs::read_to_string(path).unwrap(),
            stdout(&alone),
            "{format}"
        );
    }
    for (spec, error) in [
        (
            "xml=a.xml",
            "unknown format 'xml' (one of human, json, gcc, sarif, github, junit)",
        ),
        (
            "sarif",
            "expected FORMAT=PATH, e.g. sarif=tendon.sarif, not 'sarif'",
        ),
        ("sarif=", "the report's PATH is empty"),
    ] {
        let o = tendon(&["check", case, "--report", spec]);
        assert_eq!(o.status.code(), Some(2), "{spec}");
        assert!(stderr(&o).contains(error), "{spec}: {}", stderr(&o));
    }
}

/// A rule pattern in `select`, `ignore` or `[severity]` that names no rule
/// stops the run (exit 2) with a suggestion: a typo must not switch a gate off.
#[test]
fn unknown_rule_names_in_the_configuration_stop_the_run() {
    let dir = scratch("cli-unknown-rule-names");
    std::fs::write(
        dir.join("azuredeploy.json"),
        common::windows_pool_template("\"aks\"", "\"win\""),
    )
    .unwrap();
    let cases = [
        (
            "ignore = [\"TDN004\", \"kubenet-retirment\"]\n",
            "tendon: bad configuration tendon.toml:1:21: no rule has the id or slug \"kubenet-retirment\" (did you mean \"kubenet-retirement\"?)\n  here: \"kubenet-retirment\"\n",
        ),
        (
            "select = [\"AKS9999\"]\n",
            "tendon: bad configuration tendon.toml:1:11: no rule has the id or slug \"AKS9999\"\n  here: \"AKS9999\"\n",
        ),
        (
            "select = [\"AKS9*\"]\n",
            "tendon: bad configuration tendon.toml:1:11: no rule id or slug starts with \"AKS9\"\n  here: \"AKS9*\"\n",
        ),
        (
            "[severity]\nAKS0011 = \"warning\"\n",
            "tendon: bad configuration tendon.toml:2:11: no rule has the id or slug \"AKS0011\" (did you mean \"AKS001\"?)\n  here: \"warning\"\n",
        ),
    ];
    for (config, expected) in cases {
        std::fs::write(dir.join("tendon.toml"), config).unwrap();
        let o = tendon_in(&dir, &["check", ".", "--config", "tendon.toml", "-q"]);
        assert_eq!(o.status.code(), Some(2), "{config}");
        assert_eq!(stderr(&o), expected, "{config}");
    }
    std::fs::write(
        dir.join("tendon.toml"),
        "select = [\"AKS0*\", \"TDN*\"]\nignore = [\"kubenet-retirement\"]\n",
    )
    .unwrap();
    let o = tendon_in(&dir, &["check", ".", "--config", "tendon.toml", "-q"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

/// The human `-->` line's `file:line:col` counts characters, as the gcc line
/// does: a multibyte name and an escaped control character earlier on the line
/// do not shift it.
#[test]
fn human_header_columns_are_characters() {
    let dir = scratch("cli-human-columns");
    let text = common::windows_pool_template("\"ääää\u{1}\"", "\"wïn\"").replace('\n', " ");
    std::fs::write(dir.join("t.json"), text).unwrap();
    let gcc = stdout(&tendon_in(&dir, &["check", "t.json", "--format", "gcc"]));
    let human = stdout(&tendon_in(&dir, &["check", "t.json", "--color", "never"]));
    let places: Vec<&str> = gcc.lines().filter_map(|l| l.split(": ").next()).collect();
    let headers: Vec<&str> = human
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("--> "))
        .collect();
    assert!(!places.is_empty());
    assert_eq!(headers, places, "{human}");
}

#[test]
fn a_variant_message_wins_where_its_filter_holds_and_at_takes_the_first_present_field() {
    let dir = scratch("variant-rules");
    let rule = r#"id = "ORG002"
slug = "plugin-said"
severity = "info"
summary = "s"
select = "$.clusters[*]"
message = "cluster '{name}' runs {network.plugin}"
at = ["nowhere", "network.plugin"]

[[variant]]
fn = "equals_ignore_case"
args = ["network.plugin", "kubenet"]
message = "cluster '{name}' runs kubenet"
"#;
    std::fs::write(dir.join("ORG002.toml"), rule).unwrap();
    let o = tendon(&[
        "check",
        "fixtures/AKS011/fail",
        "--format",
        "gcc",
        "--fail-on",
        "never",
        "--rules",
        dir.to_str().unwrap(),
        "--select",
        "ORG002",
    ]);
    assert_eq!(
        stdout(&o),
        "fixtures/AKS011/fail/cluster-a.json:21:46: note[ORG002]: cluster 'aks-a' runs kubenet\n\
         fixtures/AKS011/fail/cluster-b.json:19:46: note[ORG002]: cluster 'aks-b' runs azure\n"
    );
    // A variant takes a filter, not a generator.
    std::fs::write(
        dir.join("ORG002.toml"),
        rule.replace("\"equals_ignore_case\"", "\"each\"")
            .replace("[\"network.plugin\", \"kubenet\"]", "[\"pools\"]"),
    )
    .unwrap();
    let o = tendon(&[
        "check",
        "fixtures/AKS011/fail",
        "--rules",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("a variant needs a filter, and each() is not one"),
        "{}",
        stderr(&o)
    );
}
