//! One run, stage by stage: discover → load → evaluate → extract → link →
//! rules → sorted findings. Per-file stages run in parallel (rayon); the
//! result does not depend on scheduling.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::arm::template;
use crate::discover::{self, DiscoverError, Input};
use crate::finding::{Finding, Severity, builtin};
use crate::load::{self, Content};
use crate::model::facts::{self, Facts};
use crate::model::link;
use crate::model::world::World;
use crate::pairing;
use crate::rules::engine;
use crate::rules::load::Rule;
use crate::source::{FileId, Loc, SourceFile, SourceMap, Span};

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
}

struct LoadedFile {
    input: Input,
    result: Result<load::Loaded, String>,
}

pub fn run(paths: &[PathBuf], rules: &[Rule]) -> Result<Outcome, DiscoverError> {
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
    let mut templates: Vec<(FileId, json_node::Node)> = Vec::new();
    let mut parameters: Vec<(FileId, json_node::Node)> = Vec::new();
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
                    templates.push((id, node));
                }
                Content::Parameters(node) => {
                    summary.files += 1;
                    summary.parameter_files += 1;
                    let id = sources.add(SourceFile::new(
                        f.input.path.clone(),
                        display(&f.input.path),
                        l.text,
                    ));
                    parameters.push((id, node));
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
    let evaluated: Vec<(Facts, Vec<Finding>)> = units
        .par_iter()
        .filter_map(|&(ti, pi)| {
            let (tid, tnode) = templates.get(ti)?;
            let params = pi.and_then(|pi| parameters.get(pi)).map(|(id, n)| (n, *id));
            let dep = template::evaluate(tnode, *tid, params);
            let limit = dep.limit_hit.as_ref().map(|(what, at)| Finding {
                rule: builtin::EVALUATION_LIMIT.0.into(),
                slug: builtin::EVALUATION_LIMIT.1.into(),
                severity: Severity::Warning,
                message: format!(
                    "evaluation limit reached: {what}; the values it affects are treated as unknown"
                ),
                loc: at.unwrap_or(Loc::new(*tid, Span::new(0, 0))),
                help: Some(
                    "tendon bounds evaluation so that no template can hang it; simplify the expression, or ignore this warning if the value does not matter for AKS networking".into(),
                ),
                docs: None,
                related: Vec::new(),
            });
            let mut found: Vec<Finding> = limit.into_iter().collect();
            found.extend(dep.expression_errors.iter().map(|(message, loc)| Finding {
                rule: builtin::INVALID_EXPRESSION.0.into(),
                slug: builtin::INVALID_EXPRESSION.1.into(),
                severity: Severity::Error,
                message: format!("invalid template expression: {message}"),
                loc: *loc,
                help: Some("ARM rejects this expression at deployment; tendon treats its value as unknown".into()),
                docs: Some("https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions".into()),
                related: Vec::new(),
            }));
            Some((facts::extract(&dep), found))
        })
        .collect();
    lap("evaluate", &mut timings);

    let mut all_facts = Vec::with_capacity(evaluated.len());
    for (f, limit) in evaluated {
        all_facts.push(f);
        findings.extend(limit);
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
    })
}

mod json_node {
    pub use crate::json::Node;
}

fn parse_error(file: FileId, span: Span, message: String) -> Finding {
    Finding {
        rule: builtin::PARSE_ERROR.0.into(),
        slug: builtin::PARSE_ERROR.1.into(),
        severity: Severity::Error,
        message,
        loc: Loc::new(file, span),
        help: None,
        docs: None,
        related: Vec::new(),
    }
}

/// Sorts by (file, line, column, rule id, message) and drops exact duplicates
/// (the same finding from several parameter-file scenarios).
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
    keyed.dedup_by(|a, b| a.0 == b.0 && a.1.related == b.1.related);
    findings.extend(keyed.into_iter().map(|(_, f)| f));
}
