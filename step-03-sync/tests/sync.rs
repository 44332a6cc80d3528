//! Step 03's printed output, and what the broker holds after it.
//!
//! Deterministic by design: a fixed seed and clock, one send at a time (so lines come
//! in send order), and keys that always hash to the same partition and offset.

use common::testing::{
    assert_broker_holds, assert_reports_match_broker, expected_readings, run_step, summary_counts,
    varying_parts,
};
// The step's line formats, read from its source: this harness decides the verdict, so
// it never links the step's library, where a learner's answers live.
#[path = "../src/lines.rs"]
#[allow(dead_code)]
mod lines;
use lines::confirmations;

const STEP: &str = env!("CARGO_BIN_EXE_step-03-sync");

#[test]
fn each_send_is_confirmed_before_the_next() {
    let run = run_step(STEP, &["--count", "12"]);
    assert_eq!(run.exit_code, Some(0), "stderr: {}", run.stderr);
    insta::with_settings!({ filters => varying_parts() }, {
        insta::assert_snapshot!("sync_12", run.stdout);
    });

    let counts = summary_counts(&run.stdout);
    let reported = confirmations(&run.stdout);
    assert_eq!((counts.sent, counts.confirmed, counts.failed), (12, 12, 0));
    assert_eq!(reported.len(), 12);
    assert_reports_match_broker(&reported, run.records("humidity"));
    assert_broker_holds(run.records("humidity"), &expected_readings(12));
}

#[test]
fn with_acks_0_nothing_answers_and_every_send_succeeds_at_once() {
    // acks=0: the broker sends no response, so a "confirmation" only says the request
    // was written to the socket: no offset (-1001 is librdkafka's "invalid offset").
    // Idempotence needs acks=all, so it goes too.
    let args = [
        "--count",
        "8",
        "-X",
        "acks=0",
        "-X",
        "enable.idempotence=false",
    ];
    let run = run_step(STEP, &args);
    insta::with_settings!({ filters => varying_parts() }, {
        insta::assert_snapshot!("sync_acks_0", run.stdout);
    });
    assert_eq!(
        run.stdout.matches("offset -1001").count(),
        8,
        "{}",
        run.stdout
    );
    assert_eq!(summary_counts(&run.stdout).confirmed, 8);
    // The records did land (this broker is up), but nothing said so.
    assert_broker_holds(run.records("humidity"), &expected_readings(8));
}
