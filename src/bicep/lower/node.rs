//! Building ARM template nodes (with Bicep spans) and ARM expression text.

use crate::json::{Member, Node, NodeKind};
use crate::source::Span;

pub fn node(kind: NodeKind, span: Span) -> Node {
    Node { span, kind }
}

pub fn string(s: impl Into<String>, span: Span) -> Node {
    node(NodeKind::String(s.into()), span)
}

/// A literal string value: escaped so ARM does not read it as an expression.
pub fn literal(s: &str, span: Span) -> Node {
    if s.starts_with('[') && s.ends_with(']') {
        string(format!("[{s}"), span)
    } else {
        string(s, span)
    }
}

/// An ARM expression string `[text]`.
pub fn expression(text: &str, span: Span) -> Node {
    string(format!("[{text}]"), span)
}

pub fn object(members: Vec<Member>, span: Span) -> Node {
    node(NodeKind::Object(members), span)
}

pub fn member(key: impl Into<String>, value: Node) -> Member {
    Member {
        key: key.into(),
        key_span: value.span,
        value,
    }
}

pub fn member_at(key: impl Into<String>, key_span: Span, value: Node) -> Member {
    Member {
        key: key.into(),
        key_span,
        value,
    }
}

/// An ARM string literal inside an expression: `'it''s'`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// Text for a `format()` pattern: braces doubled.
pub fn format_escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '{' => out.push_str("{{"),
            '}' => out.push_str("}}"),
            _ => out.push(c),
        }
    }
}

/// Whether `name` can follow a `.` in an ARM expression.
pub fn is_plain_member(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// `target.name` or `target['name']`.
pub fn member_access(target: &str, name: &str) -> String {
    if is_plain_member(name) {
        format!("{target}.{name}")
    } else {
        format!("{target}[{}]", quote(name))
    }
}

/// A call to the evaluator's Unknown marker, for values lowering cannot express.
pub fn unknown(reason: &str) -> String {
    format!("__tendon_unknown({})", quote(reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_escapes() {
        assert_eq!(quote("it's"), "'it''s'");
        let mut s = String::new();
        format_escape("a{b}", &mut s);
        assert_eq!(s, "a{{b}}");
        assert_eq!(member_access("x", "id"), "x.id");
        assert_eq!(member_access("x", "a-b"), "x['a-b']");
        assert_eq!(literal("[x]", Span::default()).as_str(), Some("[[x]"));
        assert_eq!(literal("[x", Span::default()).as_str(), Some("[x"));
    }
}
