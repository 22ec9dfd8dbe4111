//! Running the real binary with a time and memory limit: a hang or a
//! runaway allocation is killed and reported, not waited for.

use std::io::Read;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::command_in;

pub struct Limits {
    pub timeout: Duration,
    pub max_rss_kb: u64,
}

pub struct Run {
    pub args: Vec<String>,
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub timed_out: bool,
    pub over_memory: bool,
    pub peak_kb: u64,
    pub elapsed: Duration,
}

fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = pipe.read_to_end(&mut v);
        v
    })
}

/// Runs `tendon args` in `dir`, polling its memory until it ends or a
/// limit is hit.
pub fn run(dir: &Path, args: &[String], limits: &Limits) -> Run {
    let t0 = Instant::now();
    let mut child = command_in(dir, args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tendon");
    let out = drain(child.stdout.take().expect("piped stdout"));
    let err = drain(child.stderr.take().expect("piped stderr"));
    let pid = child.id();
    let (mut timed_out, mut over_memory, mut peak_kb) = (false, false, 0);
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait for tendon") {
            break st;
        }
        if let Some(kb) = status_kb(pid, "VmHWM:") {
            peak_kb = peak_kb.max(kb);
        }
        over_memory = status_kb(pid, "VmRSS:").is_some_and(|kb| kb > limits.max_rss_kb);
        timed_out = t0.elapsed() > limits.timeout;
        if timed_out || over_memory {
            let _ = child.kill();
            break child.wait().expect("wait for tendon");
        }
        std::thread::sleep(Duration::from_millis(3));
    };
    Run {
        args: args.to_vec(),
        code: status.code(),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        timed_out,
        over_memory,
        peak_kb,
        elapsed: t0.elapsed(),
    }
}
