//! Pairs ARM parameter files with their templates by the usual file names:
//! `X.parameters.json` and `X.parameters.<env>.json` belong to `X.json` (or
//! `X.bicep`) in the same folder (`azuredeploy.parameters.json` ↔
//! `azuredeploy.json`, `main.parameters.json` ↔ `main.json`), or, in a folder
//! named `parameters` or `params` without such a template, to `X` in the folder
//! above (`hub/parameters/hub.parameters.all.json` ↔ `hub/hub.bicep`, as
//! Azure Landing Zones lays out its modules). Explicit pairings win over names:
//! a `.bicepparam` file's `using`, a parameter file's `metadata.template`
//! (PSRule for Azure's link), a `[[pair]]` of the configuration.

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

/// The file a parameter file's `metadata.template` names: relative to the
/// parameter file; a path not starting with `./` or `../` may also be
/// relative to one of `roots` (PSRule resolves those from the folder it
/// scans). The first that exists, if any.
pub fn metadata_template(param: &Path, written: &str, roots: &[PathBuf]) -> Option<PathBuf> {
    let dir = param.parent()?;
    let beside_only = written.starts_with("./") || written.starts_with("../");
    std::iter::once(dir)
        .chain(roots.iter().map(PathBuf::as_path).filter(|_| !beside_only))
        .map(|d| d.join(written))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn explicit_pairings_take_the_parameter_file_away_from_its_name() {
        let mut pairs = vec![vec![0, 1], vec![2]];
        assign(&mut pairs, 1, Some(1));
        assert_eq!(pairs, vec![vec![0], vec![1, 2]]);
        assign(&mut pairs, 0, None);
        assert_eq!(pairs, vec![vec![], vec![1, 2]]);
    }
}
