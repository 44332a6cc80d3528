//! Counting what the broker gained during a run, from partition watermarks.
//!
//! This is *not* part of any send pattern: it is the lesson looking over the
//! producer's shoulder, to show what the producer itself did or did not learn.
//! It uses a client of its own, so it can still ask after the producer is gone.
//! It counts every record added to the topic meanwhile, so on a shared real
//! cluster another producer's records would count too.

use crate::readback::watermarks;
use anyhow::{Context, Result};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::ClientConfig;
use std::time::Duration;

const WATERMARK_TIMEOUT: Duration = Duration::from_secs(10);

/// The high watermark of every partition at one moment, and a client to ask again.
pub struct BrokerCount {
    client: BaseConsumer,
    topic: String,
    high_before: Vec<i64>,
}

impl BrokerCount {
    /// Notes where every partition ends now, before sending. `config` is the run's
    /// connection settings (the producer's will do: only the connection keys matter).
    pub fn before(config: &ClientConfig, topic: &str) -> Result<Self> {
        let client: BaseConsumer = config
            .create()
            .context("could not create the client that counts what the broker holds")?;
        let high_before = watermarks(client.client(), topic, WATERMARK_TIMEOUT)?
            .into_iter()
            .map(|(_, high)| high)
            .collect();
        Ok(Self {
            client,
            topic: topic.to_owned(),
            high_before,
        })
    }

    /// How many records the topic gained since [`BrokerCount::before`].
    pub fn added_since(&self) -> Result<u64> {
        let now = watermarks(self.client.client(), &self.topic, WATERMARK_TIMEOUT)?;
        Ok(now
            .iter()
            .zip(&self.high_before)
            .map(|(&(_, high), &before)| (high - before).max(0) as u64)
            .sum())
    }
}
