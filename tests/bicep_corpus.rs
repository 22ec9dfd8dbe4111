//! Parses the Bicep compiler's baseline files (when the shared corpus is
//! present next to the crate): the valid ones must have no syntax error,
//! the invalid ones must not panic.

use std::path::{Path, PathBuf};

use tendon::bicep::parser::parse;
use tendon::source::SourceFile;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/bicep-baselines")
}

fn bicep_files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "bicep" || e == "bicepparam")
        })
        .collect();
    out.sort();
    out
}

fn read(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The compiler's annotated baselines (`parameters.tokens.bicepparam` …)
/// interleave `//@` comment lines with the source; inside a multi-line
/// string those lines become string text, so the files need not be valid.
fn is_annotated(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    [".tokens.", ".syntax.", ".symbols.", ".diagnostics."]
        .iter()
        .any(|m| name.contains(m))
}

#[test]
fn valid_baselines_parse_without_errors() {
    let root = corpus();
    if !root.is_dir() {
        skipped(&format!("{} not found", root.display()));
        return;
    }
    let mut files = 0;
    let mut failures = Vec::new();
    for sub in ["valid", "bicepparam"] {
        for path in bicep_files(&root.join(sub)) {
            files += 1;
            let text = read(&path);
            let program = parse(&text);
            let file = SourceFile::new(path.clone(), path.display().to_string(), text);
            if is_annotated(&path) {
                if !program.errors.is_empty() {
                    println!(
                        "annotated baseline {} has {} errors (not counted)",
                        path.display(),
                        program.errors.len()
                    );
                }
                continue;
            }
            for e in &program.errors {
                let pos = file.position(e.span.start);
                failures.push(format!(
                    "{}:{}:{}: {}",
                    path.display(),
                    pos.line,
                    pos.column,
                    e.message
                ));
            }
        }
    }
    println!("{files} valid files parsed, {} errors", failures.len());
    for f in &failures {
        println!("{f}");
    }
    assert!(files > 0);
    assert!(
        failures.is_empty(),
        "{} syntax errors in valid files",
        failures.len()
    );
}

#[test]
fn invalid_baselines_do_not_panic() {
    let root = corpus();
    if !root.is_dir() {
        skipped(&format!("{} not found", root.display()));
        return;
    }
    let mut files = 0;
    let mut with_errors = 0;
    for sub in ["invalid", "bicepparam-invalid"] {
        for path in bicep_files(&root.join(sub)) {
            files += 1;
            let text = read(&path);
            let program = parse(&text);
            for e in &program.errors {
                assert!(e.span.end as usize <= text.len());
                assert!(text.is_char_boundary(e.span.start as usize));
                assert!(text.is_char_boundary(e.span.end as usize));
            }
            if !program.errors.is_empty() {
                with_errors += 1;
            }
        }
    }
    println!("{with_errors} of {files} invalid files produced at least one syntax error");
}

/// Says a test is skipped past the harness's output capture, so the skip is
/// visible in a plain `cargo test`.
fn skipped(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {why}");
}
