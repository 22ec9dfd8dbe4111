//! One run, stage by stage: discover → load → evaluate → extract → link →
//! rules → sorted findings. Per-file stages run in parallel (rayon); the
//! result does not depend on scheduling.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::arm::template;
use crate::discover::{self, DiscoverError, Input};
use crate::finding::{Finding, Severity, builtin};
use crate::json::Node;
use crate::load::{self, Content};
use crate::loader::DiskLoader;
use crate::model::facts::{self, Facts};
use crate::model::link;
use crate::model::world::World;
use crate::pairing;
use crate::rules::engine;
use crate::rules::load::Rule;
use crate::source::{FileId, Loc, SourceFile, SourceMap, Span};
use crate::stats::Coverage;

#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub files: usize,
    pub templates: usize,
    pub parameter_files: usize,
    pub bicep_files: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

pub struct Outcome {
    pub sources: SourceMap,
    pub findings: Vec<Finding>,
    pub world: World,
    pub summary: Summary,
    pub timings: Vec<(&'static str, Duration)>,
    /// Problems that are not findings (an unreadable folder below a named path).
    pub warnings: Vec<String>,
    /// Evaluation coverage, when `Options::stats` asked for it.
    pub coverage: Option<Coverage>,
}

struct LoadedFile {
    input: Input,
    result: Result<load::Loaded, String>,
}

/// What a run should do besides linting.
#[derive(Debug, Default, Clone, Copy)]
pub struct Options {
    /// Collect evaluation coverage (`--stats`).
    pub stats: bool,
    /// Report rule inputs that were unknown (`--report-unresolved`, TDN002).
    pub report_unresolved: bool,
}

pub fn run(paths: &[PathBuf], rules: &[Rule]) -> Result<Outcome, DiscoverError> {
    run_with(paths, rules, Options::default())
}

pub fn run_with(
    paths: &[PathBuf],
    rules: &[Rule],
    options: Options,
) -> Result<Outcome, DiscoverError> {
    let cwd = std::env::current_dir().ok();
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, Duration)>| {
        let now = Instant::now();
        timings.push((name, now - clock));
        clock = now;
    };

    let (inputs, warnings) = discover::discover(paths)?;
    lap("discover", &mut timings);

    let loaded: Vec<LoadedFile> = inputs
        .into_par_iter()
        .map(|input| {
            let result = load::load(&input);
            LoadedFile { input, result }
        })
        .collect();
    lap("load", &mut timings);

    let mut sources = SourceMap::default();
    let mut findings = Vec::new();
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
            Ok(l) => match l.content {
                Content::Skipped => {}
                Content::Bicep | Content::BicepParam => {
                    summary.files += 1;
                    summary.bicep_files += 1;
                }
                Content::Broken { message, span } => {
                    summary.files += 1;
                    let id = sources.add(SourceFile::new(
                        f.input.path.clone(),
                        display(&f.input.path),
                        l.text,
                    ));
                    findings.push(parse_error(id, span, message));
                }
                Content::Template(node) => {
                    summary.files += 1;
                    summary.templates += 1;
                    let id = sources.add(SourceFile::new(
                        f.input.path.clone(),
                        display(&f.input.path),
                        l.text,
                    ));
                    templates.push((id, Arc::new(node)));
                }
                Content::Parameters(node) => {
                    summary.files += 1;
                    summary.parameter_files += 1;
                    let id = sources.add(SourceFile::new(
                        f.input.path.clone(),
                        display(&f.input.path),
                        l.text,
                    ));
                    parameters.push((id, Arc::new(node)));
                }
            },
        }
    }

    // One evaluation per (template, parameter file); a template without one uses its defaults.
    let path_of = |id: FileId| {
        sources
            .get(id)
            .map(|f| f.path.as_path())
            .unwrap_or(Path::new(""))
    };
    let t_paths: Vec<&Path> = templates.iter().map(|(id, _)| path_of(*id)).collect();
    let p_paths: Vec<&Path> = parameters.iter().map(|(id, _)| path_of(*id)).collect();
    let pairs = pairing::pair(&t_paths, &p_paths);
    let mut units: Vec<(usize, Option<usize>)> = Vec::new();
    for (ti, ps) in pairs.iter().enumerate() {
        if ps.is_empty() {
            units.push((ti, None));
        } else {
            units.extend(ps.iter().map(|&pi| (ti, Some(pi))));
        }
    }
    let loader = DiskLoader::new(
        templates
            .iter()
            .chain(parameters.iter())
            .map(|(id, node)| (*id, path_of(*id).to_path_buf(), node.clone())),
        FileId::try_from(sources.len()).unwrap_or(FileId::MAX),
        Box::new({
            let cwd = cwd.clone();
            move |p: &Path| discover::display_path(p, cwd.as_deref())
        }),
    );
    let evaluated: Vec<(Facts, Vec<Finding>, Coverage)> = units
        .par_iter()
        .filter_map(|&(ti, pi)| {
            let (tid, tnode) = templates.get(ti)?;
            let params = pi
                .and_then(|pi| parameters.get(pi))
                .map(|(id, n)| (n.as_ref(), *id));
            let source = template::Source {
                node: tnode,
                file: *tid,
                path: Some(path_of(*tid)),
            };
            let dep = template::evaluate(source, params, &loader);
            let mut coverage = Coverage::default();
            if options.stats {
                coverage.add(&dep);
            }
            Some((facts::extract(&dep), evaluation_findings(&dep), coverage))
        })
        .collect();
    for file in loader.into_extra_files() {
        sources.add(file);
    }
    lap("evaluate", &mut timings);

    let mut all_facts = Vec::with_capacity(evaluated.len());
    let mut coverage = Coverage::default();
    for (f, found, cov) in evaluated {
        all_facts.push(f);
        findings.extend(found);
        coverage.merge(cov);
    }
    let names = |id: FileId| {
        sources
            .get(id)
            .map(|f| f.display.clone())
            .unwrap_or_default()
    };
    let world = link::link(&all_facts, &names);
    lap("link", &mut timings);

    findings.extend(engine::run(rules, &world));
    lap("rules", &mut timings);

    sort_and_dedup(&mut findings, &sources);
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
        world,
        summary,
        timings,
        warnings,
        coverage: options.stats.then_some(coverage),
    })
}

/// TDN003 and TDN005 findings of one evaluation.
fn evaluation_findings(dep: &template::Deployment) -> Vec<Finding> {
    let mut found = Vec::new();
    if let Some((what, at)) = &dep.limit_hit {
        let mut f = Finding::builtin(
            builtin::EVALUATION_LIMIT,
            Severity::Warning,
            format!(
                "evaluation limit reached: {what}; the values it affects are treated as unknown"
            ),
            at.unwrap_or(Loc::new(dep.file, Span::new(0, 0))),
        );
        f.help = Some(
            "tendon bounds evaluation so that no template can hang it; simplify the expression, or ignore this warning if the value does not matter for AKS networking".into(),
        );
        found.push(f);
    }
    for (message, loc) in &dep.expression_errors {
        let mut f = Finding::builtin(
            builtin::INVALID_EXPRESSION,
            Severity::Error,
            format!("invalid template expression: {message}"),
            *loc,
        );
        f.help = Some(
            "ARM rejects this expression at deployment; tendon treats its value as unknown".into(),
        );
        f.docs = Some(
            "https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions"
                .into(),
        );
        found.push(f);
    }
    found
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
