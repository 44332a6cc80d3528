//! Step 04's printed output, and what the broker holds after it.
//!
//! Deterministic by design: a fixed seed and clock, futures awaited in send order, and
//! timeouts chosen far from the round trip: 10 s against 10 ms (every wait succeeds),
//! or 100 ms against 300 ms (every wait times out, since a reply cannot come sooner).

use common::testing::{
    assert_broker_holds, assert_reports_match_broker, expected_readings, run_step,
    run_step_timing_lines, run_through_long_outage, stored_reading, summary_counts, varying_parts,
};
use std::time::Duration;
// The step's line formats, read from its source: this harness decides the verdict, so
// it never links the step's library, where a learner's answers live.
#[path = "../src/lines.rs"]
#[allow(dead_code)]
mod lines;
use lines::confirmations;

const STEP: &str = env!("CARGO_BIN_EXE_step-04-future-timeout");

/// Three sends to a broker 300 ms away, each waited on for 100 ms: every wait times out.
const SLOW_BROKER: [&str; 6] = [
    "--count",
    "3",
    "--broker-rtt",
    "300ms",
    "--timeout",
    "100ms",
];

#[test]
fn generous_timeout_confirms_every_send_in_time() {
    let run = run_step(STEP, &["--count", "8", "--timeout", "10s"]);
    assert_eq!(run.exit_code, Some(0), "stderr: {}", run.stderr);
    insta::with_settings!({ filters => varying_parts() }, {
        insta::assert_snapshot!("in_time_8", run.stdout);
    });

    let reported = confirmations(&run.stdout);
    assert_eq!(reported.len(), 8);
    assert_reports_match_broker(&reported, run.records("humidity"));
    assert_broker_holds(run.records("humidity"), &expected_readings(8));
}

#[test]
fn waits_end_at_the_timeout() {
    let args = ["--count", "8", "--timeout", "10s"];
    let in_time = run_step(STEP, &args);
    assert_eq!(
        in_time.stdout.matches("✅ IN TIME").count(),
        8,
        "{}",
        in_time.stdout
    );
    assert!(!in_time.stdout.contains("⌛ TIMED OUT"));
    // Five sends to a broker 300 ms away, each waited on for 100 ms, one after another.
    let args = [
        "--count",
        "5",
        "--broker-rtt",
        "300ms",
        "--timeout",
        "100ms",
    ];
    let (late, lines) = run_step_timing_lines(STEP, &args);
    assert_eq!(
        late.stdout.matches("⌛ TIMED OUT after 100ms").count(),
        5,
        "{}",
        late.stdout
    );
    assert!(!late.stdout.contains("✅ IN TIME"));
    // Each wait really lasted its 100 ms: the five lines come one wait apart, at least
    // 4 × 100 ms from the first to the last (less 10 % for the reader's own delays). A
    // loop that printed them without waiting would print them within milliseconds.
    let times: Vec<_> = lines
        .iter()
        .filter(|(_, line)| line.starts_with("⌛ TIMED OUT"))
        .map(|(at, _)| *at)
        .collect();
    let spread = times[4] - times[0];
    assert!(
        spread >= Duration::from_millis(360),
        "4 waits of 100 ms between the first and the last line took {spread:?}"
    );
    // A wait that ran out must keep its future: only then can the outcome still come.
    assert!(
        late.stdout
            .contains("📬 Delivered anyway: 5 of the 5 messages"),
        "{}",
        late.stdout
    );
    let counts = summary_counts(&late.stdout);
    assert_eq!((counts.confirmed, counts.unconfirmed()), (5, 0));
}

#[test]
fn delivered_anyway_counts_every_timed_out_send() {
    // Four sends to a broker 300 ms away, each waited on for 100 ms, and the first
    // produce request rejected: its message fails after its wait has ended. Only an
    // outcome awaited after the flush can tell the delivered from the failed.
    let args = [
        "--count",
        "4",
        "--broker-rtt",
        "300ms",
        "--timeout",
        "100ms",
        "--inject-errors",
        "1",
    ];
    let run = run_step(STEP, &args);
    assert_eq!(
        run.stdout.matches("⌛ TIMED OUT").count(),
        4,
        "{}",
        run.stdout
    );
    let stored = run.records("humidity");
    let held = stored.len();
    assert!(
        (1..4).contains(&held),
        "one request rejected: {held} stored"
    );
    let line = format!("📬 Delivered anyway: {held} of the 4 messages");
    assert!(run.stdout.contains(&line), "{line}:\n{}", run.stdout);
    let counts = summary_counts(&run.stdout);
    let failed = 4 - held as u64;
    assert_eq!(
        (counts.sent, counts.confirmed, counts.failed),
        (4, held as u64, failed)
    );
    assert_eq!(
        run.stdout.matches("❌ FAILED").count() as u64,
        failed,
        "{}",
        run.stdout
    );
    // The failed reading is exactly the one the broker lacks.
    let missing: Vec<_> = expected_readings(4)
        .into_iter()
        .filter(|r| !stored.iter().any(|s| stored_reading(s) == *r))
        .collect();
    for reading in &missing {
        let failure = format!("❌ FAILED: {} | {}%", reading.sensor_id, reading.humidity);
        assert!(run.stdout.contains(&failure), "{failure}:\n{}", run.stdout);
    }
}

#[test]
fn timed_out_waits_do_not_cancel_the_sends() {
    let run = run_step(STEP, &SLOW_BROKER);
    assert_eq!(run.exit_code, Some(0), "stderr: {}", run.stderr);
    insta::with_settings!({ filters => varying_parts() }, {
        insta::assert_snapshot!("all_timed_out_3", run.stdout);
    });

    assert_eq!(run.stdout.matches("⌛ TIMED OUT").count(), 3);
    assert!(run
        .stdout
        .contains("📬 Delivered anyway: 3 of the 3 messages"));
    let counts = summary_counts(&run.stdout);
    assert_eq!((counts.sent, counts.confirmed, counts.failed), (3, 3, 0));
    assert_broker_holds(run.records("humidity"), &expected_readings(3));
}

#[test]
fn outage_longer_than_the_delivery_timeout_reports_each_loss() {
    run_through_long_outage(STEP, "150", "800ms+3s", "❌ FAILED", confirmations);
}

#[test]
fn fault_flags_refuse_a_real_broker() {
    let run = run_step(STEP, &["--brokers", "127.0.0.1:1", "--inject-errors", "1"]);
    assert_eq!(run.exit_code, Some(1));
    assert_eq!(
        run.stderr.trim(),
        "error: --inject-errors needs the embedded broker, but a real one is named (flag --brokers): drop that to use it"
    );
    assert!(run.stdout.is_empty(), "nothing was started: {}", run.stdout);
}

#[test]
fn a_dropped_future_loses_the_outcome_not_the_message() {
    // Java's future.get(100, ms), translated as timeout(d, future): the future is moved
    // into the wait and dropped when it runs out.
    let run = run_step(STEP, &[&SLOW_BROKER[..], &["--drop-on-timeout"]].concat());
    insta::with_settings!({ filters => varying_parts() }, {
        insta::assert_snapshot!("dropped_3", run.stdout);
    });
    assert_eq!(
        run.stdout.matches("⌛ TIMED OUT").count(),
        3,
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("📭 Lost track of 3 messages"),
        "{}",
        run.stdout
    );
    let counts = summary_counts(&run.stdout);
    assert_eq!(
        (counts.confirmed, counts.unconfirmed()),
        (0, 3),
        "no one learned"
    );
    assert!(run
        .stdout
        .contains("the broker holds 3 messages of this run"));
    // The messages went all the same.
    assert_broker_holds(run.records("humidity"), &expected_readings(3));
    assert_eq!(
        run.exit_code,
        Some(1),
        "unconfirmed messages make a failed run"
    );
}

#[test]
fn a_broker_check_on_a_deleted_start_is_not_made() {
    // About 1.1 MB a reading: over the embedded broker's 5 MiB per partition.
    let args = [
        "--count",
        "12",
        "--oversize-every",
        "1",
        "-X",
        "message.max.bytes=2000000",
    ];
    let run = run_step(STEP, &args);
    assert!(
        run.records("humidity").len() < 12,
        "the broker deleted nothing"
    );
    assert!(
        run.stdout
            .contains("🔍 Broker check: cannot be made: partition "),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("FEWER than confirmed"),
        "{}",
        run.stdout
    );
    assert_eq!(summary_counts(&run.stdout).confirmed, 12);
    assert_eq!(run.exit_code, Some(0), "{}", run.stdout);
}
