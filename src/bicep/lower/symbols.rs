//! The declarations of one Bicep file: parameters, variables, functions,
//! types, resources (with nested children and `parent:` links) and modules.

use std::collections::HashMap;

use crate::bicep::syntax::{
    Expr, ExprKind, Ident, ObjectItem, Program, ResourceDecl, Statement, StmtKind, StrLit, TypeExpr,
};
use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Symbol {
    Param,
    Var,
    Func,
    Resource(usize),
    Module(usize),
    /// An import alias (`import * as ns`) or extension alias.
    Namespace,
    /// A name imported with `import { x } from '…'` (see `Lowerer::imported`).
    Imported,
}

/// A reference made while lowering a body: the implicit dependencies.
#[derive(Clone, Debug, PartialEq)]
pub enum Dep {
    /// A resource, with the index text when one instance of a loop is meant.
    Resource(usize, Option<String>),
    Module(usize, Option<String>),
    Var(String),
}

/// The loop of a looped resource or module.
#[derive(Clone, Copy)]
pub struct Loop<'p> {
    pub item: Option<&'p Ident>,
    pub index: Option<&'p Ident>,
    pub source: &'p Expr,
}

/// A body once `if` and `for` are unwrapped.
#[derive(Clone, Copy)]
pub struct Body<'p> {
    pub items: &'p [ObjectItem],
    pub span: Span,
    pub condition: Option<&'p Expr>,
    pub lp: Option<Loop<'p>>,
}

pub struct Res<'p> {
    pub symbol: &'p str,
    pub stmt: &'p Statement,
    pub decl: &'p ResourceDecl,
    pub full_type: String,
    pub api_version: String,
    pub parent: Option<usize>,
    /// Declared inside its parent's body (rather than with `parent:`).
    pub nested: bool,
    pub children: Vec<usize>,
    pub body: Option<Body<'p>>,
}

pub struct Module<'p> {
    pub symbol: &'p str,
    pub stmt: &'p Statement,
    pub path: &'p StrLit,
    pub body: Option<Body<'p>>,
}

#[derive(Default)]
pub struct Symbols<'p> {
    pub by_name: HashMap<&'p str, Symbol>,
    /// Nested resources by symbol (reachable by bare name inside their parent).
    pub nested_by_name: HashMap<&'p str, usize>,
    pub types: HashMap<&'p str, &'p TypeExpr>,
    pub resources: Vec<Res<'p>>,
    pub modules: Vec<Module<'p>>,
    pub target_scope: Option<String>,
}

/// Nesting of child resources is bounded (hostile input).
const MAX_NESTED: usize = 16;

impl<'p> Symbols<'p> {
    pub fn collect(program: &'p Program) -> Symbols<'p> {
        let mut s = Symbols::default();
        for stmt in &program.statements {
            match &stmt.kind {
                StmtKind::TargetScope(e) => s.target_scope = e.as_plain_str().map(str::to_string),
                StmtKind::Param { name, .. } => {
                    s.by_name.insert(&name.name, Symbol::Param);
                }
                StmtKind::Var { name, .. } => {
                    s.by_name.insert(&name.name, Symbol::Var);
                }
                StmtKind::Func { name, .. } => {
                    s.by_name.insert(&name.name, Symbol::Func);
                }
                StmtKind::Type { name, ty } => {
                    s.types.insert(&name.name, ty);
                }
                StmtKind::Resource(decl) => {
                    let idx = s.resource(stmt, decl, None, 0);
                    s.by_name.insert(&decl.name.name, Symbol::Resource(idx));
                }
                StmtKind::Module { name, path, body } => {
                    let idx = s.modules.len();
                    s.modules.push(Module {
                        symbol: &name.name,
                        stmt,
                        path,
                        body: unwrap_body(body),
                    });
                    s.by_name.insert(&name.name, Symbol::Module(idx));
                }
                StmtKind::Import(import) => {
                    if let Some(alias) = &import.alias {
                        s.by_name.insert(&alias.name, Symbol::Namespace);
                    }
                    if let crate::bicep::syntax::ImportKind::Names(names) = &import.kind {
                        for (name, alias) in names {
                            let n = alias.as_ref().unwrap_or(name);
                            s.by_name.insert(&n.name, Symbol::Imported);
                        }
                    }
                }
                StmtKind::Extension { alias, name, .. } => {
                    let _ = name;
                    if let Some(alias) = alias {
                        s.by_name.insert(&alias.name, Symbol::Namespace);
                    }
                }
                _ => {}
            }
        }
        s.link_parents();
        s
    }

    fn resource(
        &mut self,
        stmt: &'p Statement,
        decl: &'p ResourceDecl,
        parent: Option<usize>,
        depth: usize,
    ) -> usize {
        // An extension alias may qualify the type: `az:Microsoft.X/y@v`.
        let type_string = match decl.type_string.value.split_once(':') {
            Some((alias, rest)) if !alias.contains('/') => rest,
            _ => decl.type_string.value.as_str(),
        };
        let (written_type, version) = match type_string.split_once('@') {
            Some((t, v)) => (t, v),
            None => (type_string, ""),
        };
        let parent_info = parent.and_then(|p| self.resources.get(p));
        let full_type = match parent_info {
            Some(p) if !written_type.contains('/') => format!("{}/{written_type}", p.full_type),
            _ => written_type.to_string(),
        };
        let api_version = match (version, parent_info) {
            ("", Some(p)) => p.api_version.clone(),
            (v, _) => v.to_string(),
        };
        let idx = self.resources.len();
        let body = unwrap_body(&decl.body);
        let children: Vec<&'p Statement> = body
            .as_ref()
            .map(|b| {
                b.items
                    .iter()
                    .filter_map(|i| match i {
                        ObjectItem::Resource(s) => Some(s.as_ref()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        self.resources.push(Res {
            symbol: &decl.name.name,
            stmt,
            decl,
            full_type,
            api_version,
            parent,
            nested: parent.is_some(),
            children: Vec::new(),
            body,
        });
        if depth < MAX_NESTED {
            for child in children {
                if let StmtKind::Resource(cdecl) = &child.kind {
                    let cidx = self.resource(child, cdecl, Some(idx), depth + 1);
                    self.nested_by_name.insert(&cdecl.name.name, cidx);
                    if let Some(r) = self.resources.get_mut(idx) {
                        r.children.push(cidx);
                    }
                }
            }
        }
        idx
    }

    /// `parent: sym` properties.
    fn link_parents(&mut self) {
        for i in 0..self.resources.len() {
            let Some(r) = self.resources.get(i) else {
                continue;
            };
            if r.nested {
                continue;
            }
            let target = r.body.as_ref().and_then(|b| property(b.items, "parent"));
            let Some(target) = target.and_then(|e| self.resolve_resource(e, 0)) else {
                continue;
            };
            if target == i {
                continue;
            }
            if let Some(r) = self.resources.get_mut(i) {
                r.parent = Some(target);
            }
        }
    }

    /// The resource a symbolic expression names: `vnet`, `vnet::subnet`, `vnets[0]`.
    pub fn resolve_resource(&self, e: &Expr, depth: usize) -> Option<usize> {
        if depth > 32 {
            return None;
        }
        match &e.kind {
            ExprKind::Ident(id) => match self.by_name.get(id.name.as_str()) {
                Some(Symbol::Resource(i)) => Some(*i),
                Some(_) => None,
                None => self.nested_by_name.get(id.name.as_str()).copied(),
            },
            ExprKind::Child { target, name } => {
                let p = self.resolve_resource(target, depth + 1)?;
                self.child(p, &name.name)
            }
            ExprKind::Index { target, .. }
            | ExprKind::NonNull(target)
            | ExprKind::Paren(target) => self.resolve_resource(target, depth + 1),
            _ => None,
        }
    }

    pub fn child(&self, parent: usize, name: &str) -> Option<usize> {
        self.resources
            .get(parent)?
            .children
            .iter()
            .copied()
            .find(|c| self.resources.get(*c).is_some_and(|r| r.symbol == name))
    }

    pub fn lookup(&self, name: &str) -> Option<Symbol> {
        self.by_name
            .get(name)
            .copied()
            .or_else(|| self.nested_by_name.get(name).map(|i| Symbol::Resource(*i)))
    }

    pub fn has_decorator(&self, stmt: &Statement, name: &str) -> bool {
        decorator(stmt, name).is_some()
    }
}

/// The arguments of decorator `@name(...)` (also `@sys.name(...)`).
pub fn decorator<'s>(stmt: &'s Statement, name: &str) -> Option<&'s [Expr]> {
    stmt.decorators.iter().find_map(|d| match &d.kind {
        ExprKind::Ident(id) if id.name == name => Some(&[][..]),
        _ => super::as_call(d, name),
    })
}

/// The value of property `key` in an object body (last one wins).
pub fn property<'e>(items: &'e [ObjectItem], key: &str) -> Option<&'e Expr> {
    items.iter().rev().find_map(|i| match i {
        ObjectItem::Property { key: k, value } if k.as_plain_str() == Some(key) => Some(value),
        _ => None,
    })
}

/// Unwraps `if (c) {…}`, `[for … : {…}]` and `[for … : if (c) {…}]`.
pub fn unwrap_body(e: &Expr) -> Option<Body<'_>> {
    match &e.kind {
        ExprKind::Object(items) => Some(Body {
            items,
            span: e.span,
            condition: None,
            lp: None,
        }),
        ExprKind::If { cond, body } => {
            let mut b = unwrap_body(body)?;
            if b.lp.is_some() {
                return None;
            }
            b.condition = Some(cond);
            Some(b)
        }
        ExprKind::For {
            item,
            index,
            source,
            body,
        } => {
            let mut b = unwrap_body(body)?;
            if b.lp.is_some() {
                return None;
            }
            b.lp = Some(Loop {
                item: item.as_ref(),
                index: index.as_ref(),
                source,
            });
            Some(b)
        }
        ExprKind::Paren(inner) => unwrap_body(inner),
        _ => None,
    }
}
