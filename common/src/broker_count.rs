//! Counting what the broker holds of this run, by reading this run's records back.
//!
//! This is *not* part of any send pattern: it is the lesson looking over the
//! producer's shoulder, to show what the producer itself did or did not learn.
//! It uses a client of its own, so it can still ask after the producer is gone.
//!
//! A class shares one topic, so the topic's growth is no measure of one run: it counts
//! the records that carry this run's tag (see [`crate::run_tag`]). It starts reading
//! where each partition ended before the run, so it reads little more than the run's
//! own records. A broker whose end offsets lag only makes it start earlier.
//!
//! A broker may delete old records: by retention, or, on the embedded broker, past about
//! 100,000 message sets or 5 MiB per partition (`rdkafka_mock.c`). When a partition's
//! log starts past where the run began, the count is not made: see [`Held`].

use crate::readback::{
    consumer, read_partitions, watermarks, Enough, OffsetDeleted, StoredRecord, Until,
};
use crate::run_tag::RunTag;
use anyhow::Result;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Offset};
use std::time::Duration;

const WATERMARK_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to keep reading past every partition's end when records are missing, in
/// case the broker's end offsets lag what it holds.
const LINGER_BEFORE_GIVING_UP: Duration = Duration::from_secs(1);
/// The longest a count may take.
const READ_LIMIT: Duration = Duration::from_secs(30);

/// Where every partition ended before the run, and a client to read from there.
pub struct BrokerCount {
    consumer: BaseConsumer,
    topic: String,
    starts: Vec<(i32, Offset)>,
}

impl BrokerCount {
    /// Notes where every partition ends now, before sending. `connection` is the
    /// run's configuration (the producer's will do: only its connection keys are used).
    pub fn before(connection: &ClientConfig, topic: &str) -> Result<Self> {
        let consumer = consumer(connection)?;
        let starts = watermarks(consumer.client(), topic, WATERMARK_TIMEOUT)?
            .into_iter()
            .enumerate()
            .map(|(partition, (_, high))| (partition as i32, Offset::Offset(high)))
            .collect();
        Ok(Self {
            consumer,
            topic: topic.to_owned(),
            starts,
        })
    }

    /// The records the topic gained since [`BrokerCount::before`], from any producer.
    pub fn records_since(&self, expected_of_run: u64, run: &RunTag) -> Result<Vec<StoredRecord>> {
        let until = Until {
            enough: Some(Enough {
                of_interest: &|record| run.marks(record),
                count: expected_of_run,
            }),
            linger: LINGER_BEFORE_GIVING_UP,
            limit: READ_LIMIT,
        };
        read_partitions(&self.consumer, &self.topic, &self.starts, &until)
    }

    /// How many records of this run the broker holds, or why it cannot tell. `sent` is
    /// how many the run handed to the producer: reading stops early once that many are
    /// found.
    pub fn held_of_run(&self, run: &RunTag, sent: u64) -> Result<Held> {
        match self.records_since(sent, run) {
            Ok(records) => Ok(Held::Counted(
                records.iter().filter(|r| run.marks(r)).count() as u64,
            )),
            // Where the read-back found records deleted, say where the log starts now.
            Err(err) if err.is::<OffsetDeleted>() => self.start_deleted()?.ok_or(err),
            Err(err) => Err(err),
        }
    }

    /// The first partition whose log now starts past where the run began in it: records
    /// that may be the run's were deleted, so what is left proves nothing.
    fn start_deleted(&self) -> Result<Option<Held>> {
        let now = watermarks(self.consumer.client(), &self.topic, WATERMARK_TIMEOUT)?;
        Ok(now
            .iter()
            .zip(&self.starts)
            .find_map(|(&(log_start, _), &(partition, start))| match start {
                Offset::Offset(run_start) if log_start > run_start => Some(Held::StartDeleted {
                    partition,
                    run_start,
                    log_start,
                }),
                _ => None,
            }))
    }
}

impl BrokerCount {
    /// How much the topic grew since [`BrokerCount::before`], from end offsets. Right
    /// only when no one else writes and the broker's end offsets are exact: `compare`
    /// on its own embedded broker, counting a million records it could not read fast.
    pub fn growth(&self) -> Result<u64> {
        let now = watermarks(self.consumer.client(), &self.topic, WATERMARK_TIMEOUT)?;
        Ok(now
            .iter()
            .zip(&self.starts)
            .map(|(&(_, high), &(_, start))| match start {
                Offset::Offset(start) => (high - start).max(0) as u64,
                _ => 0,
            })
            .sum())
    }
}

/// What the broker can tell of one run's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// It holds exactly this many of them.
    Counted(u64),
    /// It deleted records from where the run began: `partition`'s log now starts at
    /// `log_start`, past `run_start`, the partition's end before the run. Counting what
    /// is left would report as lost what the broker threw away.
    StartDeleted {
        partition: i32,
        run_start: i64,
        log_start: i64,
    },
}

impl Held {
    /// The count, when it could be made.
    pub fn counted(self) -> Option<u64> {
        match self {
            Held::Counted(held) => Some(held),
            Held::StartDeleted { .. } => None,
        }
    }

    /// Why the count could not be made, for a run that sent `sent` records; `None` when
    /// it was. `deletes` says why the broker deletes records (see
    /// [`crate::broker::Broker::deletes_old_records`]).
    pub fn why_uncounted(self, sent: u64, deletes: &str) -> Option<String> {
        match self {
            Held::Counted(_) => None,
            Held::StartDeleted {
                partition,
                run_start,
                log_start,
            } => Some(format!(
                "partition {partition} now starts at offset {log_start}, past offset {run_start} where this run began, so records were deleted before they could be counted ({deletes}; this run sent {sent} messages)"
            )),
        }
    }
}
