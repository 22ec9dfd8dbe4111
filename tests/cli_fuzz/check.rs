//! What every run must satisfy: it ends in time with a documented exit
//! code and no panic; its output is well-formed for its format, free of
//! hidden characters and forged CI commands, and agrees with the other
//! formats on the findings.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::rng::Rng;
use super::run::{Limits, Run, run};
use crate::common::json::json_problem;
use crate::common::neutral::{command_problem, hidden_problem};
use crate::common::sarif::schema_errors;
use crate::common::xml::xml_problem;

/// Every format `check --format` accepts (`every_format_lists_in_help`).
pub const FORMATS: &[&str] = &["human", "gcc", "github", "json", "sarif", "junit"];

fn regex(re: &str) -> Regex {
    Regex::new(re).expect("a valid regex")
}

static GCC: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^.+:\d+:\d+: (error|warning|note)\[[A-Z]+\d+\]: .*$"));
static GITHUB: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"^::(error|warning|notice) file=[^,:]*,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=[A-Z]+\d+ [a-z0-9-]+::.*$",
    )
});
/// Every line of a human report without a width: a heading, a place, a
/// gutter line (source, underline, bar), a footer, the elision mark, the
/// summary, or the blank line after a finding.
static HUMAN_LINE: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"^((error|warning|note)\[[A-Z]+\d+\]: .*|related: .*| +--> .*:\d+:\d+| *\d* \|( .*)?| += (help|docs): .*|…|checked .*|)$",
    )
});
static HUMAN_HEAD: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^(error|warning|note)\[[A-Z]+\d+\]: "));
static RULE: LazyLock<Regex> = LazyLock::new(|| regex(r"^[A-Z]+\d+$"));
static SGR: LazyLock<Regex> = LazyLock::new(|| regex("\u{1b}\\[[0-9;]*m"));

/// A `%` in a workflow command that starts none of its `escapes`.
fn bare_percent(s: &str, escapes: &[&str]) -> bool {
    s.match_indices('%')
        .any(|(i, _)| !escapes.iter().any(|e| s[i + 1..].starts_with(e)))
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "error" => 3,
        "warning" => 2,
        "info" | "note" => 1,
        _ => 0,
    }
}

struct Expect {
    findings: usize,
    /// Files with a finding at or above `--fail-on`: JUnit's failed test cases.
    failing_files: usize,
}

/// Checks one `check` run; returns the JSON document for json runs.
fn check_run(
    r: &Run,
    format: &str,
    colour: bool,
    fail_on: u8,
    dir: &Path,
    sarif: &jsonschema::Validator,
    problems: &mut Vec<String>,
) -> Option<Value> {
    let p0 = problems.len();
    let what = format!("[{}]", r.args.join(" "));
    let stderr = String::from_utf8_lossy(&r.stderr);
    if r.timed_out {
        problems.push(format!("{what}: no answer within {:?} (hang)", r.elapsed));
    }
    if r.over_memory {
        problems.push(format!("{what}: killed above the memory cap"));
    }
    if r.code.is_none() && !r.timed_out && !r.over_memory {
        problems.push(format!(
            "{what}: killed by a signal (abort?); stderr: {stderr}"
        ));
    }
    for bad in [
        "panicked at",
        "overflowed its stack",
        "memory allocation",
        "RUST_BACKTRACE",
    ] {
        if stderr.contains(bad) {
            problems.push(format!("{what}: {bad:?} on stderr:\n{stderr}"));
        }
    }
    if let Some(c) = r.code
        && !(0..=1).contains(&c)
    {
        problems.push(format!("{what}: exit code {c}; stderr: {stderr}"));
    }
    if problems.len() > p0 {
        return None;
    }
    let Ok(out) = std::str::from_utf8(&r.stdout) else {
        problems.push(format!("{what}: stdout is not UTF-8"));
        return None;
    };
    let own: &[&str] = if format == "github" {
        &["::error file=", "::warning file=", "::notice file="]
    } else {
        &[]
    };
    // Colours on: SGR sequences are the only escapes allowed.
    let plain = SGR.replace_all(out, "");
    let shown = if colour { &plain } else { out };
    for (text, own, what) in [
        (shown, own, what.clone()),
        (&stderr, &[][..], format!("{what} stderr")),
    ] {
        problems.extend(hidden_problem(text).map(|p| format!("{what}: {p}")));
        problems.extend(command_problem(text, own).map(|p| format!("{what}: {p}")));
    }
    let out = shown;
    let doc = match format {
        "json" | "sarif" | "world" => match serde_json::from_str::<Value>(out) {
            Ok(v) => Some(v),
            // serde_json stops at 128 levels; `world` is as deep as its input.
            Err(_) if format == "world" && json_problem(out).is_none() => None,
            Err(e) => {
                problems.push(format!("{what}: not JSON: {e}"));
                return None;
            }
        },
        _ => None,
    };
    match format {
        "gcc" => {
            for line in out.lines() {
                if !GCC.is_match(line) {
                    problems.push(format!("{what}: not a gcc finding line: {line:?}"));
                    break;
                }
            }
        }
        "github" => {
            for line in out.lines() {
                if !GITHUB.is_match(line) {
                    problems.push(format!("{what}: not a workflow command: {line:?}"));
                    break;
                }
                let props = &line[..line[2..].find("::").map_or(line.len(), |i| i + 2)];
                let message = &line[props.len()..];
                if bare_percent(props, &["25", "0D", "0A", "3A", "2C"])
                    || bare_percent(message, &["25", "0D", "0A"])
                {
                    problems.push(format!("{what}: unescaped '%' in {line:?}"));
                    break;
                }
            }
        }
        "human" => {
            for line in out.lines() {
                if !HUMAN_LINE.is_match(line) {
                    problems.push(format!("{what}: not a line of a human report: {line:?}"));
                    break;
                }
            }
            let last = out.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
            if !last.starts_with("checked ") {
                problems.push(format!("{what}: no summary line at the end: {last:?}"));
            }
        }
        "junit" => {
            if let Some(p) = xml_problem(out) {
                problems.push(format!("{what}: malformed XML: {p}"));
            }
        }
        "sarif" => {
            if let Some(d) = &doc {
                if !d["runs"].is_array() {
                    problems.push(format!("{what}: no runs"));
                }
                let errs = schema_errors(sarif, d);
                if !errs.is_empty() {
                    problems.push(format!(
                        "{what}: SARIF schema: {:?}",
                        &errs[..errs.len().min(3)]
                    ));
                }
            }
        }
        "json" => {
            if let Some(d) = &doc {
                check_json(d, dir, &what, fail_on, r.code, problems);
            }
        }
        _ => {}
    }
    doc
}

fn check_json(
    d: &Value,
    dir: &Path,
    what: &str,
    fail_on: u8,
    code: Option<i32>,
    problems: &mut Vec<String>,
) {
    if d["version"] != 1 {
        problems.push(format!("{what}: version is not 1"));
    }
    let Some(findings) = d["findings"].as_array() else {
        problems.push(format!("{what}: no findings array"));
        return;
    };
    let mut failing = false;
    for f in findings {
        let bad = |m: &str| format!("{what}: {m} in finding {f}");
        if !f["rule"].as_str().is_some_and(|r| RULE.is_match(r)) {
            problems.push(bad("bad rule id"));
        }
        let sev = f["severity"].as_str().map_or(0, severity_rank);
        if sev == 0 {
            problems.push(bad("bad severity"));
        }
        failing |= sev >= fail_on;
        let mut locs = vec![f];
        locs.extend(f["related"].as_array().into_iter().flatten());
        for l in locs {
            let (Some(file), Some(line), Some(col), Some(el), Some(ec)) = (
                l["file"].as_str(),
                l["line"].as_u64(),
                l["column"].as_u64(),
                l["end_line"].as_u64(),
                l["end_column"].as_u64(),
            ) else {
                problems.push(bad("missing location fields"));
                continue;
            };
            if line == 0 || col == 0 || (el, ec) < (line, col) {
                problems.push(bad("location out of order"));
            }
            match std::fs::read(dir.join(file)) {
                Ok(bytes) => {
                    let lines = 1 + bytes
                        .iter()
                        .filter(|b| **b == b'\n' || **b == b'\r')
                        .count();
                    if el as usize > lines + 1 {
                        problems.push(bad(&format!("line past the end ({lines} lines)")));
                    }
                }
                Err(_) => problems.push(bad("file does not exist")),
            }
        }
    }
    let expected = if failing { 1 } else { 0 };
    if code != Some(expected) {
        problems.push(format!(
            "{what}: exit code {code:?} but {} findings at or above --fail-on",
            if failing { "some" } else { "no" }
        ));
    }
}

fn count_lines(out: &[u8]) -> usize {
    String::from_utf8_lossy(out).lines().count()
}

fn human_count(out: &[u8]) -> usize {
    let text = String::from_utf8_lossy(out);
    SGR.replace_all(&text, "")
        .lines()
        .filter(|l| HUMAN_HEAD.is_match(l))
        .count()
}

/// What one batch gave.
pub struct Outcome {
    pub problems: Vec<String>,
    pub runs: usize,
    pub peak_kb: u64,
}

fn args(fixed: &[&str], extra: &[String]) -> Vec<String> {
    let mut all: Vec<String> = fixed.iter().map(|a| a.to_string()).collect();
    all.extend_from_slice(extra);
    all
}

/// Runs every format (and json single-threaded, and `world`) on one batch,
/// with options drawn from `rng`.
pub fn check_batch(
    dir: &Path,
    rng: &mut Rng,
    limits: &Limits,
    sarif: &jsonschema::Validator,
) -> Outcome {
    let mut problems = Vec::new();
    let (fail_on_word, fail_on) = *rng.pick(&[
        ("error", 3),
        ("error", 3),
        ("warning", 2),
        ("info", 1),
        ("never", 4),
    ]);
    let mut extra: Vec<String> = Vec::new();
    if fail_on_word != "error" || rng.one_in(2) {
        extra.extend(["--fail-on".into(), fail_on_word.into()]);
    }
    if rng.one_in(4) {
        extra.push("--report-unresolved".into());
    }
    if rng.one_in(4) {
        extra.push("--stats".into());
    }
    let colour = rng.one_in(3);
    let (mut runs, mut peak_kb) = (0, 0);
    let mut exec = |args: &[String]| {
        let r = run(dir, args, limits);
        runs += 1;
        peak_kb = peak_kb.max(r.peak_kb);
        r
    };
    let mut counts: Vec<(&str, usize)> = Vec::new();
    let mut expect: Option<Expect> = None;
    let mut json_out = Vec::new();
    let mut code = None;
    for format in FORMATS {
        let colour = colour && *format == "human";
        let when = if colour { "always" } else { "never" };
        let r = exec(&args(
            &["check", ".", "--format", format, "--color", when],
            &extra,
        ));
        let doc = check_run(&r, format, colour, fail_on, dir, sarif, &mut problems);
        if code.is_some() && code != r.code {
            problems.push(format!(
                "exit code {:?} with {format} but {code:?} before",
                r.code
            ));
        }
        code = r.code;
        match *format {
            "json" => {
                if let Some(findings) = doc.as_ref().and_then(|d| d["findings"].as_array()) {
                    let mut failing: Vec<&str> = findings
                        .iter()
                        .filter(|f| f["severity"].as_str().map_or(0, severity_rank) >= fail_on)
                        .filter_map(|f| f["file"].as_str())
                        .collect();
                    failing.sort_unstable();
                    failing.dedup();
                    expect = Some(Expect {
                        findings: findings.len(),
                        failing_files: failing.len(),
                    });
                }
                json_out = r.stdout;
            }
            "sarif" => {
                // Reported results; those suppressed in the source follow them.
                let n = doc
                    .as_ref()
                    .and_then(|d| d["runs"][0]["results"].as_array())
                    .map_or(0, |a| {
                        a.iter()
                            .filter(|r| r["suppressions"].as_array().is_some_and(Vec::is_empty))
                            .count()
                    });
                counts.push(("sarif", n));
            }
            "gcc" | "github" => counts.push((format, count_lines(&r.stdout))),
            "human" => counts.push(("human", human_count(&r.stdout))),
            "junit" => {
                let failures = String::from_utf8_lossy(&r.stdout)
                    .matches("<failure ")
                    .count();
                counts.push(("junit failures", failures));
            }
            _ => {}
        }
    }
    if let Some(e) = &expect {
        for (what, n) in &counts {
            let want = if *what == "junit failures" {
                e.failing_files
            } else {
                e.findings
            };
            if *n != want {
                problems.push(format!("{what}: {n} findings, json has {want}"));
            }
        }
    }
    // Output does not depend on scheduling.
    let r = exec(&args(
        &["check", ".", "--format", "json", "-j", "1"],
        &extra,
    ));
    check_run(&r, "json", false, fail_on, dir, sarif, &mut problems);
    if r.stdout != json_out && !r.timed_out {
        problems.push("json output differs with -j 1".into());
    }
    let r = exec(&args(&["world", "."], &[]));
    check_run(&r, "world", false, fail_on, dir, sarif, &mut problems);
    if r.code.is_some_and(|c| c != 0) {
        problems.push(format!("world: exit code {:?}", r.code));
    }
    problems.dedup();
    Outcome {
        problems,
        runs,
        peak_kb,
    }
}
