//! Differential conformance with the Bicep compiler (corpus test; skips when
//! `../shared/corpus/bicep-baselines` is absent): for every `valid/` folder,
//! the resources tendon evaluates from `main.bicep` must equal those it
//! evaluates from the compiler's own `main.json` — same types, ids and known
//! property values (`dependsOn` and the compiler's `extension` tag aside,
//! whose form differs legitimately). Outputs are compared too, as the
//! properties of one synthetic resource added to both templates (this is how
//! imported functions and variables, which deploy nothing, are checked);
//! there an output unknown on one side is no difference (tendon need not
//! compute every output), but known values must be equal.
//!
//! Likewise for every `bicepparam/` folder, the parameter values tendon reads
//! from `parameters.bicepparam` must equal the compiler's `parameters.json`
//! where both are known.
//!
//! `TENDON_CONFORMANCE_VERBOSE=1` prints every difference.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value as J;
use tendon::arm::template::{self, Deployment};
use tendon::confine::ProjectRoot;
use tendon::json::{Member, Node, NodeKind};
use tendon::referenced::DiskLoader;

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

/// The template with one more resource, `Tendon.Conformance/outputs`, whose
/// properties are the template's output values (output loops left out: their
/// `copyIndex()` has no property-loop form).
fn with_outputs_resource(mut node: Node) -> Node {
    let span = node.span;
    let string = |s: &str| Node {
        span,
        kind: NodeKind::String(s.to_string()),
    };
    let member = |key: &str, value: Node| Member {
        key: key.to_string(),
        key_span: span,
        value,
    };
    let values: Vec<Member> = node
        .get("outputs")
        .map(|o| {
            o.members()
                .iter()
                .filter_map(|m| m.value.get("value").map(|v| member(&m.key, v.clone())))
                .collect()
        })
        .unwrap_or_default();
    if values.is_empty() {
        return node;
    }
    let resource = Node {
        span,
        kind: NodeKind::Object(vec![
            member("type", string("Tendon.Conformance/outputs")),
            member("apiVersion", string("2020-01-01")),
            member("name", string("outputs")),
            member(
                "properties",
                Node {
                    span,
                    kind: NodeKind::Object(values),
                },
            ),
        ]),
    };
    if let NodeKind::Object(members) = &mut node.kind
        && let Some(r) = members.iter_mut().find(|m| m.key == "resources")
    {
        match &mut r.value.kind {
            NodeKind::Array(items) => items.push(resource),
            NodeKind::Object(symbolic) => symbolic.push(member("__tendonOutputs", resource)),
            _ => {}
        }
    }
    node
}

/// The baseline suite's folder holding `path`: what its files may read.
fn root_of(path: &Path) -> ProjectRoot {
    let dir = path
        .ancestors()
        .find(|d| d.file_name().is_some_and(|n| n == "bicep-baselines"))
        .or_else(|| path.parent())
        .unwrap_or(Path::new("."));
    ProjectRoot::at(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

fn evaluate(node: Arc<tendon::json::Node>, path: &Path) -> Deployment {
    let loader = DiskLoader::new(
        root_of(path),
        Vec::new(),
        1,
        Box::new(|p: &Path| p.display().to_string()),
        None,
    );
    let source = template::Source {
        node: &node,
        file: 0,
        path: Some(path),
        target: None,
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

const OUTPUTS: &str = "tendon.conformance/outputs ";

/// Makes both sides unknown wherever one side is (outputs only).
fn mask_unknown(a: &mut J, b: &mut J) {
    let unknown = J::String("<unknown>".into());
    if *a == unknown || *b == unknown {
        *a = unknown.clone();
        *b = unknown;
        return;
    }
    match (a, b) {
        (J::Object(x), J::Object(y)) => {
            for (k, v) in x.iter_mut() {
                if let Some(w) = y.get_mut(k) {
                    mask_unknown(v, w);
                }
            }
        }
        (J::Array(x), J::Array(y)) => {
            for (v, w) in x.iter_mut().zip(y.iter_mut()) {
                mask_unknown(v, w);
            }
        }
        _ => {}
    }
}

/// What one folder compared: resources, and outputs known on both sides.
struct Compared {
    resources: usize,
    outputs: usize,
}

/// Compares one folder.
fn compare(folder: &Path) -> Result<Compared, String> {
    let bicep_path = folder.join("main.bicep");
    let json_path = folder.join("main.json");
    let bicep_text = std::fs::read_to_string(&bicep_path).map_err(|e| e.to_string())?;
    let json_text = std::fs::read_to_string(&json_path).map_err(|e| e.to_string())?;
    let compiled = tendon::bicep::compile(&bicep_text, &bicep_path, &root_of(&bicep_path));
    if let Some(e) = compiled.errors.first() {
        return Err(format!(
            "syntax error at byte {}: {}",
            e.span.start, e.message
        ));
    }
    let json = tendon::json::parse(&json_text).map_err(|e| e.message)?;
    let bicep_dep = evaluate(Arc::new(with_outputs_resource(compiled.node)), &bicep_path);
    if let Some((message, _)) = bicep_dep.expression_errors.first() {
        return Err(format!(
            "lowering produced an invalid expression: {message}"
        ));
    }
    let from_bicep = resources(&bicep_dep);
    let from_json = resources(&evaluate(Arc::new(with_outputs_resource(json)), &json_path));
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
    let mut outputs = 0;
    for (key, body) in &from_bicep {
        let Some(other) = from_json.get(key) else {
            continue;
        };
        let (mut body, mut other) = (body.clone(), other.clone());
        if key.starts_with(OUTPUTS) {
            mask_unknown(&mut body, &mut other);
            if let Some(J::Object(props)) = body.get("properties") {
                outputs += props.values().filter(|v| *v != "<unknown>").count();
            }
        }
        if let Some(d) = diff(&body, &other, "") {
            return Err(format!("{key}: {d}"));
        }
    }
    let resources = from_bicep
        .keys()
        .filter(|k| !k.starts_with(OUTPUTS))
        .count();
    Ok(Compared { resources, outputs })
}

#[test]
fn bicep_worlds_match_the_compiled_templates() {
    let Some(root) = baselines() else {
        skipped("../shared/corpus/bicep-baselines is not here");
        return;
    };
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    folders.retain(|f| f.join("main.bicep").is_file() && f.join("main.json").is_file());
    folders.sort();
    let verbose = std::env::var_os("TENDON_CONFORMANCE_VERBOSE").is_some();
    let (mut agree, mut resources, mut outputs) = (0, 0, 0);
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
            (Ok(c), None) => {
                agree += 1;
                resources += c.resources;
                outputs += c.outputs;
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
        "bicep conformance: {agree} of {} folders agree ({resources} resources, {outputs} known outputs compared)\n{}",
        folders.len(),
        report.join("\n")
    );
    assert!(
        unexpected.is_empty(),
        "folders that disagree: {unexpected:?}"
    );
}

/// `main.bicep` with one resource whose properties are its parameters'
/// values, evaluated with the parameter document `params`.
fn parameter_values(main: &Path, params: Node) -> Result<J, String> {
    let text = std::fs::read_to_string(main).map_err(|e| e.to_string())?;
    let mut template = tendon::bicep::compile(&text, main, &root_of(main)).node;
    let span = template.span;
    let names: Vec<String> = template
        .get("parameters")
        .map(|p| p.members().iter().map(|m| m.key.clone()).collect())
        .unwrap_or_default();
    let outputs = names
        .iter()
        .map(|n| {
            let value = Node {
                span,
                kind: NodeKind::Object(vec![Member {
                    key: "value".into(),
                    key_span: span,
                    value: Node {
                        span,
                        kind: NodeKind::String(format!("[parameters('{n}')]")),
                    },
                }]),
            };
            Member {
                key: n.clone(),
                key_span: span,
                value,
            }
        })
        .collect();
    if let NodeKind::Object(members) = &mut template.kind {
        members.retain(|m| m.key != "outputs");
        members.push(Member {
            key: "outputs".into(),
            key_span: span,
            value: Node {
                span,
                kind: NodeKind::Object(outputs),
            },
        });
    }
    let template = with_outputs_resource(template);
    let loader = DiskLoader::new(
        root_of(main),
        Vec::new(),
        2,
        Box::new(|p: &Path| p.display().to_string()),
        None,
    );
    let source = template::Source {
        node: &template,
        file: 0,
        path: Some(main),
        target: None,
    };
    let dep = template::evaluate(source, Some((&params, 1)), &loader);
    let all = resources(&dep);
    // A template without parameters has nothing to compare.
    Ok(all
        .into_iter()
        .find(|(k, _)| k.starts_with(OUTPUTS))
        .and_then(|(_, v)| v.get("properties").cloned())
        .unwrap_or_else(|| J::Object(Default::default())))
}

/// Compares one `bicepparam/` folder; `Ok` carries the values known on both sides.
fn compare_params(folder: &Path) -> Result<usize, String> {
    let main = folder.join("main.bicep");
    let bicepparam = folder.join("parameters.bicepparam");
    let text = std::fs::read_to_string(&bicepparam).map_err(|e| e.to_string())?;
    let compiled = tendon::bicep::compile_params(&text, &bicepparam, &root_of(&bicepparam));
    let json_text =
        std::fs::read_to_string(folder.join("parameters.json")).map_err(|e| e.to_string())?;
    let json = tendon::json::parse(&json_text).map_err(|e| e.message)?;
    let mut ours = parameter_values(&main, compiled.node)?;
    let mut theirs = parameter_values(&main, json)?;
    mask_unknown(&mut ours, &mut theirs);
    if let Some(d) = diff(&ours, &theirs, "") {
        return Err(d);
    }
    Ok(ours
        .as_object()
        .map_or(0, |o| o.values().filter(|v| *v != "<unknown>").count()))
}

#[test]
fn bicepparam_values_match_the_compiled_parameters() {
    let Some(root) = baselines().and_then(|v| v.parent().map(|p| p.join("bicepparam"))) else {
        skipped("../shared/corpus/bicep-baselines is not here");
        return;
    };
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    folders.retain(|f| {
        ["main.bicep", "parameters.bicepparam", "parameters.json"]
            .iter()
            .all(|n| f.join(n).is_file())
    });
    folders.sort();
    let (mut agree, mut known) = (0, 0);
    let mut report = Vec::new();
    for f in &folders {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match compare_params(f) {
            Ok(n) => {
                agree += 1;
                known += n;
            }
            Err(why) => report.push(format!("  {name}: {why}")),
        }
    }
    eprintln!(
        "bicepparam conformance: {agree} of {} folders agree ({known} known values compared)\n{}",
        folders.len(),
        report.join("\n")
    );
    assert!(report.is_empty(), "folders that disagree: {report:?}");
}

/// Says a test is skipped past the harness's output capture, so the skip is
/// visible in a plain `cargo test`.
fn skipped(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {why}");
}
