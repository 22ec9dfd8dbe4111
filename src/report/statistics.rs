//! `--statistics`: how many findings each rule reported, most first (ruff's
//! flag), as an aligned table or, with `--format json`, a JSON array.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use crate::finding::Severity;
use crate::neutral;
use crate::outcome::Outcome;

#[derive(Serialize)]
struct Row<'a> {
    rule: &'a str,
    slug: &'a str,
    /// The highest severity among the rule's findings.
    severity: &'static str,
    count: usize,
}

fn rows(outcome: &Outcome) -> Vec<Row<'_>> {
    let mut by_rule: BTreeMap<&str, (&str, Severity, usize)> = BTreeMap::new();
    for f in &outcome.findings {
        let e = by_rule.entry(&f.rule).or_insert((&f.slug, f.severity, 0));
        e.1 = e.1.max(f.severity);
        e.2 += 1;
    }
    let mut rows: Vec<Row> = by_rule
        .into_iter()
        .map(|(rule, (slug, severity, count))| Row {
            rule,
            slug,
            severity: severity.as_str(),
            count,
        })
        .collect();
    // Most findings first; the BTreeMap's id order breaks ties.
    rows.sort_by_key(|r| std::cmp::Reverse(r.count));
    rows
}

/// `  12  AKS009  error    kubenet-overlap`, one line per rule with findings.
pub fn render_text(outcome: &Outcome) -> String {
    let rows = rows(outcome);
    let count_width = rows.first().map_or(1, |r| r.count.to_string().len());
    let id_width = rows
        .iter()
        .map(|r| neutral::visible(r.rule).chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for r in &rows {
        let _ = writeln!(
            out,
            "{:>count_width$}  {:<id_width$}  {:<7}  {}",
            r.count,
            neutral::visible(r.rule),
            r.severity,
            neutral::visible(r.slug),
        );
    }
    out
}

/// `[{"rule": "AKS009", "slug": …, "severity": "error", "count": 12}, …]`.
pub fn render_json(outcome: &Outcome) -> String {
    let mut out =
        neutral::json_text(serde_json::to_string_pretty(&rows(outcome)).unwrap_or_default());
    out.push('\n');
    out
}
