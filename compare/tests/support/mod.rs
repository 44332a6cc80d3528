//! What compare's integration tests share: starting the binary and reading its report.
#![allow(dead_code)] // each test file uses its own part

use std::process::{Command, Output};

pub const COMPARE: &str = env!("CARGO_BIN_EXE_compare");

/// compare with `args`, on its own embedded broker: a broker named by the environment
/// is removed (a caller may name one again).
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(COMPARE);
    command.args(args).env_remove("KAFKA_BOOTSTRAP_SERVERS");
    command
}

pub fn run(args: &[&str]) -> Output {
    command(args).output().expect("compare runs")
}

/// Runs `command`, which must succeed.
pub fn succeed(command: &mut Command) -> Output {
    let output = command.output().expect("compare runs");
    assert!(
        output.status.success(),
        "compare failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// compare with `args`, which must succeed.
pub fn run_ok(args: &[&str]) -> Output {
    succeed(&mut command(args))
}

/// The report a successful `compare --json` run printed (`args` must hold `--json`).
pub fn json_report(args: &[&str]) -> serde_json::Value {
    assert!(args.contains(&"--json"), "{args:?}");
    serde_json::from_slice(&run_ok(args).stdout).expect("compare printed JSON")
}

/// [`json_report`], while watching compare's resident memory from outside (its
/// `/proc/PID/status` `VmRSS`, every 5 ms): returns the report and the highest value
/// seen, in MiB.
pub fn json_report_watching_memory(args: &[&str]) -> (serde_json::Value, f64) {
    assert!(args.contains(&"--json"), "{args:?}");
    let child = command(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("compare starts");
    let status = format!("/proc/{}/status", child.id());
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let done = std::sync::Arc::clone(&done);
        std::thread::spawn(move || {
            let mut highest_kib = 0u64;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let rss_kib = std::fs::read_to_string(&status).ok().and_then(|text| {
                    let line = text.lines().find(|l| l.starts_with("VmRSS:"))?;
                    line.split_whitespace().nth(1)?.parse::<u64>().ok()
                });
                highest_kib = highest_kib.max(rss_kib.unwrap_or(0));
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            highest_kib
        })
    };
    let output = child.wait_with_output().expect("compare runs");
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let highest_kib = watcher.join().unwrap();
    assert!(
        output.status.success(),
        "compare failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = serde_json::from_slice(&output.stdout).expect("compare printed JSON");
    (report, highest_kib as f64 / 1024.0)
}
