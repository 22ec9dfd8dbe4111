//! The Bicep syntax tree: what the parser ([`crate::bicep::parser`]) yields
//! and lowering ([`crate::bicep::lower`]) reads. Every node carries the byte
//! span of its text. Parse errors never abort: a construct that cannot be
//! parsed becomes an `Error` node (statement or expression) and a
//! [`SyntaxError`], and parsing goes on.

use crate::source::Span;

/// A whole `.bicep` or `.bicepparam` file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Program {
    pub statements: Vec<Statement>,
    /// Every syntax error, in source order.
    pub errors: Vec<SyntaxError>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    pub message: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// One top-level declaration with its decorators (`@batchSize(2)` …).
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// Each decorator's expression without the `@`: a call (`batchSize(2)`),
    /// a namespaced call (`sys.description('x')`) or a bare identifier.
    pub decorators: Vec<Expr>,
    pub kind: StmtKind,
    /// From the first decorator (or keyword) to the end of the declaration.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `targetScope = 'subscription'`
    TargetScope(Expr),
    /// `metadata name = expr`
    Metadata {
        name: Ident,
        value: Expr,
    },
    /// `param name type = default`; in a `.bicepparam` file `param name = value`
    /// (then `ty` is `None` and the value is in `default`).
    Param {
        name: Ident,
        ty: Option<TypeExpr>,
        default: Option<Expr>,
    },
    /// `var name (type)? = value`
    Var {
        name: Ident,
        ty: Option<TypeExpr>,
        value: Expr,
    },
    /// `type name = typeExpr`
    Type {
        name: Ident,
        ty: TypeExpr,
    },
    /// `func name(a string, b int) string => body`
    Func {
        name: Ident,
        params: Vec<(Ident, TypeExpr)>,
        ret: Option<TypeExpr>,
        body: Expr,
    },
    Resource(ResourceDecl),
    /// `module name 'path' = body` (body: object, `if`, or `for`).
    Module {
        name: Ident,
        /// The path string (no interpolation allowed) and its span.
        path: StrLit,
        body: Expr,
    },
    /// `output name type = value` or `output name resource 'T@v' = value`.
    Output {
        name: Ident,
        ty: OutputType,
        value: Expr,
    },
    /// `import {a, b as c} from 'path'`, `import * as ns from 'path'`, or the
    /// legacy extensibility form `import 'kubernetes@1.0.0' with {...} as k8s`.
    Import(Import),
    /// `extension name (with {...})? (as alias)?`; also the old `provider` keyword.
    Extension {
        name: String,
        name_span: Span,
        config: Option<Expr>,
        alias: Option<Ident>,
    },
    /// `.bicepparam`: `using 'path' (with {...})?`; `path` is `None` for `using none`.
    Using {
        path: Option<StrLit>,
        config: Option<Expr>,
    },
    /// `.bicepparam`: `extends 'base.bicepparam'`
    Extends(StrLit),
    /// `.bicepparam`: `extensionConfig alias with {...}` (configuration for an
    /// extension the template declares).
    ExtensionConfig {
        name: Ident,
        config: Expr,
    },
    /// `assert name = expr` (experimental)
    Assert {
        name: Ident,
        value: Expr,
    },
    /// `test name 'path' = {...}` (experimental)
    Test {
        name: Ident,
        path: StrLit,
        body: Expr,
    },
    /// A statement that could not be parsed (the error is in `Program::errors`).
    Error,
}

/// `resource sym 'type@version' existing = body`
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceDecl {
    pub name: Ident,
    /// The type string as written, e.g. `Microsoft.Network/virtualNetworks@2023-09-01`
    /// or, for a nested child, `subnets` / `subnets@2023-09-01`.
    pub type_string: StrLit,
    pub existing: bool,
    /// An object, `if (cond) {...}`, or a `for` expression.
    pub body: Expr,
}

/// A string literal without interpolation (module paths, resource types).
#[derive(Clone, Debug, PartialEq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum OutputType {
    Type(TypeExpr),
    /// `resource 'T@v'` (the type string is optional in newer Bicep).
    Resource(Option<StrLit>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    pub kind: ImportKind,
    /// `from 'path'` (or the legacy `import 'pkg@v'` string).
    pub from: Option<StrLit>,
    pub config: Option<Expr>,
    pub alias: Option<Ident>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ImportKind {
    /// `import { a, b as c } from '...'`: (name as written, alias).
    Names(Vec<(Ident, Option<Ident>)>),
    /// `import * as ns from '...'` (the alias is `Import::alias`).
    Wildcard,
    /// Legacy extensibility import: `import 'kubernetes@1.0.0' ...`.
    Extension,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Null,
    Bool(bool),
    /// Integer literal (negative numbers are `Unary { Neg, .. }`).
    Int(i64),
    /// A string: `parts.len() == holes.len() + 1`; the text between holes, with
    /// escapes already decoded. A plain `'abc'` has one part and no holes.
    /// Multi-line strings `'''…'''` are strings too (interpolated ones with `$'''`).
    String {
        parts: Vec<String>,
        holes: Vec<Expr>,
    },
    /// A bare identifier: a parameter, variable, resource, module, loop or
    /// lambda variable, or namespace (`sys`, `az`, an import alias).
    Ident(Ident),
    Array(Vec<ArrayItem>),
    Object(Vec<ObjectItem>),
    /// `name(args)`
    Call {
        name: Ident,
        args: Vec<Expr>,
    },
    /// `target.name(args)`: namespaced calls (`sys.concat(...)`, `az.resourceGroup()`,
    /// `ns.fn()`) and instance functions (`kv.getSecret('x')`, `sa.listKeys()`).
    MethodCall {
        target: Box<Expr>,
        name: Ident,
        args: Vec<Expr>,
    },
    /// `target.name`, or `target.?name` when `safe`.
    Member {
        target: Box<Expr>,
        name: Ident,
        safe: bool,
    },
    /// `target[index]`, `target[?index]` (`safe`), `target[^index]` (`from_end`).
    Index {
        target: Box<Expr>,
        index: Box<Expr>,
        safe: bool,
        from_end: bool,
    },
    /// `target::name` (nested child resource access).
    Child {
        target: Box<Expr>,
        name: Ident,
    },
    /// `target!` (non-null assertion; no effect on the value).
    NonNull(Box<Expr>),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `cond ? then : otherwise`
    Ternary {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// `x => body`, `(x, y) => body`, `() => body`.
    Lambda {
        params: Vec<Ident>,
        body: Box<Expr>,
    },
    /// `[for item in source: body]`, `[for (item, index) in source: body]`;
    /// `body` may be an `If` (filtered loop). `item` is `None` only in
    /// erroneous input.
    For {
        item: Option<Ident>,
        index: Option<Ident>,
        source: Box<Expr>,
        body: Box<Expr>,
    },
    /// `if (cond) body` — resource and module bodies, and filtered loop bodies.
    If {
        cond: Box<Expr>,
        body: Box<Expr>,
    },
    /// `(expr)`: kept so spans of parenthesised expressions are exact.
    Paren(Box<Expr>),
    /// Missing or unparseable (the error is in `Program::errors`).
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ArrayItem {
    Expr(Expr),
    /// `...expr`
    Spread(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub enum ObjectItem {
    /// `key: value`; `key` is an identifier (as a plain `String` expression with
    /// the identifier's span) or a string, possibly interpolated.
    Property { key: Expr, value: Expr },
    /// `...expr`
    Spread(Expr),
    /// A nested child resource (with its decorators) inside a resource body.
    Resource(Box<Statement>),
    /// Unparseable (the error is in `Program::errors`).
    Error(Span),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Coalesce,
    Or,
    And,
    Eq,
    NotEq,
    EqI,
    NotEqI,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeKind {
    /// `string`, `int`, a user type, `ns.type`, `resourceInput<'T@v'>` (generic
    /// arguments in `args`).
    Name {
        name: Ident,
        args: Vec<TypeExpr>,
    },
    /// A literal type: `'a'`, `1`, `true`, `null`, `-1`.
    Literal(Expr),
    /// `a | b | c`
    Union(Vec<TypeExpr>),
    /// `T[]`
    Array(Box<TypeExpr>),
    /// `{ name: T, *: T }` with decorators per property.
    Object(Vec<TypeProperty>),
    /// `[T1, T2]`
    Tuple(Vec<TypeExpr>),
    /// `T?`
    Nullable(Box<TypeExpr>),
    /// `T!`
    NonNull(Box<TypeExpr>),
    /// `T.prop`, `T[0]`, `T[*]`, `T.*`: the member as written.
    Access {
        target: Box<TypeExpr>,
        member: String,
    },
    /// `resource 'T@v'` (experimental resource-typed parameters).
    Resource(Option<StrLit>),
    /// `(T)`
    Paren(Box<TypeExpr>),
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypeProperty {
    pub decorators: Vec<Expr>,
    /// The property name; `*` for additional properties.
    pub name: String,
    pub name_span: Span,
    pub ty: TypeExpr,
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    /// The text of a string without holes.
    pub fn as_plain_str(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::String { parts, holes } if holes.is_empty() => {
                parts.first().map(String::as_str)
            }
            _ => None,
        }
    }
}

impl TypeExpr {
    /// Whether the type admits `null` (`T?`, or a union with `null`).
    pub fn is_nullable(&self) -> bool {
        match &self.kind {
            TypeKind::Nullable(_) => true,
            TypeKind::Paren(t) => t.is_nullable(),
            TypeKind::Union(items) => items.iter().any(|t| {
                t.is_nullable()
                    || matches!(&t.kind, TypeKind::Literal(e) if e.kind == ExprKind::Null)
            }),
            _ => false,
        }
    }
}
