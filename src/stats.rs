//! Evaluation coverage (`tendon check --stats`): how many templates evaluated
//! completely, and why values stayed unknown.

use std::collections::HashMap;
use std::fmt::Write;

use crate::arm::nested::Unread;
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
    /// Modules, linked templates and linked parameter files that evaluation
    /// could not read, by kind.
    pub unread: HashMap<String, usize>,
    /// Parameter files that pair with no template (display paths), set by the
    /// caller, each with the template it almost fits and the names it lacks.
    pub unpaired: Vec<(String, Option<NearTemplate>)>,
    /// Parameter files paired by the parameters they set: (parameter file, template).
    pub paired_by_names: Vec<(String, String)>,
}

/// The template a parameter file almost fits (display path), and the names
/// it sets that the template lacks.
pub type NearTemplate = (String, Vec<String>);

impl Coverage {
    /// One evaluation: complete when no resource value is unknown and every
    /// module and linked template could be read.
    pub fn add(&mut self, dep: &Deployment, unread: &[Unread]) {
        self.evaluations += 1;
        let before: usize = self.reasons.values().sum();
        for r in &dep.resources {
            self.walk(&r.name, r.loc);
            self.walk(&r.body, r.loc);
        }
        for u in unread {
            let key = unread_kind(u);
            *self.unread.entry(key.clone()).or_default() += 1;
            if let Some(at) = u.at {
                self.example(key, at);
            }
        }
        if self.reasons.values().sum::<usize>() == before && unread.is_empty() {
            self.complete += 1;
        }
    }

    pub fn merge(&mut self, other: Coverage) {
        self.evaluations += other.evaluations;
        self.complete += other.complete;
        self.errors.extend(other.errors);
        self.unpaired.extend(other.unpaired);
        self.paired_by_names.extend(other.paired_by_names);
        for (k, v) in other.reasons {
            *self.reasons.entry(k).or_default() += v;
        }
        for (k, v) in other.unread {
            *self.unread.entry(k).or_default() += v;
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
                let r = crate::value::display_reason(r);
                let key = normalize(r);
                *self.reasons.entry(key.clone()).or_default() += 1;
                self.example(key, at);
                if r.starts_with("error:") {
                    self.errors.push((at, r.to_string()));
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
        let unread: usize = self.unread.values().sum();
        if unread > 0 {
            let _ = writeln!(
                out,
                "stats: {unread} modules or linked templates not evaluated:"
            );
            self.counts(&mut out, &self.unread, top, place);
        }
        let total: usize = self.reasons.values().sum();
        let _ = writeln!(out, "stats: {total} unknown values; top reasons:");
        self.counts(&mut out, &self.reasons, top, place);
        let mut errors: Vec<(String, String)> = self
            .errors
            .iter()
            .map(|(l, r)| (place(*l), shown(r)))
            .collect();
        errors.sort();
        errors.dedup();
        if !errors.is_empty() {
            let _ = writeln!(out, "stats: values ARM would reject:");
            for (at, reason) in errors {
                let _ = writeln!(out, "  {at}: {}", reason);
            }
        }
        let mut by_names = self.paired_by_names.clone();
        by_names.sort();
        by_names.dedup();
        for (p, t) in by_names {
            let _ = writeln!(
                out,
                "stats: parameter file {} pairs with {}, the one template beside it declaring every parameter it sets",
                shown(&p),
                shown(&t)
            );
        }
        let mut unpaired = self.unpaired.clone();
        unpaired.sort();
        unpaired.dedup();
        for (p, near) in unpaired {
            let hint = near.map_or(String::new(), |(t, lacks)| {
                let lacks: Vec<String> = lacks.iter().map(|n| format!("'{}'", shown(n))).collect();
                format!(
                    " ({} declares all its parameters but {}: stale, or pair it explicitly)",
                    shown(&t),
                    lacks.join(" and ")
                )
            });
            let _ = writeln!(
                out,
                "stats: parameter file {} pairs with no template{hint}",
                shown(&p)
            );
        }
        out
    }

    /// The `top` entries of a histogram, most frequent first, with an example place.
    fn counts(
        &self,
        out: &mut String,
        counts: &HashMap<String, usize>,
        top: usize,
        place: &dyn Fn(crate::source::Loc) -> String,
    ) {
        let mut rows: Vec<_> = counts.iter().collect();
        rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (raw, n) in rows.into_iter().take(top) {
            let reason = shown(raw);
            match self.examples.get(raw) {
                Some(at) => {
                    let _ = writeln!(out, "{n:>8}  {}  (e.g. {})", reason, place(*at));
                }
                None => {
                    let _ = writeln!(out, "{n:>8}  {}", reason);
                }
            }
        }
    }
}

/// A reason or path as `--stats` prints it: reasons may quote template text,
/// so no control character and no more than a line's worth of it.
fn shown(s: &str) -> String {
    use crate::neutral::{MESSAGE_CHARS, capped};
    capped(s, MESSAGE_CHARS)
}

/// Why a module or linked template was not read, grouped for `--stats`.
fn unread_kind(u: &Unread) -> String {
    let written = u.written.as_str();
    let what = if u.parameters {
        "linked parameter file"
    } else {
        "module or linked template"
    };
    if written.starts_with("br:") || written.starts_with("br/") {
        "registry module (not available offline)".into()
    } else if written.starts_with("ts:") || written.starts_with("ts/") {
        "template spec module (not available offline)".into()
    } else if u.outside_root {
        format!("{what} outside the project root (TDN007)")
    } else if let Some(path) = &u.path {
        if path.exists() {
            format!("{what} cannot be read or is not a template")
        } else {
            format!("{what} does not exist (TDN006)")
        }
    } else {
        normalize(&u.reason)
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
