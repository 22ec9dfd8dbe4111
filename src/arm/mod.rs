//! ARM JSON templates: expressions, functions and template evaluation.

pub mod eval;
pub mod template;
