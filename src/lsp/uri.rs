//! `file://` URIs and the paths they name (RFC 8089), percent-encoded.

use std::path::{Path, PathBuf};

use lsp_types::Uri;

/// The `file://` URI of an absolute path.
pub fn from_path(path: &Path) -> Option<Uri> {
    let text = path.to_str()?;
    if !text.starts_with('/') {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str("file://");
    for b in text.bytes() {
        let plain = b.is_ascii_alphanumeric() || b"/-._~".contains(&b);
        if plain {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out.parse().ok()
}

/// The path a `file://` URI names (`None` for other schemes or a remote host).
pub fn to_path(uri: &Uri) -> Option<PathBuf> {
    let text = uri.as_str();
    let rest = text.strip_prefix("file://")?;
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%'
            && let Some(hex) = rest.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok().map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_spaces_and_unicode() {
        let p = Path::new("/work/my repo/aks é/main#1.bicep");
        let uri = from_path(p).unwrap();
        assert_eq!(
            uri.as_str(),
            "file:///work/my%20repo/aks%20%C3%A9/main%231.bicep"
        );
        assert_eq!(to_path(&uri).unwrap(), p);
        let u: Uri = "file://localhost/a/b.json".parse().unwrap();
        assert_eq!(to_path(&u).unwrap(), Path::new("/a/b.json"));
        let u: Uri = "untitled:Untitled-1".parse().unwrap();
        assert!(to_path(&u).is_none());
        assert!(from_path(Path::new("relative/x")).is_none());
    }
}
