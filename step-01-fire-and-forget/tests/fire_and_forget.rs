//! Step 01's printed output, and what the broker holds after it.
//!
//! The output is deterministic by design: readings come from a fixed seed and a fixed
//! clock, and every line is printed by the send loop in send order. Only the elapsed
//! time and rate vary, and they are filtered out.

use common::testing::{assert_broker_holds, expected_readings, run_step, varying_parts};

const STEP: &str = env!("CARGO_BIN_EXE_step-01-fire-and-forget");

#[test]
fn sends_every_reading_and_the_broker_holds_them_all() {
    let run = run_step(STEP, &["--count", "12"]);
    assert_eq!(run.exit_code, Some(0), "stderr: {}", run.stderr);
    insta::with_settings!({ filters => varying_parts() }, {
        insta::assert_snapshot!("fire_and_forget_12", run.stdout);
    });
    assert_eq!(run.stdout.matches("📤 SENT:").count(), 12);
    assert_broker_holds(run.records("humidity"), &expected_readings(12));
}

#[test]
fn flush_delivers_everything_before_exit() {
    // Unpaced into a slow broker: without the flush, most would still be queued when
    // the producer is dropped, and dropping purges them.
    let run = run_step(
        STEP,
        &["--count", "2000", "--rate", "0", "--broker-rtt", "300ms"],
    );
    assert_eq!(run.exit_code, Some(0), "stdout: {}", run.stdout);
    assert!(run
        .stdout
        .contains("the broker holds 2000 of the 2000 messages sent: 0 failed"));
    assert_broker_holds(run.records("humidity"), &expected_readings(2000));
}
