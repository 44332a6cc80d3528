//! Which broker a run talks to: the embedded mock cluster by default, or a real one.
//!
//! The embedded broker is librdkafka's own mock cluster, started in-process, so the
//! lesson runs with zero setup. Its handle is not `Send`, so it lives on a thread of its
//! own and takes orders (inject errors, go down, come up) over a channel.

use crate::args::{CommonArgs, Outage};
use crate::settings::Settings;
use anyhow::{anyhow, bail, Context, Result};
use rdkafka::mocking::MockCluster;
use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Brokers in the embedded cluster, as in a small real cluster.
pub const EMBEDDED_BROKERS: i32 = 3;
/// Partitions of every topic the embedded broker creates.
pub const EMBEDDED_PARTITIONS: i32 = 3;

/// The broker error that `--inject-errors` answers with: the broker refuses the batch
/// and retrying cannot help.
pub const INJECTED_ERROR: RDKafkaRespErr = RDKafkaRespErr::RD_KAFKA_RESP_ERR_INVALID_RECORD;
/// The error that `--retriable-errors` answers with: librdkafka retries it by itself.
pub const RETRIABLE_ERROR: RDKafkaRespErr = RDKafkaRespErr::RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS;

enum Order {
    RejectProduceRequests(Vec<RDKafkaRespErr>),
    Stop,
}

/// librdkafka's mock cluster on its own thread.
pub struct EmbeddedBroker {
    bootstrap_servers: String,
    round_trip: Duration,
    orders: mpsc::Sender<Order>,
    thread: Option<JoinHandle<()>>,
}

impl EmbeddedBroker {
    /// Starts the cluster with `topics` created, each with [`EMBEDDED_PARTITIONS`] partitions.
    pub fn start(topics: &[&str], round_trip: Duration, outage: Option<Outage>) -> Result<Self> {
        let topics: Vec<String> = topics.iter().map(|t| t.to_string()).collect();
        let (orders, inbox) = mpsc::channel();
        let (ready, started) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("embedded-broker".into())
            .spawn(move || {
                let cluster = match Self::build(&topics, round_trip) {
                    Ok(cluster) => cluster,
                    Err(err) => {
                        let _ = ready.send(Err(err));
                        return;
                    }
                };
                let _ = ready.send(Ok(cluster.bootstrap_servers()));
                Self::serve(&cluster, &inbox, outage);
            })
            .context("could not start the embedded broker's thread")?;
        let bootstrap_servers = started
            .recv()
            .map_err(|_| anyhow!("the embedded broker stopped while starting"))??;
        Ok(Self {
            bootstrap_servers,
            round_trip,
            orders,
            thread: Some(thread),
        })
    }

    fn build(
        topics: &[String],
        round_trip: Duration,
    ) -> Result<MockCluster<'static, rdkafka::producer::DefaultProducerContext>> {
        let cluster =
            MockCluster::new(EMBEDDED_BROKERS).context("could not start the embedded broker")?;
        for topic in topics {
            cluster
                .create_topic(topic, EMBEDDED_PARTITIONS, EMBEDDED_BROKERS)
                .with_context(|| {
                    format!("could not create topic {topic} on the embedded broker")
                })?;
        }
        for broker_id in 1..=EMBEDDED_BROKERS {
            cluster.broker_round_trip_time(broker_id, round_trip)?;
        }
        Ok(cluster)
    }

    /// Carries out orders, and the scheduled outage, until told to stop.
    fn serve(
        cluster: &MockCluster<'static, rdkafka::producer::DefaultProducerContext>,
        inbox: &mpsc::Receiver<Order>,
        outage: Option<Outage>,
    ) {
        let started = Instant::now();
        // The outage as two timed events: all brokers down, then all up again.
        let mut events: Vec<(Instant, bool)> = outage
            .map(|o| {
                vec![
                    (started + o.start, false),
                    (started + o.start + o.length, true),
                ]
            })
            .unwrap_or_default();
        loop {
            let order = match events.first() {
                Some(&(at, _)) => inbox.recv_timeout(at.saturating_duration_since(Instant::now())),
                None => inbox
                    .recv()
                    .map_err(|_| mpsc::RecvTimeoutError::Disconnected),
            };
            match order {
                Ok(Order::RejectProduceRequests(errors)) => {
                    cluster.request_errors(RDKafkaApiKey::Produce, &errors)
                }
                Ok(Order::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let (_, up) = events.remove(0);
                    for broker_id in 1..=EMBEDDED_BROKERS {
                        let _ = if up {
                            cluster.broker_up(broker_id)
                        } else {
                            cluster.broker_down(broker_id)
                        };
                    }
                    tracing::warn!(
                        "embedded broker: all brokers {}",
                        if up { "back up" } else { "down" }
                    );
                }
            }
        }
    }

    /// Makes the next `count` produce requests fail with `error`.
    pub fn reject_produce_requests(&self, count: u32, error: RDKafkaRespErr) {
        let errors = vec![error; count as usize];
        let _ = self.orders.send(Order::RejectProduceRequests(errors));
    }

    pub fn bootstrap_servers(&self) -> &str {
        &self.bootstrap_servers
    }
}

impl Drop for EmbeddedBroker {
    fn drop(&mut self) {
        let _ = self.orders.send(Order::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The broker of this run.
pub enum Broker {
    Embedded(EmbeddedBroker),
    External { bootstrap_servers: String },
}

impl Broker {
    /// Uses the brokers that `settings` name (from `--brokers`, the environment or
    /// `--config`); without any, starts the embedded broker with `--topic` and
    /// `extra_topics` created, and the fault flags of `args` applied.
    pub fn connect(settings: &Settings, args: &CommonArgs, extra_topics: &[&str]) -> Result<Self> {
        if let Some(bootstrap_servers) = settings.get("bootstrap.servers") {
            if let Some(flag) = args.fault_flag() {
                let source = settings.source("bootstrap.servers").expect("set");
                bail!("{flag} needs the embedded broker, but a real one is named ({source}): drop that to use it");
            }
            return Ok(Broker::External {
                bootstrap_servers: bootstrap_servers.to_owned(),
            });
        }
        let mut topics = vec![args.topic.as_str()];
        topics.extend(extra_topics.iter().filter(|t| **t != args.topic));
        let broker = EmbeddedBroker::start(&topics, args.broker_rtt, args.outage)?;
        if let Some(count) = args.inject_errors {
            broker.reject_produce_requests(count, INJECTED_ERROR);
        }
        if let Some(count) = args.retriable_errors {
            broker.reject_produce_requests(count, RETRIABLE_ERROR);
        }
        Ok(Broker::Embedded(broker))
    }

    pub fn bootstrap_servers(&self) -> &str {
        match self {
            Broker::Embedded(broker) => broker.bootstrap_servers(),
            Broker::External { bootstrap_servers } => bootstrap_servers,
        }
    }

    /// Whether this broker's log-append times are placeholders: librdkafka's mock
    /// cluster answers every produce with 1234 (`rdkafka_mock_handlers.c`), whatever the
    /// topic, and its log keeps each record's create time.
    pub fn log_append_time_is_placeholder(&self) -> bool {
        matches!(self, Broker::Embedded(_))
    }

    /// Why this broker may no longer hold a run's first records (for a read-back that
    /// finds them deleted).
    pub fn deletes_old_records(&self) -> &'static str {
        match self {
            // rdkafka_mock.c: rd_kafka_mock_msgset_new drops the oldest message sets
            // past max_cnt (100,000) or max_size (5 MiB) per partition.
            Broker::Embedded(_) => "the embedded broker keeps only about the newest 100,000 message sets or 5 MiB per partition and deletes the oldest",
            Broker::External { .. } => "the broker's retention deleted them",
        }
    }

    /// One line for the banner: which broker this run uses.
    pub fn describe(&self, topic: &str) -> String {
        match self {
            Broker::Embedded(broker) => format!(
                "embedded mock cluster ({EMBEDDED_BROKERS} brokers, topic {topic} with {EMBEDDED_PARTITIONS} partitions, round trip {})",
                humantime::format_duration(broker.round_trip)
            ),
            Broker::External { bootstrap_servers } => format!("{bootstrap_servers}, topic {topic}"),
        }
    }
}
