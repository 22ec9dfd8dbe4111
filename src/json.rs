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
    let node = p.value()?;
    p.skip_trivia()?;
    if p.pos < p.bytes.len() {
        return Err(p.error_here("unexpected text after the JSON value"));
    }
    Ok(node)
}

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
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
        let start = self.pos;
        self.pos += 1;
        let mut members = Vec::new();
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
            let value = self.value()?;
            members.push(Member {
                key,
                key_span,
                value,
            });
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
        Ok(Node {
            span: Span::new(start, self.pos),
            kind: NodeKind::Object(members),
        })
    }

    fn array(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_trivia()?;
            if self.peek() == Some(b']') {
                self.pos += 1;
                break;
            }
            items.push(self.value()?);
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
        Ok(Node {
            span: Span::new(start, self.pos),
            kind: NodeKind::Array(items),
        })
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
