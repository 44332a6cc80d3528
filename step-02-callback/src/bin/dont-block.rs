//! Step 02, the slide's warning: what not to do in a callback.
//!
//! Run it: `cargo run -p step-02-callback --bin dont-block -- --count 500 --slow-callback 5ms`
//! Then add `--offload`, and try a small queue: `-X queue.buffering.max.messages=20`.
//!
//! Notice: with the work inside the callback, a thread serves reports no faster than one
//! per `--slow-callback` (the polling thread while sending; `flush` helps at the end).
//! Since a message holds its place in librdkafka's queue until its report is served,
//! the sender soon finds the queue full. Offloaded, the callback returns at once and the
//! worker catches up.

use clap::Parser;
use common::queue_full::send_counting_waits;
use common::tally::Tally;
use common::{CommonArgs, Lesson, Mode};
use rdkafka::producer::{DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::ClientContext;
use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};
use step_02_callback::side_work::{SideJob, SideWorker};
use tokio::sync::mpsc::UnboundedSender;

#[derive(Parser)]
#[command(about = "Step 02: what a slow delivery callback costs")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,

    /// Simulated heavy work per delivery report (a database call, an HTTP request).
    #[arg(long, value_name = "DURATION", value_parser = common::args::parse_duration)]
    slow_callback: Duration,

    /// Hand the work to the worker instead of doing it inside the callback.
    #[arg(long)]
    offload: bool,
}

/// Counts outcomes, and does (or hands off) the heavy work for every report.
struct SlowReporter {
    tally: Arc<Tally>,
    work: Duration,
    offload: Option<UnboundedSender<SideJob>>,
    /// Per serving thread: how many reports it served, when the first and the latest.
    served: Mutex<HashMap<ThreadId, Served>>,
}

/// The reports one thread served.
#[derive(Clone, Copy)]
struct Served {
    count: u64,
    first: Instant,
    latest: Instant,
}

impl Served {
    /// Reports per second between its first and its latest (none for a single report).
    fn rate(self) -> Option<f64> {
        let took = (self.latest - self.first).as_secs_f64();
        (self.count > 1 && took > 0.0).then(|| (self.count - 1) as f64 / took)
    }
}

impl ClientContext for SlowReporter {}

impl ProducerContext for SlowReporter {
    type DeliveryOpaque = ();

    // ANCHOR: heavy_work
    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        match result {
            Ok(_) => self.tally.record_confirmed(),
            Err(_) => self.tally.record_failed(),
        }
        match &self.offload {
            None => std::thread::sleep(self.work), // every report waits behind this one
            Some(worker) => drop(worker.send(SideJob::HeavyWork(self.work))),
        }
        let now = Instant::now();
        let mut served = self.served.lock().unwrap();
        let mine = served.entry(std::thread::current().id()).or_insert(Served {
            count: 0,
            first: now,
            latest: now,
        });
        mine.count += 1;
        mine.latest = now;
    }
    // ANCHOR_END: heavy_work
}

async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Some(mut lesson) = Lesson::start(Mode::Callback, args.common, &[]).await? else {
        return Ok(ExitCode::SUCCESS); // --print-config
    };
    let worker = SideWorker::start(
        &lesson.producer_config(),
        lesson.topic().to_owned(),
        common::broker::DEFAULT_DLQ_TOPIC.to_owned(),
        None,
        lesson.args.flush_timeout,
    )?;
    let reporter = SlowReporter {
        tally: Arc::clone(&lesson.tally),
        work: args.slow_callback,
        offload: args.offload.then(|| worker.jobs.clone()),
        served: Mutex::new(HashMap::new()),
    };
    let producer: ThreadedProducer<SlowReporter> =
        lesson.producer_config().create_with_context(reporter)?;
    lesson.check_connection(producer.client())?;

    let mut queue_full_waits = 0;
    while let Some(reading) = lesson.next_reading().await {
        let payload = reading.to_json();
        let record = step_02_callback::record(&lesson, &reading, &payload);
        lesson.tally.record_sent();
        if let Err((error, _)) = send_counting_waits(&producer, record, &mut queue_full_waits).await
        {
            lesson.tally.record_failed();
            tracing::error!(%error, "send refused");
        }
    }
    let still_in_flight = lesson.flush(&producer);
    let side_work = worker.finish(Default::default()).await?;
    let code = lesson.finish(still_in_flight)?;
    // The busiest thread's pace: one thread can do no more than its callbacks allow.
    let served = producer.context().served.lock().unwrap().clone();
    let busiest = served.values().max_by_key(|s| s.count).copied();
    let rate = busiest.and_then(Served::rate).unwrap_or(0.0);
    let threads = served.len();
    let place = if args.offload {
        "on the worker"
    } else {
        "inside the callback"
    };
    println!(
        "🐢 {} of work per report, {place}: delivery reports handled at {rate:.1} msg/s by the busiest of {threads} serving threads ({} jobs on the worker); the sender found the queue full {queue_full_waits} times",
        humantime::format_duration(args.slow_callback),
        side_work.heavy_jobs
    );
    Ok(code)
}

#[tokio::main]
async fn main() -> ExitCode {
    common::exit_code(run(Args::parse()).await)
}
