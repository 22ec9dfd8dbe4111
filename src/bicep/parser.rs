//! Error-tolerant Bicep parser: tokens from [`crate::bicep::lexer`] → the
//! [`crate::bicep::syntax`] tree. This file holds the parser state, the
//! recovery helpers and the statements; expressions are in `parser/expr.rs`
//! and types in `parser/types.rs`.
//!
//! Recovery follows the Bicep compiler: a broken declaration is skipped to
//! the next newline (brackets balanced), a broken element of an object or
//! array to the next separator or closing bracket. Every loop consumes a
//! token or stops, and nesting is capped at `MAX_DEPTH`.

mod expr;
mod types;

#[cfg(test)]
mod tests;

use crate::bicep::lexer::{self, Tk, Token};
use crate::bicep::syntax::*;
use crate::source::Span;

/// Deepest bracket / expression nesting accepted before "nesting too deep".
const MAX_DEPTH: u32 = 200;

/// Parses a whole file; never fails, errors are in [`Program::errors`].
pub fn parse(text: &str) -> Program {
    let lexed = lexer::lex(text);
    let eof = lexed.tokens.last().copied().unwrap_or(Token {
        kind: Tk::Eof,
        span: Span::new(text.len(), text.len()),
        val: 0,
    });
    let mut p = Parser {
        src: text,
        toks: lexed.tokens,
        strings: lexed.strings,
        ints: lexed.ints,
        pos: 0,
        prev_end: 0,
        errors: lexed.errors,
        depth: 0,
        eof,
    };
    let statements = p.program();
    let mut errors = p.errors;
    // Lexer errors come first, so they win over a parser error at the same spot.
    errors.sort_by_key(|e| e.span.start);
    errors.dedup_by_key(|e| e.span.start);
    Program { statements, errors }
}

/// Statement keywords, for the "unknown declaration" message.
const DECLARATION_KEYWORDS: &str = "'param', 'var', 'resource', 'module', 'output', 'type', 'func', \
     'import', 'extension', 'metadata', 'targetScope', 'using', 'extends', 'extensionConfig', \
     'assert' or 'test'";

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    strings: Vec<String>,
    ints: Vec<i64>,
    pos: usize,
    /// End of the last consumed token (spans end here).
    prev_end: u32,
    errors: Vec<SyntaxError>,
    depth: u32,
    eof: Token,
}

/// A declaration whose header could not be parsed (error already recorded).
struct Broken;

type PResult<T> = Result<T, Broken>;

impl<'a> Parser<'a> {
    // ---- token access -------------------------------------------------

    fn tok(&self) -> Token {
        self.nth(0)
    }

    fn nth(&self, n: usize) -> Token {
        self.toks.get(self.pos + n).copied().unwrap_or(self.eof)
    }

    fn kind(&self) -> Tk {
        self.tok().kind
    }

    fn at(&self, k: Tk) -> bool {
        self.kind() == k
    }

    fn text(&self, t: Token) -> &'a str {
        self.src
            .get(t.span.start as usize..t.span.end as usize)
            .unwrap_or("")
    }

    fn at_kw(&self, kw: &str) -> bool {
        let t = self.tok();
        t.kind == Tk::Ident && self.text(t) == kw
    }

    fn bump(&mut self) -> Token {
        let t = self.tok();
        if t.kind != Tk::Eof {
            self.pos += 1;
            self.prev_end = t.span.end;
        }
        t
    }

    fn eat(&mut self, k: Tk) -> bool {
        if self.at(k) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn skip_nls(&mut self) {
        while self.at(Tk::NewLine) {
            self.bump();
        }
    }

    /// Skips newlines only when `k` follows them (a closing bracket or
    /// separator on its own line), so a missing one is reported where the
    /// line ends rather than on the next line.
    fn skip_nls_before(&mut self, k: Tk) {
        if self.peek_past_nls() == k {
            self.skip_nls();
        }
    }

    /// The first token that is not a newline, from the current one on.
    fn peek_past_nls(&self) -> Tk {
        let mut i = self.pos;
        while let Some(t) = self.toks.get(i) {
            if t.kind != Tk::NewLine {
                return t.kind;
            }
            i += 1;
        }
        Tk::Eof
    }

    fn start(&self) -> u32 {
        self.tok().span.start
    }

    fn span_from(&self, start: u32) -> Span {
        Span {
            start,
            end: self.prev_end.max(start),
        }
    }

    fn take_string(&mut self, t: Token) -> String {
        self.strings
            .get_mut(t.val as usize)
            .map(std::mem::take)
            .unwrap_or_default()
    }

    // ---- errors and recovery -----------------------------------------

    fn error_at(&mut self, span: Span, message: impl Into<String>) {
        if self
            .errors
            .last()
            .is_some_and(|e| e.span.start == span.start)
        {
            return;
        }
        self.errors.push(SyntaxError {
            message: message.into(),
            span,
        });
    }

    /// Reports at the current token; a missing token at the end of a line
    /// (or file) gets an empty span where it was expected.
    fn error_here(&mut self, message: impl Into<String>) {
        let t = self.tok();
        let span = match t.kind {
            Tk::NewLine | Tk::Eof => Span {
                start: t.span.start,
                end: t.span.start,
            },
            _ => t.span,
        };
        self.error_at(span, message);
    }

    fn expect(&mut self, k: Tk, message: &str) -> bool {
        if self.eat(k) {
            true
        } else {
            self.error_here(message);
            false
        }
    }

    fn expect_kw(&mut self, kw: &str, message: &str) -> bool {
        if self.at_kw(kw) {
            self.bump();
            true
        } else {
            self.error_here(message);
            false
        }
    }

    /// Skips to the next newline, or (when `in_brackets`) to a closing
    /// bracket or comma of the enclosing construct, keeping brackets balanced.
    /// At statement level stray closing brackets are skipped too.
    fn recover(&mut self, in_brackets: bool) {
        let mut depth = 0u32;
        loop {
            match self.kind() {
                Tk::Eof => return,
                Tk::NewLine if depth == 0 => return,
                Tk::LBrace | Tk::LParen | Tk::LBrack => depth += 1,
                Tk::RBrace | Tk::RParen | Tk::RBrack => {
                    if depth == 0 {
                        if in_brackets {
                            return;
                        }
                    } else {
                        depth -= 1;
                    }
                }
                Tk::Comma if depth == 0 && in_brackets => return,
                _ => {}
            }
            self.bump();
        }
    }

    /// Enters one nesting level; past [`MAX_DEPTH`] reports and skips the
    /// construct and returns false.
    fn enter(&mut self) -> bool {
        if self.depth >= MAX_DEPTH {
            self.error_here("nesting too deep");
            self.recover(true);
            return false;
        }
        self.depth += 1;
        true
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// One more link of an operator or postfix chain: chains deepen the tree
    /// (and its recursive drop) like brackets do, so they share the budget.
    /// The caller gives the links back with [`Parser::unlink`].
    fn link(&mut self, links: &mut u32) -> bool {
        if self.enter() {
            *links += 1;
            true
        } else {
            false
        }
    }

    fn unlink(&mut self, links: u32) {
        self.depth = self.depth.saturating_sub(links);
    }

    // ---- shared pieces -----------------------------------------------

    fn ident(&mut self, message: &str) -> Option<Ident> {
        if self.at(Tk::Ident) {
            let t = self.bump();
            Some(Ident {
                name: self.text(t).to_string(),
                span: t.span,
            })
        } else {
            self.error_here(message);
            None
        }
    }

    /// A plain string (module path, resource type). An interpolated string is
    /// reported and its text parts are joined.
    fn str_lit(&mut self, message: &str) -> Option<StrLit> {
        match self.kind() {
            Tk::Str => {
                let t = self.bump();
                let value = self.take_string(t);
                Some(StrLit {
                    value,
                    span: t.span,
                })
            }
            Tk::StrLeft => {
                let e = self.string();
                self.error_at(e.span, "string interpolation is not allowed here");
                let value = match e.kind {
                    ExprKind::String { parts, .. } => parts.concat(),
                    _ => String::new(),
                };
                Some(StrLit {
                    value,
                    span: e.span,
                })
            }
            _ => {
                self.error_here(message);
                None
            }
        }
    }

    /// `elements(X)` of the grammar: items separated by newlines or commas up
    /// to `close` (the opening bracket is already consumed). Returns the
    /// items; the closing bracket is consumed when present.
    fn elements<T>(
        &mut self,
        close: Tk,
        separator_message: &str,
        mut item: impl FnMut(&mut Self) -> Option<T>,
    ) -> Vec<T> {
        let mut out = Vec::new();
        loop {
            self.skip_nls();
            match self.kind() {
                k if k == close => {
                    self.bump();
                    return out;
                }
                Tk::Eof | Tk::RBrace | Tk::RParen | Tk::RBrack => {
                    self.error_here(format!("expected {}", close.describe()));
                    return out;
                }
                Tk::Comma => {
                    self.error_here("unexpected ','");
                    self.bump();
                    continue;
                }
                _ => {}
            }
            let before = self.pos;
            if let Some(x) = item(self) {
                out.push(x);
            }
            match self.kind() {
                Tk::Comma => {
                    self.bump();
                }
                Tk::NewLine | Tk::Eof => {}
                k if k == close => {}
                _ => {
                    self.error_here(separator_message);
                    self.recover(true);
                    if self.pos == before && !self.at(close) {
                        self.bump();
                    }
                    self.eat(Tk::Comma);
                }
            }
        }
    }

    // ---- statements --------------------------------------------------

    fn program(&mut self) -> Vec<Statement> {
        let mut out = Vec::new();
        loop {
            self.skip_nls();
            if self.at(Tk::Eof) {
                return out;
            }
            let before = self.pos;
            out.push(self.statement(true));
            if !self.at(Tk::NewLine) && !self.at(Tk::Eof) {
                self.error_here(format!(
                    "expected a new line after the declaration, found {}",
                    self.kind().describe()
                ));
                self.recover(false);
            }
            if self.pos == before {
                self.bump();
            }
        }
    }

    /// Decorators, each ending its own line.
    fn decorators(&mut self) -> Vec<Expr> {
        let mut out = Vec::new();
        while self.at(Tk::At) {
            self.bump();
            out.push(self.postfix());
            if !self.at(Tk::NewLine) {
                self.error_here("expected a new line after the decorator");
                self.recover(true);
            }
            self.skip_nls();
        }
        out
    }

    /// One declaration with its decorators. `top`: at file level (else a
    /// nested resource inside an object).
    fn statement(&mut self, top: bool) -> Statement {
        let start = self.start();
        let decorators = self.decorators();
        let kind = match self.declaration(top) {
            Ok(k) => k,
            Err(Broken) => {
                self.recover(!top);
                StmtKind::Error
            }
        };
        Statement {
            decorators,
            kind,
            span: self.span_from(start),
        }
    }

    fn declaration(&mut self, top: bool) -> PResult<StmtKind> {
        let t = self.tok();
        if t.kind != Tk::Ident {
            let msg = if self.at(Tk::Eof) {
                "expected a declaration after the decorators".to_string()
            } else {
                format!(
                    "expected a declaration ({DECLARATION_KEYWORDS}), found {}",
                    t.kind.describe()
                )
            };
            self.error_here(msg);
            return Err(Broken);
        }
        let kw = self.text(t);
        if !top && kw != "resource" {
            self.error_here("expected a nested 'resource' declaration after the decorators");
            return Err(Broken);
        }
        match kw {
            "targetScope" => {
                self.bump();
                self.expect_assign()?;
                Ok(StmtKind::TargetScope(self.expr()))
            }
            "metadata" => {
                self.bump();
                let name = self.name("expected the metadata name")?;
                self.expect_assign()?;
                Ok(StmtKind::Metadata {
                    name,
                    value: self.expr(),
                })
            }
            "param" => self.param(),
            "var" => self.var(),
            "type" => {
                self.bump();
                let name = self.name("expected the type name")?;
                self.expect_assign()?;
                Ok(StmtKind::Type {
                    name,
                    ty: self.ty(),
                })
            }
            "func" => self.func(),
            "resource" => self.resource(),
            "module" => {
                self.bump();
                let name = self.name("expected the module's symbolic name")?;
                let path = self
                    .str_lit("expected the module path string")
                    .ok_or(Broken)?;
                self.expect_assign()?;
                Ok(StmtKind::Module {
                    name,
                    path,
                    body: self.body(),
                })
            }
            "output" => self.output(),
            "import" => self.import(),
            "extension" | "provider" => self.extension(),
            "using" => {
                self.bump();
                let path = if self.at_kw("none") {
                    self.bump();
                    None
                } else {
                    Some(
                        self.str_lit("expected the template path string or 'none'")
                            .ok_or(Broken)?,
                    )
                };
                let config = self.with_clause();
                Ok(StmtKind::Using { path, config })
            }
            "extends" => {
                self.bump();
                let path = self
                    .str_lit("expected the base parameters file path")
                    .ok_or(Broken)?;
                Ok(StmtKind::Extends(path))
            }
            "extensionConfig" => {
                self.bump();
                let name = self.name("expected the extension alias")?;
                if !self.expect_kw("with", "expected 'with' and the configuration object") {
                    return Err(Broken);
                }
                Ok(StmtKind::ExtensionConfig {
                    name,
                    config: self.expr(),
                })
            }
            "assert" => {
                self.bump();
                let name = self.name("expected the assertion name")?;
                self.expect_assign()?;
                Ok(StmtKind::Assert {
                    name,
                    value: self.expr(),
                })
            }
            "test" => {
                self.bump();
                let name = self.name("expected the test name")?;
                let path = self.str_lit("expected the test file path").ok_or(Broken)?;
                self.expect_assign()?;
                Ok(StmtKind::Test {
                    name,
                    path,
                    body: self.body(),
                })
            }
            _ => {
                self.error_here(format!(
                    "unknown declaration '{kw}': expected {DECLARATION_KEYWORDS}"
                ));
                Err(Broken)
            }
        }
    }

    fn name(&mut self, message: &str) -> PResult<Ident> {
        self.ident(message).ok_or(Broken)
    }

    fn expect_assign(&mut self) -> PResult<()> {
        if self.expect(Tk::Assign, "expected '='") {
            Ok(())
        } else {
            Err(Broken)
        }
    }

    /// `param name type (= default)?`, or the `.bicepparam` `param name = value`.
    fn param(&mut self) -> PResult<StmtKind> {
        self.bump();
        let name = self.name("expected the parameter name")?;
        if self.eat(Tk::Assign) {
            return Ok(StmtKind::Param {
                name,
                ty: None,
                default: Some(self.expr()),
            });
        }
        if self.at(Tk::NewLine) || self.at(Tk::Eof) {
            self.error_here("expected the parameter type");
            return Err(Broken);
        }
        let ty = self.ty();
        let default = if self.eat(Tk::Assign) {
            Some(self.expr())
        } else {
            None
        };
        Ok(StmtKind::Param {
            name,
            ty: Some(ty),
            default,
        })
    }

    fn var(&mut self) -> PResult<StmtKind> {
        self.bump();
        let name = self.name("expected the variable name")?;
        let ty = if self.at(Tk::Assign) {
            None
        } else {
            if self.at(Tk::NewLine) || self.at(Tk::Eof) {
                self.error_here("expected '='");
                return Err(Broken);
            }
            Some(self.ty())
        };
        self.expect_assign()?;
        Ok(StmtKind::Var {
            name,
            ty,
            value: self.expr(),
        })
    }

    /// `func name(a T, …) R => body`
    fn func(&mut self) -> PResult<StmtKind> {
        self.bump();
        let name = self.name("expected the function name")?;
        if !self.expect(Tk::LParen, "expected '(' to start the parameter list") {
            return Err(Broken);
        }
        let mut params = Vec::new();
        loop {
            self.skip_nls();
            if self.eat(Tk::RParen) {
                break;
            }
            let pname = self.name("expected a parameter name")?;
            let ty = self.ty();
            params.push((pname, ty));
            self.skip_nls();
            if self.eat(Tk::Comma) {
                continue;
            }
            if self.eat(Tk::RParen) {
                break;
            }
            self.error_here("expected ',' or ')'");
            return Err(Broken);
        }
        let ret = if self.at(Tk::Arrow) {
            None
        } else {
            Some(self.ty())
        };
        if !self.expect(Tk::Arrow, "expected '=>' before the function body") {
            return Err(Broken);
        }
        self.skip_nls();
        Ok(StmtKind::Func {
            name,
            params,
            ret,
            body: self.expr(),
        })
    }

    fn resource(&mut self) -> PResult<StmtKind> {
        self.bump();
        let name = self.name("expected the resource's symbolic name")?;
        let type_string = self
            .str_lit("expected the resource type string ('Namespace/type@version')")
            .ok_or(Broken)?;
        let existing = self.at_kw("existing");
        if existing {
            self.bump();
        }
        self.expect_assign()?;
        Ok(StmtKind::Resource(ResourceDecl {
            name,
            type_string,
            existing,
            body: self.body(),
        }))
    }

    fn output(&mut self) -> PResult<StmtKind> {
        self.bump();
        let name = self.name("expected the output name")?;
        let ty = if self.at_kw("resource") && matches!(self.nth(1).kind, Tk::Str | Tk::Assign) {
            self.bump();
            let lit = if self.at(Tk::Str) {
                self.str_lit("expected the resource type string")
            } else {
                None
            };
            OutputType::Resource(lit)
        } else {
            if self.at(Tk::Assign) || self.at(Tk::NewLine) || self.at(Tk::Eof) {
                self.error_here("expected the output type");
                return Err(Broken);
            }
            OutputType::Type(self.ty())
        };
        self.expect_assign()?;
        Ok(StmtKind::Output {
            name,
            ty,
            value: self.expr(),
        })
    }

    /// `with {…}` (an expression, normally an object).
    fn with_clause(&mut self) -> Option<Expr> {
        if self.at_kw("with") {
            self.bump();
            Some(self.expr())
        } else {
            None
        }
    }

    fn as_clause(&mut self) -> PResult<Option<Ident>> {
        if self.at_kw("as") {
            self.bump();
            Ok(Some(self.name("expected the alias name after 'as'")?))
        } else {
            Ok(None)
        }
    }

    fn import(&mut self) -> PResult<StmtKind> {
        self.bump();
        let (kind, alias) = match self.kind() {
            Tk::LBrace => {
                self.bump();
                let names = self.elements(Tk::RBrace, "expected ',' or a new line", |p| {
                    let name = match p.kind() {
                        Tk::Str => {
                            let t = p.tok();
                            let lit = p.str_lit("")?;
                            Ident {
                                name: lit.value,
                                span: t.span,
                            }
                        }
                        _ => p.ident("expected the name of an imported symbol")?,
                    };
                    let alias = if p.at_kw("as") {
                        p.bump();
                        p.ident("expected the alias name after 'as'")
                    } else {
                        None
                    };
                    Some((name, alias))
                });
                (ImportKind::Names(names), None)
            }
            Tk::Star => {
                self.bump();
                if !self.expect_kw("as", "expected 'as' after 'import *'") {
                    return Err(Broken);
                }
                let alias = self.name("expected the namespace name")?;
                (ImportKind::Wildcard, Some(alias))
            }
            Tk::Str | Tk::StrLeft => {
                let from = self.str_lit("");
                let config = self.with_clause();
                let alias = self.as_clause()?;
                return Ok(StmtKind::Import(Import {
                    kind: ImportKind::Extension,
                    from,
                    config,
                    alias,
                }));
            }
            _ => {
                self.error_here("expected '{', '*' or a string after 'import'");
                return Err(Broken);
            }
        };
        if !self.expect_kw("from", "expected 'from' and the path of the imported file") {
            return Err(Broken);
        }
        let from = Some(self.str_lit("expected the path string").ok_or(Broken)?);
        Ok(StmtKind::Import(Import {
            kind,
            from,
            config: None,
            alias,
        }))
    }

    fn extension(&mut self) -> PResult<StmtKind> {
        self.bump();
        let (name, name_span) = match self.kind() {
            Tk::Ident => {
                let t = self.bump();
                (self.text(t).to_string(), t.span)
            }
            Tk::Str | Tk::StrLeft => {
                let lit = self.str_lit("").ok_or(Broken)?;
                (lit.value, lit.span)
            }
            _ => {
                self.error_here("expected the extension name");
                return Err(Broken);
            }
        };
        let config = self.with_clause();
        let alias = self.as_clause()?;
        Ok(StmtKind::Extension {
            name,
            name_span,
            config,
            alias,
        })
    }

    /// Resource / module / test body: an object, `if (cond) {…}` or a `for`.
    /// The body may start on the next line (`= NL if (…) {…}`).
    fn body(&mut self) -> Expr {
        let save = self.pos;
        self.skip_nls();
        if self.at_kw("if") && self.nth(1).kind == Tk::LParen {
            return self.if_body();
        }
        self.pos = save;
        self.expr()
    }
}
