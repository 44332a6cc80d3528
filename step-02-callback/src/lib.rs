//! Step 02: async send with a delivery callback, the production standard.
//!
//! Run it: `cargo run -p step-02-callback -- --count 20` (faults: add `--inject-errors 2`;
//! also `--bin dont-block`, a slow callback, and `--bin production`, logs not prints)
//!
//! Notice: sends never wait, yet every message gets its partition, offset and timestamp,
//! or its error. The callback ([`callback`]) only counts and prints, and hands slow work
//! to a worker ([`side_work`]).

pub mod callback;
pub mod lines;
pub mod metrics;
pub mod production;
pub mod side_work;
pub mod slow_callback;

use callback::DeliveryReporter;
use common::lesson::DEFAULT_ASYNC_RATE;
use common::queue_full::retry_while_queue_full;
use common::{Lesson, Mode, Out, Run, SensorReading, Stop};
use lines::{callback_failure, PLACEHOLDER_TIME_NOTE};
use metrics::Metrics;
use rdkafka::producer::{BaseRecord, Producer, ThreadedProducer};
use side_work::SideWorker;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// The dead-letter topic's default name.
pub const DEFAULT_DLQ_TOPIC: &str = "humidity-dlq";

/// The flags of the callback's use cases (step 02's own, beside the common ones).
#[derive(Debug, Clone, clap::Args)]
pub struct UseCaseArgs {
    /// Topic that receives every record that failed, with the error in a header.
    #[arg(long, default_value = DEFAULT_DLQ_TOPIC)]
    pub dlq_topic: String,

    /// Write the last confirmed offset of each partition to this JSON file.
    #[arg(long, value_name = "FILE")]
    pub offsets_file: Option<PathBuf>,
}

/// The callback step's flags: the common ones, and its use cases'.
#[derive(Debug, clap::Parser)]
#[command(about = "Step 02: async sends with a delivery callback")]
pub struct CallbackArgs {
    #[command(flatten)]
    pub common: common::CommonArgs,
    #[command(flatten)]
    pub use_cases: UseCaseArgs,
}

/// The whole step: banner, sends, flush, summary, and the use cases' report. Lines go to
/// `out`; `stop` ends the sending early (Ctrl+C, in the binary).
pub async fn run(args: &CallbackArgs, stop: &Stop, out: Out) -> anyhow::Result<ExitCode> {
    let dlq_topic = args.use_cases.dlq_topic.as_str();
    let mut lesson = Lesson::start(
        Mode::Callback,
        DEFAULT_ASYNC_RATE,
        &args.common,
        &[dlq_topic],
        stop,
        out,
    )?;
    lesson.announce();
    let worker = SideWorker::for_lesson(&lesson, &args.use_cases)?;
    let metrics = Arc::new(Metrics::default());
    let placeholder_time = lesson.broker().log_append_time_is_placeholder();
    let live = lesson.live_sink();
    let reporter = DeliveryReporter::new(
        lesson.run(),
        &metrics,
        worker.jobs.clone(),
        placeholder_time,
        live,
    );
    let producer: ThreadedProducer<DeliveryReporter> =
        lesson.producer_config().create_with_context(reporter)?;
    lesson.check_connection(producer.client())?;
    if placeholder_time {
        lesson.run().say(|| format!("{PLACEHOLDER_TIME_NOTE}\n")); // not under --live
    }
    let view = lesson.watch(None);
    send_all(&producer, lesson.run(), &metrics).await;
    let still_in_flight = lesson.flush(&producer);
    drop(view);
    let side_work = worker.finish(metrics.last_offsets()).await?;
    let code = lesson.finish(still_in_flight)?;
    let use_cases = &args.use_cases;
    let counts = lesson.tally().counts();
    let report = metrics.report(
        counts,
        &side_work,
        dlq_topic,
        use_cases.offsets_file.as_deref(),
    );
    lesson.say(|| report);
    Ok(metrics::exit_code(code, &side_work))
}

// ANCHOR: send_loop
/// Sends every reading of `run` without waiting: each outcome comes to the callback.
pub async fn send_all(
    producer: &ThreadedProducer<DeliveryReporter>,
    run: &mut Run,
    metrics: &Metrics,
) {
    let mut payload = Vec::new(); // each reading's JSON, written into one reused buffer
    while let Some(reading) = run.next_reading().await {
        reading.write_json(&mut payload);
        // The reading moves into the record (its opaque): keep its key and time aside.
        let key = reading.sensor_id.clone();
        let timestamp = reading.timestamp_millis();
        let record = BaseRecord::with_opaque_to(run.topic(), Box::new(reading))
            .key(key.as_ref())
            .payload(&payload)
            .timestamp(timestamp)
            .headers(run.headers());
        run.tally().record_sent();
        // A local refusal (say, a record over message.max.bytes) never reaches the
        // callback: count, log and print it here. No dead letter: it never left, and a
        // record too big for the topic is too big for the dead-letter topic too.
        let sent = retry_while_queue_full(record, |record| producer.send(record)).await;
        if let Err((error, record)) = sent {
            run.tally().record_failed();
            metrics.count_failure(&error);
            tracing::error!(%key, %error, "send refused");
            run.say(|| callback_failure(&record.delivery_opaque, &error));
        }
    }
}
// ANCHOR_END: send_loop

/// The record the demo binaries send for a reading, built as [`send_all`] builds it:
/// the sensor id as key, the JSON as value, the reading's time, and this run's tag
/// header. Their contexts need no per-message data, so it carries none.
pub fn record<'a>(
    run: &'a Run,
    reading: &'a SensorReading,
    payload: &'a str,
) -> BaseRecord<'a, str, str> {
    BaseRecord::to(run.topic())
        .key(reading.key())
        .payload(payload)
        .timestamp(reading.timestamp_millis())
        .headers(run.headers())
}
