//! `.bicepparam` files lower to a parameter document the evaluator reads
//! like an ARM parameter file, except that its values are expressions
//! (evaluated with the file's own variables):
//! `{"$bicepparam": true, "using": "./main.bicep", "variables": {…},
//!   "parameters": {"name": {"value": …}}}`, plus `"extends": "<path>"` for
//! a base file whose values come first. Imports work as in `.bicep` files:
//! imported variables join `variables`, imported functions a `functions`
//! section, which the evaluator reads like a template's.

use crate::bicep::syntax::{Program, StmtKind};
use crate::json::NodeKind;
use crate::source::Span;

use super::node::{self, member, member_at, object, string};
use super::{Env, Lowerer, functions_member};

impl<'p> Lowerer<'p> {
    pub fn parameter_document(&mut self, program: &'p Program, span: Span) -> crate::json::Node {
        self.lower_imports(program);
        let mut using = None;
        let mut using_span = span;
        let mut extends = None;
        let mut vars = Vec::new();
        let mut params = Vec::new();
        for stmt in &program.statements {
            match &stmt.kind {
                StmtKind::Using { path: Some(p), .. } => {
                    using = Some(string(&p.value, p.span));
                    using_span = stmt.span;
                }
                StmtKind::Extends(base) => {
                    // Resolved here: the evaluator knows files by path only.
                    let path = match &self.dir {
                        Some(dir) => dir.join(&base.value).to_string_lossy().into_owned(),
                        None => base.value.clone(),
                    };
                    extends = Some(string(path, base.span));
                }
                StmtKind::Var { name, value, .. } => {
                    vars.push(member_at(
                        &name.name,
                        name.span,
                        self.value(value, &Env::new(), true),
                    ));
                }
                StmtKind::Param {
                    name,
                    default: Some(value),
                    ..
                } => {
                    let v = self.value(value, &Env::new(), true);
                    params.push(member_at(
                        &name.name,
                        name.span,
                        object(vec![member("value", v)], stmt.span),
                    ));
                }
                _ => {}
            }
        }
        let mut members = vec![member(
            "$bicepparam",
            node::node(NodeKind::Bool(true), span),
        )];
        if let Some(u) = using {
            members.push(member("using", u));
        }
        if let Some(e) = extends {
            members.push(member("extends", e));
        }
        let vars = self.with_imported_variables(vars, Vec::new(), span);
        members.push(member("variables", object(vars, span)));
        let funcs = std::mem::take(&mut self.from_imports.funcs);
        if let Some(f) = functions_member(funcs, span) {
            members.push(f);
        }
        // Findings name the scenario by this member's key: the `using` line.
        members.push(member_at("parameters", using_span, object(params, span)));
        object(members, span)
    }
}
