//! Step 02: async send with a delivery callback, the production standard.
//!
//! Run it: `cargo run -p step-02-callback -- --count 20` (faults: add `--inject-errors 2`;
//! also `--bin dont-block`, a slow callback, and `--bin production`, logs not prints)
//!
//! Notice: sends never wait, yet every message gets its partition, offset and timestamp,
//! or its error. The callback only counts and prints, and hands slow work to a worker.

use clap::Parser;
use common::output::{callback_failure, callback_success, record_time, PLACEHOLDER_TIME_NOTE};
use common::queue_full::send_waiting_for_room;
use common::tally::Tally;
use common::{Lesson, Mode, SensorReading};
use rdkafka::message::Message;
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::ClientContext;
use std::process::ExitCode;
use std::sync::Arc;
use step_02_callback::CallbackArgs as Args;
use step_02_callback::{metrics::Metrics, side_work::SideJob, side_work::SideWorker};
use tokio::sync::mpsc::UnboundedSender;

// ANCHOR: callback
/// Receives one delivery report per message. Each message carries its reading as the
/// "delivery opaque", so the callback can say which reading succeeded or failed.
struct DeliveryReporter {
    tally: Arc<Tally>,
    metrics: Arc<Metrics>,
    side_jobs: UnboundedSender<SideJob>,
    /// The embedded broker's log-append times are placeholders: show the record's own.
    placeholder_log_append_time: bool,
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
                let time = record_time(
                    message.timestamp(),
                    reading.timestamp_millis(),
                    self.placeholder_log_append_time,
                );
                self.metrics.record_offset(partition, offset);
                // ANCHOR: exercise-callback-lines
                println!("{}", callback_success(&reading, partition, offset, time));
                // ANCHOR_END: exercise-callback-lines
            }
            Err((error, message)) => {
                // ANCHOR: exercise-count-failures
                self.tally.record_failed();
                self.metrics.count_failure(error);
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
    let dlq_topic = args.use_cases.dlq_topic.as_str();
    let Some(mut lesson) = Lesson::start(Mode::Callback, args.common, &[dlq_topic]).await? else {
        return Ok(ExitCode::SUCCESS); // --print-config
    };
    let worker = SideWorker::for_lesson(&lesson, &args.use_cases)?;
    let metrics = Arc::new(Metrics::default());
    let producer: ThreadedProducer<DeliveryReporter> = lesson
        .producer_config()
        .create_with_context(DeliveryReporter {
            tally: Arc::clone(&lesson.tally),
            metrics: Arc::clone(&metrics),
            side_jobs: worker.jobs.clone(),
            placeholder_log_append_time: lesson.broker.log_append_time_is_placeholder(),
        })?;
    lesson.check_connection(producer.client())?;
    if lesson.broker.log_append_time_is_placeholder() {
        println!("{PLACEHOLDER_TIME_NOTE}\n");
    }
    // ANCHOR: send_loop
    while let Some(reading) = lesson.next_reading().await {
        let payload = reading.to_json();
        // The reading moves into the record (its opaque): keep its key and time aside.
        let key = reading.sensor_id.clone();
        let timestamp = reading.timestamp_millis();
        let record = BaseRecord::with_opaque_to(lesson.topic(), Box::new(reading))
            .key(key.as_ref())
            .payload(&payload)
            .timestamp(timestamp)
            .headers(lesson.run.headers());
        lesson.tally.record_sent();
        // A local refusal (say, a record over message.max.bytes) never reaches the
        // callback: count, log and print it here. No dead letter: it never left, and a
        // record too big for the topic is too big for the dead-letter topic too.
        if let Err((error, record)) = send_waiting_for_room(&producer, record).await {
            lesson.tally.record_failed();
            metrics.count_failure(&error);
            tracing::error!(%key, %error, "send refused");
            println!("{}", callback_failure(&record.delivery_opaque, &error));
        }
    }
    // ANCHOR_END: send_loop
    let still_in_flight = lesson.flush(&producer);
    let side_work = worker.finish(metrics.last_offsets()).await?;
    let code = lesson.finish(still_in_flight)?;
    Ok(metrics.print_report(lesson.tally.counts(), &side_work, &args.use_cases, code))
}

#[tokio::main]
async fn main() -> ExitCode {
    common::exit_code(run(Args::parse()).await)
}
