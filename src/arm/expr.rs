//! Lexer and parser for the ARM template expression language (the text inside
//! `"[...]"`).
//!
//! ```text
//! expr     := primary accessor*
//! primary  := call | STRING | INT | true | false | null
//! call     := IDENT ('.' IDENT)? '(' (expr (',' expr)*)? ')'
//! accessor := '.' IDENT | '[' expr ']'
//! ```
//!
//! Offsets are byte offsets into the string handed to [`parse`]. The parser
//! never panics, whatever the input, and limits nesting to [`MAX_DEPTH`] so a
//! hostile expression cannot exhaust the stack (in parsing, evaluating or
//! dropping the tree).

use std::fmt;

/// Maximum nesting of calls and index expressions.
pub const MAX_DEPTH: usize = 100;

/// One expression node; `offset` is where its text starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub offset: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Str(String),
    Int(i64),
    /// Bare `true` / `false` (not ARM syntax, tolerated).
    Bool(bool),
    /// Bare `null` (not ARM syntax, tolerated).
    Null,
    Call(Call),
    /// A primary followed by one or more accessors; kept flat so that long
    /// chains do not make the tree deep.
    Access(Box<Expr>, Vec<Accessor>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// User-defined function namespace (`ns.fn(...)`), if any.
    pub namespace: Option<String>,
    /// Name as written (match case-insensitively).
    pub name: String,
    pub args: Vec<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Accessor {
    /// `.name`; `offset` is the position of the dot.
    Property { name: String, offset: usize },
    /// `[expr]`; `offset` is the position of the `[`.
    Index { index: Expr, offset: usize },
}

/// A syntax error with the byte offset it was detected at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    pub offset: usize,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at offset {})", self.message, self.offset)
    }
}

impl std::error::Error for ParseError {}

/// Parses one whole expression (without the surrounding `[` `]`).
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    let tokens = lex(src)?;
    let mut p = Parser {
        tokens,
        pos: 0,
        end: src.len(),
    };
    let e = p.expr(0)?;
    match p.peek() {
        None => Ok(e),
        Some(t) => Err(err(
            format!("unexpected {} after the expression", t.kind.describe()),
            t.offset,
        )),
    }
}

fn err(message: impl Into<String>, offset: usize) -> ParseError {
    ParseError {
        message: message.into(),
        offset,
    }
}

// ---------------------------------------------------------------- lexer

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Ident(String),
    Str(String),
    Int(i64),
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::LBracket => "'['".into(),
            Tok::RBracket => "']'".into(),
            Tok::Comma => "','".into(),
            Tok::Dot => "'.'".into(),
            Tok::Ident(s) => format!("identifier '{s}'"),
            Tok::Str(_) => "string literal".into(),
            Tok::Int(i) => format!("integer {i}"),
        }
    }
}

#[derive(Clone, Debug)]
struct Token {
    kind: Tok,
    offset: usize,
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '$'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

fn lex(src: &str) -> Result<Vec<Token>, ParseError> {
    let mut out = Vec::new();
    let mut chars = src.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let kind = match c {
            c if c.is_whitespace() => continue,
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            '[' => Tok::LBracket,
            ']' => Tok::RBracket,
            ',' => Tok::Comma,
            '.' => Tok::Dot,
            '\'' => {
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => return Err(err("unterminated string literal", i)),
                        Some((_, '\'')) => {
                            // `''` is an escaped quote; a single `'` ends the literal.
                            if matches!(chars.peek(), Some((_, '\''))) {
                                chars.next();
                                s.push('\'');
                            } else {
                                break;
                            }
                        }
                        Some((_, ch)) => s.push(ch),
                    }
                }
                Tok::Str(s)
            }
            '-' | '0'..='9' => {
                let mut end = i + c.len_utf8();
                while let Some(&(j, d)) = chars.peek() {
                    if !d.is_ascii_digit() {
                        break;
                    }
                    end = j + 1;
                    chars.next();
                }
                let text = src.get(i..end).unwrap_or("");
                if text == "-" {
                    return Err(err("'-' must be followed by digits", i));
                }
                match text.parse::<i64>() {
                    Ok(n) => Tok::Int(n),
                    Err(_) => return Err(err(format!("integer {text} is out of range"), i)),
                }
            }
            c if is_ident_start(c) => {
                let mut end = i + c.len_utf8();
                while let Some(&(j, d)) = chars.peek() {
                    if !is_ident_char(d) {
                        break;
                    }
                    end = j + d.len_utf8();
                    chars.next();
                }
                Tok::Ident(src.get(i..end).unwrap_or("").to_string())
            }
            '"' => {
                return Err(err(
                    "string literals use single quotes ('...'), not double quotes",
                    i,
                ));
            }
            other => return Err(err(format!("unexpected character '{other}'"), i)),
        };
        out.push(Token { kind, offset: i });
    }
    Ok(out)
}

// ---------------------------------------------------------------- parser

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    /// Offset reported for "unexpected end of expression".
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    fn at(&self, kind: &Tok) -> bool {
        self.peek().is_some_and(|t| &t.kind == kind)
    }

    fn expect(&mut self, kind: Tok, what: &str) -> Result<usize, ParseError> {
        match self.next() {
            Some(t) if t.kind == kind => Ok(t.offset),
            Some(t) => Err(err(
                format!("expected {what}, found {}", t.kind.describe()),
                t.offset,
            )),
            None => Err(err(
                format!("expected {what}, found the end of the expression"),
                self.end,
            )),
        }
    }

    fn expr(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let start = self.peek().map_or(self.end, |t| t.offset);
        if depth >= MAX_DEPTH {
            return Err(err(
                format!("expression is nested more than {MAX_DEPTH} levels deep"),
                start,
            ));
        }
        let primary = self.primary(depth)?;
        let mut accessors = Vec::new();
        loop {
            if self.at(&Tok::Dot) {
                let offset = self.expect(Tok::Dot, "'.'")?;
                match self.next() {
                    Some(Token {
                        kind: Tok::Ident(name),
                        ..
                    }) => accessors.push(Accessor::Property { name, offset }),
                    Some(t) => {
                        return Err(err(
                            format!("expected a property name, found {}", t.kind.describe()),
                            t.offset,
                        ));
                    }
                    None => return Err(err("expected a property name after '.'", self.end)),
                }
            } else if self.at(&Tok::LBracket) {
                let offset = self.expect(Tok::LBracket, "'['")?;
                let index = self.expr(depth + 1)?;
                self.expect(Tok::RBracket, "']'")?;
                accessors.push(Accessor::Index { index, offset });
            } else {
                break;
            }
        }
        if accessors.is_empty() {
            Ok(primary)
        } else {
            Ok(Expr {
                kind: ExprKind::Access(Box::new(primary), accessors),
                offset: start,
            })
        }
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let Some(tok) = self.next() else {
            return Err(err("unexpected end of expression", self.end));
        };
        let offset = tok.offset;
        let kind = match tok.kind {
            Tok::Str(s) => ExprKind::Str(s),
            Tok::Int(i) => ExprKind::Int(i),
            Tok::Ident(name) => {
                // `ns.fn(` is a user-defined function call; otherwise `.x` is an accessor.
                let mut namespace = None;
                let mut name = name;
                if self.at(&Tok::Dot)
                    && matches!(
                        self.tokens.get(self.pos + 1),
                        Some(Token {
                            kind: Tok::Ident(_),
                            ..
                        })
                    )
                    && matches!(
                        self.tokens.get(self.pos + 2),
                        Some(Token {
                            kind: Tok::LParen,
                            ..
                        })
                    )
                {
                    self.pos += 1;
                    if let Some(Token {
                        kind: Tok::Ident(f),
                        ..
                    }) = self.next()
                    {
                        namespace = Some(std::mem::replace(&mut name, f));
                    }
                }
                if self.at(&Tok::LParen) {
                    self.pos += 1;
                    let args = self.args(depth)?;
                    ExprKind::Call(Call {
                        namespace,
                        name,
                        args,
                    })
                } else if name.eq_ignore_ascii_case("true") {
                    ExprKind::Bool(true)
                } else if name.eq_ignore_ascii_case("false") {
                    ExprKind::Bool(false)
                } else if name.eq_ignore_ascii_case("null") {
                    ExprKind::Null
                } else {
                    return Err(err(
                        format!(
                            "'{name}' must be followed by '(' (bare identifiers are not allowed)"
                        ),
                        offset,
                    ));
                }
            }
            other => {
                return Err(err(
                    format!(
                        "expected a function call, string or integer, found {}",
                        other.describe()
                    ),
                    offset,
                ));
            }
        };
        Ok(Expr { kind, offset })
    }

    /// Arguments after the `(`, through the closing `)`.
    fn args(&mut self, depth: usize) -> Result<Vec<Expr>, ParseError> {
        let mut args = Vec::new();
        if self.at(&Tok::RParen) {
            self.pos += 1;
            return Ok(args);
        }
        loop {
            args.push(self.expr(depth + 1)?);
            match self.next() {
                Some(Token {
                    kind: Tok::Comma, ..
                }) => continue,
                Some(Token {
                    kind: Tok::RParen, ..
                }) => return Ok(args),
                Some(t) => {
                    return Err(err(
                        format!("expected ',' or ')', found {}", t.kind.describe()),
                        t.offset,
                    ));
                }
                None => return Err(err("missing ')'", self.end)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call_name(e: &Expr) -> &str {
        match &e.kind {
            ExprKind::Call(c) => &c.name,
            _ => panic!("not a call: {e:?}"),
        }
    }

    #[test]
    fn parses_calls_strings_and_ints() {
        let e = parse("concat('a', -12, 'it''s')").unwrap();
        let ExprKind::Call(c) = e.kind else { panic!() };
        assert_eq!(c.name, "concat");
        assert_eq!(c.args[0].kind, ExprKind::Str("a".into()));
        assert_eq!(c.args[1].kind, ExprKind::Int(-12));
        assert_eq!(c.args[2].kind, ExprKind::Str("it's".into()));
        assert_eq!(c.args[2].offset, 17);
    }

    #[test]
    fn empty_string_and_escaped_quotes() {
        assert_eq!(parse("''").unwrap().kind, ExprKind::Str(String::new()));
        assert_eq!(parse("''''").unwrap().kind, ExprKind::Str("'".into()));
        assert_eq!(
            parse("'a''''b'").unwrap().kind,
            ExprKind::Str("a''b".into())
        );
    }

    #[test]
    fn whitespace_between_tokens() {
        let e = parse("  concat ( 'a' ,\n\t'b' )  ").unwrap();
        assert_eq!(call_name(&e), "concat");
    }

    #[test]
    fn accessors_are_flat() {
        let e = parse("parameters('p').a['b'][0].c").unwrap();
        let ExprKind::Access(base, acc) = e.kind else {
            panic!()
        };
        assert_eq!(call_name(&base), "parameters");
        assert_eq!(acc.len(), 4);
        assert!(matches!(&acc[0], Accessor::Property { name, offset: 15 } if name == "a"));
        assert!(matches!(&acc[2], Accessor::Index { index, .. } if index.kind == ExprKind::Int(0)));
    }

    #[test]
    fn namespaced_user_function() {
        let e = parse("myNs.doIt(1).x").unwrap();
        let ExprKind::Access(base, _) = e.kind else {
            panic!()
        };
        let ExprKind::Call(c) = base.kind else {
            panic!()
        };
        assert_eq!(c.namespace.as_deref(), Some("myNs"));
        assert_eq!(c.name, "doIt");
    }

    #[test]
    fn bare_literals_are_tolerated() {
        assert_eq!(parse("true").unwrap().kind, ExprKind::Bool(true));
        assert_eq!(parse("False").unwrap().kind, ExprKind::Bool(false));
        assert_eq!(parse("null").unwrap().kind, ExprKind::Null);
        // Still callable as functions.
        assert_eq!(call_name(&parse("true()").unwrap()), "true");
    }

    #[test]
    fn errors_carry_offsets() {
        let e = parse("concat('a'").unwrap_err();
        assert_eq!(e.offset, 10);
        let e = parse("concat('a' 'b')").unwrap_err();
        assert_eq!(e.offset, 11);
        let e = parse("'abc").unwrap_err();
        assert_eq!(
            (e.offset, e.message.as_str()),
            (0, "unterminated string literal")
        );
        let e = parse("foo").unwrap_err();
        assert_eq!(e.offset, 0);
        let e = parse("a() b()").unwrap_err();
        assert_eq!(e.offset, 4);
        let e = parse("").unwrap_err();
        assert_eq!(e.offset, 0);
        let e = parse("x().").unwrap_err();
        assert_eq!(e.offset, 4);
        let e = parse("99999999999999999999").unwrap_err();
        assert!(e.message.contains("out of range"));
        assert_eq!(
            parse("-9223372036854775808").unwrap().kind,
            ExprKind::Int(i64::MIN)
        );
        let e = parse("concat(\"a\")").unwrap_err();
        assert_eq!(e.offset, 7);
    }

    #[test]
    fn depth_limit() {
        let ok = format!(
            "{}1{}",
            "f(".repeat(MAX_DEPTH - 1),
            ")".repeat(MAX_DEPTH - 1)
        );
        assert!(parse(&ok).is_ok());
        let deep = format!("{}1{}", "f(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(parse(&deep).unwrap_err().message.contains("nested"));
        let hostile = "concat(".repeat(100_000);
        assert!(parse(&hostile).is_err());
        let hostile = format!("a(){}", "[a()".repeat(100_000));
        assert!(parse(&hostile).is_err());
        // Long accessor chains are flat, not deep.
        let chain = format!("a(){}", ".b".repeat(10_000));
        assert!(parse(&chain).is_ok());
    }

    #[test]
    fn garbage_never_panics() {
        let inputs = [
            "",
            " ",
            "(",
            ")",
            "[",
            "]",
            "'",
            "''''",
            "-",
            "--1",
            "1.5",
            "a.",
            "a.b",
            "a.b(",
            "é",
            "concat('é', ü)",
            "日本語",
            "f('\u{1F600}')",
            "\u{0}",
            "a(,)",
            "a(1,)",
            ".",
            "[]",
            "f()[",
            "f()[]",
            "f().1",
            "'x'.y",
            "f(1)(2)",
            "\u{feff}f()",
            "ns.f.g()",
        ];
        for s in inputs {
            let _ = parse(s);
        }
        // Every prefix of a valid expression, cut on char boundaries.
        let full = "concat(parameters('naïve''s')['ü'], -1, f().g[0])";
        for (i, _) in full.char_indices() {
            let _ = parse(&full[..i]);
        }
        assert!(parse("f('\u{1F600}')").is_ok());
        assert_eq!(parse("é").unwrap_err().offset, 0);
        assert_eq!(parse("f(é)").unwrap_err().offset, 2);
    }
}
