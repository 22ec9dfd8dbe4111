//! Expressions: ternary, precedence climbing for binary operators, one
//! prefix operator, postfix chains, primaries (literals, strings, objects,
//! arrays, `for`, lambdas, calls).

use super::Parser;
use crate::bicep::lexer::Tk;
use crate::bicep::syntax::*;
use crate::source::Span;

/// Binding power of a binary operator token (higher binds tighter).
fn binary_op(k: Tk) -> Option<(BinaryOp, u8)> {
    Some(match k {
        Tk::Coalesce => (BinaryOp::Coalesce, 1),
        Tk::OrOr => (BinaryOp::Or, 2),
        Tk::AndAnd => (BinaryOp::And, 3),
        Tk::Eq => (BinaryOp::Eq, 4),
        Tk::NotEq => (BinaryOp::NotEq, 4),
        Tk::EqI => (BinaryOp::EqI, 4),
        Tk::NotEqI => (BinaryOp::NotEqI, 4),
        Tk::Less => (BinaryOp::Less, 5),
        Tk::LessEq => (BinaryOp::LessEq, 5),
        Tk::Greater => (BinaryOp::Greater, 5),
        Tk::GreaterEq => (BinaryOp::GreaterEq, 5),
        Tk::Plus => (BinaryOp::Add, 6),
        Tk::Minus => (BinaryOp::Sub, 6),
        Tk::Star => (BinaryOp::Mul, 7),
        Tk::Slash => (BinaryOp::Div, 7),
        Tk::Percent => (BinaryOp::Mod, 7),
        _ => return None,
    })
}

/// An `Error` expression that consumed no token.
fn is_missing(e: &Expr) -> bool {
    e.kind == ExprKind::Error && e.span.is_empty()
}

fn boxed(e: Expr) -> Box<Expr> {
    Box::new(e)
}

impl Parser<'_> {
    /// An empty `Error` expression at the current token, after reporting.
    fn missing_expr(&mut self, message: &str) -> Expr {
        self.error_here(message);
        let s = self.start();
        Expr::new(ExprKind::Error, Span { start: s, end: s })
    }

    /// A full expression (ternary included); each call is one nesting level.
    pub(super) fn expr(&mut self) -> Expr {
        let start = self.start();
        if !self.enter() {
            return Expr::new(ExprKind::Error, self.span_from(start));
        }
        let e = self.ternary();
        self.leave();
        e
    }

    fn ternary(&mut self) -> Expr {
        let start = self.start();
        let cond = self.binary(1);
        if self.peek_past_nls() != Tk::Question {
            return cond;
        }
        // Newlines may precede `?` and `:`, not follow them.
        self.skip_nls();
        self.bump();
        let then = self.expr();
        if self.peek_past_nls() == Tk::Colon {
            self.skip_nls();
        }
        let otherwise = if self.expect(Tk::Colon, "expected ':' in the conditional expression") {
            self.expr()
        } else {
            Expr::new(
                ExprKind::Error,
                Span::new(self.prev_end as usize, self.prev_end as usize),
            )
        };
        Expr::new(
            ExprKind::Ternary {
                cond: boxed(cond),
                then: boxed(then),
                otherwise: boxed(otherwise),
            },
            self.span_from(start),
        )
    }

    /// Precedence climbing: operators binding at least `min`, left-assoc.
    fn binary(&mut self, min: u8) -> Expr {
        let start = self.start();
        let mut lhs = self.unary();
        if is_missing(&lhs) {
            // Nothing was parsed: let the caller recover at this token.
            return lhs;
        }
        let mut links = 0;
        while let Some((op, prec)) = binary_op(self.kind()) {
            if prec < min || !self.link(&mut links) {
                break;
            }
            self.bump();
            let rhs = self.binary(prec + 1);
            lhs = Expr::new(
                ExprKind::Binary {
                    op,
                    lhs: boxed(lhs),
                    rhs: boxed(rhs),
                },
                self.span_from(start),
            );
        }
        self.unlink(links);
        lhs
    }

    /// Prefix `!` / `-`; chains are folded without recursion.
    fn unary(&mut self) -> Expr {
        let mut ops = Vec::new();
        let mut links = 0;
        loop {
            let op = match self.kind() {
                Tk::Bang => UnaryOp::Not,
                Tk::Minus => UnaryOp::Neg,
                _ => break,
            };
            if !self.link(&mut links) {
                break;
            }
            ops.push((op, self.bump().span.start));
        }
        let mut e = self.postfix();
        self.unlink(links);
        while let Some((op, start)) = ops.pop() {
            e = Expr::new(
                ExprKind::Unary {
                    op,
                    operand: boxed(e),
                },
                self.span_from(start),
            );
        }
        e
    }

    /// A primary with its postfix chain (also used for decorators).
    pub(super) fn postfix(&mut self) -> Expr {
        let start = self.start();
        let mut e = self.primary();
        if is_missing(&e) {
            return e;
        }
        let mut links = 0;
        loop {
            if matches!(
                self.kind(),
                Tk::Dot | Tk::LBrack | Tk::DoubleColon | Tk::Bang
            ) && !self.link(&mut links)
            {
                break;
            }
            let kind = match self.kind() {
                Tk::Dot => {
                    self.bump();
                    let safe = self.eat(Tk::Question);
                    let Some(name) = self.member_name() else {
                        break;
                    };
                    if self.at(Tk::LParen) {
                        let args = self.args();
                        ExprKind::MethodCall {
                            target: boxed(e),
                            name,
                            args,
                        }
                    } else {
                        ExprKind::Member {
                            target: boxed(e),
                            name,
                            safe,
                        }
                    }
                }
                Tk::LBrack => {
                    self.bump();
                    let safe = self.eat(Tk::Question);
                    let from_end = self.eat(Tk::Caret);
                    self.skip_nls();
                    let index = self.expr();
                    self.skip_nls_before(Tk::RBrack);
                    self.expect(Tk::RBrack, "expected ']' after the index");
                    ExprKind::Index {
                        target: boxed(e),
                        index: boxed(index),
                        safe,
                        from_end,
                    }
                }
                Tk::DoubleColon => {
                    self.bump();
                    let Some(name) = self.ident("expected the child resource name after '::'")
                    else {
                        break;
                    };
                    ExprKind::Child {
                        target: boxed(e),
                        name,
                    }
                }
                Tk::Bang => {
                    self.bump();
                    ExprKind::NonNull(boxed(e))
                }
                _ => break,
            };
            e = Expr::new(kind, self.span_from(start));
        }
        self.unlink(links);
        e
    }

    /// A property name after `.`: any identifier, `true`/`false`/`null` too.
    fn member_name(&mut self) -> Option<Ident> {
        match self.kind() {
            Tk::Ident | Tk::True | Tk::False | Tk::Null => {
                let t = self.bump();
                Some(Ident {
                    name: self.text(t).to_string(),
                    span: t.span,
                })
            }
            _ => {
                self.error_here("expected a property name after '.'");
                None
            }
        }
    }

    fn primary(&mut self) -> Expr {
        let t = self.tok();
        let start = t.span.start;
        match t.kind {
            Tk::Int => {
                self.bump();
                match self.ints.get(t.val as usize) {
                    Some(n) => Expr::new(ExprKind::Int(*n), t.span),
                    // Out of range: the lexer reported it.
                    None => Expr::new(ExprKind::Error, t.span),
                }
            }
            Tk::True | Tk::False => {
                self.bump();
                Expr::new(ExprKind::Bool(t.kind == Tk::True), t.span)
            }
            Tk::Null => {
                self.bump();
                Expr::new(ExprKind::Null, t.span)
            }
            Tk::Str | Tk::StrLeft => self.string(),
            Tk::LBrace => self.object(),
            Tk::LBrack => self.array(),
            Tk::LParen if self.paren_lambda_ahead() => self.lambda(),
            Tk::LParen => {
                self.bump();
                self.skip_nls();
                let inner = self.expr();
                self.skip_nls_before(Tk::RParen);
                self.expect(Tk::RParen, "expected ')'");
                Expr::new(ExprKind::Paren(boxed(inner)), self.span_from(start))
            }
            Tk::Ident if self.nth(1).kind == Tk::Arrow => self.lambda(),
            Tk::Ident => {
                self.bump();
                let name = Ident {
                    name: self.text(t).to_string(),
                    span: t.span,
                };
                if self.at(Tk::LParen) {
                    let args = self.args();
                    Expr::new(ExprKind::Call { name, args }, self.span_from(start))
                } else {
                    Expr::new(ExprKind::Ident(name), t.span)
                }
            }
            Tk::StrMid | Tk::StrRight => {
                // Only reachable after a broken hole; the string owns it.
                self.missing_expr("expected an expression")
            }
            _ => {
                let found = t.kind.describe();
                self.missing_expr(&format!("expected an expression, found {found}"))
            }
        }
    }

    /// `(…)` call arguments; newlines allowed anywhere inside.
    fn args(&mut self) -> Vec<Expr> {
        self.bump();
        let mut args = Vec::new();
        self.skip_nls();
        if self.eat(Tk::RParen) {
            return args;
        }
        loop {
            args.push(self.expr());
            if matches!(self.peek_past_nls(), Tk::Comma | Tk::RParen) {
                self.skip_nls();
            }
            if self.eat(Tk::Comma) {
                self.skip_nls();
                continue;
            }
            if self.eat(Tk::RParen) {
                break;
            }
            self.error_here("expected ',' or ')' in the argument list");
            self.recover(true);
            if self.eat(Tk::Comma) {
                continue;
            }
            self.eat(Tk::RParen);
            break;
        }
        args
    }

    /// `(` [ID {, ID}] `)` `=>` ahead (newlines allowed)?
    fn paren_lambda_ahead(&self) -> bool {
        let mut i = self.pos + 1;
        let kind = |i: usize| self.toks.get(i).map_or(Tk::Eof, |t| t.kind);
        let skip = |mut i: usize| {
            while kind(i) == Tk::NewLine {
                i += 1;
            }
            i
        };
        i = skip(i);
        if kind(i) != Tk::RParen {
            loop {
                if kind(i) != Tk::Ident {
                    return false;
                }
                i = skip(i + 1);
                match kind(i) {
                    Tk::Comma => i = skip(i + 1),
                    Tk::RParen => break,
                    _ => return false,
                }
            }
        }
        kind(i + 1) == Tk::Arrow
    }

    fn lambda(&mut self) -> Expr {
        let start = self.start();
        let mut params = Vec::new();
        if self.eat(Tk::LParen) {
            // Shape checked by `paren_lambda_ahead`.
            loop {
                self.skip_nls();
                if self.eat(Tk::RParen) {
                    break;
                }
                match self.ident("expected a lambda parameter") {
                    Some(id) => params.push(id),
                    None => break,
                }
                self.skip_nls();
                self.eat(Tk::Comma);
            }
        } else if let Some(id) = self.ident("expected a lambda parameter") {
            params.push(id);
        }
        self.expect(Tk::Arrow, "expected '=>'");
        self.skip_nls();
        let body = self.expr();
        Expr::new(
            ExprKind::Lambda {
                params,
                body: boxed(body),
            },
            self.span_from(start),
        )
    }

    /// A string token run: `'…'` or `'…${e}…${e}…'`.
    pub(super) fn string(&mut self) -> Expr {
        let t = self.bump();
        let start = t.span.start;
        let mut parts = vec![self.take_string(t)];
        let mut holes = Vec::new();
        if t.kind != Tk::StrLeft {
            return Expr::new(ExprKind::String { parts, holes }, t.span);
        }
        loop {
            holes.push(self.expr());
            if !matches!(self.kind(), Tk::StrMid | Tk::StrRight) {
                self.error_here("expected '}' to close the interpolation");
                self.skip_to_piece();
            }
            let piece = self.tok();
            match piece.kind {
                Tk::StrMid | Tk::StrRight => {
                    self.bump();
                    parts.push(self.take_string(piece));
                    if piece.kind == Tk::StrRight {
                        break;
                    }
                }
                _ => {
                    parts.push(String::new());
                    break;
                }
            }
        }
        Expr::new(ExprKind::String { parts, holes }, self.span_from(start))
    }

    /// Skips a broken hole up to this string's next piece (nested strings
    /// are skipped whole).
    fn skip_to_piece(&mut self) {
        let mut nested = 0u32;
        loop {
            match self.kind() {
                Tk::Eof => return,
                Tk::StrLeft => nested += 1,
                Tk::StrMid if nested == 0 => return,
                Tk::StrRight if nested == 0 => return,
                Tk::StrRight => nested -= 1,
                _ => {}
            }
            self.bump();
        }
    }

    fn object(&mut self) -> Expr {
        let start = self.start();
        self.bump();
        let items = self.elements(
            Tk::RBrace,
            "expected ',' or a new line after the property",
            |p| Some(p.object_item()),
        );
        Expr::new(ExprKind::Object(items), self.span_from(start))
    }

    fn object_item(&mut self) -> ObjectItem {
        let start = self.start();
        if self.eat(Tk::Ellipsis) {
            return ObjectItem::Spread(self.expr());
        }
        if self.at(Tk::At) || (self.at_kw("resource") && self.nth(1).kind != Tk::Colon) {
            return ObjectItem::Resource(Box::new(self.statement(false)));
        }
        let key = match self.kind() {
            Tk::Ident | Tk::True | Tk::False | Tk::Null => {
                let t = self.bump();
                let name = self.text(t).to_string();
                Expr::new(
                    ExprKind::String {
                        parts: vec![name],
                        holes: Vec::new(),
                    },
                    t.span,
                )
            }
            Tk::Str | Tk::StrLeft => self.string(),
            _ => {
                let found = self.kind().describe();
                self.error_here(format!("expected a property name, found {found}"));
                return ObjectItem::Error(self.tok().span);
            }
        };
        if !self.expect(Tk::Colon, "expected ':' after the property name") {
            return ObjectItem::Error(self.span_from(start));
        }
        let value = self.expr();
        ObjectItem::Property { key, value }
    }

    fn array(&mut self) -> Expr {
        let start = self.start();
        self.bump();
        if self.peek_past_nls() == Tk::Ident {
            let save = self.pos;
            self.skip_nls();
            if self.at_kw("for") {
                return self.for_expr(start);
            }
            self.pos = save;
        }
        let items = self.elements(
            Tk::RBrack,
            "expected ',' or a new line after the array item",
            |p| {
                Some(if p.eat(Tk::Ellipsis) {
                    ArrayItem::Spread(p.expr())
                } else {
                    ArrayItem::Expr(p.expr())
                })
            },
        );
        Expr::new(ExprKind::Array(items), self.span_from(start))
    }

    /// `[for item in source: body]` / `[for (item, index) in …]`; `[` and
    /// any newlines are consumed, the current token is `for`.
    fn for_expr(&mut self, start: u32) -> Expr {
        self.bump();
        let (item, index) = if self.eat(Tk::LParen) {
            self.skip_nls();
            let item = self.ident("expected the loop item variable");
            self.skip_nls();
            let index = if self.eat(Tk::Comma) {
                self.skip_nls();
                self.ident("expected the loop index variable")
            } else {
                None
            };
            self.skip_nls();
            self.expect(Tk::RParen, "expected ')' after the loop variables");
            (item, index)
        } else {
            (self.ident("expected the loop item variable"), None)
        };
        let source = if self.expect_kw("in", "expected 'in' after the loop variable") {
            self.expr()
        } else {
            self.missing_expr("expected 'in' after the loop variable")
        };
        let body = if self.expect(Tk::Colon, "expected ':' after the loop source") {
            self.skip_nls();
            self.body()
        } else {
            Expr::new(
                ExprKind::Error,
                Span::new(self.prev_end as usize, self.prev_end as usize),
            )
        };
        self.skip_nls_before(Tk::RBrack);
        if !self.eat(Tk::RBrack) {
            self.error_here("expected ']' to close the loop");
            self.recover(true);
            self.skip_nls_before(Tk::RBrack);
            self.eat(Tk::RBrack);
        }
        Expr::new(
            ExprKind::For {
                item,
                index,
                source: boxed(source),
                body: boxed(body),
            },
            self.span_from(start),
        )
    }

    /// `if (cond) body`; the current token is `if`, then `(`.
    pub(super) fn if_body(&mut self) -> Expr {
        let start = self.start();
        self.bump();
        self.bump();
        let cond = self.expr();
        self.skip_nls_before(Tk::RParen);
        self.expect(Tk::RParen, "expected ')' after the condition");
        let body = if self.at(Tk::LBrace) {
            self.expr()
        } else {
            self.missing_expr("expected '{' after the condition")
        };
        Expr::new(
            ExprKind::If {
                cond: boxed(cond),
                body: boxed(body),
            },
            self.span_from(start),
        )
    }
}
