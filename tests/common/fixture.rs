//! Fixture cases (`<root>/<RULE>/<case>/` with an `expected` file) and the
//! findings of a run in the `expected` format: `RULE file:line:col
//! related=file:line:col`, paths relative to the case.

use std::path::{Path, PathBuf};

use tendon::outcome::Outcome;
use tendon::pipeline;
use tendon::report::locate;
use tendon::rules::load::Rule;

/// Every case folder under `root` (a folder per rule, a folder per case), sorted.
pub fn cases_under(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut rules: Vec<_> = std::fs::read_dir(root)
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
pub fn rule_of(case: &Path) -> String {
    case.parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Every finding of warning or error severity, and info findings of the
/// fixture's own rule (an info such as AKS021 would otherwise be in every file).
pub fn actual(outcome: &Outcome, case: &Path) -> Vec<String> {
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

/// The findings a case's `expected` file lists (blank lines and `#` comments skipped).
pub fn expected(case: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(case.join("expected"))
        .unwrap_or_else(|_| panic!("{} has no `expected` file", case.display()));
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// Whether `id` fires in the case's `expected` file.
pub fn fires(case: &Path, id: &str) -> bool {
    expected(case)
        .iter()
        .any(|l| l.starts_with(&format!("{id} ")))
}

/// Runs each case with `rules` and lists the cases whose findings (those
/// `keep` keeps) differ from their `expected` file, with both lists.
pub fn mismatches(cases: &[PathBuf], rules: &[Rule], keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut failures = Vec::new();
    for case in cases {
        // Exports of deployed resources go in `deployed/` (`--context`).
        let deployed = case.join("deployed");
        let context = if deployed.is_dir() {
            files_under(&deployed)
        } else {
            Vec::new()
        };
        let options = pipeline::Options {
            context: &context,
            ..Default::default()
        };
        let outcome = pipeline::run_with(std::slice::from_ref(case), rules, options).unwrap();
        let got: Vec<String> = actual(&outcome, case)
            .into_iter()
            .filter(|l| keep(l))
            .collect();
        let want = expected(case);
        if got != want {
            failures.push(format!(
                "{}:\n  expected: {want:#?}\n  actual:   {got:#?}",
                case.display()
            ));
        }
    }
    failures
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The sorted rule ids of a case's `expected` file (a multiset).
pub fn expected_rules(case: &Path) -> Vec<String> {
    let mut ids: Vec<String> = expected(case)
        .iter()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    ids.sort();
    ids
}

/// `X-bicep` next to `X` is the Bicep twin of the ARM case `X`: it must give
/// the same rule ids the same number of times (so the twins cannot drift), and
/// be Bicep: at least one `.bicep` file and no ARM template in JSON. Returns
/// how many twins there are and what is wrong with them.
pub fn check_bicep_twins(cases: &[PathBuf]) -> (usize, Vec<String>) {
    let mut failures = Vec::new();
    let mut twins = 0;
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let Some(arm_name) = name.strip_suffix("-bicep") else {
            continue;
        };
        let arm = case.with_file_name(arm_name);
        if !arm.is_dir() {
            continue;
        }
        twins += 1;
        let (want, got) = (expected_rules(&arm), expected_rules(case));
        if want != got {
            failures.push(format!(
                "{}: rule ids {got:?}, but its ARM twin {} has {want:?}",
                case.display(),
                arm.display()
            ));
        }
        let files = files_under(case);
        let is_ext = |p: &PathBuf, ext: &str| {
            p.extension()
                .is_some_and(|e| e.to_string_lossy().eq_ignore_ascii_case(ext))
        };
        if !files.iter().any(|p| is_ext(p, "bicep")) {
            failures.push(format!("{}: no .bicep file", case.display()));
        }
        for p in files
            .iter()
            .filter(|p| is_ext(p, "json") || is_ext(p, "jsonc"))
        {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            if text
                .to_ascii_lowercase()
                .contains("deploymenttemplate.json#")
            {
                failures.push(format!("{}: an ARM template in a Bicep twin", p.display()));
            }
        }
    }
    (twins, failures)
}
