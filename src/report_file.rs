//! Writing a report (`--output`, `--report`, `--write-baseline`, `init`)
//! without following links a pull request may have planted. The trust
//! boundary is the project: the git work tree holding the working folder
//! (else that folder).
//!
//! - A name that is our own standard output or error (`/dev/stdout` while
//!   stdout goes to a file) gets the bytes through that stream, in order
//!   with what else is printed there.
//! - A device, pipe or socket, anything under `/dev` or `/proc`, and a
//!   symlink the user names outside the project are written through: renaming
//!   over `/dev/null` as root would break every program after us.
//! - Anything else is written new (a temporary file in the same folder,
//!   then renamed over the name): a symlink at the name inside the project is
//!   replaced, never followed, and folders are created inside the project
//!   only where no symlink stands in the way.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use crate::confine::ProjectRoot;

/// Writes `bytes` as a new file at `path`, creating its missing folders.
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if write_to_std_stream(path, bytes)? {
        return Ok(());
    }
    let project = project();
    if writes_through(path, project.as_ref()) {
        return write_through(path, bytes);
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    create_folders(&dir, project.as_ref())?;
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

/// The project the working folder belongs to.
fn project() -> Option<ProjectRoot> {
    let cwd = std::env::current_dir().ok()?;
    ProjectRoot::find(&[cwd], None).ok()
}

/// Writes through our own stdout or stderr when `path` is the same file;
/// `Ok(false)` when it is neither.
#[cfg(unix)]
fn write_to_std_stream(path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let Ok(target) = std::fs::metadata(path) else {
        return Ok(false);
    };
    let same = |fd: std::os::fd::BorrowedFd<'_>| {
        fd.try_clone_to_owned()
            .map(std::fs::File::from)
            .and_then(|f| f.metadata())
            .is_ok_and(|m| m.dev() == target.dev() && m.ino() == target.ino())
    };
    if same(std::io::stdout().as_fd()) {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        out.flush()?;
        return Ok(true);
    }
    if same(std::io::stderr().as_fd()) {
        let mut err = std::io::stderr().lock();
        err.write_all(bytes)?;
        err.flush()?;
        return Ok(true);
    }
    Ok(false)
}

#[cfg(not(unix))]
fn write_to_std_stream(_: &Path, _: &[u8]) -> std::io::Result<bool> {
    Ok(false)
}

/// Whether `path` is written through rather than replaced: a device, pipe or
/// socket; anything under `/dev` or `/proc`; a symlink the user names outside
/// the project. A symlink inside the project is never followed.
fn writes_through(path: &Path, project: Option<&ProjectRoot>) -> bool {
    let system = std::path::absolute(path)
        .map(|p| crate::confine::lexical(&p))
        .is_ok_and(|p| p.starts_with("/dev") || p.starts_with("/proc"));
    if system && cfg!(unix) {
        return true;
    }
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    if meta.file_type().is_symlink() {
        return !project.is_some_and(|p| p.holds_as_written(path));
    }
    is_special(&meta.file_type())
}

#[cfg(unix)]
fn is_special(t: &std::fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    t.is_char_device() || t.is_block_device() || t.is_fifo() || t.is_socket()
}

#[cfg(not(unix))]
fn is_special(_: &std::fs::FileType) -> bool {
    false
}

/// Writes to what is at `path`, following a symlink: a regular file there is
/// truncated first, a device or pipe just written.
fn write_through(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let regular = std::fs::metadata(path).map_or(true, |m| m.is_file());
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(regular)
        .truncate(regular)
        .open(path)?;
    file.write_all(bytes)?;
    file.flush()
}

/// Creates the missing folders of `dir`, refusing to pass through a symlink
/// inside the project (where a pull request can plant one); a folder the
/// user names outside it is taken as it is.
fn create_folders(dir: &Path, project: Option<&ProjectRoot>) -> std::io::Result<()> {
    let inside = project.and_then(|p| p.relative_as_written(dir).map(|rest| (p, rest)));
    let (mut at, rest) = if dir.is_relative() {
        (PathBuf::new(), dir.to_path_buf())
    } else if let Some((p, rest)) = inside {
        (p.dir().to_path_buf(), rest)
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

    /// A new empty folder under the crate (the working directory of unit
    /// tests): inside the working tree.
    fn scratch_in_tree(name: &str) -> PathBuf {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target")
            .join(format!("{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::create_dir_all(&dir);
        dir
    }

    #[test]
    fn links_are_not_followed() {
        let dir = scratch_in_tree("tendon-report-file");
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

    /// A FIFO at `at` and a thread reading what is written to it.
    fn fifo(at: &Path) -> Option<std::thread::JoinHandle<String>> {
        let made = std::process::Command::new("mkfifo").arg(at).status();
        if !made.is_ok_and(|s| s.success()) {
            return None; // no mkfifo here
        }
        let at = at.to_path_buf();
        Some(std::thread::spawn(move || {
            std::fs::read_to_string(at).unwrap_or_default()
        }))
    }

    fn is_fifo(at: &Path) -> bool {
        use std::os::unix::fs::FileTypeExt;
        std::fs::symlink_metadata(at).is_ok_and(|m| m.file_type().is_fifo())
    }

    #[test]
    fn pipes_and_devices_are_written_to_not_replaced() {
        // Outside the working tree, as /dev/null and /dev/stdout are.
        let dir = std::env::temp_dir().join(format!("tendon-report-pipe-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::create_dir_all(&dir);
        let pipe = dir.join("pipe");
        let Some(reader) = fifo(&pipe) else { return };
        assert!(write_new(&pipe, b"report").is_ok());
        assert!(is_fifo(&pipe), "the pipe was replaced by a file");
        assert_eq!(reader.join().ok().as_deref(), Some("report"));
        // A symlink the user names outside the tree leads to the pipe.
        let link = dir.join("stdout");
        let _ = std::os::unix::fs::symlink(&pipe, &link);
        let reader = std::thread::spawn({
            let pipe = pipe.clone();
            move || std::fs::read_to_string(pipe).unwrap_or_default()
        });
        assert!(write_new(&link, b"again").is_ok());
        assert!(std::fs::symlink_metadata(&link).is_ok_and(|m| m.file_type().is_symlink()));
        assert_eq!(reader.join().ok().as_deref(), Some("again"));
        // No temporary file was left beside them.
        let names: Vec<String> = std::fs::read_dir(&dir)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(names.len(), 2, "{names:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_symlink_in_the_tree_to_a_pipe_is_replaced_not_followed() {
        let dir = scratch_in_tree("tendon-report-tree-pipe");
        let cwd = std::env::current_dir().unwrap_or_default();
        let Ok(rel) = dir.strip_prefix(&cwd) else {
            return;
        };
        let pipe = dir.join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&pipe).status();
        if !made.is_ok_and(|s| s.success()) {
            return;
        }
        let link = rel.join("report.json");
        let _ = std::os::unix::fs::symlink(&pipe, &link);
        assert!(write_new(&link, b"x").is_ok());
        assert!(std::fs::symlink_metadata(&link).is_ok_and(|m| m.is_file()));
        assert!(is_fifo(&pipe));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
