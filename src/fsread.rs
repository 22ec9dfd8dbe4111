//! Reading a file that a template, the configuration or the command line
//! names: only a regular file (never a device, FIFO, socket or a kernel
//! pseudo-file under `/proc`, `/sys` or `/dev`), and never more than a cap,
//! counted while reading rather than trusted from the file's metadata.

use std::io::Read;
use std::path::Path;

/// Folders whose files are the kernel's, not the project's.
const PSEUDO_ROOTS: [&str; 3] = ["/proc", "/sys", "/dev"];

/// The bytes of the regular file at `path`, at most `cap` of them.
pub fn read_regular(path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    let canonical = std::fs::canonicalize(path).map_err(|e| e.to_string())?;
    if PSEUDO_ROOTS.iter().any(|r| canonical.starts_with(r)) {
        return Err("not a regular file; not read".to_string());
    }
    let file = open_nonblocking(&canonical).map_err(|e| e.to_string())?;
    // Checked on the open file: what was opened is what is read.
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file; not read".to_string());
    }
    // Sized from the metadata (a hint only: the cap is enforced while reading).
    let hint = usize::try_from(meta.len().min(cap)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(hint.saturating_add(1));
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > cap {
        return Err(format!(
            "file is larger than {} MiB; not read",
            cap / 1024 / 1024
        ));
    }
    Ok(bytes)
}

/// Like [`read_regular`], as UTF-8 text.
pub fn read_regular_text(path: &Path, cap: u64) -> Result<String, String> {
    String::from_utf8(read_regular(path, cap)?).map_err(|_| "the file is not UTF-8".to_string())
}

/// Opening a FIFO for reading blocks until a writer comes; non-blocking, it
/// returns at once and the type check refuses it.
#[cfg(target_os = "linux")]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    const O_NONBLOCK: i32 = 0o4000;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(O_NONBLOCK)
        .open(path)
}

#[cfg(not(target_os = "linux"))]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// What a file's contents are judged unchanged by: its size and modification
/// time.
pub type Stamp = (u64, Option<std::time::SystemTime>);

/// The file's stamp now (`None`: it cannot be read).
pub fn stamp(path: &Path) -> Option<Stamp> {
    std::fs::metadata(path)
        .ok()
        .map(|m| (m.len(), m.modified().ok()))
}

/// `path` without `.` and with `..` applied to what precedes it, as text
/// (no file system access): `/w/a/./x/../b.txt` → `/w/a/b.txt`. How a file
/// named relative to another compares with the same file named in full.
pub fn lexical(path: &Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_cap() {
        let dir = std::env::temp_dir().join(format!("tendon-fsread-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let small = dir.join("small.txt");
        std::fs::write(&small, "hello").unwrap_or_default();
        assert_eq!(read_regular(&small, 5).ok(), Some(b"hello".to_vec()));
        assert!(read_regular(&small, 4).is_err());
        assert!(read_regular(&dir, 100).is_err());
        assert!(read_regular(Path::new("/dev/zero"), 100).is_err());
        assert!(read_regular(Path::new("/proc/self/environ"), 1 << 20).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = std::env::temp_dir().join(format!("tendon-fifo-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let fifo = dir.join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let started = std::time::Instant::now();
            assert!(read_regular(&fifo, 100).is_err());
            assert!(started.elapsed() < std::time::Duration::from_secs(2));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn lexical_paths_drop_dots() {
        let l = |p: &str| lexical(Path::new(p));
        assert_eq!(l("/w/a/./x/../b.txt"), Path::new("/w/a/b.txt"));
        assert_eq!(l("a/../../b"), Path::new("../b"));
        assert_eq!(l("/../b"), Path::new("/../b"));
    }
}
