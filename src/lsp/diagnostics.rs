//! Findings as LSP diagnostics, one list per file: the range in UTF-16
//! columns, the rule id as `code` with its docs, related locations (in other
//! files too) and the parameter files that produced the finding.

use std::collections::BTreeMap;
use std::path::PathBuf;

use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag,
    Location, NumberOrString, Position, Range,
};

use crate::finding::{Finding, Severity, builtin};
use crate::lsp::uri;
use crate::outcome::Outcome;
use crate::source::{Loc, SourceMap};

/// Every file's diagnostics, by path (files without findings are absent).
pub fn by_file(outcome: &Outcome) -> BTreeMap<PathBuf, Vec<Diagnostic>> {
    let mut out: BTreeMap<PathBuf, Vec<Diagnostic>> = BTreeMap::new();
    for f in &outcome.findings {
        let Some(file) = outcome.sources.get(f.loc.file) else {
            continue;
        };
        out.entry(file.path.clone())
            .or_default()
            .push(diagnostic(f, &outcome.sources));
    }
    out
}

fn range_of(sources: &SourceMap, loc: Loc) -> Option<Range> {
    let file = sources.get(loc.file)?;
    let position = |offset: u32| {
        let (line, character) = file.utf16_position(offset as usize);
        Position::new(line, character)
    };
    Some(Range::new(position(loc.span.start), position(loc.span.end)))
}

fn location(sources: &SourceMap, loc: Loc) -> Option<Location> {
    let file = sources.get(loc.file)?;
    let uri = uri::from_path(&std::path::absolute(&file.path).ok()?)?;
    Some(Location::new(uri, range_of(sources, loc)?))
}

pub fn diagnostic(f: &Finding, sources: &SourceMap) -> Diagnostic {
    let severity = match f.severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    };
    let mut message = f.message.clone();
    if let Some(help) = &f.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = f
        .related
        .iter()
        .chain(&f.scenarios)
        .filter_map(|r| {
            Some(DiagnosticRelatedInformation {
                location: location(sources, r.loc)?,
                message: r.message.clone(),
            })
        })
        .collect();
    let tags = if f.rule == builtin::UNUSED_SUPPRESSION.0 {
        Some(vec![DiagnosticTag::UNNECESSARY])
    } else if f.slug == "kubenet-retirement" {
        Some(vec![DiagnosticTag::DEPRECATED])
    } else {
        None
    };
    Diagnostic {
        range: range_of(sources, f.loc).unwrap_or_default(),
        severity: Some(severity),
        code: Some(NumberOrString::String(f.rule.clone())),
        code_description: f
            .docs
            .as_deref()
            // Web pages only, whatever a rule file says.
            .filter(|d| d.starts_with("https://"))
            .and_then(|d| d.parse().ok())
            .map(|href| CodeDescription { href }),
        source: Some("tendon".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags,
        data: None,
    }
}
