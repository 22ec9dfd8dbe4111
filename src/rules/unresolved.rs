//! `--report-unresolved`: which rule inputs were unknown.
//!
//! From a rule's `select`, each `@.field <op> value` condition of a filter
//! (joined by `&&`) yields a probe: the same selection with that condition
//! replaced by "this field is unknown". A probe's matches are the places where
//! the rule would have been checked but could not be; `known` fields and
//! predicate fields of ordinary matches are probed too.
//!
//! Besides the rules' own inputs, [`unlinked_pools`] says which node pools'
//! subnets could not be linked, which silences every subnet, VNet and route
//! table rule for them at once.

use std::collections::HashSet;

use jsonpath_rust::parser::model::JpQuery;
use jsonpath_rust::parser::parse_json_path;
use serde_json::Value as J;

use crate::rules::load::{FieldPath, field_path};

#[derive(Debug)]
pub struct Probe {
    pub query: JpQuery,
    /// Path tokens of the filtered node within a match's pointer.
    pub depth: usize,
    /// The field, relative to the filtered node.
    pub field: FieldPath,
}

/// One step of a simple selection: its text and whether it is a filter body.
struct Segment<'a> {
    text: &'a str,
    filter: Option<&'a str>,
}

/// Splits `$.a[*].b[?…]` into segments; `None` for recursive descent or
/// anything else this does not understand.
fn segments(select: &str) -> Option<Vec<Segment<'_>>> {
    let mut rest = select.trim().strip_prefix('$')?;
    let mut out = Vec::new();
    while !rest.is_empty() {
        if rest.starts_with("..") {
            return None;
        }
        let len = if let Some(after) = rest.strip_prefix('.') {
            1 + after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '*'))
                .unwrap_or(after.len())
        } else if rest.starts_with('[') {
            closing(rest)? + 1
        } else {
            return None;
        };
        let text = rest.get(..len)?;
        let filter = text.strip_prefix("[?").and_then(|t| t.strip_suffix(']'));
        out.push(Segment { text, filter });
        rest = rest.get(len..)?;
    }
    Some(out)
}

/// Index of the `]` closing the `[` at the start of `s`, skipping quotes and nesting.
fn closing(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '[' | '(' => depth += 1,
            ']' | ')' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 && c == ']' {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits a filter body on top-level `&&`; `None` when it has a top-level `||`.
fn conjuncts(body: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut start) = (0usize, None::<char>, 0usize);
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes.get(i).copied().map(char::from).unwrap_or(' ');
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
        } else {
            match c {
                '\'' | '"' => quote = Some(c),
                '(' | '[' => depth += 1,
                ')' | ']' => depth = depth.saturating_sub(1),
                '&' if depth == 0 && bytes.get(i + 1) == Some(&b'&') => {
                    out.push(body.get(start..i)?.trim());
                    start = i + 2;
                    i += 1;
                }
                '|' if depth == 0 && bytes.get(i + 1) == Some(&b'|') => return None,
                _ => {}
            }
        }
        i += 1;
    }
    out.push(body.get(start..)?.trim());
    Some(out)
}

/// The fields a condition compares: `@.a == 'x'` → `[a]`, `@.a > @.b` → `[a, b]`.
fn compared_fields(cond: &str) -> Vec<&str> {
    let Some(left) = compared_field(cond) else {
        return Vec::new();
    };
    let mut out = vec![left];
    let rest = cond.trim().trim_start_matches('(').trim_start();
    if let Some(after) = rest.get(2 + left.len()..) {
        let after = after
            .trim_start()
            .trim_start_matches(['=', '!', '<', '>'])
            .trim_start();
        if after.starts_with("@.")
            && let Some(right) = compared_field(after.trim_end_matches(')'))
        {
            out.push(right);
        }
    }
    out
}

/// The field a condition compares: `@.network.plugin == 'kubenet'` → `network.plugin`.
fn compared_field(cond: &str) -> Option<&str> {
    let cond = cond.trim();
    let cond = cond
        .strip_prefix('(')
        .and_then(|c| c.strip_suffix(')'))
        .unwrap_or(cond)
        .trim();
    let path = cond.strip_prefix("@.")?;
    let end = path
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(path.len());
    let field = path.get(..end)?;
    let tail = path.get(end..)?.trim_start();
    let is_comparison = tail.is_empty()
        || ["==", "!=", "<=", ">=", "<", ">"]
            .iter()
            .any(|op| tail.starts_with(op));
    (is_comparison && !field.is_empty()).then_some(field)
}

/// Probes for every compared field of every filter of `select`.
pub fn probes(select: &str) -> Vec<Probe> {
    let Some(segs) = segments(select) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, seg) in segs.iter().enumerate() {
        let Some(conds) = seg.filter.and_then(conjuncts) else {
            continue;
        };
        for (j, cond) in conds.iter().enumerate() {
            let fields = compared_fields(cond);
            for field in &fields {
                let mut body: Vec<String> = conds.iter().map(|c| c.to_string()).collect();
                // The other side of a field-to-field comparison must still be there.
                let others: Vec<String> = fields
                    .iter()
                    .filter(|f| *f != field)
                    .map(|f| format!(" && @.{f}"))
                    .collect();
                if let Some(slot) = body.get_mut(j) {
                    *slot = format!("@.{field}['$unknown']{}", others.concat());
                }
                let mut variant = String::from("$");
                for (k, s) in segs.iter().enumerate() {
                    if k == i {
                        variant.push_str(&format!("[?{}]", body.join(" && ")));
                    } else {
                        variant.push_str(s.text);
                    }
                }
                if let Ok(query) = parse_json_path(&variant) {
                    out.push(Probe {
                        query,
                        depth: i + 1,
                        field: field_path(field),
                    });
                }
            }
        }
    }
    out
}

/// Node pools whose subnet could not be linked, as (pointer of the pool's
/// `vnetSubnetID`, message): the id is unknown, or names a subnet no template
/// of the run declares. A pool without `vnetSubnetID` uses the AKS-managed
/// VNet and has nothing to link.
pub fn unlinked_pools(world: &J) -> Vec<(String, String)> {
    let undeclared: HashSet<&str> = world
        .get("subnets")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
        .filter(|s| s.get("declared") == Some(&J::Bool(false)))
        .filter_map(|s| s.get("pools").and_then(J::as_array))
        .flatten()
        .filter_map(J::as_str)
        .collect();
    let mut out = Vec::new();
    let clusters = world.get("clusters").and_then(J::as_array);
    for (ci, cluster) in clusters.into_iter().flatten().enumerate() {
        let pools = cluster.get("pools").and_then(J::as_array);
        for (pi, pool) in pools.into_iter().flatten().enumerate() {
            let ptr = format!("/clusters/{ci}/pools/{pi}");
            let what = crate::rules::engine::fill("pool '{name}' in cluster '{cluster}'", pool);
            let unknown = pool
                .get("vnetSubnetID")
                .and_then(|v| v.get("$unknown"))
                .and_then(J::as_str);
            let message = match (unknown, pool.get("vnetSubnetID")) {
                (Some(reason), _) => {
                    format!("node subnet of {what} could not be linked: {reason}")
                }
                (None, Some(J::String(id)))
                    if !id.is_empty() && undeclared.contains(ptr.as_str()) =>
                {
                    format!(
                        "node subnet of {what} names subnet '{id}' that no template of the run declares; \
                         rules about its subnet, VNet and route table are not checked"
                    )
                }
                _ => continue,
            };
            out.push((format!("{ptr}/vnetSubnetID"), message));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonpath_rust::query::js_path_process;
    use serde_json::json;

    #[test]
    fn parses_simple_selections() {
        let s = segments("$.clusters[?@.a == 'x' && (@.b.c != 1)].pools[*]").unwrap();
        let texts: Vec<_> = s.iter().map(|s| s.text).collect();
        assert_eq!(
            texts,
            vec![
                ".clusters",
                "[?@.a == 'x' && (@.b.c != 1)]",
                ".pools",
                "[*]"
            ]
        );
        assert!(segments("$..pools").is_none());
        assert_eq!(
            conjuncts("@.a == 'x&&y' && @.b").unwrap(),
            vec!["@.a == 'x&&y'", "@.b"]
        );
        assert!(conjuncts("@.a || @.b").is_none());
        assert_eq!(compared_field("(@.b.c != 1)"), Some("b.c"));
        assert_eq!(compared_field("length(@.x) > 1"), None);
        assert_eq!(
            compared_fields("@.nodeDemand > @.usableAddresses"),
            vec!["nodeDemand", "usableAddresses"]
        );
    }

    #[test]
    fn probes_find_unknown_inputs() {
        let world = json!({"clusters": [
            {"network": {"plugin": {"$unknown": "no value"}}, "pools": [{"osType": "Windows"}, {"osType": "Linux"}]},
            {"network": {"plugin": "kubenet"}, "pools": [{"osType": {"$unknown": "param"}}]}
        ]});
        let probes =
            probes("$.clusters[?@.network.plugin == 'kubenet'].pools[?@.osType == 'Windows']");
        assert_eq!(probes.len(), 2);
        let hits: Vec<(usize, String)> = probes
            .iter()
            .flat_map(|p| {
                js_path_process(&p.query, &world)
                    .unwrap()
                    .into_iter()
                    .map(move |m| (p.depth, m.path))
            })
            .collect();
        assert_eq!(
            hits,
            vec![
                (2, "$['clusters'][0]['pools'][0]".to_string()),
                (4, "$['clusters'][1]['pools'][0]".to_string()),
            ]
        );
    }
}
