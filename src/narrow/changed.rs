//! `--changed-since REF`: the files changed since a git ref, committed and
//! not (`git diff --name-only -z REF`), plus untracked files (`git ls-files
//! --others --exclude-standard -z`), in the repository of the working
//! directory. Names are read as raw bytes and paths compared canonically
//! (absolute, symlinks resolved).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::finding::Finding;
use crate::source::{FileId, SourceMap};

pub fn changed_files(git_ref: &str) -> Result<HashSet<PathBuf>, String> {
    // Refs never start with '-'; refusing them keeps the argument from being an option.
    if git_ref.is_empty() || git_ref.starts_with('-') {
        return Err(format!("--changed-since: '{git_ref}' is not a git ref"));
    }
    let top = git_text(None, &["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(top.trim_end_matches(['\n', '\r']));
    let diff = git(
        Some(&top),
        &["diff", "--name-only", "--no-relative", "-z", git_ref, "--"],
    )?;
    let untracked = git(
        Some(&top),
        &["ls-files", "--others", "--exclude-standard", "-z"],
    )?;
    // Names are raw bytes: a name that is not UTF-8 is still a changed file.
    Ok(diff
        .split(|&b| b == 0)
        .chain(untracked.split(|&b| b == 0))
        .filter(|name| !name.is_empty())
        // A deleted file cannot be canonicalised, and has no findings either.
        .filter_map(|name| top.join(path_from_bytes(name)).canonicalize().ok())
        .collect())
}

#[cfg(unix)]
fn path_from_bytes(name: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(name))
}

#[cfg(not(unix))]
fn path_from_bytes(name: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(name).into_owned())
}

fn git_text(dir: Option<&Path>, args: &[&str]) -> Result<String, String> {
    git(dir, args).map(|out| String::from_utf8_lossy(&out).into_owned())
}

fn git(dir: Option<&Path>, args: &[&str]) -> Result<Vec<u8>, String> {
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
    Ok(out.stdout)
}

/// Per finding of the run, in order: is any of its locations (primary,
/// related, or a parameter file it was found with) in a changed file? A
/// cross-file finding concerns every file it names: a new cluster on the
/// subnet of an unchanged one is reported even though it points at the old one.
pub fn in_changed<'f>(
    sources: &SourceMap,
    findings: impl IntoIterator<Item = &'f Finding>,
    changed: &HashSet<PathBuf>,
) -> Vec<bool> {
    let mut cache: HashMap<FileId, bool> = HashMap::new();
    let mut is_changed = |file: FileId| {
        *cache.entry(file).or_insert_with(|| {
            sources
                .get(file)
                .and_then(|s| s.path.canonicalize().ok())
                .is_some_and(|p| changed.contains(&p))
        })
    };
    findings
        .into_iter()
        .map(|f| {
            is_changed(f.loc.file)
                || f.related
                    .iter()
                    .chain(&f.scenarios)
                    .any(|r| is_changed(r.loc.file))
        })
        .collect()
}
