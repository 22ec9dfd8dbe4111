//! Deployed resources in the run (`--context`): each export is read by
//! [`crate::context`] into resources, their facts are marked deployed and put
//! before the templates' (so a template's cluster is the second user of a
//! subnet a deployed cluster holds, and findings land in the template), and
//! what a template declares stays the template's: it will be redeployed.
//! Only the deployed resources the templates reach join ([`relevant`]); a
//! resource in several exports is read from the first.

pub mod relevant;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::arm::template::Deployment;
use crate::confine::ProjectRoot;
use crate::context::Context;
use crate::finding::{Finding, Related, Severity, builtin};
use crate::json::Node;
use crate::model::facts::{self, Facts, Origin};
use crate::source::{FileId, Loc, SourceFile, SourceMap, Span};

/// Largest export read: a big subscription's export is tens of megabytes.
pub const MAX_CONTEXT_BYTES: u64 = 256 * 1024 * 1024;

/// A context file to read, and whether it was named on the command line
/// (the configuration's are read only inside the project root).
pub struct ContextFile<'a> {
    pub path: &'a Path,
    pub trusted: bool,
}

/// What the exports of a run hold.
#[derive(Default)]
pub struct Exports {
    /// Facts of the resources read, marked deployed.
    pub facts: Vec<Facts>,
    /// ARM template exports (`az group export`): evaluated as templates, their facts marked deployed.
    pub templates: Vec<(FileId, Arc<Node>)>,
    /// Every export's file.
    pub files: HashSet<FileId>,
    pub findings: Vec<Finding>,
}

/// Exports kept between runs (the language server): read again only when
/// their size or modification time changes, or their place in the run.
#[derive(Default)]
pub struct Kept {
    files: Mutex<HashMap<PathBuf, KeptExport>>,
}

struct KeptExport {
    stamp: crate::fsread::Stamp,
    id: FileId,
    source: Arc<SourceFile>,
    read: Read,
}

/// What one export gave.
#[derive(Clone)]
enum Read {
    /// With a warning when the export is one page of several.
    Facts(Box<Facts>, Option<Box<Finding>>),
    Template(Arc<Node>),
    Error(Box<Finding>),
}

pub fn read_all(
    list: &[ContextFile],
    sources: &mut SourceMap,
    root: &ProjectRoot,
    display: &dyn Fn(&Path) -> String,
    kept: Option<&Kept>,
) -> Exports {
    let mut out = Exports::default();
    let mut kept_files = kept.and_then(|k| k.files.lock().ok());
    for c in list {
        let shown = display(c.path);
        let path = match place(c, root) {
            Ok(p) => p,
            Err(message) => {
                unreadable(&mut out, sources, c.path, shown, message);
                continue;
            }
        };
        let stamp = crate::fsread::stamp(&path);
        let next = FileId::try_from(sources.len()).unwrap_or(FileId::MAX);
        if let (Some(files), Some(stamp)) = (kept_files.as_deref(), stamp)
            && let Some(k) = files.get(&path)
            && k.stamp == stamp
            && k.id == next
            && k.source.display == shown
        {
            let id = sources.add(k.source.clone());
            out.files.insert(id);
            take(&mut out, id, k.read.clone());
            continue;
        }
        let text = match crate::fsread::read_regular_text(&path, MAX_CONTEXT_BYTES) {
            Ok(t) => t,
            Err(message) => {
                unreadable(&mut out, sources, c.path, shown, message);
                continue;
            }
        };
        let source = Arc::new(SourceFile::new(c.path.into(), shown, text));
        let id = sources.add(source.clone());
        out.files.insert(id);
        let read = read_one(&source.text, id);
        if let (Some(files), Some(stamp)) = (kept_files.as_deref_mut(), stamp) {
            let read = read.clone();
            files.insert(
                path,
                KeptExport {
                    stamp,
                    id,
                    source,
                    read,
                },
            );
        }
        take(&mut out, id, read);
    }
    out
}

fn unreadable(
    out: &mut Exports,
    sources: &mut SourceMap,
    path: &Path,
    shown: String,
    message: String,
) {
    let id = sources.add(SourceFile::new(path.into(), shown, String::new()));
    out.files.insert(id);
    out.findings.push(error(
        Loc::new(id, Span::default()),
        format!("cannot read context file: {message}"),
    ));
}

fn take(out: &mut Exports, id: FileId, read: Read) {
    match read {
        Read::Facts(f, incomplete) => {
            out.facts.push(*f);
            out.findings.extend(incomplete.map(|w| *w));
        }
        Read::Template(node) => out.templates.push((id, node)),
        Read::Error(f) => out.findings.push(*f),
    }
}

/// What one export, the run's file `id`, holds.
fn read_one(text: &str, id: FileId) -> Read {
    match crate::context::read_noting(text, id) {
        Ok((Context::Resources(resources), more)) => {
            let dep = Deployment {
                file: id,
                parameters_file: None,
                parameters_loc: None,
                scope: Default::default(),
                resources,
                limit_hit: None,
                expression_errors: Vec::new(),
                linked_files: Vec::new(),
            };
            let mut f = facts::extract(&dep);
            mark_deployed(&mut f);
            let incomplete = more.map(|span| {
                let mut w = Finding::builtin(
                    builtin::PARSE_ERROR,
                    Severity::Warning,
                    "this export is one page of a longer result: resources on the other pages \
                     are not checked against"
                        .into(),
                    Loc::new(id, span),
                );
                w.help = Some(
                    "export every page (az graph query --first 1000 --skip-token <token>, \
                     repeated while skip_token is set) and pass each with --context"
                        .into(),
                );
                w
            });
            Read::Facts(Box::new(f), incomplete.map(Box::new))
        }
        Ok((Context::Template, _)) => match crate::json::parse(text) {
            Ok(node) => Read::Template(Arc::new(node)),
            Err(e) => Read::Error(Box::new(error(Loc::new(id, e.span), e.message))),
        },
        Err(e) => Read::Error(Box::new(error(
            Loc::new(id, e.span),
            format!("not a context file: {}", e.message),
        ))),
    }
}

/// Where an export is read: as named on the command line, inside the
/// project root when the configuration names it.
fn place(c: &ContextFile, root: &ProjectRoot) -> Result<PathBuf, String> {
    if c.trusted {
        // Named on the command line, but maybe a link a pull request planted.
        match crate::confine::link_out_of_project(c.path) {
            Some(r) => Err(format!(
                "it is a symbolic link to a file that {}",
                r.reason()
            )),
            None => Ok(c.path.to_path_buf()),
        }
    } else {
        root.admit(c.path).map_err(|r| format!("it {}", r.reason()))
    }
}

fn error(loc: Loc, message: String) -> Finding {
    Finding::builtin(builtin::PARSE_ERROR, Severity::Error, message, loc)
}

/// Every origin of the facts marked deployed.
pub fn mark_deployed(f: &mut Facts) {
    for o in origins(f) {
        o.deployed = true;
    }
}

fn origins(f: &mut Facts) -> impl Iterator<Item = &mut Origin> {
    let Facts {
        clusters,
        vnets,
        subnets,
        route_tables,
        nsgs,
        identities,
        role_assignments,
        gateways,
        application_gateways,
        ..
    } = f;
    clusters
        .iter_mut()
        .map(|c| &mut c.origin)
        .chain(vnets.iter_mut().map(|v| &mut v.origin))
        .chain(subnets.iter_mut().map(|s| &mut s.origin))
        .chain(route_tables.iter_mut().map(|r| &mut r.origin))
        .chain(nsgs.iter_mut().map(|n| &mut n.origin))
        .chain(identities.iter_mut().map(|i| &mut i.origin))
        .chain(role_assignments.iter_mut().map(|r| &mut r.origin))
        .chain(gateways.iter_mut().map(|g| &mut g.origin))
        .chain(application_gateways.iter_mut().map(|g| &mut g.origin))
}

/// The files the facts' declarations are in.
fn declared_in(f: &Facts) -> impl Iterator<Item = FileId> + '_ {
    f.clusters
        .iter()
        .map(|c| c.origin.file)
        .chain(f.vnets.iter().map(|v| v.origin.file))
        .chain(f.subnets.iter().map(|s| s.origin.file))
        .chain(f.route_tables.iter().map(|r| r.origin.file))
        .chain(f.nsgs.iter().map(|n| n.origin.file))
        .chain(f.identities.iter().map(|i| i.origin.file))
        .chain(f.role_assignments.iter().map(|r| r.origin.file))
        .chain(f.gateways.iter().map(|g| g.origin.file))
        .chain(f.application_gateways.iter().map(|g| g.origin.file))
}

/// The ids the templates declare, of every kind, with where each is declared.
fn declared_ids(templates: &[Arc<Facts>]) -> Vec<(&str, Loc)> {
    let mut out = Vec::new();
    for f in templates {
        fn with<'a>(id: &'a Option<String>, o: &Origin) -> Option<(&'a str, Loc)> {
            id.as_deref().map(|id| (id, o.loc))
        }
        out.extend(f.clusters.iter().filter_map(|c| with(&c.id, &c.origin)));
        out.extend(f.vnets.iter().filter_map(|c| with(&c.id, &c.origin)));
        out.extend(f.subnets.iter().filter_map(|c| with(&c.id, &c.origin)));
        out.extend(f.route_tables.iter().filter_map(|c| with(&c.id, &c.origin)));
        out.extend(f.nsgs.iter().filter_map(|c| with(&c.id, &c.origin)));
        out.extend(f.identities.iter().filter_map(|c| with(&c.id, &c.origin)));
        out.extend(
            f.role_assignments
                .iter()
                .filter_map(|c| with(&c.id, &c.origin)),
        );
        out.extend(f.gateways.iter().filter_map(|c| with(&c.id, &c.origin)));
        out.extend(
            f.application_gateways
                .iter()
                .filter_map(|c| with(&c.id, &c.origin)),
        );
    }
    out
}

/// A resource both declared in a template and deployed: where the template
/// declares it, and where the export has it.
pub type Twin = (Loc, Loc);

/// The deployed facts without what a template declares (matched as links
/// match: canonically, a template's unknown subscription or group matching
/// any), then the templates' facts: one list for the linker; and the
/// resources both declare.
pub fn join(deployed: Vec<Facts>, templates: Vec<Arc<Facts>>) -> (Vec<Arc<Facts>>, Vec<Twin>) {
    if deployed.is_empty() {
        return (templates, Vec::new());
    }
    let declared = declared_ids(&templates);
    let mut index = crate::model::linked::IdIndex::default();
    for (i, (id, _)) in declared.iter().enumerate() {
        index.insert(id, i);
    }
    let found = |id: &Option<String>| id.as_deref().and_then(|id| index.find(id));
    let kept = |id: &Option<String>| found(id).is_none();
    let mut twins = Vec::new();
    let mut undeclared = |id: &Option<String>, o: &Origin| match found(id) {
        Some(i) => {
            if let Some((_, at)) = declared.get(i) {
                twins.push((*at, o.loc));
            }
            false
        }
        None => true,
    };
    let mut out: Vec<Arc<Facts>> = deployed
        .into_iter()
        .map(|mut f| {
            f.clusters.retain(|c| undeclared(&c.id, &c.origin));
            f.vnets.retain(|c| undeclared(&c.id, &c.origin));
            f.subnets.retain(|c| undeclared(&c.id, &c.origin));
            f.route_tables.retain(|c| undeclared(&c.id, &c.origin));
            f.nsgs.retain(|c| undeclared(&c.id, &c.origin));
            f.identities.retain(|c| undeclared(&c.id, &c.origin));
            f.role_assignments.retain(|c| undeclared(&c.id, &c.origin));
            f.gateways.retain(|c| undeclared(&c.id, &c.origin));
            f.application_gateways
                .retain(|c| undeclared(&c.id, &c.origin));
            // Children of a declared parent are the template's too.
            f.child_pools.retain(|c| kept(&c.cluster_id));
            f.child_routes.retain(|c| kept(&c.parent_id));
            f.child_rules.retain(|c| kept(&c.parent_id));
            f.child_peerings.retain(|c| kept(&c.parent_id));
            Arc::new(f)
        })
        .collect();
    out.extend(templates);
    (out, twins)
}

/// A finding in the declaration of a resource that is also deployed gets the
/// deployed one as related information (the innermost such declaration).
pub fn mention_twins(findings: &mut [Finding], twins: &[Twin]) {
    if twins.is_empty() {
        return;
    }
    for f in findings {
        let inside = |decl: &Loc| {
            decl.file == f.loc.file
                && decl.span.start <= f.loc.span.start
                && f.loc.span.end <= decl.span.end
        };
        let innermost = twins
            .iter()
            .filter(|(decl, _)| inside(decl))
            .min_by_key(|(decl, _)| decl.span.end - decl.span.start);
        if let Some((_, deployed)) = innermost
            && !f.related.iter().any(|r| r.loc == *deployed)
        {
            f.related.push(Related {
                loc: *deployed,
                message: "deployed now: read from the export".into(),
            });
        }
    }
}

/// The facts of the run for the linker (see [`join`]): the exports' (those
/// evaluated as templates included), then the templates'. Without `all`,
/// only the deployed resources the templates reach are kept (see
/// [`relevant`]): findings between the others are not reported anyway.
pub fn join_run(
    exports: Vec<Facts>,
    evaluated: Vec<Arc<Facts>>,
    files: &HashSet<FileId>,
    all: bool,
) -> (Vec<Arc<Facts>>, Vec<Twin>) {
    if files.is_empty() {
        return (evaluated, Vec::new());
    }
    let mut deployed = exports;
    let mut templates = Vec::with_capacity(evaluated.len());
    for f in evaluated {
        if declared_in(&f).any(|file| files.contains(&file)) {
            let mut f = Arc::unwrap_or_clone(f);
            mark_deployed(&mut f);
            deployed.push(f);
        } else {
            templates.push(f);
        }
    }
    dedup(&mut deployed);
    let deployed = if all {
        deployed
    } else {
        relevant::reached(deployed, &templates)
    };
    join(deployed, templates)
}

/// Keeps the first of deployed resources with the same id (the same
/// resource in two exports, or on two pages of one): the linker would take
/// them for two resources, two clusters on one subnet say. Children are the
/// same when their parent's id and their name are.
fn dedup(deployed: &mut [Facts]) {
    let mut seen: HashSet<String> = HashSet::new();
    // False when the key was seen; a resource without an id or name is kept.
    let mut first = |key: Option<String>| key.is_none_or(|k| seen.insert(k.to_ascii_lowercase()));
    let own = |id: &Option<String>| id.clone();
    let child = |kind: &str, parent: &Option<String>, name: Option<&str>| {
        Some(format!("{kind} {}/{}", parent.as_deref()?, name?))
    };
    let name_of =
        |v: &crate::value::Value| v.get("name").and_then(|n| n.as_str()).map(str::to_string);
    for f in deployed.iter_mut() {
        // A kept cluster's inline pools are its pools: an agentPools row of
        // the same pool in another export is the same pool.
        f.clusters.retain(|c| {
            let kept = first(own(&c.id));
            for p in c.pools.iter().filter(|_| kept) {
                first(child("pool", &c.id, p.name.as_str()));
            }
            kept
        });
        f.vnets.retain(|c| first(own(&c.id)));
        f.subnets.retain(|c| first(own(&c.id)));
        f.route_tables.retain(|c| first(own(&c.id)));
        f.nsgs.retain(|c| first(own(&c.id)));
        f.identities.retain(|c| first(own(&c.id)));
        f.role_assignments.retain(|c| first(own(&c.id)));
        f.gateways.retain(|c| first(own(&c.id)));
        f.application_gateways.retain(|c| first(own(&c.id)));
        f.child_pools
            .retain(|c| first(child("pool", &c.cluster_id, c.pool.name.as_str())));
        f.child_routes
            .retain(|c| first(child("route", &c.parent_id, name_of(&c.item).as_deref())));
        f.child_rules
            .retain(|c| first(child("rule", &c.parent_id, name_of(&c.item).as_deref())));
        f.child_peerings
            .retain(|c| first(child("peering", &c.parent_id, name_of(&c.item).as_deref())));
    }
}

/// Whether a finding is only about deployed resources: its place and every
/// related place are in exports (not the pull request's doing).
/// tendon's own diagnostics (a context file it cannot read) always count.
pub fn only_deployed(f: &Finding, exports: &HashSet<FileId>) -> bool {
    let own = crate::rules::doc::BUILTIN.iter().any(|b| b.0 == f.rule);
    !own && exports.contains(&f.loc.file) && f.related.iter().all(|r| exports.contains(&r.loc.file))
}

/// A finding placed in an export but also about a template is placed at the
/// template's first related location (where the pull request can act); the
/// export's place becomes its first related location.
pub fn relocate(f: &mut Finding, exports: &HashSet<FileId>) {
    if !exports.contains(&f.loc.file) {
        return;
    }
    let Some(k) = f
        .related
        .iter()
        .position(|r| !exports.contains(&r.loc.file))
    else {
        return;
    };
    let r = f.related.remove(k);
    f.related.insert(
        0,
        Related {
            loc: f.loc,
            message: "deployed: read from the export".into(),
        },
    );
    f.loc = r.loc;
}
