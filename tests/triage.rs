//! End-to-end tests of triage: suppressions (ARM comments and resource
//! metadata), `--baseline` / `--write-baseline` and `--changed-since`. Each
//! test writes its own small templates into a scratch folder.

mod common;

use common::{stderr, stdout, tendon_in};

use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh scratch folder for this file's tests.
fn scratch(name: &str) -> PathBuf {
    common::scratch(&format!("triage-{name}"))
}

/// A kubenet cluster with a Windows pool (AKS001, plus AKS021's note), with
/// `before_pools` and `before_network` inserted as lines of `properties`.
fn cluster(name: &str, resource_extra: &str, before_pools: &str, before_network: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {{
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-02-01",
      "name": "{name}",
      "location": "westeurope",{resource_extra}
      "properties": {{{before_pools}
        "agentPoolProfiles": [ {{ "name": "win", "count": 1, "osType": "Windows" }} ],{before_network}
        "networkProfile": {{ "networkPlugin": "kubenet" }}
      }}
    }}
  ]
}}
"#
    )
}

#[test]
fn comments_and_metadata_suppress_and_unused_ones_are_reported() {
    let dir = scratch("suppress");
    let a = cluster(
        "aks-a",
        "",
        "\n        // tendon-disable-next-line AKS001 Windows pool on purpose",
        "\n        /* tendon-disable-next-line kubenet-retirement AKS012 */",
    );
    // `//` inside a string is not a comment.
    let b = cluster(
        "aks-b",
        "",
        "\n        \"comment\": \"see https://example.com // tendon-disable-next-line AKS001\",",
        "",
    );
    let c = cluster(
        "aks-c",
        "\n      \"metadata\": { \"tendon\": { \"suppress\": [\"aks001\", \"kubenet-retirement\"] } },",
        "",
        "",
    );
    std::fs::write(dir.join("a.json"), a).unwrap();
    std::fs::write(dir.join("b.json"), b).unwrap();
    std::fs::write(dir.join("c.json"), c).unwrap();
    let o = tendon_in(&dir, &["check", ".", "--format", "gcc"]);
    assert_eq!(
        stdout(&o),
        "a.json:13:56: warning[TDN004]: suppression of AKS012 matches no finding\n\
         b.json:12:71: error[AKS001]: node pool 'win' of cluster 'aks-b' runs Windows, which kubenet does not support\n\
         b.json:13:46: note[AKS021]: cluster 'aks-b' uses kubenet, which AKS retires on 31 March 2028; plan the move to Azure CNI Overlay\n"
    );
    assert_eq!(o.status.code(), Some(1));

    // Without b.json only the warning is left: exit 0, or 1 with --fail-on warning.
    std::fs::remove_file(dir.join("b.json")).unwrap();
    let o = tendon_in(&dir, &["check", ".", "--format", "gcc"]);
    assert_eq!(
        stdout(&o),
        "a.json:13:56: warning[TDN004]: suppression of AKS012 matches no finding\n"
    );
    assert_eq!(o.status.code(), Some(0));
    let o = tendon_in(
        &dir,
        &["check", ".", "--fail-on", "warning", "--color", "never"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).ends_with("checked 2 files (2 templates): 0 errors, 1 warning (4 suppressed)\n"),
        "{}",
        stdout(&o)
    );

    // TDN004 can be turned off in the configuration.
    std::fs::write(dir.join("tendon.toml"), "ignore = [\"TDN004\"]\n").unwrap();
    let o = tendon_in(
        &dir,
        &["check", ".", "--format", "json", "--fail-on", "info"],
    );
    assert_eq!(o.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["findings"], serde_json::json!([]));
}

const BASELINE: &str = r#"{
  "version": 1,
  "findings": [
    {
      "rule": "AKS001",
      "file": "infra/a.json",
      "fingerprint": "FP1",
      "message": "node pool 'win' of cluster 'aks-a' runs Windows, which kubenet does not support"
    },
    {
      "rule": "AKS021",
      "file": "infra/a.json",
      "fingerprint": "FP2",
      "message": "cluster 'aks-a' uses kubenet, which AKS retires on 31 March 2028; plan the move to Azure CNI Overlay"
    }
  ]
}
"#;

#[test]
fn a_baseline_hides_known_findings_even_after_lines_move() {
    let dir = scratch("baseline");
    std::fs::create_dir_all(dir.join("infra")).unwrap();
    std::fs::write(dir.join("infra/a.json"), cluster("aks-a", "", "", "")).unwrap();
    let o = tendon_in(
        &dir,
        &["check", "infra", "--write-baseline", "tendon-baseline.json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "wrote 2 findings to tendon-baseline.json\n");
    let written = std::fs::read_to_string(dir.join("tendon-baseline.json")).unwrap();
    let expected = BASELINE
        .replace("FP1", "fc44c616450d826e")
        .replace("FP2", "e0816ade9733f2f6");
    assert_eq!(written, expected);

    let check = |args: &[&str]| {
        let mut all = vec!["check", "infra", "--baseline", "tendon-baseline.json"];
        all.extend_from_slice(args);
        tendon_in(&dir, &all)
    };
    let o = check(&["--color", "never"]);
    assert_eq!(
        stdout(&o),
        "checked 1 file (1 template): 0 errors, 0 warnings (2 in baseline)\n"
    );
    assert_eq!(o.status.code(), Some(0));

    // Lines inserted above: the findings move down and are still known.
    let moved = cluster(
        "aks-a",
        "\n      \"tags\": {},\n      \"comments\": \"moved\",",
        "",
        "",
    );
    std::fs::write(dir.join("infra/a.json"), moved).unwrap();
    // A new finding in a new file is reported.
    std::fs::write(dir.join("infra/b.json"), cluster("aks-b", "", "", "")).unwrap();
    let o = check(&["--format", "gcc"]);
    assert_eq!(
        stdout(&o),
        "infra/b.json:11:71: error[AKS001]: node pool 'win' of cluster 'aks-b' runs Windows, which kubenet does not support\n\
         infra/b.json:12:46: note[AKS021]: cluster 'aks-b' uses kubenet, which AKS retires on 31 March 2028; plan the move to Azure CNI Overlay\n"
    );
    assert_eq!(o.status.code(), Some(1));

    // Suppressions apply before the baseline, in every format.
    let suppressed = cluster(
        "aks-b",
        "",
        "\n        // tendon-disable-next-line AKS001",
        "\n        // tendon-disable-next-line AKS021",
    );
    std::fs::write(dir.join("infra/b.json"), suppressed).unwrap();
    let o = check(&["--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["findings"], serde_json::json!([]));
    assert_eq!(doc["summary"]["errors"], 0);
    assert_eq!(o.status.code(), Some(0));

    // The baseline's paths are relative to its folder: it works from elsewhere too.
    let o = tendon_in(
        &dir.join("infra"),
        &[
            "check",
            ".",
            "--baseline",
            "../tendon-baseline.json",
            "--format",
            "gcc",
        ],
    );
    assert_eq!(stdout(&o), "");
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn a_missing_or_malformed_baseline_is_exit_2() {
    let dir = scratch("baseline-bad");
    std::fs::write(dir.join("a.json"), cluster("aks-a", "", "", "")).unwrap();
    let o = tendon_in(&dir, &["check", "a.json", "--baseline", "none.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("tendon: cannot read baseline none.json: "),
        "{}",
        stderr(&o)
    );
    std::fs::write(dir.join("bad.json"), "{\"version\": 1}").unwrap();
    let o = tendon_in(&dir, &["check", "a.json", "--baseline", "bad.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "tendon: bad baseline bad.json: missing field `findings` at line 1 column 14\n"
    );
    std::fs::write(dir.join("bad.json"), "{\"version\": 7, \"findings\": []}").unwrap();
    let o = tendon_in(&dir, &["check", "a.json", "--baseline", "bad.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "tendon: bad baseline bad.json: version 7 (this tendon reads version 1)\n"
    );
    // Writing a baseline while narrowing the report is ambiguous: refused.
    let o = tendon_in(
        &dir,
        &[
            "check",
            "a.json",
            "--write-baseline",
            "b.json",
            "--baseline",
            "bad.json",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot be used with"), "{}", stderr(&o));
}

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CEILING_DIRECTORIES", dir.parent().unwrap())
        .output()
        .expect("run git");
    assert!(o.status.success(), "git {args:?}: {}", stderr(&o));
}

#[test]
fn changed_since_reports_only_changed_and_untracked_files() {
    let dir = scratch("changed");
    std::fs::write(dir.join("a.json"), cluster("aks-a", "", "", "")).unwrap();
    std::fs::write(dir.join("b.json"), cluster("aks-b", "", "", "")).unwrap();
    // Not a repository yet.
    let o = tendon_in(&dir, &["check", ".", "--changed-since", "HEAD"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a git repository"),
        "{}",
        stderr(&o)
    );

    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-qm", "two clusters"]);
    let o = tendon_in(
        &dir,
        &["check", ".", "--changed-since", "HEAD", "--color", "never"],
    );
    assert_eq!(
        stdout(&o),
        "checked 2 files (2 templates): 0 errors, 0 warnings (4 in unchanged files)\n"
    );
    assert_eq!(o.status.code(), Some(0));

    // Modify b.json (not committed): only its findings.
    let b = cluster("aks-b", "\n      \"tags\": {},", "", "");
    std::fs::write(dir.join("b.json"), b).unwrap();
    let o = tendon_in(
        &dir,
        &["check", ".", "--changed-since", "HEAD", "--format", "gcc"],
    );
    assert_eq!(
        stdout(&o),
        "b.json:12:71: error[AKS001]: node pool 'win' of cluster 'aks-b' runs Windows, which kubenet does not support\n\
         b.json:13:46: note[AKS021]: cluster 'aks-b' uses kubenet, which AKS retires on 31 March 2028; plan the move to Azure CNI Overlay\n"
    );
    assert_eq!(o.status.code(), Some(1));

    // Committed changes count too, and untracked files.
    git(&dir, &["commit", "-qam", "tags"]);
    std::fs::write(dir.join("c.json"), cluster("aks-c", "", "", "")).unwrap();
    let o = tendon_in(
        &dir,
        &[
            "check",
            ".",
            "--changed-since",
            "HEAD~1",
            "--format",
            "gcc",
            "-q",
        ],
    );
    let out = stdout(&o);
    let files: Vec<&str> = out
        .lines()
        .map(|l| l.split(':').next().unwrap_or(""))
        .collect();
    assert_eq!(files, ["b.json", "b.json", "c.json", "c.json"]);

    let o = tendon_in(&dir, &["check", ".", "--changed-since=--output=x"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "tendon: --changed-since: '--output=x' is not a git ref\n"
    );
    let o = tendon_in(&dir, &["check", ".", "--changed-since", "no-such-ref"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no-such-ref"), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
}

/// A kubenet cluster on subnet `vnet/nodes` (no Windows pool).
fn subnet_cluster(name: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {{
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-02-01",
      "name": "{name}",
      "location": "westeurope",
      "properties": {{
        "agentPoolProfiles": [ {{ "name": "sys", "mode": "System", "count": 1, "vnetSubnetID": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'vnet', 'nodes')]" }} ],
        "networkProfile": {{ "networkPlugin": "kubenet" }}
      }}
    }}
  ]
}}
"#
    )
}

/// `--changed-since` keeps a cross-file finding when any of its locations is
/// in a changed file (a new cluster on an unchanged one's subnet), and reads
/// git's file names as bytes (a new file whose name is not UTF-8).
#[test]
fn changed_since_keeps_cross_file_findings_and_raw_names() {
    let dir = scratch("changed-cross");
    std::fs::write(dir.join("zzz-existing.json"), subnet_cluster("aks-old")).unwrap();
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-qm", "one cluster"]);
    std::fs::write(dir.join("aaa-new.json"), subnet_cluster("aks-new")).unwrap();
    let o = tendon_in(
        &dir,
        &[
            "check",
            ".",
            "--changed-since",
            "HEAD",
            "--format",
            "gcc",
            "--fail-on",
            "never",
        ],
    );
    let out = stdout(&o);
    assert!(
        out.lines().any(|l| l.contains("error[AKS011]")),
        "the shared subnet is reported: {out}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"new-\xff.json");
        std::fs::write(dir.join(name), cluster("aks-bytes", "", "", "")).unwrap();
        let o = tendon_in(
            &dir,
            &["check", ".", "--changed-since", "HEAD", "--format", "gcc"],
        );
        assert!(
            stdout(&o)
                .lines()
                .any(|l| l.contains("error[AKS001]") && l.contains("aks-bytes")),
            "{}",
            stdout(&o)
        );
        assert_eq!(o.status.code(), Some(1));
    }
}
