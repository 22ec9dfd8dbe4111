//! Files a pull request can make tendon read: only regular files, capped while
//! reading. Each test builds the attack in a scratch folder.

mod common;

use std::time::{Duration, Instant};

use common::{scratch, stderr, tendon_in};

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
    std::fs::write(
        dir.join("a.json"),
        format!(r#"{{"$schema": "{SCHEMA}", "contentVersion": "1.0.0.0", "resources": []}}"#),
    )
    .unwrap();
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
    assert!(all.contains("not a regular file"), "{all}");
}
