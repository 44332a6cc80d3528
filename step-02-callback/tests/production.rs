//! `production`: the summary slide's callback logs instead of printing, by level.

use common::testing::{number_after, run_step, summary_counts, TEST_CLOCK, TEST_SEED};
use std::process::Command;

const PRODUCTION: &str = env!("CARGO_BIN_EXE_production");

/// Runs the binary with `RUST_LOG` set to `log`; returns stdout and stderr.
fn run_logged(args: &[&str], log: &str) -> (String, String) {
    let output = Command::new(PRODUCTION)
        .args([
            "--seed",
            &TEST_SEED.to_string(),
            "--fixed-clock",
            &TEST_CLOCK.to_string(),
        ])
        .args(args)
        .env("RUST_LOG", log)
        .env_remove("KAFKA_BOOTSTRAP_SERVERS")
        .output()
        .unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn successes_are_logged_at_debug_level_only() {
    let (stdout, quiet) = run_logged(&["--count", "20"], "warn");
    insta::with_settings!({ filters => common::testing::varying_parts() }, {
        insta::assert_snapshot!("production_20", stdout);
    });
    assert_eq!(summary_counts(&stdout).confirmed, 20);
    assert!(
        stdout.contains("📊 Metrics: succeeded 20 | failed 0 (none)"),
        "{stdout}"
    );
    assert!(!stdout.contains("SUCCESS"), "no line per message: {stdout}");
    assert!(!quiet.contains("sent"), "successes hidden at warn: {quiet}");

    let (_, debug) = run_logged(&["--count", "20"], "step_02_callback::production=debug");
    let successes = debug
        .lines()
        .filter(|l| l.contains("DEBUG") && l.contains("sent"))
        .count();
    assert_eq!(successes, 20, "{debug}");
}

#[test]
fn failures_are_logged_at_error_level_with_their_key() {
    let run = run_step(
        PRODUCTION,
        &["--count", "60", "--rate", "0", "--inject-errors", "2"],
    );
    let counts = summary_counts(&run.stdout);
    // What failed, from the broker: the readings it does not hold.
    let failed = (60 - run.records("humidity").len()) as u64;
    assert!(failed > 0, "{}", run.stdout);
    assert_eq!(counts.failed, failed, "{}", run.stdout);
    let logged: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("send failed"))
        .collect();
    assert_eq!(logged.len() as u64, failed, "{}", run.stderr);
    assert!(logged
        .iter()
        .all(|l| l.contains("ERROR") && l.contains("key=sensor-")));
    assert_eq!(number_after(&run.stdout, "InvalidRecord:"), failed);
    assert_eq!(counts.confirmed as usize, run.records("humidity").len());
}
