//! Narrowing a finished run to the findings worth reporting: those not in a
//! baseline ([`baseline`]), those in files changed since a git ref
//! ([`changed`]). Every file is still evaluated and linked (cross-file rules
//! need them); only the report shrinks, and the summary is recounted.

pub mod baseline;
pub mod changed;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::finding::Severity;
use crate::outcome::Outcome;

/// What to narrow to, prepared before the run so a bad baseline file or git
/// ref fails fast.
#[derive(Debug, Default)]
pub struct Narrowing {
    baseline: Option<baseline::Baseline>,
    changed: Option<HashSet<PathBuf>>,
}

impl Narrowing {
    pub fn prepare(
        baseline: Option<&Path>,
        changed_since: Option<&str>,
    ) -> Result<Narrowing, String> {
        Ok(Narrowing {
            baseline: baseline.map(baseline::Baseline::read).transpose()?,
            changed: changed_since.map(changed::changed_files).transpose()?,
        })
    }

    /// Baseline first: its occurrence counters count over the whole run.
    /// The summary counts what each step hid.
    pub fn apply(&self, outcome: &mut Outcome) {
        if let Some(b) = &self.baseline {
            let keep = b.known(outcome).into_iter().map(|known| !known).collect();
            outcome.summary.baselined += retain(outcome, keep);
        }
        if let Some(changed) = &self.changed {
            let keep = changed::in_changed(&outcome.sources, &outcome.findings, changed);
            outcome.summary.unchanged += retain(outcome, keep);
            let suppressed = std::mem::take(&mut outcome.suppressed);
            let findings = suppressed.iter().map(|s| &s.finding);
            let keep = changed::in_changed(&outcome.sources, findings, changed);
            outcome.suppressed = suppressed
                .into_iter()
                .zip(keep)
                .filter_map(|(s, keep)| keep.then_some(s))
                .collect();
            outcome.summary.suppressed = outcome.suppressed.len();
        }
    }
}

/// Keeps the findings whose flag (one per finding, in order) is true and
/// recounts the summary; returns how many were dropped.
pub fn retain(outcome: &mut Outcome, keep: Vec<bool>) -> usize {
    let before = outcome.findings.len();
    let mut keep = keep.into_iter();
    outcome.findings.retain(|_| keep.next().unwrap_or(true));
    let dropped = before - outcome.findings.len();
    let s = &mut outcome.summary;
    (s.errors, s.warnings, s.infos) = (0, 0, 0);
    for f in &outcome.findings {
        match f.severity {
            Severity::Error => s.errors += 1,
            Severity::Warning => s.warnings += 1,
            Severity::Info => s.infos += 1,
        }
    }
    dropped
}
