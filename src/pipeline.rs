//! One run, stage by stage: discover → load → evaluate → extract → link →
//! rules → sorted findings. Per-file stages run in parallel (rayon); the
//! result does not depend on scheduling.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::Config;
use crate::confine::ProjectRoot;
use crate::deployed;
use crate::discover::{self, DiscoverError, Input};
use crate::evaluate;
use crate::finding::{Finding, Severity, builtin};
use crate::ingest::{self, ParsedContent};
use crate::json::Node;
use crate::model::link;
use crate::outcome::{Outcome, Summary};
use crate::rules::engine;
use crate::rules::load::Rule;
use crate::source::{FileId, Loc, SourceFile, SourceMap, Span};

struct LoadedFile {
    input: Input,
    result: Result<Arc<ingest::Parsed>, String>,
}

/// What a run should do besides linting.
#[derive(Default, Clone, Copy)]
pub struct Options<'c> {
    /// Collect evaluation coverage (`--stats`).
    pub stats: bool,
    /// Report rule inputs that were unknown (`--report-unresolved`, TDN002).
    pub report_unresolved: bool,
    /// The project configuration, if any.
    pub config: Option<&'c Config>,
    /// `--root`: the folder files named by templates must lie in (default:
    /// the git work tree of `paths`, else their common folder).
    pub root: Option<&'c Path>,
    /// Where the files are read (default: the disk).
    pub files: Option<&'c dyn ingest::FileSource>,
    /// What earlier runs found that this one may reuse (the language server).
    pub memo: Option<&'c Memo>,
    /// `--target`: where every template is deployed (else the configuration says).
    pub target: Option<&'c crate::target::Target>,
    /// `--context`: exports of deployed resources (besides the configuration's).
    pub context: &'c [PathBuf],
    /// `--context-findings`: report findings between deployed resources too.
    pub context_findings: bool,
}

/// Results kept between runs, each checked against the parses it came from.
#[derive(Default)]
pub struct Memo {
    pub scenarios: evaluate::ScenarioCache,
    pub directives: crate::suppress::Kept,
    pub exports: deployed::Kept,
}

pub fn run(paths: &[PathBuf], rules: &[Rule]) -> Result<Outcome, DiscoverError> {
    run_with(paths, rules, Options::default())
}

pub fn run_with(
    paths: &[PathBuf],
    rules: &[Rule],
    options: Options,
) -> Result<Outcome, DiscoverError> {
    let config_dir = options
        .config
        .and_then(|c| c.path.as_deref())
        .and_then(Path::parent)
        .and_then(|d| std::path::absolute(d).ok());
    let cwd = std::env::current_dir().ok();
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, Duration)>| {
        let now = Instant::now();
        timings.push((name, now - clock));
        clock = now;
    };

    let files = options.files.unwrap_or(&ingest::Disk);
    let (mut inputs, mut warnings) = files.discover(paths)?;
    if let Some(config) = options.config
        && !config.exclude.is_empty()
    {
        inputs.retain(|i| {
            let abs = std::path::absolute(&i.path).unwrap_or_else(|_| i.path.clone());
            !config.excluded(&discover::display_path(&abs, config_dir.as_deref()))
        });
    }
    let root = ProjectRoot::find(paths, options.root).map_err(|e| DiscoverError {
        path: options.root.map(Path::to_path_buf).unwrap_or_default(),
        message: format!("cannot use it as the project root: {e}"),
    })?;
    // Exports of deployed resources: the command line's anywhere, the
    // configuration's inside the project root; never linted as templates.
    let context: Vec<deployed::ContextFile> = options
        .context
        .iter()
        .map(|p| deployed::ContextFile {
            path: p,
            trusted: true,
        })
        .chain(options.config.into_iter().flat_map(|c| {
            c.context.iter().map(|p| deployed::ContextFile {
                path: p,
                trusted: false,
            })
        }))
        .collect();
    if !context.is_empty() {
        let canonical: std::collections::HashSet<PathBuf> = context
            .iter()
            .filter_map(|c| std::fs::canonicalize(c.path).ok())
            .collect();
        inputs.retain(|i| std::fs::canonicalize(&i.path).map_or(true, |p| !canonical.contains(&p)));
    }
    lap("discover", &mut timings);

    let loaded: Vec<LoadedFile> = inputs
        .into_par_iter()
        .map(|input| {
            let result = files.parse(&input, &root);
            LoadedFile { input, result }
        })
        .collect();
    lap("load", &mut timings);

    let mut sources = SourceMap::default();
    let mut findings = Vec::new();
    // TDN006 for files named as written; evaluation adds the links it resolved.
    let mut missing: Vec<Finding> = Vec::new();
    let mut summary = Summary::default();
    let mut templates: Vec<(FileId, Arc<Node>)> = Vec::new();
    let mut parameters: Vec<(FileId, Arc<Node>)> = Vec::new();
    let display = |p: &Path| discover::display_path(p, cwd.as_deref());
    for f in loaded {
        match f.result {
            Err(message) => {
                summary.files += 1;
                let id = sources.add(SourceFile::new(
                    f.input.path.clone(),
                    display(&f.input.path),
                    String::new(),
                ));
                findings.push(parse_error(
                    id,
                    Span::default(),
                    format!("cannot read file: {message}"),
                ));
            }
            Ok(l) => {
                if let ParsedContent::Skipped = &l.content {
                    // A file named on the command line is expected to be linted.
                    if paths.iter().any(|p| p == &f.input.path) {
                        warnings.push(format!(
                            "{}: skipped: not an ARM template or parameter file (no \
                             deploymentTemplate.json or deploymentParameters.json $schema)",
                            display(&f.input.path)
                        ));
                    }
                    continue;
                }
                // Every other file is one of the run's sources.
                summary.files += 1;
                let id = sources.add(l.source(display(&f.input.path)));
                match &l.content {
                    ParsedContent::Skipped => {}
                    ParsedContent::Bicep {
                        node,
                        params,
                        errors,
                        references,
                    } => {
                        summary.bicep_files += 1;
                        findings.extend(capped_parse_errors(id, errors));
                        missing.extend(l.missing(id, || {
                            crate::missing::bicep(references, &f.input.path, id, &root)
                        }));
                        let list = if *params {
                            &mut parameters
                        } else {
                            &mut templates
                        };
                        list.push((id, node.clone()));
                    }
                    ParsedContent::Broken { message, span } => {
                        findings.push(parse_error(id, *span, message.clone()));
                    }
                    ParsedContent::Template(node) => {
                        summary.templates += 1;
                        missing.extend(
                            l.missing(id, || crate::missing::arm(node, &f.input.path, id, &root)),
                        );
                        templates.push((id, node.clone()));
                    }
                    ParsedContent::Parameters(node) => {
                        summary.parameter_files += 1;
                        parameters.push((id, node.clone()));
                    }
                }
            }
        }
    }
    if summary.files == 0 {
        let named: Vec<String> = paths
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        warnings.push(format!(
            "no ARM or Bicep files found under {}",
            named.join(", ")
        ));
    }

    let exports = deployed::read_all(
        &context,
        &mut sources,
        &root,
        &display,
        options.memo.map(|m| &m.exports),
    );
    findings.extend(exports.findings.iter().cloned());
    templates.extend(exports.templates.iter().cloned());

    // `metadata.template` paths without `./` may be relative to a folder the
    // run was given, the configuration's folder or the working directory.
    let mut roots: Vec<PathBuf> = paths
        .iter()
        .filter_map(|p| std::path::absolute(p).ok())
        .filter_map(|p| {
            if p.is_dir() {
                Some(p)
            } else {
                p.parent().map(Path::to_path_buf)
            }
        })
        .collect();
    roots.extend(config_dir.iter().cloned());
    roots.extend(cwd.iter().cloned());
    let hints = evaluate::Hints {
        config: options.config,
        config_dir: config_dir.as_deref(),
        roots,
        target: options.target,
        root: Some(&root),
    };
    let evaluated = evaluate::evaluate_all(
        &templates,
        &parameters,
        &mut sources,
        &root,
        cwd.as_deref(),
        &hints,
        evaluate::Settings {
            stats: options.stats,
            cache: options.memo.map(|m| &m.scenarios),
            files: options.files,
        },
    );
    findings.extend(evaluated.findings);
    // A literal path evaluation also followed is reported once, as written.
    let written: std::collections::HashSet<Loc> = missing.iter().map(|f| f.loc).collect();
    missing.extend(
        evaluated
            .missing
            .into_iter()
            .filter(|f| !written.contains(&f.loc)),
    );
    findings.extend(missing);
    let coverage = evaluated.coverage;
    let (all_facts, twins) = deployed::join_run(
        exports.facts,
        evaluated.facts,
        &exports.files,
        options.context_findings,
    );
    lap("evaluate", &mut timings);

    let network = network_config(options.config, &mut sources);
    let names = |id: FileId| {
        sources
            .get(id)
            .map(|f| f.display.clone())
            .unwrap_or_default()
    };
    let world = link::link_with(&all_facts, &names, &network);
    lap("link", &mut timings);

    findings.extend(engine::run(rules, &world, options.report_unresolved));
    if !exports.files.is_empty() {
        if !options.context_findings {
            findings.retain(|f| !deployed::only_deployed(f, &exports.files));
        }
        for f in &mut findings {
            deployed::relocate(f, &exports.files);
        }
        deployed::mention_twins(&mut findings, &twins);
    }
    if let Some(config) = options.config {
        findings.retain(|f| config.enabled(&f.rule, &f.slug));
        for f in &mut findings {
            f.severity = config.severity_of(&f.rule, &f.slug, f.severity);
        }
    }
    let mut suppressed = crate::suppress::apply(
        &mut findings,
        &sources,
        &templates,
        rules,
        options.config,
        options.memo.map(|m| &m.directives),
    );
    // Freeing every syntax tree costs as much as a stage; let a thread do it
    // while sorting and reporting go on (or the process ends).
    let _ = std::thread::Builder::new().spawn(move || drop((templates, parameters)));
    lap("rules", &mut timings);

    sort_and_dedup(&mut findings, &sources);
    sort_suppressed(&mut suppressed, &sources);
    summary.suppressed = suppressed.len();
    for f in &findings {
        match f.severity {
            Severity::Error => summary.errors += 1,
            Severity::Warning => summary.warnings += 1,
            Severity::Info => summary.infos += 1,
        }
    }
    Ok(Outcome {
        sources,
        findings,
        suppressed,
        world,
        summary,
        timings,
        warnings,
        coverage: options.stats.then_some(coverage),
    })
}

/// Configured ranges, located in the configuration file (added to the sources).
fn network_config(config: Option<&Config>, sources: &mut SourceMap) -> link::NetworkConfig {
    let Some(config) = config else {
        return link::NetworkConfig::default();
    };
    if config.reserved.is_empty() && config.on_premises.is_empty() {
        return link::NetworkConfig::default();
    }
    let path = config.path.clone().unwrap_or_default();
    let cwd = std::env::current_dir().ok();
    let display = discover::display_path(&path, cwd.as_deref());
    let file = sources.add(SourceFile::new(path, display, config.text.clone()));
    let located = |ranges: &[crate::config::ConfiguredRange]| {
        ranges
            .iter()
            .map(|r| {
                (
                    r.net.to_string(),
                    Some(Loc::new(file, Span::new(r.span.start, r.span.end))),
                )
            })
            .collect()
    };
    link::NetworkConfig {
        reserved: located(&config.reserved),
        on_premises: located(&config.on_premises),
    }
}

/// Parse errors reported per file; the rest are counted in one more finding
/// (a file of garbage gives one error per token, and each costs memory and a
/// line of output).
pub const MAX_PARSE_ERRORS: usize = 5;

fn capped_parse_errors(file: FileId, errors: &[crate::bicep::syntax::SyntaxError]) -> Vec<Finding> {
    let more = errors.len().saturating_sub(MAX_PARSE_ERRORS);
    let mut errors = errors.iter();
    let mut out: Vec<Finding> = errors
        .by_ref()
        .take(MAX_PARSE_ERRORS)
        .map(|e| parse_error(file, e.span, e.message.clone()))
        .collect();
    if let Some(next) = errors.next() {
        let noun = if more == 1 { "error" } else { "errors" };
        out.push(parse_error(
            file,
            next.span,
            format!("… and {more} more parse {noun} in this file"),
        ));
    }
    out
}

fn parse_error(file: FileId, span: Span, message: String) -> Finding {
    Finding::builtin(
        builtin::PARSE_ERROR,
        Severity::Error,
        message,
        Loc::new(file, span),
    )
}

/// Sorts by (file, line, column, rule id, message) and merges exact duplicates
/// (the same finding from several parameter-file scenarios), keeping every
/// scenario as a "found with" location.
/// Suppressed findings in report order, merged like reported ones; a merged
/// finding keeps the reason of the first (they share a location, so a directive).
fn sort_suppressed(list: &mut Vec<crate::suppress::Suppressed>, sources: &SourceMap) {
    if list.is_empty() {
        return;
    }
    let key = |f: &Finding| (f.loc.file, f.loc.span.start, f.loc.span.end, f.rule.clone());
    let mut reasons = std::collections::HashMap::new();
    let mut findings = Vec::with_capacity(list.len());
    for s in list.drain(..) {
        reasons.entry(key(&s.finding)).or_insert(s.justification);
        findings.push(s.finding);
    }
    sort_and_dedup(&mut findings, sources);
    list.extend(
        findings
            .into_iter()
            .map(|finding| crate::suppress::Suppressed {
                justification: reasons.get(&key(&finding)).cloned().unwrap_or_default(),
                finding,
            }),
    );
}

fn sort_and_dedup(findings: &mut Vec<Finding>, sources: &SourceMap) {
    let key = |f: &Finding| {
        let file = sources.get(f.loc.file);
        let pos = file.map(|s| s.position(f.loc.span.start));
        (
            file.map(|s| s.display.clone()).unwrap_or_default(),
            pos.map_or(0, |p| p.line),
            pos.map_or(0, |p| p.column),
            f.rule.clone(),
            f.message.clone(),
            f.loc.span.end,
        )
    };
    let mut keyed: Vec<_> = findings.drain(..).map(|f| (key(&f), f)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut merged: Vec<(_, Finding)> = Vec::with_capacity(keyed.len());
    for (k, f) in keyed {
        match merged.last_mut() {
            Some((lk, last)) if *lk == k && last.related == f.related => {
                for s in f.scenarios {
                    if !last.scenarios.contains(&s) {
                        last.scenarios.push(s);
                    }
                }
            }
            _ => merged.push((k, f)),
        }
    }
    for (_, f) in &mut merged {
        let name = |r: &crate::finding::Related| {
            sources
                .get(r.loc.file)
                .map(|s| s.display.clone())
                .unwrap_or_default()
        };
        f.scenarios.sort_by_key(|r| name(r));
    }
    findings.extend(merged.into_iter().map(|(_, f)| f));
}
