//! Differential conformance with the Bicep compiler (corpus test; skips when
//! `../shared/corpus/bicep-baselines` is absent): for every `valid/` folder,
//! the resources tendon evaluates from `main.bicep` must equal those it
//! evaluates from the compiler's own `main.json` — same types, ids and known
//! property values (`dependsOn` and the compiler's `extension` tag aside,
//! whose form differs legitimately).
//!
//! `TENDON_CONFORMANCE_VERBOSE=1` prints every difference.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value as J;
use tendon::arm::template::{self, Deployment};
use tendon::loader::DiskLoader;

/// Folders that differ for a reason tendon cannot remove, with that reason.
const EXPECTED_DIFFERENCES: &[(&str, &str)] = &[(
    "Registry_LF",
    "registry modules (br:, ts:) cannot be fetched offline; the compiler inlined them into main.json",
)];

fn baselines() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/bicep-baselines/valid");
    p.is_dir().then_some(p)
}

/// Unknown values compare equal whatever their reason.
fn normalise(v: J) -> J {
    match v {
        J::Object(m) if m.contains_key("$unknown") => J::String("<unknown>".into()),
        J::Object(m) => J::Object(m.into_iter().map(|(k, v)| (k, normalise(v))).collect()),
        J::Array(a) => J::Array(a.into_iter().map(normalise).collect()),
        other => other,
    }
}

fn resources(dep: &Deployment) -> BTreeMap<String, J> {
    let mut out = BTreeMap::new();
    for r in &dep.resources {
        let id =
            r.id.clone()
                .or_else(|| r.name.as_str().map(str::to_string))
                .unwrap_or_else(|| "<unknown name>".into());
        let key = format!("{} {}", r.resource_type, id).to_ascii_lowercase();
        let mut body = normalise(r.body.to_json());
        // Ordering metadata and the compiler's `extension` tag are not deployed values.
        if let J::Object(m) = &mut body {
            m.remove("dependsOn");
            m.remove("extension");
            // Types are case-insensitive; the compiler recases them from its catalog.
            if let Some(J::String(t)) = m.get_mut("type") {
                *t = t.to_ascii_lowercase();
            }
        }
        out.insert(key, body);
    }
    out
}

fn evaluate(node: Arc<tendon::json::Node>, path: &Path) -> Deployment {
    let loader = DiskLoader::new(Vec::new(), 1, Box::new(|p: &Path| p.display().to_string()));
    let source = template::Source {
        node: &node,
        file: 0,
        path: Some(path),
    };
    template::evaluate(source, None, &loader)
}

/// The first difference of two JSON values, as a path and both sides.
fn diff(a: &J, b: &J, path: &str) -> Option<String> {
    match (a, b) {
        (J::Object(x), J::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) => {
                        if let Some(d) = diff(v, w, &format!("{path}.{k}")) {
                            return Some(d);
                        }
                    }
                    None => return Some(format!("{path}.{k} only from main.bicep")),
                }
            }
            y.keys()
                .find(|k| !x.contains_key(*k))
                .map(|k| format!("{path}.{k} only from main.json"))
        }
        (J::Array(x), J::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| diff(v, w, &format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some(format!("{path}: main.bicep {a} / main.json {b}")),
    }
}

/// Compares one folder; `Ok` carries the number of resources compared.
fn compare(folder: &Path) -> Result<usize, String> {
    let bicep_path = folder.join("main.bicep");
    let json_path = folder.join("main.json");
    let bicep_text = std::fs::read_to_string(&bicep_path).map_err(|e| e.to_string())?;
    let json_text = std::fs::read_to_string(&json_path).map_err(|e| e.to_string())?;
    let compiled = tendon::bicep::compile(&bicep_text, &bicep_path);
    if let Some(e) = compiled.errors.first() {
        return Err(format!(
            "syntax error at byte {}: {}",
            e.span.start, e.message
        ));
    }
    let json = tendon::json::parse(&json_text).map_err(|e| e.message)?;
    let bicep_dep = evaluate(Arc::new(compiled.node), &bicep_path);
    if let Some((message, _)) = bicep_dep.expression_errors.first() {
        return Err(format!(
            "lowering produced an invalid expression: {message}"
        ));
    }
    let from_bicep = resources(&bicep_dep);
    let from_json = resources(&evaluate(Arc::new(json), &json_path));
    let only_bicep: Vec<_> = from_bicep
        .keys()
        .filter(|k| !from_json.contains_key(*k))
        .collect();
    let only_json: Vec<_> = from_json
        .keys()
        .filter(|k| !from_bicep.contains_key(*k))
        .collect();
    if !only_bicep.is_empty() || !only_json.is_empty() {
        return Err(format!(
            "resources differ: only from main.bicep {only_bicep:?}, only from main.json {only_json:?}"
        ));
    }
    for (key, body) in &from_bicep {
        if let Some(other) = from_json.get(key)
            && let Some(d) = diff(body, other, "")
        {
            return Err(format!("{key}: {d}"));
        }
    }
    Ok(from_bicep.len())
}

#[test]
fn bicep_worlds_match_the_compiled_templates() {
    let Some(root) = baselines() else {
        eprintln!("skipped: ../shared/corpus/bicep-baselines is not here");
        return;
    };
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    folders.retain(|f| f.join("main.bicep").is_file() && f.join("main.json").is_file());
    folders.sort();
    let verbose = std::env::var_os("TENDON_CONFORMANCE_VERBOSE").is_some();
    let (mut agree, mut resources) = (0, 0);
    let mut report = Vec::new();
    let mut unexpected = Vec::new();
    for f in &folders {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let excuse = EXPECTED_DIFFERENCES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, why)| *why);
        match (compare(f), excuse) {
            (Ok(n), None) => {
                agree += 1;
                resources += n;
            }
            (Ok(_), Some(_)) => unexpected.push(format!(
                "{name} agrees now: drop it from EXPECTED_DIFFERENCES"
            )),
            (Err(why), excuse) => {
                let why: String = if verbose {
                    why
                } else {
                    why.chars().take(300).collect()
                };
                report.push(format!(
                    "  {name}: {}{why}",
                    excuse
                        .map(|e| format!("(expected: {e}) "))
                        .unwrap_or_default()
                ));
                if excuse.is_none() {
                    unexpected.push(name);
                }
            }
        }
    }
    eprintln!(
        "bicep conformance: {agree} of {} folders agree ({resources} resources compared)\n{}",
        folders.len(),
        report.join("\n")
    );
    assert!(
        unexpected.is_empty(),
        "folders that disagree: {unexpected:?}"
    );
}
