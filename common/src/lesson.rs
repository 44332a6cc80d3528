//! One run of a step, from banner to summary: everything around the send pattern.
//!
//! A step creates its producer and runs its send loop on [`Lesson::run`]; this type does
//! the rest the same way for every step: start the broker, pace the readings, flush,
//! print the summary and choose the exit code. What reaches the outside is passed in:
//! where lines go ([`Out`]) and when to stop early ([`Stop`]). It prints only through
//! `out`, and never ends the process.

use crate::args::CommonArgs;
use crate::broker::Broker;
use crate::live::screen::{Screen, Sources};
use crate::live::StatsSink;
use crate::out::Out;
use crate::output::{self, Mode};
use crate::readback;
use crate::reading::{Clock, ReadingGenerator};
use crate::run::Run;
use crate::run_tag::RunTag;
use crate::send_plan::SendPlan;
use crate::settings::Settings;
use crate::shutdown::Stop;
use crate::tally::Tally;
use anyhow::Result;
use rdkafka::producer::{Producer, ProducerContext};
use rdkafka::ClientConfig;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// The slide's rate for the asynchronous steps, in messages per second.
pub const DEFAULT_ASYNC_RATE: u32 = 1000;
/// How long to wait for the broker's first answer before calling it unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Lesson {
    mode: Mode,
    broker: Broker,
    /// The validated producer configuration of this run.
    config: ClientConfig,
    run: Run,
    /// Where the lesson's own lines go (banner, summary); with `--live` the run's
    /// per-message lines go nowhere, and the view shows the run instead.
    out: Out,
    /// `--live`: where the producer's statistics go.
    live: Option<Arc<StatsSink>>,
    stop: Stop,
    banner: String,
    flush_timeout: Duration,
    dump_topics: Option<PathBuf>,
    extra_topics: Vec<String>,
}

impl Lesson {
    /// Prepares a run of `mode`: the broker (embedded, with `extra_topics` created, unless
    /// one is named), the producer settings, and the plan, paced at `--rate` or else
    /// `default_rate`. `stop` ends the sending early. Prints nothing yet.
    pub fn start(
        mode: Mode,
        default_rate: u32,
        args: &CommonArgs,
        extra_topics: &[&str],
        stop: &Stop,
        out: Out,
    ) -> Result<Self> {
        // One pass: flags → settings (once) → broker → producer config.
        let connection = Settings::from_args(args)?;
        let broker = Broker::connect(&connection, args, extra_topics)?;
        let settings = crate::producer_config::settings_for(connection, broker.bootstrap_servers());
        let mut config = settings.client_config()?;
        let live = args.live.then(|| StatsSink::new(&args.topic));
        if live.is_some() {
            config.set(
                "statistics.interval.ms",
                crate::live::pipeline::STATISTICS_INTERVAL_MS.to_string(),
            );
        }
        let plan = SendPlan::new(
            args.count,
            args.duration,
            args.rate.unwrap_or(default_rate),
            stop.token(),
        );
        let clock = args
            .fixed_clock
            .map_or(Clock::System, |start| Clock::Fixed { start });
        let banner = output::banner(mode, &broker.describe(&args.topic), &plan.describe());
        let readings = ReadingGenerator::new(args.seed, clock).oversize_every(args.oversize_every);
        let tag = RunTag::new(args.run_id.as_deref());
        let lines = if live.is_some() {
            Out::Quiet
        } else {
            out.clone()
        };
        let run = Run::new(&args.topic, tag, readings, plan, lines);
        let lesson = Self {
            mode,
            broker,
            config,
            run,
            out,
            live,
            stop: stop.clone(),
            banner,
            flush_timeout: args.flush_timeout,
            dump_topics: args.dump_topics.clone(),
            extra_topics: extra_topics.iter().map(|t| t.to_string()).collect(),
        };
        stop.set_last_words(lesson.summary_printer());
        Ok(lesson)
    }

    /// Prints the start banner, as on the slide, with the broker and the plan.
    pub fn announce(&self) {
        self.say(|| self.banner.clone());
    }

    /// `--live`: where the producer's context hands librdkafka's statistics.
    pub fn live_sink(&self) -> Option<Arc<StatsSink>> {
        self.live.clone()
    }

    /// `--live`: starts the view of this run (`instrumented`: fire-and-forget's outcomes,
    /// as the lesson counts them); `None` without the flag. Drop it (after the flush) to
    /// give the terminal back before the summary.
    pub fn watch(&self, instrumented: Option<Arc<Tally>>) -> Option<Screen> {
        let sink = self.live.clone()?;
        Some(Screen::start(Sources {
            mode: self.mode,
            tally: Arc::clone(self.tally()),
            instrumented,
            sink,
            stop: self.stop.token(),
        }))
    }

    /// The send loop's side of the run: readings, topic, tag, counters, output.
    pub fn run(&mut self) -> &mut Run {
        &mut self.run
    }

    /// The lesson's producer settings for this run's broker.
    pub fn producer_config(&self) -> ClientConfig {
        self.config.clone()
    }

    pub fn topic(&self) -> &str {
        self.run.topic()
    }

    pub fn tally(&self) -> &Arc<Tally> {
        self.run.tally()
    }

    pub fn tag(&self) -> &RunTag {
        self.run.tag()
    }

    pub fn broker(&self) -> &Broker {
        &self.broker
    }

    /// Says one of the lesson's own lines (see [`Out::say`]): printed with `--live` too.
    pub fn say(&self, line: impl FnOnce() -> String) {
        self.out.say(line)
    }

    /// `--flush-timeout`: how long a flush may wait for outstanding messages.
    pub fn flush_timeout(&self) -> Duration {
        self.flush_timeout
    }

    /// The summary as it stands, for a process that must end before the run does.
    fn summary_printer(&self) -> impl Fn() + Send + 'static {
        let (mode, tally, elapsed) = (
            self.mode,
            Arc::clone(self.tally()),
            self.run.elapsed_clock(),
        );
        let out = self.out.clone();
        move || out.say(|| output::summary(mode, tally.counts(), elapsed()))
    }

    /// Asks the broker for the topic's metadata before the first send, so an unreachable
    /// broker or a missing topic is a clear error now, not a silent stall later.
    pub fn check_connection<C: rdkafka::ClientContext>(
        &self,
        client: &rdkafka::client::Client<C>,
    ) -> Result<()> {
        check_topic(client, self.broker.bootstrap_servers(), self.topic())
    }

    /// Waits up to `--flush-timeout` for every outstanding message to get an outcome.
    /// Returns how many are still in flight. Never skip this: dropping a producer
    /// purges its queue, and the messages in it are lost.
    pub fn flush<C: ProducerContext + 'static>(&self, producer: &impl Producer<C>) -> u64 {
        // flush blocks this thread; let the runtime move other tasks (the signal
        // watcher) elsewhere meanwhile.
        let _ = tokio::task::block_in_place(|| producer.flush(self.flush_timeout));
        producer.in_flight_count().max(0) as u64
    }

    /// Prints the summary, writes `--dump-topics`, and picks the exit code: success only
    /// when every message was confirmed (or, for fire-and-forget, handed off).
    pub fn finish(&self, still_in_flight: u64) -> Result<ExitCode> {
        let counts = self.tally().counts();
        self.say(|| output::summary(self.mode, counts, self.run.elapsed()));
        if still_in_flight > 0 {
            self.say(|| format!(
                "⚠️  {still_in_flight} messages were still in flight after --flush-timeout {}: they may or may not have reached the broker",
                humantime::format_duration(self.flush_timeout)
            ));
        }
        if let Some(path) = &self.dump_topics {
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

/// `--print-config`: prints the effective connection settings, where each came from,
/// for the broker a run would use, and sends nothing.
pub fn print_config(args: &CommonArgs) -> Result<ExitCode> {
    let connection = Settings::from_args(args)?;
    let broker = Broker::connect(&connection, args, &[])?;
    let settings = crate::producer_config::settings_for(connection, broker.bootstrap_servers());
    print!("{}", settings.describe());
    Ok(ExitCode::SUCCESS)
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
