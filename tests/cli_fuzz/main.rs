//! Fuzz test of the whole CLI: batches of generated inputs (mutated fixtures,
//! AKS-shaped ARM templates full of random expressions, Bicep programs with
//! modules and `.bicepparam` files) go through the real binary in every
//! output format, and every run must end in time with a documented exit code,
//! no panic and well-formed, injection-free output that agrees across formats.
//!
//! Deterministic: batch i is generated from (`TENDON_FUZZ_SEED`, i), default
//! seed fixed. Batches run from 0 until `TENDON_FUZZ_SECS` (default 3) have
//! passed. `TENDON_FUZZ_BATCH=i` runs only batch i (`TENDON_FUZZ_KEEP=1`
//! keeps it under `target/tmp/cli-fuzz/`). A failing batch is kept under
//! `target/tmp/cli-fuzz-failures/`, next to a `.txt` saying how to rerun it.

#[path = "../common/mod.rs"]
mod common;

mod arm;
mod batch;
mod bicep;
mod check;
mod mutate;
mod pools;
mod rng;
mod run;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use batch::{batch, write_batch};
use check::{FORMATS, check_batch};
use mutate::fixture_cases;
use rng::Rng;
use run::Limits;

struct Settings {
    seed: u64,
    budget: Duration,
    only: Option<u64>,
    limits: Limits,
}

fn env_f64(name: &str) -> Option<f64> {
    std::env::var(name).ok().and_then(|s| s.trim().parse().ok())
}

fn env_u64(name: &str) -> Option<u64> {
    let s = std::env::var(name).ok()?;
    let s = s.trim();
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

fn settings() -> Settings {
    Settings {
        seed: env_u64("TENDON_FUZZ_SEED").unwrap_or(0x7E4D_0F22_C11F_0222),
        budget: Duration::from_secs_f64(env_f64("TENDON_FUZZ_SECS").unwrap_or(3.0).max(0.0)),
        only: env_u64("TENDON_FUZZ_BATCH"),
        limits: Limits {
            // Generous: the debug binary is slow and the machine may be
            // shared; a hang is what this catches, TDN003 keeps real work
            // far below it.
            timeout: Duration::from_secs_f64(
                env_f64("TENDON_FUZZ_TIMEOUT").unwrap_or(if cfg!(debug_assertions) {
                    60.0
                } else {
                    20.0
                }),
            ),
            max_rss_kb: env_u64("TENDON_FUZZ_MAX_MB").unwrap_or(1536) * 1024,
        },
    }
}

#[test]
fn every_format_lists_in_help() {
    // A new format must be added to FORMATS (and so to the fuzz test).
    let help = common::stdout(&common::tendon(&["check", "-h"]));
    let line = help
        .lines()
        .find(|l| l.contains("--format"))
        .unwrap_or_default();
    let listed: BTreeSet<&str> = line
        .split_once("possible values:")
        .map(|(_, v)| v)
        .unwrap_or_default()
        .trim()
        .trim_end_matches(']')
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let ours: BTreeSet<&str> = FORMATS.iter().copied().collect();
    assert_eq!(listed, ours, "{help}");
}

#[test]
fn fuzz_cli() {
    let s = settings();
    let cases = fixture_cases();
    assert!(cases.len() > 100, "fixtures are missing");
    let sarif = common::sarif::validator();
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let (work, failures_dir) = (tmp.join("cli-fuzz"), tmp.join("cli-fuzz-failures"));
    let t0 = Instant::now();
    let (mut batches, mut files, mut bytes, mut runs, mut peak) =
        (0u64, 0usize, 0u64, 0usize, 0u64);
    let mut failed: Vec<String> = Vec::new();
    let mut index = s.only.unwrap_or(0);
    loop {
        let b = batch(s.seed, index, &cases);
        let dir = work.join(format!("batch-{index}"));
        write_batch(&dir, &b);
        let mut rng = Rng(s.seed ^ index ^ 0x5151);
        let mut outcome = check_batch(&dir, &mut rng, &s.limits, &sarif);
        batches += 1;
        files += b.files.len();
        runs += outcome.runs;
        peak = peak.max(outcome.peak_kb);
        let size = b.files.iter().map(|(_, d)| d.len() as u64).sum::<u64>();
        bytes += size;
        // Issue 10: peak memory for any input of size S is at most
        // 64 MiB + 40 × S.
        let bound_kb = 64 * 1024 + 40 * size / 1024;
        if outcome.peak_kb > bound_kb {
            outcome.problems.push(format!(
                "peak RSS {} KiB above 64 MiB + 40 × {size} B",
                outcome.peak_kb
            ));
        }
        if outcome.problems.is_empty() {
            if std::env::var_os("TENDON_FUZZ_KEEP").is_none() {
                let _ = std::fs::remove_dir_all(&dir);
            }
        } else {
            let keep = failures_dir.join(format!("seed-{:#x}-batch-{index}", s.seed));
            let _ = std::fs::remove_dir_all(&keep);
            let _ = std::fs::create_dir_all(&failures_dir);
            let _ = std::fs::rename(&dir, &keep);
            let readme = format!(
                "{} batch {index} of seed {:#x}\nregenerate: TENDON_FUZZ_SEED={:#x} TENDON_FUZZ_BATCH={index} cargo test --test cli_fuzz fuzz_cli\nrerun: cd {} && tendon check . --format json\n\n{}\n",
                b.kind,
                s.seed,
                s.seed,
                keep.display(),
                outcome.problems.join("\n")
            );
            let _ = std::fs::write(keep.with_extension("txt"), &readme);
            eprintln!("cli_fuzz: FAILED {}: {}", keep.display(), readme);
            failed.push(format!(
                "{} ({})",
                keep.display(),
                outcome.problems.first().cloned().unwrap_or_default()
            ));
            if failed.len() >= 20 {
                break;
            }
        }
        // At least one batch of each kind, then until the budget is spent.
        if s.only.is_some() || (index >= 3 && t0.elapsed() >= s.budget) {
            break;
        }
        index += 1;
    }
    eprintln!(
        "cli_fuzz: seed {:#x}: {batches} batches, {files} files ({} KiB), {runs} runs in {:.1} s, peak RSS {} MiB, {} failing",
        s.seed,
        bytes / 1024,
        t0.elapsed().as_secs_f64(),
        peak / 1024,
        failed.len()
    );
    assert!(
        failed.is_empty(),
        "failing batches (inputs kept):\n{}",
        failed.join("\n")
    );
}

#[test]
fn json_check_takes_any_depth_and_rejects_what_it_should() {
    use common::json::json_problem;
    let deep = format!("{}1{}", "[{\"a\": ".repeat(5000), "}]".repeat(5000));
    for good in [
        "{}",
        " [1, -0.5e+3, \"a\\u00e9\\n\", true, false, null, {\"k\": []}] \n",
        &deep,
    ] {
        assert_eq!(json_problem(good), None, "{good:.60}");
    }
    for bad in [
        "",
        "[1,]",
        "{\"a\" 1}",
        "{1: 2}",
        "[01]",
        "[1.]",
        "\"\u{1}\"",
        "\"\\x\"",
        "[1] 2",
        "[[1]",
        "{\"a\": 1]",
        "tru",
    ] {
        assert!(json_problem(bad).is_some(), "{bad:?}");
    }
}
