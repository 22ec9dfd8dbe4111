//! End-to-end tests of triage: suppressions (ARM comments and resource
//! metadata), `--baseline` / `--write-baseline` and `--changed-since`. Each
//! test writes its own small templates into a scratch folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh scratch folder under the target directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("triage-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn tendon_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tendon"))
        .args(args)
        .current_dir(dir)
        // Keep git from finding a repository above the scratch folder.
        .env("GIT_CEILING_DIRECTORIES", dir.parent().unwrap())
        .output()
        .expect("run tendon")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
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
        stdout(&o).ends_with("checked 2 files (2 templates): 0 errors, 1 warning\n"),
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
