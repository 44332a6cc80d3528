//! Step 04: keep the delivery future, do other work, then wait for it with a timeout.
//!
//! Run it: `cargo run -p step-04-future-timeout -- --count 20`
//! Then:   `cargo run -p step-04-future-timeout -- --count 20 --broker-rtt 300ms`
//!
//! Notice, in the second run: every wait times out, yet the closing lines show the
//! messages were delivered anyway. A timeout ends the *wait*, never the *send*.

mod drop_on_timeout;

use clap::Parser;
use common::broker_count::BrokerCount;
use common::output::{broker_check, cancelled, delivered_anyway, future_failure};
use common::output::{in_time, lost_track, timed_out};
use common::{CommonArgs, Lesson, Mode, SensorReading};
use drop_on_timeout::wait_dropping;
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

    /// Hand the future itself to `timeout`, which drops it when the wait runs out.
    #[arg(long)]
    drop_on_timeout: bool,
}

async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Some(mut lesson) = Lesson::start(Mode::FutureTimeout, args.common, &[]).await? else {
        return Ok(ExitCode::SUCCESS); // --print-config
    };
    let producer: FutureProducer = lesson.producer_config().create()?;
    lesson.check_connection(producer.client())?;
    let broker_count = BrokerCount::before(&lesson.producer_config(), lesson.topic())?;
    let mut timed_out_futures: Vec<(SensorReading, DeliveryFuture)> = Vec::new();
    let mut dropped = 0;

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
        lesson.tally.record_sent();
        let mut delivery = match producer.send_result(record) {
            Ok(delivery) => delivery,
            Err((error, _record)) => {
                lesson.tally.record_failed();
                println!("{}", future_failure(&reading, &error));
                continue;
            }
        };
        // Other work would go here, while the message travels (1 ms stands in for it).
        tokio::time::sleep(Duration::from_millis(1)).await;
        if args.drop_on_timeout {
            dropped += usize::from(wait_dropping(&lesson, &reading, delivery, args.timeout).await);
            continue;
        }
        // Three layers: did the wait time out? was the future cancelled? did it fail?
        // ANCHOR: exercise-wait-with-timeout
        match tokio::time::timeout(args.timeout, &mut delivery).await {
            Err(_elapsed) => {
                println!("{}", timed_out(&reading, args.timeout));
                timed_out_futures.push((reading, delivery));
            }
            Ok(Err(_cancelled)) => println!("{}", cancelled(&reading)),
            Ok(Ok(Err((error, _message)))) => {
                lesson.tally.record_failed();
                println!("{}", future_failure(&reading, &error));
            }
            Ok(Ok(Ok(delivery))) => {
                lesson.tally.record_confirmed();
                println!("{}", in_time(&reading, delivery.partition, delivery.offset));
            }
        }
        // ANCHOR_END: exercise-wait-with-timeout
    }
    // ANCHOR_END: send_loop

    let still_in_flight = lesson.flush(&producer);

    // ANCHOR: delivered_anyway
    // The timed-out futures were never cancelled: after the flush each has its outcome.
    let timed_out_count = timed_out_futures.len();
    let mut delivered_late = 0;
    // ANCHOR: exercise-count-delivered-anyway
    for (reading, delivery) in timed_out_futures {
        match delivery.await {
            Ok(Ok(_)) => {
                lesson.tally.record_confirmed();
                delivered_late += 1;
            }
            Ok(Err((error, _))) => {
                lesson.tally.record_failed();
                println!("{}", future_failure(&reading, &error));
            }
            Err(_cancelled) => {}
        }
    }
    // ANCHOR_END: exercise-count-delivered-anyway
    println!("{}", delivered_anyway(delivered_late, timed_out_count));
    // ANCHOR_END: delivered_anyway

    if args.drop_on_timeout {
        println!("{}", lost_track(dropped));
    }
    let counts = lesson.tally.counts();
    let held = broker_count.held_of_run(&lesson.run, counts.sent)?;
    let deletes = lesson.broker.deletes_old_records();
    println!(
        "{}",
        broker_check(held, counts.confirmed, dropped as u64, counts.sent, deletes)
    );
    lesson.finish(still_in_flight)
}

#[tokio::main]
async fn main() -> ExitCode {
    common::exit_code(run(Args::parse()).await)
}
