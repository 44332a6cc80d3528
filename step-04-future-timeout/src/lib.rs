//! Step 04: keep the delivery future, do other work, then wait for it with a timeout.
//!
//! Run it: `cargo run -p step-04-future-timeout -- --count 20`
//! Then:   `cargo run -p step-04-future-timeout -- --count 20 --broker-rtt 300ms`
//!
//! Notice, in the second run: every wait times out, yet the closing lines show the
//! messages were delivered anyway. A timeout ends the *wait*, never the *send*.
//! With `--in-flight 1000` the step keeps a window of futures and waits on the oldest:
//! sends no longer wait for round trips.

mod drop_on_timeout;
pub mod lines;

use common::broker_count::BrokerCount;
use common::lesson::DEFAULT_ASYNC_RATE;
use common::live::WatchedClient;
use common::{CommonArgs, Lesson, Mode, Out, Run, SensorReading, Stop};
use drop_on_timeout::wait_dropping;
use lines::timed_out;
use lines::{broker_check, cancelled, delivered_anyway, future_failure, in_time, lost_track};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord, Producer};
use rdkafka::ClientContext;
use std::collections::VecDeque;
use std::process::ExitCode;
use std::time::Duration;

/// The step's flags: the common ones, and how it waits.
#[derive(Debug, clap::Parser)]
#[command(about = "Step 04: wait on each delivery future with a timeout")]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub waits: Waits,
}

/// How step 04 waits on its delivery futures.
#[derive(Debug, Clone, clap::Args)]
pub struct Waits {
    /// How long to wait on each delivery future (Java's `future.get(100, MILLISECONDS)`).
    #[arg(long, default_value = "100ms", value_parser = common::args::parse_duration)]
    pub timeout: Duration,

    /// Hand the future itself to `timeout`, which drops it when the wait runs out.
    #[arg(long)]
    pub drop_on_timeout: bool,

    /// Keep up to N futures before waiting on the oldest. 1, the slide's pattern, waits
    /// on each right after its send; more keeps sending while earlier sends travel.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub in_flight: u32,

    /// The other work done between a send and its wait (a stand-in for the application's).
    #[arg(long, default_value = "1ms", value_parser = common::args::parse_duration)]
    pub other_work: Duration,
}

/// What the send loop leaves to the end of the run.
#[derive(Default)]
pub struct Pending {
    /// Futures whose wait timed out, kept: each still gets its outcome.
    pub timed_out: Vec<(SensorReading, DeliveryFuture)>,
    /// Futures dropped when their wait ran out (`--drop-on-timeout`).
    pub dropped: usize,
}

/// The whole step: banner, sends and waits, flush, the late outcomes, the broker check
/// and the summary. Lines go to `out`; `stop` ends the sending early.
pub async fn run(args: &Args, stop: &Stop, out: Out) -> anyhow::Result<ExitCode> {
    let mut lesson = Lesson::start(
        Mode::FutureTimeout,
        DEFAULT_ASYNC_RATE,
        &args.common,
        &[],
        stop,
        out,
    )?;
    lesson.announce();
    // WatchedClient hands librdkafka's statistics to the view (--live), if any.
    let context = WatchedClient(lesson.live_sink());
    let producer: FutureProducer<WatchedClient> =
        lesson.producer_config().create_with_context(context)?;
    lesson.check_connection(producer.client())?;
    let broker_count = BrokerCount::before(&lesson.producer_config(), lesson.topic())?;

    let view = lesson.watch(None);
    let pending = send_all(&producer, lesson.run(), &args.waits).await;
    let still_in_flight = lesson.flush(&producer);
    drop(view);
    let timed_out_count = pending.timed_out.len();
    let delivered_late = settle_timed_out(lesson.run(), pending.timed_out).await;
    lesson.say(|| delivered_anyway(delivered_late, timed_out_count));

    if args.waits.drop_on_timeout {
        lesson.say(|| lost_track(pending.dropped));
    }
    let counts = lesson.tally().counts();
    let held = broker_count.held_of_run(lesson.tag(), counts.sent)?;
    let deletes = lesson.broker().deletes_old_records();
    let dropped = pending.dropped as u64;
    lesson.say(|| broker_check(held, counts.confirmed, dropped, counts.sent, deletes));
    lesson.finish(still_in_flight)
}

// ANCHOR: send_loop
/// Sends every reading of `run`, keeping each delivery future, and waits on the oldest
/// once `--in-flight` of them are out.
pub async fn send_all<C: ClientContext + 'static>(
    producer: &FutureProducer<C>,
    run: &mut Run,
    waits: &Waits,
) -> Pending {
    let mut pending = Pending::default();
    let mut in_flight: VecDeque<(SensorReading, DeliveryFuture)> = VecDeque::new();
    let mut payload = Vec::new(); // each reading's JSON, written into one reused buffer
    while let Some(reading) = run.next_reading().await {
        reading.write_json(&mut payload);
        let record = FutureRecord::to(run.topic())
            .key(reading.key())
            .payload(&payload)
            .timestamp(reading.timestamp_millis())
            .headers(run.headers());
        // send_result queues the message now and hands back its future. (A plain
        // `send(..)` is an async fn: it queues nothing until it is awaited.)
        run.tally().record_sent();
        match producer.send_result(record) {
            Ok(delivery) => in_flight.push_back((reading, delivery)),
            Err((error, _record)) => {
                run.tally().record_failed();
                run.say(|| future_failure(&reading, &error));
                continue;
            }
        }
        // Other work would go here, while the message travels (--other-work stands in).
        if !waits.other_work.is_zero() {
            tokio::time::sleep(waits.other_work).await;
        }
        while in_flight.len() >= waits.in_flight as usize {
            let (reading, delivery) = in_flight.pop_front().expect("the window is full");
            wait_for(run, waits, reading, delivery, &mut pending).await;
        }
    }
    for (reading, delivery) in in_flight {
        wait_for(run, waits, reading, delivery, &mut pending).await;
    }
    pending
}

/// Waits up to `--timeout` for one send's outcome, and says how the wait ended.
async fn wait_for(
    run: &Run,
    waits: &Waits,
    reading: SensorReading,
    mut delivery: DeliveryFuture,
    pending: &mut Pending,
) {
    if waits.drop_on_timeout {
        let dropped = wait_dropping(run, &reading, delivery, waits.timeout).await;
        pending.dropped += usize::from(dropped);
        return;
    }
    // Three layers: did the wait time out? was the future cancelled? did it fail?
    // ANCHOR: exercise-wait-with-timeout
    match tokio::time::timeout(waits.timeout, &mut delivery).await {
        Err(_elapsed) => {
            run.say(|| timed_out(&reading, waits.timeout));
            pending.timed_out.push((reading, delivery));
        }
        Ok(Err(_cancelled)) => run.say(|| cancelled(&reading)),
        Ok(Ok(Err((error, _message)))) => {
            run.tally().record_failed();
            run.say(|| future_failure(&reading, &error));
        }
        Ok(Ok(Ok(delivery))) => {
            run.tally().record_confirmed();
            run.say(|| in_time(&reading, delivery.partition, delivery.offset));
        }
    }
    // ANCHOR_END: exercise-wait-with-timeout
}
// ANCHOR_END: send_loop

// ANCHOR: delivered_anyway
/// After the flush, every timed-out future has its outcome: they were never cancelled.
/// Returns how many were delivered.
pub async fn settle_timed_out(run: &Run, timed_out: Vec<(SensorReading, DeliveryFuture)>) -> usize {
    let mut delivered_late = 0;
    // ANCHOR: exercise-count-delivered-anyway
    for (reading, delivery) in timed_out {
        match delivery.await {
            Ok(Ok(_)) => {
                run.tally().record_confirmed();
                delivered_late += 1;
            }
            Ok(Err((error, _))) => {
                run.tally().record_failed();
                run.say(|| future_failure(&reading, &error));
            }
            Err(_cancelled) => {}
        }
    }
    // ANCHOR_END: exercise-count-delivered-anyway
    delivered_late
}
// ANCHOR_END: delivered_anyway
