//! Source excerpts of the human report, drawn as rustc draws them: line
//! numbers in a gutter, each marked place underlined (`^` the finding, `-` a
//! related place) with its label, the lines between two distant marks
//! elided (`…`), and a line wider than the room cut around its marks (`…` on
//! each cut side). The work per excerpt is bounded by the room, never by the
//! length of a line, so many findings on one minified line stay linear.
//!
//! Hidden characters (controls, bidi overrides) show escaped, tabs as four
//! spaces; only the line ends of the file start a new line.

use std::collections::BTreeMap;
use std::fmt::Write;

use unicode_width::UnicodeWidthChar;

use super::Paint;
use crate::neutral::{hidden, push_escaped};
use crate::source::SourceFile;

/// A place to underline, in byte offsets of the file's text.
pub struct Mark<'a> {
    pub start: usize,
    pub end: usize,
    pub primary: bool,
    /// Already visible (no hidden characters).
    pub label: Option<&'a str>,
}

/// The part of a mark on one line, in byte offsets of that line.
#[derive(Clone, Copy)]
struct Part<'a> {
    a: usize,
    b: usize,
    primary: bool,
    label: Option<&'a str>,
}

/// Screen columns of a character as shown.
fn columns(c: char) -> usize {
    if c == '\t' {
        4
    } else if hidden(c) {
        let mut s = String::new();
        push_escaped(&mut s, c);
        s.len()
    } else {
        c.width().unwrap_or(0)
    }
}

fn push_shown(out: &mut String, c: char) {
    if c == '\t' {
        out.push_str("    ");
    } else if hidden(c) {
        push_escaped(out, c);
    } else {
        out.push(c);
    }
}

/// Bytes scanned for `cols` columns at most: zero-width characters must
/// not make a scan as long as the line.
fn byte_budget(cols: usize) -> usize {
    cols.saturating_mul(4).saturating_add(64)
}

/// From byte `from` of `text`, forward over at most `cols` columns: the byte
/// reached and the columns used.
fn forward(text: &str, from: usize, cols: usize) -> (usize, usize) {
    let (mut at, mut used) = (from, 0);
    let budget = byte_budget(cols);
    for c in text.get(from..).unwrap_or("").chars() {
        let w = columns(c);
        if used + w > cols || at - from >= budget {
            break;
        }
        used += w;
        at += c.len_utf8();
    }
    (at, used)
}

/// [`forward`], backward from byte `from`.
fn backward(text: &str, from: usize, cols: usize) -> (usize, usize) {
    let (mut at, mut used) = (from, 0);
    let budget = byte_budget(cols);
    for c in text.get(..from).unwrap_or("").chars().rev() {
        let w = columns(c);
        if used + w > cols || from - at >= budget {
            break;
        }
        used += w;
        at -= c.len_utf8();
    }
    (at, used)
}

/// Whether `text[from..to]` fits in `cols` columns (found within the budget).
fn fits(text: &str, from: usize, to: usize, cols: usize) -> bool {
    forward(text, from, cols).0 >= to
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Lines of `marks` with their parts: a mark on several lines shows its
/// first line (from its start) and its last (from the indentation), labelled there.
fn parts<'a>(file: &SourceFile, marks: &[Mark<'a>]) -> BTreeMap<u32, Vec<Part<'a>>> {
    let text = file.text.as_str();
    let mut lines: BTreeMap<u32, Vec<Part<'a>>> = BTreeMap::new();
    for m in marks {
        let start = floor_boundary(text, m.start);
        let end = floor_boundary(text, m.end.max(start));
        let line_of = |offset: usize| {
            file.position(u32::try_from(offset).unwrap_or(u32::MAX))
                .line
        };
        let first = line_of(start);
        let last = if end > start { line_of(end - 1) } else { first };
        let Some((s1, e1)) = file.line_range(first) else {
            continue;
        };
        let a = start.clamp(s1, e1) - s1;
        if first == last {
            let b = end.clamp(s1, e1) - s1;
            lines.entry(first).or_default().push(Part {
                a,
                b: b.max(a),
                primary: m.primary,
                label: m.label,
            });
            continue;
        }
        lines.entry(first).or_default().push(Part {
            a,
            b: e1 - s1,
            primary: m.primary,
            label: None,
        });
        let Some((s2, e2)) = file.line_range(last) else {
            continue;
        };
        let line = text.get(s2..e2).unwrap_or("");
        let indent = line.len() - line.trim_start().len();
        let b = end.clamp(s2, e2) - s2;
        lines.entry(last).or_default().push(Part {
            a: indent.min(b),
            b,
            primary: m.primary,
            label: m.label,
        });
    }
    lines
}

/// The last line an excerpt of `marks` shows (for the gutter's width).
pub fn last_line(file: &SourceFile, marks: &[Mark<'_>]) -> u32 {
    parts(file, marks).keys().next_back().copied().unwrap_or(1)
}

/// How an excerpt is laid out.
pub struct Layout<'p> {
    /// Digits of the widest line number.
    pub gutter: usize,
    /// Columns for the source text of a line.
    pub room: usize,
    pub paint: &'p Paint,
    /// SGR code of the finding's marks (its severity's colour).
    pub primary: &'static str,
}

impl Layout<'_> {
    /// `   |`: the gutter without a number.
    pub fn bar(&self, out: &mut String) {
        let _ = write!(out, "{:w$} ", "", w = self.gutter);
        out.push_str(&self.paint.paint(super::BLUE, "|"));
    }

    fn numbered(&self, out: &mut String, n: u32) {
        let number = format!("{n:>w$} |", w = self.gutter);
        out.push_str(&self.paint.paint(super::BLUE, &number));
    }
}

/// Appends the excerpt of `marks` in `file`, one line per row.
pub fn render(out: &mut String, file: &SourceFile, marks: &[Mark<'_>], layout: &Layout<'_>) {
    let text = file.text.as_str();
    let mut previous: Option<u32> = None;
    for (n, mut line_parts) in parts(file, marks) {
        if let Some(p) = previous {
            // One line between two shown lines is shown; more are elided.
            if n == p + 2 {
                if let Some((s, e)) = file.line_range(p + 1) {
                    row(out, p + 1, text.get(s..e).unwrap_or(""), &mut [], layout);
                }
            } else if n > p + 2 {
                out.push_str(&layout.paint.paint(super::BLUE, "…"));
                out.push('\n');
            }
        }
        previous = Some(n);
        let Some((s, e)) = file.line_range(n) else {
            continue;
        };
        row(
            out,
            n,
            text.get(s..e).unwrap_or(""),
            &mut line_parts,
            layout,
        );
    }
}

/// One source line and the underlines of its parts; when the parts do not
/// fit in the room together, the line shows once per group that does.
fn row(out: &mut String, n: u32, line: &str, parts: &mut [Part<'_>], layout: &Layout<'_>) {
    let room = layout.room;
    if parts.is_empty() || fits(line, 0, line.len(), room) {
        let end = if fits(line, 0, line.len(), room) {
            line.len()
        } else {
            forward(line, 0, room.saturating_sub(1)).0
        };
        window(out, n, line, (0, end), parts, layout);
        return;
    }
    // Two ellipses may be needed.
    let room = room.saturating_sub(2).max(1);
    parts.sort_by_key(|p| (p.a, p.b));
    let mut groups: Vec<(usize, usize, usize)> = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        match groups.last_mut() {
            Some((lo, hi, _)) if fits(line, *lo, (*hi).max(p.b), room) => *hi = (*hi).max(p.b),
            _ => groups.push((p.a, p.b, i)),
        }
    }
    for (g, &(lo, hi, first)) in groups.iter().enumerate() {
        let last = groups.get(g + 1).map_or(parts.len(), |next| next.2);
        let Some(group) = parts.get_mut(first..last) else {
            continue;
        };
        let (from, to) = if fits(line, lo, hi, room) {
            let wide = forward(line.get(..hi).unwrap_or(""), lo, room).1;
            let extra = room - wide;
            let head = backward(line, lo, extra).1;
            let tail = forward(line, hi, extra).1;
            let left = head.min((extra / 2).max(extra - tail));
            let right = tail.min(extra - left);
            (backward(line, lo, left).0, forward(line, hi, right).0)
        } else {
            (lo, forward(line, lo, room).0)
        };
        window(out, n, line, (from, to), group, layout);
    }
}

/// Draws `line[from..to]` (`…` where it is cut) and the underlines and
/// labels of `parts` below it.
fn window(
    out: &mut String,
    n: u32,
    line: &str,
    (from, to): (usize, usize),
    parts: &mut [Part<'_>],
    layout: &Layout<'_>,
) {
    let paint = layout.paint;
    let mut shown = String::new();
    // (byte offset in the line, column) at every character start.
    let mut starts: Vec<(usize, usize)> = Vec::new();
    let left_cut = from > 0;
    let mut col = usize::from(left_cut);
    if left_cut {
        shown.push('…');
    }
    for (i, c) in line.get(from..to).unwrap_or("").char_indices() {
        starts.push((from + i, col));
        push_shown(&mut shown, c);
        col += columns(c);
    }
    starts.push((to, col));
    if to < line.len() {
        shown.push('…');
    }
    layout.numbered(out, n);
    let shown = shown.trim_end();
    if !shown.is_empty() {
        out.push(' ');
        out.push_str(shown);
    }
    out.push('\n');
    if parts.is_empty() {
        return;
    }
    let column_of = |at: usize| {
        let at = at.clamp(from, to);
        let i = starts.partition_point(|(b, _)| *b <= at);
        starts.get(i.saturating_sub(1)).map_or(0, |(_, c)| *c)
    };
    // Cells of the underline: 0 none, 1 related, 2 the finding.
    let spans: Vec<(usize, usize, &Part<'_>)> = parts
        .iter()
        .map(|p| {
            let a = column_of(p.a);
            let b = column_of(p.b).max(a + 1);
            (a, b, p)
        })
        .collect();
    let width = spans.iter().map(|s| s.1).max().unwrap_or(0);
    let mut cells = vec![0u8; width];
    for (a, b, p) in &spans {
        for cell in cells.iter_mut().take(*b).skip(*a) {
            *cell = (*cell).max(if p.primary { 2 } else { 1 });
        }
    }
    let pen = |p: &Part<'_>| {
        if p.primary {
            layout.primary
        } else {
            super::BLUE
        }
    };
    layout.bar(out);
    out.push(' ');
    let mut i = 0;
    while i < cells.len() {
        let kind = cells.get(i).copied().unwrap_or(0);
        let run = cells.iter().skip(i).take_while(|c| **c == kind).count();
        match kind {
            0 => out.push_str(&" ".repeat(run)),
            1 => out.push_str(&paint.paint(super::BLUE, &"-".repeat(run))),
            _ => out.push_str(&paint.paint(layout.primary, &"^".repeat(run))),
        }
        i += run;
    }
    // The rightmost label goes after the underline when nothing is further
    // right; the others hang below, rightmost first.
    let mut labelled: Vec<&(usize, usize, &Part<'_>)> =
        spans.iter().filter(|s| s.2.label.is_some()).collect();
    labelled.sort_by_key(|s| s.0);
    if let Some(last) = labelled.last()
        && last.1 == width
        && let Some(label) = last.2.label
    {
        out.push(' ');
        out.push_str(&paint.paint(pen(last.2), label));
        labelled.pop();
    }
    out.push('\n');
    if labelled.is_empty() {
        return;
    }
    let pipes = |out: &mut String, upto: usize| {
        layout.bar(out);
        out.push(' ');
        let mut at = 0;
        for s in labelled.iter().take(upto) {
            out.push_str(&" ".repeat(s.0 - at));
            out.push_str(&paint.paint(pen(s.2), "|"));
            at = s.0 + 1;
        }
    };
    pipes(out, labelled.len());
    out.push('\n');
    for k in (0..labelled.len()).rev() {
        pipes(out, k);
        if let Some(s) = labelled.get(k) {
            let at = labelled
                .get(..k)
                .and_then(|l| l.last())
                .map_or(0, |p| p.0 + 1);
            out.push_str(&" ".repeat(s.0 - at));
            out.push_str(&paint.paint(pen(s.2), s.2.label.unwrap_or("")));
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excerpt(text: &str, marks: &[(&str, bool, Option<&str>)], room: usize) -> String {
        let file = SourceFile::new("t".into(), "t".into(), text.to_string());
        let marks: Vec<Mark<'_>> = marks
            .iter()
            .map(|(what, primary, label)| {
                let start = text.find(what).unwrap_or(0);
                Mark {
                    start,
                    end: start + what.len(),
                    primary: *primary,
                    label: *label,
                }
            })
            .collect();
        let paint = Paint { color: false };
        let layout = Layout {
            gutter: 1,
            room,
            paint: &paint,
            primary: "",
        };
        let mut out = String::new();
        render(&mut out, &file, &marks, &layout);
        out
    }

    #[test]
    fn tabs_escapes_and_wide_characters_keep_underlines_aligned() {
        let out = excerpt("\t\u{1b}日本 \"x\"\n", &[("\"x\"", true, None)], 80);
        assert_eq!(out, "1 |     \\u{1b}日本 \"x\"\n  |                ^^^\n");
    }

    #[test]
    fn labels_hang_below_when_another_mark_is_to_their_right() {
        let out = excerpt(
            "{ \"a\": 1, \"b\": 2 }\r\n",
            &[("1", false, Some("first")), ("2", true, Some("second"))],
            80,
        );
        assert_eq!(
            out,
            "1 | { \"a\": 1, \"b\": 2 }\n  |        -       ^ second\n  |        |\n  |        first\n"
        );
        let out = excerpt(
            "{ \"a\": 1, \"b\": 2 }\n",
            &[("1", false, Some("first")), ("2", true, None)],
            80,
        );
        assert_eq!(
            out,
            "1 | { \"a\": 1, \"b\": 2 }\n  |        -       ^\n  |        |\n  |        first\n"
        );
    }

    #[test]
    fn a_mark_over_lines_shows_its_first_and_last_and_elides_between() {
        let text = "x = {\n  a\n  b\n  c\n}\n";
        let out = excerpt(text, &[("{\n  a\n  b\n  c\n}", true, Some("here"))], 80);
        assert_eq!(out, "1 | x = {\n  |     ^\n…\n5 | }\n  | ^ here\n");
        // One line between two shown lines is shown, not elided.
        let out = excerpt("a\nb\nc\n", &[("a", true, None), ("c", false, None)], 80);
        assert_eq!(out, "1 | a\n  | ^\n2 | b\n3 | c\n  | -\n");
    }

    #[test]
    fn long_lines_are_cut_around_the_mark() {
        let text = format!("{}MARK{}\n", "a".repeat(100), "b".repeat(100));
        let out = excerpt(&text, &[("MARK", true, None)], 20);
        // 18 columns between the two ellipses: the mark and 7 on each side.
        assert_eq!(
            out,
            format!(
                "1 | …{}MARK{}…\n  |         ^^^^\n",
                "a".repeat(7),
                "b".repeat(7)
            )
        );
        // A mark wider than the room shows from its start.
        let text = format!("xx{}\n", "M".repeat(50));
        let out = excerpt(&text, &[(&"M".repeat(50), true, None)], 20);
        assert_eq!(
            out,
            format!("1 | …{}…\n  |  {}\n", "M".repeat(18), "^".repeat(18))
        );
        // An empty mark at the end of a long line.
        let text = format!("{}\n", "z".repeat(50));
        let file_end = excerpt(&text, &[("\n", true, None)], 20);
        assert_eq!(
            file_end,
            format!("1 | …{}\n  |                    ^\n", "z".repeat(18))
        );
    }
}
