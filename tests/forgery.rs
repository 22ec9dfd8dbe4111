//! Untrusted text cannot forge output: file names and template names with
//! line breaks, ESC, U+2028, U+FFFE, `::error` workflow commands and Azure
//! `##vso[` commands stay inside their finding's fields in every format; and
//! every report is linear in files plus findings.

mod common;

use std::path::{Path, PathBuf};

use common::neutral::{command_problem, hidden_problem};
use common::xml::xml_problem;
use common::{scratch, tendon_in, windows_pool_template as template};

const CLUSTER: &str = "c\n::warning file=f.json,line=1::forged\u{1b}]0;title\u{7}\u{1b}[2K\u{2028}x\u{2029}\u{fffe}\u{85}\n##vso[task.setvariable variable=x]1\r##[error]forged";
const POOL: &str = "p\r\n::error::forged";

/// Three hostile file names and a file with raw control characters in its
/// text (a parse error whose snippet shows them). Ten findings in all: three
/// per template (AKS001, AKS021, and AKS029 for the long Windows pool name).
fn hostile(test: &str) -> PathBuf {
    let dir = scratch(&format!("forgery-{test}"));
    let names = [
        "a\n::error file=forged.json,line=1::forged\r\u{1b}[2K.json",
        "::error title=x::y.json",
        "##vso[task.setvariable variable=x]1.json",
    ];
    for name in names {
        std::fs::write(dir.join(name), template(CLUSTER, POOL)).unwrap();
    }
    std::fs::write(
        dir.join("raw.json"),
        "{\"$schema\": \"https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#\",\n\
         \"a\": \"x\u{1b}[2K\u{2028}\u{85}y\"\n}\n",
    )
    .unwrap();
    dir
}

const FINDINGS: usize = 10;

fn run(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["check", "."];
    all.extend_from_slice(args);
    let o = tendon_in(dir, &all);
    assert_eq!(o.status.code(), Some(1), "{all:?}");
    String::from_utf8(o.stdout).unwrap()
}

fn assert_no_hidden(out: &str, what: &str) {
    if let Some(p) = hidden_problem(out) {
        panic!("{what}: {p}\n{out}");
    }
}

/// No line that a CI runner would read as a command, but tendon's own
/// (`own`: the allowed prefixes).
fn assert_no_commands(out: &str, own: &[&str], what: &str) {
    if let Some(p) = command_problem(out, own) {
        panic!("{what}: forged {p}");
    }
}

#[test]
fn json_reports_count_and_keep_the_names() {
    let dir = hostile("json");
    let out = run(&dir, &["--format", "json"]);
    assert_no_hidden(&out, "json");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), FINDINGS);
    // The JSON value is exact: escapes, not replacements.
    let expected = format!("cluster '{CLUSTER}' uses kubenet");
    assert!(findings.iter().any(|f| {
        f["message"].as_str().unwrap().starts_with(&expected)
            && f["file"] == "a\n::error file=forged.json,line=1::forged\r\u{1b}[2K.json"
    }));
}

#[test]
fn sarif_parses_and_keeps_the_names() {
    let dir = hostile("sarif");
    let out = run(&dir, &["--format", "sarif"]);
    assert_no_hidden(&out, "sarif");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), FINDINGS);
    let expected = format!("node pool '{POOL}' of cluster '{CLUSTER}'");
    assert!(results.iter().any(|r| {
        r["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with(&expected)
    }));
}

#[test]
fn gcc_is_one_line_per_finding() {
    let dir = hostile("gcc");
    let out = run(&dir, &["--format", "gcc"]);
    assert_no_hidden(&out, "gcc");
    assert_no_commands(&out, &[], "gcc");
    let shape = regex::Regex::new(r"^.+:\d+:\d+: (error|warning|note)\[[A-Z]+\d+\]: .+$").unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), FINDINGS, "{out}");
    for line in &lines {
        assert!(shape.is_match(line), "{line:?}");
    }
    assert!(lines.contains(
        &"a\\n::error file=forged.json,line=1::forged\\r\\u{1b}[2K.json:14:46: note[AKS021]: \
          cluster 'c\\n::warning file=f.json,line=1::forged\\u{1b}]0;title\\u{7}\\u{1b}[2K\\u{2028}x\\u{2029}\\u{fffe}\\u{85}\\n\
          ##vso[task.setvariable variable=x]1\\r##[error]forged' uses kubenet, which AKS retires on 31 March 2028; \
          plan the move to Azure CNI Overlay"
    ));
    assert!(lines.iter().any(|l| l.starts_with(
        "./::error title=x::y.json:13:88: error[AKS001]: node pool 'p\\r\\n::error::forged'"
    )));
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("./##vso[task.setvariable variable=x]1.json:"))
    );
    assert!(lines.iter().any(|l| l.starts_with("raw.json:2:")));
}

#[test]
fn github_is_one_command_per_finding() {
    let dir = hostile("github");
    let out = run(&dir, &["--format", "github"]);
    assert_no_hidden(&out, "github");
    assert_no_commands(&out, &["::error file=", "::notice file="], "github");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), FINDINGS, "{out}");
    for line in &lines {
        // The properties end at the first `::`; each is a known key.
        let rest = line.split_once(' ').unwrap().1;
        let (props, _message) = rest.split_once("::").unwrap();
        for prop in props.split(',') {
            let key = prop.split_once('=').unwrap().0;
            assert!(
                ["file", "line", "col", "endLine", "endColumn", "title"].contains(&key),
                "{line:?}"
            );
        }
    }
    assert!(lines.contains(
        &"::error file=a\\n%3A%3Aerror file=forged.json%2Cline=1%3A%3Aforged\\r\\u{1b}[2K.json,\
          line=13,col=88,endLine=13,endColumn=97,title=AKS001 kubenet-windows-pool::\
          node pool 'p\\r\\n::error::forged' of cluster 'c\\n::warning file=f.json,line=1::forged\
          \\u{1b}]0;title\\u{7}\\u{1b}[2K\\u{2028}x\\u{2029}\\u{fffe}\\u{85}\\n\
          ##vso[task.setvariable variable=x]1\\r##[error]forged' runs Windows, which kubenet does not support"
    ));
}

/// Human output escapes names, file names and the source lines it shows;
/// with colours the only escape sequences are SGR colours.
#[test]
fn human_shows_control_characters_escaped() {
    let dir = hostile("human");
    let sgr = regex::Regex::new("\u{1b}\\[[0-9;]*m").unwrap();
    for color in ["never", "always"] {
        let out = run(&dir, &["--color", color]);
        let plain = sgr.replace_all(&out, "");
        assert_no_hidden(&plain, color);
        assert_no_commands(&plain, &[], color);
        assert!(plain.contains("\\u{1b}]0;title\\u{7}"), "{plain}");
        // The parse error's snippet: the raw characters of raw.json, escaped.
        assert!(
            plain.contains(r#""a": "x\u{1b}[2K\u{2028}\u{85}y""#),
            "{plain}"
        );
        assert!(
            plain.contains("--> a\\n::error file=forged.json"),
            "{plain}"
        );
    }
}

#[test]
fn junit_is_well_formed_xml() {
    let dir = hostile("junit");
    for fail_on in ["error", "info"] {
        let out = run(&dir, &["--format", "junit", "--fail-on", fail_on]);
        assert_no_hidden(&out, "junit");
        assert_no_commands(&out, &[], "junit");
        assert_well_formed(&out);
        assert!(
            out.contains("name=\"a\\n::error file=forged.json,line=1::forged\\r\\u{1b}[2K.json\"")
        );
        assert!(out.contains("\\u{fffe}"));
    }
}

fn assert_well_formed(xml: &str) {
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
    if let Some(p) = xml_problem(xml) {
        panic!("malformed XML: {p}\n{xml}");
    }
}

#[test]
fn xml_check_rejects_what_it_should() {
    assert_eq!(
        xml_problem("<?xml version=\"1.0\"?>\n<a b='1' c=\"&amp;&#x41;\"><c/>t</a>\n"),
        None
    );
    for bad in [
        "<a><b></a></b>",
        "<a b=1/>",
        "<a b='1' b='2'/>",
        "<a>&nbsp;</a>",
        "<a>\u{1b}</a>",
        "<a>\u{fffe}</a>",
        "<a/><b/>",
        "<a>x < y</a>",
        "<a>&#0;</a>",
        "<a>",
        "text",
    ] {
        assert!(xml_problem(bad).is_some(), "{bad:?}");
    }
}

/// Every format is linear in files plus findings: 2,000 files with two
/// findings each. The report stage (`--timings`) takes well under a second
/// in debug; a scan of all findings per file (JUnit before) took over 20.
#[test]
fn reports_are_linear_in_files_and_findings() {
    const FILES: usize = 2000;
    let dir = scratch("forgery-many");
    let text = template("aks", "win");
    for i in 0..FILES {
        std::fs::write(dir.join(format!("t{i:05}.json")), &text).unwrap();
    }
    let timing = regex::Regex::new(r"(?m)^timing report +([0-9.]+) ms$").unwrap();
    // One evaluation, every format from it (--report): the report stage
    // renders all five.
    let formats = ["junit", "gcc", "github", "json", "sarif"];
    let mut args = vec!["check", ".", "--format", "json", "--timings", "-q"];
    let specs: Vec<String> = formats
        .iter()
        .map(|f| format!("{f}=report-{f}.out"))
        .collect();
    for spec in &specs {
        args.extend(["--report", spec.as_str()]);
    }
    let o = tendon_in(&dir, &args);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    let ms: f64 = timing.captures(&err).unwrap()[1].parse().unwrap();
    // All five render in a few seconds in debug on a busy machine; one scan of
    // all findings per file (JUnit before) took over 20 on its own.
    assert!(
        ms < 15000.0,
        "rendering {} formats took {ms} ms for {FILES} files",
        formats.len()
    );
    let read = |f: &str| std::fs::read_to_string(dir.join(format!("report-{f}.out"))).unwrap();
    for format in formats {
        let out = read(format);
        assert!(!out.is_empty(), "{format}");
        if format == "junit" {
            assert_eq!(out.matches("<testcase ").count(), FILES);
            assert_eq!(out.matches("<failure ").count(), FILES);
            assert_eq!(out.matches("<system-out>").count(), FILES);
            assert!(out.contains("<testcase classname=\"tendon\" name=\"t01999.json\">"));
        }
        if format == "gcc" {
            assert_eq!(out.lines().count(), 2 * FILES);
        }
    }
}

/// `world` prints template text as the json report does: exact, with the
/// characters a terminal or CI log would act on written as `\uXXXX` (found
/// by tests/cli_fuzz).
#[test]
fn world_escapes_like_json() {
    let dir = hostile("world");
    let o = tendon_in(&dir, &["world", "."]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8(o.stdout).unwrap();
    assert_no_hidden(&out, "world");
    assert_no_commands(&out, &[], "world");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(out.contains(r"\u2028x\u2029\ufffe\u0085"), "{out}");
    assert!(
        doc["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == CLUSTER),
        "{out}"
    );
}

/// `--stats` on stderr quotes template values in its reasons, escaped (found
/// by tests/cli_fuzz).
#[test]
fn stats_reasons_are_escaped() {
    let dir = scratch("forgery-stats");
    std::fs::write(
        dir.join("stats.json"),
        template("[parseCidr('x\u{1b}[2K\n::error::forged')]", "p").replace(
            "\"kubenet\"",
            r#""[toLower(parameters('a\u2028\n##vso[x]'))]""#,
        ),
    )
    .unwrap();
    let o = tendon_in(&dir, &["check", ".", "--stats"]);
    let err = String::from_utf8(o.stderr).unwrap();
    assert_no_hidden(&err, "stats");
    assert_no_commands(&err, &[], "stats");
    assert!(
        err.contains("parseCidr(): 'x\\u{1b}[2K\\n::error::forged' is not a valid CIDR range"),
        "{err}"
    );
    assert!(err.contains("parameter 'a\\u{2028}\\n##vso[x]'"), "{err}");
}

/// A finding far along a long line (a minified template) is shown with
/// the line cut around it: miette panicked on a column past 65,535, and a
/// whole line per finding made 20,000 parse errors on one 60 KB line a
/// 1.2 GB report (found by tests/cli_fuzz).
#[test]
fn human_names_the_place_of_findings_on_very_long_lines() {
    let dir = scratch("forgery-wide");
    std::fs::write(
        dir.join("a.bicep"),
        format!("var x = '{}' +\n", "a".repeat(70_000)),
    )
    .unwrap();
    // 20,000 parse errors on one line.
    std::fs::write(
        dir.join("b.bicep"),
        format!("var y = {}\n", "$".repeat(20_000)),
    )
    .unwrap();
    let sgr = regex::Regex::new("\u{1b}\\[[0-9;]*m").unwrap();
    for color in ["never", "always"] {
        let o = tendon_in(&dir, &["check", ".", "--color", color]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        let out = String::from_utf8(o.stdout).unwrap();
        assert!(out.len() < 10_000_000, "{} bytes", out.len());
        let plain = sgr.replace_all(&out, "");
        assert!(
            plain.contains(
                "error[TDN001]: expected an expression, found new line\n --> a.bicep:1:70013\n"
            ),
            "{plain:.2000}"
        );
        // Cut to the 1000 columns shown without a terminal, around the place.
        assert!(
            plain.contains(&format!("1 | …{}' +\n", "a".repeat(995))),
            "{plain:.2000}"
        );
        assert!(
            plain.lines().all(|l| l.chars().count() < 1100),
            "{plain:.2000}"
        );
    }
}

/// A rule folder is repository content too: its one-line texts (slug,
/// summary, help, docs) must be one line, and `tendon rules` and `tendon
/// explain` show its documentation with control characters escaped, line
/// breaks kept, and no line a CI runner would take as a command.
#[test]
fn rule_documentation_from_a_rule_folder_is_shown_escaped() {
    let dir = scratch("forgery-rule-docs");
    std::fs::create_dir_all(dir.join("rules")).unwrap();
    std::fs::write(
        dir.join("rules/ORG001.toml"),
        "id = \"ORG001\"\nslug = \"org-rule\"\nseverity = \"warning\"\n\
         summary = \"s ::error::inline\"\nselect = \"$.clusters[*]\"\nmessage = \"m\"\n\n\
         [doc]\nwhat = \"\"\"\nline one\n\\u001b]8;;https://evil\\u0007link\n::error file=a::forged\n  ##vso[task.complete]x\n\"\"\"\nwhy = \"w\"\n",
    )
    .unwrap();
    let o = tendon_in(&dir, &["rules", "--rules", "rules"]);
    let text = String::from_utf8(o.stdout).unwrap();
    let line = text.lines().find(|l| l.starts_with("ORG001")).unwrap();
    assert_eq!(
        line,
        "ORG001  org-rule                       warning  s ::error::inline"
    );
    let o = tendon_in(&dir, &["explain", "ORG001", "--rules", "rules"]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains(
            "## What it does\n\nline one\n\\u{1b}]8;;https://evil\\u{7}link\n\
             \\u{3a}:error file=a::forged\n  \\u{23}#vso[task.complete]x\n"
        ),
        "{text}"
    );
    for line in text.lines() {
        assert_eq!(hidden_problem(line), None, "{line:?}");
    }
    assert_no_commands(&text, &[], "explain");
    let o = tendon_in(&dir, &["rules", "--rules", "rules", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "ORG001")
        .unwrap();
    assert_eq!(row["summary"], "s ::error::inline");
    // A line break or control character in a one-line text, or a slug that
    // is not lower-case words: the rule is refused.
    for (field, value) in [
        ("summary", "s\\r::error::forged"),
        ("summary", "s\\u001b[2J"),
        ("help", "h\\n::error::forged"),
        ("slug", "x\\n::error::slug"),
        ("docs", "command:workbench.action.terminal.sendSequence"),
    ] {
        let bad = dir.join(format!("bad-{field}"));
        std::fs::create_dir_all(&bad).unwrap();
        let slug = if field == "slug" { value } else { "ok" };
        let summary = if field == "summary" { value } else { "s" };
        let extra = if field == "help" || field == "docs" {
            format!("{field} = \"{value}\"\n")
        } else {
            String::new()
        };
        std::fs::write(
            bad.join("ORG002.toml"),
            format!(
                "id = \"ORG002\"\nslug = \"{slug}\"\nseverity = \"warning\"\nsummary = \"{summary}\"\n\
                 select = \"$.clusters[*]\"\nmessage = \"m\"\n{extra}"
            ),
        )
        .unwrap();
        let o = tendon_in(&dir, &["rules", "--rules", &bad.display().to_string()]);
        assert_eq!(o.status.code(), Some(2), "{field}");
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(err.contains(field), "{field}: {err}");
        assert_no_commands(&err, &[], field);
        assert!(o.stdout.is_empty(), "{field}");
    }
}
