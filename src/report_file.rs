//! Writing the report to `--output FILE` without following links a pull
//! request may have planted: the file is written new (a temporary file in the
//! same folder, then renamed over the name), never through a symlink at the
//! name, and folders are created only where no symlink stands in the way.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// Writes `bytes` as a new file at `path`, creating its missing folders.
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    create_folders(&dir)?;
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("not a file name"))?;
    let (tmp, mut file) = temporary(&dir, name)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    drop(file);
    // rename replaces the directory entry itself: a symlink at the name is
    // replaced by the new file, never followed.
    let renamed = written.and_then(|()| std::fs::rename(&tmp, path));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    renamed
}

/// Creates the missing folders of `dir`, refusing to pass through a symlink
/// inside the working tree (where a pull request can plant one); a folder
/// the user names outside it is taken as it is.
fn create_folders(dir: &Path) -> std::io::Result<()> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let (mut at, rest) = if dir.is_relative() {
        (PathBuf::new(), dir.to_path_buf())
    } else if let Ok(inside) = dir.strip_prefix(&cwd) {
        (cwd.clone(), inside.to_path_buf())
    } else {
        return std::fs::create_dir_all(dir);
    };
    for c in rest.components() {
        at.push(c);
        if matches!(
            c,
            Component::Prefix(_) | Component::RootDir | Component::CurDir
        ) {
            continue;
        }
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() && !matches!(c, Component::ParentDir) => {
                return Err(std::io::Error::other(format!(
                    "{} is a symbolic link; not followed",
                    at.display()
                )));
            }
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(std::io::Error::other(format!(
                    "{} is not a folder",
                    at.display()
                )));
            }
            Err(_) => std::fs::create_dir(&at)?,
        }
    }
    Ok(())
}

/// A new file next to where the report goes, opened exclusively.
fn temporary(dir: &Path, name: &std::ffi::OsStr) -> std::io::Result<(PathBuf, std::fs::File)> {
    let base = format!(".{}.tendon-{}", name.to_string_lossy(), std::process::id());
    for n in 0..100u32 {
        let tmp = dir.join(format!("{base}-{n}"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free temporary name"))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn links_are_not_followed() {
        // Under the crate (the working directory of unit tests): inside the tree.
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target")
            .join(format!("tendon-report-file-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::create_dir_all(dir.join("outside"));
        let victim = dir.join("outside/victim.txt");
        let _ = std::fs::write(&victim, "keep");
        // A symlink at the name: replaced by a new file, the target untouched.
        let at_name = dir.join("report.sarif");
        let _ = std::os::unix::fs::symlink(&victim, &at_name);
        assert!(write_new(&at_name, b"new").is_ok());
        assert_eq!(
            std::fs::read_to_string(&victim).ok().as_deref(),
            Some("keep")
        );
        assert!(std::fs::symlink_metadata(&at_name).is_ok_and(|m| m.is_file()));
        // A symlinked folder on the way, inside the working tree: refused.
        let _ = std::os::unix::fs::symlink(dir.join("outside"), dir.join("reports"));
        let cwd = std::env::current_dir().unwrap_or_default();
        if let Ok(rel) = dir.strip_prefix(&cwd) {
            assert!(write_new(&rel.join("reports/x.json"), b"x").is_err());
            assert!(!dir.join("outside/x.json").exists());
        }
        // A plain new path: written, folders created.
        assert!(write_new(&dir.join("a/b/c.json"), b"ok").is_ok());
        assert_eq!(
            std::fs::read_to_string(dir.join("a/b/c.json"))
                .ok()
                .as_deref(),
            Some("ok")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
