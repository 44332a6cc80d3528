//! Each send mode, run on the same workload: the lesson's seeded readings, unpaced.
//!
//! Every mode gets a fresh producer that is warmed up first (connected, and one
//! record sent and flushed), so the clock measures sending, not connecting. The clock
//! stops when every message has an outcome: even fire-and-forget must flush.

use crate::measure::{latency_histogram, record_latency, ModeResult};
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
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
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
}

impl Workload<'_> {
    /// The next reading, or `None` once `count` were made or `duration` has passed.
    fn next(&mut self, started: Instant, sent: &mut u64) -> Option<common::SensorReading> {
        if *sent >= self.count || started.elapsed() >= self.duration {
            return None;
        }
        *sent += 1;
        Some(self.readings.next_reading())
    }
}

/// How many delivery futures the future-with-timeout mode keeps before it waits on
/// the oldest: it keeps sending meanwhile, which is the point of keeping the future.
const FUTURE_WINDOW: usize = 50_000;

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
    let started = Instant::now();
    let mut sent = 0;
    while let Some(reading) = work.next(started, &mut sent) {
        reading.write_json(&mut work.payload);
        let record = BaseRecord::to(work.topic)
            .key(reading.key())
            .payload(&work.payload)
            .timestamp(reading.timestamp_millis());
        let call = Instant::now();
        send_waiting_for_room(&producer, record)
            .await
            .map_err(|(err, _)| err)?;
        record_latency(&mut latencies, call.elapsed());
    }
    producer.flush(work.flush_timeout)?;
    let name = if only_error_reports {
        "Fire-and-forget, error reports only"
    } else {
        "Async fire-and-forget"
    };
    let result = ModeResult::new(name, sent, started.elapsed(), Some(&latencies));
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
    let started = Instant::now();
    let mut sent = 0;
    while let Some(reading) = work.next(started, &mut sent) {
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
    producer.flush(work.flush_timeout)?;
    let elapsed = started.elapsed();
    let context = producer.context();
    let outcomes = (
        context.confirmed.load(Relaxed),
        context.failed.load(Relaxed),
    );
    let result = ModeResult::new(
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
pub async fn future_with_timeout(mut work: Workload<'_>, timeout: Duration) -> Result<ModeResult> {
    let producer: FutureProducer = work.config.create()?;
    warm_up_future(&producer, work.topic).await?;
    let before = BrokerCount::before(work.config, work.topic)?;
    let mut latencies = latency_histogram();
    let (mut confirmed, mut failed) = (0, 0);
    let mut waiting: VecDeque<(Instant, DeliveryFuture)> = VecDeque::with_capacity(FUTURE_WINDOW);
    let mut timed_out: Vec<DeliveryFuture> = Vec::new();
    let started = Instant::now();

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
    while let Some(reading) = work.next(started, &mut sent) {
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
        if waiting.len() > FUTURE_WINDOW {
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
        "Future window of {FUTURE_WINDOW}, {} wait",
        humantime::format_duration(timeout)
    );
    let mut result = ModeResult::new(&name, sent, elapsed, Some(&latencies));
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
    let started = Instant::now();
    let mut sent = 0;
    while let Some(reading) = work.next(started, &mut sent) {
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
    let result = ModeResult::new("Synchronous", sent, started.elapsed(), Some(&latencies));
    finish(result, &before, Some((confirmed, failed)))
}
