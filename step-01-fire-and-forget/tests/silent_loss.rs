//! The reveal: what fire-and-forget lost, counted from the broker itself.

use common::testing::{expected_readings, number_after, run_step, stored_reading};

const STEP: &str = env!("CARGO_BIN_EXE_step-01-fire-and-forget");

#[test]
fn reveal_counts_exactly_what_the_broker_lacks() {
    // Unpaced, so a rejected request takes a whole batch of readings with it.
    let run = run_step(
        STEP,
        &["--count", "60", "--rate", "0", "--inject-errors", "1"],
    );
    let stored = run.records("humidity");
    let held = number_after(&run.stdout, "the broker holds");
    let sent = number_after(&run.stdout, "of the");
    let lost = number_after(&run.stdout, "messages sent:");

    assert_eq!(sent, 60);
    assert_eq!(held, stored.len() as u64, "reveal = read-back count");
    assert_eq!(lost, sent - held);
    assert!(lost > 0, "an injected error loses at least one reading");
    assert_eq!(
        run.stdout.matches("📤 SENT:").count(),
        60,
        "every send still looked fine"
    );
    assert_eq!(run.exit_code, Some(1), "a loss is a failed run");
    // What did arrive is intact: every stored record is one of the readings sent.
    let sent_readings = expected_readings(60);
    for record in stored {
        assert!(sent_readings.contains(&stored_reading(record)));
    }
}

#[test]
fn reveal_with_nothing_lost() {
    let run = run_step(STEP, &["--count", "10"]);
    assert!(run
        .stdout
        .contains("the broker holds 10 of the 10 messages sent: 0 failed"));
    assert_eq!(run.exit_code, Some(0));
}

#[test]
fn a_local_refusal_counts_as_a_failure() {
    // Every third reading is over message.max.bytes: librdkafka refuses it in `send`.
    let run = run_step(STEP, &["--count", "9", "--oversize-every", "3"]);
    assert_eq!(
        run.stdout.matches("refused locally").count(),
        3,
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("the broker holds 6 of the 9 messages sent: 3 failed"),
        "{}",
        run.stdout
    );
    assert_eq!(run.records("humidity").len(), 6);
    assert_eq!(run.exit_code, Some(1), "a refusal is a failed run");
}

#[test]
fn the_reveal_still_runs_when_messages_outlive_the_flush() {
    // The brokers go down 0.5 s in, for 3 s; the flush gives up after 1 s. What is still
    // in flight then is purged, and that is exactly when the reveal matters.
    let args = [
        "--count",
        "100",
        "--rate",
        "100",
        "--outage",
        "500ms+3s",
        "--flush-timeout",
        "1s",
    ];
    let run = run_step(STEP, &args);
    assert!(
        run.stdout.contains("still in flight after --flush-timeout"),
        "{}",
        run.stdout
    );
    let held = number_after(&run.stdout, "the broker holds");
    assert_eq!(held, run.records("humidity").len() as u64, "{}", run.stdout);
    assert!(held < 100, "{}", run.stdout);
    assert_eq!(run.exit_code, Some(1));
}

/// Twelve readings of about 1.1 MB each (allowed by a larger `message.max.bytes`): over
/// 5 MiB per partition, so the embedded broker deletes each partition's oldest records.
const OUTGROW_THE_EMBEDDED_BROKER: [&str; 8] = [
    "--count",
    "12",
    "--rate",
    "0",
    "--oversize-every",
    "1",
    "-X",
    "message.max.bytes=2000000",
];

#[test]
fn a_run_whose_start_the_broker_deleted_claims_no_loss() {
    let run = run_step(STEP, &OUTGROW_THE_EMBEDDED_BROKER);
    // The deletion is real: the broker holds fewer than were sent, and a partition's
    // first offset is past 0, where this run began on a fresh broker.
    let stored = run.records("humidity");
    assert!(stored.len() < 12, "{} stored", stored.len());
    let deleted_from = stored.iter().map(|r| r.offset).min().unwrap();
    assert!(deleted_from > 0, "the broker deleted nothing");
    assert!(
        run.stdout
            .contains("the lesson cannot check this run: partition "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "deletes the oldest; this run sent 12 messages). No message is counted as lost."
        ),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("never told you"), "{}", run.stdout);
    assert_eq!(run.exit_code, Some(0), "nothing was lost: {}", run.stdout);
}
