//! Renders a rule's documentation (`tendon explain AKS001`) in a fixed shape:
//! what it does, why it is bad, an example, what to write instead, references.

use std::fmt::Write;

use crate::config::Config;
use crate::finding::Severity;
use crate::rules::load::Rule;
use crate::rules::schema::FailsAt;

pub fn render(rule: &Rule) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {} ({})\n", rule.id, rule.slug);
    let _ = writeln!(
        out,
        "Severity: {}. {}\n",
        rule.severity.as_str(),
        rule.summary
    );
    if let Some(doc) = &rule.doc {
        let _ = writeln!(out, "## What it does\n\n{}\n", doc.what.trim());
        let _ = writeln!(out, "## Why is this bad?\n\n{}\n", doc.why.trim());
        if let Some(e) = &doc.example {
            let _ = writeln!(out, "## Example\n\n```json\n{}\n```\n", e.trim());
        }
        if let Some(i) = &doc.instead {
            let _ = writeln!(out, "## Use instead\n\n```json\n{}\n```\n", i.trim());
        }
        if let Some(f) = &rule.failure {
            render_failure(&mut out, f);
        }
        if !doc.references.is_empty() {
            let _ = writeln!(out, "## References\n");
            for r in &doc.references {
                let _ = writeln!(out, "- {r}");
            }
            out.push('\n');
        }
    }
    if let Some(h) = rule_help(rule) {
        let _ = writeln!(out, "Help: {h}");
    }
    if let Some(d) = &rule.docs {
        let _ = write!(out, "Docs: {d}");
        for (kind, label) in [
            ("kubenet", "kubenet"),
            ("overlay", "Azure CNI Overlay"),
            ("azure", "flat Azure CNI"),
        ] {
            if let Some(other) = rule.docs_for.get(kind) {
                let _ = write!(out, "; for {label} clusters: {other}");
            }
        }
        out.push('\n');
    }
    let _ = writeln!(out, "Selects: {}", rule.select);
    out
}

/// `## When it fails`: what Azure does with a template that breaks the rule.
fn render_failure(out: &mut String, f: &crate::rules::schema::Failure) {
    let _ = writeln!(out, "## When it fails\n");
    let lead = match (f.when, f.errors.is_empty()) {
        (FailsAt::Deploy, false) => "Azure rejects the deployment with:",
        (FailsAt::Deploy, true) => "Azure rejects the deployment.",
        (FailsAt::Runtime, _) => "Azure accepts the deployment; it breaks afterwards.",
        (FailsAt::Advice, _) => "Nothing fails: this is advice.",
    };
    let _ = writeln!(out, "{lead}\n");
    for e in &f.errors {
        let _ = writeln!(
            out,
            "- `{}`: \"{}\" (seen in {})",
            e.code.get_ref(),
            e.message.trim(),
            e.source.trim()
        );
    }
    if !f.errors.is_empty() {
        out.push('\n');
    }
    if let Some(note) = &f.note {
        let _ = writeln!(out, "{}\n", note.trim());
    }
}

/// The Azure error codes a rule prevents.
pub fn error_codes(rule: &Rule) -> impl Iterator<Item = &str> {
    rule.failure
        .iter()
        .flat_map(|f| &f.errors)
        .map(|e| e.code.get_ref().as_str())
}

/// The rules that prevent an Azure deployment error (code in any case): the
/// rule's documentation when one does, a list when several do.
pub fn render_error_code(rules: &[Rule], code: &str) -> Option<String> {
    let matching: Vec<&Rule> = rules
        .iter()
        .filter(|r| error_codes(r).any(|c| c.eq_ignore_ascii_case(code)))
        .collect();
    match matching.as_slice() {
        [] => None,
        [one] => Some(render(one)),
        several => {
            let code = error_codes(several.first()?)
                .find(|c| c.eq_ignore_ascii_case(code))
                .unwrap_or(code);
            let mut out = format!("Rules that prevent the Azure deployment error {code}:\n\n");
            for r in several {
                let _ = writeln!(out, "{:<7} {:<30} {}", r.id, r.slug, r.summary);
            }
            out.push_str("\nRun `tendon explain <ID>` for a rule's documentation.\n");
            Some(out)
        }
    }
}

/// A rule's help without a finding: each `{field}` a finding fills in is `…`.
pub fn rule_help(rule: &Rule) -> Option<String> {
    struct Elided(serde_json::Value);
    impl crate::rules::predicates::Fields for Elided {
        fn field(&self, _: &[String]) -> Option<&serde_json::Value> {
            Some(&self.0)
        }
    }
    let elided = Elided(serde_json::Value::String("…".into()));
    rule.help
        .as_deref()
        .map(|h| crate::rules::engine::fill(h, &elided))
}

/// tendon's own diagnostics: (id, slug, severity, summary, explanation).
pub const BUILTIN: &[(&str, &str, &str, &str, &str)] = &[
    (
        "TDN001",
        "parse-error",
        "error",
        "A template or parameter file is not valid JSON",
        "The file names an ARM schema but is not valid JSON (comments and trailing commas are \
         accepted, as ARM accepts them) or not valid UTF-8. The finding points at the first \
         problem; the rest of the run goes on without this file.",
    ),
    (
        "TDN002",
        "unresolved",
        "info",
        "A rule could not be checked because an input is unknown",
        "Reported only with --report-unresolved. A rule never fires on a value tendon cannot \
         compute statically (a runtime reference(), a parameter without a value, an unknown \
         condition); this says which rule could not be checked, on which value, and why, so \
         you can give the value (a parameter file) or accept the gap.",
    ),
    (
        "TDN003",
        "evaluation-limit",
        "warning",
        "Evaluating a template hit one of tendon's budgets",
        "Evaluation is bounded (steps, reference depth, string and array sizes) so that no \
         template can hang the linter. Values past the limit are unknown, so rules may miss \
         problems that depend on them.",
    ),
    (
        "TDN004",
        "unused-suppression",
        "warning",
        "A suppression comment or metadata entry matches no finding",
        "A `// tendon-disable-next-line RULE` comment, a resource's \
         `metadata.tendon.suppress` entry or a Bicep `#disable-next-line` / \
         `#disable-diagnostics` pragma names a rule that reports nothing where it applies: the \
         problem was fixed, the rule id is misspelt, or the comment is not right above the \
         flagged line. Remove it so it cannot hide a future finding. TDN004 itself cannot be \
         suppressed by comments; `ignore = [\"TDN004\"]` in the configuration turns it off.",
    ),
    (
        "TDN005",
        "invalid-expression",
        "error",
        "A template expression does not parse",
        "A string starting with '[' and ending with ']' is an ARM expression. This one has a \
         syntax error, so ARM rejects the deployment; tendon treats its value as unknown. Write \
         '[[' at the start for a literal string that begins with '['.",
    ),
    (
        "TDN006",
        "missing-file",
        "warning",
        "A module, import or linked template names a file that does not exist",
        "A local Bicep module path (`module m './x.bicep'`), an `import ... from './x.bicep'`, a \
         `.bicepparam` file's `using` or `extends`, an ARM linked template's \
         `templateLink.relativePath`, or a linked template or `parametersLink` URI built from \
         `deployment().properties.templateLink.uri` names a file that does not exist. The Bicep \
         build, template-spec packaging or the deployment fails on it. The finding points at the \
         path as written; the run goes on, and whatever the file would deploy or output is \
         unknown. Registry (`br:`) and template-spec (`ts:`) modules are not local files and are \
         not checked. Suppress it like any rule (a comment, resource metadata, a Bicep pragma) \
         when the file is generated before deployment.",
    ),
    (
        "TDN007",
        "file-outside-root",
        "warning",
        "A template names a file outside the project root, or inside .git",
        "tendon reads a file because a template names it (`loadTextContent`, \
         `loadJsonContent`, `loadFileAsBase64`, a Bicep module or import, a `.bicepparam` \
         file's `using` or `extends`, an ARM `templateLink.relativePath` or `parametersLink`) \
         only when the path, after following symlinks, lies inside the project root and \
         outside any `.git` folder. The project root is `--root` when given, else the git work \
         tree holding the linted paths, else the folder they have in common. In a pull-request \
         gate this keeps a template from printing `/proc/self/environ`, `~/.azure` or the \
         checkout's `.git/config` (with its token) into a public log. The file is not read; \
         whatever it would give is unknown. Move the file into the repository, or pass `--root` \
         when the project really spans a larger folder.",
    ),
    (
        "TDN008",
        "undeclared-parameter",
        "error",
        "A parameter file sets a parameter its template does not declare",
        "A JSON parameter file or a `.bicepparam` file gives a value to a parameter that the \
         template it is deployed with (paired by name, `using`, `metadata.template` or \
         `[[pair]]`) does not declare; names compare without regard to case, as ARM compares \
         them. ARM rejects the deployment before it starts (`InvalidTemplate`: \"The template \
         parameters '…' in the parameters file are not valid; they are not present in the \
         original template and can therefore not be provided at deployment time\"), and Bicep \
         does not build such a `.bicepparam` file (BCP259). It happens when a template renames or drops \
         a parameter and its parameter files do not follow. The finding points at the name in \
         the parameter file; the template's `parameters` is the related location.",
    ),
];

/// Documentation of a built-in diagnostic, by id or slug.
pub fn render_builtin(query: &str) -> Option<String> {
    BUILTIN
        .iter()
        .find(|b| b.0.eq_ignore_ascii_case(query) || b.1 == query)
        .map(|(id, slug, severity, summary, text)| {
            format!("# {id} ({slug})\n\nSeverity: {severity}. {summary}\n\n{text}\n")
        })
}

/// The rule list in a format: aligned text, JSON, or the README's Markdown table.
/// How `tendon rules` prints the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RulesFormat {
    Human,
    Json,
    /// The README's rule table.
    Markdown,
}

/// One row of `tendon rules`.
struct Row<'a> {
    id: &'a str,
    slug: &'a str,
    default: Severity,
    /// After the configuration; `None` when it turns the rule off.
    severity: Option<Severity>,
    summary: &'a str,
    fails: Option<FailsAt>,
    codes: Vec<&'a str>,
    /// tendon's own diagnostic (TDN): about the run, not about Azure.
    tool: bool,
}

/// The rules, with the severities and selection of `config` when given.
pub fn list(rules: &[Rule], config: Option<&Config>, format: RulesFormat) -> String {
    let builtin = BUILTIN.iter().map(|b| Row {
        id: b.0,
        slug: b.1,
        default: Severity::parse(b.2).unwrap_or(Severity::Warning),
        severity: None,
        summary: b.3,
        fails: None,
        codes: Vec::new(),
        tool: true,
    });
    let rows: Vec<Row> = rules
        .iter()
        .map(|r| Row {
            id: &r.id,
            slug: &r.slug,
            default: r.severity,
            severity: None,
            summary: &r.summary,
            fails: r.failure.as_ref().map(|f| f.when),
            codes: error_codes(r).collect(),
            tool: false,
        })
        .chain(builtin)
        .map(|mut row| {
            row.severity = match config {
                None => Some(row.default),
                Some(c) if c.enabled(row.id, row.slug) => {
                    Some(c.severity_of(row.id, row.slug, row.default))
                }
                Some(_) => None,
            };
            row
        })
        .collect();
    let shown = |row: &Row| row.severity.map_or("off", Severity::as_str);
    match format {
        RulesFormat::Human => rows
            .iter()
            .map(|r| format!("{:<7} {:<30} {:<8} {}\n", r.id, r.slug, shown(r), r.summary))
            .collect(),
        RulesFormat::Json => {
            let items: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id,
                        "slug": r.slug,
                        "severity": r.severity.unwrap_or(r.default).as_str(),
                        "summary": r.summary,
                        "enabled": r.severity.is_some(),
                        "default_severity": r.default.as_str(),
                        "fails_at": r.fails.map(FailsAt::as_str),
                        "deploy_errors": r.codes,
                    })
                })
                .collect();
            let mut out = serde_json::to_string_pretty(&items).unwrap_or_default();
            out.push('\n');
            out
        }
        RulesFormat::Markdown => {
            let mut out = String::from(
                "| id | slug | severity | summary | when it fails |\n|---|---|---|---|---|\n",
            );
            for r in &rows {
                let fails = match (r.fails, r.codes.is_empty()) {
                    _ if r.tool => "–".to_string(),
                    (Some(FailsAt::Deploy), false) => {
                        let codes: Vec<String> = r.codes.iter().map(|c| format!("`{c}`")).collect();
                        format!("deploy: {}", codes.join(", "))
                    }
                    (Some(when), _) => when.as_str().to_string(),
                    (None, _) => "not confirmed".to_string(),
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {fails} |",
                    r.id,
                    r.slug,
                    shown(r),
                    r.summary.replace('|', "\\|")
                );
            }
            out
        }
    }
}
