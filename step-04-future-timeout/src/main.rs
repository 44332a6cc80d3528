//! Step 04: keep the delivery future, do other work, then wait for it with a timeout.
//!
//! Run it: `cargo run -p step-04-future-timeout -- --count 20`
//! Then:   `cargo run -p step-04-future-timeout -- --count 20 --broker-rtt 300ms`
//!
//! Notice, in the second run: every wait times out, yet the closing lines show the
//! messages were delivered anyway. A timeout ends the *wait*, never the *send*.

use clap::Parser;
use common::broker_count::BrokerCount;
use common::output::{future_failure, in_time, timed_out};
use common::{CommonArgs, Lesson, Mode, SensorReading};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord, Producer};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(about = "Step 04: wait on each delivery future with a timeout")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,

    /// How long to wait on each delivery future (Java's `future.get(100, MILLISECONDS)`).
    #[arg(long, default_value = "100ms", value_parser = common::args::parse_duration)]
    timeout: Duration,
}

/// Stands in for the work an application does between sending and checking.
async fn other_work() {
    tokio::time::sleep(Duration::from_millis(1)).await;
}

async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut lesson = Lesson::start(Mode::FutureTimeout, args.common, &[]).await?;
    let producer: FutureProducer = lesson.producer_config().create()?;
    lesson.check_connection(producer.client())?;
    let broker_count = BrokerCount::before(&lesson.producer_config(), lesson.topic())?;
    let mut timed_out_futures: Vec<(SensorReading, DeliveryFuture)> = Vec::new();

    // ANCHOR: send_loop
    while let Some(reading) = lesson.next_reading().await {
        let payload = reading.to_json();
        let record = FutureRecord::to(lesson.topic())
            .key(reading.key())
            .payload(&payload)
            .timestamp(reading.timestamp_millis())
            .headers(lesson.run.headers());
        // send_result queues the message now and hands back its future. (A plain
        // `send(..)` is an async fn: it queues nothing until it is awaited.)
        let mut delivery = match producer.send_result(record) {
            Ok(delivery) => delivery,
            Err((error, _record)) => {
                lesson.tally.record_sent();
                lesson.tally.record_failed();
                println!("{}", future_failure(&reading, &error));
                continue;
            }
        };
        lesson.tally.record_sent();
        other_work().await;

        // Three layers: did the wait time out? was the future cancelled? did it fail?
        // EXERCISE: wait-with-timeout
        match tokio::time::timeout(args.timeout, &mut delivery).await {
            Err(_elapsed) => {
                println!("{}", timed_out(&reading, args.timeout));
                timed_out_futures.push((reading, delivery));
            }
            Ok(Err(_cancelled)) => println!(
                "❔ CANCELLED: {} — the producer went away; outcome unknown",
                reading.sensor_id
            ),
            Ok(Ok(Err((error, _message)))) => {
                lesson.tally.record_failed();
                println!("{}", future_failure(&reading, &error));
            }
            Ok(Ok(Ok(delivery))) => {
                lesson.tally.record_confirmed();
                println!("{}", in_time(&reading, delivery.partition, delivery.offset));
            }
        }
        // END EXERCISE
    }
    // ANCHOR_END: send_loop

    let still_in_flight = lesson.flush(&producer);

    // ANCHOR: delivered_anyway
    // The timed-out futures were never cancelled: after the flush each has its outcome.
    let timed_out_count = timed_out_futures.len();
    let mut delivered_anyway = 0;
    // EXERCISE: count-delivered-anyway
    for (reading, delivery) in timed_out_futures {
        match delivery.await {
            Ok(Ok(_)) => {
                lesson.tally.record_confirmed();
                delivered_anyway += 1;
            }
            Ok(Err((error, _))) => {
                lesson.tally.record_failed();
                println!("{}", future_failure(&reading, &error));
            }
            Err(_cancelled) => {}
        }
    }
    // END EXERCISE
    println!("📬 Delivered anyway: {delivered_anyway} of the {timed_out_count} messages whose wait timed out");
    // ANCHOR_END: delivered_anyway

    let counts = lesson.tally.counts();
    let confirmed = counts.confirmed;
    let held = broker_count.held_of_run(&lesson.run, counts.sent)?;
    let verdict = match held.cmp(&confirmed) {
        std::cmp::Ordering::Equal => "matches the confirmed count".to_owned(),
        std::cmp::Ordering::Greater => format!(
            "is {} more than confirmed: a send reported failed can still land when only its reply was lost",
            held - confirmed
        ),
        std::cmp::Ordering::Less => "is FEWER than confirmed: confirmed messages are missing".to_owned(),
    };
    println!("🔍 Broker check: the broker holds {held} messages of this run, which {verdict} ({confirmed})");
    lesson.finish(still_in_flight)
}

#[tokio::main]
async fn main() -> ExitCode {
    common::exit_code(run(Args::parse()).await)
}
