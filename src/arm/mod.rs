//! ARM JSON templates: the expression language (`expr` parses, `eval`
//! evaluates, `functions` implements the built-ins) and template evaluation
//! (`template` is the entry point; `frame`, `resources`, `nested`, `udf`;
//! `declared` answers `reference()` of a resource the template declares).

pub mod declared;
pub mod eval;
pub mod expr;
pub mod frame;
pub mod functions;
pub mod nested;
pub mod resources;
pub mod template;
pub mod udf;
