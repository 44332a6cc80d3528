//! Counting what the broker gained during a run, from partition watermarks.
//!
//! This is *not* part of any send pattern: it is the lesson looking over the
//! producer's shoulder, to show what the producer itself did or did not learn.
//! It counts every record added to the topic meanwhile, so on a shared real
//! cluster another producer's records would count too.

use crate::readback::watermarks;
use anyhow::Result;
use rdkafka::client::Client;
use rdkafka::ClientContext;
use std::time::Duration;

const WATERMARK_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to keep asking until the end offsets stop moving.
const SETTLE_LIMIT: Duration = Duration::from_secs(3);
const SETTLE_PAUSE: Duration = Duration::from_millis(100);

/// The high watermarks once they have stopped moving: three equal answers in a row.
///
/// Kafka advances a partition's end offset before it acknowledges an `acks=all`
/// write, but not every Kafka-protocol broker does (tansu's answers were seen to lag
/// the acknowledgements by a moment), so one answer is not trusted on its own.
fn settled_high_watermarks<C: ClientContext>(client: &Client<C>, topic: &str) -> Result<Vec<i64>> {
    let read = || -> Result<Vec<i64>> {
        Ok(watermarks(client, topic, WATERMARK_TIMEOUT)?
            .into_iter()
            .map(|(_, high)| high)
            .collect())
    };
    let deadline = std::time::Instant::now() + SETTLE_LIMIT;
    let mut last = read()?;
    let mut same = 0;
    while same < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(SETTLE_PAUSE);
        let next = read()?;
        same = if next == last { same + 1 } else { 0 };
        last = next;
    }
    Ok(last)
}

/// The high watermark of every partition at one moment.
pub struct BrokerCount {
    topic: String,
    high_before: Vec<i64>,
}

impl BrokerCount {
    /// Notes where every partition ends now, before sending.
    pub fn before<C: ClientContext>(client: &Client<C>, topic: &str) -> Result<Self> {
        let high_before = settled_high_watermarks(client, topic)?;
        Ok(Self {
            topic: topic.to_owned(),
            high_before,
        })
    }

    /// How many records the topic gained since [`BrokerCount::before`].
    pub fn added_since<C: ClientContext>(&self, client: &Client<C>) -> Result<u64> {
        let now = settled_high_watermarks(client, &self.topic)?;
        Ok(now
            .iter()
            .zip(&self.high_before)
            .map(|(&high, &before)| (high - before).max(0) as u64)
            .sum())
    }
}
