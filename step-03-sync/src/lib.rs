//! Step 03: synchronous send: wait for each confirmation before sending the next.
//!
//! Run it: `cargo run -p step-03-sync -- --count 20`
//!
//! Notice how much slower the lines come than in step 02: every send waits a full
//! round trip to the broker. In Rust there is no separate "sync API": awaiting each
//! send before the next one *is* the synchronous mode.

pub mod lines;

use common::live::WatchedClient;
use common::{CommonArgs, Lesson, Mode, Out, Run, Stop};
use lines::{sync_failure, sync_success};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::util::Timeout;
use rdkafka::ClientContext;
use std::process::ExitCode;

/// The whole step: banner, sends, flush and summary. Lines go to `out`; `stop` ends the
/// sending early (Ctrl+C, in the binary). Unpaced unless `--rate` says otherwise.
pub async fn run(args: &CommonArgs, stop: &Stop, out: Out) -> anyhow::Result<ExitCode> {
    let mut lesson = Lesson::start(Mode::Sync, 0, args, &[], stop, out)?;
    lesson.announce();
    // WatchedClient hands librdkafka's statistics to the view (--live), if any.
    let context = WatchedClient(lesson.live_sink());
    let producer: FutureProducer<WatchedClient> =
        lesson.producer_config().create_with_context(context)?;
    lesson.check_connection(producer.client())?;
    let view = lesson.watch(None);
    send_all(&producer, lesson.run()).await;
    let still_in_flight = lesson.flush(&producer);
    drop(view);
    lesson.finish(still_in_flight)
}

// ANCHOR: send_loop
/// Sends every reading of `run`, each only after the one before it was confirmed.
pub async fn send_all<C: ClientContext + 'static>(producer: &FutureProducer<C>, run: &mut Run) {
    let mut payload = Vec::new(); // each reading's JSON, written into one reused buffer
    while let Some(reading) = run.next_reading().await {
        reading.write_json(&mut payload);
        let record = FutureRecord::to(run.topic())
            .key(reading.key())
            .payload(&payload)
            .timestamp(reading.timestamp_millis())
            .headers(run.headers());
        run.tally().record_sent();
        // Like Java's `.get()`, nothing else is sent until the broker answers; unlike it,
        // `.await` suspends only this task, not the thread. (Timeout::Never bounds the
        // wait for room in the local queue, not for the broker.)
        match producer.send(record, Timeout::Never).await {
            Ok(delivery) => {
                // ANCHOR: exercise-report-each-confirmation
                run.tally().record_confirmed();
                run.say(|| sync_success(&reading, delivery.partition, delivery.offset));
                // ANCHOR_END: exercise-report-each-confirmation
            }
            // The error comes straight back to the caller, who handles it and carries on.
            Err((error, _message)) => {
                // ANCHOR: exercise-handle-send-error
                run.tally().record_failed();
                run.say(|| sync_failure(&reading, &error));
                // ANCHOR_END: exercise-handle-send-error
            }
        }
    }
}
// ANCHOR_END: send_loop
