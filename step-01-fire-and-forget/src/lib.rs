//! Step 01: fire-and-forget, the fastest send, and the one that never tells you it failed.
//!
//! Run it: `cargo run -p step-01-fire-and-forget -- --count 20`
//!
//! Notice: every line says SENT, none says delivered. `send` only hands the record to
//! librdkafka's queue; nothing in [`send_all`] ever learns whether the broker took it.

pub mod lines;

use common::broker_count::BrokerCount;
use common::lesson::DEFAULT_ASYNC_RATE;
use common::live::Watched;
use common::queue_full::retry_while_queue_full;
use common::tally::Tally;
use common::{CommonArgs, Lesson, Mode, Out, Run, Stop};
use lines::{refused_line, reveal, sent_line};
use rdkafka::producer::ThreadedProducer;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ProducerContext};
use std::process::ExitCode;
use std::sync::Arc;

/// The whole step: banner, sends, flush, summary, and the reveal. Lines go to `out`;
/// `stop` ends the sending early (Ctrl+C, in the binary).
pub async fn run(args: &CommonArgs, stop: &Stop, out: Out) -> anyhow::Result<ExitCode> {
    let lesson = Lesson::start(
        Mode::FireAndForget,
        DEFAULT_ASYNC_RATE,
        args,
        &[],
        stop,
        out,
    )?;
    lesson.announce();
    let Some(sink) = lesson.live_sink() else {
        // ANCHOR: producer
        // A ThreadedProducer polls librdkafka on a background thread. Its default context
        // ignores every delivery report: that is what "fire-and-forget" means.
        //
        // Not a FutureProducer: its `send` is an async fn, and a future that is never
        // awaited never runs, so the message would never even be queued.
        let producer: ThreadedProducer<DefaultProducerContext> =
            lesson.producer_config().create()?;
        // ANCHOR_END: producer
        return run_with(lesson, producer, None).await;
    };
    // --live: the lesson's own context counts the outcomes this step never reads, for
    // the view alone, and hands on librdkafka's statistics.
    let outcomes = Arc::new(Tally::default());
    let watched = Watched {
        sink,
        outcomes: Arc::clone(&outcomes),
    };
    let producer = lesson.producer_config().create_with_context(watched)?;
    run_with(lesson, producer, Some(outcomes)).await
}

async fn run_with<C>(
    mut lesson: Lesson,
    producer: ThreadedProducer<C>,
    instrumented: Option<Arc<Tally>>,
) -> anyhow::Result<ExitCode>
where
    C: ProducerContext<DeliveryOpaque = ()> + 'static,
{
    lesson.check_connection(producer.client())?;
    // Not part of fire-and-forget: the lesson notes where the topic ends, to read this
    // run's records back and reveal the truth later.
    let broker_count = BrokerCount::before(&lesson.producer_config(), lesson.topic())?;
    let view = lesson.watch(instrumented);

    send_all(&producer, lesson.run()).await;

    // ANCHOR: flush
    // Dropping a producer purges its queue: flush first, or queued messages are lost.
    // ANCHOR: exercise-flush-before-exit
    let still_in_flight = lesson.flush(&producer);
    // ANCHOR_END: exercise-flush-before-exit
    drop(producer); // as at exit: whatever was not delivered by now is purged
                    // ANCHOR_END: flush
    drop(view);

    let code = lesson.finish(still_in_flight)?;
    // ANCHOR: reveal
    // Outside the pattern: read back the records that carry this run's tag.
    let sent = lesson.tally().counts().sent;
    let held = broker_count.held_of_run(lesson.tag(), sent)?;
    let deletes = lesson.broker().deletes_old_records();
    lesson.say(|| reveal(held, sent, deletes));
    // ANCHOR_END: reveal
    // A count that cannot be made (the broker deleted the run's start) claims no loss.
    Ok(match held.counted() {
        Some(held) if held != sent => ExitCode::FAILURE,
        _ => code,
    })
}

// ANCHOR: send_loop
/// Sends every reading of `run`, and never looks back. The step's producer ignores
/// every delivery report; `compare` hands in one whose context counts them, which this
/// loop still never reads.
pub async fn send_all<C>(producer: &ThreadedProducer<C>, run: &mut Run)
where
    C: ProducerContext<DeliveryOpaque = ()> + 'static,
{
    let mut payload = Vec::new(); // each reading's JSON, written into one reused buffer
    while let Some(reading) = run.next_reading().await {
        reading.write_json(&mut payload);
        let record = BaseRecord::to(run.topic())
            .key(reading.key())
            .payload(&payload)
            .timestamp(reading.timestamp_millis())
            .headers(run.headers());
        run.tally().record_sent();
        // Only a local refusal (say, a record over message.max.bytes) comes back here; a
        // broker's refusal comes later, to a delivery report nobody reads.
        match retry_while_queue_full(record, |record| producer.send(record)).await {
            Ok(()) => run.say(|| sent_line(&reading)),
            Err((error, _)) => {
                run.tally().record_failed();
                run.say(|| refused_line(&reading, &error));
            }
        }
    }
}
// ANCHOR_END: send_loop
