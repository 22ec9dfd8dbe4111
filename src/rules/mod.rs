//! Declarative rules: the file format (`schema`), loading and validation
//! (`load`), typed predicates (`predicates`) and the engine (`engine`).

pub mod doc;
pub mod engine;
pub mod load;
pub mod predicates;
pub mod schema;
pub mod unresolved;
