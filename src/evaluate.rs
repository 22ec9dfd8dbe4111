//! The evaluate and extract stages: pairs templates with parameter files,
//! evaluates each (template, parameter file) scenario in parallel, and
//! extracts its facts. Linked templates load through a [`DiskLoader`].

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::arm::nested::Unread;
use crate::arm::template::{self, LinkedTemplate, TemplateLoader};
use crate::config::Config;
use crate::confine::{ProjectRoot, Refusal};
use crate::discover;
use crate::finding::{Finding, Severity, builtin};
use crate::json::Node;
use crate::missing;
use crate::model::facts::{self, Facts};
use crate::pairing;
use crate::referenced::DiskLoader;
use crate::source::{FileId, Loc, SourceMap, Span};
use crate::stats::Coverage;
use crate::value::Value;

pub struct Evaluated {
    /// Facts of every scenario, in (template, parameter file) order.
    pub facts: Vec<Arc<Facts>>,
    /// TDN003 / TDN005 findings.
    pub findings: Vec<Finding>,
    /// TDN006 findings for linked files evaluation looked for and did not find.
    pub missing: Vec<Finding>,
    pub coverage: Coverage,
}

/// One scenario's result.
pub struct Scenario {
    facts: Arc<Facts>,
    findings: Vec<Finding>,
    missing: Vec<Finding>,
    coverage: Coverage,
    template: FileId,
    with_parameters: bool,
    linked: Vec<FileId>,
    /// Ids `reference()` asked for that the template does not declare.
    foreign: Vec<String>,
    /// The `properties` of the network resources it deploys: canonical id, id, value.
    declared: Vec<(String, String, Value)>,
    /// A cluster or pool value is unknown because of a `reference()`.
    waits: bool,
}

/// Scenario results kept between runs (the language server): a scenario is
/// evaluated again only when its template, its parameter file or a file it
/// linked changed. Files are told apart by their place in the run (`FileId`,
/// which the results hold) and their parse (the same `Arc` while unchanged;
/// the entry holds it, so no later parse can take its address). Files read
/// from outside the run are kept too, with their ids. Not kept: scenarios
/// that missed a file (one appearing later would change them).
#[derive(Default)]
pub struct ScenarioCache {
    map: Mutex<HashMap<UnitKey, Kept>>,
    /// The files scenarios read from outside the run.
    files: crate::referenced::KeptFiles,
}

/// (with coverage, template, parameter file).
type UnitKey = (bool, FileId, Option<FileId>);

/// A kept scenario and the parses it was made from: template, parameter
/// file and linked files.
struct Kept {
    parts: Vec<(FileId, Arc<Node>)>,
    scenario: Arc<Scenario>,
}

impl ScenarioCache {
    fn get(&self, key: &UnitKey, current: &HashMap<FileId, Arc<Node>>) -> Option<Arc<Scenario>> {
        let map = self.map.lock().ok()?;
        let kept = map.get(key)?;
        kept.parts
            .iter()
            .all(|(id, node)| current.get(id).is_some_and(|c| Arc::ptr_eq(c, node)))
            .then(|| kept.scenario.clone())
    }

    fn keep(&self, key: UnitKey, current: &HashMap<FileId, Arc<Node>>, scenario: &Arc<Scenario>) {
        let Ok(mut map) = self.map.lock() else {
            return;
        };
        let ids = [Some(key.1), key.2].into_iter().flatten();
        let parts: Option<Vec<(FileId, Arc<Node>)>> = ids
            .chain(scenario.linked.iter().copied())
            .map(|id| Some((id, current.get(&id)?.clone())))
            .collect();
        match parts {
            Some(parts) if scenario.missing.is_empty() => {
                let scenario = scenario.clone();
                map.insert(key, Kept { parts, scenario });
            }
            // Not kept: nor is an older result of the unit.
            _ => {
                map.remove(&key);
            }
        }
    }
}

/// The run's loader as one evaluation sees it: it also keeps the links that
/// evaluation could not read.
struct Recording<'l> {
    inner: &'l DiskLoader<'l>,
    unread: Mutex<Vec<Unread>>,
    /// Resources other templates of the run declare (the second pass).
    run: Option<&'l HashMap<String, Value>>,
    foreign: Mutex<Vec<String>>,
}

impl TemplateLoader for Recording<'_> {
    fn load(&self, path: &Path) -> Option<LinkedTemplate> {
        self.inner.load(path)
    }

    fn unread(&self, mut link: Unread) {
        link.outside_root = link.path.as_deref().is_some_and(|p| {
            self.inner
                .root()
                .admit(p)
                .is_err_and(Refusal::is_confinement)
        });
        if let Ok(mut all) = self.unread.lock() {
            all.push(link);
        }
    }

    fn declared(&self, canonical_id: &str) -> Option<Value> {
        if let Some(run) = self.run {
            return run.get(canonical_id).cloned();
        }
        if let Ok(mut all) = self.foreign.lock() {
            all.push(canonical_id.to_string());
        }
        None
    }
}

/// Network resources `reference()` of another template may read: their
/// `properties`, moved out of the finished evaluation.
fn referencable(dep: &mut template::Deployment) -> Vec<(String, String, Value)> {
    dep.resources
        .iter_mut()
        .filter(|r| {
            r.resource_type
                .get(..17)
                .is_some_and(|p| p.eq_ignore_ascii_case("Microsoft.Network"))
        })
        .filter_map(|r| {
            let id = r.id.as_deref()?;
            let crate::value::Kind::Object(body) = &mut r.body.kind else {
                return None;
            };
            let slot = body
                .entries
                .iter_mut()
                .find(|(k, _)| k.eq_ignore_ascii_case("properties"))?;
            let props = std::mem::replace(&mut slot.1, Value::null());
            Some((crate::resource_id::canonical(id), id.to_string(), props))
        })
        .collect()
}

/// The run's index for `reference()` across templates: each id declared with
/// one set of properties (several different declarations: none is taken).
fn run_index(scenarios: &[(usize, Arc<Scenario>)]) -> HashMap<String, Value> {
    let wanted: HashSet<&str> = scenarios
        .iter()
        .flat_map(|(_, s)| s.foreign.iter().map(String::as_str))
        .collect();
    let mut index: HashMap<String, Option<Value>> = HashMap::new();
    for (_, s) in scenarios {
        for (id, written, props) in &s.declared {
            if !wanted.contains(id.as_str()) {
                continue;
            }
            let props = crate::arm::declared::as_referenced(props.clone(), written);
            match index.get_mut(id) {
                None => {
                    index.insert(id.clone(), Some(props));
                }
                Some(slot) => {
                    if slot.as_ref().is_some_and(|v| !same_json(v, &props)) {
                        *slot = None;
                    }
                }
            }
        }
    }
    index
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect()
}

/// Whether a cluster or node pool value is unknown because of a `reference()`.
fn waits_for_reference(facts: &Facts) -> bool {
    let waits = |v: &Value| v.contains_unknown_where(&|r| r.starts_with("reference()"));
    facts
        .clusters
        .iter()
        .any(|c| c.network.as_ref().is_some_and(waits) || c.pools.iter().any(|p| waits(&p.props)))
        || facts.child_pools.iter().any(|p| waits(&p.pool.props))
}

/// Equal as JSON (origins aside).
fn same_json(a: &Value, b: &Value) -> bool {
    a.to_json() == b.to_json()
}

/// What pairs parameter files with templates besides their names.
#[derive(Default)]
pub struct Hints<'a> {
    /// The configuration (its `[[pair]]` entries) and its folder.
    pub config: Option<&'a Config>,
    pub config_dir: Option<&'a Path>,
    /// Folders a `metadata.template` path may also be relative to, in order.
    pub roots: Vec<PathBuf>,
    /// `--target`: where every template is deployed (before the configuration's).
    pub target: Option<&'a crate::target::Target>,
    /// The project root: a `metadata.template` outside it is not looked at.
    pub root: Option<&'a crate::confine::ProjectRoot>,
}

/// What the evaluation collects besides facts, and what it may reuse.
#[derive(Default, Clone, Copy)]
pub struct Settings<'a> {
    /// Collect coverage (`--stats`).
    pub stats: bool,
    pub cache: Option<&'a ScenarioCache>,
    /// Where canonical paths come from (default: the disk).
    pub files: Option<&'a dyn crate::ingest::FileSource>,
}

/// Evaluates every scenario; linked files are read only inside `root`.
pub fn evaluate_all(
    templates: &[(FileId, Arc<Node>)],
    parameters: &[(FileId, Arc<Node>)],
    sources: &mut SourceMap,
    root: &ProjectRoot,
    cwd: Option<&Path>,
    hints: &Hints,
    settings: Settings,
) -> Evaluated {
    let Settings {
        stats,
        cache,
        files,
    } = settings;
    let canonical = |p: &Path| match files {
        Some(f) => f.canonical(p),
        None => std::fs::canonicalize(p).ok(),
    };
    let path_of = |id: FileId| sources.get(id).map(|f| f.path.clone()).unwrap_or_default();
    let t_paths: Vec<_> = templates.iter().map(|(id, _)| path_of(*id)).collect();
    let p_paths: Vec<_> = parameters.iter().map(|(id, _)| path_of(*id)).collect();
    let t_refs: Vec<&Path> = t_paths.iter().map(|p| p.as_path()).collect();
    let p_refs: Vec<&Path> = p_paths.iter().map(|p| p.as_path()).collect();
    let mut pairs = pairing::pair(&t_refs, &p_refs);
    let using: Vec<Option<String>> = parameters
        .iter()
        .map(|(_, n)| n.get("using").and_then(Node::as_str).map(str::to_string))
        .collect();
    // Canonical paths, computed once: `using`, module links and the loader all key on them.
    let t_canon: Vec<Option<PathBuf>> = t_paths.iter().map(|p| canonical(p)).collect();
    let p_canon: Vec<Option<PathBuf>> = p_paths.iter().map(|p| canonical(p)).collect();
    let by_canonical: HashMap<PathBuf, usize> = t_canon
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((c.clone()?, i)))
        .collect();
    pairing::pair_using(&mut pairs, &by_canonical, &p_refs, &using, &canonical);
    let mut explicit = HashSet::new();
    for (j, (_, node)) in parameters.iter().enumerate() {
        let Some(path) = p_paths.get(j) else { continue };
        if let Some(template) = explicit_template(path, node, hints) {
            let index = canonical(&template).and_then(|c| by_canonical.get(&c).copied());
            pairing::assign(&mut pairs, j, index);
            explicit.insert(j);
        }
    }
    let sets = |j: usize| {
        let (_, n) = parameters.get(j)?;
        let named = explicit.contains(&j) || n.get("$bicepparam").is_some();
        (!named).then(|| parameter_names(n).collect())
    };
    // Each template's names as a set, made when first asked (a linear
    // lookup per name would make pairing quadratic in a template's size),
    // and a bound on the lookups: thousands of near-identical parameter
    // files and templates in one folder cannot stall the run.
    let declared: Vec<std::cell::OnceCell<HashSet<String>>> = templates
        .iter()
        .map(|_| std::cell::OnceCell::new())
        .collect();
    let names_of = |i: usize| -> Option<&HashSet<String>> {
        let (_, t) = templates.get(i)?;
        Some(
            declared
                .get(i)?
                .get_or_init(|| parameter_names(t).collect()),
        )
    };
    let lookups = std::cell::Cell::new(0usize);
    let declares = |i: usize, name: &str| {
        lookups.set(lookups.get().saturating_add(1));
        names_of(i).is_some_and(|d| d.contains(name))
    };
    let within_budget = || lookups.get() < pairing::MAX_NAME_LOOKUPS;
    let by_names = pairing::by_declared_names(
        &mut pairs,
        &t_refs,
        &p_refs,
        &sets,
        &declares,
        &within_budget,
    );
    let mut unpaired: Vec<(String, Option<crate::stats::NearTemplate>)> = Vec::new();
    let mut paired_by_names: Vec<(String, String)> = Vec::new();
    if stats {
        let paired: HashSet<usize> = pairs.iter().flatten().copied().collect();
        let shown = |id: Option<&(FileId, Arc<Node>)>| {
            id.and_then(|(id, _)| sources.get(*id))
                .map(|f| f.display.clone())
        };
        unpaired = (0..parameters.len())
            .filter(|j| !paired.contains(j))
            .filter_map(|j| {
                let near = || {
                    let names = sets(j)?;
                    if !within_budget() {
                        return None;
                    }
                    let (i, lacks) = pairing::closest(p_refs.get(j)?, &t_refs, &names, &declares)?;
                    // As written in the file, not lower-cased.
                    let (_, node) = parameters.get(j)?;
                    let written = node
                        .get("parameters")
                        .map(Node::members)
                        .unwrap_or_default();
                    let lacks = lacks
                        .iter()
                        .map(|l| {
                            written
                                .iter()
                                .find(|m| m.key.eq_ignore_ascii_case(l))
                                .map_or_else(|| l.clone(), |m| m.key.clone())
                        })
                        .collect();
                    Some((shown(templates.get(i))?, lacks))
                };
                Some((shown(parameters.get(j))?, near()))
            })
            .collect();
        paired_by_names = by_names
            .iter()
            .filter_map(|&(j, i)| Some((shown(parameters.get(j))?, shown(templates.get(i))?)))
            .collect();
    }
    // One evaluation per (template, parameter file); a template without one uses its defaults.
    let twins = compiled_twins(templates, &t_paths, sources);
    let mut units: Vec<(usize, Option<usize>)> = Vec::new();
    for (ti, ps) in pairs.iter().enumerate() {
        if twins.get(&ti).is_some_and(|t| !t.source_uses_registry) {
            continue;
        }
        if ps.is_empty() {
            units.push((ti, None));
        } else {
            units.extend(ps.iter().map(|&pi| (ti, Some(pi))));
        }
    }
    let undeclared = undeclared_parameters(&units, templates, &names_of, parameters, sources);
    let targets: Vec<Option<&crate::target::Target>> = t_paths
        .iter()
        .map(|p| {
            hints
                .target
                .or_else(|| hints.config.and_then(|c| c.target_for(p)))
        })
        .collect();
    let cwd_owned = cwd.map(Path::to_path_buf);
    let loader = DiskLoader::new(
        root.clone(),
        templates
            .iter()
            .zip(&t_canon)
            .chain(parameters.iter().zip(&p_canon))
            .filter_map(|((id, node), canon)| Some((*id, canon.clone()?, node.clone()))),
        FileId::try_from(sources.len()).unwrap_or(FileId::MAX),
        Box::new(move |p: &Path| discover::display_path(p, cwd_owned.as_deref())),
        cache.map(|c| &c.files),
    );
    // Each file's parse (the run's and those kept from outside it), for the
    // cache to tell what changed.
    let mut current: HashMap<FileId, Arc<Node>> = templates
        .iter()
        .chain(parameters)
        .map(|(id, node)| (*id, node.clone()))
        .collect();
    current.extend(loader.kept_parses());
    let run = |batch: &[(usize, (usize, Option<usize>))],
               index: Option<&HashMap<String, Value>>|
     -> Vec<(usize, Arc<Scenario>)> {
        // Second-pass results depend on the whole run: never kept.
        let key = |ti: usize, pi: Option<usize>| {
            let (tid, _) = templates.get(ti)?;
            (index.is_none() && cache.is_some()).then(|| {
                let p = pi.and_then(|pi| parameters.get(pi));
                (stats, *tid, p.map(|(id, _)| *id))
            })
        };
        // Kept results first, in one pass (no thread is needed to look up).
        let mut out = Vec::new();
        let mut todo = Vec::new();
        for &(order, (ti, pi)) in batch {
            match (key(ti, pi), cache) {
                (Some(k), Some(cache)) => match cache.get(&k, &current) {
                    Some(hit) => out.push((order, hit)),
                    None => todo.push((order, (ti, pi))),
                },
                _ => todo.push((order, (ti, pi))),
            }
        }
        let evaluated: Vec<(usize, Arc<Scenario>)> = todo
            .par_iter()
            .filter_map(|&(order, (ti, pi))| {
                let (tid, tnode) = templates.get(ti)?;
                let key = key(ti, pi);
                let params = pi
                    .and_then(|pi| parameters.get(pi))
                    .map(|(id, n)| (n.as_ref(), *id));
                let path = t_paths.get(ti)?;
                let source = template::Source {
                    node: tnode,
                    file: *tid,
                    path: Some(path),
                    target: targets.get(ti).copied().flatten(),
                };
                let recording = Recording {
                    inner: &loader,
                    unread: Mutex::new(Vec::new()),
                    run: index,
                    foreign: Mutex::new(Vec::new()),
                };
                let mut dep = template::evaluate(source, params, &recording);
                let unread = recording.unread.into_inner().unwrap_or_default();
                let mut coverage = Coverage::default();
                if stats {
                    coverage.add(&dep, &unread);
                }
                let facts = facts::extract(&dep);
                let findings = evaluation_findings(&dep);
                let declared = if index.is_none() {
                    referencable(&mut dep)
                } else {
                    Vec::new()
                };
                let scenario = Arc::new(Scenario {
                    waits: waits_for_reference(&facts),
                    facts: Arc::new(facts),
                    findings,
                    missing: unread
                        .iter()
                        .filter_map(|u| missing::from_unread(u, root))
                        .collect(),
                    coverage,
                    template: *tid,
                    with_parameters: pi.is_some(),
                    declared,
                    linked: dep.linked_files,
                    foreign: recording.foreign.into_inner().unwrap_or_default(),
                });
                if let (Some(key), Some(cache)) = (key, cache) {
                    cache.keep(key, &current, &scenario);
                }
                Some((order, scenario))
            })
            .collect();
        out.extend(evaluated);
        out
    };
    // Modules and linked templates are evaluated through their callers first;
    // on their own (with defaults) only when no caller reached them.
    let modules = statically_linked(templates, &t_paths, &by_canonical, &canonical);
    let (callers, maybe_linked): (Vec<_>, Vec<_>) =
        units
            .iter()
            .copied()
            .enumerate()
            .partition(|(_, (ti, pi))| {
                // A compiled twin of a module is evaluated like its source: only when unreached.
                let source_is_module = twins
                    .get(ti)
                    .and_then(|t| templates.iter().position(|(id, _)| *id == t.source))
                    .is_some_and(|si| modules.contains(&si));
                pi.is_some() || !(modules.contains(ti) || source_is_module)
            });
    let mut scenarios = run(&callers, None);
    let reached: HashSet<FileId> = scenarios
        .iter()
        .flat_map(|(_, s)| s.linked.iter().copied())
        .collect();
    let rest: Vec<_> = maybe_linked
        .into_iter()
        .filter(|(_, (ti, _))| {
            templates
                .get(*ti)
                .is_none_or(|(id, _)| !reached.contains(id))
                && twins.get(ti).is_none_or(|t| !reached.contains(&t.source))
        })
        .collect();
    scenarios.extend(run(&rest, None));
    // Second pass: evaluations whose reference() named a resource that another
    // template of the run declares read its declaration.
    let index = run_index(&scenarios);
    if !index.is_empty() {
        let again: Vec<(usize, (usize, Option<usize>))> = scenarios
            .iter()
            // Only where a rule input is waiting for it: a cluster or pool value
            // unknown because of a reference().
            .filter(|(_, s)| s.waits)
            .filter(|(_, s)| s.foreign.iter().any(|id| index.contains_key(id)))
            .filter_map(|(order, _)| Some((*order, *units.get(*order)?)))
            .collect();
        let redone: HashMap<usize, Arc<Scenario>> = run(&again, Some(&index)).into_iter().collect();
        let mut redone = redone;
        for (order, s) in scenarios.iter_mut() {
            if let Some(new) = redone.remove(order) {
                *s = new;
            }
        }
    }
    scenarios.sort_by_key(|(order, _)| *order);
    let scenarios: Vec<Arc<Scenario>> = scenarios.into_iter().map(|(_, s)| s).collect();
    for file in loader.into_extra_files() {
        sources.add(file);
    }

    // A template that another one links is evaluated through that link; the
    // facts of its stand-alone evaluation (defaults only) would only add unknowns.
    let linked: HashSet<FileId> = scenarios
        .iter()
        .flat_map(|s| s.linked.iter().copied())
        .collect();
    let mut out = Evaluated {
        facts: Vec::with_capacity(scenarios.len()),
        findings: Vec::new(),
        missing: Vec::new(),
        coverage: Coverage::default(),
    };
    out.findings.extend(undeclared);
    out.coverage.unpaired = unpaired;
    out.coverage.paired_by_names = paired_by_names;
    let mut linked_resources = 0usize;
    let input_bytes: usize = sources.iter().map(|(_, f)| f.text.len()).sum();
    let resource_budget = MAX_LINKED_RESOURCES + input_bytes / BYTES_PER_EXTRA_RESOURCE;
    let mut over_budget: Vec<FileId> = Vec::new();
    for s in scenarios {
        // Its own diagnostics (a syntax error, a cycle) still count.
        out.findings.extend(s.findings.iter().cloned());
        out.missing.extend(s.missing.iter().cloned());
        if linked.contains(&s.template) && !s.with_parameters {
            continue;
        }
        // The world grows with every resource: past the budget a scenario is
        // not linked (TDN003 once per template), so memory stays bounded.
        let count = s.facts.resource_count();
        if linked_resources + count > resource_budget {
            if !over_budget.contains(&s.template) {
                over_budget.push(s.template);
                out.findings
                    .push(resource_budget_finding(s.template, count, resource_budget));
            }
            out.coverage.merge(s.coverage.clone());
            continue;
        }
        linked_resources += count;
        out.facts.push(s.facts.clone());
        out.coverage.merge(s.coverage.clone());
    }
    out
}

/// Resources of the kinds tendon links (clusters, pools, networks, route
/// tables, NSGs, identities, role assignments, gateways) per run, plus one
/// per [`BYTES_PER_EXTRA_RESOURCE`] of input: far above real repositories,
/// low enough that a few bytes of copy loops cannot grow the linked world
/// past tens of megabytes (a linked resource costs about 25 KB).
pub const MAX_LINKED_RESOURCES: usize = 1_500;
/// Input bytes that allow one more linked resource (memory may grow by 40
/// bytes per input byte).
pub const BYTES_PER_EXTRA_RESOURCE: usize = 640;

fn resource_budget_finding(template: FileId, count: usize, budget: usize) -> Finding {
    let mut f = Finding::builtin(
        builtin::EVALUATION_LIMIT,
        Severity::Warning,
        format!(
            "evaluation limit reached: this run links at most {budget} resources; \
             the {count} this template deploys are not linked, and rules do not see them"
        ),
        Loc::new(template, Span::new(0, 0)),
    );
    f.help = Some(
        "a template that deploys thousands of clusters, networks or rules is almost always \
         a copy loop gone wrong; lint fewer files per run if it is not"
            .into(),
    );
    f
}

/// TDN008 for every (template, parameter file) pair: the parameters the file
/// sets and the template does not declare.
fn undeclared_parameters<'a>(
    units: &[(usize, Option<usize>)],
    templates: &[(FileId, Arc<Node>)],
    names_of: &dyn Fn(usize) -> Option<&'a HashSet<String>>,
    parameters: &[(FileId, Arc<Node>)],
    sources: &SourceMap,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for &(ti, pi) in units {
        // Only templates with a parameter file get their names' set.
        let Some((pfile, params)) = pi.and_then(|pi| parameters.get(pi)) else {
            continue;
        };
        let (Some((tfile, template)), Some(declared)) = (templates.get(ti), names_of(ti)) else {
            continue;
        };
        let shown = sources.get(*tfile).map_or("", |f| f.display.as_str());
        out.extend(crate::undeclared::undeclared(
            template, declared, *tfile, shown, params, *pfile,
        ));
    }
    out
}

/// The parameter names a template declares or a parameter file sets, lower-cased.
fn parameter_names(doc: &Node) -> impl Iterator<Item = String> + '_ {
    let params = doc.get("parameters").map(Node::members).unwrap_or_default();
    params.iter().map(|m| m.key.to_ascii_lowercase())
}

/// The template a parameter file is explicitly paired with: a `[[pair]]` of
/// the configuration, else its `metadata.template` when that names a file.
fn explicit_template(path: &Path, node: &Node, hints: &Hints) -> Option<PathBuf> {
    if let Some(config) = hints.config {
        let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let shown = discover::display_path(&abs, hints.config_dir);
        if let Some(t) = config.paired_template(&shown) {
            return Some(t.to_path_buf());
        }
    }
    let written = node.get("metadata")?.get("template")?.as_str()?;
    pairing::metadata_template(path, written, &hints.roots, hints.root)
}

/// Templates that another template of the run names as a module or linked
/// template with a literal `templateLink.relativePath`.
fn statically_linked(
    templates: &[(FileId, Arc<Node>)],
    paths: &[PathBuf],
    by_path: &HashMap<PathBuf, usize>,
    canonical: &dyn Fn(&Path) -> Option<PathBuf>,
) -> HashSet<usize> {
    let mut out = HashSet::new();
    for ((_, node), path) in templates.iter().zip(paths) {
        let Some(dir) = path.parent() else { continue };
        for r in crate::arm::resources::resource_nodes(node) {
            let Some(rel) = r
                .get("properties")
                .and_then(|p| p.get("templateLink"))
                .and_then(|l| l.get("relativePath"))
                .and_then(Node::as_str)
            else {
                continue;
            };
            if rel.starts_with('[') {
                continue;
            }
            let Some(target) = canonical(&dir.join(rel)) else {
                continue;
            };
            if let Some(&i) = by_path.get(&target) {
                out.insert(i);
            }
        }
    }
    out
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

/// A template compiled from a Bicep file that is linted too.
struct Twin {
    source: FileId,
    source_uses_registry: bool,
}

/// Templates compiled from a Bicep file of the run (`main.json` next to
/// `main.bicep`, with `metadata._generator.name` "bicep"): the same resources,
/// so only the source is evaluated; unless the source uses registry or
/// template-spec modules, which only the compiled file has inlined (then the
/// twin stands in for it, and is evaluated when the source would be).
fn compiled_twins(
    templates: &[(FileId, Arc<Node>)],
    paths: &[PathBuf],
    sources: &SourceMap,
) -> HashMap<usize, Twin> {
    let bicep_sources: HashMap<PathBuf, FileId> = paths
        .iter()
        .zip(templates)
        .filter(|(p, _)| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("bicep"))
        })
        .map(|(p, (id, _))| (p.with_extension(""), *id))
        .collect();
    let uses_registry = |id: FileId| {
        sources.get(id).is_some_and(|f| {
            ["'br:", "'br/", "'ts:", "'ts/"]
                .iter()
                .any(|m| f.text.contains(m))
        })
    };
    let mut out = HashMap::new();
    for (i, (p, (_, node))) in paths.iter().zip(templates).enumerate() {
        let compiled = p
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            && node
                .get("metadata")
                .and_then(|m| m.get("_generator"))
                .and_then(|g| g.get("name"))
                .and_then(Node::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case("bicep"));
        if let Some(&source) = bicep_sources.get(&p.with_extension(""))
            && compiled
        {
            out.insert(
                i,
                Twin {
                    source,
                    source_uses_registry: uses_registry(source),
                },
            );
        }
    }
    out
}
