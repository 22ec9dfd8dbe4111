//! Loads and validates rule files: the built-in set embedded at build time
//! and user folders given with `--rules`. A bad rule file fails the run.

use std::path::Path;

use jsonpath_rust::parser::model::JpQuery;
use jsonpath_rust::parser::parse_json_path;

use crate::finding::Severity;
use crate::rules::predicates::Predicate;
use crate::rules::schema::{DocsFor, FailsAt, Failure, RuleDoc, RuleFile};

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// A field path relative to a match: `use.first.at` → `["use", "first", "at"]`.
pub type FieldPath = Vec<String>;

pub fn field_path(s: &str) -> FieldPath {
    s.split('.')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

#[derive(Debug)]
pub struct RelatedRule {
    pub pointer: Option<FieldPath>,
    pub at: Option<FieldPath>,
    pub message: String,
}

#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub slug: String,
    pub severity: Severity,
    pub summary: String,
    pub select: String,
    pub query: JpQuery,
    /// Selections of the places where an input of this rule was unknown;
    /// derived on first use (only `--report-unresolved` needs them).
    pub probes: std::sync::OnceLock<Vec<crate::rules::unresolved::Probe>>,
    pub predicates: Vec<Predicate>,
    /// Per predicate: the name a generator binds its results to.
    pub binds: Vec<Option<String>>,
    pub known: Vec<FieldPath>,
    pub message: String,
    /// Messages for candidates that satisfy a filter, the first that holds.
    pub variants: Vec<(Predicate, String)>,
    /// Fields to point at, the first present; none: the match itself.
    pub at: Vec<FieldPath>,
    pub at_pointer: Option<FieldPath>,
    pub about_pointer: Option<FieldPath>,
    pub related: Vec<RelatedRule>,
    pub help: Option<String>,
    pub docs: Option<String>,
    /// Docs for findings about overlay, flat Azure CNI or kubenet clusters.
    pub docs_for: DocsFor,
    pub doc: Option<RuleDoc>,
    pub failure: Option<Failure>,
    /// Where the rule came from (`builtin:AKS001.toml` or a path).
    pub origin: String,
}

/// A rule file that cannot be used, with the span of the problem in its text.
#[derive(Debug)]
pub struct RuleError {
    pub file: String,
    pub text: String,
    pub message: String,
    pub span: Option<std::ops::Range<usize>>,
}

/// A value from the file quoted in a message: neutralised and short.
fn token(v: &str) -> String {
    crate::neutral::capped(v, crate::neutral::TOKEN_CHARS)
}

pub fn parse_rule(origin: &str, text: &str) -> Result<Rule, RuleError> {
    let err = |message: String, span: Option<std::ops::Range<usize>>| RuleError {
        file: origin.to_string(),
        text: text.to_string(),
        message,
        span,
    };
    let file: RuleFile =
        toml::from_str(text).map_err(|e| err(e.message().to_string(), e.span()))?;
    let id = file.id.get_ref();
    if !is_valid_id(id) {
        return Err(err(
            format!(
                "rule id '{}' must be 2-5 capital letters followed by 3 digits (e.g. AKS001)",
                token(id)
            ),
            Some(file.id.span()),
        ));
    }
    // Slugs and one-line texts reach `tendon rules` and `explain` rows in CI
    // logs: a line break in them could start a forged workflow command.
    let slug_ok = !file.slug.is_empty()
        && file
            .slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !slug_ok {
        return Err(err(
            format!(
                "rule slug '{}' must be lower-case letters, digits and '-' (e.g. kubenet-windows-pool)",
                token(&file.slug)
            ),
            text.find(&file.slug).map(|i| i..i + file.slug.len()),
        ));
    }
    // Docs links become clickable hrefs (SARIF helpUri, the editor's rule
    // code): web pages only, never `command:` or `file:` links.
    let docs_for = file.docs_for.as_ref();
    for (what, link) in [
        ("docs", file.docs.as_ref()),
        (
            "docs_for.kubenet",
            docs_for.and_then(|d| d.kubenet.as_ref()),
        ),
        (
            "docs_for.overlay",
            docs_for.and_then(|d| d.overlay.as_ref()),
        ),
        ("docs_for.azure", docs_for.and_then(|d| d.azure.as_ref())),
    ] {
        if let Some(l) = link
            && (!l.starts_with("https://")
                || l.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            return Err(err(
                format!(
                    "the rule's {what} must be an https:// link, not \"{}\"",
                    token(l)
                ),
                text.find(l.as_str()).map(|i| i..i + l.len()),
            ));
        }
    }
    for (what, value) in [
        ("summary", Some(&file.summary)),
        ("help", file.help.as_ref()),
        ("docs", file.docs.as_ref()),
    ] {
        if let Some(v) = value
            && v.chars().any(char::is_control)
        {
            return Err(err(
                format!("the rule's {what} must be one line without control characters"),
                None,
            ));
        }
    }
    let severity = Severity::parse(file.severity.get_ref()).ok_or_else(|| {
        err(
            format!(
                "severity must be \"error\", \"warning\" or \"info\", not \"{}\"",
                token(file.severity.get_ref())
            ),
            Some(file.severity.span()),
        )
    })?;
    if let Some(f) = &file.failure {
        for e in &f.errors {
            let code = e.code.get_ref();
            if f.when != FailsAt::Deploy {
                return Err(err(
                    "deployment errors need `when = \"deploy\"`".into(),
                    Some(e.code.span()),
                ));
            }
            if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(err(
                    format!(
                        "an Azure error code is letters and digits (InsufficientSubnetSize), not \"{}\"",
                        token(code)
                    ),
                    Some(e.code.span()),
                ));
            }
        }
    }
    let query = parse_json_path(file.select.get_ref()).map_err(|e| {
        err(
            // The parser's first line (where); the rest repeats the query.
            format!(
                "invalid JSONPath in `select`: {}",
                token(e.to_string().lines().next().unwrap_or(""))
            ),
            Some(file.select.span()),
        )
    })?;
    let mut predicates = Vec::new();
    let mut binds = Vec::new();
    for p in &file.predicates {
        let predicate =
            Predicate::parse(p.name.get_ref(), &p.args).map_err(|m| err(m, Some(p.name.span())))?;
        match (predicate.is_generator(), &p.bind) {
            (true, None) => {
                return Err(err(
                    format!(
                        "{}() yields values: give it a `bind` name",
                        token(p.name.get_ref())
                    ),
                    Some(p.name.span()),
                ));
            }
            (false, Some(_)) => {
                return Err(err(
                    format!(
                        "{}() is a filter and takes no `bind`",
                        token(p.name.get_ref())
                    ),
                    Some(p.name.span()),
                ));
            }
            _ => {}
        }
        predicates.push(predicate);
        binds.push(p.bind.clone());
    }
    let mut variants = Vec::new();
    for v in &file.variants {
        let predicate =
            Predicate::parse(v.name.get_ref(), &v.args).map_err(|m| err(m, Some(v.name.span())))?;
        if predicate.is_generator() || predicate.is_reducer() {
            return Err(err(
                format!(
                    "a variant needs a filter, and {}() is not one",
                    token(v.name.get_ref())
                ),
                Some(v.name.span()),
            ));
        }
        variants.push((predicate, v.message.clone()));
    }
    let related = file
        .related
        .iter()
        .map(|r| RelatedRule {
            pointer: r.pointer.as_deref().map(field_path),
            at: r.at.as_deref().map(field_path),
            message: r.message.clone(),
        })
        .collect();
    Ok(Rule {
        id: id.clone(),
        slug: file.slug,
        severity,
        summary: file.summary,
        probes: std::sync::OnceLock::new(),
        select: file.select.into_inner(),
        query,
        predicates,
        binds,
        known: file.known.iter().map(|k| field_path(k)).collect(),
        message: file.message,
        variants,
        at: file
            .at
            .iter()
            .flat_map(|a| a.to_vec())
            .map(field_path)
            .collect(),
        at_pointer: file.at_pointer.as_deref().map(field_path),
        about_pointer: file.about_pointer.as_deref().map(field_path),
        related,
        help: file.help,
        docs: file.docs,
        docs_for: file.docs_for.unwrap_or_default(),
        doc: file.doc,
        failure: file.failure,
        origin: origin.to_string(),
    })
}

/// Why the configuration and the rules cannot be used.
pub enum SetupError {
    Config(crate::config::ConfigError),
    Rule(RuleError),
}

/// The configuration at `path` (when there is one) and the rules: built in,
/// from `dirs` and from its rule folders, its rule names checked against them.
pub fn configured(
    path: Option<&Path>,
    dirs: &[std::path::PathBuf],
    root: Option<&Path>,
) -> Result<(Option<crate::config::Config>, Vec<Rule>), SetupError> {
    let config = path
        .map(|p| crate::config::load_in(p, root))
        .transpose()
        .map_err(SetupError::Config)?;
    let mut rules = load_rules(dirs).map_err(SetupError::Rule)?;
    if let Some(c) = &config {
        let named: Vec<&Path> = c.rule_dirs.iter().map(|(d, _)| d.as_path()).collect();
        add_folders(&mut rules, &named, c.project.as_ref()).map_err(SetupError::Rule)?;
    }
    if let Some(c) = &config {
        c.check_rule_names(&known(&rules))
            .map_err(SetupError::Config)?;
    }
    Ok((config, rules))
}

/// Every rule's (id, slug), tendon's own diagnostics included.
pub fn known(rules: &[Rule]) -> Vec<(&str, &str)> {
    rules
        .iter()
        .map(|r| (r.id.as_str(), r.slug.as_str()))
        .chain(crate::rules::doc::BUILTIN.iter().map(|b| (b.0, b.1)))
        .collect()
}

fn is_valid_id(id: &str) -> bool {
    let letters = id.chars().take_while(|c| c.is_ascii_uppercase()).count();
    let rest = id.get(letters..).unwrap_or("");
    (2..=5).contains(&letters) && rest.len() == 3 && rest.chars().all(|c| c.is_ascii_digit())
}

/// The built-in rules plus every `*.toml` in the given folders, sorted by id.
pub fn load_rules(extra_dirs: &[impl AsRef<Path>]) -> Result<Vec<Rule>, RuleError> {
    use rayon::prelude::*;
    // Parsing the JSONPath selections is the bulk of start-up time: in parallel.
    let mut rules: Vec<Rule> = BUILTIN_RULES
        .par_iter()
        .map(|(name, text)| parse_rule(&format!("builtin:{name}"), text))
        .collect::<Result<_, _>>()?;
    add_folders(&mut rules, extra_dirs, None)?;
    Ok(rules)
}

/// Adds every `*.toml` of the folders to `rules` (kept sorted by id). With a
/// `project`, a file that resolves outside it (a symlink a pull request
/// planted) is refused unread.
fn add_folders(
    rules: &mut Vec<Rule>,
    extra_dirs: &[impl AsRef<Path>],
    project: Option<&crate::confine::ProjectRoot>,
) -> Result<(), RuleError> {
    for dir in extra_dirs {
        let dir = dir.as_ref();
        let read_err = |e: std::io::Error| RuleError {
            file: dir.display().to_string(),
            text: String::new(),
            message: format!("cannot read rule folder: {e}"),
            span: None,
        };
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(read_err)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        paths.sort();
        for path in paths {
            let shown = path.display().to_string();
            if let Some(Err(refusal)) = project.map(|p| p.admit(&path)) {
                return Err(RuleError {
                    file: shown,
                    text: String::new(),
                    message: format!(
                        "this rule file {}; not read (rule folders named by the configuration \
                         are read only inside the project)",
                        refusal.reason()
                    ),
                    span: None,
                });
            }
            let text = crate::fsread::read_regular_text(&path, 1 << 20).map_err(|e| RuleError {
                file: shown.clone(),
                text: String::new(),
                message: format!("cannot read rule file: {e}"),
                span: None,
            })?;
            let rule = parse_rule(&shown, &text)?;
            if let Some(dup) = rules.iter().find(|r: &&Rule| r.id == rule.id) {
                return Err(RuleError {
                    file: shown,
                    message: format!("rule id {} is already defined by {}", rule.id, dup.origin),
                    span: text.find(&rule.id).map(|i| i..i + rule.id.len()),
                    text,
                });
            }
            rules.push(rule);
        }
    }
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "XYZ001"
slug = "x"
severity = "warning"
summary = "s"
select = "$.clusters[*]"
message = "m {name}"
"#;

    #[test]
    fn builtin_rules_load() {
        let rules = load_rules(&[] as &[&Path]).unwrap();
        assert!(rules.iter().any(|r| r.id == "AKS001"));
    }

    #[test]
    fn good_rule_parses() {
        let r = parse_rule("t.toml", GOOD).unwrap();
        assert_eq!(r.severity, Severity::Warning);
    }

    #[test]
    fn errors_point_into_the_toml() {
        let bad = GOOD.replace("$.clusters[*]", "$.clusters[");
        let e = parse_rule("t.toml", &bad).unwrap_err();
        assert!(e.message.starts_with("invalid JSONPath"), "{}", e.message);
        let span = e.span.unwrap();
        assert_eq!(&bad[span], "\"$.clusters[\"");

        let bad = GOOD.replace("\"warning\"", "\"fatal\"");
        let e = parse_rule("t.toml", &bad).unwrap_err();
        assert_eq!(&bad[e.span.unwrap()], "\"fatal\"");

        let bad = GOOD.replace("XYZ001", "x1");
        assert!(
            parse_rule("t.toml", &bad)
                .unwrap_err()
                .message
                .contains("rule id")
        );

        let bad = format!("{GOOD}\nbogus = 1\n");
        let e = parse_rule("t.toml", &bad).unwrap_err();
        assert!(e.message.contains("unknown field"), "{}", e.message);
        assert!(e.span.is_some());
    }
}
