//! `--context`: exports of deployed resources joined with the templates
//! (the findings per rule family are fixtures, `fixtures/*/deployed-*`).

mod common;

use std::path::Path;

use common::{scratch, stderr, stdout, tendon_in};
use serde_json::Value;

fn fixture(case: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(case)
}

fn gcc(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["check", ".", "--format", "gcc"];
    all.extend_from_slice(args);
    let o = tendon_in(dir, &all);
    (o.status.code(), stdout(&o))
}

#[test]
fn findings_between_deployed_resources_only_need_a_flag() {
    let dir = fixture("AKS011/deployed-only");
    let (code, out) = gcc(&dir, &["--context", "deployed/aks-list.json"]);
    assert_eq!((code, out.as_str()), (Some(0), ""));
    let (code, out) = gcc(
        &dir,
        &["--context", "deployed/aks-list.json", "--context-findings"],
    );
    assert_eq!(code, Some(1));
    let errors: Vec<&str> = out.lines().filter(|l| l.contains("error[")).collect();
    assert_eq!(
        errors,
        [
            "deployed/aks-list.json:47:25: error[AKS011]: cluster 'aks-legacy-2' puts node pool \
          'nodes' on subnet 'nodes', which cluster 'aks-legacy' already uses; kubenet clusters \
          cannot share a subnet"
        ]
    );
}

#[test]
fn a_resource_in_two_exports_is_one_resource() {
    // The same cluster, read by `az aks list` and by Resource Graph.
    let dir = fixture("AKS011/deployed-cluster");
    let graph = fixture("AKS011/deployed-cluster-graph/deployed/graph.json");
    let graph = graph.to_str().unwrap();
    let both = ["--context", "deployed/aks-list.json", "--context", graph];
    let mut args = both.to_vec();
    args.push("--context-findings");
    let (code, out) = gcc(&dir, &args);
    assert_eq!(code, Some(1));
    let legacy: Vec<&str> = out.lines().filter(|l| l.contains("'aks-legacy'")).collect();
    // One retirement note for the deployed cluster, from the first export
    // that has it; no finding says it shares its subnet with itself.
    assert_eq!(
        legacy,
        [
            "aks.json:19:77: error[AKS011]: cluster 'aks-new' puts node pool 'system' on subnet \
             'nodes', which cluster 'aks-legacy' already uses; kubenet clusters cannot share a subnet",
            "deployed/aks-list.json:22:24: note[AKS021]: cluster 'aks-legacy' uses kubenet, which \
             AKS retires on 31 March 2028; plan the move to Azure CNI Overlay",
        ]
    );
    let mut world = vec!["world", "."];
    world.extend_from_slice(&both);
    let world: Value = serde_json::from_str(&stdout(&tendon_in(&dir, &world))).unwrap();
    let files: Vec<&str> = world["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["deployed/aks-list.json", "aks.json"]);
}

#[test]
fn deployed_resources_join_the_world_without_what_is_not_needed() {
    let dir = fixture("AKS011/deployed-cluster");
    let o = tendon_in(&dir, &["world", ".", "--context", "deployed/aks-list.json"]);
    let text = stdout(&o);
    // Tags (and anything else no rule reads) stay out of every output.
    assert!(!text.contains("platform-team"), "{text}");
    let world: Value = serde_json::from_str(&text).unwrap();
    let clusters: Vec<(&str, bool, &str)> = world["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                c["deployed"].as_bool().unwrap(),
                c["file"].as_str().unwrap(),
            )
        })
        .collect();
    // Deployed resources first: a template's cluster is the later user of a subnet.
    assert_eq!(
        clusters,
        [
            ("aks-legacy", true, "deployed/aks-list.json"),
            ("aks-new", false, "aks.json")
        ]
    );
}

#[test]
fn an_export_that_is_a_template_is_not_linted_twice() {
    let dir = fixture("AKS011/deployed-export");
    let o = tendon_in(
        &dir,
        &["world", ".", "--context", "deployed/rg-aks-export.json"],
    );
    let world: Value = serde_json::from_slice(&o.stdout).unwrap();
    let deployed: Vec<bool> = world["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["deployed"].as_bool().unwrap())
        .collect();
    assert_eq!(deployed, [true, false]);
}

#[test]
fn bad_context_files_are_findings_and_the_run_goes_on() {
    let dir = scratch("context-bad");
    std::fs::copy(
        fixture("AKS011/deployed-cluster/aks.json"),
        dir.join("aks.json"),
    )
    .unwrap();
    std::fs::write(dir.join("shape.json"), "{\"nope\": 1}").unwrap();
    std::fs::write(dir.join("broken.json"), "[{\"id\": \"/x\",\n  \"name\": }]").unwrap();
    let (code, out) = gcc(
        &dir,
        &[
            "--context",
            "shape.json",
            "--context",
            "broken.json",
            "--context",
            "missing.json",
        ],
    );
    assert_eq!(code, Some(1));
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.contains(&"aks.json:21:46: note[AKS021]: cluster 'aks-new' uses kubenet, which AKS retires on 31 March 2028; plan the move to Azure CNI Overlay"), "{out}");
    assert!(
        lines.iter().any(|l| l.starts_with(
            "shape.json:1:1: error[TDN001]: not a context file: expected an Azure export"
        )),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("broken.json:2:11: error[TDN001]: not a context file:")),
        "{out}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("missing.json:1:1: error[TDN001]: cannot read context file:")),
        "{out}"
    );
}

#[test]
fn the_configuration_names_exports_inside_the_project_only() {
    let dir = scratch("context-config");
    let repo = dir.join("repo");
    std::fs::create_dir_all(repo.join("deployed")).unwrap();
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    let case = fixture("AKS011/deployed-cluster");
    std::fs::copy(case.join("aks.json"), repo.join("aks.json")).unwrap();
    std::fs::copy(
        case.join("deployed/aks-list.json"),
        repo.join("deployed/aks-list.json"),
    )
    .unwrap();
    std::fs::copy(
        case.join("deployed/aks-list.json"),
        dir.join("outside.json"),
    )
    .unwrap();
    std::fs::write(
        repo.join("tendon.toml"),
        "context = [\"deployed/aks-list.json\"]\n",
    )
    .unwrap();
    let (_, out) = gcc(&repo, &[]);
    assert!(
        out.lines()
            .any(|l| l.starts_with("aks.json:19:77: error[AKS011]")),
        "{out}"
    );
    std::fs::write(
        repo.join("tendon.toml"),
        "context = [\"../outside.json\"]\n",
    )
    .unwrap();
    let o = tendon_in(&repo, &["check", ".", "--format", "gcc"]);
    let out = stdout(&o);
    assert!(
        out.lines().any(|l| l
            .contains("error[TDN001]: cannot read context file: it is outside the project root")),
        "{out}{}",
        stderr(&o)
    );
    assert!(!out.contains("AKS011"), "{out}");
}

#[test]
fn only_deployed_resources_the_templates_reach_join_the_world() {
    let dir = fixture("AKS011/deployed-cluster");
    let far = scratch("context-far").join("far.json");
    std::fs::write(
        &far,
        r#"[{"id": "/subscriptions/9/resourceGroups/rg-far/providers/Microsoft.Network/virtualNetworks/vnet-far",
            "name": "vnet-far", "type": "Microsoft.Network/virtualNetworks",
            "addressSpace": {"addressPrefixes": ["10.99.0.0/16"]}, "subnets": []}]"#,
    )
    .unwrap();
    let far = far.to_string_lossy().into_owned();
    let vnets = |extra: &[&str]| -> Vec<String> {
        let mut args = vec![
            "world",
            ".",
            "--context",
            "deployed/aks-list.json",
            "--context",
            &far,
        ];
        args.extend_from_slice(extra);
        let o = tendon_in(&dir, &args);
        let world: Value = serde_json::from_slice(&o.stdout).unwrap();
        world["vnets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap().to_string())
            .collect()
    };
    // Nothing in the templates leads to vnet-far: its findings could only be
    // between deployed resources, which are not reported.
    assert_eq!(vnets(&[]), Vec::<String>::new());
    assert_eq!(vnets(&["--context-findings"]), ["vnet-far"]);
}

#[test]
fn one_page_of_a_longer_export_is_a_warning() {
    let dir = scratch("context-page");
    let case = fixture("AKS012/deployed-route-table");
    std::fs::copy(case.join("aks.json"), dir.join("aks.json")).unwrap();
    let page = std::fs::read_to_string(case.join("deployed/graph.json"))
        .unwrap()
        .replace(
            "\"skip_token\": null",
            "\"skip_token\": \"ew0KICAiJGlkIjogIjEiDQp9\"",
        );
    std::fs::write(dir.join("page.json"), page).unwrap();
    let (_, out) = gcc(&dir, &["--context", "page.json"]);
    let warnings: Vec<&str> = out.lines().filter(|l| l.contains("TDN001")).collect();
    assert_eq!(
        warnings,
        [
            "page.json:60:3: warning[TDN001]: this export is one page of a longer result: \
          resources on the other pages are not checked against"
        ]
    );
    // The rows it holds are still read.
    assert!(out.contains("error[AKS012]"), "{out}");
}
