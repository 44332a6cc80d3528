//! One run of a step, from banner to summary: everything around the send pattern.
//!
//! A step's `main.rs` creates its producer and runs its send loop; this type does the
//! rest the same way for every step: start the broker, print the banner, pace the
//! readings, watch for Ctrl+C, flush, print the summary and choose the exit code.

use crate::args::CommonArgs;
use crate::broker::Broker;
use crate::output::{self, Mode};
use crate::readback;
use crate::reading::{Clock, ReadingGenerator, SensorReading};
use crate::run_tag::RunTag;
use crate::send_plan::SendPlan;
use crate::settings::Settings;
use crate::shutdown;
use crate::tally::Tally;
use anyhow::Result;
use rdkafka::producer::{Producer, ProducerContext};
use rdkafka::ClientConfig;
use std::process::ExitCode;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// The slide's rate for the asynchronous steps, in messages per second.
pub const DEFAULT_ASYNC_RATE: u32 = 1000;
/// How long to wait for the broker's first answer before calling it unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Lesson {
    pub mode: Mode,
    pub args: CommonArgs,
    pub broker: Broker,
    /// The validated producer configuration of this run.
    config: ClientConfig,
    /// Outcome counters, shared with delivery callbacks.
    pub tally: Arc<Tally>,
    /// This run's tag, on every record it sends.
    pub run: RunTag,
    readings: ReadingGenerator,
    plan: SendPlan,
    /// When the first reading was sent: connecting is not counted in msg/s.
    first_send: Arc<OnceLock<Instant>>,
    extra_topics: Vec<String>,
}

impl Lesson {
    /// Starts a run: the broker (with `extra_topics` created if embedded), the banner,
    /// and the stop-signal watcher. `None` when there is nothing to run: `--print-config`
    /// printed the settings instead.
    pub async fn start(
        mode: Mode,
        args: CommonArgs,
        extra_topics: &[&str],
    ) -> Result<Option<Self>> {
        crate::logging::init();
        crate::crash::exit_on_any_panic();
        // One pass: flags → settings (once) → broker → producer config.
        let connection = Settings::from_args(&args)?;
        let broker = Broker::connect(&connection, &args, extra_topics)?;
        let settings = crate::producer_config::settings_for(connection, broker.bootstrap_servers());
        if args.print_config {
            print!("{}", settings.describe());
            return Ok(None);
        }
        let config = settings.client_config()?;
        let tally = Arc::new(Tally::default());
        let first_send = Arc::new(OnceLock::new());
        let summary_on_second_signal = {
            let tally = Arc::clone(&tally);
            let first_send = Arc::clone(&first_send);
            Arc::new(move || {
                println!(
                    "{}",
                    output::summary(mode, tally.counts(), since(&first_send))
                )
            })
        };
        let stop = shutdown::watch_for_stop(summary_on_second_signal);
        let default_rate = if mode == Mode::Sync {
            0
        } else {
            DEFAULT_ASYNC_RATE
        };
        let plan = SendPlan::new(
            args.count,
            args.duration,
            args.rate.unwrap_or(default_rate),
            stop,
        );
        let clock = args
            .fixed_clock
            .map_or(Clock::System, |start| Clock::Fixed { start });
        println!(
            "{}",
            output::banner(mode, &broker.describe(&args.topic), &plan.describe())
        );
        Ok(Some(Self {
            mode,
            run: RunTag::new(args.run_id.as_deref()),
            readings: ReadingGenerator::new(args.seed, clock).oversize_every(args.oversize_every),
            extra_topics: extra_topics.iter().map(|t| t.to_string()).collect(),
            args,
            broker,
            config,
            tally,
            plan,
            first_send,
        }))
    }

    /// The lesson's producer settings for this run's broker.
    pub fn producer_config(&self) -> ClientConfig {
        self.config.clone()
    }

    pub fn topic(&self) -> &str {
        &self.args.topic
    }

    /// Asks the broker for the topic's metadata before the first send, so an unreachable
    /// broker or a missing topic is a clear error now, not a silent stall later.
    pub fn check_connection<C: rdkafka::ClientContext>(
        &self,
        client: &rdkafka::client::Client<C>,
    ) -> Result<()> {
        check_topic(client, self.broker.bootstrap_servers(), self.topic())
    }

    /// The next reading to send, once its time has come; `None` when the run is over.
    pub async fn next_reading(&mut self) -> Option<SensorReading> {
        if self.plan.next_slot().await {
            self.first_send.get_or_init(Instant::now);
            Some(self.readings.next_reading())
        } else {
            None
        }
    }

    /// Waits up to `--flush-timeout` for every outstanding message to get an outcome.
    /// Returns how many are still in flight. Never skip this: dropping a producer
    /// purges its queue, and the messages in it are lost.
    pub fn flush<C: ProducerContext + 'static>(&self, producer: &impl Producer<C>) -> u64 {
        // flush blocks this thread; let the runtime move other tasks (the signal
        // watcher) elsewhere meanwhile.
        let _ = tokio::task::block_in_place(|| producer.flush(self.args.flush_timeout));
        producer.in_flight_count().max(0) as u64
    }

    /// Prints the summary, writes `--dump-topics`, and picks the exit code: success only
    /// when every message was confirmed (or, for fire-and-forget, handed off).
    pub fn finish(&self, still_in_flight: u64) -> Result<ExitCode> {
        let counts = self.tally.counts();
        println!(
            "{}",
            output::summary(self.mode, counts, since(&self.first_send))
        );
        if still_in_flight > 0 {
            println!(
                "⚠️  {still_in_flight} messages were still in flight after --flush-timeout {}: they may or may not have reached the broker",
                humantime::format_duration(self.args.flush_timeout)
            );
        }
        if let Some(path) = &self.args.dump_topics {
            let mut topics = vec![self.topic()];
            topics.extend(self.extra_topics.iter().map(String::as_str));
            readback::dump_topics(&self.config, &topics, path)?;
        }
        // Messages still in flight make a failed run. The step returns its code from
        // main; its producer is dropped on the way, which purges them, and a step with a
        // callback reports each one as failed (Purged) after this summary.
        let success =
            still_in_flight == 0 && (!self.mode.tracks_outcomes() || counts.all_confirmed());
        Ok(if success {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    }
}

fn since(first_send: &OnceLock<Instant>) -> Duration {
    first_send.get().map_or(Duration::ZERO, Instant::elapsed)
}

/// Turns a run's error into one line on stderr and a non-zero exit code.
pub fn exit_code(result: Result<ExitCode>) -> ExitCode {
    result.unwrap_or_else(|err| {
        eprintln!("error: {err:#}");
        ExitCode::FAILURE
    })
}

/// Fails with a one-line error unless a broker answers at `bootstrap_servers` and holds
/// `topic`: a missing topic would otherwise surface minutes later as a flush time-out.
pub fn check_topic<C: rdkafka::ClientContext>(
    client: &rdkafka::client::Client<C>,
    bootstrap_servers: &str,
    topic: &str,
) -> Result<()> {
    let metadata =
        tokio::task::block_in_place(|| client.fetch_metadata(Some(topic), CONNECT_TIMEOUT))
            .map_err(|err| {
                anyhow::anyhow!(
                    "no broker reachable at {bootstrap_servers} after {} ({err})",
                    humantime::format_duration(CONNECT_TIMEOUT)
                )
            })?;
    let topic_missing = metadata
        .topics()
        .first()
        .is_none_or(|t| t.error().is_some() || t.partitions().is_empty());
    if topic_missing {
        anyhow::bail!(
            "topic {topic} does not exist at {bootstrap_servers} (create it, or pick another with --topic)"
        );
    }
    Ok(())
}
