//! The custom rule pack in `examples/rules/`: each rule fires and stays
//! silent on its own fixtures (`examples/rules/fixtures/<ID>/<case>/`, exact
//! findings as in `fixtures/`), through `--rules examples/rules` as a user
//! runs it; and the built-in rules find the same with the pack loaded or
//! not (the pack is loaded only when asked for).

mod common;

use std::path::{Path, PathBuf};

use common::fixture::{cases_under, check_bicep_twins, fires, mismatches};
use common::{stderr, stdout, tendon};
use tendon::rules::load::{Rule, load_rules};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/rules")
}

fn cases() -> Vec<PathBuf> {
    cases_under(&root().join("fixtures"))
}

/// The built-in rules and the pack.
fn with_pack() -> Vec<Rule> {
    load_rules(&[root()]).unwrap()
}

fn pack_ids() -> Vec<String> {
    let builtin = load_rules(&[] as &[&Path]).unwrap();
    with_pack()
        .into_iter()
        .map(|r| r.id)
        .filter(|id| !builtin.iter().any(|b| &b.id == id))
        .collect()
}

#[test]
fn the_pack_has_three_rules_in_a_namespace_of_its_own() {
    assert_eq!(pack_ids(), ["ORG001", "ORG002", "ORG003"]);
}

#[test]
fn every_example_fixture_gives_exactly_the_expected_findings() {
    let failures = mismatches(&cases(), &with_pack(), |_| true);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_example_rule_fires_and_stays_silent_in_arm_and_bicep() {
    let cases = cases();
    for id in pack_ids() {
        let mine: Vec<&PathBuf> = cases
            .iter()
            .filter(|c| c.starts_with(root().join("fixtures").join(&id)))
            .collect();
        for (bicep, language) in [(false, "ARM"), (true, "Bicep")] {
            let of_language = |c: &&&PathBuf| c.to_string_lossy().ends_with("-bicep") == bicep;
            let mine: Vec<_> = mine.iter().filter(of_language).collect();
            assert!(
                mine.iter().any(|c| fires(c, &id)),
                "{id}: no {language} fixture where it fires"
            );
            assert!(
                mine.iter().any(|c| !fires(c, &id)),
                "{id}: no {language} fixture where it stays silent"
            );
        }
    }
    let (twins, failures) = check_bicep_twins(&cases);
    assert!(twins >= 6, "only {twins} Bicep twins found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_cli_runs_the_pack_with_rules_dir() {
    let case = "examples/rules/fixtures/ORG001/fail";
    let o = tendon(&[
        "check",
        "--rules",
        "examples/rules",
        case,
        "--format",
        "gcc",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with(&format!("{case}/azuredeploy.json:54:29: error[ORG001]: ")),
        "{}",
        stdout(&o)
    );
    // Without --rules the pack is not loaded: no such rule, no finding.
    let o = tendon(&["check", case, "--format", "gcc"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(!stdout(&tendon(&["rules"])).contains("ORG00"));
    let o = tendon(&["explain", "ORG003", "--rules", "examples/rules"]);
    assert!(
        stdout(&o).starts_with("# ORG003 (shared-cluster-identity)\n"),
        "{}",
        stdout(&o)
    );
}

/// The pack adds findings of its own rules only: the built-in rules find
/// exactly what their fixtures expect with it loaded.
#[test]
fn the_pack_leaves_the_built_in_findings_alone() {
    let ids = pack_ids();
    let built_in = |line: &str| !ids.iter().any(|id| line.starts_with(&format!("{id} ")));
    let cases = cases_under(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"));
    let failures = mismatches(&cases, &with_pack(), built_in);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
