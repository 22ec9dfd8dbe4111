//! Bicep lexer: bytes → tokens. Newlines are tokens; comments and `#pragma`
//! lines are trivia. Strings are decoded here (escapes, multi-line rules) and
//! split into pieces around `${…}` holes; the tokens of a hole are lexed in
//! place, with a context stack so the `}` closing a hole resumes the string.
//! Errors are collected and lexing always reaches the end.

use crate::bicep::syntax::SyntaxError;
use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tk {
    Ident,
    /// `val` indexes [`Lexed::ints`]; `u32::MAX` when out of range (error reported).
    Int,
    True,
    False,
    Null,
    /// A whole string without holes; `val` indexes [`Lexed::strings`].
    Str,
    /// `'abc${` — the text before the first hole.
    StrLeft,
    /// `}abc${` — text between two holes.
    StrMid,
    /// `}abc'` — text after the last hole.
    StrRight,
    NewLine,
    Eof,
    At,
    LBrace,
    RBrace,
    LParen,
    RParen,
    LBrack,
    RBrack,
    Comma,
    Dot,
    Question,
    Colon,
    DoubleColon,
    Semicolon,
    Assign,
    Eq,
    NotEq,
    EqI,
    NotEqI,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Bang,
    AndAnd,
    OrOr,
    Coalesce,
    Arrow,
    Pipe,
    Ellipsis,
    Caret,
    /// A character that starts no token (error reported).
    Unknown,
}

impl Tk {
    /// How the token reads in messages.
    pub fn describe(self) -> &'static str {
        match self {
            Tk::Ident => "identifier",
            Tk::Int => "integer",
            Tk::True => "'true'",
            Tk::False => "'false'",
            Tk::Null => "'null'",
            Tk::Str | Tk::StrLeft | Tk::StrMid | Tk::StrRight => "string",
            Tk::NewLine => "new line",
            Tk::Eof => "end of file",
            Tk::At => "'@'",
            Tk::LBrace => "'{'",
            Tk::RBrace => "'}'",
            Tk::LParen => "'('",
            Tk::RParen => "')'",
            Tk::LBrack => "'['",
            Tk::RBrack => "']'",
            Tk::Comma => "','",
            Tk::Dot => "'.'",
            Tk::Question => "'?'",
            Tk::Colon => "':'",
            Tk::DoubleColon => "'::'",
            Tk::Semicolon => "';'",
            Tk::Assign => "'='",
            Tk::Eq => "'=='",
            Tk::NotEq => "'!='",
            Tk::EqI => "'=~'",
            Tk::NotEqI => "'!~'",
            Tk::Less => "'<'",
            Tk::LessEq => "'<='",
            Tk::Greater => "'>'",
            Tk::GreaterEq => "'>='",
            Tk::Plus => "'+'",
            Tk::Minus => "'-'",
            Tk::Star => "'*'",
            Tk::Slash => "'/'",
            Tk::Percent => "'%'",
            Tk::Bang => "'!'",
            Tk::AndAnd => "'&&'",
            Tk::OrOr => "'||'",
            Tk::Coalesce => "'??'",
            Tk::Arrow => "'=>'",
            Tk::Pipe => "'|'",
            Tk::Ellipsis => "'...'",
            Tk::Caret => "'^'",
            Tk::Unknown => "unknown character",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: Tk,
    pub span: Span,
    /// Index into [`Lexed::strings`] or [`Lexed::ints`], by kind.
    pub val: u32,
}

#[derive(Debug, Default)]
pub struct Lexed {
    /// Always ends with an `Eof` token.
    pub tokens: Vec<Token>,
    pub strings: Vec<String>,
    pub ints: Vec<i64>,
    pub errors: Vec<SyntaxError>,
}

/// An open string whose hole is being lexed.
struct Ctx {
    /// `None` for `'…'`; `Some(n)` for a multi-line string with `n` `$`s.
    multi: Option<usize>,
    /// `{` nesting inside the hole.
    depth: u32,
    /// Where the string started (for "unterminated string").
    start: usize,
}

pub fn lex(src: &str) -> Lexed {
    let mut lx = Lexer {
        src,
        b: src.as_bytes(),
        // A byte order mark is not part of the text.
        i: if src.starts_with('\u{feff}') { 3 } else { 0 },
        line_start: 0,
        stack: Vec::new(),
        out: Lexed::default(),
    };
    lx.tokens_hint();
    lx.run();
    lx.out
}

struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    i: usize,
    line_start: usize,
    stack: Vec<Ctx>,
    out: Lexed,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

impl Lexer<'_> {
    fn tokens_hint(&mut self) {
        // Roughly one token per 5 bytes in real templates.
        self.out.tokens.reserve(self.b.len() / 5 + 1);
    }

    fn at(&self, k: usize) -> Option<u8> {
        self.b.get(self.i + k).copied()
    }

    fn push(&mut self, kind: Tk, start: usize, end: usize, val: u32) {
        self.out.tokens.push(Token {
            kind,
            span: Span::new(start, end),
            val,
        });
    }

    fn error(&mut self, start: usize, end: usize, message: impl Into<String>) {
        self.out.errors.push(SyntaxError {
            message: message.into(),
            span: Span::new(start, end),
        });
    }

    fn slice(&self, start: usize, end: usize) -> &str {
        self.src.get(start..end).unwrap_or("")
    }

    fn add_string(&mut self, s: String) -> u32 {
        self.out.strings.push(s);
        u32::try_from(self.out.strings.len() - 1).unwrap_or(u32::MAX)
    }

    fn run(&mut self) {
        while let Some(c) = self.at(0) {
            let start = self.i;
            match c {
                b' ' | b'\t' | b'\x0b' | b'\x0c' => self.i += 1,
                b'\n' | b'\r' => self.newline(),
                b'/' if self.at(1) == Some(b'/') => self.skip_to_eol(),
                b'/' if self.at(1) == Some(b'*') => self.block_comment(),
                b'#' if self.at_line_start() => self.skip_to_eol(),
                b'\'' => {
                    if self.at(1) == Some(b'\'') && self.at(2) == Some(b'\'') {
                        self.i += 3;
                        self.multi_string(start, start, 0, false);
                    } else {
                        self.i += 1;
                        self.single_string(start, start, false);
                    }
                }
                b'$' => {
                    let n = self.b[start..].iter().take_while(|&&c| c == b'$').count();
                    let q = start + n;
                    if self.b.get(q..q + 3) == Some(b"'''") {
                        self.i = q + 3;
                        self.multi_string(start, start, n, false);
                    } else {
                        self.i += 1;
                        self.error(start, start + 1, "unexpected character '$'");
                        self.push(Tk::Unknown, start, start + 1, 0);
                    }
                }
                b'0'..=b'9' => self.int(),
                c if is_ident_start(c) => {
                    let len = self.b[start..]
                        .iter()
                        .take_while(|&&c| is_ident_char(c))
                        .count();
                    self.i += len;
                    let kind = match &self.b[start..self.i] {
                        b"true" => Tk::True,
                        b"false" => Tk::False,
                        b"null" => Tk::Null,
                        _ => Tk::Ident,
                    };
                    self.push(kind, start, self.i, 0);
                }
                b'{' => {
                    if let Some(top) = self.stack.last_mut() {
                        top.depth += 1;
                    }
                    self.punct(Tk::LBrace, 1);
                }
                b'}' => match self.stack.last_mut() {
                    Some(top) if top.depth == 0 => {
                        let ctx = self.stack.pop();
                        self.i += 1;
                        match ctx {
                            Some(Ctx {
                                multi: Some(n),
                                start: s,
                                ..
                            }) => self.multi_string(start, s, n, true),
                            Some(Ctx { start: s, .. }) => self.single_string(start, s, true),
                            None => {}
                        }
                    }
                    Some(top) => {
                        top.depth -= 1;
                        self.punct(Tk::RBrace, 1);
                    }
                    None => self.punct(Tk::RBrace, 1),
                },
                _ => self.operator(c),
            }
        }
        // Strings still open at the end of the file.
        let end = self.b.len();
        while let Some(ctx) = self.stack.pop() {
            self.error(ctx.start, end, "unterminated string");
            let v = self.add_string(String::new());
            self.push(Tk::StrRight, end, end, v);
        }
        self.push(Tk::Eof, end, end, 0);
    }

    fn punct(&mut self, kind: Tk, len: usize) {
        let start = self.i;
        self.i += len;
        self.push(kind, start, self.i, 0);
    }

    fn operator(&mut self, c: u8) {
        let next = self.at(1);
        let (kind, len) = match (c, next) {
            (b'@', _) => (Tk::At, 1),
            (b'(', _) => (Tk::LParen, 1),
            (b')', _) => (Tk::RParen, 1),
            (b'[', _) => (Tk::LBrack, 1),
            (b']', _) => (Tk::RBrack, 1),
            (b',', _) => (Tk::Comma, 1),
            (b'.', Some(b'.')) if self.at(2) == Some(b'.') => (Tk::Ellipsis, 3),
            (b'.', _) => (Tk::Dot, 1),
            (b'?', Some(b'?')) => (Tk::Coalesce, 2),
            (b'?', _) => (Tk::Question, 1),
            (b':', Some(b':')) => (Tk::DoubleColon, 2),
            (b':', _) => (Tk::Colon, 1),
            (b';', _) => (Tk::Semicolon, 1),
            (b'=', Some(b'=')) => (Tk::Eq, 2),
            (b'=', Some(b'~')) => (Tk::EqI, 2),
            (b'=', Some(b'>')) => (Tk::Arrow, 2),
            (b'=', _) => (Tk::Assign, 1),
            (b'!', Some(b'=')) => (Tk::NotEq, 2),
            (b'!', Some(b'~')) => (Tk::NotEqI, 2),
            (b'!', _) => (Tk::Bang, 1),
            (b'<', Some(b'=')) => (Tk::LessEq, 2),
            (b'<', _) => (Tk::Less, 1),
            (b'>', Some(b'=')) => (Tk::GreaterEq, 2),
            (b'>', _) => (Tk::Greater, 1),
            (b'+', _) => (Tk::Plus, 1),
            (b'-', _) => (Tk::Minus, 1),
            (b'*', _) => (Tk::Star, 1),
            (b'/', _) => (Tk::Slash, 1),
            (b'%', _) => (Tk::Percent, 1),
            (b'&', Some(b'&')) => (Tk::AndAnd, 2),
            (b'|', Some(b'|')) => (Tk::OrOr, 2),
            (b'|', _) => (Tk::Pipe, 1),
            (b'^', _) => (Tk::Caret, 1),
            _ => {
                let start = self.i;
                let ch = self.src.get(start..).and_then(|s| s.chars().next());
                let len = ch.map_or(1, char::len_utf8);
                let shown = ch.map_or_else(String::new, |c| c.escape_debug().to_string());
                self.i += len;
                self.error(
                    start,
                    start + len,
                    format!("unexpected character '{shown}'"),
                );
                self.push(Tk::Unknown, start, start + len, 0);
                return;
            }
        };
        self.punct(kind, len);
    }

    fn newline(&mut self) {
        let start = self.i;
        let len = if self.at(0) == Some(b'\r') && self.at(1) == Some(b'\n') {
            2
        } else {
            1
        };
        // A single-line string cannot continue past the end of its line.
        while let Some(ctx) = self.stack.last() {
            if ctx.multi.is_some() {
                break;
            }
            let s = ctx.start;
            self.stack.pop();
            self.error(s, start, "unterminated string");
            let v = self.add_string(String::new());
            self.push(Tk::StrRight, start, start, v);
        }
        self.i += len;
        self.line_start = self.i;
        self.push(Tk::NewLine, start, self.i, 0);
    }

    fn at_line_start(&self) -> bool {
        self.b
            .get(self.line_start..self.i)
            .is_some_and(|pre| pre.iter().all(|c| *c == b' ' || *c == b'\t'))
    }

    fn skip_to_eol(&mut self) {
        let rest = self.b.get(self.i..).unwrap_or(&[]);
        self.i += memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
    }

    fn block_comment(&mut self) {
        let start = self.i;
        let rest = self.b.get(start + 2..).unwrap_or(&[]);
        match memchr::memmem::find(rest, b"*/") {
            Some(k) => self.i = start + 2 + k + 2,
            None => {
                self.i = self.b.len();
                self.error(start, start + 2, "unterminated multi-line comment");
            }
        }
    }

    fn int(&mut self) {
        let start = self.i;
        let len = self.b[start..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        self.i += len;
        let val = match self.slice(start, self.i).parse::<i64>() {
            Ok(n) => {
                self.out.ints.push(n);
                u32::try_from(self.out.ints.len() - 1).unwrap_or(u32::MAX)
            }
            Err(_) => {
                self.error(
                    start,
                    self.i,
                    "integer literal is too large (it must fit in a 64-bit signed integer)",
                );
                u32::MAX
            }
        };
        self.push(Tk::Int, start, self.i, val);
    }

    /// Lexes `'…'` text from `self.i` (just after `'` or the `}` of a hole)
    /// up to the closing quote or the next hole.
    fn single_string(&mut self, tok_start: usize, str_start: usize, cont: bool) {
        let mut buf = String::new();
        let mut seg = self.i;
        loop {
            match self.at(0) {
                None | Some(b'\n') | Some(b'\r') => {
                    buf.push_str(self.slice(seg, self.i));
                    self.error(str_start, self.i, "unterminated string");
                    let kind = if cont { Tk::StrRight } else { Tk::Str };
                    let v = self.add_string(buf);
                    self.push(kind, tok_start, self.i, v);
                    return;
                }
                Some(b'\'') => {
                    buf.push_str(self.slice(seg, self.i));
                    self.i += 1;
                    let kind = if cont { Tk::StrRight } else { Tk::Str };
                    let v = self.add_string(buf);
                    self.push(kind, tok_start, self.i, v);
                    return;
                }
                Some(b'$') if self.at(1) == Some(b'{') => {
                    buf.push_str(self.slice(seg, self.i));
                    self.i += 2;
                    let kind = if cont { Tk::StrMid } else { Tk::StrLeft };
                    let v = self.add_string(buf);
                    self.push(kind, tok_start, self.i, v);
                    self.stack.push(Ctx {
                        multi: None,
                        depth: 0,
                        start: str_start,
                    });
                    return;
                }
                Some(b'\\') => {
                    buf.push_str(self.slice(seg, self.i));
                    self.escape(&mut buf);
                    seg = self.i;
                }
                Some(_) => self.i += 1,
            }
        }
    }

    /// Decodes the escape at `self.i` (a backslash) into `buf`.
    fn escape(&mut self, buf: &mut String) {
        let start = self.i;
        let simple = match self.at(1) {
            Some(b'\\') => Some('\\'),
            Some(b'\'') => Some('\''),
            Some(b'n') => Some('\n'),
            Some(b'r') => Some('\r'),
            Some(b't') => Some('\t'),
            Some(b'$') => Some('$'),
            // Let the string loop report the unterminated string.
            None | Some(b'\n') | Some(b'\r') => {
                self.i += 1;
                return;
            }
            _ => None,
        };
        if let Some(c) = simple {
            buf.push(c);
            self.i += 2;
            return;
        }
        if self.at(1) == Some(b'u') && self.at(2) == Some(b'{') {
            let digits = self
                .b
                .get(start + 3..)
                .unwrap_or(&[])
                .iter()
                .take_while(|c| c.is_ascii_hexdigit())
                .count();
            let close = start + 3 + digits;
            if self.b.get(close) == Some(&b'}') {
                self.i = close + 1;
                let hex = self.slice(start + 3, close);
                let code = u32::from_str_radix(hex, 16).ok();
                match code {
                    Some(c) if (1..=6).contains(&digits) && (0xD800..0xE000).contains(&c) => {
                        self.surrogate(c, buf)
                    }
                    Some(c) if (1..=6).contains(&digits) && c <= 0x10FFFF => {
                        buf.push(char::from_u32(c).unwrap_or('\u{fffd}'))
                    }
                    _ => self.error(
                        start,
                        self.i,
                        "invalid unicode escape (expected 1 to 6 hex digits naming a code point up to 10FFFF)",
                    ),
                }
                return;
            }
            self.i = close;
            self.error(start, close, "unterminated unicode escape: expected '}'");
            return;
        }
        let ch = self.src.get(start + 1..).and_then(|s| s.chars().next());
        let len = ch.map_or(1, char::len_utf8);
        self.i = start + 1 + len;
        let shown = ch.map_or_else(String::new, |c| c.escape_debug().to_string());
        self.error(
            start,
            self.i,
            format!("unknown escape sequence '\\{shown}'"),
        );
    }

    /// `\u{D801}\u{DC37}`: a UTF-16 pair is one character (the string is
    /// .NET's UTF-16 in the compiler); a lone surrogate becomes U+FFFD.
    fn surrogate(&mut self, high: u32, buf: &mut String) {
        let rest = self.b.get(self.i..).unwrap_or(&[]);
        if (0xD800..0xDC00).contains(&high) && rest.starts_with(b"\\u{") {
            let digits = rest[3..]
                .iter()
                .take_while(|c| c.is_ascii_hexdigit())
                .count();
            if (1..=6).contains(&digits) && rest.get(3 + digits) == Some(&b'}') {
                let low = self.slice(self.i + 3, self.i + 3 + digits).to_string();
                if let Ok(low) = u32::from_str_radix(&low, 16)
                    && (0xDC00..0xE000).contains(&low)
                {
                    self.i += 4 + digits;
                    let c = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                    buf.push(char::from_u32(c).unwrap_or('\u{fffd}'));
                    return;
                }
            }
        }
        buf.push('\u{fffd}');
    }

    /// Lexes multi-line string text from `self.i` (after the opening quotes
    /// or a hole's `}`): no escapes; holes only with `dollars` `$`s.
    fn multi_string(&mut self, tok_start: usize, str_start: usize, dollars: usize, cont: bool) {
        if !cont {
            if self.at(0) == Some(b'\n') {
                self.i += 1;
            } else if self.at(0) == Some(b'\r') && self.at(1) == Some(b'\n') {
                self.i += 2;
            }
        }
        let mut buf = String::new();
        let seg = self.i;
        loop {
            match self.at(0) {
                None => {
                    buf.push_str(self.slice(seg, self.i));
                    self.error(str_start, self.i, "unterminated multi-line string");
                    let kind = if cont { Tk::StrRight } else { Tk::Str };
                    let v = self.add_string(buf);
                    self.push(kind, tok_start, self.i, v);
                    return;
                }
                Some(b'\'') => {
                    let run = self.b[self.i..].iter().take_while(|&&c| c == b'\'').count();
                    if run >= 3 {
                        // The last three quotes of the run close the string.
                        buf.push_str(self.slice(seg, self.i + run - 3));
                        self.i += run;
                        let kind = if cont { Tk::StrRight } else { Tk::Str };
                        let v = self.add_string(buf);
                        self.push(kind, tok_start, self.i, v);
                        return;
                    }
                    self.i += run;
                }
                Some(b'$') if dollars > 0 => {
                    let run = self.b[self.i..].iter().take_while(|&&c| c == b'$').count();
                    if run >= dollars && self.b.get(self.i + run) == Some(&b'{') {
                        // Extra leading `$`s are literal text.
                        buf.push_str(self.slice(seg, self.i + run - dollars));
                        self.i += run + 1;
                        let kind = if cont { Tk::StrMid } else { Tk::StrLeft };
                        let v = self.add_string(buf);
                        self.push(kind, tok_start, self.i, v);
                        self.stack.push(Ctx {
                            multi: Some(dollars),
                            depth: 0,
                            start: str_start,
                        });
                        return;
                    }
                    self.i += run;
                }
                Some(_) => self.i += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tk> {
        lex(src).tokens.iter().map(|t| t.kind).collect()
    }

    fn strings(src: &str) -> Vec<String> {
        lex(src).strings
    }

    #[test]
    fn punctuation_and_operators() {
        use Tk::*;
        assert_eq!(
            kinds("@{}()[],.?:;= == != =~ !~ < <= > >= + - * / % ! && || ?? :: => | ... ^"),
            vec![
                At,
                LBrace,
                RBrace,
                LParen,
                RParen,
                LBrack,
                RBrack,
                Comma,
                Dot,
                Question,
                Colon,
                Semicolon,
                Assign,
                Eq,
                NotEq,
                EqI,
                NotEqI,
                Less,
                LessEq,
                Greater,
                GreaterEq,
                Plus,
                Minus,
                Star,
                Slash,
                Percent,
                Bang,
                AndAnd,
                OrOr,
                Coalesce,
                DoubleColon,
                Arrow,
                Pipe,
                Ellipsis,
                Caret,
                Eof
            ]
        );
    }

    #[test]
    fn newlines_are_tokens_and_comments_trivia() {
        use Tk::*;
        let src = "a // c\r\nb /* x\n y */ c\r#disable-next-line foo\n  #restore-diagnostics x\nd";
        assert_eq!(
            kinds(src),
            vec![
                Ident, NewLine, Ident, Ident, NewLine, NewLine, NewLine, Ident, Eof
            ]
        );
        let l = lex("a\r\nb");
        assert_eq!(l.tokens[1].span, Span::new(1, 3));
    }

    #[test]
    fn keywords_and_identifiers() {
        use Tk::*;
        assert_eq!(
            kinds("true false null param _x1"),
            vec![True, False, Null, Ident, Ident, Eof]
        );
    }

    #[test]
    fn integers_must_fit_i64() {
        let l = lex("9223372036854775807 9223372036854775808");
        assert_eq!(l.ints, vec![i64::MAX]);
        assert_eq!(l.errors.len(), 1);
        assert_eq!(l.errors[0].span, Span::new(20, 39));
        assert_eq!(l.tokens[1].val, u32::MAX);
    }

    #[test]
    fn escapes() {
        assert_eq!(
            strings(r"'a\\b\'c\n\r\t\$\u{41}\u{1F600}'"),
            vec!["a\\b'c\n\r\t$A\u{1F600}"]
        );
        let l = lex(r"'x\qy'");
        assert_eq!(l.errors.len(), 1);
        assert_eq!(l.errors[0].message, "unknown escape sequence '\\q'");
        assert_eq!(l.errors[0].span, Span::new(2, 4));
        let l = lex(r"'\u{110000}' '\u{}'");
        assert_eq!(l.errors.len(), 2);
        assert_eq!(l.errors[0].span, Span::new(1, 11));
    }

    #[test]
    fn interpolation_pieces() {
        use Tk::*;
        let l = lex("'a${x}b${ {}['k'] }c'");
        let k: Vec<Tk> = l.tokens.iter().map(|t| t.kind).collect();
        assert_eq!(
            k,
            vec![
                StrLeft, Ident, StrMid, LBrace, RBrace, LBrack, Str, RBrack, StrRight, Eof
            ]
        );
        assert_eq!(l.strings, vec!["a", "b", "k", "c"]);
        // Nested interpolated strings inside a hole.
        assert_eq!(
            kinds("'${'${x}'}'"),
            vec![StrLeft, StrLeft, Ident, StrRight, StrRight, Eof]
        );
        // `\${` and a lone `$` are literal.
        assert_eq!(strings(r"'\${x} $ $a'"), vec!["${x} $ $a"]);
    }

    #[test]
    fn unterminated_strings() {
        let l = lex("'abc\nx");
        assert_eq!(l.errors.len(), 1);
        assert_eq!(l.errors[0].message, "unterminated string");
        assert_eq!(l.errors[0].span, Span::new(0, 4));
        assert_eq!(l.tokens[0].kind, Tk::Str);
        assert_eq!(l.tokens[1].kind, Tk::NewLine);
        // A hole left open at the end of the line closes the string there.
        let l = lex("'a${x\ny");
        let k: Vec<Tk> = l.tokens.iter().map(|t| t.kind).collect();
        assert_eq!(
            k,
            vec![
                Tk::StrLeft,
                Tk::Ident,
                Tk::StrRight,
                Tk::NewLine,
                Tk::Ident,
                Tk::Eof
            ]
        );
        assert_eq!(l.errors[0].span, Span::new(0, 5));
        let l = lex("/* abc");
        assert_eq!(l.errors[0].message, "unterminated multi-line comment");
    }

    #[test]
    fn multi_line_strings() {
        assert_eq!(strings("'''\nabc\n'''"), vec!["abc\n"]);
        assert_eq!(strings("'''\r\nabc'''"), vec!["abc"]);
        assert_eq!(strings("''''abc''''"), vec!["'abc'"]);
        assert_eq!(strings(r"'''a\n${x}'''"), vec![r"a\n${x}"]);
        assert_eq!(strings("'''a''b'''"), vec!["a''b"]);
        let l = lex("'''abc");
        assert_eq!(l.errors[0].message, "unterminated multi-line string");
    }

    #[test]
    fn interpolating_multi_line_strings() {
        use Tk::*;
        let l = lex("$'''\na${x}b\n'''");
        let k: Vec<Tk> = l.tokens.iter().map(|t| t.kind).collect();
        assert_eq!(k, vec![StrLeft, Ident, StrRight, Eof]);
        assert_eq!(l.strings, vec!["a", "b\n"]);
        let l = lex("$$'''${lit} $${x} $$${y}'''");
        let k: Vec<Tk> = l.tokens.iter().map(|t| t.kind).collect();
        assert_eq!(k, vec![StrLeft, Ident, StrMid, Ident, StrRight, Eof]);
        assert_eq!(l.strings, vec!["${lit} ", " $", ""]);
        assert_eq!(kinds("$'''plain'''"), vec![Str, Eof]);
    }

    #[test]
    fn stray_characters_are_errors() {
        let l = lex("a ¤ $ & #x");
        assert_eq!(l.errors.len(), 4);
        assert_eq!(l.errors[0].span, Span::new(2, 4));
        assert_eq!(l.errors[0].message, "unexpected character '¤'");
    }
}
