//! Step 03's printed output, and what the broker holds after it.
//!
//! Deterministic by design: a fixed seed and clock, one send at a time (so lines come
//! in send order), and keys that always hash to the same partition and offset.

use common::testing::{
    assert_broker_holds, assert_reports_match_broker, expected_readings, reported_deliveries,
    run_step, summary_counts, varying_parts,
};

const STEP: &str = env!("CARGO_BIN_EXE_step-03-sync");

#[test]
fn each_send_is_confirmed_before_the_next() {
    let run = run_step(STEP, &["--count", "12"]);
    assert_eq!(run.exit_code, Some(0), "stderr: {}", run.stderr);
    insta::with_settings!({ filters => varying_parts() }, {
        insta::assert_snapshot!("sync_12", run.stdout);
    });

    let counts = summary_counts(&run.stdout);
    let reported = reported_deliveries(&run.stdout);
    assert_eq!((counts.sent, counts.confirmed, counts.failed), (12, 12, 0));
    assert_eq!(reported.len(), 12);
    assert_reports_match_broker(&reported, run.records("humidity"));
    assert_broker_holds(run.records("humidity"), &expected_readings(12));
}
