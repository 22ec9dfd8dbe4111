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

/// FNV-1a (64 bit) of `parts`, each followed by a zero byte, as 16 hex
/// digits: the stable hash behind SARIF fingerprints and baseline entries
/// (std's `DefaultHasher` may change between releases).
pub fn stable_hash(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// Built-in diagnostics of tendon itself (not rule files).
pub mod builtin {
    pub const PARSE_ERROR: (&str, &str) = ("TDN001", "parse-error");
    pub const UNRESOLVED: (&str, &str) = ("TDN002", "unresolved");
    pub const INVALID_EXPRESSION: (&str, &str) = ("TDN005", "invalid-expression");
    pub const EVALUATION_LIMIT: (&str, &str) = ("TDN003", "evaluation-limit");
    pub const UNUSED_SUPPRESSION: (&str, &str) = ("TDN004", "unused-suppression");
    pub const MISSING_FILE: (&str, &str) = ("TDN006", "missing-file");
    pub const FILE_OUTSIDE_ROOT: (&str, &str) = ("TDN007", "file-outside-root");
    pub const UNDECLARED_PARAMETER: (&str, &str) = ("TDN008", "undeclared-parameter");
}

#[cfg(test)]
mod tests {
    use super::stable_hash;

    #[test]
    fn stable_hash_is_fnv1a_with_separators() {
        // FNV-1a 64 of "a" then the zero separator.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in [b'a', 0] {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        assert_eq!(stable_hash(&["a"]), format!("{h:016x}"));
        assert_eq!(stable_hash(&["a", "b"]), stable_hash(&["a", "b"]));
        assert_ne!(stable_hash(&["ab", ""]), stable_hash(&["a", "b"]));
    }
}
