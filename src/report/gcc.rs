//! `path:line:column: severity[ID]: message`, one line per finding, for editor
//! problem matchers. Severity words: `error`, `warning`, `note`. Paths and
//! messages are shown with control characters escaped ([`neutral`]), so
//! every finding is exactly one line.

use std::fmt::Write;

use crate::neutral;
use crate::outcome::Outcome;
use crate::report::{locate, severity_word};

pub fn render(outcome: &Outcome) -> String {
    let mut out = String::new();
    for f in &outcome.findings {
        let at = locate(&outcome.sources, f.loc);
        let _ = writeln!(
            out,
            "{}:{}:{}: {}[{}]: {}",
            neutral::line_start_path(at.file),
            at.start.line,
            at.start.column,
            severity_word(f.severity),
            neutral::visible(&f.rule),
            neutral::visible(&f.message)
        );
    }
    out
}
