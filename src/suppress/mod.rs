//! Suppressions written in the sources, applied after the rules and the
//! configuration: `// tendon-disable-next-line` comments and resource
//! `metadata.tendon.suppress` in ARM JSON (module `arm`), `#disable-next-line` and
//! `#disable-diagnostics` / `#restore-diagnostics` pragmas in Bicep (module `bicep`).
//! A suppression that matches no finding is reported as TDN004.

mod arm;
mod bicep;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::config::Config;
use crate::finding::{Finding, Severity, builtin};
use crate::json::Node;
use crate::neutral::{MESSAGE_CHARS, capped};
use crate::rules::load::Rule;
use crate::source::{FileId, Loc, SourceFile, SourceMap, Span};

/// One rule named by one suppression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// The rule id or slug as written; empty when the directive names no rule.
    pub rule: String,
    /// Where the rule is written (TDN004 points here).
    pub at: Span,
    /// Findings whose primary location starts in this byte range are suppressed.
    pub scope: Span,
    /// The reason written with it (empty when none): SARIF's justification.
    pub reason: Span,
}

impl Directive {
    fn matches(&self, f: &Finding) -> bool {
        !self.rule.is_empty() && (self.rule.eq_ignore_ascii_case(&f.rule) || self.rule == f.slug)
    }
}

/// A finding a suppression silenced, with the reason written beside it
/// (empty when none): SARIF reports it as suppressed in source.
#[derive(Clone, Debug)]
pub struct Suppressed {
    pub finding: Finding,
    pub justification: String,
}

/// The rules a run knows, to tell rule names from other words in a directive.
pub struct Catalog {
    rules: Vec<(String, String)>,
    /// Tells catalogs apart, for directives kept between runs.
    key: u64,
}

impl Catalog {
    pub fn new(rules: impl IntoIterator<Item = (String, String)>) -> Catalog {
        use std::hash::{Hash, Hasher};
        let rules: Vec<(String, String)> = rules.into_iter().collect();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        rules.hash(&mut h);
        Catalog {
            rules,
            key: h.finish(),
        }
    }

    /// The rules of a run plus tendon's own diagnostics.
    pub fn of(rules: &[Rule]) -> Catalog {
        let builtin = crate::rules::doc::BUILTIN
            .iter()
            .map(|b| (b.0.to_string(), b.1.to_string()));
        Catalog::new(
            rules
                .iter()
                .map(|r| (r.id.clone(), r.slug.clone()))
                .chain(builtin),
        )
    }

    fn known(&self, token: &str) -> bool {
        self.rules
            .iter()
            .any(|(id, slug)| id.eq_ignore_ascii_case(token) || slug == token)
    }

    /// A known rule, or an id with the letters of a known one (`AKS999`), so a
    /// typo is reported while other tools' codes (Bicep's `BCP081`) are not ours.
    fn ours(&self, token: &str) -> bool {
        self.known(token)
            || (id_shaped(token)
                && self.rules.iter().any(|(id, _)| {
                    letters(id).eq_ignore_ascii_case(letters(token)) && !letters(id).is_empty()
                }))
    }

    /// The id a token names (upper case), or the token itself.
    fn canonical(&self, token: &str) -> String {
        self.rules
            .iter()
            .find(|(id, slug)| id.eq_ignore_ascii_case(token) || slug == token)
            .map_or_else(|| token.to_ascii_uppercase(), |(id, _)| id.clone())
    }
}

fn letters(id: &str) -> &str {
    id.trim_end_matches(|c: char| c.is_ascii_digit())
}

/// 2-5 ASCII letters and 3 digits, the shape of a rule id (any case).
fn id_shaped(token: &str) -> bool {
    let head = letters(token);
    let digits = token.len() - head.len();
    (2..=5).contains(&head.len()) && head.bytes().all(|b| b.is_ascii_alphabetic()) && digits == 3
}

/// Whitespace-separated tokens of `text` with their byte offsets, `base` added.
fn tokens(text: &str, base: usize) -> impl Iterator<Item = (usize, &str)> {
    text.split(|c: char| c.is_ascii_whitespace())
        .scan(0usize, move |pos, tok| {
            let start = *pos;
            *pos += tok.len() + 1;
            Some((base + start, tok))
        })
        .filter(|(_, t)| !t.is_empty())
}

/// `from..to` of `text` without surrounding whitespace.
fn trimmed(text: &str, from: usize, to: usize) -> Span {
    let Some(part) = text.get(from..to) else {
        return Span::default();
    };
    let start = from + (part.len() - part.trim_start().len());
    Span::new(start, start + part.trim().len())
}

/// The directives written in one file, chosen by its extension.
pub fn directives(file: &SourceFile, catalog: &Catalog) -> Vec<Directive> {
    match extension(&file.path).as_deref() {
        Some("json" | "jsonc") => arm::comments(&file.text),
        Some("bicep" | "bicepparam") => bicep::pragmas(&file.text, catalog),
        _ => Vec::new(),
    }
}

/// Each file's directives kept between runs (the language server): they are
/// found again only when the file's text or the rules change.
#[derive(Default)]
pub struct Kept {
    /// By the address of the file (the entry holds it, so no other file can
    /// take that address): the file, the catalog's key, its directives.
    files: Mutex<HashMap<usize, KeptFile>>,
}

type KeptFile = (Arc<SourceFile>, u64, Arc<[Directive]>);

impl Kept {
    /// The directives of each file of the run that holds some; the files of
    /// earlier runs are forgotten.
    fn directives(
        &self,
        sources: &SourceMap,
        templates: &[(FileId, Arc<Node>)],
        catalog: &Catalog,
    ) -> Vec<(FileId, Arc<[Directive]>)> {
        let Ok(mut kept) = self.files.lock() else {
            return found_in(sources, templates, catalog);
        };
        let nodes = template_nodes(templates);
        let mut now = HashMap::new();
        let mut out = Vec::new();
        for (id, file) in sources.iter_shared() {
            let addr = Arc::as_ptr(file) as usize;
            // The same file is the same parse: its template node is too.
            let list = match kept.remove(&addr) {
                Some((f, key, list)) if key == catalog.key && Arc::ptr_eq(&f, file) => list,
                _ => Arc::from(written_in(file, nodes.get(&id).copied(), catalog)),
            };
            if !list.is_empty() {
                out.push((id, list.clone()));
            }
            now.insert(addr, (file.clone(), catalog.key, list));
        }
        *kept = now;
        out
    }
}

fn template_nodes(templates: &[(FileId, Arc<Node>)]) -> HashMap<FileId, &Node> {
    templates.iter().map(|(id, n)| (*id, &**n)).collect()
}

/// The directives of each file of the run that holds some.
fn found_in(
    sources: &SourceMap,
    templates: &[(FileId, Arc<Node>)],
    catalog: &Catalog,
) -> Vec<(FileId, Arc<[Directive]>)> {
    let nodes = template_nodes(templates);
    sources
        .iter()
        .map(|(id, file)| (id, written_in(file, nodes.get(&id).copied(), catalog)))
        .filter(|(_, list)| !list.is_empty())
        .map(|(id, list)| (id, Arc::from(list)))
        .collect()
}

/// Every directive written in a file: its comments or pragmas, then the
/// `metadata.tendon` of its resources when it is a template (`node`).
fn written_in(file: &SourceFile, node: Option<&Node>, catalog: &Catalog) -> Vec<Directive> {
    let mut out = if may_suppress(file) {
        directives(file, catalog)
    } else {
        Vec::new()
    };
    // `metadata.tendon` is written in the text (or escaped).
    if let Some(node) = node
        && (file.text.contains("tendon") || file.text.contains("\\u"))
    {
        out.extend(arm::metadata(node));
    }
    out
}

/// Removes suppressed findings (returned) and adds TDN004 for suppressions
/// that matched none (unless the configuration disables TDN004).
pub fn apply(
    findings: &mut Vec<Finding>,
    sources: &SourceMap,
    templates: &[(FileId, Arc<Node>)],
    rules: &[Rule],
    config: Option<&Config>,
    kept: Option<&Kept>,
) -> Vec<Suppressed> {
    let catalog = Catalog::of(rules);
    let written = match kept {
        Some(kept) => kept.directives(sources, templates, &catalog),
        None => found_in(sources, templates, &catalog),
    };
    let (mut unused, suppressed) = suppress_with(findings, sources, written);
    if let Some(config) = config {
        unused.retain(|f| config.enabled(&f.rule, &f.slug));
        for f in &mut unused {
            f.severity = config.severity_of(&f.rule, &f.slug, f.severity);
        }
    }
    findings.extend(unused);
    suppressed
}

/// The core of [`apply`]: moves suppressed findings out, returns TDN004
/// findings and the suppressed ones.
pub fn suppress(
    findings: &mut Vec<Finding>,
    sources: &SourceMap,
    templates: &[(FileId, Arc<Node>)],
    catalog: &Catalog,
) -> (Vec<Finding>, Vec<Suppressed>) {
    let written = found_in(sources, templates, catalog);
    suppress_with(findings, sources, written)
}

fn suppress_with(
    findings: &mut Vec<Finding>,
    sources: &SourceMap,
    written: Vec<(FileId, Arc<[Directive]>)>,
) -> (Vec<Finding>, Vec<Suppressed>) {
    // Per file, every directive with a "used" mark; BTreeMap for a stable order.
    let mut by_file: BTreeMap<FileId, Vec<(Directive, bool)>> = BTreeMap::new();
    for (id, found) in written {
        by_file
            .entry(id)
            .or_default()
            .extend(found.iter().map(|d| (d.clone(), false)));
    }
    if by_file.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let mut suppressed = Vec::new();
    for f in std::mem::take(findings) {
        let Some(list) = by_file.get_mut(&f.loc.file) else {
            findings.push(f);
            continue;
        };
        let start = f.loc.span.start;
        let mut hit = None;
        for (d, used) in list.iter_mut() {
            if d.scope.start <= start && start < d.scope.end && d.matches(&f) {
                *used = true;
                // The first reason written wins.
                if hit.is_none_or(|r: Span| r.is_empty()) {
                    hit = Some(d.reason);
                }
            }
        }
        match hit {
            None => findings.push(f),
            Some(reason) => {
                let text = sources.get(f.loc.file).map_or("", |s| s.slice(reason));
                suppressed.push(Suppressed {
                    justification: capped(text, MESSAGE_CHARS),
                    finding: f,
                });
            }
        }
    }
    let mut unused = Vec::new();
    for (file, list) in by_file {
        for (d, _) in list.into_iter().filter(|(_, used)| !used) {
            let message = if d.rule.is_empty() {
                "suppression names no rule".to_string()
            } else {
                format!("suppression of {} matches no finding", d.rule)
            };
            unused.push(Finding::builtin(
                builtin::UNUSED_SUPPRESSION,
                Severity::Warning,
                message,
                Loc::new(file, d.at),
            ));
        }
    }
    (unused, suppressed)
}

/// Cheap test before scanning: a file without a marker has no directives.
fn may_suppress(file: &SourceFile) -> bool {
    if is_bicep(&file.path) {
        file.text.contains("#disable-")
    } else {
        file.text.contains(arm::MARKER)
    }
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

fn is_bicep(path: &Path) -> bool {
    matches!(extension(path).as_deref(), Some("bicep" | "bicepparam"))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn catalog() -> Catalog {
        Catalog::new([
            ("AKS011".to_string(), "kubenet-shared-subnet".to_string()),
            ("AKS012".to_string(), "shared-route-table".to_string()),
            ("TDN002".to_string(), "unresolved".to_string()),
        ])
    }

    #[test]
    fn rule_tokens() {
        let c = catalog();
        assert!(id_shaped("AKS011") && id_shaped("aks011") && !id_shaped("AKS01"));
        assert!(!id_shaped("A011") && !id_shaped("ABCDEF011") && !id_shaped("AK-011"));
        assert!(c.ours("aks999") && c.ours("unresolved") && !c.ours("BCP081"));
        assert!(!c.ours("no-unused-params"));
        assert_eq!(c.canonical("kubenet-shared-subnet"), "AKS011");
        assert_eq!(c.canonical("aks011"), "AKS011");
    }

    #[test]
    fn tokens_have_offsets() {
        let t: Vec<_> = tokens(" a  bc\td", 10).collect();
        assert_eq!(t, vec![(11, "a"), (14, "bc"), (17, "d")]);
    }

    fn finding(rule: &str, slug: &str, file: FileId, start: usize) -> Finding {
        Finding::builtin(
            (rule, slug),
            Severity::Error,
            "m".into(),
            Loc::new(file, Span::new(start, start + 1)),
        )
    }

    #[test]
    fn bicep_files_suppress_by_extension_and_report_unused() {
        let text = "#disable-next-line AKS011 BCP081 // blue/green pair\nresource a 'x' = {}\n\
                    #disable-next-line AKS012\nresource b 'x' = {}\n";
        let mut sources = SourceMap::default();
        let id = sources.add(SourceFile::new(
            "main.bicep".into(),
            "main.bicep".into(),
            text.into(),
        ));
        let line2 = text.find("resource a").unwrap_or(0);
        let mut findings = vec![finding("AKS011", "kubenet-shared-subnet", id, line2 + 2)];
        let (unused, suppressed) = suppress(&mut findings, &sources, &[], &catalog());
        assert!(findings.is_empty());
        assert_eq!(suppressed.len(), 1);
        assert_eq!(suppressed[0].finding.rule, "AKS011");
        assert_eq!(suppressed[0].justification, "blue/green pair");
        assert_eq!(unused.len(), 1);
        assert_eq!(
            unused[0].message,
            "suppression of AKS012 matches no finding"
        );
        let at = text.find("AKS012").unwrap_or(0);
        assert_eq!(unused[0].loc.span, Span::new(at, at + 6));
        // The same text in a .json file is not a Bicep pragma.
        let mut sources = SourceMap::default();
        let id = sources.add(SourceFile::new(
            "a.json".into(),
            "a.json".into(),
            text.into(),
        ));
        let mut findings = vec![finding("AKS011", "kubenet-shared-subnet", id, line2 + 2)];
        let (unused, suppressed) = suppress(&mut findings, &sources, &[], &catalog());
        assert!(unused.is_empty() && suppressed.is_empty());
        assert_eq!(findings.len(), 1);
    }

    #[test]
    fn bicepparam_ranges_by_slug_and_id() {
        let text = "using 'main.bicep'\n#disable-diagnostics kubenet-shared-subnet AKS012\n\
                    param a = 1\n#restore-diagnostics AKS011\nparam b = 2\n";
        let mut sources = SourceMap::default();
        let id = sources.add(SourceFile::new(
            "dev.bicepparam".into(),
            "dev.bicepparam".into(),
            text.into(),
        ));
        let a = text.find("param a").unwrap_or(0);
        let b = text.find("param b").unwrap_or(0);
        let mut findings = vec![
            finding("AKS011", "kubenet-shared-subnet", id, a),
            finding("AKS011", "kubenet-shared-subnet", id, b),
            finding("AKS012", "shared-route-table", id, b),
        ];
        let (unused, suppressed) = suppress(&mut findings, &sources, &[], &catalog());
        // AKS011 was restored before `param b`; AKS012 runs to the end of the file.
        assert!(unused.is_empty());
        assert_eq!(suppressed.len(), 2);
        assert!(suppressed.iter().all(|s| s.justification.is_empty()));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].loc.span.start as usize, b);
        assert_eq!(findings[0].rule, "AKS011");
    }
}
