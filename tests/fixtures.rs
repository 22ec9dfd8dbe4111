//! Runs every fixture case under `fixtures/<RULE>/<case>/` and compares the
//! exact findings (rule, file, line, column, related locations) with the
//! case's `expected` file.

mod common;

use std::path::{Path, PathBuf};

use common::fixture::{cases_under, check_bicep_twins, fires, mismatches};
use tendon::rules::load::load_rules;

fn cases() -> Vec<PathBuf> {
    cases_under(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"))
}

#[test]
fn every_fixture_gives_exactly_the_expected_findings() {
    let rules = load_rules(&[] as &[&Path]).unwrap();
    let cases = cases();
    assert!(cases.len() >= 10, "fixtures are missing");
    let failures = mismatches(&cases, &rules, |_| true);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_a_failing_and_a_passing_fixture() {
    let rules = load_rules(&[] as &[&Path]).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let ids = rules
        .iter()
        .map(|r| r.id.clone())
        .chain(["TDN001", "TDN005", "TDN003", "TDN006", "TDN007"].map(String::from));
    for id in ids {
        let cases: Vec<_> = cases()
            .into_iter()
            .filter(|c| c.starts_with(root.join(&id)))
            .collect();
        assert!(
            cases.iter().any(|c| fires(c, &id)),
            "{id}: no fixture where it fires"
        );
        assert!(
            cases.iter().any(|c| !fires(c, &id)),
            "{id}: no fixture where it stays silent"
        );
    }
}

#[test]
fn bicep_twins_match_their_arm_cases() {
    let (twins, failures) = check_bicep_twins(&cases());
    assert!(twins >= 28, "only {twins} Bicep twins found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
