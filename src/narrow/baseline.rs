//! Baseline files: `--write-baseline FILE` records today's findings,
//! `--baseline FILE` reports only findings not recorded. Format (JSON):
//!
//! ```json
//! {"version": 1,
//!  "findings": [{"rule": "AKS011", "file": "infra/b.json",
//!                "fingerprint": "9c2f0e4d1a7b3c55", "message": "…"}]}
//! ```
//!
//! `file` is relative to the baseline file's folder, so the baseline works
//! from any working directory. A finding matches by rule, file and
//! fingerprint: FNV-1a 64 of rule, file, the trimmed text of the finding's
//! source lines, message and an occurrence counter for otherwise identical
//! findings, so it survives lines moving up or down. `message` is for people.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::discover::display_path;
use crate::finding::Finding;
use crate::outcome::Outcome;
use crate::source::{FileId, SourceFile};

pub const VERSION: u64 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub rule: String,
    pub file: String,
    pub fingerprint: String,
    #[serde(default)]
    pub message: String,
}

#[derive(Serialize, Deserialize)]
struct Document {
    version: u64,
    findings: Vec<Entry>,
}

/// A baseline read from a file.
#[derive(Debug)]
pub struct Baseline {
    /// Folder the entries' paths are relative to.
    dir: Option<PathBuf>,
    entries: Vec<Entry>,
}

impl Baseline {
    pub fn read(path: &Path) -> Result<Baseline, String> {
        let shown = path.display();
        if let Some(refusal) = crate::confine::link_out_of_project(path) {
            return Err(format!(
                "cannot read baseline {shown}: a symbolic link to a file that {}; not read",
                refusal.reason()
            ));
        }
        let text = crate::fsread::read_regular_text(path, 64 << 20)
            .map_err(|e| format!("cannot read baseline {shown}: {e}"))?;
        let doc: Document =
            serde_json::from_str(&text).map_err(|e| format!("bad baseline {shown}: {e}"))?;
        if doc.version != VERSION {
            return Err(format!(
                "bad baseline {shown}: version {} (this tendon reads version {VERSION})",
                doc.version
            ));
        }
        Ok(Baseline {
            dir: folder_of(path),
            entries: doc.findings,
        })
    }

    /// Per finding of the run, in order: does the baseline hold it? Each
    /// entry matches one finding.
    pub fn known(&self, outcome: &Outcome) -> Vec<bool> {
        let mut left: HashMap<(String, String, String), usize> = HashMap::new();
        for e in &self.entries {
            let key = (e.rule.clone(), e.file.clone(), e.fingerprint.clone());
            *left.entry(key).or_default() += 1;
        }
        let mut prints = Fingerprints::new(outcome, self.dir.clone());
        outcome
            .findings
            .iter()
            .map(|f| {
                let e = prints.entry(f);
                match left.get_mut(&(e.rule, e.file, e.fingerprint)) {
                    Some(n) if *n > 0 => {
                        *n -= 1;
                        true
                    }
                    _ => false,
                }
            })
            .collect()
    }
}

/// Writes every finding of the run to `path`; returns how many.
pub fn write(outcome: &Outcome, path: &Path) -> Result<usize, String> {
    let mut prints = Fingerprints::new(outcome, folder_of(path));
    let findings: Vec<Entry> = outcome.findings.iter().map(|f| prints.entry(f)).collect();
    let count = findings.len();
    let doc = Document {
        version: VERSION,
        findings,
    };
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    // A new file like --output: never written through a symlink a pull
    // request planted at the baseline's name.
    crate::report_file::write_new(path, text.as_bytes())
        .map_err(|e| format!("cannot write baseline {}: {e}", path.display()))?;
    Ok(count)
}

/// The canonical folder of a file path (the file need not exist yet).
fn folder_of(path: &Path) -> Option<PathBuf> {
    std::path::absolute(path)
        .ok()
        .and_then(|p| p.parent().map(real))
}

/// Canonical when possible (`..` and symlinks resolved), else absolute.
fn real(path: &Path) -> PathBuf {
    path.canonicalize()
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// Entries of findings taken in report order (the occurrence counter depends on it).
struct Fingerprints<'o> {
    outcome: &'o Outcome,
    dir: Option<PathBuf>,
    files: HashMap<FileId, String>,
    seen: HashMap<String, usize>,
}

impl<'o> Fingerprints<'o> {
    fn new(outcome: &'o Outcome, dir: Option<PathBuf>) -> Fingerprints<'o> {
        Fingerprints {
            outcome,
            dir,
            files: HashMap::new(),
            seen: HashMap::new(),
        }
    }

    fn entry(&mut self, f: &Finding) -> Entry {
        let source = self.outcome.sources.get(f.loc.file);
        let dir = self.dir.as_deref();
        let file = self
            .files
            .entry(f.loc.file)
            .or_insert_with(|| source.map_or_else(String::new, |s| file_name(s, dir)))
            .clone();
        let lines = source.map_or_else(String::new, |s| line_text(s, f));
        let base = crate::finding::stable_hash(&[&f.rule, &file, &lines, &f.message]);
        let n = self.seen.entry(base.clone()).or_default();
        let fingerprint = crate::finding::stable_hash(&[&base, &n.to_string()]);
        *n += 1;
        Entry {
            rule: f.rule.clone(),
            file,
            fingerprint,
            message: f.message.clone(),
        }
    }
}

/// The path relative to the baseline's folder when under it, else as displayed.
fn file_name(source: &SourceFile, dir: Option<&Path>) -> String {
    let abs = real(&source.path);
    match dir {
        Some(d) if abs.starts_with(d) => display_path(&abs, dir),
        _ => source.display.clone(),
    }
}

/// The trimmed lines the finding's primary span touches, joined by newlines.
fn line_text(source: &SourceFile, f: &Finding) -> String {
    let text = &source.text;
    let start = (f.loc.span.start as usize).min(text.len());
    let last = (f.loc.span.end as usize)
        .saturating_sub(1)
        .clamp(start, text.len());
    let from = text
        .get(..start)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |n| n + 1);
    let to = text
        .get(last..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |n| last + n);
    text.get(from..to)
        .unwrap_or("")
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_text_ignores_position() {
        let f = |text: &str, start: usize, end: usize| {
            let s = SourceFile::new("a.json".into(), "a.json".into(), text.into());
            let finding = Finding::builtin(
                ("X", "x"),
                crate::finding::Severity::Error,
                "m".into(),
                crate::source::Loc::new(0, crate::source::Span::new(start, end)),
            );
            line_text(&s, &finding)
        };
        assert_eq!(f("a\n  b c \nd", 4, 5), "b c");
        assert_eq!(f("\n\na\n    b c \nd", 8, 9), "b c");
        assert_eq!(f("x\n y\n z\n", 3, 7), "y\nz");
        assert_eq!(f("", 5, 9), "");
    }
}
