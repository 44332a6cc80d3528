//! Ctrl+C without a signal: the step's library runs in this test's process, and the test
//! pulls the stop switch that the binary's signal watcher would pull. (The signal itself
//! is tested on the binary, in `callback_faults.rs`.)

use clap::Parser;
use common::readback::StoredRecord;
use common::testing::{summary_counts, TEST_CLOCK, TEST_SEED};
use common::{Out, Stop};
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use step_02_callback::lines::confirmations;
use step_02_callback::CallbackArgs;

#[tokio::test(flavor = "multi_thread")]
async fn a_stop_passed_in_ends_the_sending_then_flushes_and_reports_everything() {
    let dump = tempfile::NamedTempFile::new().unwrap();
    let (seed, clock) = (TEST_SEED.to_string(), TEST_CLOCK.to_string());
    let args = CallbackArgs::parse_from([
        "step-02-callback",
        "--duration",
        "60s",
        "--rate",
        "200",
        // Long enough that about 60 records are in flight when the stop comes: only
        // the flush gets them confirmed.
        "--broker-rtt",
        "300ms",
        "--seed",
        &seed,
        "--fixed-clock",
        &clock,
        "--dump-topics",
        dump.path().to_str().unwrap(),
    ]);
    let stop = Stop::new();
    let (out, lines) = Out::collect();
    // Stop once the run is under way (its first confirmation is out), however long
    // starting took: a stop before the first send would test nothing.
    let stopper = {
        let (stop, lines) = (stop.clone(), Arc::clone(&lines));
        tokio::spawn(async move {
            let under_way = || {
                lines
                    .lock()
                    .unwrap()
                    .iter()
                    .any(|l| l.starts_with("✅ SUCCESS"))
            };
            let waited = Instant::now();
            while !under_way() && waited.elapsed() < Duration::from_secs(30) {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
            stop.stop();
        })
    };
    let started = Instant::now();
    let code = step_02_callback::run(&args, &stop, out).await.unwrap();
    stopper.await.unwrap();
    // Far short of the 60 s it was told to send for (a 300 ms round trip makes the
    // start and the flush slow): the stop ended it.
    assert!(
        started.elapsed() < Duration::from_secs(45),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(code, ExitCode::SUCCESS);

    let text = lines.lock().unwrap().join("\n");
    let counts = summary_counts(&text);
    assert!(counts.sent > 0 && counts.sent < 60 * 200, "{text}");
    assert_eq!(
        (counts.confirmed, counts.failed),
        (counts.sent, 0),
        "{text}"
    );
    let reported = confirmations(&text);
    assert_eq!(reported.len() as u64, counts.sent, "one SUCCESS per send");

    // The broker holds exactly what was reported: the flush lost nothing.
    let dumped: BTreeMap<String, Vec<StoredRecord>> =
        serde_json::from_str(&std::fs::read_to_string(dump.path()).unwrap()).unwrap();
    let stored = &dumped["humidity"];
    assert_eq!(stored.len() as u64, counts.sent);
    common::testing::assert_reports_match_broker(&reported, stored);
}
