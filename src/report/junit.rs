//! JUnit XML for CI systems that show test reports (Azure Pipelines, GitLab,
//! Jenkins): one test case per linted file. A file with findings at or above
//! `--fail-on` has one `<failure>`: its `message` is the first finding's (and
//! how many more), its text every failing finding, one gcc line each with its related
//! locations indented below it. One
//! failure per test case because Azure Pipelines' and Jenkins' readers take
//! only the first `<failure>` of a test case, so the others would not show;
//! `failures` counts the failed test cases, as JUnit's schema means it.
//! Findings below `--fail-on` (info notes) are the test case's `system-out`:
//! shown, not failed. Written by hand: five escapes, no tree to build.

use std::collections::HashMap;
use std::fmt::Write;

use crate::finding::{Finding, Severity};
use crate::neutral;
use crate::outcome::Outcome;
use crate::report::{locate, related_line, severity_word};

/// Text as XML 1.0 character data or attribute value, well-formed for any
/// input: [`neutral::visible`] first (no control characters, U+FFFE or
/// U+FFFF remain), then the five markup characters.
fn xml(s: &str) -> String {
    let s = neutral::visible(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A failure's line, then its related locations indented below it.
fn with_related(outcome: &Outcome, f: &Finding, line: &str) -> String {
    let mut out = line.to_string();
    for r in f.all_related() {
        let _ = write!(out, "\n  {}", xml(&related_line(&outcome.sources, r)));
    }
    out
}

/// `fails`: the lowest severity that fails the run (`None` for `--fail-on never`).
pub fn render(outcome: &Outcome, fails: Option<Severity>) -> String {
    let failing = |f: &Finding| fails.is_some_and(|t| f.severity >= t);
    let mut files: Vec<&str> = outcome
        .sources
        .iter()
        .map(|(_, f)| f.display.as_str())
        .collect();
    files.sort_unstable();
    files.dedup();
    // Grouped once, so the report is linear in files plus findings.
    let mut by_file: HashMap<&str, Vec<&Finding>> = HashMap::new();
    for f in &outcome.findings {
        by_file
            .entry(locate(&outcome.sources, f.loc).file)
            .or_default()
            .push(f);
    }
    let failures = files
        .iter()
        .filter(|file| {
            by_file
                .get(*file)
                .is_some_and(|found| found.iter().any(|f| failing(f)))
        })
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"tendon\" tests=\"{}\" failures=\"{failures}\">",
        files.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"tendon\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">",
        files.len()
    );
    for file in files {
        let found = by_file.get(file).map(Vec::as_slice).unwrap_or(&[]);
        if found.is_empty() {
            let _ = writeln!(
                out,
                "    <testcase classname=\"tendon\" name=\"{}\"/>",
                xml(file)
            );
            continue;
        }
        let _ = writeln!(
            out,
            "    <testcase classname=\"tendon\" name=\"{}\">",
            xml(file)
        );
        let line = |f: &Finding| {
            let at = locate(&outcome.sources, f.loc);
            format!(
                "{}:{}:{}: {}[{}]: {}",
                xml(&neutral::line_start_path(at.file)),
                at.start.line,
                at.start.column,
                severity_word(f.severity),
                xml(&f.rule),
                xml(&f.message)
            )
        };
        let failed: Vec<&Finding> = found.iter().copied().filter(|f| failing(f)).collect();
        if let Some(first) = failed.first() {
            let mut rules: Vec<&str> = failed.iter().map(|f| f.rule.as_str()).collect();
            rules.sort_unstable();
            rules.dedup();
            let mut message = first.message.clone();
            if failed.len() > 1 {
                let more = failed.len() - 1;
                let noun = if more == 1 { "finding" } else { "findings" };
                let _ = write!(message, " (and {more} more {noun})");
            }
            let text: Vec<String> = failed
                .iter()
                .map(|f| with_related(outcome, f, &line(f)))
                .collect();
            let _ = writeln!(
                out,
                "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                xml(&rules.join(" ")),
                xml(&message),
                text.join("\n")
            );
        }
        let notes: Vec<String> = found
            .iter()
            .filter(|f| !failing(f))
            .map(|f| line(f))
            .collect();
        if !notes.is_empty() {
            let _ = writeln!(out, "      <system-out>{}</system-out>", notes.join("\n"));
        }
        let _ = writeln!(out, "    </testcase>");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn xml_text_is_well_formed_for_any_input() {
        assert_eq!(
            xml("a<&>\"'\u{1}\n\u{fffe}\u{ffff}\u{85}b"),
            "a&lt;&amp;&gt;&quot;&apos;\\u{1}\\n\\u{fffe}\\u{ffff}\\u{85}b"
        );
    }
}
