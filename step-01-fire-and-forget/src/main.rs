//! Step 01: fire-and-forget, the fastest send, and the one that never tells you it failed.
//!
//! Run it: `cargo run -p step-01-fire-and-forget -- --count 20`
//!
//! Notice: every line says SENT, none says delivered. `send` only hands the record to
//! librdkafka's queue; nothing in this file ever learns whether the broker took it.

use clap::Parser;
use common::broker_count::BrokerCount;
use common::output::{refused_line, reveal, sent_line};
use common::queue_full::send_waiting_for_room;
use common::{CommonArgs, Lesson, Mode};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Step 01: fire-and-forget sends")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Some(mut lesson) = Lesson::start(Mode::FireAndForget, args.common, &[]).await? else {
        return Ok(ExitCode::SUCCESS); // --print-config
    };
    // ANCHOR: producer
    // A ThreadedProducer polls librdkafka on a background thread. Its default context
    // ignores every delivery report: that is what "fire-and-forget" means.
    //
    // Not a FutureProducer: its `send` is an async fn, and a future that is never
    // awaited never runs, so the message would never even be queued.
    let producer: ThreadedProducer<DefaultProducerContext> = lesson.producer_config().create()?;
    // ANCHOR_END: producer
    lesson.check_connection(producer.client())?;
    // Not part of fire-and-forget: the lesson notes where the topic ends, to read this
    // run's records back and reveal the truth later.
    let broker_count = BrokerCount::before(&lesson.producer_config(), lesson.topic())?;

    // ANCHOR: send_loop
    while let Some(reading) = lesson.next_reading().await {
        let payload = reading.to_json();
        let record = BaseRecord::to(lesson.topic())
            .key(reading.key())
            .payload(&payload)
            .timestamp(reading.timestamp_millis())
            .headers(lesson.run.headers());
        lesson.tally.record_sent();
        // Only a local refusal (say, a record over message.max.bytes) comes back here; a
        // broker's refusal comes later, to a delivery report nobody reads.
        match send_waiting_for_room(&producer, record).await {
            Ok(()) => println!("{}", sent_line(&reading)),
            Err((error, _)) => {
                lesson.tally.record_failed();
                println!("{}", refused_line(&reading, &error));
            }
        }
    }
    // ANCHOR_END: send_loop

    // ANCHOR: flush
    // Dropping a producer purges its queue: flush first, or queued messages are lost.
    // ANCHOR: exercise-flush-before-exit
    let still_in_flight = lesson.flush(&producer);
    // ANCHOR_END: exercise-flush-before-exit
    drop(producer); // as at exit: whatever was not delivered by now is purged
                    // ANCHOR_END: flush

    let code = lesson.finish(still_in_flight)?;
    // ANCHOR: reveal
    // Outside the pattern: read back the records that carry this run's tag.
    let sent = lesson.tally.counts().sent;
    let held = broker_count.held_of_run(&lesson.run, sent)?;
    println!(
        "{}",
        reveal(held, sent, lesson.broker.deletes_old_records())
    );
    // ANCHOR_END: reveal
    // A count that cannot be made (the broker deleted the run's start) claims no loss.
    Ok(match held.counted() {
        Some(held) if held != sent => ExitCode::FAILURE,
        _ => code,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    common::exit_code(run(Args::parse()).await)
}
