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
