//! What step 02's callback hands off: dead-letter sends, the offsets file, heavy work.
//!
//! The delivery callback runs on the producer's polling thread. While it runs, no
//! other delivery report is handled, so it only counts, prints and queues a job here.
//! This worker task does everything slower: a network send to the dead-letter
//! topic, a file write, or the simulated heavy work of `--slow-callback --offload`.

use anyhow::{Context, Result};
use common::queue_full::retry_while_queue_full;
use common::tally::Tally;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::{ClientConfig, ClientContext};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::task::JoinHandle;

/// A job the callback hands to the worker.
pub enum SideJob {
    /// Send a failed record to the dead-letter topic, with why it failed.
    DeadLetter {
        key: Vec<u8>,
        payload: Vec<u8>,
        /// The original record's timestamp, kept so the DLQ copy says when it was made.
        timestamp: Option<i64>,
        error: String,
    },
    /// Simulated slow work (a database call, an HTTP request).
    HeavyWork(Duration),
    /// No more jobs: write the offsets file, flush the dead-letter producer, stop.
    Finish { last_offsets: BTreeMap<i32, i64> },
}

/// What the worker did, for the summary.
pub struct SideWorkReport {
    pub dead_letters: common::tally::Counts,
    pub heavy_jobs: u64,
}

/// Counts the dead-letter producer's own outcomes: a failed DLQ send is reported too.
struct DeadLetterContext {
    tally: Arc<Tally>,
}

impl ClientContext for DeadLetterContext {}

impl ProducerContext for DeadLetterContext {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        match result {
            Ok(_) => self.tally.record_confirmed(),
            Err((error, _)) => {
                tracing::error!(%error, "could not send a record to the dead-letter topic");
                self.tally.record_failed();
            }
        }
    }
}

pub struct SideWorker {
    pub jobs: UnboundedSender<SideJob>,
    task: JoinHandle<Result<SideWorkReport>>,
}

impl SideWorker {
    /// Starts the worker for `lesson`'s topic, with step 02's use-case flags.
    pub fn for_lesson(lesson: &common::Lesson, use_cases: &crate::UseCaseArgs) -> Result<Self> {
        Self::start(
            &lesson.producer_config(),
            lesson.topic().to_owned(),
            use_cases.dlq_topic.clone(),
            use_cases.offsets_file.clone(),
            lesson.flush_timeout(),
        )
    }

    /// Starts the worker. `config` is the lesson's producer config, reused for the DLQ.
    pub fn start(
        config: &ClientConfig,
        source_topic: String,
        dlq_topic: String,
        offsets_file: Option<PathBuf>,
        flush_timeout: Duration,
    ) -> Result<Self> {
        let tally = Arc::new(Tally::default());
        let dlq: ThreadedProducer<DeadLetterContext> = config
            .create_with_context(DeadLetterContext {
                tally: Arc::clone(&tally),
            })
            .context("could not create the dead-letter producer")?;
        let (jobs, inbox) = unbounded_channel();
        let worker = Worker {
            dlq,
            tally,
            source_topic,
            dlq_topic,
            offsets_file,
            flush_timeout,
        };
        let task = tokio::spawn(worker.run(inbox));
        Ok(Self { jobs, task })
    }

    /// Tells the worker to finish and waits for its report.
    pub async fn finish(self, last_offsets: BTreeMap<i32, i64>) -> Result<SideWorkReport> {
        let _ = self.jobs.send(SideJob::Finish { last_offsets });
        self.task.await?
    }
}

struct Worker {
    dlq: ThreadedProducer<DeadLetterContext>,
    tally: Arc<Tally>,
    source_topic: String,
    dlq_topic: String,
    offsets_file: Option<PathBuf>,
    flush_timeout: Duration,
}

impl Worker {
    async fn run(self, mut inbox: UnboundedReceiver<SideJob>) -> Result<SideWorkReport> {
        let mut heavy_jobs = 0;
        while let Some(job) = inbox.recv().await {
            match job {
                SideJob::DeadLetter {
                    key,
                    payload,
                    timestamp,
                    error,
                } => {
                    self.send_dead_letter(&key, &payload, timestamp, &error)
                        .await
                }
                SideJob::HeavyWork(duration) => {
                    tokio::time::sleep(duration).await;
                    heavy_jobs += 1;
                }
                SideJob::Finish { last_offsets } => {
                    self.write_offsets(&last_offsets)?;
                    break;
                }
            }
        }
        let _ = tokio::task::block_in_place(|| self.dlq.flush(self.flush_timeout));
        Ok(SideWorkReport {
            dead_letters: self.tally.counts(),
            heavy_jobs,
        })
    }

    // ANCHOR: dead_letter
    async fn send_dead_letter(
        &self,
        key: &[u8],
        payload: &[u8],
        timestamp: Option<i64>,
        error: &str,
    ) {
        let headers = OwnedHeaders::new()
            .insert(Header {
                key: "original-topic",
                value: Some(self.source_topic.as_str()),
            })
            .insert(Header {
                key: "error",
                value: Some(error),
            });
        let mut record = BaseRecord::to(&self.dlq_topic)
            .key(key)
            .payload(payload)
            .headers(headers);
        if let Some(timestamp) = timestamp {
            record = record.timestamp(timestamp);
        }
        self.tally.record_sent();
        let sent = retry_while_queue_full(record, |record| self.dlq.send(record)).await;
        if let Err((error, _)) = sent {
            tracing::error!(%error, "could not queue a record for the dead-letter topic");
            self.tally.record_failed();
        }
    }
    // ANCHOR_END: dead_letter

    fn write_offsets(&self, last_offsets: &BTreeMap<i32, i64>) -> Result<()> {
        let Some(path) = &self.offsets_file else {
            return Ok(());
        };
        let json = serde_json::json!({ &self.source_topic: last_offsets });
        std::fs::write(path, serde_json::to_string_pretty(&json)?)
            .with_context(|| format!("could not write the offsets file {}", path.display()))
    }
}
