//! Files a pull request can make tendon read: only regular files, capped while
//! reading. Each test builds the attack in a scratch folder.

mod common;

use std::time::{Duration, Instant};

use common::{scratch, stderr, stdout, tendon_in};

const SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

/// `loadTextContent('/dev/zero')` and a linked template that is a FIFO: not
/// read (the values stay unknown), and the run finishes at once.
#[cfg(unix)]
#[test]
fn devices_and_fifos_are_not_read() {
    let dir = scratch("untrusted-devices");
    std::fs::write(
        dir.join("main.bicep"),
        "var zero = loadTextContent('/dev/zero')\n\
         resource rt 'Microsoft.Network/routeTables@2023-09-01' = {\n  name: 'rt-${length(zero)}'\n  location: 'x'\n}\n",
    )
    .unwrap();
    let fifo = dir.join("pipe.json");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    std::fs::write(
        dir.join("azuredeploy.json"),
        format!(
            r#"{{"$schema": "{SCHEMA}", "contentVersion": "1.0.0.0", "resources": [
  {{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "linked",
    "properties": {{"mode": "Incremental", "templateLink": {{"relativePath": "pipe.json"}}}}}},
  {{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "zero",
    "properties": {{"mode": "Incremental", "templateLink": {{"relativePath": "../../../../../../../../dev/zero"}}}}}}]}}"#
        ),
    )
    .unwrap();
    let started = Instant::now();
    let o = tendon_in(&dir, &["check", "main.bicep", "azuredeploy.json", "-q"]);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// A `tendon.toml` that is a link to the process environment is not read,
/// and nothing of the environment reaches the output.
#[cfg(unix)]
#[test]
fn a_configuration_linked_to_proc_is_refused_without_echo() {
    let dir = scratch("untrusted-config");
    std::os::unix::fs::symlink("/proc/self/environ", dir.join("tendon.toml")).unwrap();
    write_empty_template(&dir);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_tendon"))
        .args(["check", "a.json"])
        .current_dir(&dir)
        .env("TENDON_TEST_SECRET", "hunter2-secret-value")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!all.contains("hunter2-secret-value"), "{all}");
    // Refused as a link out of the project, before it is opened.
    assert!(
        all.contains("is outside the project root; not read"),
        "{all}"
    );
}

/// Templates saved as UTF-16 with a byte order mark (PowerShell 5's default,
/// accepted by `az deployment`) and Bicep files in UTF-16 are decoded and
/// linted, with lines and columns of the decoded text.
#[test]
fn utf16_templates_are_linted() {
    let dir = scratch("untrusted-utf16");
    let arm = format!(
        r#"{{"$schema": "{SCHEMA}", "contentVersion": "1.0.0.0", "resources": [
  {{"type": "Microsoft.ContainerService/managedClusters", "apiVersion": "2024-02-01", "name": "aks", "location": "x",
    "properties": {{"agentPoolProfiles": [ {{"name": "win", "count": 1, "osType": "Windows"}} ],
      "networkProfile": {{"networkPlugin": "kubenet"}}}}}}]}}
"#
    );
    let le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(arm.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    std::fs::write(dir.join("le.json"), le).unwrap();
    let bicep = "resource aks 'Microsoft.ContainerService/managedClusters@2024-02-01' = {\n  name: 'aks-b'\n  location: 'x'\n  properties: {\n    agentPoolProfiles: [ { name: 'win', count: 1, osType: 'Windows' } ]\n    networkProfile: { networkPlugin: 'kubenet' }\n  }\n}\n";
    let be: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(bicep.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    std::fs::write(dir.join("be.bicep"), be).unwrap();
    let o = tendon_in(
        &dir,
        &["check", ".", "--format", "gcc", "--fail-on", "never"],
    );
    let out = common::stdout(&o);
    assert_eq!(
        out,
        "be.bicep:5:59: error[AKS001]: node pool 'win' of cluster 'aks-b' runs Windows, which kubenet does not support\n\
         be.bicep:6:38: note[AKS021]: cluster 'aks-b' uses kubenet, which AKS retires on 31 March 2028; plan the move to Azure CNI Overlay\n\
         le.json:3:81: error[AKS001]: node pool 'win' of cluster 'aks' runs Windows, which kubenet does not support\n\
         le.json:4:43: note[AKS021]: cluster 'aks' uses kubenet, which AKS retires on 31 March 2028; plan the move to Azure CNI Overlay\n"
    );
}

/// `a.json`, a template without resources.
fn write_empty_template(dir: &std::path::Path) {
    std::fs::write(
        dir.join("a.json"),
        format!(r#"{{"$schema": "{SCHEMA}", "contentVersion": "1.0.0.0", "resources": []}}"#),
    )
    .unwrap();
}

/// `tendon check a.json` in `dir` stops (exit code 2) saying `says`, and
/// nothing of the planted secret reaches stderr.
fn refused_without_echo(dir: &std::path::Path, says: &str) {
    let o = tendon_in(dir, &["check", "a.json"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(says), "{err}");
    assert!(
        !err.contains("hunter2") && !err.contains("supersecret"),
        "{err}"
    );
}

/// A scratch folder `name` and one beside it, `name-outside`, holding
/// `victim.txt` ("keep") for links to point at.
#[cfg(unix)]
fn with_victim(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = scratch(name);
    let outside = scratch(&format!("{name}-outside"));
    std::fs::write(outside.join("victim.txt"), "keep").unwrap();
    (dir, outside)
}

/// The symlink at `name` in `dir` was replaced by a file, and the file it
/// pointed at in `outside` kept its content.
#[cfg(unix)]
fn assert_replaced_not_followed(dir: &std::path::Path, outside: &std::path::Path, name: &str) {
    assert_eq!(
        std::fs::read_to_string(outside.join("victim.txt")).unwrap(),
        "keep"
    );
    assert!(std::fs::symlink_metadata(dir.join(name)).unwrap().is_file());
}

/// `--output` at a symlink planted in the checkout writes a new file there,
/// never through the link; a symlinked folder on the way is refused.
#[cfg(unix)]
#[test]
fn output_does_not_follow_symlinks() {
    let (dir, outside) = with_victim("untrusted-output");
    std::os::unix::fs::symlink(outside.join("victim.txt"), dir.join("report.json")).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("reports")).unwrap();
    write_empty_template(&dir);
    let o = tendon_in(
        &dir,
        &["check", "a.json", "--format", "json", "-o", "report.json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_replaced_not_followed(&dir, &outside, "report.json");
    let o = tendon_in(
        &dir,
        &[
            "check",
            "a.json",
            "--format",
            "json",
            "-o",
            "reports/r.json",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(!outside.join("r.json").exists());
}

/// `--write-baseline` and `init` at a symlink planted in the checkout write a
/// new file there, never through the link (a dangling one included).
#[cfg(unix)]
#[test]
fn baseline_and_init_do_not_follow_symlinks() {
    let (dir, outside) = with_victim("untrusted-baseline");
    std::os::unix::fs::symlink(outside.join("victim.txt"), dir.join("baseline.json")).unwrap();
    std::os::unix::fs::symlink(outside.join("new.toml"), dir.join("tendon.toml")).unwrap();
    write_empty_template(&dir);
    let o = tendon_in(
        &dir,
        &["check", "a.json", "--write-baseline", "baseline.json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_replaced_not_followed(&dir, &outside, "baseline.json");
    // The dangling link counts as an existing tendon.toml: nothing is written.
    let o = tendon_in(&dir, &["init"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!outside.join("new.toml").exists());
}

/// Rule folders named by `tendon.toml` (pull request content) are read only
/// inside its project, and so are the files in them; `--rules` on the
/// command line is the user's and reads anywhere.
#[cfg(unix)]
#[test]
fn configured_rule_folders_stay_in_the_project() {
    let dir = scratch("untrusted-rule-folders");
    let outside = scratch("untrusted-rule-folders-outside");
    // Its own project: the nearest folder holding `.git`.
    std::fs::create_dir(dir.join(".git")).unwrap();
    let secret = "token = \"hunter2-secret-value\"\n";
    std::fs::write(outside.join("credentials.toml"), secret).unwrap();
    write_empty_template(&dir);
    let outside_text = outside.display().to_string();
    std::fs::write(
        dir.join("tendon.toml"),
        format!("rules = [\"{outside_text}\"]\n"),
    )
    .unwrap();
    refused_without_echo(&dir, "this rule folder is outside the project root");
    // A folder inside whose file links outside: refused unread.
    std::fs::create_dir(dir.join("rules")).unwrap();
    std::os::unix::fs::symlink(outside.join("credentials.toml"), dir.join("rules/x.toml")).unwrap();
    std::fs::write(dir.join("tendon.toml"), "rules = [\"rules\"]\n").unwrap();
    refused_without_echo(&dir, "this rule file is outside the project root");
    // The command line's folder is read (and its bad rule reported).
    std::fs::remove_file(dir.join("tendon.toml")).unwrap();
    let o = tendon_in(&dir, &["check", "a.json", "--rules", &outside_text]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("credentials.toml"), "{}", stderr(&o));
}

/// A `tendon.toml` symlinked to a file outside the project is not read, so
/// none of that file reaches the log.
#[cfg(unix)]
#[test]
fn a_configuration_linked_out_of_the_project_is_not_read() {
    let dir = scratch("untrusted-config-link");
    let outside = scratch("untrusted-config-link-outside");
    std::fs::create_dir(dir.join(".git")).unwrap();
    std::fs::write(outside.join("secret.env"), "API_TOKEN=supersecret123\n").unwrap();
    std::os::unix::fs::symlink(outside.join("secret.env"), dir.join("tendon.toml")).unwrap();
    write_empty_template(&dir);
    refused_without_echo(
        &dir,
        "symbolic link to a file that is outside the project root",
    );
    // A link inside the project is followed.
    std::fs::remove_file(dir.join("tendon.toml")).unwrap();
    std::fs::write(dir.join("shared.toml"), "ignore = [\"AKS021\"]\n").unwrap();
    std::os::unix::fs::symlink(dir.join("shared.toml"), dir.join("tendon.toml")).unwrap();
    let o = tendon_in(&dir, &["check", "a.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// From a subfolder of the project, `--output ../name` at a planted symlink
/// still replaces the link, and an absolute path through a symlinked folder
/// of the project is refused: the boundary is the project, not the
/// working folder.
#[cfg(unix)]
#[test]
fn output_from_a_subfolder_does_not_follow_symlinks() {
    let (repo, outside) = with_victim("untrusted-output-sub");
    std::fs::create_dir(repo.join(".git")).unwrap();
    std::fs::create_dir(repo.join("infra")).unwrap();
    write_empty_template(&repo.join("infra"));
    std::os::unix::fs::symlink(outside.join("victim.txt"), repo.join("report.json")).unwrap();
    std::os::unix::fs::symlink(&outside, repo.join("reports")).unwrap();
    let infra = repo.join("infra");
    let o = tendon_in(
        &infra,
        &[
            "check",
            "a.json",
            "--format",
            "json",
            "-o",
            "../report.json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_replaced_not_followed(&repo, &outside, "report.json");
    let through = repo.join("reports/x.json");
    let o = tendon_in(
        &infra,
        &[
            "check",
            "a.json",
            "--format",
            "json",
            "-o",
            &through.display().to_string(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!outside.join("x.json").exists());
}

/// `-o /dev/stdout` while stdout goes to a file: the report lands in that
/// file, before the summary line, and the link is left alone (a stand-in
/// link to /proc/self/fd/1 outside the project plays /dev/stdout).
#[cfg(target_os = "linux")]
#[test]
fn output_to_our_own_stdout_goes_through_it() {
    let dir = scratch("untrusted-output-stdout");
    let outside = scratch("untrusted-output-stdout-outside");
    std::fs::create_dir(dir.join(".git")).unwrap();
    write_empty_template(&dir);
    let link = outside.join("stdout");
    std::os::unix::fs::symlink("/proc/self/fd/1", &link).unwrap();
    let captured = outside.join("out.txt");
    let file = std::fs::File::create(&captured).unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_tendon"))
        .args([
            "check",
            "a.json",
            "--format",
            "json",
            "-o",
            &link.display().to_string(),
        ])
        .current_dir(&dir)
        .stdout(file)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let text = std::fs::read_to_string(&captured).unwrap();
    let report = text.find("\"findings\"").expect("the report");
    let summary = text.find("checked 1 file").expect("the summary line");
    assert!(report < summary, "{text}");
}

/// Whether a file outside the project exists does not show: a dangling link
/// out is TDN007 like a live one, a `[[pair]]` template or a
/// `metadata.template` outside is refused or ignored alike, and files named
/// on the command line that are links out of their project are not read.
#[cfg(unix)]
#[test]
fn files_outside_the_project_leave_no_trace() {
    let dir = scratch("untrusted-oracle");
    let outside = scratch("untrusted-oracle-outside");
    std::fs::create_dir(dir.join(".git")).unwrap();
    std::fs::write(outside.join("exists.txt"), "hunter2-secret-value").unwrap();
    let exists = outside.join("exists.txt");
    let missing = outside.join("missing.txt");
    std::os::unix::fs::symlink(&exists, dir.join("a.txt")).unwrap();
    std::os::unix::fs::symlink(&missing, dir.join("b.txt")).unwrap();
    std::fs::write(
        dir.join("main.bicep"),
        "var a = loadTextContent('a.txt')\nvar b = loadTextContent('b.txt')\n\
         resource rt 'Microsoft.Network/routeTables@2023-09-01' = {\n  name: 'rt-${length(a)}-${length(b)}'\n  location: 'x'\n}\n",
    )
    .unwrap();
    let o = tendon_in(
        &dir,
        &[
            "check",
            "main.bicep",
            "--format",
            "gcc",
            "--fail-on",
            "never",
        ],
    );
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let rules: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split('[').nth(1)?.split(']').next())
        .collect();
    assert_eq!(rules, ["TDN007", "TDN007"], "{out}");
    assert!(!out.contains("hunter2"), "{out}");
    // [[pair]] templates outside: the same refusal, existing or not (the
    // quoted path is cut at a length that depends on where tests run).
    write_empty_template(&dir);
    for template in [&exists, &missing] {
        std::fs::write(
            dir.join("tendon.toml"),
            format!(
                "[[pair]]\ntemplate = \"{}\"\nparameters = [\"a.parameters.json\"]\n",
                template.display()
            ),
        )
        .unwrap();
        let o = tendon_in(&dir, &["check", "a.json"]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("is outside the project root"), "{err}");
        assert!(!err.contains("does not exist"), "{err}");
    }
    std::fs::remove_file(dir.join("tendon.toml")).unwrap();
    // A baseline and a context export named on the command line that are
    // links out of the project are not read.
    std::os::unix::fs::symlink(&exists, dir.join("baseline.json")).unwrap();
    let o = tendon_in(&dir, &["check", "a.json", "--baseline", "baseline.json"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("symbolic link"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("hunter2"), "{}", stderr(&o));
    std::os::unix::fs::symlink(&exists, dir.join("export.json")).unwrap();
    let o = tendon_in(
        &dir,
        &[
            "check",
            "a.json",
            "--context",
            "export.json",
            "--format",
            "gcc",
        ],
    );
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert!(all.contains("symbolic link"), "{all}");
    assert!(!all.contains("hunter2"), "{all}");
}

/// With `--root`, the configuration's rule folders may lie anywhere in it.
#[test]
fn configured_rule_folders_follow_the_root_option() {
    let proj = scratch("untrusted-rule-root");
    for d in ["cfg", "rules", "t"] {
        std::fs::create_dir_all(proj.join(d)).unwrap();
    }
    // The configuration's own work tree is `cfg`: `../rules` is outside it.
    std::fs::create_dir(proj.join("cfg/.git")).unwrap();
    std::fs::write(proj.join("cfg/tendon.toml"), "rules = [\"../rules\"]\n").unwrap();
    write_empty_template(&proj.join("t"));
    let t = proj.join("t");
    let o = tendon_in(&t, &["check", "a.json", "--config", "../cfg/tendon.toml"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let root = proj.display().to_string();
    let o = tendon_in(
        &t,
        &[
            "check",
            "a.json",
            "--root",
            &root,
            "--config",
            "../cfg/tendon.toml",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// A configuration or rule file with a huge line, or a secret on the
/// offending line: the diagnostic gives file:line:col, the message and at
/// most the offending token, cut short — never the line.
#[test]
fn toml_diagnostics_show_only_the_offending_token() {
    let dir = common::scratch("untrusted-toml-echo");
    write_empty_template(&dir);
    let secret = "hunter2-secret-value";
    // A secret next to the bad value.
    std::fs::write(
        dir.join("secret.toml"),
        format!("network = {{ reserved = [\"10.0.0.0/33\"], on-premises = [\"{secret}\"] }}\n"),
    )
    .unwrap();
    let o = tendon_in(&dir, &["check", "a.json", "--config", "secret.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "tendon: bad configuration secret.toml:1:25: '10.0.0.0/33' is not a CIDR range\n  here: \"10.0.0.0/33\"\n"
    );
    // A raw control character: shown escaped.
    std::fs::write(dir.join("esc.toml"), "fail-on = \"x\u{1b}[31m\"\n").unwrap();
    let o = tendon_in(&dir, &["check", "a.json", "--config", "esc.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "tendon: bad configuration esc.toml:1:13: invalid basic string, expected non-double-quote visible characters, `\\`\n  here: \\u{1b}\n"
    );
    // A 900 KB value with an escaped control character.
    let huge = format!("fail-on = \"x\\u001b[31m{}\"\n", "A".repeat(900_000));
    std::fs::write(dir.join("huge.toml"), huge).unwrap();
    let o = tendon_in(&dir, &["check", "a.json", "--config", "huge.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let a = |n: usize| "A".repeat(n);
    assert_eq!(
        stderr(&o),
        format!(
            "tendon: bad configuration huge.toml:1:11: fail-on must be \"error\", \"warning\", \"info\" or \"never\", not \"x\\u{{1b}}[31m{}…\"\n  here: \"x\\u001b[31m{}…\n",
            a(60 - 11),
            a(60 - 12)
        )
    );
    // A rule file: an unknown key beside a secret, then a huge bad query.
    let rules = dir.join("rules");
    std::fs::create_dir_all(&rules).unwrap();
    let head =
        "id = \"ZZZ001\"\nslug = \"zzz\"\nseverity = \"error\"\nsummary = \"x\"\nmessage = \"m\"\n";
    std::fs::write(
        rules.join("r.toml"),
        format!(
            "{head}select = \"$.clusters[*]\"\nrelated = [{{ at = \"name\", message = \"{secret}\", bogus = 1 }}]\n"
        ),
    )
    .unwrap();
    let o = tendon_in(&dir, &["check", "a.json", "--rules", "rules"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "tendon: bad rule file rules/r.toml:7:61: unknown field `bogus`, expected one of `pointer`, `at`, `message`\n  here: bogus\n"
    );
    std::fs::write(
        rules.join("r.toml"),
        format!(
            "{head}select = \"$.clusters[?@.x == '{secret}{}'\"\n",
            "B".repeat(900_000)
        ),
    )
    .unwrap();
    let o = tendon_in(&dir, &["check", "a.json", "--rules", "rules"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.len() < 400, "{} bytes", err.len());
    assert_eq!(
        err,
        format!(
            "tendon: bad rule file rules/r.toml:6:10: invalid JSONPath in `select`: Failed to parse rule:  --> 1:20\n  here: \"$.clusters[?@.x == '{secret}{}…\n",
            "B".repeat(60 - 21 - secret.len())
        )
    );
}
