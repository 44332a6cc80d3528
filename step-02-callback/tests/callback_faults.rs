//! The slide's callback use cases, checked against what the broker holds.

use common::testing::StepRun;
use common::testing::{
    assert_broker_holds, assert_reports_match_broker, expected_readings, number_after, run_step,
    run_step_interrupted, run_through_long_outage, run_with_retriable_errors, stored_reading,
    summary_counts,
};
use std::collections::BTreeMap;
use std::time::Duration;
// The step's line formats, read from its source: this harness decides the verdict, so
// it never links the step's library, where a learner's answers live.
#[path = "../src/lines.rs"]
#[allow(dead_code)]
mod lines;
use lines::confirmations;

const STEP: &str = env!("CARGO_BIN_EXE_step-02-callback");

/// 60 readings, unpaced, with the first 2 produce requests rejected: some whole
/// batches fail. Returns the run and the offsets file it wrote.
fn run_with_rejections() -> (StepRun, tempfile::NamedTempFile) {
    let offsets_file = tempfile::NamedTempFile::new().unwrap();
    let offsets_path = offsets_file.path().to_str().unwrap().to_owned();
    let args = [
        "--count",
        "60",
        "--rate",
        "0",
        "--inject-errors",
        "2",
        "--offsets-file",
        &offsets_path,
    ];
    let run = run_step(STEP, &args);
    assert!(
        run.records("humidity").len() < 60,
        "some were rejected: {}",
        run.stdout
    );
    (run, offsets_file)
}

/// The readings the broker does not hold: the ones that failed.
fn failed_readings(run: &StepRun) -> Vec<common::SensorReading> {
    let stored = run.records("humidity");
    expected_readings(60)
        .into_iter()
        .filter(|reading| !stored.iter().any(|r| stored_reading(r) == *reading))
        .collect()
}

#[test]
fn callback_lines_report_each_outcome() {
    let (run, _) = run_with_rejections();
    let stored = run.records("humidity");
    let reported = confirmations(&run.stdout);
    assert_eq!(
        reported.len(),
        stored.len(),
        "one SUCCESS per stored record"
    );
    assert_reports_match_broker(&reported, stored);
    let failed = failed_readings(&run);
    assert_eq!(run.stdout.matches("❌ FAILED").count(), failed.len());
    for reading in &failed {
        let line = format!(
            "❌ FAILED: {} | {} | {}% — ",
            reading.sensor_id, reading.location, reading.humidity
        );
        assert!(run.stdout.contains(&line), "missing: {line}");
    }
}

#[test]
fn failures_are_counted_in_total_and_by_kind() {
    let (run, offsets_file) = run_with_rejections();
    let counts = summary_counts(&run.stdout);
    let stored = run.records("humidity");
    let failed = failed_readings(&run).len() as u64;
    assert_eq!(
        (counts.sent, counts.confirmed, counts.failed),
        (60, stored.len() as u64, failed)
    );
    assert_eq!(number_after(&run.stdout, "succeeded"), stored.len() as u64);
    assert_eq!(number_after(&run.stdout, "InvalidRecord:"), failed);
    assert_eq!(run.exit_code, Some(1), "failures make a failed run");

    // The offsets file holds each partition's last offset.
    let written: BTreeMap<String, BTreeMap<String, i64>> =
        serde_json::from_str(&std::fs::read_to_string(offsets_file.path()).unwrap()).unwrap();
    let mut last: BTreeMap<String, i64> = BTreeMap::new();
    for record in stored {
        last.insert(record.partition.to_string(), record.offset);
    }
    assert_eq!(written["humidity"], last);
}

#[test]
fn failed_records_go_to_the_dead_letter_topic() {
    let (run, _) = run_with_rejections();
    let dead_letters = run.records("humidity-dlq");
    // Exactly the failed records: same keys, same bodies, with why they failed.
    assert_broker_holds(dead_letters, &failed_readings(&run));
    for record in dead_letters {
        assert_eq!(record.headers["original-topic"], "humidity");
        assert!(
            record.headers["error"].contains("InvalidRecord"),
            "{record:?}"
        );
    }
    let sent_to_dlq = number_after(&run.stdout, "humidity-dlq:");
    assert_eq!(sent_to_dlq, dead_letters.len() as u64);
}

#[test]
fn retriable_errors_end_with_no_loss_and_no_duplicate() {
    // The fault fires: librdkafka retries each of the 3 rejected requests.
    let run = run_with_retriable_errors(STEP, &["--count", "60", "--rate", "0"], 3);
    assert_eq!(run.exit_code, Some(0), "{}", run.stdout);
    assert_broker_holds(run.records("humidity"), &expected_readings(60));
    assert!(run.records("humidity-dlq").is_empty());
}

#[test]
fn outage_longer_than_the_delivery_timeout_fails_every_lost_message_visibly() {
    let (run, counts) = run_through_long_outage(STEP, "2500", "1s+3s", "❌ FAILED", confirmations);
    // The DLQ lives on the same brokers, so its sends may time out too: each one is
    // accounted for, and the DLQ topic holds exactly the confirmed ones.
    assert_eq!(
        number_after(&run.stdout, "humidity-dlq:"),
        counts.failed,
        "all failures routed"
    );
    let dlq_confirmed = number_after(&run.stdout, "records sent,");
    let dlq_failed = number_after(&run.stdout, "confirmed,");
    assert_eq!(dlq_confirmed + dlq_failed, counts.failed);
    assert_eq!(run.records("humidity-dlq").len() as u64, dlq_confirmed);
}

/// Sends `signal` to a default run after 1.5 s: it must stop, flush and add up.
fn assert_stops_and_flushes_on(signal: &str) {
    let (stdout, code) = run_step_interrupted(STEP, &[], signal, Duration::from_millis(1500), None);
    assert!(stdout.contains("🛑 Stopping"), "{stdout}");
    let counts = summary_counts(&stdout);
    assert!(
        counts.sent > 0 && counts.sent < 20_000,
        "stopped early: {counts:?}"
    );
    assert_eq!(counts.confirmed, counts.sent, "flushed: {counts:?}");
    assert_eq!(confirmations(&stdout).len() as u64, counts.confirmed);
    assert_eq!(code, Some(0));
}

#[test]
fn ctrl_c_stops_flushes_and_the_summary_adds_up() {
    assert_stops_and_flushes_on("INT");
}

#[test]
fn sigterm_stops_and_flushes_like_ctrl_c() {
    assert_stops_and_flushes_on("TERM");
}

#[test]
fn second_ctrl_c_exits_at_once_and_counts_the_unconfirmed() {
    // The brokers are down from 1 s on, so the flush after the first Ctrl+C would wait.
    let args = ["--outage", "1s+60s"];
    let (stdout, code) = run_step_interrupted(
        STEP,
        &args,
        "INT",
        Duration::from_millis(2000),
        Some(Duration::from_millis(500)),
    );
    assert!(stdout.contains("Second stop signal"), "{stdout}");
    let counts = summary_counts(&stdout);
    assert!(counts.unconfirmed() > 0, "{counts:?}");
    assert_eq!(code, Some(130));
}

#[test]
fn a_local_refusal_is_counted_by_kind_and_logged_but_not_dead_lettered() {
    // Every third reading is over message.max.bytes: `send` refuses it, the callback
    // never sees it.
    let run = run_step(
        STEP,
        &["--count", "9", "--rate", "0", "--oversize-every", "3"],
    );
    let refused: Vec<common::SensorReading> = expected_readings(9)
        .into_iter()
        .skip(2)
        .step_by(3)
        .collect();
    let stored = run.records("humidity");
    assert_eq!(stored.len(), 6, "the broker holds the others");
    assert!(stored.iter().all(|r| stored_reading(r).padding.is_empty()));
    for reading in &refused {
        let logged = format!("send refused key={} ", reading.sensor_id);
        assert!(run.stderr.contains(&logged), "{logged}: {}", run.stderr);
    }
    assert_eq!(
        run.stderr.matches("send refused").count(),
        3,
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("failed 3 (MessageSizeTooLarge: 3)"),
        "{}",
        run.stdout
    );
    assert!(run.records("humidity-dlq").is_empty());
    assert_eq!(summary_counts(&run.stdout).failed, 3);
    assert_eq!(run.exit_code, Some(1));
}
