//! Compile-time imports of another local Bicep file's exported symbols:
//! `import {a, f as g, T} from './shared.bicep'` and `import * as ns from …`,
//! in `.bicep` and `.bicepparam` files. As the compiler does, the imported
//! file's variables and functions are copied into this template (under a
//! prefix, `__imp1_a`, and into the `__bicep` function namespace), so an
//! imported function evaluates like a local one and sees its own file's
//! variables and functions. The imported file is lowered in its own context
//! (its own imports first); its nodes take the span of the `import` statement
//! (they point into another file). Exported types give their ARM type.
//! Registry and ARM JSON imports are not read.

use std::collections::HashMap;

use crate::bicep::parser::parse;
use crate::bicep::syntax::{ImportKind, Program, StmtKind};
use crate::json::{Member, Node, NodeKind};
use crate::source::Span;

use super::node::{member_at, quote};
use super::symbols::decorator;
use super::{Lowerer, MAX_IMPORT_DEPTH};

/// What an imported name stands for in this template.
#[derive(Clone, Debug, PartialEq)]
pub enum Imported {
    /// A variable: its ARM expression text, `variables('__imp1_x')`.
    Value(String),
    /// A function: its name in the `__bicep` namespace.
    Func(String),
    /// A type: its ARM parameter type.
    Type(&'static str),
}

/// Declarations copied from imported files (transitively), added to the
/// template beside its own.
#[derive(Default)]
pub struct FromImports {
    pub vars: Vec<Member>,
    pub var_loops: Vec<Node>,
    pub funcs: Vec<Member>,
}

impl<'p> Lowerer<'p> {
    /// Reads and lowers every local import of `program`: binds the imported
    /// names and namespaces and collects the declarations in `from_imports`.
    pub fn lower_imports(&mut self, program: &Program) {
        for stmt in &program.statements {
            let StmtKind::Import(import) = &stmt.kind else {
                continue;
            };
            let Some(from) = &import.from else { continue };
            if !from.value.ends_with(".bicep") || self.import_depth >= MAX_IMPORT_DEPTH {
                continue;
            }
            let Some(dir) = self.dir.clone() else {
                continue;
            };
            let path = dir.join(&from.value);
            // Cycles are skipped, and the files read per root are bounded
            // (a diamond of imports would otherwise multiply).
            let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if self.import_chain.contains(&canonical) || self.import_budget == 0 {
                continue;
            }
            self.import_budget -= 1;
            let Ok(text) = self.files.read(&path) else {
                continue;
            };
            let imported = parse(&text);
            self.fresh += 1;
            let prefix = format!("{}__imp{}_", self.var_prefix, self.fresh);
            let mut inner = Lowerer::new(&imported, text.len(), path.parent(), self.files);
            inner.var_prefix = prefix.clone();
            inner.import_depth = self.import_depth + 1;
            inner.import_budget = self.import_budget;
            inner.import_chain = self.import_chain.clone();
            inner.import_chain.push(canonical);
            inner.fresh = self.fresh * 1000;
            inner.lower_imports(&imported);
            let (vars, loops) = inner.all_variables(&imported);
            let funcs = inner.functions(&imported);
            let exports = inner.exports(&imported);
            self.import_budget = inner.import_budget;

            let nested = std::mem::take(&mut inner.from_imports);
            for mut m in nested.vars.into_iter().chain(vars) {
                respan_member(&mut m, stmt.span);
                self.from_imports.vars.push(m);
            }
            for mut n in nested.var_loops.into_iter().chain(loops) {
                respan(&mut n, stmt.span);
                self.from_imports.var_loops.push(n);
            }
            for mut m in nested.funcs.into_iter().chain(funcs) {
                respan_member(&mut m, stmt.span);
                self.from_imports.funcs.push(m);
            }

            match &import.kind {
                ImportKind::Names(names) => {
                    for (name, alias) in names {
                        if let Some(what) = exports.get(&name.name) {
                            let local = alias.as_ref().unwrap_or(name).name.clone();
                            self.imported.insert(local, what.clone());
                        }
                    }
                }
                ImportKind::Wildcard => {
                    if let Some(alias) = &import.alias {
                        self.namespaces.insert(alias.name.clone(), exports);
                    }
                }
                ImportKind::Extension => {}
            }
        }
    }

    /// This file's `func` declarations, as `__bicep` namespace members.
    pub fn functions(&mut self, program: &'p Program) -> Vec<Member> {
        let mut funcs = Vec::new();
        for stmt in &program.statements {
            if let StmtKind::Func {
                name,
                params,
                ret,
                body,
            } = &stmt.kind
            {
                let f = self.func(params, ret.as_ref(), body, stmt.span);
                funcs.push(member_at(
                    format!("{}{}", self.var_prefix, name.name),
                    name.span,
                    f,
                ));
            }
        }
        funcs
    }

    /// What each `@export()`ed declaration of this (imported) file stands for.
    fn exports(&self, program: &Program) -> HashMap<String, Imported> {
        let mut out = HashMap::new();
        for stmt in &program.statements {
            if decorator(stmt, "export").is_none() {
                continue;
            }
            let prefixed = |n: &str| format!("{}{n}", self.var_prefix);
            let (name, what) = match &stmt.kind {
                StmtKind::Var { name, .. } => (
                    &name.name,
                    Imported::Value(format!("variables({})", quote(&prefixed(&name.name)))),
                ),
                StmtKind::Func { name, .. } => (&name.name, Imported::Func(prefixed(&name.name))),
                StmtKind::Type { name, ty } => {
                    let secure = decorator(stmt, "secure").is_some();
                    (&name.name, Imported::Type(self.arm_type(ty, secure, 0)))
                }
                _ => continue,
            };
            out.insert(name.clone(), what);
        }
        out
    }

    /// The ARM type of an imported type name (`T` or `ns.T`), if imported.
    pub fn imported_type(&self, name: &str) -> Option<&'static str> {
        let found = match name.split_once('.') {
            Some((ns, member)) => self.namespaces.get(ns)?.get(member),
            None => self.imported.get(name),
        };
        match found {
            Some(Imported::Type(t)) => Some(t),
            _ => None,
        }
    }
}

fn respan_member(m: &mut Member, span: Span) {
    m.key_span = span;
    respan(&mut m.value, span);
}

/// Every node of an imported declaration points at the import statement.
fn respan(node: &mut Node, span: Span) {
    node.span = span;
    match &mut node.kind {
        NodeKind::Array(items) => items.iter_mut().for_each(|n| respan(n, span)),
        NodeKind::Object(members) => members.iter_mut().for_each(|m| respan_member(m, span)),
        _ => {}
    }
}
