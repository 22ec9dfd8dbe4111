//! The Bicep front end: [`lexer`] and error-tolerant [`parser`] produce a
//! [`syntax`] tree; lowering turns it into the ARM template model that the
//! ARM evaluator runs, so both languages share one evaluator and one set of
//! facts.

pub mod lexer;
pub mod lower;
pub mod parser;
pub mod syntax;

use std::path::Path;

use crate::json::Node;
use crate::source::Span;
use syntax::SyntaxError;

/// A Bicep file ready for evaluation: the lowered document and the syntax errors.
#[derive(Debug)]
pub struct Compiled {
    /// An ARM template (`.bicep`) or a parameter document (`.bicepparam`).
    pub node: Node,
    pub errors: Vec<SyntaxError>,
}

/// Parses and lowers a `.bicep` file (`path` locates `load*Content` files).
pub fn compile(text: &str, path: &Path) -> Compiled {
    let program = parser::parse(text);
    let node = lower::lower(&program, text.len(), path.parent(), &lower::DiskReader);
    Compiled {
        node,
        errors: program.errors,
    }
}

/// Parses and lowers a `.bicepparam` file.
pub fn compile_params(text: &str, path: &Path) -> Compiled {
    let program = parser::parse(text);
    let node = lower::lower_params(&program, text.len(), path.parent(), &lower::DiskReader);
    Compiled {
        node,
        errors: program.errors,
    }
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
