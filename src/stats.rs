//! Evaluation coverage (`tendon check --stats`): how many templates evaluated
//! completely, and why values stayed unknown.

use std::collections::HashMap;
use std::fmt::Write;

use crate::arm::template::Deployment;
use crate::value::{Kind, Value};

#[derive(Debug, Default, Clone)]
pub struct Coverage {
    /// Template evaluations (one per template and parameter file).
    pub evaluations: usize,
    /// Evaluations in which no resource value was unknown.
    pub complete: usize,
    /// Unknown values by normalized reason.
    pub reasons: HashMap<String, usize>,
    /// The first place (by file and offset) of each reason, as an example.
    pub examples: HashMap<String, crate::source::Loc>,
    /// Values where ARM itself would fail (`error:` reasons): file, value location, reason.
    pub errors: Vec<(crate::source::Loc, String)>,
}

impl Coverage {
    pub fn add(&mut self, dep: &Deployment) {
        self.evaluations += 1;
        let before: usize = self.reasons.values().sum();
        for r in &dep.resources {
            self.walk(&r.name, r.loc);
            self.walk(&r.body, r.loc);
        }
        if self.reasons.values().sum::<usize>() == before {
            self.complete += 1;
        }
    }

    pub fn merge(&mut self, other: Coverage) {
        self.evaluations += other.evaluations;
        self.complete += other.complete;
        self.errors.extend(other.errors);
        for (k, v) in other.reasons {
            *self.reasons.entry(k).or_default() += v;
        }
        for (k, at) in other.examples {
            self.example(k, at);
        }
    }

    /// Keeps the smallest location, so the example does not depend on scheduling.
    fn example(&mut self, reason: String, at: crate::source::Loc) {
        let slot = self.examples.entry(reason).or_insert(at);
        if at < *slot {
            *slot = at;
        }
    }

    fn walk(&mut self, v: &Value, at: crate::source::Loc) {
        let at = v.origin.unwrap_or(at);
        match &v.kind {
            Kind::Unknown(r) => {
                let key = normalize(r);
                *self.reasons.entry(key.clone()).or_default() += 1;
                self.example(key, at);
                if r.starts_with("error:") {
                    self.errors.push((at, r.clone()));
                }
            }
            Kind::Array(items) => items.iter().for_each(|i| self.walk(i, at)),
            Kind::Object(o) => o.iter().for_each(|(_, i)| self.walk(i, at)),
            _ => {}
        }
    }

    /// The report printed by `--stats`: totals, the `top` reasons by count, then
    /// where ARM itself would fail (`place` renders a location).
    pub fn render(&self, top: usize, place: &dyn Fn(crate::source::Loc) -> String) -> String {
        let mut out = String::new();
        let pct = if self.evaluations == 0 {
            100.0
        } else {
            self.complete as f64 * 100.0 / self.evaluations as f64
        };
        let _ = writeln!(
            out,
            "stats: {} template evaluations, {} evaluated completely ({pct:.0}%)",
            self.evaluations, self.complete
        );
        let total: usize = self.reasons.values().sum();
        let _ = writeln!(out, "stats: {total} unknown values; top reasons:");
        let mut reasons: Vec<_> = self.reasons.iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (reason, n) in reasons.into_iter().take(top) {
            match self.examples.get(reason) {
                Some(at) => {
                    let _ = writeln!(out, "{n:>8}  {reason}  (e.g. {})", place(*at));
                }
                None => {
                    let _ = writeln!(out, "{n:>8}  {reason}");
                }
            }
        }
        let mut errors: Vec<(String, &str)> = self
            .errors
            .iter()
            .map(|(l, r)| (place(*l), r.as_str()))
            .collect();
        errors.sort();
        errors.dedup();
        if !errors.is_empty() {
            let _ = writeln!(out, "stats: values ARM would reject:");
            for (at, reason) in errors {
                let _ = writeln!(out, "  {at}: {reason}");
            }
        }
        out
    }
}

/// Groups reasons that differ only in names: a quoted word (`'podCidr'`) becomes `'…'`.
pub fn normalize(reason: &str) -> String {
    let mut out = String::with_capacity(reason.len());
    let mut rest = reason;
    while let Some(open) = rest.find('\'') {
        out.push_str(rest.get(..open).unwrap_or(""));
        let after = rest.get(open + 1..).unwrap_or("");
        match after.find('\'') {
            Some(close)
                if !after
                    .get(..close)
                    .unwrap_or(" ")
                    .contains(char::is_whitespace) =>
            {
                out.push_str("'…'");
                rest = after.get(close + 1..).unwrap_or("");
            }
            _ => {
                out.push('\'');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_names_away() {
        assert_eq!(
            normalize("parameter 'podCidr' has no default and no parameter file gives it"),
            "parameter '…' has no default and no parameter file gives it"
        );
        assert_eq!(
            normalize("reference() is a runtime value"),
            "reference() is a runtime value"
        );
        assert_eq!(normalize("Azure's hash of 'x'"), "Azure's hash of '…'");
    }
}
