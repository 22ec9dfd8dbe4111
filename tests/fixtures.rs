//! Runs every fixture case under `fixtures/<RULE>/<case>/` and compares the
//! exact findings (rule, file, line, column, related locations) with the
//! case's `expected` file.

use std::path::{Path, PathBuf};

use tendon::pipeline::{self, Outcome};
use tendon::report::locate;
use tendon::rules::load::load_rules;

fn cases() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut rules: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    rules.sort();
    for rule in rules.into_iter().filter(|p| p.is_dir()) {
        let mut cs: Vec<_> = std::fs::read_dir(&rule)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        cs.sort();
        out.extend(cs.into_iter().filter(|p| p.is_dir()));
    }
    out
}

fn relative(file: &str, case: &Path) -> String {
    let case = case.to_string_lossy().replace('\\', "/");
    let case_rel = case
        .strip_prefix(&format!("{}/", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or(&case)
        .to_string();
    file.strip_prefix(&format!("{case_rel}/"))
        .or_else(|| file.strip_prefix(&format!("{case}/")))
        .unwrap_or(file)
        .to_string()
}

/// The rule a fixture folder is about: `fixtures/AKS011/fail` → `AKS011`.
fn rule_of(case: &Path) -> String {
    case.parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Every finding of warning or error severity, and info findings of the
/// fixture's own rule (an info such as AKS021 would otherwise be in every file).
fn actual(outcome: &Outcome, case: &Path) -> Vec<String> {
    let rule = rule_of(case);
    outcome
        .findings
        .iter()
        .filter(|f| f.severity != tendon::finding::Severity::Info || f.rule == rule)
        .map(|f| {
            let at = locate(&outcome.sources, f.loc);
            let mut line = format!(
                "{} {}:{}:{}",
                f.rule,
                relative(at.file, case),
                at.start.line,
                at.start.column
            );
            for r in f.all_related() {
                let rat = locate(&outcome.sources, r.loc);
                line.push_str(&format!(
                    " related={}:{}:{}",
                    relative(rat.file, case),
                    rat.start.line,
                    rat.start.column
                ));
            }
            line
        })
        .collect()
}

fn expected(case: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(case.join("expected"))
        .unwrap_or_else(|_| panic!("{} has no `expected` file", case.display()));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_fixture_gives_exactly_the_expected_findings() {
    let rules = load_rules(&[] as &[&Path]).unwrap();
    let mut failures = Vec::new();
    let cases = cases();
    assert!(cases.len() >= 10, "fixtures are missing");
    for case in &cases {
        let outcome = pipeline::run(std::slice::from_ref(case), &rules).unwrap();
        let got = actual(&outcome, case);
        let want = expected(case);
        if got != want {
            failures.push(format!(
                "{}:\n  expected: {want:#?}\n  actual:   {got:#?}",
                case.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_a_failing_and_a_passing_fixture() {
    let rules = load_rules(&[] as &[&Path]).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let ids = rules
        .iter()
        .map(|r| r.id.clone())
        .chain(["TDN001", "TDN005", "TDN003"].map(String::from));
    for id in ids {
        let cases: Vec<_> = cases()
            .into_iter()
            .filter(|c| c.starts_with(root.join(&id)))
            .collect();
        let fires = |c: &PathBuf| expected(c).iter().any(|l| l.starts_with(&format!("{id} ")));
        assert!(cases.iter().any(fires), "{id}: no fixture where it fires");
        assert!(
            cases.iter().any(|c| !fires(c)),
            "{id}: no fixture where it stays silent"
        );
    }
}
