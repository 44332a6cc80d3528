//! Step 04's `--drop-on-timeout`: the wait that Java's `future.get(100, MILLISECONDS)`
//! first turns into in Rust, and what it loses.
//!
//! `tokio::time::timeout(d, future)` takes the future by value. When the wait runs out,
//! `timeout` drops it, and with it the only way to learn the outcome. The message was
//! queued by `send_result` and still goes; the broker check shows it landed.

use crate::lines::{future_failure, in_time, timed_out};
use common::{Run, SensorReading};
use rdkafka::producer::DeliveryFuture;
use std::time::Duration;

// ANCHOR: dropped_future
/// Waits for `delivery` by value: when the wait runs out, `timeout` drops the future.
/// The message still goes; only the answer is gone. Returns whether it was dropped.
pub async fn wait_dropping(
    run: &Run,
    reading: &SensorReading,
    delivery: DeliveryFuture,
    wait: Duration,
) -> bool {
    match tokio::time::timeout(wait, delivery).await {
        Err(_elapsed) => {
            run.say(|| timed_out(reading, wait));
            true
        }
        Ok(Ok(Ok(delivery))) => {
            run.tally().record_confirmed();
            run.say(|| in_time(reading, delivery.partition, delivery.offset));
            false
        }
        Ok(Ok(Err((error, _)))) => {
            run.tally().record_failed();
            run.say(|| future_failure(reading, &error));
            false
        }
        Ok(Err(_cancelled)) => false,
    }
}
// ANCHOR_END: dropped_future
