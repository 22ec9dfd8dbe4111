//! Confinement to the project root (issue 10, item 1): a file a template names
//! is read only when it resolves, after symlinks, inside the project root and
//! outside `.git`; anything else is TDN007 at the reference, and nothing of it
//! reaches the output. Each test builds its repository in a scratch folder.

mod common;

use std::path::Path;

use common::{scratch, stderr, stdout, tendon_in};

const SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
const SECRET: &str = "AUTHORIZATION: basic c2VjcmV0LXRva2Vu";

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(path, text).unwrap();
}

fn deployment(name: &str, link: &str) -> String {
    format!(
        r#"{{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "{name}",
    "properties": {{"mode": "Incremental", {link}}}}}"#
    )
}

/// A checkout with a persisted token in `.git/config` and a secret beside
/// the repository; templates in `infra/` try every way to read them.
fn attack(name: &str) -> std::path::PathBuf {
    let base = scratch(name);
    let repo = base.join("repo");
    write(
        &repo.join(".git/config"),
        &format!("[http]\n\textraheader = {SECRET}\n"),
    );
    write(&base.join("secret.txt"), SECRET);
    write(
        &base.join("secret.bicep"),
        &format!("output o string = '{SECRET}'\n"),
    );
    write(
        &repo.join("infra/main.bicep"),
        "var a = loadTextContent('../.git/config')\n\
         var b = loadTextContent('/proc/self/environ')\n\
         var c = loadTextContent('../../secret.txt')\n\
         var d = loadTextContent('link.txt')\n\
         var e = loadJsonContent('../../../../../../../../../etc/passwd')\n\
         var f = loadTextContent('ok.txt')\n\
         module m '../../secret.bicep' = {\n  name: 'm'\n}\n\
         import * as lib from '../../secret.bicep'\n\
         resource rt 'Microsoft.Network/routeTables@2023-09-01' = {\n  name: 'rt-${a}${b}${c}${d}${e}'\n  location: 'x'\n}\n\
         resource ok 'Microsoft.Network/routeTables@2023-09-01' = {\n  name: 'rt-${f}'\n  location: 'x'\n}\n",
    );
    write(&repo.join("infra/ok.txt"), "inside");
    #[cfg(unix)]
    std::os::unix::fs::symlink(base.join("secret.txt"), repo.join("infra/link.txt")).unwrap();
    #[cfg(not(unix))]
    write(&repo.join("infra/link.txt"), "not a link here");
    write(
        &repo.join("infra/main.bicepparam"),
        "using '../../secret.bicep'\nextends '../.git/base.bicepparam'\n",
    );
    write(
        &repo.join("infra/azuredeploy.json"),
        &format!(
            r#"{{"$schema": "{SCHEMA}", "contentVersion": "1.0.0.0", "resources": [
  {},
  {}]}}"#,
            deployment(
                "out",
                r#""templateLink": {"relativePath": "../../secret.json"}"#
            ),
            deployment("in", r#""templateLink": {"relativePath": "inner.json"}"#),
        ),
    );
    // A parameter file built from the template's own URI (at the top of the
    // repository, where `.git` is a sibling).
    write(
        &repo.join("deploy.json"),
        &format!(
            r#"{{"$schema": "{SCHEMA}", "contentVersion": "1.0.0.0", "resources": [
  {}]}}"#,
            deployment(
                "params",
                r#""templateLink": {"relativePath": "infra/inner.json"},
      "parametersLink": {"uri": "[uri(deployment().properties.templateLink.uri, '.git/config')]"}"#
            ),
        ),
    );
    write(
        &repo.join("infra/inner.json"),
        &format!(r#"{{"$schema": "{SCHEMA}", "contentVersion": "1.0.0.0", "resources": []}}"#),
    );
    repo
}

#[test]
fn files_outside_the_root_or_in_git_are_not_read() {
    let repo = attack("confine-attack");
    let o = tendon_in(&repo, &["check", "infra", "--format", "gcc", "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let unix_link = if cfg!(unix) {
        "infra/main.bicep:4:25: warning[TDN007]: file 'link.txt' (loaded when the Bicep file is compiled) is outside the project root: tendon does not read it\n"
    } else {
        ""
    };
    let expected = format!(
        "infra/azuredeploy.json:3:76: warning[TDN007]: linked template '../../secret.json' is outside the project root: tendon does not read it\n\
         infra/main.bicep:1:25: warning[TDN007]: file '../.git/config' (loaded when the Bicep file is compiled) is inside a .git folder: tendon does not read it\n\
         infra/main.bicep:2:25: warning[TDN007]: file '/proc/self/environ' (loaded when the Bicep file is compiled) is outside the project root: tendon does not read it\n\
         infra/main.bicep:3:25: warning[TDN007]: file '../../secret.txt' (loaded when the Bicep file is compiled) is outside the project root: tendon does not read it\n\
         {unix_link}\
         infra/main.bicep:5:25: warning[TDN007]: file '../../../../../../../../../etc/passwd' (loaded when the Bicep file is compiled) is outside the project root: tendon does not read it\n\
         infra/main.bicep:7:10: warning[TDN007]: module '../../secret.bicep' is outside the project root: tendon does not read it\n\
         infra/main.bicep:10:22: warning[TDN007]: imported file '../../secret.bicep' is outside the project root: tendon does not read it\n\
         infra/main.bicepparam:1:7: warning[TDN007]: template '../../secret.bicep' (named by `using`) is outside the project root: tendon does not read it\n\
         infra/main.bicepparam:2:9: warning[TDN007]: base parameter file '../.git/base.bicepparam' (named by `extends`) is inside a .git folder: tendon does not read it\n"
    );
    assert_eq!(stdout(&o), expected);
    let o = tendon_in(&repo, &["check", "deploy.json", "--format", "gcc", "-q"]);
    assert_eq!(
        stdout(&o),
        "deploy.json:4:33: warning[TDN007]: linked parameter file '.git/config' is inside a .git folder: tendon does not read it\n"
    );
    let o = tendon_in(&repo, &["check", "infra", "--stats", "-q"]);
    assert!(
        stderr(&o).contains("2  module or linked template outside the project root (TDN007)"),
        "{}",
        stderr(&o)
    );
    // Nothing of the secrets in any format, nor in the world document.
    for format in ["human", "gcc", "json", "sarif", "github", "junit"] {
        let o = tendon_in(&repo, &["check", ".", "--format", format, "--stats"]);
        let all = format!("{}{}", stdout(&o), stderr(&o));
        assert!(!all.contains("c2VjcmV0"), "{format}: {all}");
    }
    let world = stdout(&tendon_in(&repo, &["world", "."]));
    assert!(!world.contains("c2VjcmV0"), "{world}");
    // The file inside the root is read.
    assert!(world.contains("\"rt-inside\""), "{world}");
}

/// Without a git work tree the root is the folder the named paths share;
/// `--root` widens it. A path outside is refused as written, without looking
/// at the file system (TDN007 whether or not the file exists).
#[test]
fn the_root_is_the_common_folder_or_the_given_one() {
    let base = scratch("confine-root");
    write(&base.join("shared/names.txt"), "shared");
    write(
        &base.join("app/main.bicep"),
        "var n = loadTextContent('../shared/names.txt')\n\
         var gone = loadTextContent('../shared/none.txt')\n\
         resource rt 'Microsoft.Network/routeTables@2023-09-01' = {\n  name: 'rt-${n}'\n  location: 'x'\n}\n",
    );
    // The scratch folder lies inside this crate's git work tree: make `app`
    // a work tree of its own, as a checkout would be.
    std::fs::create_dir_all(base.join("app/.git")).unwrap();
    let o = tendon_in(&base, &["check", "app", "--format", "gcc", "-q"]);
    assert_eq!(
        stdout(&o),
        "app/main.bicep:1:25: warning[TDN007]: file '../shared/names.txt' (loaded when the Bicep file is compiled) is outside the project root: tendon does not read it\n\
         app/main.bicep:2:28: warning[TDN007]: file '../shared/none.txt' (loaded when the Bicep file is compiled) is outside the project root: tendon does not read it\n"
    );
    let o = tendon_in(
        &base,
        &["check", "app", "--root", ".", "--format", "gcc", "-q"],
    );
    assert_eq!(
        stdout(&o),
        "app/main.bicep:2:28: warning[TDN006]: file '../shared/none.txt' (loaded when the Bicep file is compiled) does not exist\n"
    );
    let world = stdout(&tendon_in(&base, &["world", "app", "--root", "."]));
    assert!(world.contains("\"rt-shared\""), "{world}");
    // A root that does not exist stops the run.
    let o = tendon_in(&base, &["check", "app", "--root", "nowhere"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("project root"), "{}", stderr(&o));
}
