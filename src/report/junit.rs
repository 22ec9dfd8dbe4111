//! JUnit XML: one test case per linted file, one failure per finding in it,
//! for CI systems that show test reports (Azure Pipelines, GitLab, Jenkins).

use std::fmt::Write;

use crate::pipeline::Outcome;
use crate::report::{locate, severity_word};

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

pub fn render(outcome: &Outcome) -> String {
    let mut files: Vec<&str> = outcome
        .sources
        .iter()
        .map(|(_, f)| f.display.as_str())
        .collect();
    files.sort_unstable();
    files.dedup();
    let failures = outcome.findings.len();
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
        let found: Vec<_> = outcome
            .findings
            .iter()
            .filter(|f| locate(&outcome.sources, f.loc).file == file)
            .collect();
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
        for f in found {
            let at = locate(&outcome.sources, f.loc);
            let _ = writeln!(
                out,
                "      <failure type=\"{}\" message=\"{}\">{}:{}:{}: {}[{}]: {}</failure>",
                xml(&f.rule),
                xml(&f.message),
                xml(at.file),
                at.start.line,
                at.start.column,
                severity_word(f.severity),
                xml(&f.rule),
                xml(&f.message)
            );
        }
        let _ = writeln!(out, "    </testcase>");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
