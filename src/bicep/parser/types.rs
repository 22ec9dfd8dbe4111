//! Type expressions: unions (leading `|` and `|` continuation lines), postfix
//! `?` / `!` / `[]`, access (`T.p`, `T[0]`, `T[*]`, `T.*`), object and tuple
//! types, literal types, generics (`resourceInput<'T@v'>`).

use super::Parser;
use crate::bicep::lexer::Tk;
use crate::bicep::syntax::*;

fn boxed(t: TypeExpr) -> Box<TypeExpr> {
    Box::new(t)
}

impl Parser<'_> {
    /// A full type; each call is one nesting level.
    pub(super) fn ty(&mut self) -> TypeExpr {
        let start = self.start();
        if !self.enter() {
            return TypeExpr {
                kind: TypeKind::Error,
                span: self.span_from(start),
            };
        }
        let t = self.union_type();
        self.leave();
        t
    }

    fn union_type(&mut self) -> TypeExpr {
        let leading = self.peek_past_nls() == Tk::Pipe;
        if leading {
            self.skip_nls();
            self.bump();
            self.skip_nls();
        }
        let start = self.start();
        let first = self.unary_type();
        let mut members = vec![first];
        while self.peek_past_nls() == Tk::Pipe {
            self.skip_nls();
            self.bump();
            self.skip_nls();
            members.push(self.unary_type());
        }
        if members.len() == 1 && !leading {
            return members.pop().unwrap_or(TypeExpr {
                kind: TypeKind::Error,
                span: self.span_from(start),
            });
        }
        TypeExpr {
            kind: TypeKind::Union(members),
            span: self.span_from(start),
        }
    }

    fn unary_type(&mut self) -> TypeExpr {
        let start = self.start();
        if self.at(Tk::Minus) || self.at(Tk::Bang) {
            // `-1`, `!true`: literal types.
            let op = if self.bump().kind == Tk::Minus {
                UnaryOp::Neg
            } else {
                UnaryOp::Not
            };
            let inner = self.member_type();
            let kind = match inner.kind {
                TypeKind::Literal(e) => TypeKind::Literal(Expr::new(
                    ExprKind::Unary {
                        op,
                        operand: Box::new(e),
                    },
                    self.span_from(start),
                )),
                _ => {
                    self.error_at(
                        inner.span,
                        "expected a literal after the prefix operator in a type",
                    );
                    TypeKind::Error
                }
            };
            return TypeExpr {
                kind,
                span: self.span_from(start),
            };
        }
        let mut t = self.member_type();
        let mut links = 0;
        loop {
            if !matches!(self.kind(), Tk::Question | Tk::Bang) || !self.link(&mut links) {
                self.unlink(links);
                return t;
            }
            let kind = match self.kind() {
                Tk::Question => TypeKind::Nullable(boxed(t)),
                _ => TypeKind::NonNull(boxed(t)),
            };
            self.bump();
            t = TypeExpr {
                kind,
                span: self.span_from(start),
            };
        }
    }

    fn member_type(&mut self) -> TypeExpr {
        let start = self.start();
        let mut t = self.primary_type();
        let mut links = 0;
        loop {
            if !matches!(self.kind(), Tk::LBrack | Tk::Dot) || !self.link(&mut links) {
                self.unlink(links);
                return t;
            }
            let kind = match self.kind() {
                Tk::LBrack if self.nth(1).kind == Tk::RBrack => {
                    self.bump();
                    self.bump();
                    TypeKind::Array(boxed(t))
                }
                Tk::LBrack if self.nth(1).kind == Tk::Star && self.nth(2).kind == Tk::RBrack => {
                    self.bump();
                    self.bump();
                    self.bump();
                    TypeKind::Access {
                        target: boxed(t),
                        member: "*".to_string(),
                    }
                }
                Tk::LBrack => {
                    self.bump();
                    let index = self.expr();
                    self.expect(Tk::RBrack, "expected ']'");
                    let member = self
                        .src
                        .get(index.span.start as usize..index.span.end as usize)
                        .unwrap_or("")
                        .to_string();
                    TypeKind::Access {
                        target: boxed(t),
                        member,
                    }
                }
                Tk::Dot => {
                    self.bump();
                    if self.eat(Tk::Star) {
                        TypeKind::Access {
                            target: boxed(t),
                            member: "*".to_string(),
                        }
                    } else {
                        let Some(name) = self.member_name_ty() else {
                            self.unlink(links);
                            return t;
                        };
                        if self.at(Tk::Less) {
                            // `ns.resourceInput<…>`: a namespaced generic name.
                            let args = self.type_args();
                            let qualified = match &t.kind {
                                TypeKind::Name { name: ns, args } if args.is_empty() => {
                                    Some(format!("{}.{}", ns.name, name.name))
                                }
                                _ => None,
                            };
                            match qualified {
                                Some(q) => TypeKind::Name {
                                    name: Ident {
                                        name: q,
                                        span: self.span_from(start),
                                    },
                                    args,
                                },
                                None => TypeKind::Access {
                                    target: boxed(t),
                                    member: name.name,
                                },
                            }
                        } else {
                            TypeKind::Access {
                                target: boxed(t),
                                member: name.name,
                            }
                        }
                    }
                }
                _ => {
                    self.unlink(links);
                    return t;
                }
            };
            t = TypeExpr {
                kind,
                span: self.span_from(start),
            };
        }
    }

    fn member_name_ty(&mut self) -> Option<Ident> {
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

    /// `<T, …>`; the current token is `<`.
    fn type_args(&mut self) -> Vec<TypeExpr> {
        self.bump();
        let mut args = Vec::new();
        loop {
            self.skip_nls();
            args.push(self.ty());
            self.skip_nls();
            if !self.eat(Tk::Comma) {
                break;
            }
        }
        self.expect(Tk::Greater, "expected '>' after the type arguments");
        args
    }

    fn primary_type(&mut self) -> TypeExpr {
        let t = self.tok();
        let start = t.span.start;
        let kind = match t.kind {
            Tk::Int | Tk::True | Tk::False | Tk::Null | Tk::Str | Tk::StrLeft => {
                TypeKind::Literal(self.postfix_free_primary())
            }
            Tk::LBrace => {
                self.bump();
                TypeKind::Object(self.elements(
                    Tk::RBrace,
                    "expected ',' or a new line after the property",
                    |p| p.type_property(),
                ))
            }
            Tk::LBrack => {
                self.bump();
                TypeKind::Tuple(self.elements(
                    Tk::RBrack,
                    "expected ',' or a new line after the tuple item",
                    |p| {
                        // Decorators on tuple items have no place in the tree.
                        p.decorators();
                        Some(p.ty())
                    },
                ))
            }
            Tk::LParen => {
                self.bump();
                self.skip_nls();
                let inner = self.ty();
                self.skip_nls();
                self.expect(Tk::RParen, "expected ')'");
                TypeKind::Paren(boxed(inner))
            }
            Tk::Ident if self.text(t) == "resource" && self.nth(1).kind == Tk::Str => {
                self.bump();
                TypeKind::Resource(self.str_lit(""))
            }
            Tk::Ident => {
                self.bump();
                let name = Ident {
                    name: self.text(t).to_string(),
                    span: t.span,
                };
                let args = if self.at(Tk::Less) {
                    self.type_args()
                } else {
                    Vec::new()
                };
                TypeKind::Name { name, args }
            }
            _ => {
                let found = t.kind.describe();
                self.error_here(format!("expected a type, found {found}"));
                TypeKind::Error
            }
        };
        TypeExpr {
            kind,
            span: self.span_from(start),
        }
    }

    /// A literal for a literal type (no postfix: `'a'[]` is an array type).
    fn postfix_free_primary(&mut self) -> Expr {
        let t = self.tok();
        match t.kind {
            Tk::Str | Tk::StrLeft => self.string(),
            Tk::Int => {
                self.bump();
                match self.ints.get(t.val as usize) {
                    Some(n) => Expr::new(ExprKind::Int(*n), t.span),
                    None => Expr::new(ExprKind::Error, t.span),
                }
            }
            Tk::True | Tk::False => {
                self.bump();
                Expr::new(ExprKind::Bool(t.kind == Tk::True), t.span)
            }
            _ => {
                self.bump();
                Expr::new(ExprKind::Null, t.span)
            }
        }
    }

    /// `@dec\n name: T` inside an object type; `*` names the additional
    /// properties type.
    fn type_property(&mut self) -> Option<TypeProperty> {
        let decorators = self.decorators();
        let t = self.tok();
        let (name, name_span) = match t.kind {
            Tk::Ident | Tk::True | Tk::False | Tk::Null => {
                self.bump();
                (self.text(t).to_string(), t.span)
            }
            Tk::Star => {
                self.bump();
                ("*".to_string(), t.span)
            }
            Tk::Str | Tk::StrLeft => {
                let lit = self.str_lit("")?;
                (lit.value, lit.span)
            }
            _ => {
                let found = t.kind.describe();
                self.error_here(format!("expected a property name, found {found}"));
                return None;
            }
        };
        if !self.expect(Tk::Colon, "expected ':' after the property name") {
            return None;
        }
        Some(TypeProperty {
            decorators,
            name,
            name_span,
            ty: self.ty(),
        })
    }
}
