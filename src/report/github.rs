//! GitHub Actions workflow commands: one `::error file=…,line=…::message` per
//! finding, so findings show as annotations on the pull request. Fields are
//! first made [`neutral::visible`] (a line break in a name shows as `\n`, it
//! does not break the annotation), then escaped as workflow commands require.
//! Related locations follow the message, one line each (`%0A` is the line
//! break an annotation shows): `related: a.json:18:77: cluster 'aks-a' uses
//! the subnet here`.

use std::fmt::Write;

use crate::finding::Severity;
use crate::neutral;
use crate::outcome::Outcome;
use crate::report::{locate, related_line};

/// Escaping of the message part of a workflow command.
fn escape_data(s: &str) -> String {
    neutral::visible(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of a property value (also `:` and `,`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Related locations an annotation lists before `… and N more`.
const MAX_RELATED: usize = 10;

/// The annotation's text: the message, then its related locations.
fn annotation(outcome: &Outcome, f: &crate::finding::Finding) -> String {
    let mut text = escape_data(&f.message);
    let count = f.all_related().count();
    for r in f.all_related().take(MAX_RELATED) {
        let line = related_line(&outcome.sources, r);
        let _ = write!(text, "%0A{}", escape_data(&line));
    }
    if count > MAX_RELATED {
        let _ = write!(text, "%0A… and {} more", count - MAX_RELATED);
    }
    text
}

pub fn render(outcome: &Outcome) -> String {
    let mut out = String::new();
    for f in &outcome.findings {
        let at = locate(&outcome.sources, f.loc);
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(at.file),
            at.start.line,
            at.start.column,
            at.end.line,
            at.end.column,
            escape_property(&format!("{} {}", f.rule, f.slug)),
            annotation(outcome, f)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape_data("a%b\nc"), "a%25b\\nc");
        assert_eq!(escape_data("::warning x\u{1b}"), "::warning x\\u{1b}");
        assert_eq!(escape_property("x:y,z"), "x%3Ay%2Cz");
    }
}
