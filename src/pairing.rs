//! Pairs ARM parameter files with their templates by the usual file names:
//! `X.parameters.json` and `X.parameters.<env>.json` belong to `X.json` (or
//! `X.bicep`) in the same folder (`azuredeploy.parameters.json` ↔
//! `azuredeploy.json`, `main.parameters.json` ↔ `main.json`), or, in a folder
//! named `parameters` or `params` without such a template, to `X` in the folder
//! above (`hub/parameters/hub.parameters.all.json` ↔ `hub/hub.bicep`, as
//! Azure Landing Zones lays out its modules). Explicit pairings win over names:
//! a `.bicepparam` file's `using`, a parameter file's `metadata.template`
//! (PSRule for Azure's link), a `[[pair]]` of the configuration. A parameter
//! file left over pairs with the one template beside it that declares every
//! parameter it sets (`by_declared_names`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The template stem a parameter file names, with its folder, lower-cased for
/// lookup: `dir/x.parameters.dev.json` → (`dir`, `x`).
pub fn template_key_of_parameters(path: &Path) -> Option<(PathBuf, String)> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let stem = name
        .strip_suffix(".json")
        .or_else(|| name.strip_suffix(".jsonc"))?;
    let (base, _) = stem.split_once(".parameters")?;
    // `.parameters` must be a whole dotted segment: `x.parameters` or `x.parameters.<env>`.
    let rest = &stem[base.len() + ".parameters".len()..];
    if !(rest.is_empty() || rest.starts_with('.')) || base.is_empty() {
        return None;
    }
    Some((path.parent()?.to_path_buf(), base.to_string()))
}

pub fn template_key(path: &Path) -> Option<(PathBuf, String)> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    let stem = name
        .strip_suffix(".json")
        .or_else(|| name.strip_suffix(".jsonc"))
        .or_else(|| name.strip_suffix(".bicep"))?;
    Some((path.parent()?.to_path_buf(), stem.to_string()))
}

/// For each template (by index into `templates`), the indices of its parameter files.
pub fn pair(templates: &[&Path], parameters: &[&Path]) -> Vec<Vec<usize>> {
    // `X.json` and `X.bicep` (its source) both take `X.parameters.json`.
    let mut by_key: HashMap<(PathBuf, String), Vec<usize>> = HashMap::new();
    for (i, t) in templates.iter().enumerate() {
        if let Some(key) = template_key(t) {
            by_key.entry(key).or_default().push(i);
        }
    }
    let mut out = vec![Vec::new(); templates.len()];
    for (j, p) in parameters.iter().enumerate() {
        let Some((dir, base)) = template_key_of_parameters(p) else {
            continue;
        };
        let above = || {
            let name = dir.file_name()?.to_str()?;
            let named = ["parameters", "params"]
                .iter()
                .any(|n| name.eq_ignore_ascii_case(n));
            named.then(|| by_key.get(&(dir.parent()?.to_path_buf(), base.clone())))?
        };
        let Some(targets) = by_key.get(&(dir.clone(), base.clone())).or_else(above) else {
            continue;
        };
        for &i in targets {
            if let Some(slot) = out.get_mut(i) {
                slot.push(j);
            }
        }
    }
    out
}

/// Adds `.bicepparam` files to the templates their `using` names: `using`
/// gives, per parameter file, the path it names (relative to that file);
/// `templates` maps canonical template paths to their index.
pub fn pair_using(
    pairs: &mut [Vec<usize>],
    templates: &HashMap<PathBuf, usize>,
    parameters: &[&Path],
    using: &[Option<String>],
    canonical: &dyn Fn(&Path) -> Option<PathBuf>,
) {
    for (j, (p, target)) in parameters.iter().zip(using).enumerate() {
        let Some(target) = target else { continue };
        let Some(dir) = p.parent() else { continue };
        let Some(wanted) = canonical(&dir.join(target)) else {
            continue;
        };
        if let Some(&i) = templates.get(&wanted)
            && let Some(slot) = pairs.get_mut(i)
            && !slot.contains(&j)
        {
            slot.push(j);
        }
    }
}

/// Gives parameter file `param` to `template` alone (`None`: to a template
/// that is not in the run): an explicit pairing wins over pairing by name.
pub fn assign(pairs: &mut [Vec<usize>], param: usize, template: Option<usize>) {
    for list in pairs.iter_mut() {
        list.retain(|&j| j != param);
    }
    if let Some(slot) = template.and_then(|i| pairs.get_mut(i)) {
        slot.push(param);
        slot.sort_unstable();
    }
}

/// Name lookups pairing by declared names may make in one run (each a hash
/// lookup): far above real repositories (the corpus makes a few thousand),
/// low enough that a folder of thousands of near-identical files stays fast.
pub const MAX_NAME_LOOKUPS: usize = 2_000_000;

/// A template's folder and lower-cased stem (`X.json` and `X.bicep` share it).
type StemKey = (PathBuf, String);

/// Pairs each parameter file that `sets` parameters (lower-cased names;
/// `None`: not to be paired so) and has no template yet, or only templates
/// its name gave that do not declare them all, with the one template in its
/// folder, or in the folder above a `parameters` or `params` folder with
/// none, that `declares` them all. ARM rejects a parameter the template does
/// not declare, so no other template could take the file; when several could
/// (`X.json` and its source `X.bicep` count as one), or none, the file stays
/// where it was. Returns the pairings made, as (parameter file, template)
/// indices.
pub fn by_declared_names(
    pairs: &mut [Vec<usize>],
    templates: &[&Path],
    parameters: &[&Path],
    sets: &dyn Fn(usize) -> Option<Vec<String>>,
    declares: &dyn Fn(usize, &str) -> bool,
    within_budget: &dyn Fn() -> bool,
) -> Vec<(usize, usize)> {
    let mut paired_to: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, slot) in pairs.iter().enumerate() {
        for &j in slot {
            paired_to.entry(j).or_default().push(i);
        }
    }
    let mut made = Vec::new();
    for j in 0..parameters.len() {
        // Past the budget the rest keep the pairing their names gave.
        if !within_budget() {
            break;
        }
        let Some(dir) = parameters.get(j).and_then(|p| p.parent()) else {
            continue;
        };
        let now = paired_to.get(&j).map(Vec::as_slice).unwrap_or_default();
        let Some(names) = sets(j).filter(|n| !n.is_empty()) else {
            continue;
        };
        // Paired by its name to templates that take every name it sets.
        if !now.is_empty() && now.iter().all(|&i| names.iter().all(|n| declares(i, n))) {
            continue;
        }
        // The templates of `dir` declaring all of `names`, grouped by stem.
        let takers = |dir: &Path| -> Vec<Vec<usize>> {
            let mut stems: Vec<(Option<StemKey>, Vec<usize>)> = Vec::new();
            for (i, t) in templates.iter().enumerate() {
                if t.parent() != Some(dir) || !names.iter().all(|n| declares(i, n)) {
                    continue;
                }
                let key = template_key(t);
                match stems.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, group)) => group.push(i),
                    None => stems.push((key, vec![i])),
                }
            }
            stems.into_iter().map(|(_, g)| g).collect()
        };
        let mut groups = takers(dir);
        let in_parameters_folder = dir.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
            ["parameters", "params"]
                .iter()
                .any(|f| n.eq_ignore_ascii_case(f))
        });
        if groups.is_empty()
            && in_parameters_folder
            && let Some(up) = dir.parent()
        {
            groups = takers(up);
        }
        let [only] = groups.as_slice() else { continue };
        // A file its name paired with a template that would reject it goes
        // to the one that takes it (`hub.parameters.multiRegion.json` of
        // `hub-multiRegion.bicep`).
        for &i in now {
            if let Some(slot) = pairs.get_mut(i) {
                slot.retain(|&k| k != j);
            }
        }
        for &i in only {
            if let Some(slot) = pairs.get_mut(i) {
                slot.push(j);
                slot.sort_unstable();
                made.push((j, i));
            }
        }
    }
    made
}

/// For a parameter file that pairs with nothing: the template beside it (or
/// above a `parameters`/`params` folder) that declares all but one or two of
/// the names it `sets`, when exactly one comes that close, with the names it
/// lacks. A hint for `--stats` (a stale parameter file, or one to pair
/// explicitly), never a pairing: ARM would reject the file with it.
pub fn closest(
    param: &Path,
    templates: &[&Path],
    names: &[String],
    declares: &dyn Fn(usize, &str) -> bool,
) -> Option<(usize, Vec<String>)> {
    let dir = param.parent()?;
    let in_parameters_folder = dir.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        ["parameters", "params"]
            .iter()
            .any(|f| n.eq_ignore_ascii_case(f))
    });
    let near = |folder: &Path| -> Vec<(usize, Vec<String>)> {
        let mut best: Vec<(usize, Vec<String>)> = Vec::new();
        for (i, t) in templates.iter().enumerate() {
            if t.parent() != Some(folder) {
                continue;
            }
            let lacks: Vec<String> = names.iter().filter(|n| !declares(i, n)).cloned().collect();
            if lacks.is_empty() || lacks.len() > 2 || lacks.len() * 2 > names.len() {
                continue;
            }
            // `X.json` and its source `X.bicep` are one template.
            if best
                .iter()
                .any(|(b, _)| templates.get(*b).and_then(|b| template_key(b)) == template_key(t))
            {
                continue;
            }
            match best.first().map(|(_, l)| l.len()) {
                Some(n) if lacks.len() > n => {}
                Some(n) if lacks.len() < n => best = vec![(i, lacks)],
                _ => best.push((i, lacks)),
            }
        }
        best
    };
    let mut found = near(dir);
    if found.is_empty() && in_parameters_folder {
        found = near(dir.parent()?);
    }
    match found.as_slice() {
        [_] => found.pop(),
        _ => None,
    }
}

/// The file a parameter file's `metadata.template` names: relative to the
/// parameter file; a path not starting with `./` or `../` may also be
/// relative to one of `roots` (PSRule resolves those from the folder it
/// scans). The first that exists, if any, inside `project`: whether a file
/// outside exists must not show in the pairing.
pub fn metadata_template(
    param: &Path,
    written: &str,
    roots: &[PathBuf],
    project: Option<&crate::confine::ProjectRoot>,
) -> Option<PathBuf> {
    let dir = param.parent()?;
    let beside_only = written.starts_with("./") || written.starts_with("../");
    std::iter::once(dir)
        .chain(roots.iter().map(PathBuf::as_path).filter(|_| !beside_only))
        .map(|d| d.join(written))
        .find(|p| match project {
            Some(root) => root.admit(p).is_ok_and(|c| c.is_file()),
            None => p.is_file(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn usual_names_pair() {
        let t = [
            Path::new("a/azuredeploy.json"),
            Path::new("a/main.json"),
            Path::new("b/aks.json"),
        ];
        let p = [
            Path::new("a/azuredeploy.parameters.json"),
            Path::new("a/main.parameters.json"),
            Path::new("b/aks.parameters.dev.json"),
            Path::new("b/aks.parameters.prod.json"),
            Path::new("b/other.parameters.json"),
            Path::new("a/aks.parameters.json"),
            Path::new("b/aks.parametersx.json"),
        ];
        assert_eq!(pair(&t, &p), vec![vec![0], vec![1], vec![2, 3]]);
    }

    #[test]
    fn a_parameters_folder_pairs_with_the_template_above_it() {
        let t = [
            Path::new("m/hub/hub.bicep"),
            Path::new("m/spoke/spoke.bicep"),
            Path::new("m/spoke/params/spoke.json"),
        ];
        let p = [
            Path::new("m/hub/parameters/hub.parameters.all.json"),
            Path::new("m/hub/Parameters/hub.parameters.min.json"),
            // A template beside the file wins over the one above.
            Path::new("m/spoke/params/spoke.parameters.json"),
            // Only a folder named so looks above.
            Path::new("m/hub/env/hub.parameters.json"),
            Path::new("m/parameters/hub.parameters.json"),
        ];
        assert_eq!(pair(&t, &p), vec![vec![0, 1], vec![], vec![2]]);
    }

    #[test]
    fn a_leftover_parameter_file_pairs_with_the_one_template_declaring_its_names() {
        let t = [
            Path::new("a/main.bicep"),
            Path::new("a/net.bicep"),
            Path::new("b/x.bicep"),
            Path::new("b/x.json"),
            Path::new("c/one.bicep"),
            Path::new("c/two.bicep"),
            Path::new("d/hub.bicep"),
        ];
        let declared: Vec<HashSet<String>> = [
            &["location", "clustername"][..],
            &["location", "vnetname"],
            &["location"],
            &["location"],
            &["location"],
            &["location"],
            &["location"],
        ]
        .iter()
        .map(|d| d.iter().map(|s| s.to_string()).collect())
        .collect();
        let p = [
            Path::new("a/parameters.json"),
            Path::new("a/azuredeploy.parameters.json"),
            Path::new("b/settings.json"),
            Path::new("c/env.json"),
            Path::new("d/parameters/china.json"),
            Path::new("a/other.json"),
            Path::new("a/empty.json"),
            Path::new("a/main.parameters.json"),
        ];
        let names = |n: &[&str]| Some(n.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let sets = [
            names(&["clustername", "location"]),
            // Declared by no template: ARM would reject it with any of them.
            names(&["location", "extra"]),
            // `x.json` compiled from `x.bicep` is one template.
            names(&["location"]),
            // Two templates could take it.
            names(&["location"]),
            names(&["location"]),
            // Not eligible (explicitly paired elsewhere, or a `.bicepparam`).
            None,
            names(&[]),
            names(&["location"]),
        ];
        let mut pairs = pair(&t, &p);
        assert_eq!(pairs[0], vec![7], "by name first");
        let sets_of = |j: usize| sets.get(j).cloned().flatten();
        let declares = |i: usize, n: &str| declared.get(i).is_some_and(|d| d.contains(n));
        let made = by_declared_names(&mut pairs, &t, &p, &sets_of, &declares, &|| true);
        assert_eq!(made, vec![(0, 0), (2, 2), (2, 3), (4, 6)]);
        assert_eq!(
            pairs,
            vec![
                vec![0, 7],
                vec![],
                vec![2],
                vec![2],
                vec![],
                vec![],
                vec![4]
            ]
        );
    }

    #[test]
    fn a_file_its_name_pairs_wrongly_goes_to_the_template_that_takes_it() {
        let t = [
            Path::new("e/hub.bicep"),
            Path::new("e/hub-multi.bicep"),
            Path::new("f/spoke.bicep"),
        ];
        let declared: Vec<HashSet<String>> =
            [&["location"][..], &["location", "secondary"], &["location"]]
                .iter()
                .map(|d| d.iter().map(|s| s.to_string()).collect())
                .collect();
        let p = [
            Path::new("e/parameters/hub.parameters.multi.all.json"),
            Path::new("e/parameters/hub.parameters.all.json"),
            // Its template would reject it, and no other takes it: it stays.
            Path::new("f/spoke.parameters.json"),
        ];
        let names = |n: &[&str]| Some(n.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let sets = [
            names(&["location", "secondary"]),
            names(&["location"]),
            names(&["location", "secondary"]),
        ];
        let mut pairs = pair(&t, &p);
        assert_eq!(pairs, vec![vec![0, 1], vec![], vec![2]], "by name");
        let sets_of = |j: usize| sets.get(j).cloned().flatten();
        let declares = |i: usize, n: &str| declared.get(i).is_some_and(|d| d.contains(n));
        let made = by_declared_names(&mut pairs, &t, &p, &sets_of, &declares, &|| true);
        assert_eq!(made, vec![(0, 1)]);
        assert_eq!(pairs, vec![vec![1], vec![0], vec![2]]);
    }

    #[test]
    fn a_stale_parameter_file_names_the_template_it_almost_fits() {
        let t = [
            Path::new("g/cluster-stamp.bicep"),
            Path::new("g/pre-cluster-stamp.bicep"),
        ];
        let declared: Vec<HashSet<String>> = [&["a", "b", "c"][..], &["a"]]
            .iter()
            .map(|d| d.iter().map(|s| s.to_string()).collect())
            .collect();
        let declares = |i: usize, n: &str| declared.get(i).is_some_and(|d| d.contains(n));
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let p = Path::new("g/azuredeploy.parameters.prod.json");
        assert_eq!(
            closest(p, &t, &names(&["a", "b", "c", "location"]), &declares),
            Some((0, names(&["location"])))
        );
        // Most of its names undeclared: no hint.
        assert_eq!(closest(p, &t, &names(&["a", "x", "y"]), &declares), None);
    }

    #[test]
    fn explicit_pairings_take_the_parameter_file_away_from_its_name() {
        let mut pairs = vec![vec![0, 1], vec![2]];
        assign(&mut pairs, 1, Some(1));
        assert_eq!(pairs, vec![vec![0], vec![1, 2]]);
        assign(&mut pairs, 0, None);
        assert_eq!(pairs, vec![vec![], vec![1, 2]]);
    }
}
