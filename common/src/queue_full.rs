//! Sending when librdkafka's local queue is full.
//!
//! Java's `send()` blocks for up to `max.block.ms` when its buffer is full. librdkafka
//! can block too (the `RD_KAFKA_MSG_F_BLOCK` flag of `rd_kafka_produce*()`), but rdkafka's
//! `send` never asks for it (it passes only `RD_KAFKA_MSG_F_COPY`): it returns
//! `QueueFull` at once and hands the record back. Dropping it there would lose a message
//! silently, so we wait for the queue to drain and retry. A message counts against the
//! queue (`queue.buffering.max.messages`) until its delivery report has been served, so
//! a slow delivery callback fills it too.
//!
//! The caller keeps its own `producer.send(record)` call in view and hands it in:
//! `retry_while_queue_full(record, |record| producer.send(record)).await`.

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use std::time::Duration;

/// How long to let the polling thread drain the queue before retrying.
const QUEUE_FULL_BACKOFF: Duration = Duration::from_millis(1);

// ANCHOR: retry_while_queue_full
/// Calls `send` with `record`, waiting and retrying while the local queue is full.
/// Any other error comes back at once, with the record, for the caller to report.
pub async fn retry_while_queue_full<R>(
    record: R,
    send: impl FnMut(R) -> Result<(), (KafkaError, R)>,
) -> Result<(), (KafkaError, R)> {
    retry_counting_waits(record, &mut 0, send).await
}

/// [`retry_while_queue_full`], adding to `waits` each time the queue was full.
pub async fn retry_counting_waits<R>(
    mut record: R,
    waits: &mut u64,
    mut send: impl FnMut(R) -> Result<(), (KafkaError, R)>,
) -> Result<(), (KafkaError, R)> {
    loop {
        match send(record) {
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), returned)) => {
                *waits += 1;
                // ANCHOR: exercise-retry-on-queue-full
                record = returned;
                tokio::time::sleep(QUEUE_FULL_BACKOFF).await;
                // ANCHOR_END: exercise-retry-on-queue-full
            }
            other => return other,
        }
    }
}
// ANCHOR_END: retry_while_queue_full
