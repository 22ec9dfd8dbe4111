//! ARM JSON suppressions: `// tendon-disable-next-line RULE … reason` (or the
//! `/* … */` form) and `"metadata": {"tendon": {"suppress": [RULE, …]}}` on a
//! resource object.

use super::{Directive, id_shaped, tokens, trimmed};
use crate::json::Node;
use crate::source::Span;

pub const MARKER: &str = "tendon-disable-next-line";

/// Nesting bound for the resource walk (the JSON parser bounds depth too).
const MAX_DEPTH: usize = 64;

/// A comment: the whole comment and its text between the delimiters.
struct Comment {
    start: usize,
    end: usize,
    body: (usize, usize),
}

/// Comments outside strings. Tracks string state so `"https://…"` is no comment.
fn scan(text: &str) -> Vec<Comment> {
    let b = text.as_bytes();
    let at = |i: usize| b.get(i).copied();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(c) = at(i) {
        match (c, at(i + 1)) {
            (b'"', _) => {
                i += 1;
                // A newline ends a broken string, so one bad quote does not hide the rest.
                while let Some(c) = at(i) {
                    match c {
                        b'\\' => i += 2,
                        b'"' | b'\n' => break,
                        _ => i += 1,
                    }
                }
                i += 1;
            }
            (b'/', Some(b'/')) => {
                let end =
                    memchr::memchr(b'\n', b.get(i..).unwrap_or(&[])).map_or(b.len(), |n| i + n);
                out.push(Comment {
                    start: i,
                    end,
                    body: (i + 2, end),
                });
                i = end;
            }
            (b'/', Some(b'*')) => {
                let rest = b.get(i + 2..).unwrap_or(&[]);
                let (body_end, end) = memchr::memmem::find(rest, b"*/")
                    .map_or((b.len(), b.len()), |n| (i + 2 + n, i + 4 + n));
                out.push(Comment {
                    start: i,
                    end,
                    body: (i + 2, body_end),
                });
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

/// Whether a token names a rule (rather than starting the reason text).
fn rule_like(token: &str) -> bool {
    id_shaped(token)
        || (token.contains('-')
            && !token.starts_with('-')
            && token
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'))
}

/// `tendon-disable-next-line` comments; each applies to the next line that is
/// not blank and not only comments.
pub fn comments(text: &str) -> Vec<Directive> {
    let comments = scan(text);
    let mut out = Vec::new();
    for c in &comments {
        let Some(body) = text.get(c.body.0..c.body.1) else {
            continue;
        };
        let lead = body.len()
            - body
                .trim_start_matches(|ch: char| ch.is_whitespace() || ch == '*')
                .len();
        let Some(rest) = body.get(lead..).and_then(|b| b.strip_prefix(MARKER)) else {
            continue;
        };
        if rest.chars().next().is_some_and(|ch| !ch.is_whitespace()) {
            continue;
        }
        let scope = next_code_line(text, c.end, &comments);
        let base = c.body.0 + lead + MARKER.len();
        let mut named = 0;
        let mut reason = Span::default();
        for (at, tok) in tokens(rest, base) {
            let rule = tok.trim_end_matches(',');
            if tok == "--" || !rule_like(rule) {
                let from = if tok == "--" { at + 2 } else { at };
                reason = trimmed(text, from, c.body.1);
                break;
            }
            named += 1;
            out.push(Directive {
                rule: rule.to_string(),
                at: Span::new(at, at + rule.len()),
                scope,
                reason: Span::default(),
            });
        }
        let first = out.len() - named;
        for d in out.get_mut(first..).unwrap_or(&mut []) {
            d.reason = reason;
        }
        if named == 0 {
            let at = c.body.0 + lead;
            out.push(Directive {
                rule: String::new(),
                at: Span::new(at, at + MARKER.len()),
                scope: Span::default(),
                reason: Span::default(),
            });
        }
    }
    out
}

/// The byte range of the first line after `from`'s line holding more than
/// whitespace and comments; empty at the end of the text.
fn next_code_line(text: &str, from: usize, comments: &[Comment]) -> Span {
    let b = text.as_bytes();
    let Some(nl) = memchr::memchr(b'\n', b.get(from..).unwrap_or(&[])) else {
        return Span::default();
    };
    let mut pos = from + nl + 1;
    loop {
        while b.get(pos).is_some_and(u8::is_ascii_whitespace) {
            pos += 1;
        }
        match comments.binary_search_by_key(&pos, |c| c.start) {
            Ok(i) => pos = comments.get(i).map_or(b.len(), |c| c.end),
            Err(_) => break,
        }
    }
    if pos >= b.len() {
        return Span::default();
    }
    let start = memchr::memrchr(b'\n', b.get(..pos).unwrap_or(&[])).map_or(0, |n| n + 1);
    let end = memchr::memchr(b'\n', b.get(pos..).unwrap_or(&[])).map_or(b.len(), |n| pos + n);
    Span::new(start, end)
}

/// `metadata.tendon.suppress` of every resource, nested resources and inline
/// nested-deployment templates included; each covers its resource object.
pub fn metadata(template: &Node) -> Vec<Directive> {
    let mut out = Vec::new();
    walk(template, 0, &mut out);
    out
}

fn walk(parent: &Node, depth: usize, out: &mut Vec<Directive>) {
    if depth > MAX_DEPTH {
        return;
    }
    for r in crate::arm::resources::resource_nodes(parent) {
        let tendon = r.get("metadata").and_then(|m| m.get("tendon"));
        let rules = tendon.and_then(|t| t.get("suppress"));
        let reason = tendon
            .and_then(|t| t.get("reason"))
            .filter(|n| n.as_str().is_some())
            .map_or(Span::default(), |n| inside_quotes(n.span));
        for item in rules.map(Node::items).unwrap_or(&[]) {
            if let Some(rule) = item.as_str() {
                out.push(Directive {
                    rule: rule.trim().to_string(),
                    at: inside_quotes(item.span),
                    scope: r.span,
                    reason,
                });
            }
        }
        walk(r, depth + 1, out);
        if let Some(t) = r.get("properties").and_then(|p| p.get("template")) {
            walk(t, depth + 1, out);
        }
    }
}

/// A string node's span without its quotes.
fn inside_quotes(s: Span) -> Span {
    if s.len() >= 2 {
        Span::new(s.start as usize + 1, s.end as usize - 1)
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(ds: &[Directive]) -> Vec<&str> {
        ds.iter().map(|d| d.rule.as_str()).collect()
    }

    #[test]
    fn comments_outside_strings_only() {
        let text = "{\n \"a\": \"https://x // tendon-disable-next-line AKS001\",\n \"b\": 1\n}\n";
        assert!(comments(text).is_empty());
        let text =
            "{\n \"a\": \"q\\\" // x\", // tendon-disable-next-line AKS001 why not\n \"b\": 1\n}\n";
        let ds = comments(text);
        assert_eq!(rules(&ds), vec!["AKS001"]);
        let b = text.find("\"b\"").unwrap_or(0);
        assert_eq!(ds[0].scope, Span::new(b - 1, b + 6));
    }

    #[test]
    fn rules_then_reason_and_next_code_line() {
        let text = "{\n /* tendon-disable-next-line aks011, kubenet-shared-subnet shared on purpose */\n\n // other\n /* x */ \"a\": 1\n}";
        let ds = comments(text);
        assert_eq!(rules(&ds), vec!["aks011", "kubenet-shared-subnet"]);
        let a = text.find("/* x */").unwrap_or(0);
        assert_eq!(ds[0].scope.start as usize, a - 1);
        let at = text.find("aks011").unwrap_or(0);
        assert_eq!(ds[0].at, Span::new(at, at + 6));
    }

    #[test]
    fn a_marker_without_rules_or_at_the_end() {
        let ds = comments("{} // tendon-disable-next-line because\n");
        assert_eq!(rules(&ds), vec![""]);
        let ds = comments("{} // tendon-disable-next-line AKS001");
        assert_eq!(ds[0].scope, Span::default());
        assert!(comments("// tendon-disable-next-lines AKS001\n{}").is_empty());
    }

    #[test]
    fn metadata_of_nested_resources() {
        let text = r#"{"resources": [
  {"name": "a", "metadata": {"tendon": {"suppress": ["AKS011"]}},
   "resources": [{"name": "c", "metadata": {"tendon": {"suppress": ["shared-route-table"]}}}]},
  {"name": "d", "properties": {"template": {"resources": {"x": {"metadata": {"tendon": {"suppress": ["AKS001"]}}}}}}}
]}"#;
        let Ok(node) = crate::json::parse(text) else {
            panic!("test template parses");
        };
        let ds = metadata(&node);
        assert_eq!(rules(&ds), vec!["AKS011", "shared-route-table", "AKS001"]);
        let at = text.find("AKS011").unwrap_or(0);
        assert_eq!(ds[0].at, Span::new(at, at + 6));
        let a = text.find("{\"name\": \"a\"").unwrap_or(0);
        assert_eq!(ds[0].scope.start as usize, a);
    }
}
