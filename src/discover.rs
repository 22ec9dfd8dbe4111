//! Finds the files to lint: walks the given paths in a deterministic order and
//! keeps the extensions tendon understands. Classification by content (ARM
//! template or parameter file) happens in `load`, which reads the file anyway.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

/// What the file name says a file may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// `.json` / `.jsonc`: an ARM template or parameter file if its `$schema` says so.
    Json,
    Bicep,
    BicepParam,
}

#[derive(Clone, Debug)]
pub struct Input {
    pub path: PathBuf,
    pub kind: FileKind,
}

/// A named path that could not be walked; the run fails with exit code 2.
#[derive(Debug)]
pub struct DiscoverError {
    pub path: PathBuf,
    pub message: String,
}

/// Folders never entered unless named explicitly.
const SKIPPED_DIRS: &[&str] = &[".git", "node_modules", "target"];

pub fn kind_of(path: &Path) -> Option<FileKind> {
    let ext = path.extension()?.to_str()?;
    if ext.eq_ignore_ascii_case("json") || ext.eq_ignore_ascii_case("jsonc") {
        Some(FileKind::Json)
    } else if ext.eq_ignore_ascii_case("bicep") {
        Some(FileKind::Bicep)
    } else if ext.eq_ignore_ascii_case("bicepparam") {
        Some(FileKind::BicepParam)
    } else {
        None
    }
}

fn is_skipped_dir(name: &str) -> bool {
    SKIPPED_DIRS.contains(&name) || (name.starts_with('.') && name != "." && name != "..")
}

/// Walks `paths`; files sorted by path, each listed once. Unreadable entries below a
/// named folder are returned as warnings; an unreadable named path is an error.
pub fn discover(paths: &[PathBuf]) -> Result<(Vec<Input>, Vec<String>), DiscoverError> {
    let mut found = BTreeSet::new();
    let mut warnings = Vec::new();
    for root in paths {
        let meta = std::fs::metadata(root).map_err(|e| DiscoverError {
            path: root.clone(),
            message: e.to_string(),
        })?;
        if meta.is_file() {
            // A file named explicitly is linted whatever its extension says.
            found.insert(root.clone());
            continue;
        }
        let walker = WalkDir::new(root)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0
                    || !e.file_type().is_dir()
                    || !e.file_name().to_str().is_some_and(is_skipped_dir)
            });
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_file() && kind_of(e.path()).is_some() => {
                    found.insert(e.into_path());
                }
                Ok(_) => {}
                Err(err) => warnings.push(format!("cannot read {err}")),
            }
        }
    }
    let inputs = found
        .into_iter()
        .map(|path| {
            let kind = kind_of(&path).unwrap_or(FileKind::Json);
            Input { path, kind }
        })
        .collect();
    Ok((inputs, warnings))
}

/// The path as printed: relative to `cwd` when under it, else as given.
pub fn display_path(path: &Path, cwd: Option<&Path>) -> String {
    let shown = cwd
        .and_then(|cwd| {
            let abs = if path.is_absolute() {
                path.to_path_buf()
            } else {
                cwd.join(path)
            };
            abs.strip_prefix(cwd).ok().map(Path::to_path_buf)
        })
        .unwrap_or_else(|| path.to_path_buf());
    let s = shown.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_extension() {
        assert_eq!(kind_of(Path::new("a/main.JSON")), Some(FileKind::Json));
        assert_eq!(kind_of(Path::new("x.jsonc")), Some(FileKind::Json));
        assert_eq!(kind_of(Path::new("x.bicep")), Some(FileKind::Bicep));
        assert_eq!(
            kind_of(Path::new("x.bicepparam")),
            Some(FileKind::BicepParam)
        );
        assert_eq!(kind_of(Path::new("x.yaml")), None);
    }

    #[test]
    fn display_paths_are_relative_to_cwd() {
        let cwd = Path::new("/repo");
        assert_eq!(
            display_path(Path::new("/repo/a/b.json"), Some(cwd)),
            "a/b.json"
        );
        assert_eq!(display_path(Path::new("./a/b.json"), Some(cwd)), "a/b.json");
        assert_eq!(
            display_path(Path::new("/other/b.json"), Some(cwd)),
            "/other/b.json"
        );
    }

    #[test]
    fn hidden_and_vendor_dirs_are_skipped() {
        assert!(is_skipped_dir(".git"));
        assert!(is_skipped_dir(".github"));
        assert!(is_skipped_dir("node_modules"));
        assert!(!is_skipped_dir("infra"));
    }
}
