//! Renders a rule's documentation (`tendon rule AKS001`) in a fixed shape:
//! what it does, why it is bad, an example, what to write instead, references.

use std::fmt::Write;

use crate::rules::load::Rule;

pub fn render(rule: &Rule) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {} ({})\n", rule.id, rule.slug);
    let _ = writeln!(
        out,
        "Severity: {}. {}\n",
        rule.severity.as_str(),
        rule.summary
    );
    if let Some(doc) = &rule.doc {
        let _ = writeln!(out, "## What it does\n\n{}\n", doc.what.trim());
        let _ = writeln!(out, "## Why is this bad?\n\n{}\n", doc.why.trim());
        if let Some(e) = &doc.example {
            let _ = writeln!(out, "## Example\n\n```json\n{}\n```\n", e.trim());
        }
        if let Some(i) = &doc.instead {
            let _ = writeln!(out, "## Use instead\n\n```json\n{}\n```\n", i.trim());
        }
        if !doc.references.is_empty() {
            let _ = writeln!(out, "## References\n");
            for r in &doc.references {
                let _ = writeln!(out, "- {r}");
            }
            out.push('\n');
        }
    }
    if let Some(h) = &rule.help {
        let _ = writeln!(out, "Help: {h}");
    }
    let _ = writeln!(out, "Selects: {}", rule.select);
    out
}
