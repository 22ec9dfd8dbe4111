//! `path:line:column: severity[ID]: message`, one line per finding, for editor
//! problem matchers. Severity words: `error`, `warning`, `note`.

use std::fmt::Write;

use crate::pipeline::Outcome;
use crate::report::{locate, severity_word};

pub fn render(outcome: &Outcome) -> String {
    let mut out = String::new();
    for f in &outcome.findings {
        let at = locate(&outcome.sources, f.loc);
        let _ = writeln!(
            out,
            "{}:{}:{}: {}[{}]: {}",
            at.file,
            at.start.line,
            at.start.column,
            severity_word(f.severity),
            f.rule,
            one_line(&f.message)
        );
    }
    out
}

fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}
