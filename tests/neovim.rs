//! `tendon lsp` under a real client: headless Neovim runs
//! tests/neovim/attach.lua, which attaches the server to a copy of
//! fixtures/AKS011/fail (a finding across two files), edits one file, stops
//! the server and writes down the diagnostics Neovim held at each step;
//! they must equal tests/neovim/expected.
//!
//! Needs `nvim` (0.7 or later) on the PATH. Without it a plain `cargo test`
//! skips the test (saying so); `TENDON_REQUIRE_NVIM=1` (`.ci/run` sets it
//! after installing Debian's package) makes a missing Neovim a failure.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Neovim's own waits are bounded by 30 s each; this bounds the whole run.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Printed past the test harness's capture, so a skip is visible.
fn say(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}

fn required() -> bool {
    std::env::var("TENDON_REQUIRE_NVIM").is_ok_and(|v| v == "1")
}

fn nvim_version() -> Option<String> {
    let o = Command::new("nvim")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&o.stdout);
    o.status
        .success()
        .then(|| text.lines().next().unwrap_or("").to_string())
}

#[test]
fn neovim_shows_cross_file_diagnostics_and_their_updates() {
    let Some(version) = nvim_version() else {
        assert!(
            !required(),
            "TENDON_REQUIRE_NVIM=1 but `nvim --version` does not run"
        );
        say("SKIPPED neovim: no `nvim` on the PATH (TENDON_REQUIRE_NVIM=1 makes this a failure)");
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = common::scratch("neovim");
    let work = dir.join("workspace");
    let home = dir.join("home");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&home).unwrap();
    for name in ["cluster-a.json", "cluster-b.json"] {
        std::fs::copy(
            root.join("fixtures/AKS011/fail").join(name),
            work.join(name),
        )
        .unwrap();
    }
    let report = dir.join("report.txt");
    let log = dir.join("nvim.log");
    let script = root.join("tests/neovim/attach.lua");

    let mut cmd = Command::new("nvim");
    cmd.args(["--headless", "--clean", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .current_dir(&work)
        .env("TENDON_BIN", env!("CARGO_BIN_EXE_tendon"))
        .env("TENDON_ROOT", &work)
        .env("TENDON_OUT", &report)
        // Keep git from finding the repository around the target folder,
        // and Neovim's logs and state out of the user's home.
        .env("GIT_CEILING_DIRECTORIES", &dir)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(dir.join("nvim.err")).unwrap());
    let mut child = cmd.spawn().expect("start nvim");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for nvim") {
            break Some(s);
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = std::fs::read_to_string(dir.join("nvim.err")).unwrap_or_default();
    let stdout = std::fs::read_to_string(&log).unwrap_or_default();
    let Some(status) = status else {
        panic!("{version} did not finish within {TIMEOUT:?}:\n{stdout}{stderr}");
    };
    assert!(
        status.success(),
        "{version} failed ({status}):\n{stdout}{stderr}"
    );
    let got = std::fs::read_to_string(&report).expect("the script's report");
    let expected = std::fs::read_to_string(root.join("tests/neovim/expected")).unwrap();
    assert_eq!(got, expected, "{version}: the diagnostics Neovim holds");
}
