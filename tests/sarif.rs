//! The SARIF of the fixtures against the official SARIF 2.1.0 JSON schema
//! (`tests/schemas/sarif-2.1.0.json`), and the content code scanning needs:
//! every rule described, every result located, fingerprints that survive
//! line moves.

mod common;

use common::sarif::{schema_errors, validator};
use common::{scratch, tendon, tendon_in};

use std::path::Path;
use std::process::Output;

use serde_json::Value;

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&o.stdout[..o.stdout.len().min(2000)])
        )
    })
}

fn fixtures_sarif() -> Value {
    let o = tendon(&["check", "fixtures", "--format", "sarif"]);
    // The fixtures contain findings.
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    json_of(&o)
}

#[test]
fn fixtures_sarif_is_valid_against_the_sarif_2_1_0_schema() {
    let v = validator();
    let doc = fixtures_sarif();
    let errors = schema_errors(&v, &doc);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert!(!doc["runs"][0]["results"].as_array().unwrap().is_empty());
}

#[test]
fn the_schema_check_rejects_invalid_sarif() {
    // Without this, an empty or permissive schema would pass anything.
    let v = validator();
    let good = fixtures_sarif();
    let mut bad_level = good.clone();
    bad_level["runs"][0]["results"][0]["level"] = "fatal".into();
    let mut bad_line = good.clone();
    bad_line["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    let mut bad_uri = good.clone();
    bad_uri["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        "a b.json".into();
    let mut extra = good;
    extra["runs"][0]["tool"]["driver"]["colour"] = "red".into();
    for (what, doc) in [
        ("level", bad_level),
        ("startLine", bad_line),
        ("uri", bad_uri),
        ("extra property", extra),
    ] {
        assert!(
            !schema_errors(&v, &doc).is_empty(),
            "the schema accepted a bad {what}"
        );
    }
}

#[test]
fn the_driver_describes_every_rule() {
    let doc = fixtures_sarif();
    let rules = json_of(&tendon(&["rules", "--format", "json"]));
    let descriptors = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let level = |s: &str| match s {
        "error" => "error",
        "warning" => "warning",
        _ => "note",
    };
    for rule in rules.as_array().unwrap() {
        let d = descriptors
            .iter()
            .find(|d| d["id"] == rule["id"])
            .unwrap_or_else(|| panic!("no descriptor for {}", rule["id"]));
        assert_eq!(d["name"], rule["slug"]);
        assert_eq!(d["shortDescription"]["text"], rule["summary"]);
        for text in [&d["fullDescription"]["text"], &d["help"]["text"]] {
            assert!(
                text.as_str().is_some_and(|t| !t.trim().is_empty()),
                "{}: {d}",
                rule["id"]
            );
        }
        assert_eq!(
            d["defaultConfiguration"]["level"],
            level(rule["severity"].as_str().unwrap()),
            "{}",
            rule["id"]
        );
    }
    let mut ids: Vec<&str> = descriptors
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "duplicate rule descriptors");
}

#[test]
fn results_match_the_json_report() {
    let doc = fixtures_sarif();
    let report = json_of(&tendon(&["check", "fixtures", "--format", "json"]));
    let run = &doc["runs"][0];
    let descriptors = run["tool"]["driver"]["rules"].as_array().unwrap();
    let all = run["results"].as_array().unwrap();
    // Reported results first (no suppression), then those silenced in the source.
    let (results, silenced): (Vec<&Value>, Vec<&Value>) = all
        .iter()
        .partition(|r| r["suppressions"].as_array().unwrap().is_empty());
    assert_eq!(
        &all[..results.len()],
        &results.iter().map(|r| (*r).clone()).collect::<Vec<_>>()[..]
    );
    assert_eq!(
        silenced.len() as u64,
        report["summary"]["suppressed"].as_u64().unwrap()
    );
    assert!(!silenced.is_empty());
    for r in &silenced {
        assert_eq!(r["suppressions"][0]["kind"], "inSource", "{r}");
    }
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    assert!(
        findings
            .iter()
            .any(|f| !f["related"].as_array().unwrap().is_empty())
    );
    let region_of = |l: &Value| {
        let p = &l["physicalLocation"];
        let r = &p["region"];
        (
            p["artifactLocation"]["uri"].as_str().unwrap().to_string(),
            [
                r["startLine"].as_u64().unwrap(),
                r["startColumn"].as_u64().unwrap(),
                r["endLine"].as_u64().unwrap(),
                r["endColumn"].as_u64().unwrap(),
            ],
        )
    };
    let span_of = |f: &Value| {
        (
            f["file"].as_str().unwrap().to_string(),
            ["line", "column", "end_line", "end_column"].map(|k| f[k].as_u64().unwrap()),
        )
    };
    for (r, f) in results.iter().zip(findings) {
        assert_eq!(r["ruleId"], f["rule"]);
        assert_eq!(r["message"]["text"], f["message"]);
        let severity = match f["severity"].as_str().unwrap() {
            "info" => "note",
            s => s,
        };
        assert_eq!(r["level"], severity);
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(descriptors[index]["id"], f["rule"]);
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
            "%SRCROOT%"
        );
        assert_eq!(region_of(&r["locations"][0]), span_of(f));
        let related = f["related"].as_array().unwrap();
        let sarif_related = r["relatedLocations"].as_array().map_or(&[][..], |v| v);
        assert_eq!(sarif_related.len(), related.len(), "{r}");
        for (i, (s, j)) in sarif_related.iter().zip(related).enumerate() {
            assert_eq!(s["id"], i + 1);
            assert_eq!(s["message"]["text"], j["message"]);
            assert_eq!(region_of(s), span_of(j));
        }
        let fp = r["partialFingerprints"]["tendonFinding/v1"]
            .as_str()
            .unwrap();
        assert!(
            fp.len() == 16 && fp.bytes().all(|b| b.is_ascii_hexdigit()),
            "{fp}"
        );
    }
}

const TEMPLATE: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-02-01",
      "name": "aks-fp",
      "location": "westeurope",
      "identity": { "type": "SystemAssigned" },
      "properties": {
        "dnsPrefix": "aksfp",
        "agentPoolProfiles": [ { "name": "win", "count": 1, "osType": "Windows", "mode": "System" } ],
        "networkProfile": { "networkPlugin": "kubenet" }
      }
    }
  ]
}
"#;

fn aks001(dir: &Path) -> (u64, String) {
    let doc = json_of(&tendon_in(dir, &["check", ".", "--format", "sarif"]));
    let r = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "AKS001")
        .expect("an AKS001 result")
        .clone();
    (
        r["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap(),
        r["partialFingerprints"]["tendonFinding/v1"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

#[test]
fn fingerprints_survive_line_moves_and_change_with_the_finding() {
    let dir = scratch("sarif-fingerprint");
    let file = dir.join("azuredeploy.json");
    std::fs::write(&file, TEMPLATE).unwrap();
    let (line, fp) = aks001(&dir);
    assert_eq!(line, 13);
    // Three lines added above: the finding moves, its fingerprint stays.
    std::fs::write(&file, TEMPLATE.replacen("{\n", "{\n\n\n\n", 1)).unwrap();
    assert_eq!(aks001(&dir), (16, fp.clone()));
    // Another pool name is another finding.
    std::fs::write(&file, TEMPLATE.replace("\"win\"", "\"win2\"")).unwrap();
    let (line, other) = aks001(&dir);
    assert_eq!(line, 13);
    assert_ne!(other, fp);
}

#[test]
fn uris_of_unusual_file_names_are_valid() {
    let dir = scratch("sarif-uris");
    let sub = dir.join("infra dev#1 100%");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join("clüster [a].json"), TEMPLATE).unwrap();
    let doc = json_of(&tendon_in(&dir, &["check", ".", "--format", "sarif"]));
    let errors = schema_errors(&validator(), &doc);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"]
        .as_str()
        .unwrap();
    assert_eq!(uri, "infra%20dev%231%20100%25/cl%C3%BCster%20%5Ba%5D.json");
}
