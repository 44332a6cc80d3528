//! Step 02: async send with a delivery callback, the production standard.
//!
//! Run it: `cargo run -p step-02-callback -- --count 20`
//! Faults: `cargo run -p step-02-callback -- --count 200 --inject-errors 2`
//! Blocking: `cargo run -p step-02-callback -- --count 500 --slow-callback 5ms` (add `--offload`)
//!
//! Notice: sends never wait, yet every message gets a line with its partition, offset
//! and timestamp, or its error. The callback runs on the ThreadedProducer's polling
//! thread (and, during the final flush, on the flushing task), so it only counts and
//! prints, and hands slower work to a worker.

mod side_work;

use clap::Parser;
use common::output::{callback_failure, callback_success};
use common::queue_full::send_waiting_for_room;
use common::tally::Tally;
use common::{CommonArgs, Lesson, Mode, SensorReading};
use rdkafka::message::Message;
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::ClientContext;
use side_work::{SideJob, SideWorker};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
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

    /// Simulated heavy work per delivery report, run inside the callback (don't!).
    #[arg(long, value_name = "DURATION", value_parser = common::args::parse_duration)]
    slow_callback: Option<Duration>,

    /// Run the --slow-callback work on the worker instead of the polling thread.
    #[arg(long, requires = "slow_callback")]
    offload: bool,
}

/// What the callback records: light updates only, each behind a short lock.
#[derive(Default)]
struct Metrics {
    failures_by_kind: Mutex<BTreeMap<String, u64>>,
    last_offsets: Mutex<BTreeMap<i32, i64>>,
    first_report: std::sync::OnceLock<Instant>,
    last_report: Mutex<Option<Instant>>,
}

// ANCHOR: callback
/// Receives one delivery report per message. Each message carries its reading as the
/// "delivery opaque", so the callback can say which reading succeeded or failed.
struct DeliveryReporter {
    tally: Arc<Tally>,
    metrics: Arc<Metrics>,
    side_jobs: UnboundedSender<SideJob>,
    heavy_work: Option<(Duration, bool)>,
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
                self.metrics
                    .last_offsets
                    .lock()
                    .unwrap()
                    .insert(partition, offset);
                // EXERCISE: callback-lines
                println!(
                    "{}",
                    callback_success(&reading, partition, offset, timestamp)
                );
                // END EXERCISE
            }
            Err((error, message)) => {
                // EXERCISE: count-failures
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
                // END EXERCISE
                tracing::error!(key = %reading.sensor_id, %error, "send failed");
                // EXERCISE: callback-lines
                println!("{}", callback_failure(&reading, error));
                // END EXERCISE
                // The dead-letter send is network I/O: hand it to the worker.
                // EXERCISE: route-to-dlq
                let _ = self.side_jobs.send(SideJob::DeadLetter {
                    key: message.key().unwrap_or_default().to_vec(),
                    payload: message.payload().unwrap_or_default().to_vec(),
                    timestamp: Some(reading.timestamp_millis()),
                    error: error.to_string(),
                });
                // END EXERCISE
            }
        }
        // ANCHOR: heavy_work
        match self.heavy_work {
            Some((work, false)) => std::thread::sleep(work), // blocks every report behind it
            Some((work, true)) => drop(self.side_jobs.send(SideJob::HeavyWork(work))),
            None => {}
        }
        // ANCHOR_END: heavy_work
        self.metrics.first_report.get_or_init(Instant::now);
        *self.metrics.last_report.lock().unwrap() = Some(Instant::now());
    }
}
// ANCHOR_END: callback

async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut lesson = Lesson::start(Mode::Callback, args.common, &[&args.dlq_topic]).await?;
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
        heavy_work: args.slow_callback.map(|work| (work, args.offload)),
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
    let last_offsets = metrics.last_offsets.lock().unwrap().clone();
    let side_work = worker.finish(last_offsets).await?;
    let code = lesson.finish(still_in_flight)?;

    let failures = metrics.failures_by_kind.lock().unwrap();
    let kinds: Vec<String> = failures.iter().map(|(k, n)| format!("{k}: {n}")).collect();
    let counts = lesson.tally.counts();
    println!(
        "📊 Metrics: succeeded {} | failed {} ({})",
        counts.confirmed,
        counts.failed,
        if kinds.is_empty() {
            "none".into()
        } else {
            kinds.join(", ")
        }
    );
    let dlq = side_work.dead_letters;
    println!(
        "☠️  Dead-letter topic {}: {} records sent, {} confirmed, {} failed",
        args.dlq_topic, dlq.sent, dlq.confirmed, dlq.failed
    );
    if let Some(path) = &args.offsets_file {
        println!(
            "💾 Last confirmed offset per partition written to {}",
            path.display()
        );
    }
    if let Some(work) = args.slow_callback {
        let first = metrics.first_report.get().copied();
        let last = *metrics.last_report.lock().unwrap();
        let reports_took = first.zip(last).map_or(Duration::ZERO, |(f, l)| l - f);
        let reports = (counts.confirmed + counts.failed).saturating_sub(1);
        let place = if args.offload {
            "on the worker"
        } else {
            "inside the callback"
        };
        println!(
            "🐢 {} of work per report, {place}: delivery reports handled at {:.1} msg/s ({} jobs on the worker)",
            humantime::format_duration(work),
            reports as f64 / reports_took.as_secs_f64().max(f64::EPSILON),
            side_work.heavy_jobs
        );
    }
    Ok(if dlq.failed == 0 {
        code
    } else {
        ExitCode::FAILURE
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    common::exit_code(run(Args::parse()).await)
}
