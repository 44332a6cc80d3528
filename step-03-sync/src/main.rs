//! Step 03: synchronous send: wait for each confirmation before sending the next.
//!
//! Run it: `cargo run -p step-03-sync -- --count 20`
//!
//! Notice how much slower the lines come than in step 02: every send waits a full
//! round trip to the broker. In Rust there is no separate "sync API": awaiting each
//! send before the next one *is* the synchronous mode.

use clap::Parser;
use common::output::{sync_failure, sync_success};
use common::{CommonArgs, Lesson, Mode};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::util::Timeout;
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Step 03: synchronous sends, one confirmation at a time")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Some(mut lesson) = Lesson::start(Mode::Sync, args.common, &[]).await? else {
        return Ok(ExitCode::SUCCESS); // --print-config
    };
    let producer: FutureProducer = lesson.producer_config().create()?;
    lesson.check_connection(producer.client())?;

    // ANCHOR: send_loop
    while let Some(reading) = lesson.next_reading().await {
        let payload = reading.to_json();
        let record = FutureRecord::to(lesson.topic())
            .key(reading.key())
            .payload(&payload)
            .timestamp(reading.timestamp_millis())
            .headers(lesson.run.headers());
        lesson.tally.record_sent();
        // Like Java's `.get()`, nothing else is sent until the broker answers; unlike it,
        // `.await` suspends only this task, not the thread. (Timeout::Never bounds the
        // wait for room in the local queue, not for the broker.)
        match producer.send(record, Timeout::Never).await {
            Ok(delivery) => {
                // ANCHOR: exercise-report-each-confirmation
                lesson.tally.record_confirmed();
                println!(
                    "{}",
                    sync_success(&reading, delivery.partition, delivery.offset)
                );
                // ANCHOR_END: exercise-report-each-confirmation
            }
            // The error comes straight back to the caller, who handles it and carries on.
            Err((error, _message)) => {
                // ANCHOR: exercise-handle-send-error
                lesson.tally.record_failed();
                println!("{}", sync_failure(&reading, &error));
                // ANCHOR_END: exercise-handle-send-error
            }
        }
    }
    // ANCHOR_END: send_loop

    let still_in_flight = lesson.flush(&producer);
    lesson.finish(still_in_flight)
}

#[tokio::main]
async fn main() -> ExitCode {
    common::exit_code(run(Args::parse()).await)
}
