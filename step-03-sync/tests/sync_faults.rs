//! Errors and outages as a synchronous sender sees them.

use common::testing::{
    assert_broker_holds, assert_nothing_lost, expected_readings, run_step, run_step_timing_lines,
    run_through_long_outage, run_with_retriable_errors, summary_counts, varying_parts,
};
// The step's line formats, read from its source: this harness decides the verdict, so
// it never links the step's library, where a learner's answers live.
#[path = "../src/lines.rs"]
#[allow(dead_code)]
mod lines;
use lines::confirmations;

const STEP: &str = env!("CARGO_BIN_EXE_step-03-sync");

#[test]
fn each_rejected_send_comes_back_to_the_caller() {
    // Deterministic: one message per request, so exactly the first 3 are rejected.
    let run = run_step(STEP, &["--count", "8", "--inject-errors", "3"]);
    insta::with_settings!({ filters => varying_parts() }, {
        insta::assert_snapshot!("sync_inject_3", run.stdout);
    });
    let counts = summary_counts(&run.stdout);
    assert_eq!((counts.sent, counts.confirmed, counts.failed), (8, 5, 3));
    assert_eq!(run.stdout.matches("❌ SYNC FAILED").count(), 3);
    assert_eq!(run.exit_code, Some(1), "not everything was confirmed");
    assert_broker_holds(run.records("humidity"), &expected_readings(8)[3..]);
}

#[test]
fn send_errors_are_counted_and_printed() {
    let run = run_step(STEP, &["--count", "8", "--inject-errors", "3"]);
    assert_eq!(summary_counts(&run.stdout).failed, 3);
    assert_eq!(run.stdout.matches("❌ SYNC FAILED").count(), 3);
    for reading in &expected_readings(3) {
        let line = format!(
            "❌ SYNC FAILED: {} | {}% — ",
            reading.sensor_id, reading.humidity
        );
        assert!(run.stdout.contains(&line), "missing: {line}");
    }
}

#[test]
fn retriable_errors_lose_and_duplicate_nothing() {
    // The fault fires: one message per request, so the first 4 requests are rejected
    // and retried.
    let run = run_with_retriable_errors(STEP, &["--count", "10"], 4);
    assert_eq!(run.exit_code, Some(0), "{}", run.stdout);
    assert_broker_holds(run.records("humidity"), &expected_readings(10));
}

#[test]
fn short_outage_loses_nothing() {
    // All brokers go down 0.8 s after start, for 1 s, while readings are being sent.
    let (run, lines) = run_step_timing_lines(STEP, &["--count", "150", "--outage", "800ms+1s"]);
    // The outage fell among the sends: one send waited through it, so two confirmations
    // came most of the outage apart (they come about 10 ms apart otherwise).
    let confirmed_at: Vec<_> = lines
        .iter()
        .filter(|(_, line)| line.starts_with("⏳ SYNC:"))
        .map(|(at, _)| *at)
        .collect();
    let longest_gap = confirmed_at.windows(2).map(|w| w[1] - w[0]).max().unwrap();
    assert!(
        longest_gap >= std::time::Duration::from_millis(700),
        "no send waited through the outage: longest gap {longest_gap:?}"
    );
    assert_eq!(run.exit_code, Some(0), "{}", run.stdout);
    let counts = summary_counts(&run.stdout);
    assert_eq!((counts.confirmed, counts.failed), (150, 0));
    // Lost: none. Duplicated: librdkafka's mock cluster may store the request that was
    // in flight when it went down twice (seen here); a real broker would drop the
    // retry by its producer id and sequence number.
    assert_nothing_lost(run.records("humidity"), &expected_readings(150));
}

#[test]
fn outage_longer_than_the_delivery_timeout_reports_each_loss() {
    let (run, counts) =
        run_through_long_outage(STEP, "150", "800ms+3s", "❌ SYNC FAILED", confirmations);
    let stored = run.records("humidity");
    // A timed-out message may still have been written (its reply was what got lost),
    // so the broker holds at least every confirmed reading and at most every sent one.
    let distinct: std::collections::BTreeSet<_> = stored.iter().map(|r| r.value.clone()).collect();
    assert!(distinct.len() as u64 >= counts.confirmed);
    assert!(distinct.len() as u64 <= counts.sent);
}
