//! Each send mode, run on the same workload: the lesson's seeded readings, unpaced.
//!
//! Every mode gets a fresh producer that is warmed up first (connected, and one
//! record sent and flushed), so the clock measures sending, not connecting. The clock
//! stops when every message has an outcome: even fire-and-forget must flush.

use crate::measure::{latency_histogram, record_latency, ModeResult};
use crate::plan::Mode;
use anyhow::Result;
use common::broker_count::BrokerCount;
use common::queue_full::send_waiting_for_room;
use common::reading::ReadingGenerator;
use hdrhistogram::Histogram;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{
    BaseRecord, DefaultProducerContext, DeliveryFuture, DeliveryResult, FutureProducer,
    FutureRecord, Producer, ProducerContext, ThreadedProducer,
};
use rdkafka::util::Timeout;
use rdkafka::{ClientConfig, ClientContext};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What every mode sends, and where.
pub struct Workload<'a> {
    pub config: &'a ClientConfig,
    pub topic: &'a str,
    pub readings: ReadingGenerator,
    pub count: u64,
    /// A mode stops at `count` records or after this long, whichever comes first.
    pub duration: Duration,
    pub flush_timeout: Duration,
    /// The message value, rewritten in place for each reading.
    pub payload: Vec<u8>,
    /// Drawn on a terminal only (see `progress`).
    pub progress: indicatif::ProgressBar,
    /// Set once `duration` has passed since [`Workload::start`]: an atomic load per
    /// message is free, a clock read per message is not.
    pub time_is_up: Arc<AtomicBool>,
}

/// How often a mode moves its progress bar: often enough to watch, rarely enough to cost
/// nothing per message.
const PROGRESS_EVERY: u64 = 4096;

impl Workload<'_> {
    /// Starts the mode's clock, and the timer that ends it after `duration`.
    fn start(&self) -> Instant {
        let time_is_up = Arc::clone(&self.time_is_up);
        let duration = self.duration;
        tokio::spawn(async move {
            tokio::time::sleep(duration).await;
            time_is_up.store(true, Relaxed);
        });
        Instant::now()
    }

    /// The next reading, or `None` once `count` were made or `duration` has passed.
    fn next(&mut self, sent: &mut u64) -> Option<common::SensorReading> {
        if *sent >= self.count || self.time_is_up.load(Relaxed) {
            return None;
        }
        *sent += 1;
        if sent.is_multiple_of(PROGRESS_EVERY) {
            self.progress.set_position(*sent);
        }
        Some(self.readings.next_reading())
    }
}

/// Fire-and-forget times one send call in this many: the 1st, the 17th, ...
const LATENCY_SAMPLE_EVERY: u64 = 16;

/// Counts the broker's new records and fills in the result's outcome columns.
fn finish(
    mut result: ModeResult,
    before: &BrokerCount,
    outcomes: Option<(u64, u64)>,
) -> Result<ModeResult> {
    result.broker_count = Some(before.growth()?);
    if let Some((confirmed, failed)) = outcomes {
        result.messages_confirmed = Some(confirmed);
        result.messages_failed = Some(failed);
    }
    Ok(result)
}

/// Flushes, checking every millisecond whether the last message is done, so that every
/// threaded mode's clock stops the same way.
///
/// rdkafka's `flush` asks librdkafka without waiting, then polls for up to 100 ms before
/// asking again (`BaseProducer::flush`), and since rdkafka 0.38 `BaseProducer::poll`
/// loops until its timeout, whatever it serves. So a flush could overshoot by up to
/// 100 ms, a time the table would charge to the mode. Short flushes end within 1 ms.
fn flush_in_slices<C: ProducerContext + 'static>(
    producer: &ThreadedProducer<C>,
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

async fn warm_up_threaded<C: ProducerContext + 'static>(
    producer: &ThreadedProducer<C>,
    topic: &str,
    opaque: C::DeliveryOpaque,
) -> Result<()> {
    let record = BaseRecord::<str, str, C::DeliveryOpaque>::with_opaque_to(topic, opaque)
        .key("warm-up")
        .payload("{}");
    send_waiting_for_room(producer, record)
        .await
        .map_err(|(err, _)| err)?;
    producer.flush(Duration::from_secs(30))?;
    Ok(())
}

async fn warm_up_future(producer: &FutureProducer, topic: &str) -> Result<()> {
    let record = FutureRecord::<str, str>::to(topic)
        .key("warm-up")
        .payload("{}");
    producer
        .send(record, Timeout::Never)
        .await
        .map_err(|(err, _)| err)?;
    Ok(())
}

/// Fire-and-forget: latency is the time a `send` call takes, the only wait there is.
///
/// With `only_error_reports`, librdkafka queues a delivery report for failures alone
/// (`delivery.report.only.error`): fire-and-forget reads none, yet by default every
/// message still gets one, made, queued and polled on the polling thread. Only for the
/// ThreadedProducer: a FutureProducer's futures wait on those reports, and would never
/// resolve for a success.
pub async fn fire_and_forget(
    mut work: Workload<'_>,
    only_error_reports: bool,
) -> Result<ModeResult> {
    // ANCHOR: error_reports_only
    let mut config = work.config.clone();
    if only_error_reports {
        config.set("delivery.report.only.error", "true");
    }
    // ANCHOR_END: error_reports_only
    let producer: ThreadedProducer<DefaultProducerContext> = config.create()?;
    warm_up_threaded(&producer, work.topic, ()).await?;
    let before = BrokerCount::before(work.config, work.topic)?;
    let mut latencies = latency_histogram();
    let started = work.start();
    let mut sent = 0;
    while let Some(reading) = work.next(&mut sent) {
        reading.write_json(&mut work.payload);
        let record = BaseRecord::to(work.topic)
            .key(reading.key())
            .payload(&work.payload)
            .timestamp(reading.timestamp_millis());
        // Two clock reads per send cost more than the send's own bookkeeping: time one
        // call in LATENCY_SAMPLE_EVERY, which still gives thousands of samples.
        let timed = (sent - 1).is_multiple_of(LATENCY_SAMPLE_EVERY);
        let call = timed.then(Instant::now);
        send_waiting_for_room(&producer, record)
            .await
            .map_err(|(err, _)| err)?;
        if let Some(call) = call {
            record_latency(&mut latencies, call.elapsed());
        }
    }
    flush_in_slices(&producer, work.flush_timeout)?;
    let (id, name) = if only_error_reports {
        (
            Mode::ErrorReportsOnly,
            "Fire-and-forget, error reports only",
        )
    } else {
        (Mode::FireAndForget, "Async fire-and-forget")
    };
    let result = ModeResult::new(id, name, sent, started.elapsed(), Some(&latencies));
    finish(result, &before, None)
}

/// Extra work per delivery report, for the blocking-callback rows.
#[derive(Clone, Copy)]
pub enum CallbackWork {
    None,
    Inline(Duration),
    Offloaded(Duration),
}

/// Records each message's latency from send to delivery report.
struct LatencyRecorder {
    clock: Instant,
    latencies: Mutex<Histogram<u64>>,
    confirmed: AtomicU64,
    failed: AtomicU64,
    work: CallbackWork,
    offload: Mutex<Option<std::sync::mpsc::Sender<Duration>>>,
}

impl ClientContext for LatencyRecorder {}

impl ProducerContext for LatencyRecorder {
    /// When the message was sent, in nanoseconds since `clock`: no allocation needed.
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, sent_at: usize) {
        let latency = self
            .clock
            .elapsed()
            .saturating_sub(Duration::from_nanos(sent_at as u64));
        match result {
            Ok(message) if message.key() != Some(b"warm-up") => {
                self.confirmed.fetch_add(1, Relaxed);
                record_latency(&mut self.latencies.lock().unwrap(), latency);
            }
            Ok(_) => {}
            Err(_) => {
                self.failed.fetch_add(1, Relaxed);
            }
        }
        match self.work {
            CallbackWork::None => {}
            CallbackWork::Inline(work) => std::thread::sleep(work),
            CallbackWork::Offloaded(work) => {
                if let Some(worker) = &*self.offload.lock().unwrap() {
                    let _ = worker.send(work);
                }
            }
        }
    }
}

/// Async with a delivery callback (optionally with simulated heavy work in it).
pub async fn callback(
    mut work: Workload<'_>,
    extra: CallbackWork,
    name: &str,
) -> Result<ModeResult> {
    let (offload, backlog) = std::sync::mpsc::channel::<Duration>();
    let worker = std::thread::spawn(move || backlog.iter().for_each(std::thread::sleep));
    let recorder = LatencyRecorder {
        clock: Instant::now(),
        latencies: Mutex::new(latency_histogram()),
        confirmed: AtomicU64::new(0),
        failed: AtomicU64::new(0),
        work: extra,
        offload: Mutex::new(Some(offload)),
    };
    let producer: ThreadedProducer<LatencyRecorder> = work.config.create_with_context(recorder)?;
    warm_up_threaded(&producer, work.topic, 0).await?;
    let before = BrokerCount::before(work.config, work.topic)?;
    let clock = producer.context().clock;
    let started = work.start();
    let mut sent = 0;
    while let Some(reading) = work.next(&mut sent) {
        reading.write_json(&mut work.payload);
        let sent_at = clock.elapsed().as_nanos() as usize;
        let record = BaseRecord::with_opaque_to(work.topic, sent_at)
            .key(reading.key())
            .payload(&work.payload)
            .timestamp(reading.timestamp_millis());
        send_waiting_for_room(&producer, record)
            .await
            .map_err(|(err, _)| err)?;
    }
    flush_in_slices(&producer, work.flush_timeout)?;
    let elapsed = started.elapsed();
    let context = producer.context();
    let outcomes = (
        context.confirmed.load(Relaxed),
        context.failed.load(Relaxed),
    );
    let id = match extra {
        CallbackWork::None => Mode::Callback,
        CallbackWork::Inline(_) => Mode::CallbackInlineWork,
        CallbackWork::Offloaded(_) => Mode::CallbackOffloadedWork,
    };
    let result = ModeResult::new(
        id,
        name,
        sent,
        elapsed,
        Some(&context.latencies.lock().unwrap()),
    );
    // The offloaded work finishes its backlog after the measurement.
    drop(context.offload.lock().unwrap().take());
    let _ = worker.join();
    finish(result, &before, Some(outcomes))
}

/// Keep each future, keep sending, and wait on the oldest with a timeout.
/// Latency runs from send to the moment the waiting code sees the confirmation.
pub async fn future_with_timeout(
    mut work: Workload<'_>,
    window: usize,
    timeout: Duration,
) -> Result<ModeResult> {
    let producer: FutureProducer = work.config.create()?;
    warm_up_future(&producer, work.topic).await?;
    let before = BrokerCount::before(work.config, work.topic)?;
    let mut latencies = latency_histogram();
    let (mut confirmed, mut failed) = (0, 0);
    let mut waiting: VecDeque<(Instant, DeliveryFuture)> = VecDeque::with_capacity(window);
    let mut timed_out: Vec<DeliveryFuture> = Vec::new();
    let started = work.start();

    let mut settle = |sent_at: Instant,
                      outcome: Option<
        Result<rdkafka::producer::future_producer::OwnedDeliveryResult, _>,
    >| {
        match outcome {
            Some(Ok(Ok(_))) => {
                confirmed += 1;
                record_latency(&mut latencies, sent_at.elapsed());
            }
            Some(Ok(Err(_))) => failed += 1,
            Some(Err(_)) | None => {}
        }
    };
    let mut sent = 0;
    while let Some(reading) = work.next(&mut sent) {
        reading.write_json(&mut work.payload);
        let mut record = FutureRecord::to(work.topic)
            .key(reading.key())
            .payload(&work.payload)
            .timestamp(reading.timestamp_millis());
        let delivery = loop {
            match producer.send_result(record) {
                Ok(delivery) => break delivery,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), returned)) => {
                    record = returned;
                    // The queue is full: wait on the oldest future, which frees room.
                    match waiting.pop_front() {
                        Some((sent_at, mut oldest)) => {
                            match tokio::time::timeout(timeout, &mut oldest).await {
                                Ok(outcome) => settle(sent_at, Some(outcome)),
                                Err(_) => timed_out.push(oldest),
                            }
                        }
                        None => tokio::time::sleep(Duration::from_millis(1)).await,
                    }
                }
                Err((err, _)) => return Err(err.into()),
            }
        };
        waiting.push_back((Instant::now(), delivery));
        if waiting.len() > window {
            let (sent_at, mut oldest) = waiting.pop_front().expect("window is not empty");
            match tokio::time::timeout(timeout, &mut oldest).await {
                Ok(outcome) => settle(sent_at, Some(outcome)),
                Err(_) => timed_out.push(oldest),
            }
        }
    }
    for (sent_at, mut delivery) in waiting {
        match tokio::time::timeout(timeout, &mut delivery).await {
            Ok(outcome) => settle(sent_at, Some(outcome)),
            Err(_) => timed_out.push(delivery),
        }
    }
    producer.flush(work.flush_timeout)?;
    let timed_out_count = timed_out.len();
    for delivery in timed_out {
        match delivery.await {
            Ok(Ok(_)) => confirmed += 1,
            Ok(Err(_)) => failed += 1,
            Err(_) => {}
        }
    }
    let elapsed = started.elapsed();
    // Named for what it measures: a window of futures, not step 04's one-at-a-time wait.
    let name = format!(
        "Future window of {window}, {} wait",
        humantime::format_duration(timeout)
    );
    let mut result = ModeResult::new(Mode::Future, &name, sent, elapsed, Some(&latencies));
    if timed_out_count > 0 {
        result.mode = format!("{name} ({timed_out_count} waits timed out)");
    }
    finish(result, &before, Some((confirmed, failed)))
}

/// Synchronous: await each send before the next.
pub async fn synchronous(mut work: Workload<'_>) -> Result<ModeResult> {
    let producer: FutureProducer = work.config.create()?;
    warm_up_future(&producer, work.topic).await?;
    let before = BrokerCount::before(work.config, work.topic)?;
    let mut latencies = latency_histogram();
    let (mut confirmed, mut failed) = (0, 0);
    let started = work.start();
    let mut sent = 0;
    while let Some(reading) = work.next(&mut sent) {
        reading.write_json(&mut work.payload);
        let record = FutureRecord::to(work.topic)
            .key(reading.key())
            .payload(&work.payload)
            .timestamp(reading.timestamp_millis());
        let sent_at = Instant::now();
        match producer.send(record, Timeout::Never).await {
            Ok(_) => {
                confirmed += 1;
                record_latency(&mut latencies, sent_at.elapsed());
            }
            Err(_) => failed += 1,
        }
    }
    let result = ModeResult::new(
        Mode::Sync,
        "Synchronous",
        sent,
        started.elapsed(),
        Some(&latencies),
    );
    finish(result, &before, Some((confirmed, failed)))
}
