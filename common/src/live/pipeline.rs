//! From one librdkafka statistics report (`statistics.interval.ms`, rdkafka's
//! `ClientContext::stats`) to what the live view draws. Fields, per STATISTICS.md:
//! `msgq_cnt` (waiting in the first-level queue) and `xmit_msgq_cnt` (ready in the
//! transmit queue) are queued in the client; `msgs_inflight` is sent and awaiting the
//! broker's reply; `rtt` is the broker round trip and `batchsize`/`batchcnt` the
//! topic's batches, as rolling windows in microseconds, bytes and messages.

use crate::tally::Tally;
use rdkafka::producer::{DeliveryResult, ProducerContext};
use rdkafka::statistics::Statistics;
use rdkafka::ClientContext;
use std::sync::{Arc, Mutex};

/// How often librdkafka reports its statistics for the live view.
pub const STATISTICS_INTERVAL_MS: u32 = 100;

/// One partition of the producer's pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionWindow {
    pub partition: i32,
    /// In the client: `msgq_cnt` + `xmit_msgq_cnt`.
    pub queued: i64,
    /// Sent, no reply yet: `msgs_inflight`.
    pub in_flight: i64,
}

/// What the live view draws from one statistics report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pipeline {
    /// The topic's partitions, in order (librdkafka's internal -1 left out).
    pub partitions: Vec<PartitionWindow>,
    /// The slowest broker's round trip, p50 and p99, in microseconds (brokers that
    /// answered at least once in the window).
    pub rtt_p50_us: Option<i64>,
    pub rtt_p99_us: Option<i64>,
    /// Records awaiting a reply, summed over brokers: `waitresp_msg_cnt`.
    pub awaiting_reply: i64,
    /// The topic's batches in the window: average bytes and average records.
    pub batch_bytes_avg: Option<i64>,
    pub batch_records_avg: Option<i64>,
}

impl Pipeline {
    /// The pipeline of `topic` in `statistics`.
    pub fn from_statistics(statistics: &Statistics, topic: &str) -> Self {
        let answered = statistics
            .brokers
            .values()
            .filter_map(|broker| broker.rtt.as_ref())
            .filter(|rtt| rtt.cnt > 0);
        let (rtt_p50_us, rtt_p99_us) = answered.fold((None, None), |(p50, p99), rtt| {
            (
                Some(p50.map_or(rtt.p50, |p: i64| p.max(rtt.p50))),
                Some(p99.map_or(rtt.p99, |p: i64| p.max(rtt.p99))),
            )
        });
        let awaiting_reply = statistics
            .brokers
            .values()
            .map(|broker| broker.waitresp_msg_cnt)
            .sum();
        let Some(topic) = statistics.topics.get(topic) else {
            return Self {
                rtt_p50_us,
                rtt_p99_us,
                awaiting_reply,
                ..Self::default()
            };
        };
        let mut partitions: Vec<PartitionWindow> = topic
            .partitions
            .values()
            .filter(|p| p.partition >= 0)
            .map(|p| PartitionWindow {
                partition: p.partition,
                queued: p.msgq_cnt + p.xmit_msgq_cnt,
                in_flight: p.msgs_inflight,
            })
            .collect();
        partitions.sort_by_key(|p| p.partition);
        let batches = (topic.batchcnt.cnt > 0).then_some(());
        Self {
            partitions,
            rtt_p50_us,
            rtt_p99_us,
            awaiting_reply,
            batch_bytes_avg: batches.map(|()| topic.batchsize.avg),
            batch_records_avg: batches.map(|()| topic.batchcnt.avg),
        }
    }

    pub fn queued(&self) -> i64 {
        self.partitions.iter().map(|p| p.queued).sum()
    }

    pub fn in_flight(&self) -> i64 {
        self.partitions.iter().map(|p| p.in_flight).sum()
    }
}

/// Where a producer's statistics go: the latest pipeline of one topic.
#[derive(Debug)]
pub struct StatsSink {
    topic: String,
    latest: Mutex<Option<Pipeline>>,
}

impl StatsSink {
    pub fn new(topic: &str) -> Arc<Self> {
        Arc::new(Self {
            topic: topic.to_owned(),
            latest: Mutex::new(None),
        })
    }

    pub fn record(&self, statistics: &Statistics) {
        *self.latest.lock().unwrap() = Some(Pipeline::from_statistics(statistics, &self.topic));
    }

    pub fn latest(&self) -> Option<Pipeline> {
        self.latest.lock().unwrap().clone()
    }

    /// For a context's `ClientContext::stats`: records into `live`, when there is one.
    pub fn forward(live: &Option<Arc<Self>>, statistics: &Statistics) {
        if let Some(sink) = live {
            sink.record(statistics);
        }
    }
}

/// A client context that hands its statistics to a sink, for a `FutureProducer`.
pub struct WatchedClient(pub Option<Arc<StatsSink>>);

impl ClientContext for WatchedClient {
    fn stats(&self, statistics: Statistics) {
        StatsSink::forward(&self.0, &statistics);
    }
}

/// The lesson's instrumentation for fire-and-forget under `--live`: it counts the
/// outcomes the step never reads, into a tally of the view's own, and hands on the
/// statistics. The step's summary still says "confirmed ?".
pub struct Watched {
    pub sink: Arc<StatsSink>,
    pub outcomes: Arc<Tally>,
}

impl ClientContext for Watched {
    fn stats(&self, statistics: Statistics) {
        self.sink.record(&statistics);
    }
}

impl ProducerContext for Watched {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        self.outcomes.record_sent();
        match result {
            Ok(_) => self.outcomes.record_confirmed(),
            Err(_) => self.outcomes.record_failed(),
        }
    }
}
