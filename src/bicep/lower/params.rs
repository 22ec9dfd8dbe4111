//! `.bicepparam` files lower to a parameter document the evaluator reads
//! like an ARM parameter file, except that its values are expressions
//! (evaluated with the file's own variables):
//! `{"$bicepparam": true, "using": "./main.bicep", "variables": {…},
//!   "parameters": {"name": {"value": …}}}`, plus `"extends": "<path>"` for
//! a base file whose values come first.

use crate::bicep::syntax::{Program, StmtKind};
use crate::json::NodeKind;
use crate::source::Span;

use super::node::{self, member, member_at, object, string};
use super::{Env, Lowerer};

impl<'p> Lowerer<'p> {
    pub fn parameter_document(&mut self, program: &'p Program, span: Span) -> crate::json::Node {
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
        members.push(member("variables", object(vars, span)));
        // Findings name the scenario by this member's key: the `using` line.
        members.push(member_at("parameters", using_span, object(params, span)));
        object(members, span)
    }
}
