//! Runs rules over the world: select with JSONPath, filter with predicates,
//! and turn each match into a finding located through the span table.

use std::collections::HashMap;

use jsonpath_rust::query::js_path_process;
use rayon::prelude::*;
use serde_json::Value as J;

use crate::finding::{Finding, Related, Severity, builtin};
use crate::model::world::{World, pointer_from_path, push_token};
use crate::rules::load::Rule;
use crate::rules::predicates::{Bound, Fields, field, is_known};
use crate::source::Loc;

/// Runs every rule; with `unresolved`, also reports (TDN002) each rule input
/// that was unknown.
pub fn run(rules: &[Rule], world: &World, unresolved: bool) -> Vec<Finding> {
    let mut out: Vec<Finding> = rules
        .par_iter()
        .flat_map_iter(|rule| {
            let mut found = run_rule(rule, world);
            if unresolved {
                found.extend(run_probes(rule, world));
            }
            found
        })
        .collect();
    if unresolved {
        out.extend(unlinked_pools(world));
    }
    out
}

/// TDN002 findings for node pools whose subnet could not be linked.
fn unlinked_pools(world: &World) -> Vec<Finding> {
    crate::rules::unresolved::unlinked_pools(&world.doc)
        .into_iter()
        .filter_map(|(ptr, message)| {
            let mut f = Finding::builtin(
                builtin::UNRESOLVED,
                Severity::Info,
                message,
                locate(world, &ptr)?,
            );
            f.scenarios = scenario(world, &ptr).into_iter().collect();
            Some(f)
        })
        .collect()
}

/// TDN002 findings: where `rule` could not be checked because an input was unknown.
fn run_probes(rule: &Rule, world: &World) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut report = |field_ptr: String, field: &[String]| {
        let Some(reason) = world
            .doc
            .pointer(&field_ptr)
            .and_then(|v| v.get("$unknown"))
            .and_then(J::as_str)
        else {
            return;
        };
        let Some(loc) = locate(world, &field_ptr) else {
            return;
        };
        let mut f = Finding::builtin(
            builtin::UNRESOLVED,
            Severity::Info,
            format!(
                "{} ({}) could not be checked: {} is unknown: {reason}",
                rule.id,
                rule.slug,
                field.join(".")
            ),
            loc,
        );
        f.scenarios = scenario(world, &field_ptr).into_iter().collect();
        out.push(f);
    };
    let probes = rule
        .probes
        .get_or_init(|| crate::rules::unresolved::probes(&rule.select));
    for probe in probes {
        let Ok(matches) = js_path_process(&probe.query, &world.doc) else {
            continue;
        };
        for m in matches {
            let Some(ptr) = pointer_from_path(&m.path) else {
                continue;
            };
            let node: String = ptr
                .split('/')
                .skip(1)
                .take(probe.depth)
                .fold(String::new(), |acc, t| acc + "/" + t);
            let field_ptr = probe.field.iter().fold(node, |p, t| push_token(&p, t));
            report(field_ptr, &probe.field);
        }
    }
    // Fields read by `known` and predicates, on ordinary matches.
    if let Ok(matches) = js_path_process(&rule.query, &world.doc) {
        for m in matches {
            let Some(ptr) = pointer_from_path(&m.path) else {
                continue;
            };
            let fields = rule
                .known
                .iter()
                .chain(rule.predicates.iter().flat_map(|p| p.fields()));
            for field in fields {
                let field_ptr = field.iter().fold(ptr.clone(), |p, t| push_token(&p, t));
                report(field_ptr, field);
            }
        }
    }
    out
}

fn run_rule(rule: &Rule, world: &World) -> Vec<Finding> {
    let Ok(matches) = js_path_process(&rule.query, &world.doc) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for m in matches {
        let Some(ptr) = pointer_from_path(&m.path) else {
            continue;
        };
        if !rule.known.iter().all(|f| is_known(field(m.val, f))) {
            continue;
        }
        for candidate in candidates(rule, m.val, &world.doc) {
            if let Some(f) = finding(rule, world, &ptr, &candidate) {
                out.push(f);
            }
        }
    }
    out
}

/// A match after the `where` clauses: filtered, and one candidate per
/// generated value (bound to the match, which is not copied).
fn candidates<'a>(rule: &'a Rule, m: &'a J, root: &J) -> Vec<Bound<'a>> {
    let mut current = vec![Bound {
        base: m,
        binds: Vec::new(),
    }];
    for (p, bind) in rule.predicates.iter().zip(&rule.binds) {
        current = match bind {
            None if p.is_reducer() => p.reduce(current),
            None => current.into_iter().filter(|c| p.holds(c)).collect(),
            Some(name) => current
                .into_iter()
                .flat_map(|c| {
                    p.expand(&c, root)
                        .into_iter()
                        .map(|value| {
                            let mut bound = c.clone();
                            bound.binds.push((name.as_str(), value));
                            bound
                        })
                        .collect::<Vec<_>>()
                })
                .collect(),
        };
    }
    current
}

fn finding(rule: &Rule, world: &World, ptr: &str, value: &Bound) -> Option<Finding> {
    let at_ptr = match &rule.at_pointer {
        Some(path) => value.field(path)?.as_str()?.to_string(),
        None => rule
            .at
            .iter()
            .find(|path| value.field(path).is_some())
            .or(rule.at.last())
            .map_or_else(
                || ptr.to_string(),
                |path| path.iter().fold(ptr.to_string(), |p, t| push_token(&p, t)),
            ),
    };
    let mut loc = locate(world, &at_ptr)?;
    let mut related: Vec<Related> = Vec::new();
    for r in &rule.related {
        let target = match (&r.pointer, &r.at) {
            (Some(p), _) => value.field(p).and_then(J::as_str).map(str::to_string),
            (None, Some(a)) => Some(a.iter().fold(ptr.to_string(), |p, t| push_token(&p, t))),
            (None, None) => None,
        };
        let Some(target) = target else { continue };
        let Some(mut rloc) = locate(world, &target) else {
            continue;
        };
        // One text feeding both (a module output passed to two module calls):
        // point where the two values' paths part, where the user chose.
        if rloc == loc
            && let Some((a, b)) = parting(world, &at_ptr, &target)
        {
            (loc, rloc) = (a, b);
        }
        related.push(Related {
            loc: rloc,
            message: fill(&r.message, value),
        });
    }
    // A value set outside the template (a parameter file, a caller): say where it took effect.
    if let Some(via) = ancestors(&at_ptr).find_map(|p| world.via(p))
        && via != loc
        && !related.iter().any(|r| r.loc == via)
    {
        related.push(Related {
            loc: via,
            message: "the value is used here".into(),
        });
    }
    // The entity the finding is about: the match, unless the rule names another.
    let about = rule
        .about_pointer
        .as_ref()
        .and_then(|p| value.field(p)?.as_str())
        .unwrap_or(ptr);
    let template = rule
        .variants
        .iter()
        .find(|(p, _)| p.holds(value))
        .map_or(&rule.message, |(_, m)| m);
    let mut message = fill(template, value);
    if conditional(world, about) || conditional(world, &at_ptr) {
        message.push_str(" (if deployed: a condition or copy count is not known statically)");
    }
    Some(Finding {
        rule: rule.id.clone(),
        slug: rule.slug.clone(),
        severity: rule.severity,
        message,
        loc,
        help: rule.help.as_deref().map(|h| fill(h, value)),
        docs: network_kind(world, about)
            .and_then(|k| rule.docs_for.get(k))
            .map(str::to_string)
            .or_else(|| rule.docs.clone()),
        related,
        scenarios: scenario(world, about).into_iter().collect(),
    })
}

/// The pointer and its ancestors, innermost first (`/a/0/b`, `/a/0`, `/a`, ``).
fn ancestors(ptr: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(ptr);
    std::iter::from_fn(move || {
        let cur = next?;
        next = cur.rfind('/').and_then(|i| cur.get(..i));
        Some(cur)
    })
}

/// The places a value at `ptr` passed through, outermost first: its origin,
/// its first use outside the template that set it, its innermost use.
fn path_of(world: &World, ptr: &str) -> [Option<Loc>; 3] {
    let find = |f: &dyn Fn(&str) -> Option<Loc>| ancestors(ptr).find_map(f);
    [
        locate(world, ptr),
        find(&|p| world.outer_via(p)),
        find(&|p| world.via(p)),
    ]
}

/// The first places where the paths of the values at `a` and `b` differ.
fn parting(world: &World, a: &str, b: &str) -> Option<(Loc, Loc)> {
    path_of(world, a)
        .into_iter()
        .zip(path_of(world, b))
        .find_map(|pair| match pair {
            (Some(x), Some(y)) if x != y => Some((x, y)),
            _ => None,
        })
}

/// The network of the cluster a match is about (`kubenet`, `overlay`,
/// `azure`): the cluster containing it, or all clusters on a subnet when they
/// agree; `None` when unknown or mixed.
fn network_kind(world: &World, ptr: &str) -> Option<&'static str> {
    let kind = |c: &J| -> Option<&'static str> {
        let eff = c.get("effective")?;
        match (eff.get("plugin")?.as_str()?, eff.get("overlay")?.as_bool()?) {
            ("kubenet", _) => Some("kubenet"),
            ("azure", true) => Some("overlay"),
            ("azure", false) => Some("azure"),
            _ => None,
        }
    };
    let mut tokens = ptr.split('/').skip(1);
    let (top, index) = (tokens.next()?, tokens.next()?);
    let entity = world.doc.get(top)?.get(index.parse::<usize>().ok()?)?;
    match top {
        "clusters" => kind(entity),
        "subnets" => {
            // Clusters by id, built once per run (a subnet may hold thousands).
            let by_id = world.clusters_by_id.get_or_init(|| {
                let mut by_id = HashMap::new();
                for (i, c) in world
                    .doc
                    .get("clusters")
                    .and_then(J::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    if let Some(id) = c.get("id").and_then(J::as_str) {
                        by_id.entry(id.to_string()).or_insert(i);
                    }
                }
                by_id
            });
            let all = world.doc.get("clusters")?.as_array()?;
            let mut kinds = entity.get("clusters")?.as_array()?.iter().map(|id| {
                id.as_str()
                    .and_then(|id| by_id.get(id))
                    .and_then(|&i| all.get(i))
                    .and_then(kind)
            });
            let first = kinds.next()??;
            kinds.all(|k| k == Some(first)).then_some(first)
        }
        _ => None,
    }
}

/// Whether the match, or an entity containing it, may not be deployed.
fn conditional(world: &World, ptr: &str) -> bool {
    ancestors(ptr).any(|p| {
        world
            .doc
            .pointer(p)
            .and_then(|v| v.get("conditional"))
            .and_then(J::as_bool)
            == Some(true)
    })
}

/// "Found with parameter file X" for a match inside an entity evaluated with one.
fn scenario(world: &World, ptr: &str) -> Option<Related> {
    ancestors(ptr).find_map(|p| {
        let entity = world.doc.pointer(p)?;
        let name = entity.get("scenario")?.as_str()?;
        Some(Related {
            loc: world.span(&push_token(p, "scenario"))?,
            message: format!("found with parameter file {name}"),
        })
    })
}

/// The span of a pointer, or of its nearest ancestor that has one.
fn locate(world: &World, ptr: &str) -> Option<Loc> {
    let mut p = ptr;
    loop {
        if let Some(loc) = world.span(p) {
            return Some(loc);
        }
        if p.is_empty() {
            return None;
        }
        p = p.rfind('/').and_then(|i| p.get(..i)).unwrap_or("");
    }
}

/// Fills `{field.path}` placeholders from the match; `{{` and `}}` are literal braces.
pub fn fill<M: Fields + ?Sized>(template: &str, m: &M) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(rest.get(..i).unwrap_or(""));
        let tail = rest.get(i..).unwrap_or("");
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(tail.get(..1).unwrap_or(""));
            rest = tail.get(2..).unwrap_or("");
        } else if let Some(stripped) = tail.strip_prefix('{')
            && let Some(end) = stripped.find('}')
        {
            out.push_str(&placeholder(stripped.get(..end).unwrap_or(""), m));
            rest = stripped.get(end + 1..).unwrap_or("");
        } else {
            out.push_str(tail.get(..1).unwrap_or(""));
            rest = tail.get(1..).unwrap_or("");
        }
    }
    out.push_str(rest);
    out
}

/// One placeholder's text: `path`, or `path:N` for a list shown up to N
/// elements then "… and M more". A path through a list reads that field of
/// each element (`{users.name}`).
fn placeholder<M: Fields + ?Sized>(spec: &str, m: &M) -> String {
    let (path, cap) = match spec.rsplit_once(':') {
        Some((p, n)) if n.parse::<usize>().is_ok() => (p, n.parse::<usize>().ok()),
        _ => (spec, None),
    };
    let path = crate::rules::load::field_path(path);
    let projected;
    let mut value = m.field(&path);
    if value.is_none() {
        // The longest prefix that is a list: project the rest over its elements.
        let list = (1..path.len()).rev().find_map(|i| {
            let list = m.field(path.get(..i)?)?.as_array()?;
            Some((list, path.get(i..)?))
        });
        if let Some((list, rest)) = list {
            projected = J::Array(
                list.iter()
                    .map(|e| field(e, rest).cloned().unwrap_or(J::Null))
                    .collect(),
            );
            value = Some(&projected);
        }
    }
    match (value, cap) {
        (Some(J::Array(a)), Some(n)) if a.len() > n => {
            let mut shown: Vec<J> = a.iter().take(n).cloned().collect();
            shown.push(J::String(format!("… and {} more", a.len() - n)));
            display(Some(&J::Array(shown)))
        }
        _ => display(value),
    }
}

fn display(v: Option<&J>) -> String {
    match v {
        None | Some(J::Null) => "(unset)".into(),
        Some(J::String(s)) => crate::symbol::display(s).into_owned(),
        Some(J::Object(o)) if o.contains_key("$unknown") => "(unknown)".into(),
        Some(J::Array(a)) => a
            .iter()
            .map(|x| display(Some(x)))
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fills_placeholders() {
        let m = json!({"name": "np1", "a": {"b": 3}, "u": {"$unknown": "x"}, "l": ["x", "y"]});
        assert_eq!(
            fill("pool '{name}' b={a.b} u={u} {missing} {{lit}} {l}", &m),
            "pool 'np1' b=3 u=(unknown) (unset) {lit} x, y"
        );
        assert_eq!(fill("open { brace", &m), "open { brace");
        let m = json!({"l": [{"n": "a"}, {"n": "b"}, {"n": "c"}], "s": ["x", "y", "z"]});
        assert_eq!(fill("{l.n}", &m), "a, b, c");
        assert_eq!(fill("{l.n:2}", &m), "a, b, … and 1 more");
        assert_eq!(fill("{s:3} {s:9}", &m), "x, y, z x, y, z");
        assert_eq!(fill("{l.1.n} {l.zz}", &m), "b (unset), (unset), (unset)");
    }
}
