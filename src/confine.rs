//! The project root: every file tendon reads because a template names it
//! (`load*Content`, Bicep modules, imports, `using`/`extends`, linked
//! templates and parameter files) must resolve, after symlinks, inside it and
//! outside any `.git` folder. A pull request cannot then make tendon print
//! `/proc/self/environ` or the checkout's `.git/config` into a public log.
//!
//! The root is `--root` when given, else the git work tree holding the linted
//! paths, else their common ancestor.

use std::path::{Component, Path, PathBuf};

/// Why a named file is not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Nothing is there (TDN006).
    Missing,
    /// It resolves outside the project root (TDN007).
    Outside,
    /// It lies inside a `.git` folder (TDN007).
    GitDir,
    /// It is there but cannot be read (not a regular file, too large).
    Unreadable,
}

impl Refusal {
    /// A refusal that TDN007 reports (not a missing file).
    pub fn is_confinement(self) -> bool {
        matches!(self, Refusal::Outside | Refusal::GitDir)
    }

    /// Why, for messages and unknown-value reasons.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::Missing => "does not exist",
            Refusal::Outside => "is outside the project root",
            Refusal::GitDir => "is inside a .git folder",
            Refusal::Unreadable => "cannot be read",
        }
    }
}

#[derive(Clone, Debug)]
pub struct ProjectRoot {
    /// Canonical.
    dir: PathBuf,
    /// As found before resolving symlinks (absolute, normalised): paths
    /// spelt through a symlinked folder are still checked lexically.
    spelt: PathBuf,
}

impl ProjectRoot {
    /// A root at `dir`, which must exist.
    pub fn at(dir: &Path) -> std::io::Result<ProjectRoot> {
        let spelt = lexical(&std::path::absolute(dir)?);
        let dir = std::fs::canonicalize(dir)?;
        if !dir.is_dir() {
            return Err(std::io::Error::other("not a folder"));
        }
        Ok(ProjectRoot { dir, spelt })
    }

    /// `explicit` (`--root`) when given; else the git work tree holding the
    /// common ancestor of `paths`; else that ancestor.
    pub fn find(paths: &[PathBuf], explicit: Option<&Path>) -> std::io::Result<ProjectRoot> {
        if let Some(dir) = explicit {
            return ProjectRoot::at(dir);
        }
        let mut ancestor: Option<PathBuf> = None;
        for p in paths {
            let canon = std::fs::canonicalize(p)?;
            let dir = if canon.is_dir() {
                canon
            } else {
                canon.parent().map(Path::to_path_buf).unwrap_or(canon)
            };
            ancestor = Some(match ancestor {
                None => dir,
                Some(a) => common_ancestor(&a, &dir),
            });
        }
        let start = match ancestor {
            Some(a) => a,
            None => std::env::current_dir()?,
        };
        let top = start
            .ancestors()
            .find(|d| d.join(".git").symlink_metadata().is_ok())
            .unwrap_or(&start)
            .to_path_buf();
        ProjectRoot::at(&top)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether `path`, as written (absolute, `..` resolved lexically), lies
    /// in the root; the file system is not asked.
    pub fn holds_as_written(&self, path: &Path) -> bool {
        std::path::absolute(path)
            .map(|p| lexical(&p))
            .is_ok_and(|p| p.starts_with(&self.spelt) || p.starts_with(&self.dir))
    }

    /// `path` under the root as written, relative to it.
    pub fn relative_as_written(&self, path: &Path) -> Option<PathBuf> {
        let p = lexical(&std::path::absolute(path).ok()?);
        p.strip_prefix(&self.spelt)
            .or_else(|_| p.strip_prefix(&self.dir))
            .ok()
            .map(Path::to_path_buf)
    }

    /// The canonical path of `path` when tendon may read it. A path that is
    /// outside the root as written is refused without touching the file
    /// system, so the findings say nothing about files outside.
    pub fn admit(&self, path: &Path) -> Result<PathBuf, Refusal> {
        let written = std::path::absolute(path).map_err(|_| Refusal::Missing)?;
        let written = lexical(&written);
        let inside = written
            .strip_prefix(&self.spelt)
            .or_else(|_| written.strip_prefix(&self.dir))
            .map_err(|_| Refusal::Outside)?;
        if in_git(inside) {
            return Err(Refusal::GitDir);
        }
        let Ok(canon) = std::fs::canonicalize(&written) else {
            // A dangling link out of the root is outside, not missing: what
            // lies (or not) outside must not show in the findings.
            return Err(if self.links_out(&written) {
                Refusal::Outside
            } else {
                Refusal::Missing
            });
        };
        let inside = canon
            .strip_prefix(&self.dir)
            .map_err(|_| Refusal::Outside)?;
        if in_git(inside) {
            return Err(Refusal::GitDir);
        }
        Ok(canon)
    }
}

impl ProjectRoot {
    /// Whether the nearest existing piece of `written` (inside the root as
    /// written) is a symlink leading out of the root, or a folder that
    /// resolves outside it.
    fn links_out(&self, written: &Path) -> bool {
        let inside = |p: &Path| p.starts_with(&self.spelt) || p.starts_with(&self.dir);
        for at in written.ancestors() {
            if !inside(at) {
                break;
            }
            let Ok(meta) = std::fs::symlink_metadata(at) else {
                continue;
            };
            if !meta.file_type().is_symlink() {
                return std::fs::canonicalize(at).map_or(true, |c| !c.starts_with(&self.dir));
            }
            let Ok(target) = std::fs::read_link(at) else {
                return true;
            };
            let base = at.parent().unwrap_or(Path::new("/"));
            return !inside(&lexical(&base.join(target)));
        }
        false
    }
}

/// When `path` (named by the user, but lying in a project a pull request
/// writes) is a symlink to a file outside the project holding it, why it is
/// not read. Tendon's own files named on the command line (`--baseline`,
/// `--context`) and the configuration go through this before being read.
pub fn link_out_of_project(path: &Path) -> Option<Refusal> {
    if !std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return None;
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let project = ProjectRoot::find(&[dir.to_path_buf()], None).ok()?;
    match project.admit(path) {
        Err(r) if r.is_confinement() => Some(r),
        _ => None,
    }
}

fn in_git(relative: &Path) -> bool {
    relative
        .components()
        .any(|c| c.as_os_str().eq_ignore_ascii_case(".git"))
}

/// `a/./b/../c` as `a/c`, without the file system (as ARM and Bicep resolve
/// relative paths). `..` above the root stays at the root.
pub(crate) fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn common_ancestor(a: &Path, b: &Path) -> PathBuf {
    a.components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_ancestors() {
        assert_eq!(
            common_ancestor(Path::new("/a/b/c"), Path::new("/a/b/d/e")),
            PathBuf::from("/a/b")
        );
        assert_eq!(
            common_ancestor(Path::new("/a"), Path::new("/b")),
            PathBuf::from("/")
        );
    }

    #[test]
    fn lexical_paths() {
        assert_eq!(lexical(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert_eq!(lexical(Path::new("/../../etc")), PathBuf::from("/etc"));
    }

    #[test]
    fn admits_inside_refuses_outside_and_git() {
        let base = std::env::temp_dir().join(format!("tendon-confine-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let root = base.join("repo");
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::fs::write(root.join("a/x.json"), "{}").unwrap();
        std::fs::write(root.join(".git/config"), "secret").unwrap();
        std::fs::write(base.join("outside.txt"), "secret").unwrap();
        let found = ProjectRoot::find(&[root.join("a")], None).unwrap();
        assert_eq!(found.dir(), std::fs::canonicalize(&root).unwrap());
        assert!(found.admit(&root.join("a/../a/x.json")).is_ok());
        assert_eq!(
            found.admit(&root.join("a/../../outside.txt")),
            Err(Refusal::Outside)
        );
        assert_eq!(
            found.admit(Path::new("/proc/self/environ")),
            Err(Refusal::Outside)
        );
        assert_eq!(
            found.admit(&root.join("a/../.git/config")),
            Err(Refusal::GitDir)
        );
        assert_eq!(
            found.admit(&root.join("a/gone.json")),
            Err(Refusal::Missing)
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(base.join("outside.txt"), root.join("a/link.txt")).unwrap();
            assert_eq!(found.admit(&root.join("a/link.txt")), Err(Refusal::Outside));
        }
        let _ = std::fs::remove_dir_all(&base);
    }
}
