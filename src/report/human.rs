//! Human-readable reports rendered by miette: the source snippet with a label
//! at the span, help, and related locations (labels in the same file, nested
//! reports for other files), then a one-line summary. Messages, labels,
//! file names and the source lines shown are [`super::neutral`]: a control character
//! in a template or a file name shows escaped, it never reaches the terminal.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan,
};

use crate::finding::{Finding, Severity};
use crate::pipeline::{Outcome, Summary};
use crate::report::neutral::{VisibleSource, visible};
use crate::source::{FileId, Loc, SourceMap};

#[derive(Debug)]
struct Report {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    url: Option<String>,
    source: NamedSource<Arc<str>>,
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

/// Each file's escaped source, made once however many findings it has.
struct Shown<'a> {
    sources: &'a SourceMap,
    files: HashMap<FileId, (String, Arc<str>, VisibleSource)>,
}

impl Shown<'_> {
    fn file(&mut self, id: FileId) -> Option<&(String, Arc<str>, VisibleSource)> {
        let sources = self.sources;
        let f = sources.get(id)?;
        Some(self.files.entry(id).or_insert_with(|| {
            let v = VisibleSource::new(&f.text);
            (
                visible(&f.display).into_owned(),
                Arc::from(v.text.as_str()),
                v,
            )
        }))
    }

    fn source(&mut self, loc: Loc) -> NamedSource<Arc<str>> {
        match self.file(loc.file) {
            Some((name, text, _)) => NamedSource::new(name, Arc::clone(text)).with_language("json"),
            None => NamedSource::new("", Arc::from("")),
        }
    }

    fn span(&mut self, loc: Loc) -> SourceSpan {
        let (start, end) = (loc.span.start as usize, loc.span.end as usize);
        let (start, end) = match self.file(loc.file) {
            Some((_, _, v)) => (v.offset(start), v.offset(end)),
            None => (start, end),
        };
        SourceSpan::new(start.into(), end.saturating_sub(start))
    }
}

fn owned(s: &str) -> String {
    visible(s).into_owned()
}

fn miette_severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

fn report(shown: &mut Shown<'_>, f: &Finding) -> Report {
    let mut labels = vec![LabeledSpan::new_primary_with_span(None, shown.span(f.loc))];
    let mut related = Vec::new();
    for r in f.all_related() {
        if r.loc.file == f.loc.file {
            labels.push(LabeledSpan::new_with_span(
                Some(owned(&r.message)),
                shown.span(r.loc),
            ));
        } else {
            related.push(Report {
                message: owned(&r.message),
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                url: None,
                source: shown.source(r.loc),
                labels: vec![LabeledSpan::new_with_span(None, shown.span(r.loc))],
                related: Vec::new(),
            });
        }
    }
    Report {
        message: owned(&f.message),
        code: Some(owned(&format!("{}({})", f.rule, f.slug))),
        severity: miette_severity(f.severity),
        help: f.help.as_deref().map(owned),
        url: f.docs.as_deref().map(owned),
        source: shown.source(f.loc),
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
    let mut shown = Shown {
        sources: &outcome.sources,
        files: HashMap::new(),
    };
    for f in &outcome.findings {
        let r = report(&mut shown, f);
        if handler.render_report(&mut out, &r).is_err() {
            out.push_str(&visible(&f.message));
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
