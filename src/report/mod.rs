//! Output formats, one module each. Every format renders the same sorted
//! findings; none of them depends on how the run was scheduled.

pub mod gcc;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod statistics;

use crate::finding::Severity;
use crate::source::{Loc, Position, SourceMap};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Gcc,
    /// SARIF 2.1.0 (code scanning).
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// JUnit XML (CI test reports).
    Junit,
}

/// File name, start and (exclusive) end position of a location.
pub struct Located<'a> {
    pub file: &'a str,
    pub start: Position,
    pub end: Position,
}

pub fn locate(sources: &SourceMap, loc: Loc) -> Located<'_> {
    match sources.get(loc.file) {
        Some(f) => Located {
            file: &f.display,
            start: f.position(loc.span.start),
            end: f.position(loc.span.end),
        },
        None => {
            let p = Position { line: 1, column: 1 };
            Located {
                file: "",
                start: p,
                end: p,
            }
        }
    }
}

/// `related: a.json:18:77: message`, raw: each format escapes it its way.
pub fn related_line(sources: &SourceMap, r: &crate::finding::Related) -> String {
    let at = locate(sources, r.loc);
    format!(
        "related: {}:{}:{}: {}",
        at.file, at.start.line, at.start.column, r.message
    )
}

pub fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}
