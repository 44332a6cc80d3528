//! Step 02's delivery callback: one report per message, on rdkafka's polling thread.
//!
//! Each message carries its reading as the "delivery opaque", so the callback can say
//! which reading succeeded or failed. It counts, prints, and hands slow work (the
//! dead-letter send) to the worker.

use crate::lines::{callback_failure, callback_success, record_time};
use crate::metrics::Metrics;
use crate::side_work::SideJob;
use common::live::StatsSink;
use common::tally::Tally;
use common::{Out, Run, SensorReading};
use rdkafka::message::Message;
use rdkafka::producer::{DeliveryResult, ProducerContext};
use rdkafka::statistics::Statistics;
use rdkafka::ClientContext;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

// ANCHOR: callback
/// Receives one delivery report per message, with the message's reading.
pub struct DeliveryReporter {
    tally: Arc<Tally>,
    metrics: Arc<Metrics>,
    side_jobs: UnboundedSender<SideJob>,
    /// The embedded broker's log-append times are placeholders: show the record's own.
    placeholder_log_append_time: bool,
    out: Out,
    /// `--live`: where librdkafka's statistics go.
    live: Option<Arc<StatsSink>>,
}

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
                self.out
                    .say(|| callback_success(&reading, partition, offset, time));
                // ANCHOR_END: exercise-callback-lines
            }
            Err((error, message)) => {
                // ANCHOR: exercise-count-failures
                self.tally.record_failed();
                self.metrics.count_failure(error);
                // ANCHOR_END: exercise-count-failures
                tracing::error!(key = %reading.sensor_id, %error, "send failed");
                // ANCHOR: exercise-callback-lines
                self.out.say(|| callback_failure(&reading, error));
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

impl ClientContext for DeliveryReporter {
    fn stats(&self, statistics: Statistics) {
        StatsSink::forward(&self.live, &statistics);
    }
}

impl DeliveryReporter {
    /// A callback that counts into `run`'s tally, speaks to its output, files metrics in
    /// `metrics` and dead letters with `side_jobs`, and hands statistics to `live`.
    pub fn new(
        run: &Run,
        metrics: &Arc<Metrics>,
        side_jobs: UnboundedSender<SideJob>,
        placeholder_log_append_time: bool,
        live: Option<Arc<StatsSink>>,
    ) -> Self {
        Self {
            tally: Arc::clone(run.tally()),
            metrics: Arc::clone(metrics),
            side_jobs,
            placeholder_log_append_time,
            out: run.out().clone(),
            live,
        }
    }
}
