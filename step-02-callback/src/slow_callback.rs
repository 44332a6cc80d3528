//! Step 02, the slide's warning: what not to do in a callback (`--bin dont-block`).
//!
//! Run it: `cargo run -p step-02-callback --bin dont-block -- --count 500 --slow-callback 5ms`
//! Then add `--offload`, and try a small queue: `-X queue.buffering.max.messages=20`.
//!
//! Notice: with the work inside the callback, a thread serves reports no faster than one
//! per `--slow-callback` (the polling thread while sending; `flush` helps at the end).
//! Since a message holds its place in librdkafka's queue until its report is served,
//! the sender soon finds the queue full. Offloaded, the callback returns at once and the
//! worker catches up.

use crate::side_work::{SideJob, SideWorker};
use crate::DEFAULT_DLQ_TOPIC;
use common::lesson::DEFAULT_ASYNC_RATE;
use common::live::StatsSink;
use common::queue_full::retry_counting_waits;
use common::tally::Tally;
use common::{CommonArgs, Lesson, Mode, Out, Run, Stop};
use rdkafka::producer::{DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::statistics::Statistics;
use rdkafka::ClientContext;
use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;

#[derive(Debug, clap::Parser)]
#[command(about = "Step 02: what a slow delivery callback costs")]
pub struct SlowArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Simulated heavy work per delivery report (a database call, an HTTP request).
    #[arg(long, value_name = "DURATION", value_parser = common::args::parse_duration)]
    pub slow_callback: Duration,

    /// Hand the work to the worker instead of doing it inside the callback.
    #[arg(long)]
    pub offload: bool,
}

/// Counts outcomes, and does (or hands off) the heavy work for every report.
pub struct SlowReporter {
    tally: Arc<Tally>,
    work: Duration,
    offload: Option<UnboundedSender<SideJob>>,
    /// Per serving thread: how many reports it served, when the first and the latest.
    served: Mutex<HashMap<ThreadId, Served>>,
    /// `--live`: where librdkafka's statistics go.
    live: Option<Arc<StatsSink>>,
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

impl ClientContext for SlowReporter {
    fn stats(&self, statistics: Statistics) {
        StatsSink::forward(&self.live, &statistics);
    }
}

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

impl SlowReporter {
    /// A callback that counts into `run`'s tally and does `work` per report: inside the
    /// callback, or handed to `offload`'s worker.
    pub fn new(run: &Run, work: Duration, offload: Option<UnboundedSender<SideJob>>) -> Self {
        Self {
            tally: Arc::clone(run.tally()),
            work,
            offload,
            served: Mutex::new(HashMap::new()),
            live: None,
        }
    }

    /// Hands librdkafka's statistics to `live` (`--live`).
    pub fn watched_by(mut self, live: Option<Arc<StatsSink>>) -> Self {
        self.live = live;
        self
    }

    /// The busiest serving thread's pace, and how many threads served reports.
    fn busiest(&self) -> (f64, usize) {
        let served = self.served.lock().unwrap();
        let busiest = served.values().max_by_key(|s| s.count).copied();
        (busiest.and_then(Served::rate).unwrap_or(0.0), served.len())
    }
}

/// The whole demo: sends, flush, summary, and the 🐢 line on how fast reports went.
pub async fn run(args: &SlowArgs, stop: &Stop, out: Out) -> anyhow::Result<ExitCode> {
    let mut lesson = Lesson::start(
        Mode::Callback,
        DEFAULT_ASYNC_RATE,
        &args.common,
        &[],
        stop,
        out,
    )?;
    lesson.announce();
    let worker = SideWorker::start(
        &lesson.producer_config(),
        lesson.topic().to_owned(),
        DEFAULT_DLQ_TOPIC.to_owned(),
        None,
        lesson.flush_timeout(),
    )?;
    let offload = args.offload.then(|| worker.jobs.clone());
    let live = lesson.live_sink();
    let reporter = SlowReporter::new(lesson.run(), args.slow_callback, offload).watched_by(live);
    let producer: ThreadedProducer<SlowReporter> =
        lesson.producer_config().create_with_context(reporter)?;
    lesson.check_connection(producer.client())?;
    let view = lesson.watch(None);
    let queue_full_waits = send_all(&producer, lesson.run()).await;
    let still_in_flight = lesson.flush(&producer);
    drop(view);
    let side_work = worker.finish(Default::default()).await?;
    let code = lesson.finish(still_in_flight)?;
    // The busiest thread's pace: one thread can do no more than its callbacks allow.
    let (rate, threads) = producer.context().busiest();
    let place = if args.offload {
        "on the worker"
    } else {
        "inside the callback"
    };
    lesson.say(|| format!(
        "🐢 {} of work per report, {place}: delivery reports handled at {rate:.1} msg/s by the busiest of {threads} serving threads ({} jobs on the worker); the sender found the queue full {queue_full_waits} times",
        humantime::format_duration(args.slow_callback),
        side_work.heavy_jobs
    ));
    Ok(code)
}

/// Sends every reading of `run` as step 02 does, to the slow callback. Returns how many
/// times the sender found the queue full.
pub async fn send_all(producer: &ThreadedProducer<SlowReporter>, run: &mut Run) -> u64 {
    let mut queue_full_waits = 0;
    while let Some(reading) = run.next_reading().await {
        let payload = reading.to_json();
        let record = crate::record(run, &reading, &payload);
        run.tally().record_sent();
        let waits = &mut queue_full_waits;
        let sent = retry_counting_waits(record, waits, |record| producer.send(record)).await;
        if let Err((error, _)) = sent {
            run.tally().record_failed();
            tracing::error!(%error, "send refused");
        }
    }
    queue_full_waits
}
