//! The human format, exactly, at 80 and 160 columns (`COLUMNS`): snapshots
//! in tests/snapshots/human/. After an intended change of the layout,
//! `TENDON_UPDATE_SNAPSHOTS=1 cargo test --test human` rewrites them; review
//! the diff.

mod common;

use std::path::Path;

use common::{command_in, scratch, stdout};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn human(args: &[&str], columns: Option<&str>) -> String {
    let mut cmd = command_in(Path::new(ROOT), args);
    if let Some(c) = columns {
        cmd.env("COLUMNS", c);
    }
    stdout(&cmd.output().expect("run tendon"))
}

fn snapshot(name: &str, actual: &str) {
    let path = Path::new(ROOT).join(format!("tests/snapshots/human/{name}.txt"));
    if std::env::var_os("TENDON_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; actual:\n{actual}", path.display()));
    assert!(
        expected == actual,
        "{name} differs from {}:\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

/// Each case at both widths: what the case shows.
const CASES: &[(&str, &str)] = &[
    // A related place in another file, its own excerpt; an info note;
    // help and docs footers.
    ("related-file", "fixtures/AKS011/fail"),
    // One minified line: cut around each mark, shown once per mark that
    // does not fit beside the other.
    ("minified", "fixtures/AKS011/minified"),
    // A related place far above the finding in its file: a labelled `-`
    // underline in the finding's excerpt, the lines between elided.
    ("elision", "fixtures/AKS009/fail"),
    // A parse error (no help, no docs) beside a rule's finding.
    ("parse-error", "fixtures/TDN001/fail"),
];

#[test]
fn snapshots_at_80_and_160_columns() {
    let source = regex::Regex::new(r"^ *\d+ \|").unwrap();
    for (name, path) in CASES {
        for columns in ["80", "160"] {
            let out = human(&["check", path, "--color", "never"], Some(columns));
            snapshot(&format!("{name}-{columns}"), &out);
            // Source lines fit; only labels, which never wrap, may not.
            let width: usize = columns.parse().unwrap();
            for line in out.lines().filter(|l| source.is_match(l)) {
                assert!(line.chars().count() <= width, "{name}-{columns}: {line}");
            }
        }
    }
}

#[test]
fn show_slugs_names_the_rule_in_the_heading() {
    let out = human(
        &[
            "check",
            "fixtures/TDN001/fail",
            "--color",
            "never",
            "--show-slugs",
        ],
        None,
    );
    let headings: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("error[") || l.starts_with("note["))
        .map(|l| l.split_once("]:").map_or(l, |(h, _)| h))
        .collect();
    assert_eq!(
        headings,
        [
            "error[TDN001 parse-error",
            "error[AKS001 kubenet-windows-pool",
            "note[AKS021 kubenet-retirement"
        ]
    );
}

/// Without a width (not a terminal, no valid COLUMNS) nothing is cut or
/// wrapped; a report written to a file ignores COLUMNS.
#[test]
fn no_width_no_cut() {
    let args = ["check", "fixtures/AKS011/fail", "--color", "never"];
    let plain = human(&args, None);
    assert!(!plain.contains('…'), "{plain}");
    assert!(
        plain.contains(
            "16 |             \"vnetSubnetID\": \"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/RG-NET/providers/Microsoft.Network/virtualNetworks/Spoke-VNet/subnets/AKS\"\n"
        ),
        "{plain}"
    );
    for bad in ["0", "-3", "wide", ""] {
        assert_eq!(human(&args, Some(bad)), plain, "COLUMNS={bad:?}");
    }
    let dir = scratch("human-output");
    let report = dir.join("report.txt");
    let report_arg = report.to_str().unwrap();
    let summary = human(
        &[
            "check",
            "fixtures/AKS011/fail",
            "--color",
            "never",
            "-o",
            report_arg,
        ],
        Some("80"),
    );
    assert!(summary.starts_with("checked "), "{summary}");
    assert_eq!(std::fs::read_to_string(&report).unwrap(), plain);
}

/// Colours are SGR sequences only; without them the text is the same.
#[test]
fn colour_is_sgr_only() {
    let args = ["check", "fixtures/AKS009/fail", "--color"];
    let plain = human(&[&args[..], &["never"]].concat(), Some("80"));
    let coloured = human(&[&args[..], &["always"]].concat(), Some("80"));
    assert!(
        coloured.contains("\u{1b}[1;31merror[AKS009]\u{1b}[0m"),
        "{coloured}"
    );
    let sgr = regex::Regex::new("\u{1b}\\[[0-9;]*m").unwrap();
    assert_eq!(sgr.replace_all(&coloured, ""), plain);
}
