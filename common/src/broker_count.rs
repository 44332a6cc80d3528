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

/// The high watermark of every partition at one moment.
pub struct BrokerCount {
    topic: String,
    high_before: Vec<i64>,
}

impl BrokerCount {
    /// Notes where every partition ends now, before sending.
    pub fn before<C: ClientContext>(client: &Client<C>, topic: &str) -> Result<Self> {
        let high_before = watermarks(client, topic, WATERMARK_TIMEOUT)?
            .into_iter()
            .map(|(_, high)| high)
            .collect();
        Ok(Self {
            topic: topic.to_owned(),
            high_before,
        })
    }

    /// How many records the topic gained since [`BrokerCount::before`].
    pub fn added_since<C: ClientContext>(&self, client: &Client<C>) -> Result<u64> {
        let now = watermarks(client, &self.topic, WATERMARK_TIMEOUT)?;
        Ok(now
            .iter()
            .zip(&self.high_before)
            .map(|(&(_, high), &before)| (high - before).max(0) as u64)
            .sum())
    }
}
