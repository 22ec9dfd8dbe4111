//! Code actions (suppress a finding on its line with a reason; remove an
//! unused suppression) and hovers (a rule's documentation on its id in a
//! suppression).

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, Diagnostic, NumberOrString, Position, Range, TextEdit, Uri,
    WorkspaceEdit,
};

use crate::finding::builtin;
use crate::lsp::text;
use crate::rules::load::Rule;

/// Whether a file is Bicep (pragmas) rather than ARM JSON (comments).
pub fn is_bicep(uri: &Uri) -> bool {
    let p = uri.as_str().to_ascii_lowercase();
    p.ends_with(".bicep") || p.ends_with(".bicepparam")
}

/// The actions for the tendon diagnostics the client sends with the request.
pub fn code_actions(
    uri: &Uri,
    text: &str,
    diagnostics: &[Diagnostic],
    rules: &[Rule],
) -> Vec<CodeAction> {
    let mut out = Vec::new();
    for d in diagnostics {
        if d.source.as_deref() != Some("tendon") {
            continue;
        }
        let Some(NumberOrString::String(code)) = &d.code else {
            continue;
        };
        let action = if code == builtin::UNUSED_SUPPRESSION.0 {
            remove_unused(uri, text, d, rules)
        } else {
            Some(suppress(uri, text, d, code))
        };
        out.extend(action);
    }
    out
}

fn edit(uri: &Uri, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..Default::default()
    }
}

/// Inserts a suppression above the finding's line, indented like it.
fn suppress(uri: &Uri, text: &str, d: &Diagnostic, code: &str) -> CodeAction {
    let start = text::offset(text, Position::new(d.range.start.line, 0));
    let (line_start, line_end) = text::line_around(text, start);
    let line = text.get(line_start..line_end).unwrap_or("");
    let indent: String = line
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let directive = if is_bicep(uri) {
        format!("{indent}#disable-next-line {code} // <reason>{newline}")
    } else {
        format!("{indent}// tendon-disable-next-line {code} <reason>{newline}")
    };
    let at = Position::new(d.range.start.line, 0);
    CodeAction {
        title: format!("Suppress {code} on this line"),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![d.clone()]),
        edit: Some(edit(
            uri,
            vec![TextEdit::new(Range::new(at, at), directive)],
        )),
        ..Default::default()
    }
}

/// Whether a word names a rule (an id of letters and digits, or a known slug).
fn names_rule(word: &str, rules: &[Rule]) -> bool {
    let id_like = word.len() >= 5
        && word.chars().take_while(char::is_ascii_alphabetic).count() == word.len() - 3
        && word.chars().rev().take(3).all(|c| c.is_ascii_digit());
    id_like
        || rules.iter().any(|r| r.slug == word)
        || crate::rules::doc::BUILTIN.iter().any(|b| b.1 == word)
}

/// Removes the rule an unused suppression names: the whole comment or
/// pragma line when it names no other rule. Suppressions in resource
/// metadata are left to the user (they are JSON values, not comments).
fn remove_unused(uri: &Uri, text: &str, d: &Diagnostic, rules: &[Rule]) -> Option<CodeAction> {
    let start = text::offset(text, d.range.start);
    let end = text::offset(text, d.range.end);
    let (line_start, line_end) = text::line_around(text, start);
    let line = text.get(line_start..line_end)?;
    let keyword = [
        "tendon-disable-next-line",
        "#disable-next-line",
        "#disable-diagnostics",
        "#restore-diagnostics",
    ]
    .iter()
    .find_map(|k| line.find(k).map(|i| i + k.len()))?;
    let named = line
        .get(keyword..)?
        .split_whitespace()
        .take_while(|w| names_rule(w.trim_end_matches(','), rules))
        .count();
    let range = if named <= 1 && line.trim_start().starts_with(['/', '#']) {
        // The whole line, with its line break.
        let next = text.get(line_end..).map_or(0, |t| {
            if t.starts_with("\r\n") {
                2
            } else {
                usize::from(t.starts_with('\n'))
            }
        });
        text::range(text, line_start, line_end + next)
    } else {
        // The rule and the blank after it.
        let blank = text.get(end..).map_or(0, |t| {
            t.len() - t.trim_start_matches([' ', '\t', ',']).len()
        });
        text::range(text, start, end + blank)
    };
    let rule = text.get(start..end).unwrap_or("the rule");
    Some(CodeAction {
        title: format!("Remove unused suppression of {rule}"),
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![d.clone()]),
        edit: Some(edit(uri, vec![TextEdit::new(range, String::new())])),
        is_preferred: Some(true),
        ..Default::default()
    })
}

/// A rule's documentation when the position is on its id or slug in a
/// suppression comment or pragma.
pub fn hover(text: &str, pos: Position, rules: &[Rule]) -> Option<(String, Range)> {
    let at = text::offset(text, pos);
    let (line_start, line_end) = text::line_around(text, at);
    let line = text.get(line_start..line_end)?;
    let in_directive = line.contains("tendon-disable")
        || ["#disable-", "#restore-diagnostics"]
            .iter()
            .any(|k| line.trim_start().starts_with(k));
    if !in_directive {
        return None;
    }
    let word_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let before = text.get(line_start..at)?;
    let start = line_start + before.rfind(|c: char| !word_char(c)).map_or(0, |i| i + 1);
    let after = text.get(at..line_end)?;
    let end = at + after.find(|c: char| !word_char(c)).unwrap_or(after.len());
    let word = text.get(start..end)?;
    let doc = rules
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(word) || r.slug == word)
        .map(crate::rules::doc::render)
        .or_else(|| crate::rules::doc::render_builtin(word))?;
    Some((doc, text::range(text, start, end)))
}
