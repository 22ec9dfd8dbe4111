//! The JSON report, version 1. Public contract: fields may be added, never removed.

use serde::Serialize;
use serde::ser::Serializer;

use crate::finding::Finding;
use crate::outcome::{Outcome, Summary};
use crate::report::{Located, locate};
use crate::source::SourceMap;

/// Serialised straight from the findings (fields in this order), not through
/// an intermediate `serde_json::Value` of the whole report: the report costs
/// its own text, not several times that.
#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    findings: Findings<'a>,
    summary: SummaryView,
}

struct Findings<'a> {
    sources: &'a SourceMap,
    findings: &'a [Finding],
}

impl Serialize for Findings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.findings.iter().map(|f| FindingView {
            sources: self.sources,
            f,
        }))
    }
}

struct FindingView<'a> {
    sources: &'a SourceMap,
    f: &'a Finding,
}

#[derive(Serialize)]
struct FindingFields<'a> {
    rule: &'a str,
    slug: &'a str,
    severity: &'a str,
    message: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    help: Option<&'a str>,
    docs: Option<&'a str>,
    related: Vec<RelatedFields<'a>>,
}

#[derive(Serialize)]
struct RelatedFields<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
}

impl Serialize for FindingView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.f;
        let at: Located = locate(self.sources, f.loc);
        let related = f
            .all_related()
            .map(|r| {
                let rat = locate(self.sources, r.loc);
                RelatedFields {
                    file: rat.file,
                    line: rat.start.line,
                    column: rat.start.column,
                    end_line: rat.end.line,
                    end_column: rat.end.column,
                    message: &r.message,
                }
            })
            .collect();
        FindingFields {
            rule: &f.rule,
            slug: &f.slug,
            severity: f.severity.as_str(),
            message: &f.message,
            file: at.file,
            line: at.start.line,
            column: at.start.column,
            end_line: at.end.line,
            end_column: at.end.column,
            help: f.help.as_deref(),
            docs: f.docs.as_deref(),
            related,
        }
        .serialize(s)
    }
}

#[derive(Serialize)]
struct SummaryView {
    files: usize,
    templates: usize,
    parameter_files: usize,
    bicep_files: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    suppressed: usize,
    baselined: usize,
    unchanged: usize,
}

impl From<&Summary> for SummaryView {
    fn from(s: &Summary) -> SummaryView {
        SummaryView {
            files: s.files,
            templates: s.templates,
            parameter_files: s.parameter_files,
            bicep_files: s.bicep_files,
            errors: s.errors,
            warnings: s.warnings,
            infos: s.infos,
            suppressed: s.suppressed,
            baselined: s.baselined,
            unchanged: s.unchanged,
        }
    }
}

pub fn render(outcome: &Outcome) -> String {
    let report = Report {
        version: 1,
        findings: Findings {
            sources: &outcome.sources,
            findings: &outcome.findings,
        },
        summary: SummaryView::from(&outcome.summary),
    };
    let mut out =
        crate::neutral::json_text(serde_json::to_string_pretty(&report).unwrap_or_default());
    out.push('\n');
    out
}
