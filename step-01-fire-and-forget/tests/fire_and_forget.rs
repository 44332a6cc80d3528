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
