//! Helpers shared by the end-to-end tests: run the binary, read its output,
//! make scratch folders.

// Each test binary uses a part of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `tendon` in `dir`, with no colour preference from the environment and
/// git kept from finding a repository above `dir`'s parent.
pub fn tendon_in(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tendon"));
    cmd.args(args).current_dir(dir).env_remove("NO_COLOR");
    if let Some(parent) = dir.parent() {
        cmd.env("GIT_CEILING_DIRECTORIES", parent);
    }
    cmd.output().expect("run tendon")
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
