//! Human-readable reports, laid out as rustc and ruff lay out theirs: a
//! heading `error[AKS011]: message` (`--show-slugs`: `error[AKS011
//! kubenet-shared-subnet]`), the place (`--> file:line:col`, columns in
//! characters as in every format), an excerpt of the source (`snippet`),
//! `= help:` (naming the rule's slug for `tendon explain`) and `= docs:`
//! footers, then each related place under `related:`.
//!
//! A related place in the finding's own file is a labelled `-` underline in
//! the finding's excerpt, and is listed under `related:` with its place but
//! no second excerpt; one in another file gets its own excerpt.
//!
//! The layout follows the width ([`terminal_width`]): excerpt lines are cut
//! to it around their marks, help text wraps at it. Without a width nothing
//! wraps, and only lines wider than [`UNBOUNDED`] columns are cut.
//! Messages, labels, file names and source lines are [`crate::neutral`]: a
//! control character from a template or a file name shows escaped.

mod snippet;

use std::borrow::Cow;
use std::fmt::Write;
use std::io::IsTerminal;

use unicode_width::UnicodeWidthStr;

use crate::finding::{Finding, Severity};
use crate::neutral::visible;
use crate::outcome::{Outcome, Summary};
use crate::report::{locate, severity_word};
use crate::source::{Loc, SourceMap};
use snippet::{Layout, Mark};

/// SGR codes (bold and a colour), as rustc colours its reports.
const BLUE: &str = "1;34";
const CYAN: &str = "1;36";
const BOLD: &str = "1";

fn severity_pen(s: Severity) -> &'static str {
    match s {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Info => "1;32",
    }
}

/// Colours on or off; only SGR sequences, each closed at once.
pub struct Paint {
    color: bool,
}

impl Paint {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color && !text.is_empty() {
            format!("\u{1b}[{code}m{text}\u{1b}[0m")
        } else {
            text.to_string()
        }
    }
}

/// How the report is laid out.
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    pub color: bool,
    /// Columns of the terminal; None: no wrapping (not a terminal, a file).
    pub width: Option<usize>,
    /// Show each rule's slug beside its id in the heading.
    pub slugs: bool,
}

/// Source columns of an excerpt line when there is no width: longer lines
/// are still cut around their marks, so the report stays linear in its
/// input (a snippet per finding of a 60 KB minified line would not be).
pub const UNBOUNDED: usize = 1000;

/// The least room for source text, however narrow the terminal.
const MIN_ROOM: usize = 20;

/// The width to lay the report out for: `COLUMNS` when it is a positive
/// number, else the terminal's when stdout is one, else None (no wrapping).
pub fn terminal_width() -> Option<usize> {
    let columns = std::env::var("COLUMNS").ok();
    if let Some(n) = columns
        .as_deref()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
    {
        return Some(n);
    }
    if std::io::stdout().is_terminal() {
        terminal_size::terminal_size().map(|(w, _)| usize::from(w.0))
    } else {
        None
    }
}

pub fn render(outcome: &Outcome, style: Style, quiet: bool) -> String {
    let paint = Paint { color: style.color };
    let mut out = String::new();
    for f in &outcome.findings {
        finding(&mut out, &outcome.sources, f, style, &paint);
        out.push('\n');
    }
    if !quiet {
        out.push_str(&summary_line(&outcome.summary));
        out.push('\n');
    }
    out
}

fn mark(loc: Loc, primary: bool, label: Option<&str>) -> Mark<'_> {
    Mark {
        start: loc.span.start as usize,
        end: loc.span.end as usize,
        primary,
        label,
    }
}

fn finding(out: &mut String, sources: &SourceMap, f: &Finding, style: Style, paint: &Paint) {
    let pen = severity_pen(f.severity);
    let id = if style.slugs {
        format!("{} {}", f.rule, f.slug)
    } else {
        f.rule.clone()
    };
    let heading = format!("{}[{}]", severity_word(f.severity), visible(&id));
    out.push_str(&paint.paint(pen, &heading));
    out.push_str(&paint.paint(BOLD, &format!(": {}", visible(&f.message))));
    out.push('\n');

    let labels: Vec<(Loc, Cow<'_, str>)> = f
        .all_related()
        .filter(|r| r.loc.file == f.loc.file)
        .map(|r| (r.loc, visible(&r.message)))
        .collect();
    let mut marks = vec![mark(f.loc, true, None)];
    marks.extend(labels.iter().map(|(loc, l)| mark(*loc, false, Some(l))));
    // One gutter for every excerpt of the finding, as wide as its largest line number.
    let mut last = sources
        .get(f.loc.file)
        .map_or(1, |file| snippet::last_line(file, &marks));
    for r in f.all_related().filter(|r| r.loc.file != f.loc.file) {
        if let Some(file) = sources.get(r.loc.file) {
            last = last.max(snippet::last_line(file, &[mark(r.loc, false, None)]));
        }
    }
    let gutter = last.to_string().len();
    let room = style
        .width
        .map_or(UNBOUNDED, |w| w.saturating_sub(gutter + 3).max(MIN_ROOM));
    let layout = Layout {
        gutter,
        room,
        paint,
        primary: pen,
    };

    place(out, sources, f.loc, &layout);
    if let Some(file) = sources.get(f.loc.file) {
        layout.bar(out);
        out.push('\n');
        snippet::render(out, file, &marks, &layout);
    }
    let mut footer: Vec<(&str, Vec<Cow<'_, str>>)> = Vec::new();
    if let Some(help) = &f.help {
        // The pointer to the rule's explanation wraps as one word.
        let mut words: Vec<Cow<'_, str>> = words(help);
        words.push(Cow::Owned(format!("(tendon explain {})", visible(&f.slug))));
        footer.push(("help", words));
    }
    if let Some(docs) = &f.docs {
        footer.push(("docs", words(docs)));
    }
    if !footer.is_empty() {
        layout.bar(out);
        out.push('\n');
    }
    for (word, text) in &footer {
        note(out, &layout, word, text, style.width);
    }
    for r in f.all_related() {
        out.push_str(&paint.paint(CYAN, "related"));
        let _ = writeln!(out, ": {}", visible(&r.message));
        place(out, sources, r.loc, &layout);
        if r.loc.file != f.loc.file
            && let Some(file) = sources.get(r.loc.file)
        {
            layout.bar(out);
            out.push('\n');
            snippet::render(out, file, &[mark(r.loc, false, None)], &layout);
        }
    }
}

/// `  --> file:line:col`, when the file is known.
fn place(out: &mut String, sources: &SourceMap, loc: Loc, layout: &Layout<'_>) {
    if sources.get(loc.file).is_none() {
        return;
    }
    let at = locate(sources, loc);
    let _ = write!(out, "{:w$}", "", w = layout.gutter);
    out.push_str(&layout.paint.paint(BLUE, "-->"));
    let _ = writeln!(
        out,
        " {}:{}:{}",
        visible(at.file),
        at.start.line,
        at.start.column
    );
}

fn words(text: &str) -> Vec<Cow<'_, str>> {
    text.split(' ')
        .filter(|w| !w.is_empty())
        .map(visible)
        .collect()
}

/// `   = help: text`, the words wrapped at `width` under the first one.
fn note(
    out: &mut String,
    layout: &Layout<'_>,
    word: &str,
    text: &[Cow<'_, str>],
    width: Option<usize>,
) {
    let _ = write!(out, "{:w$} ", "", w = layout.gutter);
    out.push_str(&layout.paint.paint(BLUE, "="));
    out.push(' ');
    out.push_str(&layout.paint.paint(BOLD, &format!("{word}:")));
    let indent = layout.gutter + 5 + word.len();
    let mut column = indent;
    let mut first = true;
    for w in text {
        let len = w.width();
        if !first && width.is_some_and(|max| column + 1 + len > max) {
            let _ = write!(out, "\n{:indent$}", "");
            column = indent;
        } else {
            out.push(' ');
            column += 1;
        }
        out.push_str(w);
        column += len;
        first = false;
    }
    out.push('\n');
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
