//! Neutralising untrusted text (file names, template names and values) before
//! it reaches a CI log, a problem matcher or a terminal: tendon runs on
//! content written by strangers, so no field may start a line of its own,
//! move the cursor, or open a workflow command.

use std::borrow::Cow;

/// Characters shown escaped: C0 and C1 controls and DEL (line breaks, ESC),
/// the Unicode line and paragraph separators, the bidirectional controls
/// that reorder what a terminal shows ("trojan source"), and the two
/// non-characters XML forbids.
pub(crate) fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{fffe}'
                | '\u{ffff}'
        )
}

pub(crate) fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => {
            use std::fmt::Write;
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// `s` on one line with nothing hidden: `\n`, `\r`, `\t`, `\u{1b}`,
/// `\u{2028}` as visible text. Borrowed when nothing needs escaping.
pub fn visible(s: &str) -> Cow<'_, str> {
    escaped(s, hidden)
}

/// `s` with every character `shown` picks written as an escape.
fn escaped(s: &str, shown: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&shown) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if shown(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A multi-line text (rule documentation from a rule folder, which a pull
/// request may change) with its line breaks and tabs kept and everything
/// else [`visible`] would escape shown escaped.
pub fn visible_lines(s: &str) -> Cow<'_, str> {
    escaped(s, |c| hidden(c) && c != '\n' && c != '\t')
}

/// [`visible_lines`] for documentation printed to a terminal or CI log
/// (`tendon explain`, `tendon rules`): a line that would begin, after its
/// indentation, with `::` (GitHub workflow command) or `##[` / `##vso[`
/// (Azure Pipelines) has that first character written as an escape;
/// Markdown headings (`## Why`) stay.
pub fn visible_doc_lines(s: &str) -> Cow<'_, str> {
    let v = visible_lines(s);
    let commandlike = |line: &str| {
        let t = line.trim_start();
        t.starts_with("::") || t.starts_with("##[") || t.starts_with("##vso[")
    };
    if !v.lines().any(commandlike) {
        return v;
    }
    let mut out = String::with_capacity(v.len() + 16);
    for (i, line) in v.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if commandlike(line) {
            let indent = line.len() - line.trim_start().len();
            let (head, rest) = line.split_at(indent);
            out.push_str(head);
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                push_escaped(&mut out, c);
            }
            out.push_str(chars.as_str());
        } else {
            out.push_str(line);
        }
    }
    Cow::Owned(out)
}

/// [`visible`], cut to at most `max` characters (then ending in `…`): for
/// diagnostics on stderr, where a text from a file (a TOML token, a reason
/// quoting a template) must not bring a whole line or a megabyte with it.
pub fn capped(s: &str, max: usize) -> String {
    let v = visible(s);
    match v.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", v.get(..end).unwrap_or("")),
        None => v.into_owned(),
    }
}

/// How much of a message a `tendon:` diagnostic line shows.
pub const MESSAGE_CHARS: usize = 300;

/// How much of an offending token a diagnostic shows.
pub const TOKEN_CHARS: usize = 60;

/// A path that begins a line of output (gcc, junit text): [`visible`], and
/// `./` in front of a relative path that would otherwise begin with `::`
/// (GitHub workflow command) or `##` (Azure Pipelines `##[` / `##vso[`).
pub fn line_start_path(path: &str) -> Cow<'_, str> {
    let v = visible(path);
    if v.starts_with(':') || v.starts_with('#') {
        Cow::Owned(format!("./{v}"))
    } else {
        v
    }
}

/// Serialised JSON with the `hidden` characters serde leaves raw (DEL, C1
/// controls, line separators, bidi controls) written as `\uXXXX` escapes:
/// the same JSON value, and safe to print to a terminal or a CI log. Such
/// characters can only occur inside JSON strings, where the escape is valid.
pub fn json_text(json: String) -> String {
    if !json.chars().any(hidden) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        // serde already escaped C0 controls; `\n` here is pretty-printing.
        if hidden(c) && !matches!(c, '\n' | '\r' | '\t') {
            use std::fmt::Write;
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {

    #[test]
    fn doc_lines_cannot_start_a_ci_command() {
        let text =
            "## Why\n::error file=a::forged\n  ##vso[task.complete]x\n##[group]y\nok :: fine";
        assert_eq!(
            visible_doc_lines(text),
            "## Why\n\\u{3a}:error file=a::forged\n  \\u{23}#vso[task.complete]x\n\\u{23}#[group]y\nok :: fine"
        );
        assert!(matches!(
            visible_doc_lines("## Why\nplain"),
            Cow::Borrowed(_)
        ));
    }

    use super::*;

    #[test]
    fn visible_escapes_controls_and_separators() {
        assert_eq!(visible("plain ü"), "plain ü");
        assert!(matches!(visible("plain"), Cow::Borrowed(_)));
        assert_eq!(
            visible("a\nb\rc\td\u{1b}[31me\u{2028}f\u{85}g\u{202e}h\u{7f}"),
            "a\\nb\\rc\\td\\u{1b}[31me\\u{2028}f\\u{85}g\\u{202e}h\\u{7f}"
        );
    }

    #[test]
    fn json_text_escapes_what_serde_leaves_raw() {
        let raw =
            serde_json::to_string(&"a\u{1b}\u{85}\u{2028}\u{7f}\u{202e}b").unwrap_or_default();
        let safe = json_text(raw);
        assert_eq!(safe, r#""a\u001b\u0085\u2028\u007f\u202eb""#);
        let back: String = serde_json::from_str(&safe).unwrap_or_default();
        assert_eq!(back, "a\u{1b}\u{85}\u{2028}\u{7f}\u{202e}b");
    }

    #[test]
    fn capped_cuts_and_escapes() {
        assert_eq!(capped("short", 10), "short");
        assert_eq!(capped("abcdef", 3), "abc…");
        assert_eq!(capped("a\nb", 10), "a\\nb");
        assert_eq!(capped("üüüü", 2), "üü…");
    }

    #[test]
    fn paths_never_start_a_command() {
        assert_eq!(line_start_path("::error x.json"), "./::error x.json");
        assert_eq!(line_start_path("##vso[x].json"), "./##vso[x].json");
        assert_eq!(line_start_path("a\n::error"), "a\\n::error");
        assert_eq!(line_start_path("/abs/x.json"), "/abs/x.json");
    }
}
