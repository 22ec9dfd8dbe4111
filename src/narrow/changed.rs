//! `--changed-since REF`: the files changed since a git ref, committed and
//! not (`git diff --name-only REF`), plus untracked files (`git ls-files
//! --others --exclude-standard`), in the repository of the working directory.
//! Paths are compared canonically (absolute, symlinks resolved).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::pipeline::Outcome;
use crate::source::FileId;

pub fn changed_files(git_ref: &str) -> Result<HashSet<PathBuf>, String> {
    // Refs never start with '-'; refusing them keeps the argument from being an option.
    if git_ref.is_empty() || git_ref.starts_with('-') {
        return Err(format!("--changed-since: '{git_ref}' is not a git ref"));
    }
    let top = git(None, &["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(top.trim_end_matches(['\n', '\r']));
    let diff = git(
        Some(&top),
        &["diff", "--name-only", "--no-relative", "-z", git_ref, "--"],
    )?;
    let untracked = git(
        Some(&top),
        &["ls-files", "--others", "--exclude-standard", "-z"],
    )?;
    Ok(diff
        .split('\0')
        .chain(untracked.split('\0'))
        .filter(|name| !name.is_empty())
        // A deleted file cannot be canonicalised, and has no findings either.
        .filter_map(|name| top.join(name).canonicalize().ok())
        .collect())
}

fn git(dir: Option<&Path>, args: &[&str]) -> Result<String, String> {
    let mut cmd = Command::new("git");
    if let Some(dir) = dir {
        cmd.arg("-C").arg(dir);
    }
    let out = cmd
        .args(args)
        .output()
        .map_err(|e| format!("--changed-since: cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "--changed-since: git {}: {}",
            args.first().copied().unwrap_or(""),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Per finding of the run, in order: is its primary location in a changed file?
pub fn in_changed(outcome: &Outcome, changed: &HashSet<PathBuf>) -> Vec<bool> {
    let mut cache: HashMap<FileId, bool> = HashMap::new();
    outcome
        .findings
        .iter()
        .map(|f| {
            *cache.entry(f.loc.file).or_insert_with(|| {
                outcome
                    .sources
                    .get(f.loc.file)
                    .and_then(|s| s.path.canonicalize().ok())
                    .is_some_and(|p| changed.contains(&p))
            })
        })
        .collect()
}
