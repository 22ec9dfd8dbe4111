//! Helpers shared by the end-to-end tests: run the binary, read its output,
//! make scratch folders.

// Each test binary uses a part of these.
#![allow(dead_code)]

pub mod fixture;
pub mod json;
pub mod lsp;
pub mod neutral;
pub mod sarif;
pub mod xml;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `tendon` with `args`, to run in `dir`, with no colour preference or
/// terminal width from the environment and git kept from finding a
/// repository above `dir`'s parent.
pub fn command_in<S: AsRef<OsStr>>(dir: &Path, args: &[S]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tendon"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS");
    if let Some(parent) = dir.parent() {
        cmd.env("GIT_CEILING_DIRECTORIES", parent);
    }
    cmd
}

/// Runs `tendon` in `dir` (see [`command_in`]).
pub fn tendon_in(dir: &Path, args: &[&str]) -> Output {
    command_in(dir, args).output().expect("run tendon")
}

/// Runs `tendon` in the crate root (fixture paths are relative to it).
pub fn tendon(args: &[&str]) -> Output {
    tendon_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh, empty scratch folder under the target directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch folder");
    dir
}

/// A kubenet cluster with one Windows pool (AKS001): `cluster` and `pool` are
/// JSON string literals, so tests can put any text in the names.
pub fn windows_pool_template(cluster: &str, pool: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {{
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-02-01",
      "name": {},
      "location": "westeurope",
      "identity": {{ "type": "SystemAssigned" }},
      "properties": {{
        "dnsPrefix": "aks",
        "agentPoolProfiles": [ {{ "name": {}, "count": 1, "osType": "Windows", "mode": "System" }} ],
        "networkProfile": {{ "networkPlugin": "kubenet" }}
      }}
    }}
  ]
}}
"#,
        serde_json::Value::from(cluster),
        serde_json::Value::from(pool)
    )
}
