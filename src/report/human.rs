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
use crate::report::locate;
use crate::report::neutral::{VisibleSource, visible};
use crate::source::{FileId, Loc, SourceMap};

#[derive(Debug)]
struct Report {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    url: Option<String>,
    /// None for a span on a line too wide to show (see [`WIDE`]).
    source: Option<ShownSource>,
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
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)))
    }
}

/// Lines at least this wide (tabs as four columns) are not shown: miette
/// panics on a column past 65,535, and a snippet per finding on a long line
/// makes the report quadratic (20,000 parse errors on one 60 KB line).
const WIDE: usize = 1000;

/// A file's escaped source and where its wide lines are (byte ranges).
type ShownFile = (String, Arc<str>, VisibleSource, Vec<(usize, usize)>);

/// Each file's escaped source, made once however many findings it has.
struct Shown<'a> {
    sources: &'a SourceMap,
    files: HashMap<FileId, ShownFile>,
}

fn wide_lines(text: &str) -> Vec<(usize, usize)> {
    let mut wide = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let width: usize = line.chars().map(|c| if c == '\t' { 4 } else { 1 }).sum();
        if width >= WIDE {
            wide.push((start, start + line.len()));
        }
        start += line.len();
    }
    wide
}

impl Shown<'_> {
    fn file(&mut self, id: FileId) -> Option<&ShownFile> {
        let sources = self.sources;
        let f = sources.get(id)?;
        Some(self.files.entry(id).or_insert_with(|| {
            let v = VisibleSource::new(&f.text);
            let wide = wide_lines(&v.text);
            (
                visible(&f.display).into_owned(),
                Arc::from(v.text.as_str()),
                v,
                wide,
            )
        }))
    }

    /// Whether `loc` touches a wide line.
    fn wide(&mut self, loc: Loc) -> bool {
        let Some((_, _, v, wide)) = self.file(loc.file) else {
            return false;
        };
        let (start, end) = (
            v.offset(loc.span.start as usize),
            v.offset(loc.span.end as usize),
        );
        let i = wide.partition_point(|(_, e)| *e <= start);
        wide.get(i).is_some_and(|(s, _)| *s <= end)
    }

    /// The file of `loc` for miette, knowing the character columns of the
    /// places in `labelled` (all in that file).
    fn source(&mut self, loc: Loc, labelled: &[Loc]) -> ShownSource {
        let columns = labelled
            .iter()
            .map(|l| {
                let column = locate(self.sources, *l).start.column;
                (self.span(*l).offset(), column.saturating_sub(1) as usize)
            })
            .collect();
        let named = match self.file(loc.file) {
            Some((name, text, ..)) => {
                NamedSource::new(name, Arc::clone(text)).with_language("json")
            }
            None => NamedSource::new("", Arc::from("")),
        };
        ShownSource { named, columns }
    }

    fn span(&mut self, loc: Loc) -> SourceSpan {
        let (start, end) = (loc.span.start as usize, loc.span.end as usize);
        let (start, end) = match self.file(loc.file) {
            Some((_, _, v, _)) => (v.offset(start), v.offset(end)),
            None => (start, end),
        };
        SourceSpan::new(start.into(), end.saturating_sub(start))
    }
}

/// A file's shown text, whose header column (`file:line:col`) counts
/// characters of the original line, as every other format does; miette
/// counts bytes, and escapes change the line.
#[derive(Debug)]
struct ShownSource {
    named: NamedSource<Arc<str>>,
    /// Shown offset of a labelled place → its 0-based character column.
    columns: Vec<(usize, usize)>,
}

impl miette::SourceCode for ShownSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self.named.read_span(span, before, after)?;
        let column = self
            .columns
            .iter()
            .find(|(offset, _)| *offset == span.offset())
            .map(|(_, column)| *column);
        match column {
            // The header reads the span alone; snippets read whole lines.
            Some(column) if inner.span().offset() == span.offset() => {
                Ok(Box::new(miette::MietteSpanContents::new_named(
                    self.named.name().to_string(),
                    inner.data(),
                    *inner.span(),
                    inner.line(),
                    column,
                    inner.line_count(),
                )))
            }
            _ => Ok(inner),
        }
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

/// `message`, located in words when its line is too wide to show.
fn at(shown: &Shown<'_>, message: &str, loc: Loc) -> String {
    let at = locate(shown.sources, loc);
    format!(
        "{} [{}:{}:{}]",
        visible(message),
        visible(at.file),
        at.start.line,
        at.start.column
    )
}

fn report(shown: &mut Shown<'_>, f: &Finding) -> Report {
    let wide = shown.wide(f.loc)
        || f.all_related()
            .any(|r| r.loc.file == f.loc.file && shown.wide(r.loc));
    let mut labels = vec![LabeledSpan::new_primary_with_span(None, shown.span(f.loc))];
    let mut related = Vec::new();
    for r in f.all_related() {
        if r.loc.file == f.loc.file && wide {
            related.push(Report {
                message: at(shown, &r.message, r.loc),
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                url: None,
                source: None,
                labels: Vec::new(),
                related: Vec::new(),
            });
        } else if r.loc.file == f.loc.file {
            labels.push(LabeledSpan::new_with_span(
                Some(owned(&r.message)),
                shown.span(r.loc),
            ));
        } else {
            let shows = !shown.wide(r.loc);
            related.push(Report {
                message: if shows {
                    owned(&r.message)
                } else {
                    at(shown, &r.message, r.loc)
                },
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                url: None,
                source: shows.then(|| shown.source(r.loc, &[r.loc])),
                labels: if shows {
                    vec![LabeledSpan::new_with_span(None, shown.span(r.loc))]
                } else {
                    Vec::new()
                },
                related: Vec::new(),
            });
        }
    }
    if wide {
        labels.clear();
    }
    let same_file: Vec<Loc> = std::iter::once(f.loc)
        .chain(
            f.all_related()
                .filter(|r| r.loc.file == f.loc.file)
                .map(|r| r.loc),
        )
        .collect();
    Report {
        message: if wide {
            at(shown, &f.message, f.loc)
        } else {
            owned(&f.message)
        },
        code: Some(owned(&format!("{}({})", f.rule, f.slug))),
        severity: miette_severity(f.severity),
        help: f.help.as_deref().map(owned),
        url: f.docs.as_deref().map(owned),
        source: (!wide).then(|| shown.source(f.loc, &same_file)),
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

/// `checked 3 files (2 templates, 1 parameter file): 1 error, 0 warnings (2 suppressed)`.
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
    let mut hidden = Vec::new();
    if s.suppressed > 0 {
        hidden.push(format!("{} suppressed", s.suppressed));
    }
    if s.baselined > 0 {
        hidden.push(format!("{} in baseline", s.baselined));
    }
    if s.unchanged > 0 {
        hidden.push(format!("{} in unchanged files", s.unchanged));
    }
    let hidden = if hidden.is_empty() {
        String::new()
    } else {
        format!(" ({})", hidden.join(", "))
    };
    format!(
        "checked {} ({}): {}{hidden}",
        plural(s.files, "file", "files"),
        kinds.join(", "),
        counts.join(", ")
    )
}
