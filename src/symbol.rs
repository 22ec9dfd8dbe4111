//! Symbolic deploy-time values inside strings.
//!
//! A value fixed at deployment but not known at lint time, such as
//! `uniqueString(resourceGroup().id)`, is not an Unknown: it is the same value
//! every time it is computed the same way, so `concat('aks-', uniqueString(…))`
//! in one file and the same expression in another name one cluster. tendon
//! writes such a value as a *symbol token* inside the string:
//! `aks-{uniqueString(resourceGroup().id)}`. Tokens are opaque: two tokens are
//! the same value exactly when their text is the same, and a token never
//! equals literal text.
//!
//! A token is `{` name `(` … `)` [`.` member] `}`, braces balanced. Its text is
//! built only from characters that cannot split an id or a list, so that
//! `split(id, '/')`, `replace` on separators and id segmenting keep working on
//! strings that contain tokens: inside a token, `/` is written `∕` (U+2215), an
//! argument separator `，` (U+FF0C), a quote `ʼ` (U+02BC), and any other
//! character that is not alphanumeric or `._-()` as `·` (then a hash of the
//! exact text keeps distinct inputs distinct). [`display`] turns tokens back
//! into plain ASCII for messages.
//!
//! The deployment's subscription and resource group, when unknown, are the
//! older fixed placeholders `{subscriptionId}` and `{resourceGroupName}`
//! (see [`crate::resource_id`]): they match any concrete value when linking
//! ids, whereas a token matches only itself.

use std::borrow::Cow;

use crate::resource_id::{RESOURCE_GROUP_PLACEHOLDER, SUBSCRIPTION_PLACEHOLDER};

const SLASH: char = '\u{2215}';
const COMMA: char = '\u{FF0C}';
const QUOTE: char = '\u{02BC}';
const OTHER: char = '\u{00B7}';

/// The resource group id of a deployment whose subscription and resource group are unknown.
pub fn resource_group_id() -> String {
    format!("/subscriptions/{SUBSCRIPTION_PLACEHOLDER}/resourceGroups/{RESOURCE_GROUP_PLACEHOLDER}")
}

/// The end (exclusive byte offset) of the token starting at `start`, if one does.
pub fn token_end(s: &str, start: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    if bytes.get(start) != Some(&b'{') || !starts_call(bytes, start + 1) {
        return None;
    }
    let mut depth = 0usize;
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Byte spans of the outermost tokens in `s`, in order. One pass with a
/// stack of open braces, so any input is linear.
pub fn token_spans(s: &str) -> Vec<(usize, usize)> {
    let bytes = s.as_bytes();
    let mut out: Vec<(usize, usize)> = Vec::new();
    // Open braces: (position, whether a token name and `(` follow).
    let mut open: Vec<(usize, bool)> = Vec::new();
    for i in memchr::memchr2_iter(b'{', b'}', bytes) {
        match bytes.get(i).copied().unwrap_or_default() {
            b'{' => open.push((i, starts_call(bytes, i + 1))),
            b'}' => {
                if let Some((start, true)) = open.pop() {
                    // Inner tokens end before their outer one: keep the outermost.
                    while out.last().is_some_and(|&(a, _)| a > start) {
                        out.pop();
                    }
                    out.push((start, i + 1));
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether an identifier and `(` start at `i`.
fn starts_call(bytes: &[u8], i: usize) -> bool {
    let name_len = bytes
        .get(i..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    name_len > 0 && bytes.get(i + name_len) == Some(&b'(')
}

/// Whether `s` contains a token.
pub fn has_token(s: &str) -> bool {
    s.contains('{') && !token_spans(s).is_empty()
}

/// Whether all of `s` is one token.
pub fn is_token(s: &str) -> bool {
    token_end(s, 0) == Some(s.len())
}

/// The length of the value a token stands for, in UTF-16 units, when its
/// function always gives the same length.
pub fn token_len(token: &str) -> Option<usize> {
    let name = token.get(1..)?.split('(').next()?.to_ascii_lowercase();
    match name.as_str() {
        "uniquestring" => Some(13),
        "guid" => Some(36),
        _ => None,
    }
}

/// The characters the value of `token` can contain, when its function says.
pub fn alphabet(token: &str) -> Option<fn(char) -> bool> {
    let name = token.get(1..)?.split('(').next()?.to_ascii_lowercase();
    let lower_alnum: fn(char) -> bool = |c| c.is_ascii_lowercase() || c.is_ascii_digit();
    match name.as_str() {
        "uniquestring" => Some(lower_alnum),
        "guid" => Some(|c| c.is_ascii_hexdigit() || c == '-'),
        // Azure region names: `westeurope`, `eastus2`.
        "resourcegroup" | "deployment" if token.ends_with(").location}") => Some(lower_alnum),
        _ => None,
    }
}

/// A part of a string argument, as written inside a token.
pub enum Arg<'a> {
    Str(&'a str),
    Int(i64),
}

/// The token for `name(args…)`, e.g. `{uniqueString(resourceGroup().id)}`.
pub fn call(name: &str, args: &[Arg]) -> String {
    let mut lossy = Vec::new();
    let mut out = String::with_capacity(32);
    out.push('{');
    out.push_str(name);
    out.push('(');
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(COMMA);
        }
        match a {
            Arg::Str(s) => render_str(s, &mut out, &mut lossy),
            Arg::Int(n) => out.push_str(&n.to_string()),
        }
    }
    out.push(')');
    if !lossy.is_empty() {
        let parts: Vec<&str> = lossy.iter().map(String::as_str).collect();
        out.push(OTHER);
        out.push_str(
            crate::finding::stable_hash(&parts)
                .get(..8)
                .unwrap_or_default(),
        );
    }
    out.push('}');
    out
}

/// A member of a deploy-time object: `{deployment().name}`.
pub fn member(function: &str, member: &str) -> String {
    format!("{{{function}().{member}}}")
}

/// Writes string `s` as an argument: the deployment's well-known values by
/// their expressions, a whole token by its call, anything else as quoted
/// text joined with `concat`.
fn render_str(s: &str, out: &mut String, lossy: &mut Vec<String>) {
    let parts = split_parts(s);
    if parts.len() > 1 {
        out.push_str("concat(");
    }
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push(COMMA);
        }
        match p {
            Part::Known(expr) => out.push_str(expr),
            Part::Token(t) => out.push_str(t.get(1..t.len() - 1).unwrap_or_default()),
            Part::Text(t) => {
                out.push(QUOTE);
                let mut was_lossy = false;
                for c in t.chars() {
                    match c {
                        '/' => out.push(SLASH),
                        c if c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '(' | ')') => {
                            out.push(c)
                        }
                        _ => {
                            out.push(OTHER);
                            was_lossy = true;
                        }
                    }
                }
                if was_lossy {
                    lossy.push((*t).to_string());
                }
                out.push(QUOTE);
            }
        }
    }
    if parts.len() > 1 {
        out.push(')');
    }
}

enum Part<'a> {
    /// A deploy-time value with a readable expression.
    Known(&'static str),
    Token(&'a str),
    Text(&'a str),
}

/// Deploy-time values by the text that stands for them, longest first.
const KNOWN: [(&str, &str); 8] = [
    (
        "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}",
        "resourceGroup().id",
    ),
    (
        "/subscriptions/{subscriptionid}/resourcegroups/{resourcegroupname}",
        "toLower(resourceGroup().id)",
    ),
    ("/subscriptions/{subscriptionId}", "subscription().id"),
    (
        "/subscriptions/{subscriptionid}",
        "toLower(subscription().id)",
    ),
    ("{subscriptionId}", "subscription().subscriptionId"),
    ("{resourceGroupName}", "resourceGroup().name"),
    ("{subscriptionid}", "toLower(subscription().subscriptionId)"),
    ("{resourcegroupname}", "toLower(resourceGroup().name)"),
];

fn split_parts(s: &str) -> Vec<Part<'_>> {
    let tokens = token_spans(s);
    let mut next_token = tokens.iter().peekable();
    let mut parts = Vec::new();
    let mut text_start = 0;
    let mut i = 0;
    while i < s.len() {
        let rest = s.get(i..).unwrap_or_default();
        let found = KNOWN
            .iter()
            .find(|(text, _)| rest.starts_with(text))
            .map(|&(text, expr)| (text.len(), Part::Known(expr)))
            .or_else(|| {
                while next_token.next_if(|&&(a, _)| a < i).is_some() {}
                next_token
                    .next_if(|&&(a, _)| a == i)
                    .and_then(|&(a, b)| Some((b - a, Part::Token(s.get(a..b)?))))
            });
        match found {
            Some((len, part)) => {
                if text_start < i {
                    parts.push(Part::Text(s.get(text_start..i).unwrap_or_default()));
                }
                parts.push(part);
                i += len;
                text_start = i;
            }
            None => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    if text_start < s.len() || parts.is_empty() {
        parts.push(Part::Text(s.get(text_start..).unwrap_or_default()));
    }
    parts
}

/// `s` with every token written in plain ASCII punctuation, for messages.
pub fn display(s: &str) -> Cow<'_, str> {
    let spans = if s.contains('{') {
        token_spans(s)
    } else {
        Vec::new()
    };
    if spans.is_empty() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    for (a, b) in spans {
        out.push_str(s.get(at..a).unwrap_or_default());
        for c in s.get(a..b).unwrap_or_default().chars() {
            match c {
                SLASH => out.push('/'),
                COMMA => out.push_str(", "),
                QUOTE => out.push('\''),
                c => out.push(c),
            }
        }
        at = b;
    }
    out.push_str(s.get(at..).unwrap_or_default());
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_found_with_nesting() {
        let s = "aks-{uniqueString(resourceGroup().id)}-x";
        assert_eq!(token_spans(s), vec![(4, 38)]);
        let nested = call("take", &[Arg::Str("{uniqueString(a)}"), Arg::Int(6)]);
        assert_eq!(nested, "{take(uniqueString(a)\u{FF0C}6)}");
        assert!(is_token(&nested));
        assert!(!has_token("{0}-{subscriptionId}-{a(b"));
        assert!(has_token("{deployment().name}"));
    }

    #[test]
    fn arguments_read_as_expressions() {
        assert_eq!(
            call("uniqueString", &[Arg::Str(&resource_group_id())]),
            "{uniqueString(resourceGroup().id)}"
        );
        let t = call(
            "guid",
            &[
                Arg::Str(&format!("{}/providers/X/y", resource_group_id())),
                Arg::Str("net"),
            ],
        );
        assert!(!t.contains('/') && !t.contains(',') && !t.contains('\''));
        assert_eq!(
            display(&t),
            "{guid(concat(resourceGroup().id, '/providers/X/y'), 'net')}"
        );
    }

    #[test]
    fn lossy_text_keeps_distinct_inputs_distinct() {
        let a = call(
            "uniqueString",
            &[Arg::Str("{subscriptionId}"), Arg::Str("a b")],
        );
        let b = call(
            "uniqueString",
            &[Arg::Str("{subscriptionId}"), Arg::Str("a:b")],
        );
        assert_ne!(a, b);
        assert!(is_token(&a) && is_token(&b));
    }

    #[test]
    fn scanning_is_linear() {
        let unclosed = "{a(".repeat(200_000);
        let started = std::time::Instant::now();
        assert!(token_spans(&unclosed).is_empty());
        let nested = format!("{}{}", "{a(".repeat(100_000), ")}".repeat(100_000));
        assert_eq!(token_spans(&nested), vec![(0, nested.len())]);
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn lengths() {
        assert_eq!(token_len("{uniqueString(x)}"), Some(13));
        assert_eq!(token_len("{GUID(x)}"), Some(36));
        assert_eq!(token_len("{deployment().name}"), None);
    }
}
