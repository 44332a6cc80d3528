//! Sending when librdkafka's local queue is full.
//!
//! Java's `send()` blocks for up to `max.block.ms` when its buffer is full. librdkafka
//! can block too (the `RD_KAFKA_MSG_F_BLOCK` flag of `rd_kafka_produce*()`), but rdkafka's
//! `send` never asks for it (it passes only `RD_KAFKA_MSG_F_COPY`): it returns
//! `QueueFull` at once and hands the record back. Dropping it there would lose a message
//! silently, so we wait for the queue to drain and retry. A message counts against the
//! queue (`queue.buffering.max.messages`) until its delivery report has been served, so
//! a slow delivery callback fills it too.

use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::ToBytes;
use rdkafka::producer::{BaseRecord, ProducerContext, ThreadedProducer};
use std::time::Duration;

/// How long to let the polling thread drain the queue before retrying.
const QUEUE_FULL_BACKOFF: Duration = Duration::from_millis(1);

// ANCHOR: send_waiting_for_room
/// Sends `record`, waiting and retrying while the local queue is full.
/// Any other error comes back at once, with the record, for the caller to report.
#[allow(clippy::result_large_err)]
pub async fn send_waiting_for_room<'a, C, K, P>(
    producer: &ThreadedProducer<C>,
    record: BaseRecord<'a, K, P, C::DeliveryOpaque>,
) -> Result<(), (KafkaError, BaseRecord<'a, K, P, C::DeliveryOpaque>)>
where
    C: ProducerContext + 'static,
    K: ToBytes + ?Sized,
    P: ToBytes + ?Sized,
{
    send_counting_waits(producer, record, &mut 0).await
}

/// [`send_waiting_for_room`], adding to `waits` each time the queue was full.
#[allow(clippy::result_large_err)]
pub async fn send_counting_waits<'a, C, K, P>(
    producer: &ThreadedProducer<C>,
    mut record: BaseRecord<'a, K, P, C::DeliveryOpaque>,
    waits: &mut u64,
) -> Result<(), (KafkaError, BaseRecord<'a, K, P, C::DeliveryOpaque>)>
where
    C: ProducerContext + 'static,
    K: ToBytes + ?Sized,
    P: ToBytes + ?Sized,
{
    loop {
        match producer.send(record) {
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
// ANCHOR_END: send_waiting_for_room
