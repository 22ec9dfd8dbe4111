//! Human-readable reports rendered by miette: the source snippet with a label
//! at the span, help, and related locations (labels in the same file, nested
//! reports for other files), then a one-line summary.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan,
};

use crate::finding::{Finding, Severity};
use crate::pipeline::{Outcome, Summary};
use crate::source::{Loc, SourceMap};

#[derive(Debug)]
struct Report {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    url: Option<String>,
    source: NamedSource<String>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.url
            .as_ref()
            .map(|u| Box::new(u) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)))
    }
}

fn source_of(sources: &SourceMap, loc: Loc) -> NamedSource<String> {
    match sources.get(loc.file) {
        Some(f) => NamedSource::new(f.display.clone(), f.text.clone()).with_language("json"),
        None => NamedSource::new("", String::new()),
    }
}

fn span(loc: Loc) -> SourceSpan {
    SourceSpan::new((loc.span.start as usize).into(), loc.span.len() as usize)
}

fn miette_severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

fn report(sources: &SourceMap, f: &Finding) -> Report {
    let mut labels = vec![LabeledSpan::new_primary_with_span(None, span(f.loc))];
    let mut related = Vec::new();
    for r in f.all_related() {
        if r.loc.file == f.loc.file {
            labels.push(LabeledSpan::new_with_span(
                Some(r.message.clone()),
                span(r.loc),
            ));
        } else {
            related.push(Report {
                message: r.message.clone(),
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                url: None,
                source: source_of(sources, r.loc),
                labels: vec![LabeledSpan::new_with_span(None, span(r.loc))],
                related: Vec::new(),
            });
        }
    }
    Report {
        message: f.message.clone(),
        code: Some(format!("{}({})", f.rule, f.slug)),
        severity: miette_severity(f.severity),
        help: f.help.clone(),
        url: f.docs.clone(),
        source: source_of(sources, f.loc),
        labels,
        related,
    }
}

pub fn render(outcome: &Outcome, color: bool, quiet: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_width(100);
    let mut out = String::new();
    for f in &outcome.findings {
        let r = report(&outcome.sources, f);
        if handler.render_report(&mut out, &r).is_err() {
            out.push_str(&f.message);
        }
        out.push('\n');
    }
    if !quiet {
        out.push_str(&summary_line(&outcome.summary));
        out.push('\n');
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `checked 3 files (2 templates, 1 parameter file): 1 error, 0 warnings`.
pub fn summary_line(s: &Summary) -> String {
    let mut kinds = vec![plural(s.templates, "template", "templates")];
    if s.parameter_files > 0 {
        kinds.push(plural(
            s.parameter_files,
            "parameter file",
            "parameter files",
        ));
    }
    if s.bicep_files > 0 {
        kinds.push(plural(s.bicep_files, "Bicep file", "Bicep files"));
    }
    let mut counts = vec![
        plural(s.errors, "error", "errors"),
        plural(s.warnings, "warning", "warnings"),
    ];
    if s.infos > 0 {
        counts.push(plural(s.infos, "info", "infos"));
    }
    format!(
        "checked {} ({}): {}",
        plural(s.files, "file", "files"),
        kinds.join(", "),
        counts.join(", ")
    )
}
