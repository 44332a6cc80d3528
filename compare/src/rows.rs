//! Each row of the table: a step's own send loop, run quietly on the same workload.
//!
//! A row builds the producer its step builds, with the steps' settings, and warms it up
//! (one reading through the same loop, flushed), so the clock measures sending, not
//! connecting. It then hands the step's library function a quiet [`Run`] of unpaced
//! readings, and stops the clock when every message has an outcome: even
//! fire-and-forget must flush. Latencies come from the run's tally
//! ([`Tally::latencies`]): the loops carry no measuring code.

use crate::measure::{latency_histogram, record_latency, ModeResult};
use crate::plan::Row;
use anyhow::Result;
use common::broker_count::BrokerCount;
use common::reading::{Clock, ReadingGenerator};
use common::run_tag::RunTag;
use common::send_plan::SendPlan;
use common::tally::{Counts, Tally};
use common::{Out, Run};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::ThreadedProducer;
use rdkafka::producer::{DeliveryResult, FutureProducer, Producer, ProducerContext};
use rdkafka::{ClientConfig, ClientContext};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};
use step_02_callback::side_work::SideWorker;
use tokio_util::sync::CancellationToken;

/// What every row sends, and where.
pub struct Workload<'a> {
    pub config: &'a ClientConfig,
    pub topic: &'a str,
    /// Where step 02's worker would send dead letters (none are expected).
    pub dlq_topic: &'a str,
    pub seed: u64,
    /// The readings' fixed clock: every row and repetition sends the very same records.
    pub clock_start: i64,
    /// A row stops after this many records, or after `duration` if `None`.
    pub count: Option<u64>,
    pub duration: Duration,
    pub flush_timeout: Duration,
    /// This comparison's tag, on every record as the steps put it there.
    pub tag: &'a RunTag,
    /// Drawn on a terminal only (see `progress`).
    pub progress: indicatif::ProgressBar,
}

/// The rows' own settings: the slow callbacks' work, and step 04's wait and window.
pub struct RowSettings {
    pub slow_work: Duration,
    pub timeout: Duration,
    pub future_window: u32,
}

/// One row's name in the table.
pub fn label(row: Row, settings: &RowSettings) -> String {
    let work = humantime::format_duration(settings.slow_work);
    match row {
        Row::FireAndForget => "Async fire-and-forget".to_owned(),
        Row::ErrorReportsOnly => "Fire-and-forget, error reports only".to_owned(),
        Row::Callback => "Async with callback".to_owned(),
        Row::Future => format!(
            "Future window of {}, {} wait",
            settings.future_window,
            humantime::format_duration(settings.timeout)
        ),
        Row::Sync => "Synchronous".to_owned(),
        Row::CallbackInlineWork => format!("Callback, {work} work inline"),
        Row::CallbackOffloadedWork => format!("Callback, {work} work offloaded"),
        Row::Kcat => "kcat -P".to_owned(),
        Row::JavaFireAndForget => "Java fire-and-forget".to_owned(),
        Row::JavaCallback => "Java with callback".to_owned(),
        Row::JavaSync => "Java synchronous".to_owned(),
    }
}

/// Fire-and-forget times one send in this many (its rows have the most messages); the
/// others time every one.
fn sample_every(row: Row) -> u64 {
    match row {
        Row::FireAndForget | Row::ErrorReportsOnly | Row::Callback | Row::Future => 16,
        _ => 1,
    }
}

impl Workload<'_> {
    fn run(&self, count: Option<u64>, tally: &Arc<Tally>) -> Run {
        let readings = ReadingGenerator::new(
            self.seed,
            Clock::Fixed {
                start: self.clock_start,
            },
        );
        let plan = SendPlan::new(count, self.duration, 0, CancellationToken::new());
        Run::new(self.topic, self.tag.clone(), readings, plan, Out::Quiet)
            .with_tally(Arc::clone(tally))
    }
}

/// What one measured run of a row left: its counts, time, latencies, and where the
/// topic stood before it.
pub struct Sample {
    pub counts: Counts,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
    pub before: BrokerCount,
}

/// Warms up with one reading through `send_all`, then times `send_all` on the
/// workload. `send_all` runs the step's loop and flushes.
async fn measure(
    work: &Workload<'_>,
    row: Row,
    tally: &Arc<Tally>,
    mut send_all: impl AsyncFnMut(&mut Run) -> Result<()>,
) -> Result<Sample> {
    send_all(&mut work.run(Some(1), tally)).await?;
    let before = BrokerCount::before(work.config, work.topic)?;
    let counted_before = tally.counts();
    let expected = work.count.unwrap_or(10_000_000);
    tally.time_from_now(expected, sample_every(row));
    let done = Arc::new(AtomicBool::new(false));
    let watcher = watch_progress(&work.progress, tally, counted_before.sent, &done);
    // The clock starts before the plan does, so a `--duration` row's time covers its
    // whole sending window.
    let started = Instant::now();
    let mut run = work.run(work.count, tally);
    let sent = send_all(&mut run).await;
    let elapsed = started.elapsed();
    done.store(true, Relaxed);
    let _ = watcher.join();
    sent?;
    let now = tally.counts();
    Ok(Sample {
        counts: Counts {
            sent: now.sent - counted_before.sent,
            confirmed: now.confirmed - counted_before.confirmed,
            failed: now.failed - counted_before.failed,
        },
        elapsed,
        latencies: tally.latencies(),
        before,
    })
}

/// Moves the progress bar from the tally ten times a second, on a thread of its own:
/// the send loop does nothing for it.
fn watch_progress(
    bar: &indicatif::ProgressBar,
    tally: &Arc<Tally>,
    sent_before: u64,
    done: &Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    let (bar, tally, done) = (bar.clone(), Arc::clone(tally), Arc::clone(done));
    std::thread::spawn(move || {
        while !done.load(Relaxed) {
            bar.set_position(tally.counts().sent - sent_before);
            std::thread::sleep(Duration::from_millis(100));
        }
    })
}

/// Flushes, checking every millisecond whether the last message is done, so that every
/// threaded row's clock stops the same way.
///
/// rdkafka's `flush` asks librdkafka without waiting, then polls for up to 100 ms before
/// asking again (`BaseProducer::flush`), and since rdkafka 0.38 `BaseProducer::poll`
/// loops until its timeout, whatever it serves. So a flush could overshoot by up to
/// 100 ms, a time the table would charge to the row. Short flushes end within 1 ms.
fn flush_in_slices<C: ProducerContext + 'static>(
    producer: &impl Producer<C>,
    timeout: Duration,
) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        match producer.flush(Duration::from_millis(1)) {
            Err(KafkaError::Flush(RDKafkaErrorCode::OperationTimedOut))
                if Instant::now() < deadline => {}
            other => return Ok(other?),
        }
    }
}

/// Counts the outcomes that fire-and-forget's loop never reads, for the table.
struct Outcomes(Arc<Tally>);

impl ClientContext for Outcomes {}

impl ProducerContext for Outcomes {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        match result {
            Ok(_) => self.0.record_confirmed(),
            Err(_) => self.0.record_failed(),
        }
    }
}

/// Runs `row` (a Rust one) on `work`: the step's own send loop, timed.
pub async fn measure_row(row: Row, work: &Workload<'_>, settings: &RowSettings) -> Result<Sample> {
    let tally = Arc::new(Tally::default());
    let flush_timeout = work.flush_timeout;
    match row {
        Row::FireAndForget | Row::ErrorReportsOnly => {
            let mut config = work.config.clone();
            if row == Row::ErrorReportsOnly {
                // ANCHOR: error_reports_only
                config.set("delivery.report.only.error", "true");
                // ANCHOR_END: error_reports_only
            }
            let producer: ThreadedProducer<Outcomes> =
                config.create_with_context(Outcomes(Arc::clone(&tally)))?;
            measure(work, row, &tally, async |run: &mut Run| {
                step_01_fire_and_forget::send_all(&producer, run).await;
                flush_in_slices(&producer, flush_timeout)
            })
            .await
        }
        Row::Callback => {
            let worker = SideWorker::start(
                work.config,
                work.topic.to_owned(),
                work.dlq_topic.to_owned(),
                None,
                flush_timeout,
            )?;
            let metrics = Arc::default();
            let run = work.run(None, &tally);
            let reporter = step_02_callback::callback::DeliveryReporter::new(
                &run,
                &metrics,
                worker.jobs.clone(),
                false,
                None,
            );
            let producer: ThreadedProducer<_> = work.config.create_with_context(reporter)?;
            let sample = measure(work, row, &tally, async |run: &mut Run| {
                step_02_callback::send_all(&producer, run, &metrics).await;
                flush_in_slices(&producer, flush_timeout)
            })
            .await;
            worker.finish(Default::default()).await?;
            sample
        }
        Row::CallbackInlineWork | Row::CallbackOffloadedWork => {
            use step_02_callback::slow_callback::{send_all, SlowReporter};
            let worker = SideWorker::start(
                work.config,
                work.topic.to_owned(),
                work.dlq_topic.to_owned(),
                None,
                flush_timeout,
            )?;
            let offload = (row == Row::CallbackOffloadedWork).then(|| worker.jobs.clone());
            let reporter = SlowReporter::new(&work.run(None, &tally), settings.slow_work, offload);
            let producer: ThreadedProducer<_> = work.config.create_with_context(reporter)?;
            let sample = measure(work, row, &tally, async |run: &mut Run| {
                send_all(&producer, run).await;
                flush_in_slices(&producer, flush_timeout)
            })
            .await;
            // The offloaded work finishes its backlog after the measurement.
            worker.finish(Default::default()).await?;
            sample
        }
        Row::Sync => {
            let producer: FutureProducer = work.config.create()?;
            measure(work, row, &tally, async |run: &mut Run| {
                step_03_sync::send_all(&producer, run).await;
                Ok(())
            })
            .await
        }
        Row::Future => {
            let waits = step_04_future_timeout::Waits {
                timeout: settings.timeout,
                drop_on_timeout: false,
                in_flight: settings.future_window,
                other_work: Duration::ZERO,
            };
            let producer: FutureProducer = work.config.create()?;
            measure(work, row, &tally, async |run: &mut Run| {
                let pending = step_04_future_timeout::send_all(&producer, run, &waits).await;
                flush_in_slices(&producer, flush_timeout)?;
                step_04_future_timeout::settle_timed_out(run, pending.timed_out).await;
                Ok(())
            })
            .await
        }
        Row::Kcat => anyhow::bail!("kcat is not a Rust row: Kcat::run measures it"),
        Row::JavaFireAndForget | Row::JavaCallback | Row::JavaSync => {
            anyhow::bail!("{row:?} is not a Rust row: Java::run measures it")
        }
    }
}

/// The table's row for a sample.
pub fn result(row: Row, name: &str, sample: &Sample) -> Result<ModeResult> {
    let latencies = (!sample.latencies.is_empty()).then(|| {
        let mut histogram = latency_histogram();
        for latency in &sample.latencies {
            record_latency(&mut histogram, *latency);
        }
        histogram
    });
    let counts = sample.counts;
    let mut result = ModeResult::new(row, name, counts.sent, sample.elapsed, latencies.as_ref());
    result.broker_count = Some(sample.before.growth()?);
    // Without success reports, a row learns no confirmations: it has no count of them.
    if row != Row::ErrorReportsOnly {
        result.messages_confirmed = Some(counts.confirmed);
        result.messages_failed = Some(counts.failed);
    }
    Ok(result)
}
