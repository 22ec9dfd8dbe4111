//! The JSON report, version 1. Public contract: fields may be added, never removed.

use serde_json::{Value as J, json};

use crate::pipeline::Outcome;
use crate::report::locate;

pub fn render(outcome: &Outcome) -> String {
    let findings: Vec<J> = outcome
        .findings
        .iter()
        .map(|f| {
            let at = locate(&outcome.sources, f.loc);
            let related: Vec<J> = f
                .all_related()
                .map(|r| {
                    let rat = locate(&outcome.sources, r.loc);
                    json!({
                        "file": rat.file,
                        "line": rat.start.line,
                        "column": rat.start.column,
                        "end_line": rat.end.line,
                        "end_column": rat.end.column,
                        "message": r.message,
                    })
                })
                .collect();
            json!({
                "rule": f.rule,
                "slug": f.slug,
                "severity": f.severity.as_str(),
                "message": f.message,
                "file": at.file,
                "line": at.start.line,
                "column": at.start.column,
                "end_line": at.end.line,
                "end_column": at.end.column,
                "help": f.help,
                "docs": f.docs,
                "related": related,
            })
        })
        .collect();
    let s = &outcome.summary;
    let doc = json!({
        "version": 1,
        "findings": findings,
        "summary": {
            "files": s.files,
            "templates": s.templates,
            "parameter_files": s.parameter_files,
            "bicep_files": s.bicep_files,
            "errors": s.errors,
            "warnings": s.warnings,
            "infos": s.infos,
        }
    });
    let mut out =
        crate::report::neutral::json_text(serde_json::to_string_pretty(&doc).unwrap_or_default());
    out.push('\n');
    out
}
