//! Reading back what the broker really holds, with a plain consumer.
//!
//! Used by the steps that count their records on the broker, and by every behaviour
//! test: what a step *reported* is only trusted once it matches what the broker *has*.

use anyhow::{bail, Context, Result};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Headers, Message};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
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

/// A plain consumer with the run's connection settings (`connection`: the producer's
/// configuration will do; its producer-only keys are left out), reading without a group.
pub fn consumer(connection: &ClientConfig) -> Result<BaseConsumer> {
    let mut config = crate::settings::connection_only(connection);
    config
        .set("group.id", "lesson-readback")
        .set("enable.auto.commit", "false")
        // An offset the broker no longer holds (its records deleted) is an error, never
        // a silent jump to the end (librdkafka's default, `largest`) that reads nothing.
        .set("auto.offset.reset", "error")
        // Say when a partition's end is reached, so reading can stop there.
        .set("enable.partition.eof", "true");
    config
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

/// A read-back asked for an offset the broker no longer holds: the records from there
/// were deleted (`auto.offset.reset=error` makes librdkafka say so).
#[derive(Debug)]
pub struct OffsetDeleted;

impl std::fmt::Display for OffsetDeleted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "the broker no longer holds the records the read-back asked for: they were deleted",
        )
    }
}

impl std::error::Error for OffsetDeleted {}

/// When a read-back may stop. Reading starts after the records of interest were
/// written, so once every partition's end has been reached they have all been seen;
/// records that arrive later (another producer's) do not hold the read up.
pub struct Until<'a> {
    /// Stop as soon as this many records of interest have been read (`None`: read to
    /// the end).
    pub enough: Option<Enough<'a>>,
    /// Otherwise stop this long after every partition's end has been reached (a broker's
    /// idea of the end can lag what it holds).
    pub linger: Duration,
    /// Give up (an error) after this long.
    pub limit: Duration,
}

/// A read-back's records of interest: which they are, and how many there are to find.
/// Each record is looked at once, as it arrives, so a read of a busy shared topic costs
/// the same for every record, the last as the first.
pub struct Enough<'a> {
    pub of_interest: &'a dyn Fn(&StoredRecord) -> bool,
    pub count: u64,
}

/// The records of `topic` from `starts` (partition → offset) on, ordered by partition
/// then offset.
pub fn read_partitions(
    consumer: &BaseConsumer,
    topic: &str,
    starts: &[(i32, Offset)],
    until: &Until<'_>,
) -> Result<Vec<StoredRecord>> {
    let mut assignment = TopicPartitionList::new();
    for &(partition, offset) in starts {
        assignment.add_partition_offset(topic, partition, offset)?;
    }
    consumer.assign(&assignment)?;
    let mut reached_end: BTreeSet<i32> = BTreeSet::new();
    let mut all_ended: Option<Instant> = None;
    let mut records = Vec::new();
    let started = Instant::now();
    let mut last_error = None;
    let mut found = 0u64;
    loop {
        let enough = until.enough.as_ref().is_some_and(|e| found >= e.count);
        if enough || all_ended.is_some_and(|at| at.elapsed() >= until.linger) {
            break;
        }
        if started.elapsed() > until.limit {
            bail!(
                "read back {} records of {topic}, but not to its end, in {}{}",
                records.len(),
                humantime::format_duration(until.limit),
                last_error.map_or(String::new(), |err| format!(" (last error: {err})"))
            );
        }
        match consumer.poll(Duration::from_millis(50)) {
            None => {}
            Some(Err(KafkaError::MessageConsumption(RDKafkaErrorCode::AutoOffsetReset))) => {
                return Err(OffsetDeleted.into())
            }
            Some(Err(KafkaError::PartitionEOF(partition))) => {
                reached_end.insert(partition);
                if reached_end.len() == starts.len() {
                    all_ended.get_or_insert_with(Instant::now);
                }
            }
            // Connection errors (say, after an outage) are passing: librdkafka retries
            // on its own. If they last, the limit ends the read and names the last one.
            Some(Err(err)) => last_error = Some(err),
            Some(Ok(message)) => {
                let record = stored(&message);
                if until
                    .enough
                    .as_ref()
                    .is_some_and(|e| (e.of_interest)(&record))
                {
                    found += 1;
                }
                records.push(record);
            }
        }
    }
    records.sort_by_key(|r| (r.partition, r.offset));
    Ok(records)
}

/// Every record of `topic`, from each partition's first offset to its end.
pub fn read_topic(
    connection: &ClientConfig,
    topic: &str,
    timeout: Duration,
) -> Result<Vec<StoredRecord>> {
    read_topic_lingering(connection, topic, Duration::ZERO, timeout)
}

/// Every record of `topic`, reading on for `linger` after every partition's end (for
/// brokers whose end offsets may lag what they hold), giving up after `timeout`.
pub fn read_topic_lingering(
    connection: &ClientConfig,
    topic: &str,
    linger: Duration,
    timeout: Duration,
) -> Result<Vec<StoredRecord>> {
    let consumer = consumer(connection)?;
    let partitions = watermarks(consumer.client(), topic, timeout)?.len() as i32;
    let starts: Vec<_> = (0..partitions).map(|p| (p, Offset::Beginning)).collect();
    let until = Until {
        enough: None,
        linger,
        limit: timeout,
    };
    read_partitions(&consumer, topic, &starts, &until)
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
pub fn dump_topics(
    connection: &ClientConfig,
    topics: &[&str],
    path: &std::path::Path,
) -> Result<()> {
    let mut dump = BTreeMap::new();
    for topic in topics {
        dump.insert(
            topic.to_string(),
            read_topic(connection, topic, Duration::from_secs(10))?,
        );
    }
    let json = serde_json::to_string_pretty(&dump)?;
    std::fs::write(path, json).with_context(|| format!("could not write {}", path.display()))
}
