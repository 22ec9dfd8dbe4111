//! Reads one discovered file and classifies it by content: ARM template, ARM
//! parameter file, Bicep file or parameters (lowered), or something to skip.
//! Unreadable or malformed templates become findings, never errors of the run.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::confine::ProjectRoot;
use crate::discover::{DiscoverError, FileKind, Input};
use crate::finding::Finding;
use crate::json::{self, Node};
use crate::source::{FileId, SourceFile, Span};

/// Files larger than this are not parsed (a finding says so).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug)]
pub enum Content {
    Template(Node),
    Parameters(Node),
    /// A `.bicep` file, lowered to an ARM template, with its syntax errors.
    Bicep(crate::bicep::Compiled),
    /// A `.bicepparam` file, lowered to a parameter document.
    BicepParam(crate::bicep::Compiled),
    /// JSON that is not an ARM document.
    Skipped,
    /// A template or parameter file that could not be parsed.
    Broken {
        message: String,
        span: Span,
    },
}

#[derive(Debug)]
pub struct Loaded {
    pub text: String,
    pub content: Content,
}

/// A file as a run uses it: its text as a source file (line index built
/// once) and its parsed content, shared (a language server keeps them
/// between runs while the file is unchanged).
#[derive(Clone, Debug)]
pub struct Parsed {
    pub source: Arc<SourceFile>,
    pub content: ParsedContent,
    /// TDN006/TDN007 for the files it names, found once per parse (a
    /// language server forgets its parses when files are created or deleted).
    missing: std::sync::OnceLock<(FileId, Vec<Finding>)>,
    /// The other files a Bicep file was compiled from (imports,
    /// `load*Content`), with their stamps when read.
    compiled_from: Vec<(PathBuf, Option<crate::fsread::Stamp>)>,
}

impl Parsed {
    /// Whether a file this was compiled from has changed on disk since (the
    /// language server's kept parse is then stale, whatever its own text).
    pub fn sources_changed(&self) -> bool {
        self.compiled_from
            .iter()
            .any(|(p, stamp)| crate::fsread::stamp(p) != *stamp)
    }

    /// Whether `path` is a file this was compiled from.
    pub fn compiled_from(&self, path: &Path) -> bool {
        self.compiled_from.iter().any(|(p, _)| p == path)
    }

    /// The findings for the files it names, as `find` says for file `id`.
    pub fn missing(&self, id: FileId, find: impl FnOnce() -> Vec<Finding>) -> Vec<Finding> {
        if let Some((kept_id, found)) = self.missing.get()
            && *kept_id == id
        {
            return found.clone();
        }
        let found = find();
        let _ = self.missing.set((id, found.clone()));
        found
    }

    /// The file as a run's source, shown as `display`.
    pub fn source(&self, display: String) -> Arc<SourceFile> {
        if self.source.display == display {
            return self.source.clone();
        }
        Arc::new(SourceFile::new(
            self.source.path.clone(),
            display,
            self.source.text.clone(),
        ))
    }

    /// A loaded file at `path`, shown as `display`.
    pub fn new(l: Loaded, path: &Path, display: String) -> Parsed {
        let bicep = |c: crate::bicep::Compiled, params: bool| {
            let content = ParsedContent::Bicep {
                node: Arc::new(c.node),
                params,
                errors: c.errors,
                references: c.references,
            };
            (content, c.compiled_from)
        };
        let (content, compiled_from) = match l.content {
            Content::Template(n) => (ParsedContent::Template(Arc::new(n)), Vec::new()),
            Content::Parameters(n) => (ParsedContent::Parameters(Arc::new(n)), Vec::new()),
            Content::Bicep(c) => bicep(c, false),
            Content::BicepParam(c) => bicep(c, true),
            Content::Skipped => (ParsedContent::Skipped, Vec::new()),
            Content::Broken { message, span } => {
                (ParsedContent::Broken { message, span }, Vec::new())
            }
        };
        Parsed {
            source: Arc::new(SourceFile::new(path.to_path_buf(), display, l.text)),
            content,
            missing: std::sync::OnceLock::new(),
            compiled_from,
        }
    }

    /// A file of the run, shown relative to the working directory.
    pub fn of_input(l: Loaded, input: &Input) -> Parsed {
        let cwd = std::env::current_dir().ok();
        let display = crate::discover::display_path(&input.path, cwd.as_deref());
        Parsed::new(l, &input.path, display)
    }
}

#[derive(Clone, Debug)]
pub enum ParsedContent {
    Template(Arc<Node>),
    Parameters(Arc<Node>),
    /// A `.bicep` file (`params: false`) or `.bicepparam` file, lowered.
    Bicep {
        node: Arc<Node>,
        params: bool,
        errors: Vec<crate::bicep::syntax::SyntaxError>,
        references: Vec<crate::bicep::FileRef>,
    },
    Skipped,
    Broken {
        message: String,
        span: Span,
    },
}

/// Where a run reads the files it lints: the disk, or (the language server)
/// the editor's buffers and the parses of unchanged files.
pub trait FileSource: Sync {
    /// The files under `paths` (a language server keeps the list until
    /// files are created or deleted).
    fn discover(&self, paths: &[PathBuf]) -> Result<(Vec<Input>, Vec<String>), DiscoverError> {
        crate::discover::discover(paths)
    }

    fn parse(&self, input: &Input, root: &ProjectRoot) -> Result<Arc<Parsed>, String>;

    /// A path with symlinks and `..` resolved (a language server keeps them
    /// until files are created or deleted).
    fn canonical(&self, path: &Path) -> Option<PathBuf> {
        std::fs::canonicalize(path).ok()
    }
}

/// Every file read from the disk, parsed afresh.
pub struct Disk;

impl FileSource for Disk {
    fn parse(&self, input: &Input, root: &ProjectRoot) -> Result<Arc<Parsed>, String> {
        load(input, root).map(|l| Arc::new(Parsed::of_input(l, input)))
    }
}

/// `$schema` file names that mark ARM documents (any version and scope).
fn schema_kind(schema: &str) -> Option<bool> {
    let name = schema
        .trim_end_matches('#')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if name.ends_with("deploymenttemplate.json") {
        Some(true)
    } else if name.ends_with("deploymentparameters.json") {
        Some(false)
    } else {
        None
    }
}

/// Cheap pre-check: a file that never mentions an ARM schema is not parsed at all.
fn mentions_arm_schema(bytes: &[u8]) -> bool {
    memchr::memmem::find(bytes, b"eploymentTemplate.json").is_some()
        || memchr::memmem::find(bytes, b"eploymentParameters.json").is_some()
        || memchr::memmem::find(bytes, b"eploymenttemplate.json").is_some()
        || memchr::memmem::find(bytes, b"eploymentparameters.json").is_some()
}

/// Reads and classifies one file; a Bicep file's `load*Content` calls read
/// only inside `root`.
pub fn load(input: &Input, root: &ProjectRoot) -> Result<Loaded, String> {
    read_limited(&input.path)
        .map(utf16_to_utf8)
        .map(|bytes| classify(input, bytes, root))
}

fn load_bicep(input: &Input, bytes: Vec<u8>, root: &ProjectRoot) -> Loaded {
    let (text, bad_utf8) = crate::bicep::decode(bytes);
    let mut compiled = if input.kind == FileKind::BicepParam {
        crate::bicep::compile_params(&text, &input.path, root)
    } else {
        crate::bicep::compile(&text, &input.path, root)
    };
    if let Some(e) = bad_utf8 {
        compiled.errors.insert(0, e);
    }
    let content = if input.kind == FileKind::BicepParam {
        Content::BicepParam(compiled)
    } else {
        Content::Bicep(compiled)
    };
    Loaded { text, content }
}

/// A file with a UTF-16 byte order mark (what PowerShell 5 writes, and what
/// `az deployment` accepts) as UTF-8; other bytes unchanged. Unpaired
/// surrogates become U+FFFD.
pub fn utf16_to_utf8(bytes: Vec<u8>) -> Vec<u8> {
    let little = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => true,
        Some([0xFE, 0xFF]) => false,
        _ => return bytes,
    };
    let units = bytes.get(2..).unwrap_or_default().chunks(2).map(|pair| {
        let (a, b) = (
            pair.first().copied().unwrap_or(0),
            pair.get(1).copied().unwrap_or(0),
        );
        if little {
            u16::from_le_bytes([a, b])
        } else {
            u16::from_be_bytes([a, b])
        }
    });
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect::<String>()
        .into_bytes()
}

fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    crate::fsread::read_regular(path, MAX_FILE_BYTES)
}

pub fn classify(input: &Input, bytes: Vec<u8>, root: &ProjectRoot) -> Loaded {
    match input.kind {
        FileKind::Bicep | FileKind::BicepParam => load_bicep(input, bytes, root),
        FileKind::Json => classify_arm(bytes),
    }
}

/// A JSON file as an ARM template, parameter file, or something to skip.
pub fn classify_arm(bytes: Vec<u8>) -> Loaded {
    if !mentions_arm_schema(&bytes) {
        return Loaded {
            text: String::new(),
            content: Content::Skipped,
        };
    }
    classify_json(bytes)
}

fn classify_json(bytes: Vec<u8>) -> Loaded {
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let at = err.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(err.as_bytes()).into_owned();
            return Loaded {
                text,
                content: Content::Broken {
                    message: "invalid UTF-8".into(),
                    span: Span::new(at, at + 1),
                },
            };
        }
    };
    let content = match json::parse(&text) {
        Err(e) => Content::Broken {
            message: e.message,
            span: e.span,
        },
        Ok(doc) => match doc
            .get("$schema")
            .and_then(Node::as_str)
            .and_then(schema_kind)
        {
            Some(true) => Content::Template(doc),
            Some(false) => Content::Parameters(doc),
            None => Content::Skipped,
        },
    };
    // A broken file is reported only when it names an ARM schema in its text.
    Loaded { text, content }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> &'static str {
        match classify_arm(text.as_bytes().to_vec()).content {
            Content::Template(_) => "template",
            Content::Parameters(_) => "parameters",
            Content::Skipped => "skipped",
            Content::Broken { .. } => "broken",
            _ => "other",
        }
    }

    #[test]
    fn classification_by_schema() {
        let t = |s: &str| format!(r#"{{"$schema": "{s}", "resources": []}}"#);
        assert_eq!(
            kind(&t(
                "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
            )),
            "template"
        );
        assert_eq!(
            kind(&t(
                "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#"
            )),
            "template"
        );
        assert_eq!(
            kind(&t(
                "https://schema.management.azure.com/schemas/2019-08-01/managementGroupDeploymentTemplate.json#"
            )),
            "template"
        );
        assert_eq!(
            kind(&t(
                "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"
            )),
            "parameters"
        );
        assert_eq!(kind(r#"{"name": "package"}"#), "skipped");
        assert_eq!(
            kind(
                r#"{"$schema": "http://json-schema.org/draft-07/schema#", "x": "deploymentTemplate.json"}"#
            ),
            "skipped"
        );
        assert_eq!(
            kind(r#"{"$schema": ".../deploymentTemplate.json#", "#),
            "broken"
        );
    }

    #[test]
    fn invalid_utf8_is_broken_at_the_bad_byte() {
        let mut bytes = br#"{"$schema": "deploymentTemplate.json#", "a": ""#.to_vec();
        let at = bytes.len();
        bytes.extend_from_slice(&[0xff, b'"', b'}']);
        match classify_arm(bytes).content {
            Content::Broken { message, span } => {
                assert_eq!(message, "invalid UTF-8");
                assert_eq!(span.start as usize, at);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
