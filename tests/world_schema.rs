//! `tendon world --schema`: a valid draft 2020-12 schema that the world of
//! every fixture folder (and of the corpus, when present) satisfies, strict
//! enough to reject a broken world, and the README's world reference
//! generated from it.

mod common;

use common::fixture::cases_under;
use common::{scratch, stderr, stdout, tendon};

use std::path::Path;

use serde_json::{Value, json};

fn schema() -> Value {
    let o = tendon(&["world", "--schema"]);
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("the schema is JSON")
}

fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema())
        .expect("the world schema compiles")
}

/// The first violation, as `pointer: message`.
fn first_error(v: &jsonschema::Validator, doc: &Value) -> Option<String> {
    v.iter_errors(doc)
        .next()
        .map(|e| format!("{}: {e}", e.instance_path()))
}

fn world_of(path: &Path) -> Value {
    let arg = path.to_string_lossy();
    let o = tendon(&["world", &arg]);
    assert!(o.status.success(), "{arg}: {}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{arg}: not JSON ({e})"))
}

/// The fixture cases of the built-in rules and of the example rule pack
/// (whose worlds hold Application Gateways and shared identities).
fn fixture_folders() -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut folders = cases_under(&root.join("fixtures"));
    folders.extend(cases_under(&root.join("examples/rules/fixtures")));
    folders
}

#[test]
fn the_schema_is_valid_draft_2020_12() {
    let s = schema();
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    if let Err(e) = jsonschema::draft202012::meta::validate(&s) {
        panic!("{}: {e}", e.instance_path());
    }
}

#[test]
fn every_field_is_described() {
    let s = schema();
    let mut objects = vec![("".to_string(), &s)];
    for (name, def) in s["$defs"].as_object().unwrap() {
        objects.push((name.clone(), def));
    }
    for (name, def) in objects {
        assert!(def["description"].is_string(), "{name} has no description");
        for (field, t) in def["properties"].as_object().unwrap() {
            let ok = t["description"].as_str().is_some_and(|d| !d.is_empty());
            assert!(ok || name == "unknown", "{name}.{field} has no description");
        }
    }
}

#[test]
fn the_world_of_every_fixture_folder_satisfies_the_schema() {
    let v = validator();
    let folders = fixture_folders();
    assert!(folders.len() > 100, "{} fixture folders", folders.len());
    for folder in folders {
        let world = world_of(&folder);
        if let Some(e) = first_error(&v, &world) {
            panic!("{}: {e}", folder.display());
        }
    }
}

#[test]
fn the_world_of_the_corpus_satisfies_the_schema() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !corpus.is_dir() {
        // Past the harness's capture, so the skip shows in a plain `cargo test`.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: the corpus world: {} is absent",
            corpus.display()
        );
        return;
    }
    let world = world_of(&corpus);
    assert!(!world["clusters"].as_array().unwrap().is_empty());
    if let Some(e) = first_error(&validator(), &world) {
        panic!("corpus: {e}");
    }
}

#[test]
fn a_world_with_configured_ranges_satisfies_the_schema() {
    // `tendon world` reads no tendon.toml, so no fixture's world has
    // configured ranges: build one through the library, as `check` does.
    let dir = scratch("world-schema-config");
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/AKS008/fail/azuredeploy.json");
    std::fs::copy(&fixture, dir.join("azuredeploy.json")).unwrap();
    let text = "[network]\nreserved = [\"100.64.0.0/10\"]\non-premises = [\"10.0.0.0/8\"]\n";
    let config = tendon::config::parse("tendon.toml", text, &dir).unwrap();
    let options = tendon::pipeline::Options {
        config: Some(&config),
        ..Default::default()
    };
    let outcome = tendon::pipeline::run_with(std::slice::from_ref(&dir), &[], options).unwrap();
    let world = &outcome.world.doc;
    assert_eq!(world["config"]["reserved"][0], "100.64.0.0/10");
    assert_eq!(world["config"]["onPremises"][0], "10.0.0.0/8");
    assert_eq!(
        world["clusters"][0]["extraReserved"][0]["cidr"],
        "100.64.0.0/10"
    );
    assert_eq!(first_error(&validator(), world), None);
}

#[test]
fn format_needs_schema() {
    let o = tendon(&["world", "--format", "markdown", "fixtures/AKS001/fail"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("--schema"), "{}", stderr(&o));
}

#[test]
fn the_schema_rejects_a_broken_world() {
    // Without this, a permissive schema would pass anything.
    let v = validator();
    let good = world_of(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/AKS001/fail"));
    assert_eq!(first_error(&v, &good), None);
    let cases: [(&str, Value, &str); 7] = [
        ("/clusters/0/colour", json!("red"), "/clusters/0"),
        (
            "/clusters/0/pools/0/count",
            json!("three"),
            "/clusters/0/pools/0/count",
        ),
        (
            "/clusters/0/effective/nodeCeiling",
            json!(1.5),
            "/clusters/0/effective/nodeCeiling",
        ),
        (
            "/clusters/0/name",
            json!({"$unknown": 1}),
            "/clusters/0/name",
        ),
        (
            "/clusters/0/controlPlaneIdentity",
            json!("magic"),
            "/clusters/0/controlPlaneIdentity",
        ),
        ("/subnets", json!({}), "/subnets"),
        (
            "/clusters/0/ranges/0/at",
            json!("clusters/0"),
            "/clusters/0/ranges/0/at",
        ),
    ];
    for (at, value, pointer) in cases {
        let mut bad = good.clone();
        let (parent, key) = at.rsplit_once('/').unwrap();
        bad.pointer_mut(if parent.is_empty() { "" } else { parent })
            .and_then(Value::as_object_mut)
            .unwrap_or_else(|| panic!("{parent} is in the fixture's world"))
            .insert(key.to_string(), value);
        let e = first_error(&v, &bad).unwrap_or_else(|| panic!("{at} accepted"));
        assert!(e.starts_with(&format!("{pointer}: ")), "{at}: {e}");
    }
    let mut missing = good;
    missing["clusters"][0]
        .as_object_mut()
        .unwrap()
        .remove("pools");
    assert!(
        first_error(&v, &missing).is_some(),
        "a cluster without pools accepted"
    );
}

#[test]
fn readme_world_reference_is_generated_from_the_schema() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme.find("<!-- world:start -->\n").expect("start marker")
        + "<!-- world:start -->\n".len();
    let end = readme.find("<!-- world:end -->").expect("end marker");
    let o = tendon(&["world", "--schema", "--format", "markdown"]);
    let fresh = stdout(&o);
    let old = &readme[start..end];
    // The first differing line, not two pages of tables.
    let differs = old
        .lines()
        .zip(fresh.lines())
        .find(|(a, b)| a != b)
        .map(|(a, b)| format!("README: {a}\nschema: {b}"))
        .unwrap_or_else(|| "one is longer".into());
    assert!(
        old == fresh,
        "README's world reference is stale: replace it with \
         `tendon world --schema --format markdown`\n{differs}"
    );
}
