//! Output formats, one module each. Every format renders the same sorted
//! findings; none of them depends on how the run was scheduled.

pub mod gcc;
pub mod human;
pub mod json;

use crate::finding::Severity;
use crate::source::{Loc, Position, SourceMap};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Gcc,
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

pub fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}
