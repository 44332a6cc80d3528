//! Step 02: async send with a delivery callback, the production standard.
//!
//! Run it: `cargo run -p step-02-callback -- --count 20`
//! Faults: `cargo run -p step-02-callback -- --count 200 --inject-errors 2`
//! Also: `--bin dont-block` (a slow callback) and `--bin production` (logs, no prints).
//!
//! Notice: sends never wait, yet every message gets a line with its partition, offset
//! and timestamp, or its error. The callback runs on the ThreadedProducer's polling
//! thread (and, during the final flush, on the flushing task), so it only counts and
//! prints, and hands slower work to a worker.

use clap::Parser;
use common::output::{callback_failure, callback_success};
use common::queue_full::send_waiting_for_room;
use common::tally::Tally;
use common::{CommonArgs, Lesson, Mode, SensorReading};
use rdkafka::message::Message;
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::ClientContext;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use step_02_callback::metrics::Metrics;
use step_02_callback::side_work::{SideJob, SideWorker};
use tokio::sync::mpsc::UnboundedSender;

#[derive(Parser)]
#[command(about = "Step 02: async sends with a delivery callback")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,

    /// Topic that receives every record that failed, with the error in a header.
    #[arg(long, default_value = common::broker::DEFAULT_DLQ_TOPIC)]
    dlq_topic: String,

    /// Write the last confirmed offset of each partition to this JSON file.
    #[arg(long, value_name = "FILE")]
    offsets_file: Option<PathBuf>,
}

// ANCHOR: callback
/// Receives one delivery report per message. Each message carries its reading as the
/// "delivery opaque", so the callback can say which reading succeeded or failed.
struct DeliveryReporter {
    tally: Arc<Tally>,
    metrics: Arc<Metrics>,
    side_jobs: UnboundedSender<SideJob>,
}

impl ClientContext for DeliveryReporter {}

impl ProducerContext for DeliveryReporter {
    type DeliveryOpaque = Box<SensorReading>;

    /// Runs on rdkafka's polling thread while sending, and on the task that flushes at
    /// the end: keep it light, or every other delivery report waits behind it.
    fn delivery(&self, result: &DeliveryResult<'_>, reading: Box<SensorReading>) {
        match result {
            Ok(message) => {
                self.tally.record_confirmed();
                let (partition, offset) = (message.partition(), message.offset());
                let timestamp = message.timestamp();
                self.metrics.record_offset(partition, offset);
                // ANCHOR: exercise-callback-lines
                println!(
                    "{}",
                    callback_success(&reading, partition, offset, timestamp)
                );
                // ANCHOR_END: exercise-callback-lines
            }
            Err((error, message)) => {
                // ANCHOR: exercise-count-failures
                self.tally.record_failed();
                let kind = error
                    .rdkafka_error_code()
                    .map_or("Other".to_owned(), |c| format!("{c:?}"));
                *self
                    .metrics
                    .failures_by_kind
                    .lock()
                    .unwrap()
                    .entry(kind)
                    .or_default() += 1;
                // ANCHOR_END: exercise-count-failures
                tracing::error!(key = %reading.sensor_id, %error, "send failed");
                // ANCHOR: exercise-callback-lines
                println!("{}", callback_failure(&reading, error));
                // ANCHOR_END: exercise-callback-lines
                // The dead-letter send is network I/O: hand it to the worker.
                // ANCHOR: exercise-route-to-dlq
                let _ = self.side_jobs.send(SideJob::DeadLetter {
                    key: message.key().unwrap_or_default().to_vec(),
                    payload: message.payload().unwrap_or_default().to_vec(),
                    timestamp: Some(reading.timestamp_millis()),
                    error: error.to_string(),
                });
                // ANCHOR_END: exercise-route-to-dlq
            }
        }
    }
}
// ANCHOR_END: callback

async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Some(mut lesson) = Lesson::start(Mode::Callback, args.common, &[&args.dlq_topic]).await?
    else {
        return Ok(ExitCode::SUCCESS); // --print-config
    };
    let worker = SideWorker::start(
        &lesson.producer_config(),
        lesson.topic().to_owned(),
        args.dlq_topic.clone(),
        args.offsets_file.clone(),
        lesson.args.flush_timeout,
    )?;
    let metrics = Arc::new(Metrics::default());
    let reporter = DeliveryReporter {
        tally: Arc::clone(&lesson.tally),
        metrics: Arc::clone(&metrics),
        side_jobs: worker.jobs.clone(),
    };
    let producer: ThreadedProducer<DeliveryReporter> =
        lesson.producer_config().create_with_context(reporter)?;
    lesson.check_connection(producer.client())?;

    // ANCHOR: send_loop
    while let Some(reading) = lesson.next_reading().await {
        let payload = reading.to_json();
        // The reading moves into the record as its opaque, so keep the key aside first
        // (a borrowed sensor name: no copy).
        let key = reading.sensor_id.clone();
        let timestamp = reading.timestamp_millis();
        let record = BaseRecord::with_opaque_to(lesson.topic(), Box::new(reading))
            .key(key.as_ref())
            .payload(&payload)
            .timestamp(timestamp)
            .headers(lesson.run.headers());
        lesson.tally.record_sent();
        // A local refusal never reaches the callback: report it the same way here.
        if let Err((error, record)) = send_waiting_for_room(&producer, record).await {
            lesson.tally.record_failed();
            println!("{}", callback_failure(&record.delivery_opaque, &error));
        }
    }
    // ANCHOR_END: send_loop

    let still_in_flight = lesson.flush(&producer);
    let side_work = worker.finish(metrics.last_offsets()).await?;
    let code = lesson.finish(still_in_flight)?;
    let offsets_file = args.offsets_file.as_deref();
    let counts = lesson.tally.counts();
    println!(
        "{}",
        metrics.report(counts, &side_work, &args.dlq_topic, offsets_file)
    );
    Ok(if side_work.dead_letters.failed == 0 {
        code
    } else {
        ExitCode::FAILURE
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    common::exit_code(run(Args::parse()).await)
}
