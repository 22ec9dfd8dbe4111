//! The Bicep front end: [`lexer`] and error-tolerant [`parser`] produce a
//! [`syntax`] tree; lowering turns it into the ARM template model that the
//! ARM evaluator runs, so both languages share one evaluator and one set of
//! facts.

pub mod lexer;
pub mod parser;
pub mod syntax;
