//! The pre-commit hook (`.pre-commit-hooks.yaml`) as users run it, and the
//! YAML of the repository integrations (action.yml, the README's snippets).
//!
//! Opt-in: they need python3 with venv and pip, a package index to install
//! pre-commit from, and minutes, so a plain `cargo test` skips them (saying
//! so) and stays offline and fast. `TENDON_REQUIRE_PRECOMMIT=1` (`.ci/run`
//! sets it) runs them, and then a missing python or network fails them.
//!
//! The hook is built with `cargo install`, which takes minutes. `pre-commit
//! try-repo` always installs into a throwaway store, so the failing case runs
//! through `try-repo` (the documented way to try a hook repository) and the
//! later cases through `pre-commit run` with the README's
//! `.pre-commit-config.yaml` snippet and one store. Both builds share a
//! cargo target folder, so dependencies are compiled once per test run and
//! only tendon itself twice.
//!
//! The hook repository is a snapshot of this working tree (tracked and
//! untracked, not ignored files), committed into a scratch repository, so
//! uncommitted work is what gets tested. (`try-repo` on a dirty repository
//! would take tracked changes only, and no new files.)

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Instant;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn work() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit")
}

/// Printed past the test harness's capture, so a skip is visible.
fn say(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}

fn required() -> bool {
    std::env::var("TENDON_REQUIRE_PRECOMMIT").is_ok_and(|v| v == "1")
}

/// A command without the git variables a surrounding hook may have set.
fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut c = Command::new(program);
    for v in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_PREFIX",
    ] {
        c.env_remove(v);
    }
    c.env("GIT_AUTHOR_NAME", "tendon test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "tendon test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null());
    c
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn run(c: &mut Command) -> Output {
    let o = c.output().unwrap_or_else(|e| panic!("{c:?}: {e}"));
    assert!(o.status.success(), "{c:?} failed:\n{}", text(&o));
    o
}

/// The virtualenv's bin folder with pre-commit installed, once per test run;
/// `Err` says why there is none.
fn venv() -> &'static Result<PathBuf, String> {
    static VENV: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    VENV.get_or_init(|| {
        let dir = work().join("venv");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(work()).unwrap();
        let started = Instant::now();
        let o = command("python3")
            .args(["-m", "venv"])
            .arg(&dir)
            .output()
            .map_err(|e| format!("python3 is not available ({e})"))?;
        if !o.status.success() {
            return Err(format!("python3 -m venv failed: {}", text(&o)));
        }
        let bin = dir.join("bin");
        let o = command(bin.join("python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "pre-commit",
            ])
            .output()
            .map_err(|e| format!("pip is not available ({e})"))?;
        if !o.status.success() {
            return Err(format!(
                "pip install pre-commit failed (no network?): {}",
                text(&o)
            ));
        }
        say(&format!(
            "pre-commit installed in a virtualenv in {:.1}s",
            started.elapsed().as_secs_f64()
        ));
        Ok(bin)
    })
}

/// `Some(bin)`, or `None` after saying why the test is skipped (a panic when required).
fn venv_or_skip(test: &str) -> Option<&'static Path> {
    if !required() {
        say(&format!(
            "SKIPPED {test}: end-to-end pre-commit test (needs network, takes minutes); \
             TENDON_REQUIRE_PRECOMMIT=1 runs it, as .ci/run does"
        ));
        return None;
    }
    match venv() {
        Ok(bin) => Some(bin),
        Err(why) => panic!("TENDON_REQUIRE_PRECOMMIT=1 but {why}"),
    }
}

/// Commits the working tree's tracked and untracked (not ignored) files into
/// a fresh repository; returns it and the commit.
fn snapshot(dir: &Path) -> (PathBuf, String) {
    let repo = dir.join("tendon-snapshot");
    run(command("git").args(["init", "--quiet"]).arg(&repo));
    let git_dir = repo.join(".git");
    // Stage this working tree into the snapshot's index and object store.
    run(command("git")
        .current_dir(root())
        .env("GIT_INDEX_FILE", git_dir.join("index"))
        .env("GIT_OBJECT_DIRECTORY", git_dir.join("objects"))
        .args(["add", "--all", "."]));
    run(command("git").current_dir(&repo).args([
        "commit",
        "--quiet",
        "--no-verify",
        "-m",
        "snapshot",
    ]));
    let o = run(command("git")
        .current_dir(&repo)
        .args(["rev-parse", "HEAD"]));
    let rev = String::from_utf8(o.stdout).unwrap().trim().to_string();
    (repo, rev)
}

fn cluster(plugin: &str) -> String {
    format!(
        r#"{{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "resources": [
    {{
      "type": "Microsoft.ContainerService/managedClusters",
      "apiVersion": "2024-02-01",
      "name": "aks-hook",
      "location": "westeurope",
      "identity": {{ "type": "SystemAssigned" }},
      "properties": {{
        "dnsPrefix": "akshook",
        "agentPoolProfiles": [
          {{ "name": "system", "count": 1, "osType": "Linux", "mode": "System" }},
          {{ "name": "win", "count": 1, "osType": "Windows", "mode": "User" }}
        ],
        "networkProfile": {plugin}
      }}
    }}
  ]
}}
"#
    )
}

/// The README's `.pre-commit-config.yaml` snippet (the YAML block after the
/// line mentioning `.pre-commit-config.yaml` in the pre-commit section).
fn readme_pre_commit_config() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("\n## pre-commit\n")
        .nth(1)
        .expect("README has a '## pre-commit' section");
    let block = section
        .split("```yaml\n")
        .nth(1)
        .and_then(|b| b.split("\n```").next())
        .expect("a yaml block in the pre-commit section");
    block.to_string()
}

fn pre_commit(bin: &Path, repo: &Path, store: &Path, target: &Path) -> Command {
    let mut c = command(bin.join("pre-commit"));
    c.current_dir(repo)
        .env("PRE_COMMIT_HOME", store)
        .env("CARGO_TARGET_DIR", target)
        // The hook's behaviour is under test, not its speed: an unoptimised
        // `cargo install` builds in a fraction of the time (CI has 15 minutes).
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("PATH", {
            let mut paths = vec![bin.to_path_buf()];
            paths.extend(std::env::split_paths(
                &std::env::var_os("PATH").unwrap_or_default(),
            ));
            std::env::join_paths(paths).unwrap()
        });
    c
}

fn git_add_only(repo: &Path, name: &str, content: &str) {
    for entry in std::fs::read_dir(repo).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::remove_file(path).unwrap();
        }
    }
    std::fs::write(repo.join(name), content).unwrap();
    run(command("git").current_dir(repo).args(["add", "--all", "."]));
}

#[test]
fn the_hook_fails_on_a_finding_and_passes_a_clean_template() {
    let Some(bin) = venv_or_skip("the_hook_fails_on_a_finding_and_passes_a_clean_template") else {
        return;
    };
    let dir = work().join("hook");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // Dependencies stay compiled between test runs; tendon is rebuilt from the snapshot.
    let target = work().join("cargo-target");
    let (hooks, rev) = snapshot(&dir);
    let user = dir.join("user");
    run(command("git").args(["init", "--quiet"]).arg(&user));

    run(pre_commit(bin, &user, &dir.join("store-a"), &target)
        .args(["validate-manifest"])
        .arg(root().join(".pre-commit-hooks.yaml")));

    // 1. try-repo on a kubenet cluster with a Windows pool: AKS001, hook fails.
    git_add_only(
        &user,
        "aks.json",
        &cluster(r#"{ "networkPlugin": "kubenet" }"#),
    );
    let started = Instant::now();
    let o = pre_commit(bin, &user, &dir.join("store-a"), &target)
        .arg("try-repo")
        .arg(&hooks)
        .args(["tendon", "--ref", &rev, "--all-files"])
        .output()
        .unwrap();
    say(&format!(
        "pre-commit try-repo (hook built with cargo install) took {:.1}s",
        started.elapsed().as_secs_f64()
    ));
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("tendon (AKS networking policy)"), "{out}");
    assert!(out.contains("- hook id: tendon"), "{out}");
    assert!(out.contains("error[AKS001]: "), "{out}");
    assert!(
        out.contains(
            "node pool 'win' of cluster 'aks-hook' runs Windows, which kubenet does not support"
        ),
        "{out}"
    );
    assert!(out.contains("  --> aks.json:15:50\n"), "{out}");
    assert!(out.contains("1 error"), "{out}");

    // 2. The README's configuration snippet, pointed at the snapshot.
    let config = readme_pre_commit_config();
    assert!(config.contains("id: tendon"), "{config}");
    let config = config
        .lines()
        .map(|l| {
            let indent = &l[..l.len() - l.trim_start().len()];
            if l.trim_start().starts_with("- repo:") {
                format!("{indent}- repo: {}", hooks.display())
            } else if l.trim_start().starts_with("rev:") {
                format!("{indent}rev: {rev}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("config.yaml"), &config).unwrap();
    let store = dir.join("store-b");
    let run_hook = || {
        pre_commit(bin, &user, &store, &target)
            .args(["run", "--all-files", "--config"])
            .arg(dir.join("config.yaml"))
            .output()
            .unwrap()
    };
    run(pre_commit(bin, &user, &store, &target)
        .arg("validate-config")
        .arg(dir.join("config.yaml")));

    // The same cluster with Azure CNI Overlay: no finding, hook passes.
    git_add_only(
        &user,
        "aks.json",
        &cluster(r#"{ "networkPlugin": "azure", "networkPluginMode": "overlay" }"#),
    );
    let started = Instant::now();
    let o = run_hook();
    say(&format!(
        "pre-commit run with the README configuration (second build) took {:.1}s",
        started.elapsed().as_secs_f64()
    ));
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("Passed"), "{out}");

    // 3. The kubenet template again, through the README configuration: fails, no rebuild.
    git_add_only(
        &user,
        "aks.json",
        &cluster(r#"{ "networkPlugin": "kubenet" }"#),
    );
    let started = Instant::now();
    let o = run_hook();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("error[AKS001]: "), "{out}");
    assert!(
        started.elapsed().as_secs() < 60,
        "the installed hook was not reused"
    );

    // 4. No template, parameter or Bicep file: the hook is skipped.
    git_add_only(&user, "notes.txt", "not a template\n");
    let o = run_hook();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("(no files to check)Skipped"), "{out}");

    // One installed environment per store: the README configuration built once.
    let installed = std::fs::read_dir(&store)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().starts_with("repo"))
        })
        .count();
    assert_eq!(installed, 1);
}

/// Every YAML file and README YAML block parses (PyYAML, which pre-commit
/// brings), and action.yml has the shape of a composite action.
#[test]
fn integration_yaml_parses() {
    let Some(bin) = venv_or_skip("integration_yaml_parses") else {
        return;
    };
    let script = r#"
import json, re, sys, yaml
root = sys.argv[1]
docs = {}
for name in ["action.yml", ".pre-commit-hooks.yaml"]:
    with open(f"{root}/{name}") as f:
        docs[name] = yaml.safe_load(f)
readme = open(f"{root}/README.md").read()
blocks = re.findall(r"```yaml\n(.*?)\n```", readme, re.S)
docs["README"] = [yaml.safe_load(b) for b in blocks]
json.dump(docs, sys.stdout)
"#;
    let o = run(command(bin.join("python")).args(["-c", script]).arg(root()));
    let docs: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();

    let action = &docs["action.yml"];
    assert_eq!(action["runs"]["using"], "composite");
    for input in ["paths", "fail-on", "args", "sarif-file", "annotations"] {
        assert!(action["inputs"][input].is_object(), "action input {input}");
    }
    let steps = action["runs"]["steps"].as_array().unwrap();
    for step in steps {
        if step.get("run").is_some() {
            assert!(
                step["shell"].is_string(),
                "a run step needs a shell: {step}"
            );
        }
    }
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@v3"))
        })
        .expect("an upload-sarif step");
    assert!(
        upload["if"]
            .as_str()
            .is_some_and(|c| c.contains("always()")),
        "{upload}"
    );

    // The binary is cached per version, action ref and runner; a hit skips the build.
    let cache = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/cache@"))
        })
        .expect("a cache step");
    let key = cache["with"]["key"].as_str().unwrap_or_default();
    for part in [
        "steps.version.outputs.version",
        "github.action_ref",
        "runner.os",
    ] {
        assert!(key.contains(part), "cache key {key} lacks {part}");
    }
    let install = steps
        .iter()
        .find(|s| s["name"] == "Install tendon")
        .expect("an install step");
    assert_eq!(install["if"], "steps.cache.outputs.cache-hit != 'true'");
    action_scripts_work(steps);

    let hooks = &docs[".pre-commit-hooks.yaml"][0];
    assert_eq!(hooks["id"], "tendon");
    assert_eq!(hooks["language"], "rust");
    assert_eq!(hooks["entry"], "tendon check");
    assert_eq!(hooks["pass_filenames"], false);
    assert_eq!(hooks["files"], r"\.(json|jsonc|bicep|bicepparam)$");

    let blocks = docs["README"].as_array().unwrap();
    // GitHub Actions (action, plain steps), Azure Pipelines, pre-commit.
    assert!(blocks.len() >= 4, "{blocks:?}");
    assert!(blocks.iter().all(|b| b.is_object() || b.is_array()));
}

/// Runs the action's "Run tendon" and "Fail on findings" scripts with bash as
/// the runner would (inputs in the environment, `GITHUB_OUTPUT` a file).
fn action_scripts_work(steps: &[serde_json::Value]) {
    let script = |name: &str| {
        steps
            .iter()
            .find(|s| s["name"] == name)
            .and_then(|s| s["run"].as_str())
            .unwrap_or_else(|| panic!("a '{name}' step"))
            .to_string()
    };
    let dir = work().join("action");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let exe = Path::new(env!("CARGO_BIN_EXE_tendon"));
    let path = std::env::join_paths(std::iter::once(exe.parent().unwrap().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let bash = |script: &str, paths: &str, annotations: &str, output: &Path| {
        command("bash")
            .args(["-e", "-c", script])
            .current_dir(root())
            .env("PATH", &path)
            .env("GITHUB_OUTPUT", output)
            .env("TENDON_PATHS", paths)
            .env("TENDON_FAIL_ON", "error")
            .env("TENDON_ARGS", "--jobs 1")
            .env("TENDON_SARIF", dir.join("tendon.sarif"))
            .env("TENDON_ANNOTATIONS", annotations)
            .output()
            .unwrap()
    };
    // Findings: the step succeeds, records exit code 1 and the SARIF, annotates.
    let output = dir.join("findings.out");
    let o = bash(
        &script("Run tendon"),
        "fixtures/AKS001/fail",
        "true",
        &output,
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "exit-code=1\nsarif-written=true\n"
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("tendon.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "AKS001");
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("::error file=fixtures/AKS001/fail/azuredeploy.json,line=26,"),
        "{stdout}"
    );
    let gate = command("bash")
        .args(["-e", "-c", &script("Fail on findings")])
        .env("TENDON_FAIL_ON", "error")
        .output()
        .unwrap();
    assert_eq!(gate.status.code(), Some(1));
    // Clean: exit code 0, no annotations.
    let output = dir.join("clean.out");
    let o = bash(
        &script("Run tendon"),
        "fixtures/AKS001/pass",
        "false",
        &output,
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "exit-code=0\nsarif-written=true\n"
    );
    assert!(!String::from_utf8_lossy(&o.stdout).contains("::"));
    // A failed run (a path that does not exist) fails the step itself.
    let output = dir.join("failed.out");
    let o = bash(&script("Run tendon"), "no/such/path", "false", &output);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "exit-code=2\n");
}
