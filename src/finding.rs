//! A finding: what a rule (or the loader) reports, with its location.

use crate::source::Loc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Related {
    pub loc: Loc,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Finding {
    pub rule: String,
    pub slug: String,
    pub severity: Severity,
    pub message: String,
    pub loc: Loc,
    pub help: Option<String>,
    pub docs: Option<String>,
    pub related: Vec<Related>,
    /// The parameter files whose evaluation produced this finding (merged when
    /// several scenarios give the same finding).
    pub scenarios: Vec<Related>,
}

impl Finding {
    /// A finding of tendon itself (not from a rule file).
    pub fn builtin(
        (rule, slug): (&str, &str),
        severity: Severity,
        message: String,
        loc: Loc,
    ) -> Finding {
        Finding {
            rule: rule.into(),
            slug: slug.into(),
            severity,
            message,
            loc,
            help: None,
            docs: None,
            related: Vec::new(),
            scenarios: Vec::new(),
        }
    }

    /// Related locations, then the parameter files that produced the finding.
    pub fn all_related(&self) -> impl Iterator<Item = &Related> {
        self.related.iter().chain(self.scenarios.iter())
    }
}

/// Built-in diagnostics of tendon itself (not rule files).
pub mod builtin {
    pub const PARSE_ERROR: (&str, &str) = ("TDN001", "parse-error");
    pub const UNRESOLVED: (&str, &str) = ("TDN002", "unresolved");
    pub const INVALID_EXPRESSION: (&str, &str) = ("TDN005", "invalid-expression");
    pub const EVALUATION_LIMIT: (&str, &str) = ("TDN003", "evaluation-limit");
    pub const UNUSED_SUPPRESSION: (&str, &str) = ("TDN004", "unused-suppression");
}
