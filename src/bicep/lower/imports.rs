//! Compile-time imports of another local Bicep file's exported variables:
//! `import {a, b as c} from './shared.bicep'` and `import * as ns from …`.
//! The imported file's variables are lowered in its own context under a
//! prefix (`__imp1_a`) and copied into this template's `variables`, as the
//! compiler does. Their nodes take the span of the `import` statement (they
//! point into another file). Imported functions and types stay unknown /
//! unneeded; registry and JSON imports are not read.

use crate::bicep::parser::parse;
use crate::bicep::syntax::{ImportKind, Program, StmtKind};
use crate::json::{Member, Node, NodeKind};
use crate::source::Span;

use super::node::quote;
use super::symbols::decorator;
use super::{Lowerer, MAX_IMPORT_DEPTH};

impl Lowerer<'_> {
    /// Lowers every local import of `program`, adding the imported variables.
    pub fn imports(
        &mut self,
        program: &Program,
        vars: &mut Vec<Member>,
        var_loops: &mut Vec<Node>,
    ) {
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
            let Some(text) = self.files.read(&path) else {
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
            let (mut ivars, mut iloops) = inner.all_variables(&imported);
            self.import_budget = inner.import_budget;
            for m in &mut ivars {
                respan(&mut m.value, stmt.span);
                m.key_span = stmt.span;
            }
            for n in &mut iloops {
                respan(n, stmt.span);
            }
            vars.extend(ivars);
            var_loops.extend(iloops);

            let exported = |name: &str| {
                imported.statements.iter().any(|s| {
                    matches!(&s.kind, StmtKind::Var { name: n, .. } if n.name == name)
                        && decorator(s, "export").is_some()
                })
            };
            match &import.kind {
                ImportKind::Names(names) => {
                    for (name, alias) in names {
                        if exported(&name.name) {
                            let local = alias.as_ref().unwrap_or(name).name.clone();
                            let text =
                                format!("variables({})", quote(&format!("{prefix}{}", name.name)));
                            self.imported.insert(local, text);
                        }
                    }
                }
                ImportKind::Wildcard => {
                    if let Some(alias) = &import.alias {
                        self.namespaces.insert(alias.name.clone(), prefix);
                    }
                }
                ImportKind::Extension => {}
            }
        }
    }
}

/// Every node of an imported value points at the import statement.
fn respan(node: &mut Node, span: Span) {
    node.span = span;
    match &mut node.kind {
        NodeKind::Array(items) => items.iter_mut().for_each(|n| respan(n, span)),
        NodeKind::Object(members) => {
            for m in members {
                m.key_span = span;
                respan(&mut m.value, span);
            }
        }
        _ => {}
    }
}
