//! Reading back what the broker really holds, with a plain consumer.
//!
//! Used by step 01's reveal, step 04's check and by every behaviour test: what a step
//! *reported* is only trusted once it matches what the broker *has*.

use anyhow::{bail, Context, Result};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// One record as the broker stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRecord {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<String>,
    pub value: Option<String>,
    /// Record timestamp in milliseconds.
    pub timestamp: Option<i64>,
    pub headers: BTreeMap<String, String>,
}

fn consumer(bootstrap_servers: &str) -> Result<BaseConsumer> {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap_servers)
        .set("group.id", "lesson-readback")
        .set("enable.auto.commit", "false")
        .create()
        .context("could not create the read-back consumer")
}

/// The `(low, high)` watermarks of every partition of `topic`, by partition.
pub fn watermarks<C: rdkafka::ClientContext>(
    client: &rdkafka::client::Client<C>,
    topic: &str,
    timeout: Duration,
) -> Result<Vec<(i64, i64)>> {
    let metadata = client
        .fetch_metadata(Some(topic), timeout)
        .with_context(|| format!("could not fetch metadata for topic {topic}"))?;
    let Some(topic_metadata) = metadata.topics().first() else {
        bail!("topic {topic} does not exist");
    };
    if let Some(err) = topic_metadata.error() {
        bail!(
            "topic {topic}: {}",
            rdkafka::error::RDKafkaErrorCode::from(err)
        );
    }
    (0..topic_metadata.partitions().len() as i32)
        .map(|partition| {
            client
                .fetch_watermarks(topic, partition, timeout)
                .with_context(|| format!("could not read the watermarks of {topic}/{partition}"))
        })
        .collect()
}

/// Every record of `topic`, ordered by partition then offset.
pub fn read_topic(
    bootstrap_servers: &str,
    topic: &str,
    timeout: Duration,
) -> Result<Vec<StoredRecord>> {
    let consumer = consumer(bootstrap_servers)?;
    let marks = watermarks(consumer.client(), topic, timeout)?;
    let mut assignment = TopicPartitionList::new();
    let mut remaining = 0;
    for (partition, &(low, high)) in marks.iter().enumerate() {
        if high > low {
            assignment.add_partition_offset(topic, partition as i32, Offset::Offset(low))?;
            remaining += (high - low) as usize;
        }
    }
    let mut records = Vec::with_capacity(remaining);
    if remaining == 0 {
        return Ok(records);
    }
    consumer.assign(&assignment)?;
    let deadline = Instant::now() + timeout;
    while records.len() < remaining {
        if Instant::now() > deadline {
            bail!(
                "read back only {} of {remaining} records of {topic} in {}",
                records.len(),
                humantime::format_duration(timeout)
            );
        }
        let Some(message) = consumer.poll(Duration::from_millis(100)) else {
            continue;
        };
        let message = message.with_context(|| format!("reading {topic} back"))?;
        let (_, high) = marks[message.partition() as usize];
        if message.offset() >= high {
            continue;
        }
        records.push(stored(&message));
    }
    records.sort_by_key(|r| (r.partition, r.offset));
    Ok(records)
}

/// Every record of `topic` from the beginning, reading until nothing new arrives for
/// `idle`. Unlike [`read_topic`], this trusts no end offsets, only the records.
pub fn read_topic_until_idle(
    bootstrap_servers: &str,
    topic: &str,
    idle: Duration,
) -> Result<Vec<StoredRecord>> {
    let consumer = consumer(bootstrap_servers)?;
    let partitions = watermarks(consumer.client(), topic, Duration::from_secs(10))?.len();
    let mut assignment = TopicPartitionList::new();
    for partition in 0..partitions as i32 {
        assignment.add_partition_offset(topic, partition, Offset::Beginning)?;
    }
    consumer.assign(&assignment)?;
    let mut records = Vec::new();
    let mut last_arrival = Instant::now();
    while last_arrival.elapsed() < idle {
        let Some(message) = consumer.poll(Duration::from_millis(100)) else {
            continue;
        };
        let message = message.with_context(|| format!("reading {topic} back"))?;
        last_arrival = Instant::now();
        records.push(stored(&message));
    }
    records.sort_by_key(|r| (r.partition, r.offset));
    Ok(records)
}

fn stored(message: &rdkafka::message::BorrowedMessage<'_>) -> StoredRecord {
    let text = |bytes: Option<&[u8]>| bytes.map(|b| String::from_utf8_lossy(b).into_owned());
    let headers = message
        .headers()
        .map(|headers| {
            headers
                .iter()
                .map(|h| (h.key.to_owned(), text(h.value).unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    StoredRecord {
        partition: message.partition(),
        offset: message.offset(),
        key: text(message.key()),
        value: text(message.payload()),
        timestamp: message.timestamp().to_millis(),
        headers,
    }
}

/// Reads `topics` back and writes them as one JSON object, topic → records.
pub fn dump_topics(bootstrap_servers: &str, topics: &[&str], path: &std::path::Path) -> Result<()> {
    let mut dump = BTreeMap::new();
    for topic in topics {
        dump.insert(
            topic.to_string(),
            read_topic(bootstrap_servers, topic, Duration::from_secs(10))?,
        );
    }
    let json = serde_json::to_string_pretty(&dump)?;
    std::fs::write(path, json).with_context(|| format!("could not write {}", path.display()))
}
