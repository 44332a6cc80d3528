//! Step 02's printed output, and what the broker holds after it.
//!
//! Deterministic by design: a fixed seed and clock, and keys that always hash to the
//! same partition, so every reading gets the same partition and offset on every run.
//! The one thing that varies is how reports from different partitions interleave, so
//! the snapshot regroups them by partition (keeping each partition's own order).

use common::testing::{
    assert_broker_holds, assert_reports_match_broker, expected_readings, run_step, summary_counts,
    varying_parts,
};
// The step's line formats, read from its source: this harness decides the verdict, so
// it never links the step's library, where a learner's answers live.
#[path = "../src/lines.rs"]
#[allow(dead_code)]
mod lines;
use lines::{confirmations, grouped_by_partition};

const STEP: &str = env!("CARGO_BIN_EXE_step-02-callback");

#[test]
fn every_callback_reports_what_the_broker_holds() {
    let run = run_step(STEP, &["--count", "12"]);
    assert_eq!(run.exit_code, Some(0), "stderr: {}", run.stderr);
    insta::with_settings!({ filters => varying_parts() }, {
        insta::assert_snapshot!("callback_12", grouped_by_partition(&run.stdout));
    });

    let counts = summary_counts(&run.stdout);
    let reported = confirmations(&run.stdout);
    assert_eq!((counts.sent, counts.confirmed, counts.failed), (12, 12, 0));
    assert_eq!(reported.len(), 12);
    assert_reports_match_broker(&reported, run.records("humidity"));
    assert_broker_holds(run.records("humidity"), &expected_readings(12));
}

#[test]
fn queue_full_waits_and_retries() {
    // A local queue of 5 messages, filled unpaced: send sees QueueFull again and again.
    let args = [
        "--count",
        "300",
        "--rate",
        "0",
        "-X",
        "queue.buffering.max.messages=5",
    ];
    let run = run_step(STEP, &args);
    let counts = summary_counts(&run.stdout);
    assert_eq!(
        (counts.sent, counts.confirmed, counts.failed),
        (300, 300, 0)
    );
    assert!(!run.stdout.contains("❌ FAILED"));
    assert_broker_holds(run.records("humidity"), &expected_readings(300));
}
