//! SARIF 2.1.0 for code scanning: the tool driver with every rule (id, name,
//! descriptions, help, default level), and one result per finding with its
//! region, related locations and a partial fingerprint that survives line moves.
//! Findings silenced in the source are results too, marked `inSource`
//! suppressed with the reason written beside the suppression.

use serde_json::{Value as J, json};

use crate::finding::{Finding, Severity};
use crate::outcome::Outcome;
use crate::report::locate;
use crate::rules::doc::BUILTIN;
use crate::rules::load::Rule;
use crate::source::Loc;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A path as a URI reference: every byte but unreserved characters and `/`
/// percent-encoded (RFC 3986), so `#`, `%`, spaces and non-ASCII names stay
/// one valid reference. Relative paths resolve against `%SRCROOT%`; absolute
/// ones become `file:` URIs.
fn artifact_location(path: &str) -> J {
    let slashed = if cfg!(windows) {
        path.replace('\\', "/")
    } else {
        path.to_string()
    };
    let mut uri = String::with_capacity(slashed.len());
    for b in slashed.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    if slashed.starts_with('/') {
        json!({"uri": format!("file://{uri}")})
    } else {
        json!({"uri": uri, "uriBaseId": "%SRCROOT%"})
    }
}

fn location(outcome: &Outcome, loc: Loc) -> J {
    let at = locate(&outcome.sources, loc);
    json!({
        "physicalLocation": {
            "artifactLocation": artifact_location(at.file),
            "region": {
                "startLine": at.start.line,
                "startColumn": at.start.column,
                "endLine": at.end.line,
                "endColumn": at.end.column,
            }
        }
    })
}

fn rule_descriptor(r: &Rule) -> J {
    let full = r
        .doc
        .as_ref()
        .map(|d| d.what.trim().to_string())
        .unwrap_or_else(|| r.summary.clone());
    let mut help = crate::rules::doc::rule_help(r).unwrap_or_else(|| r.summary.clone());
    let codes: Vec<&str> = crate::rules::doc::error_codes(r).collect();
    if !codes.is_empty() {
        help.push_str(&format!(
            " Prevents the Azure deployment error {}.",
            codes.join(", ")
        ));
    }
    let mut d = json!({
        "id": r.id,
        "name": r.slug,
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": full},
        "help": {"text": help, "markdown": crate::rules::doc::render(r)},
        "defaultConfiguration": {"level": level(r.severity)},
    });
    if let (Some(docs), J::Object(o)) = (&r.docs, &mut d) {
        o.insert("helpUri".into(), J::String(docs.clone()));
    }
    d
}

/// A result; `suppression` is the justification of a suppression in the
/// source that silenced it (`None`: reported).
fn result(
    outcome: &Outcome,
    f: &Finding,
    rule_index: Option<usize>,
    suppression: Option<&str>,
) -> J {
    let snippet = outcome
        .sources
        .get(f.loc.file)
        .map(|s| s.slice(f.loc.span))
        .unwrap_or("");
    let file = locate(&outcome.sources, f.loc).file;
    let related: Vec<J> = f
        .all_related()
        .enumerate()
        .map(|(i, r)| {
            let mut l = location(outcome, r.loc);
            if let J::Object(o) = &mut l {
                o.insert("id".into(), J::from(i + 1));
                o.insert("message".into(), json!({"text": r.message}));
            }
            l
        })
        .collect();
    let mut out = json!({
        "ruleId": f.rule,
        "level": level(f.severity),
        "message": {"text": f.message},
        "locations": [location(outcome, f.loc)],
        "partialFingerprints": {"tendonFinding/v1": crate::finding::stable_hash(&[&f.rule, file, &f.message, snippet])},
    });
    if let J::Object(o) = &mut out {
        if let Some(i) = rule_index {
            o.insert("ruleIndex".into(), J::from(i));
        }
        if !related.is_empty() {
            o.insert("relatedLocations".into(), J::Array(related));
        }
        // tendon always looks for suppressions: an empty list says "none".
        let suppressions = match suppression {
            None => json!([]),
            Some("") => json!([{"kind": "inSource"}]),
            Some(why) => json!([{"kind": "inSource", "justification": why}]),
        };
        o.insert("suppressions".into(), suppressions);
        // The rule's helpUri is one link; this one follows the cluster's network.
        if let Some(docs) = &f.docs {
            o.insert("properties".into(), json!({"docs": docs}));
        }
    }
    out
}

pub fn render(outcome: &Outcome, rules: &[Rule]) -> String {
    let mut descriptors: Vec<J> = rules.iter().map(rule_descriptor).collect();
    let mut ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    for (id, slug, severity, summary, text) in BUILTIN {
        ids.push(id);
        descriptors.push(json!({
            "id": id,
            "name": slug,
            "shortDescription": {"text": summary},
            "fullDescription": {"text": text},
            "help": {"text": text},
            "defaultConfiguration": {"level": match *severity { "error" => "error", "warning" => "warning", _ => "note" }},
        }));
    }
    let index = |f: &Finding| ids.iter().position(|id| *id == f.rule);
    let results: Vec<J> = outcome
        .findings
        .iter()
        .map(|f| result(outcome, f, index(f), None))
        .chain(outcome.suppressed.iter().map(|s| {
            let f = &s.finding;
            result(outcome, f, index(f), Some(&s.justification))
        }))
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "tendon",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": descriptors,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    let mut out = crate::neutral::json_text(serde_json::to_string_pretty(&doc).unwrap_or_default());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_uris_are_percent_encoded() {
        assert_eq!(
            artifact_location("a b/c#1%ü.json"),
            json!({"uri": "a%20b/c%231%25%C3%BC.json", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            artifact_location("/tmp/x:y.json"),
            json!({"uri": "file:///tmp/x%3Ay.json"})
        );
    }
}
