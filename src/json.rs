//! JSON-with-comments parser that keeps the byte span of every value.
//!
//! ARM accepts `//` and `/* */` comments and trailing commas, so this does too.
//! Errors carry the span of the offending text; nesting depth is bounded so a
//! hostile file cannot overflow the stack.

use crate::source::Span;

const MAX_DEPTH: usize = 256;

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub span: Span,
    pub kind: NodeKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Array(Vec<Node>),
    Object(Vec<Member>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParseError {
    pub message: String,
    pub span: Span,
}

impl Node {
    /// Member lookup; ARM property names are case-insensitive. The last duplicate wins.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.member(key).map(|m| &m.value)
    }

    pub fn member(&self, key: &str) -> Option<&Member> {
        match &self.kind {
            NodeKind::Object(members) => members
                .iter()
                .rev()
                .find(|m| m.key.eq_ignore_ascii_case(key)),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn members(&self) -> &[Member] {
        match &self.kind {
            NodeKind::Object(m) => m,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.kind {
            NodeKind::Array(a) => a,
            _ => &[],
        }
    }
}

/// Parses a whole document. A leading UTF-8 byte order mark is skipped.
pub fn parse(text: &str) -> Result<Node, ParseError> {
    let mut p = Parser::new(text)?;
    let node = p.value()?;
    p.end()?;
    Ok(node)
}

/// The root of a document read by [`stream`].
#[derive(Debug)]
pub enum Streamed {
    /// An array: its elements went to the callback.
    Array { span: Span },
    /// An object. `rows` is the key and key span of the member whose elements
    /// went to the callback, if one was found; `members` are its other
    /// members, parsed whole.
    Object {
        span: Span,
        rows: Option<(String, Span)>,
        members: Vec<Member>,
    },
    /// Any other value, parsed whole.
    Scalar(Node),
}

/// Parses a document whose rows are the elements of the root array, or of
/// the root object's first array member named one of `keys`
/// (case-insensitively), handing each row to `row` as soon as it is parsed:
/// memory holds one row, not the document. Same syntax and depth bound as
/// [`parse`]. Stops at the first error, a callback's included.
pub fn stream(
    text: &str,
    keys: &[&str],
    row: &mut dyn FnMut(Node) -> Result<(), ParseError>,
) -> Result<Streamed, ParseError> {
    let mut p = Parser::new(text)?;
    let out = match p.peek() {
        Some(b'[') => {
            p.depth = 1;
            Streamed::Array {
                span: p.array_items(row)?,
            }
        }
        Some(b'{') => {
            p.depth = 1;
            let mut rows = None;
            let mut members = Vec::new();
            let span = p.object_members(&mut |p, key, key_span| {
                let wanted = rows.is_none() && keys.iter().any(|k| k.eq_ignore_ascii_case(&key));
                if wanted && p.peek() == Some(b'[') {
                    p.depth = 2;
                    p.array_items(row)?;
                    p.depth = 1;
                    rows = Some((key, key_span));
                } else {
                    let value = p.value()?;
                    members.push(Member {
                        key,
                        key_span,
                        value,
                    });
                }
                Ok(())
            })?;
            Streamed::Object {
                span,
                rows,
                members,
            }
        }
        _ => Streamed::Scalar(p.value()?),
    };
    p.end()?;
    Ok(out)
}

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    /// A parser at the first value: past a UTF-8 byte order mark and trivia.
    fn new(text: &'a str) -> Result<Parser<'a>, ParseError> {
        let mut p = Parser {
            bytes: text.as_bytes(),
            text,
            pos: 0,
            depth: 0,
        };
        if text.starts_with('\u{feff}') {
            p.pos = 3;
        }
        p.skip_trivia()?;
        Ok(p)
    }

    /// Only trivia may follow the root value.
    fn end(&mut self) -> Result<(), ParseError> {
        self.skip_trivia()?;
        if self.pos < self.bytes.len() {
            return Err(self.error_here("unexpected text after the JSON value"));
        }
        Ok(())
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn error_here(&self, message: &str) -> ParseError {
        let len = self
            .text
            .get(self.pos..)
            .and_then(|s| s.chars().next())
            .map_or(0, char::len_utf8);
        ParseError {
            message: message.to_string(),
            span: Span::new(self.pos, self.pos + len),
        }
    }

    fn unexpected(&self, expected: &str) -> ParseError {
        match self.text.get(self.pos..).and_then(|s| s.chars().next()) {
            None => self.error_here(&format!("unexpected end of file, expected {expected}")),
            Some(c) => self.error_here(&format!("unexpected character {c:?}, expected {expected}")),
        }
    }

    fn skip_trivia(&mut self) -> Result<(), ParseError> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.pos += 1,
                Some(b'/') => match self.bytes.get(self.pos + 1) {
                    Some(b'/') => {
                        while let Some(b) = self.peek() {
                            if b == b'\n' {
                                break;
                            }
                            self.pos += 1;
                        }
                    }
                    Some(b'*') => {
                        let start = self.pos;
                        self.pos += 2;
                        loop {
                            match self.peek() {
                                None => {
                                    return Err(ParseError {
                                        message: "unterminated block comment".into(),
                                        span: Span::new(start, start + 2),
                                    });
                                }
                                Some(b'*') if self.bytes.get(self.pos + 1) == Some(&b'/') => {
                                    self.pos += 2;
                                    break;
                                }
                                Some(_) => self.pos += 1,
                            }
                        }
                    }
                    _ => return Err(self.unexpected("a value")),
                },
                _ => return Ok(()),
            }
        }
    }

    fn value(&mut self) -> Result<Node, ParseError> {
        match self.peek() {
            Some(b'{') => self.nested(Parser::object),
            Some(b'[') => self.nested(Parser::array),
            Some(b'"') => {
                let start = self.pos;
                let s = self.string()?;
                Ok(Node {
                    span: Span::new(start, self.pos),
                    kind: NodeKind::String(s),
                })
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.keyword("true", NodeKind::Bool(true)),
            Some(b'f') => self.keyword("false", NodeKind::Bool(false)),
            Some(b'n') => self.keyword("null", NodeKind::Null),
            _ => Err(self.unexpected("a value")),
        }
    }

    fn nested(&mut self, f: fn(&mut Self) -> Result<Node, ParseError>) -> Result<Node, ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error_here("nesting is too deep"));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn keyword(&mut self, word: &str, kind: NodeKind) -> Result<Node, ParseError> {
        let start = self.pos;
        if self.bytes.get(start..start + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            if !matches!(self.peek(), Some(b) if b.is_ascii_alphanumeric() || b == b'_') {
                return Ok(Node {
                    span: Span::new(start, self.pos),
                    kind,
                });
            }
            self.pos = start;
        }
        Err(self.unexpected("a value"))
    }

    fn object(&mut self) -> Result<Node, ParseError> {
        let mut members = Vec::new();
        let span = self.object_members(&mut |p, key, key_span| {
            let value = p.value()?;
            members.push(Member {
                key,
                key_span,
                value,
            });
            Ok(())
        })?;
        Ok(Node {
            span,
            kind: NodeKind::Object(members),
        })
    }

    /// Walks an object from its `{`: `member` gets each key and parses its value.
    fn object_members(
        &mut self,
        member: &mut dyn FnMut(&mut Self, String, Span) -> Result<(), ParseError>,
    ) -> Result<Span, ParseError> {
        let start = self.pos;
        self.pos += 1;
        loop {
            self.skip_trivia()?;
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                Some(b'"') => {}
                _ => return Err(self.unexpected("a property name or '}'")),
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_span = Span::new(key_start, self.pos);
            self.skip_trivia()?;
            if self.peek() != Some(b':') {
                return Err(self.unexpected("':'"));
            }
            self.pos += 1;
            self.skip_trivia()?;
            member(self, key, key_span)?;
            self.skip_trivia()?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.unexpected("',' or '}'")),
            }
        }
        Ok(Span::new(start, self.pos))
    }

    fn array(&mut self) -> Result<Node, ParseError> {
        let mut items = Vec::new();
        let span = self.array_items(&mut |item| {
            items.push(item);
            Ok(())
        })?;
        Ok(Node {
            span,
            kind: NodeKind::Array(items),
        })
    }

    /// Walks an array from its `[`, handing each element to `item`.
    fn array_items(
        &mut self,
        item: &mut dyn FnMut(Node) -> Result<(), ParseError>,
    ) -> Result<Span, ParseError> {
        let start = self.pos;
        self.pos += 1;
        loop {
            self.skip_trivia()?;
            if self.peek() == Some(b']') {
                self.pos += 1;
                break;
            }
            let value = self.value()?;
            item(value)?;
            self.skip_trivia()?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                _ => return Err(self.unexpected("',' or ']'")),
            }
        }
        Ok(Span::new(start, self.pos))
    }

    fn number(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = self.digits();
        if digits == 0 {
            return Err(self.unexpected("a digit"));
        }
        let mut is_float = false;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            is_float = true;
            if self.digits() == 0 {
                return Err(self.unexpected("a digit"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            is_float = true;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.unexpected("a digit"));
            }
        }
        let span = Span::new(start, self.pos);
        let text = &self.text[start..self.pos];
        let kind = match (is_float, text.parse::<i64>()) {
            (false, Ok(i)) => NodeKind::Int(i),
            _ => match text.parse::<f64>() {
                Ok(f) if f.is_finite() => NodeKind::Float(f),
                _ => {
                    return Err(ParseError {
                        message: format!("number {text} is out of range"),
                        span,
                    });
                }
            },
        };
        Ok(Node { span, kind })
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// Parses a string starting at the opening quote; returns its decoded text.
    fn string(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut run_start = self.pos;
        loop {
            match self.peek() {
                None => {
                    return Err(ParseError {
                        message: "unterminated string".into(),
                        span: Span::new(start, start + 1),
                    });
                }
                Some(b'"') => {
                    out.push_str(&self.text[run_start..self.pos]);
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    out.push_str(&self.text[run_start..self.pos]);
                    self.escape(&mut out)?;
                    run_start = self.pos;
                }
                Some(b) if b < 0x20 => {
                    return Err(self.error_here("control character in string (escape it)"));
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), ParseError> {
        let esc_start = self.pos;
        self.pos += 1;
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 1;
                let hi = self.hex4(esc_start)?;
                let c = if (0xD800..0xDC00).contains(&hi) {
                    let lo = if self.bytes.get(self.pos..self.pos + 2) == Some(b"\\u") {
                        self.pos += 2;
                        self.hex4(esc_start)?
                    } else {
                        0
                    };
                    if (0xDC00..0xE000).contains(&lo) {
                        char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                    } else {
                        None
                    }
                } else {
                    char::from_u32(hi)
                };
                // Lone surrogates are not valid text; keep going with a replacement.
                out.push(c.unwrap_or('\u{fffd}'));
                return Ok(());
            }
            _ => {
                return Err(ParseError {
                    message: "invalid escape sequence".into(),
                    span: Span::new(esc_start, (self.pos + 1).min(self.bytes.len())),
                });
            }
        };
        self.pos += 1;
        out.push(c);
        Ok(())
    }

    fn hex4(&mut self, esc_start: usize) -> Result<u32, ParseError> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .and_then(|h| u32::from_str_radix(h, 16).ok().filter(|_| h.is_ascii()));
        match digits {
            Some(v) => {
                self.pos += 4;
                Ok(v)
            }
            None => Err(ParseError {
                message: "invalid \\u escape (expected four hex digits)".into(),
                span: Span::new(esc_start, self.pos),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span_text(text: &str, span: Span) -> &str {
        &text[span.start as usize..span.end as usize]
    }

    #[test]
    fn values_keep_their_spans() {
        let text = r#"{ "a": [1, "x\"y"], "b": {"c": null} }"#;
        let doc = parse(text).unwrap();
        let a = doc.get("A").unwrap();
        assert_eq!(span_text(text, a.span), r#"[1, "x\"y"]"#);
        assert_eq!(a.items()[1].as_str(), Some("x\"y"));
        assert_eq!(span_text(text, a.items()[1].span), r#""x\"y""#);
        let m = doc.member("b").unwrap();
        assert_eq!(span_text(text, m.key_span), r#""b""#);
        assert_eq!(doc.get("b").unwrap().get("c").unwrap().kind, NodeKind::Null);
    }

    #[test]
    fn comments_bom_and_trailing_commas_are_accepted() {
        let text = "\u{feff}// lead\n{ /* x */ \"a\": 1, // c\n \"b\": [true, false,], }";
        let doc = parse(text).unwrap();
        assert_eq!(doc.get("a").unwrap().kind, NodeKind::Int(1));
        assert_eq!(doc.get("b").unwrap().items().len(), 2);
    }

    #[test]
    fn numbers() {
        let doc = parse("[0, -12, 1.5, 2e3, 99999999999999999999]").unwrap();
        let kinds: Vec<_> = doc.items().iter().map(|n| n.kind.clone()).collect();
        assert_eq!(
            kinds,
            vec![
                NodeKind::Int(0),
                NodeKind::Int(-12),
                NodeKind::Float(1.5),
                NodeKind::Float(2000.0),
                NodeKind::Float(1e20),
            ]
        );
    }

    #[test]
    fn unicode_escapes_and_surrogates() {
        let doc = parse(r#"["\u00e9", "\ud83d\ude00", "\ud800x"]"#).unwrap();
        let s: Vec<_> = doc.items().iter().map(|n| n.as_str().unwrap()).collect();
        assert_eq!(s, vec!["é", "😀", "\u{fffd}x"]);
    }

    #[test]
    fn errors_point_at_the_problem() {
        let err = parse("{\n  \"a\": 1\n  \"b\": 2\n}").unwrap_err();
        assert_eq!(err.span, Span::new(13, 14));
        assert!(
            err.message.contains("expected ',' or '}'"),
            "{}",
            err.message
        );

        let err = parse("[1, 2").unwrap_err();
        assert_eq!(err.span, Span::new(5, 5));
        assert!(err.message.contains("end of file"));

        let err = parse("\"abc").unwrap_err();
        assert_eq!(err.message, "unterminated string");

        let err = parse("/* open").unwrap_err();
        assert_eq!(err.message, "unterminated block comment");

        assert!(parse("{} x").is_err());
        assert!(parse("tru").is_err());
        assert!(parse("").is_err());
        assert!(parse("[\"\\x\"]").is_err());
        assert!(parse("[01a]").is_err());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(100_000);
        let err = parse(&text).unwrap_err();
        assert_eq!(err.message, "nesting is too deep");
    }

    fn streamed(text: &str, keys: &[&str]) -> (Result<Streamed, ParseError>, Vec<Node>) {
        let mut rows = Vec::new();
        let r = stream(text, keys, &mut |n| {
            rows.push(n);
            Ok(())
        });
        (r, rows)
    }

    #[test]
    fn stream_hands_over_the_rows_of_a_root_array() {
        let text = "\u{feff}// export\n[ {\"a\": 1}, /* c */ [2], \"x\", ]";
        let (r, rows) = streamed(text, &[]);
        assert!(
            matches!(r, Ok(Streamed::Array { span }) if span_text(text, span).starts_with('['))
        );
        assert_eq!(rows.len(), 3);
        assert_eq!(span_text(text, rows[0].span), "{\"a\": 1}");
        // Each row is the tree `parse` builds for the same text.
        assert_eq!(rows, parse(text).unwrap().items());
        assert_eq!(rows[2].as_str(), Some("x"));
    }

    #[test]
    fn stream_finds_the_row_array_under_a_key_and_keeps_the_other_members() {
        let text = r#"{ "count": 2, "DATA": [ {"id": "a"}, {"id": "b"} ], "value": [9], "skip_token": null }"#;
        let (r, rows) = streamed(text, &["data", "value"]);
        let Ok(Streamed::Object {
            rows: Some((key, key_span)),
            members,
            ..
        }) = r
        else {
            panic!("{r:?}");
        };
        assert_eq!(key, "DATA");
        assert_eq!(span_text(text, key_span), "\"DATA\"");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].get("id").and_then(Node::as_str), Some("b"));
        // Only the first row array streams; later ones stay members.
        let keys: Vec<_> = members.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, ["count", "value", "skip_token"]);

        let (r, rows) = streamed(r#"{"data": {"columns": []}}"#, &["data"]);
        assert!(
            matches!(r, Ok(Streamed::Object { rows: None, ref members, .. }) if members.len() == 1)
        );
        assert!(rows.is_empty());
        let (r, _) = streamed(" 42 ", &["data"]);
        assert!(matches!(
            r,
            Ok(Streamed::Scalar(Node {
                kind: NodeKind::Int(42),
                ..
            }))
        ));
    }

    #[test]
    fn stream_stops_at_a_bad_row_or_a_callback_error() {
        let text = "[{\"a\": 1}, {\"a\" 2}, {\"a\": 3}]";
        let (r, rows) = streamed(text, &[]);
        assert_eq!(r.unwrap_err().span, Span::new(16, 17));
        assert_eq!(rows.len(), 1);

        let mut seen = 0;
        let r = stream("[1, 2, 3]", &[], &mut |n| {
            seen += 1;
            if n.kind == NodeKind::Int(2) {
                return Err(ParseError {
                    message: "stop".into(),
                    span: n.span,
                });
            }
            Ok(())
        });
        assert_eq!(r.unwrap_err().span, Span::new(4, 5));
        assert_eq!(seen, 2);

        let (r, _) = streamed("[1] x", &[]);
        assert_eq!(
            r.unwrap_err().message,
            "unexpected text after the JSON value"
        );
        let (r, _) = streamed("{\"data\": [1, 2", &["data"]);
        assert!(r.unwrap_err().message.contains("end of file"));
    }

    #[test]
    fn stream_keeps_the_depth_bound() {
        // `parse` accepts exactly MAX_DEPTH levels; so does a streamed row.
        let deep = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
        assert!(parse(&deep(MAX_DEPTH)).is_ok());
        assert!(streamed(&deep(MAX_DEPTH), &[]).0.is_ok());
        assert_eq!(
            streamed(&deep(MAX_DEPTH + 1), &[]).0.unwrap_err().message,
            "nesting is too deep"
        );
        let under = |levels: usize| format!("{{\"data\": {}}}", deep(levels - 1));
        assert!(parse(&under(MAX_DEPTH)).is_ok());
        assert!(streamed(&under(MAX_DEPTH), &["data"]).0.is_ok());
        assert!(parse(&under(MAX_DEPTH + 1)).is_err());
        assert!(streamed(&under(MAX_DEPTH + 1), &["data"]).0.is_err());
    }

    #[test]
    fn garbage_never_panics() {
        for text in [
            "\u{fffd}",
            "{\"é",
            "[\"\\u12",
            "-",
            "1e",
            "{\"a\" 1}",
            "\"\\ud800\\u",
        ] {
            let _ = parse(text);
        }
    }
}
