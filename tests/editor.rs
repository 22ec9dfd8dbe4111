//! The VS Code problem matcher in the README matches tendon's gcc format: the
//! `regexp` is read from README.md, so the documentation cannot drift.

mod common;

use common::tendon;

use std::path::Path;

use serde_json::Value;

/// Every `"regexp": "…"` value in a part of the README, JSON-unescaped.
fn regexps(text: &str) -> Vec<String> {
    text.match_indices("\"regexp\":")
        .map(|(at, key)| {
            let rest = text[at + key.len()..].trim_start();
            // The value is a JSON string; let a JSON reader find its end.
            let mut values = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
            match values.next() {
                Some(Ok(Value::String(s))) => s,
                other => panic!("regexp is not a JSON string: {other:?}"),
            }
        })
        .collect()
}

fn readme_matcher() -> regex::Regex {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme
        .split("\n## VS Code\n")
        .nth(1)
        .expect("README has a '## VS Code' section")
        .split("\n## ")
        .next()
        .unwrap();
    let found = regexps(section);
    assert_eq!(found.len(), 1, "one regexp in the VS Code section");
    // The short form under "Output formats" says the same.
    for other in regexps(&readme) {
        assert_eq!(other, found[0], "the README's matchers differ");
    }
    regex::Regex::new(&found[0]).expect("the README's regexp compiles")
}

#[test]
fn the_readme_problem_matcher_reads_every_gcc_line() {
    let matcher = readme_matcher();
    let gcc = tendon(&["check", "fixtures", "--format", "gcc"]);
    assert_eq!(gcc.status.code(), Some(1));
    let json = tendon(&["check", "fixtures", "--format", "json"]);
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let out = String::from_utf8(gcc.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), findings.len());
    let mut severities = std::collections::BTreeSet::new();
    for (line, f) in lines.iter().zip(findings) {
        let c = matcher
            .captures(line)
            .unwrap_or_else(|| panic!("no match: {line}"));
        let severity = match f["severity"].as_str().unwrap() {
            "info" => "note",
            s => s,
        };
        severities.insert(severity);
        assert_eq!(&c[1], f["file"].as_str().unwrap(), "{line}");
        assert_eq!(c[2].parse::<u64>().ok(), f["line"].as_u64(), "{line}");
        assert_eq!(c[3].parse::<u64>().ok(), f["column"].as_u64(), "{line}");
        assert_eq!(&c[4], severity, "{line}");
        assert_eq!(&c[5], f["rule"].as_str().unwrap(), "{line}");
        assert_eq!(&c[6], f["message"].as_str().unwrap(), "{line}");
    }
    // The fixtures exercise every severity word the matcher knows.
    assert_eq!(
        severities.into_iter().collect::<Vec<_>>(),
        ["error", "note", "warning"]
    );
}

#[test]
fn the_matcher_rejects_other_lines() {
    let matcher = readme_matcher();
    for line in [
        "checked 3 files (2 templates): 2 errors, 0 warnings",
        "a.json:1:2: fatal[AKS001]: x",
        "a.json:1: error[AKS001]: x",
    ] {
        assert!(!matcher.is_match(line), "{line}");
    }
}
