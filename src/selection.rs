//! Rule selection: which rules a run reports. Patterns are rule ids
//! (`AKS011`, any case), slugs (`kubenet-shared-subnet`) or prefixes ending in
//! `*` (`AKS01*`). Two layers decide, as in ruff: the configuration's `select`
//! and `ignore`, then the command line's `--select` (which starts afresh),
//! `--extend-select` (adds) and `--ignore` (removes, last).

use crate::neutral::{TOKEN_CHARS, capped};

fn token(v: &str) -> String {
    capped(v, TOKEN_CHARS)
}

/// One layer of selection.
#[derive(Clone, Debug, Default)]
pub struct Layer {
    /// The rules this layer reports; `None` keeps what the layer below chose.
    pub select: Option<Vec<String>>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
}

impl Layer {
    /// Whether a rule is on after this layer, given whether it was before.
    pub fn decide(&self, before: bool, id: &str, slug: &str) -> bool {
        let named = |patterns: &[String]| patterns.iter().any(|p| matches_rule(p, id, slug));
        let mut on = self.select.as_deref().map_or(before, named);
        if named(&self.extend_select) {
            on = true;
        }
        on && !named(&self.ignore)
    }

    /// Every pattern of the layer, with the flag it came from.
    pub fn patterns(&self) -> impl Iterator<Item = (&'static str, &str)> {
        let select = self
            .select
            .iter()
            .flatten()
            .map(|p| ("--select", p.as_str()));
        let extend = self
            .extend_select
            .iter()
            .map(|p| ("--extend-select", p.as_str()));
        let ignore = self.ignore.iter().map(|p| ("--ignore", p.as_str()));
        select.chain(extend).chain(ignore)
    }

    pub fn is_empty(&self) -> bool {
        self.select.is_none() && self.extend_select.is_empty() && self.ignore.is_empty()
    }
}

/// Whether a rule pattern (`AKS011`, `kubenet-shared-subnet`, `AKS01*`) names a rule.
pub fn matches_rule(pattern: &str, id: &str, slug: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => {
            id.get(..prefix.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
                || slug.starts_with(prefix)
        }
        None => pattern.eq_ignore_ascii_case(id) || pattern == slug,
    }
}

/// The first of `patterns` that names no rule of `known` (ids and slugs), as
/// an error message with a suggestion: a typo must not switch a gate off.
pub fn unknown_rule<'p>(
    patterns: impl IntoIterator<Item = &'p str>,
    known: &[(&str, &str)],
) -> Option<(&'p str, String)> {
    let pattern = patterns
        .into_iter()
        .find(|p| !known.iter().any(|(id, slug)| matches_rule(p, id, slug)))?;
    let shown = token(pattern);
    let mut message = match pattern.strip_suffix('*') {
        Some(_) => format!(
            "no rule id or slug starts with \"{}\"",
            token(pattern.trim_end_matches('*'))
        ),
        None => format!("no rule has the id or slug \"{shown}\""),
    };
    if let Some(best) = closest(pattern.trim_end_matches('*'), known) {
        message.push_str(&format!(" (did you mean \"{best}\"?)"));
    }
    Some((pattern, message))
}

/// The id or slug nearest to `typed` (a few edits at most), if any.
fn closest<'k>(typed: &str, known: &[(&'k str, &'k str)]) -> Option<&'k str> {
    let typed = typed.to_ascii_lowercase();
    let limit = (typed.chars().count() / 3).clamp(1, 3);
    known
        .iter()
        .flat_map(|(id, slug)| [*id, *slug])
        .map(|name| (edit_distance(&typed, &name.to_ascii_lowercase()), name))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, name)| name)
}

/// Levenshtein distance, on characters; long inputs are not compared.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len() > 64 || b.len() > 64 {
        return usize::MAX;
    }
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(usize::MAX);
            let left = row.get(j).copied().unwrap_or(usize::MAX);
            let value = (diagonal + usize::from(ca != cb))
                .min(above.saturating_add(1))
                .min(left.saturating_add(1));
            diagonal = above;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = value;
            }
        }
    }
    row.last().copied().unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(select: Option<&[&str]>, extend: &[&str], ignore: &[&str]) -> Layer {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Layer {
            select: select.map(own),
            extend_select: own(extend),
            ignore: own(ignore),
        }
    }

    #[test]
    fn patterns_match_ids_in_any_case_slugs_and_prefixes() {
        assert!(matches_rule("aks011", "AKS011", "kubenet-shared-subnet"));
        assert!(matches_rule("aks01*", "AKS011", "kubenet-shared-subnet"));
        assert!(matches_rule("kubenet-*", "AKS011", "kubenet-shared-subnet"));
        assert!(!matches_rule(
            "Kubenet-shared-subnet",
            "AKS011",
            "kubenet-shared-subnet"
        ));
        assert!(!matches_rule("AKS02*", "AKS011", "kubenet-shared-subnet"));
    }

    #[test]
    fn a_later_layer_selects_afresh_extends_then_ignores() {
        let (id, slug) = ("AKS011", "kubenet-shared-subnet");
        // No select keeps the decision below.
        assert!(layer(None, &[], &[]).decide(true, id, slug));
        assert!(!layer(None, &[], &[]).decide(false, id, slug));
        // --select starts afresh: an ignored rule comes back, others go.
        assert!(layer(Some(&["AKS011"]), &[], &[]).decide(false, id, slug));
        assert!(!layer(Some(&["AKS012"]), &[], &[]).decide(true, id, slug));
        // --extend-select adds; --ignore wins over both.
        assert!(layer(Some(&["AKS012"]), &["AKS01*"], &[]).decide(false, id, slug));
        assert!(!layer(None, &["AKS011"], &["kubenet-*"]).decide(true, id, slug));
    }

    #[test]
    fn unknown_names_get_a_suggestion() {
        let known = [
            ("AKS011", "kubenet-shared-subnet"),
            ("AKS021", "kubenet-retirement"),
        ];
        let (p, m) = unknown_rule(["AKS011", "kubenet-retirment"], &known).unwrap();
        assert_eq!(p, "kubenet-retirment");
        assert_eq!(
            m,
            "no rule has the id or slug \"kubenet-retirment\" (did you mean \"kubenet-retirement\"?)"
        );
        let (_, m) = unknown_rule(["AKS9*"], &known).unwrap();
        assert_eq!(m, "no rule id or slug starts with \"AKS9\"");
        assert!(unknown_rule(["aks0*", "AKS021"], &known).is_none());
    }
}
