//! The Bicep front end: [`lexer`] and error-tolerant [`parser`] produce a
//! [`syntax`] tree; lowering turns it into the ARM template model that the
//! ARM evaluator runs, so both languages share one evaluator and one set of
//! facts.

pub mod lexer;
pub mod lower;
pub mod parser;
pub mod syntax;

use std::path::Path;

use crate::confine::ProjectRoot;
use crate::json::Node;
use crate::source::Span;
use syntax::SyntaxError;

/// A Bicep file ready for evaluation: the lowered document and the syntax errors.
#[derive(Debug)]
pub struct Compiled {
    /// An ARM template (`.bicep`) or a parameter document (`.bicepparam`).
    pub node: Node,
    pub errors: Vec<SyntaxError>,
    /// The local files it names (relative to its folder), for TDN006 and TDN007.
    pub references: Vec<FileRef>,
    /// The files read to lower it (imports, `load*Content`), with their stamps then.
    pub compiled_from: Vec<(std::path::PathBuf, Option<crate::fsread::Stamp>)>,
}

/// How a Bicep file names another local file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefKind {
    Module,
    Import,
    Using,
    Extends,
    /// A `load*Content` function (compile time).
    Load,
}

/// A local file named by a `module`, `import`, `using` or `extends`
/// statement, or a `load*Content` call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRef {
    pub kind: RefKind,
    /// The path as written.
    pub path: String,
    /// The path string.
    pub span: Span,
}

/// Parses and lowers a `.bicep` file (`path` locates `load*Content` files,
/// read only inside `root`).
pub fn compile(text: &str, path: &Path, root: &ProjectRoot) -> Compiled {
    let program = parser::parse(text);
    let reader = lower::DiskReader::new(root);
    let lowered = lower::lower(&program, text.len(), path.parent(), &reader);
    compiled(program, lowered, reader.read.into_inner())
}

/// Parses and lowers a `.bicepparam` file.
pub fn compile_params(text: &str, path: &Path, root: &ProjectRoot) -> Compiled {
    let program = parser::parse(text);
    let reader = lower::DiskReader::new(root);
    let lowered = lower::lower_params(&program, text.len(), path.parent(), &reader);
    compiled(program, lowered, reader.read.into_inner())
}

fn compiled(
    program: syntax::Program,
    lowered: lower::Lowered,
    compiled_from: Vec<(std::path::PathBuf, Option<crate::fsread::Stamp>)>,
) -> Compiled {
    let mut references = references(&program);
    references.extend(lowered.loads);
    Compiled {
        node: lowered.node,
        references,
        errors: program.errors,
        compiled_from,
    }
}

/// The local files a program names; registry (`br:`, `br/alias:`) and
/// template-spec (`ts:`) references are not files.
fn references(program: &syntax::Program) -> Vec<FileRef> {
    use syntax::{ImportKind, StmtKind};
    let mut out = Vec::new();
    for stmt in &program.statements {
        let (kind, lit) = match &stmt.kind {
            StmtKind::Module { path, .. } => (RefKind::Module, path),
            StmtKind::Import(i) if !matches!(i.kind, ImportKind::Extension) => match &i.from {
                Some(from) => (RefKind::Import, from),
                None => continue,
            },
            StmtKind::Using { path: Some(p), .. } => (RefKind::Using, p),
            StmtKind::Extends(p) => (RefKind::Extends, p),
            _ => continue,
        };
        let remote = ["br:", "br/", "ts:", "ts/"]
            .iter()
            .any(|p| lit.value.starts_with(p));
        if !remote && !lit.value.is_empty() {
            out.push(FileRef {
                kind,
                path: lit.value.clone(),
                span: lit.span,
            });
        }
    }
    out
}

/// Text of a Bicep file: invalid UTF-8 is replaced (and reported at the first bad byte).
pub fn decode(bytes: Vec<u8>) -> (String, Option<SyntaxError>) {
    match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(err) => {
            let at = err.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(err.as_bytes()).into_owned();
            let e = SyntaxError {
                message: "invalid UTF-8".into(),
                span: Span::new(at, at + 1),
            };
            (text, Some(e))
        }
    }
}
