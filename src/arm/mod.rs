//! ARM JSON templates: the expression language (`expr` parses, `eval`
//! evaluates, `functions` implements the built-ins) and template evaluation
//! (`template`: parameters, variables, resources).

pub mod eval;
pub mod expr;
pub mod functions;
pub mod template;
