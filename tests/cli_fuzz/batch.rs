//! One batch: a folder of generated files that tendon checks as a whole.

use std::path::Path;

use super::arm::arm_batch;
use super::bicep::bicep_batch;
use super::mutate::{fixture_batch, mutate};
use super::rng::Rng;

const HOSTILE_NAMES: &[&str] = &[
    "x\n::error file=forged.json,line=1::forged.json",
    "::warning::y.bicep",
    "##vso[task.complete result=Succeeded]z.json",
    "esc\u{1b}[31m.json",
    "sep\u{2028}.bicep",
    "rtl\u{202e}nosj.json",
    "amp&<>'\".json",
    "pct%0A%25.json",
    "é ü 𝔘.bicep",
];

pub struct Batch {
    pub kind: &'static str,
    pub files: Vec<(String, Vec<u8>)>,
}

pub fn batch(seed: u64, index: u64, cases: &[Vec<(String, Vec<u8>)>]) -> Batch {
    let mut rng = Rng(seed ^ index.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    rng.next();
    let mut files = Vec::new();
    let kind = match index % 4 {
        0 => {
            fixture_batch(&mut rng, cases, &mut files, "");
            "mutated fixture"
        }
        1 => {
            arm_batch(&mut rng, &mut files, "");
            "ARM"
        }
        2 => {
            bicep_batch(&mut rng, &mut files, "");
            "Bicep"
        }
        _ => {
            fixture_batch(&mut rng, cases, &mut files, "f/");
            arm_batch(&mut rng, &mut files, "arm/");
            bicep_batch(&mut rng, &mut files, "bicep/");
            // Generated text mutated like a fixture.
            let donor = files[0].1.clone();
            let i = rng.below(files.len());
            mutate(&mut rng, &mut files[i].1, &donor);
            "mixed"
        }
    };
    if rng.one_in(6) {
        let i = rng.below(files.len());
        let (dir, _) = files[i].0.rsplit_once('/').unwrap_or(("", ""));
        let name = rng.pick(HOSTILE_NAMES);
        files[i].0 = if dir.is_empty() {
            name.to_string()
        } else {
            format!("{dir}/{name}")
        };
    }
    Batch { kind, files }
}

pub fn write_batch(dir: &Path, b: &Batch) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    for (name, bytes) in &b.files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, bytes).unwrap();
    }
}
