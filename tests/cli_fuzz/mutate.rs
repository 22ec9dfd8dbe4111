//! The repository's own fixtures, mutated: byte flips, truncations, splices
//! of two files, repeated regions, hostile text in string literals, deep
//! nesting, huge numbers, UTF-16 and other line endings, invalid UTF-8.

use std::path::{Path, PathBuf};

use super::pools::HOSTILE;
use super::rng::Rng;

/// Fixture cases: each a list of (path inside the case, bytes), without
/// `expected`.
pub fn fixture_cases() -> Vec<Vec<(String, Vec<u8>)>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut cases = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        if entries.iter().any(|p| p.ends_with("expected")) {
            let mut files = Vec::new();
            let mut inner = vec![dir.clone()];
            while let Some(d) = inner.pop() {
                for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        inner.push(p);
                    } else if !p.ends_with("expected") {
                        let rel = p.strip_prefix(&dir).unwrap().to_string_lossy().into_owned();
                        files.push((rel, std::fs::read(&p).unwrap_or_default()));
                    }
                }
            }
            files.sort();
            if !files.is_empty() {
                cases.push(files);
            }
        } else {
            stack.extend(entries.into_iter().filter(|p| p.is_dir()));
        }
    }
    cases.sort();
    cases
}

const ALPHABET: &[u8] = b" \n\"'[](){}:,.$@=!?<>|-_/0123456789abcxyzAKS\\";

const WORDS: &[&str] = &[
    "kubenet",
    "azure",
    "Windows",
    "copyIndex()",
    "parameters('x')",
    "variables('missing')",
    "reference('x')",
    "[",
    "]",
    "\"[",
    "null",
    "true",
    "-1",
    "resourceGroup().id",
    "existing",
    "module",
    "for",
    "if",
    "${",
    "'",
    "\"",
];

const HUGE: &[&str] = &[
    "1e999",
    "-1e999",
    "99999999999999999999999999999",
    "18446744073709551616",
    "-9223372036854775809",
    "1.7976931348623157e309",
    "0.0000000000000000000000001",
    "4294967296",
];

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for u in text.encode_utf16() {
        let b = if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        };
        out.extend_from_slice(&b);
    }
    out
}

const MAX_FILE: usize = 4 << 20;

pub fn mutate(rng: &mut Rng, data: &mut Vec<u8>, donor: &[u8]) {
    let len = data.len();
    let at = rng.below(len + 1);
    match rng.below(13) {
        0 => {
            for _ in 0..rng.between(1, 8) {
                if !data.is_empty() {
                    let i = rng.below(data.len());
                    data[i] = if rng.one_in(3) {
                        rng.next() as u8
                    } else {
                        *rng.pick(ALPHABET)
                    };
                }
            }
        }
        1 => data.truncate(at),
        2 => {
            let from = rng.below(donor.len() + 1);
            data.truncate(at);
            data.extend_from_slice(&donor[from..]);
        }
        3 => {
            let a = rng.below(len + 1);
            let b = (a + rng.below(400)).min(len);
            let region = data[a..b].to_vec();
            let times = if rng.one_in(8) {
                rng.between(10, 2000)
            } else {
                1
            };
            let mut insert = Vec::new();
            for _ in 0..times {
                if insert.len() + data.len() > MAX_FILE {
                    break;
                }
                insert.extend_from_slice(&region);
            }
            data.splice(at..at, insert);
        }
        4 => {
            data.splice(at..at, rng.pick(HOSTILE).bytes());
        }
        5 => {
            // Into a string literal, where names and messages come from.
            let quotes: Vec<usize> = data
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'"' || **b == b'\'')
                .map(|(i, _)| i + 1)
                .collect();
            if !quotes.is_empty() {
                let q = *rng.pick(&quotes);
                let mut s = String::new();
                for _ in 0..rng.between(1, 3) {
                    s.push_str(rng.pick::<&str>(HOSTILE));
                }
                data.splice(q..q, s.into_bytes());
            }
        }
        6 => {
            let n = *rng.pick(&[100, 1_000, 20_000, 100_000]);
            let (open, close) = *rng.pick(&[
                ("[", "]"),
                ("{\"a\":", "}"),
                ("(", ")"),
                ("concat(", ")"),
                ("{a:", "}"),
                ("[for x in ", ": x]"),
                ("'${", "}'"),
            ]);
            let mut s = open.repeat(n);
            if rng.one_in(2) {
                s.push('1');
                s.push_str(&close.repeat(n));
            }
            data.splice(at..at, s.into_bytes());
        }
        7 => {
            let digits: Vec<usize> = data
                .iter()
                .enumerate()
                .filter(|(i, b)| b.is_ascii_digit() && (*i == 0 || !data[i - 1].is_ascii_digit()))
                .map(|(i, _)| i)
                .collect();
            if !digits.is_empty() {
                let s = *rng.pick(&digits);
                let mut e = s;
                while e < data.len() && data[e].is_ascii_digit() {
                    e += 1;
                }
                data.splice(s..e, rng.pick(HUGE).bytes());
            }
        }
        8 => {
            let text = String::from_utf8_lossy(data).into_owned();
            *data = utf16(&text, rng.one_in(3));
            if rng.one_in(4) && !data.is_empty() {
                let cut = rng.below(data.len());
                data.truncate(cut);
            }
        }
        9 => {
            let text = String::from_utf8_lossy(data).into_owned();
            let text = match rng.below(3) {
                0 => text.replace('\n', "\r\n"),
                1 => text.replace('\n', "\r"),
                _ => format!("\u{feff}{text}"),
            };
            *data = text.into_bytes();
        }
        10 => {
            let b = (at + rng.below(200)).min(len);
            data.drain(at..b);
        }
        11 => {
            let w = rng.pick(WORDS);
            data.splice(at..at, w.bytes());
        }
        _ => {
            // Invalid UTF-8.
            let bad: &[u8] = rng.pick::<&[u8]>(&[
                &[0xFF][..],
                &[0xC3],
                &[0xED, 0xA0, 0x80],
                &[0xF4, 0x90, 0x80, 0x80],
            ]);
            data.splice(at..at, bad.iter().copied());
        }
    }
    data.truncate(MAX_FILE);
}

pub fn fixture_batch(
    rng: &mut Rng,
    cases: &[Vec<(String, Vec<u8>)>],
    files: &mut Vec<(String, Vec<u8>)>,
    prefix: &str,
) {
    let case = rng.pick(cases).clone();
    let donor_case = rng.pick(cases);
    let donor = rng.pick(donor_case).1.clone();
    let mut case = case;
    for _ in 0..rng.between(1, 3) {
        let i = rng.below(case.len());
        mutate(rng, &mut case[i].1, &donor);
    }
    for (name, bytes) in case {
        files.push((format!("{prefix}{name}"), bytes));
    }
}
