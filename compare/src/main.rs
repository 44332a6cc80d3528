//! `compare`: the slide's performance table, measured instead of written by hand.
//!
//! Run it: `cargo run --release -p compare`
//! Targets: `cargo run --release -p compare -- --broker-rtt 0ms --count 1000000 --vs-kcat`
//! Beside the slides' Java client: `cargo run --release -p compare -- --brokers 127.0.0.1:9092 --vs-java`
//!
//! Every row runs a step's own send loop (its library's `send_all`) on the same seeded
//! readings, through a fresh producer with the steps' settings, one after another in
//! this process, against the same broker.

mod broker_process;
mod java;
mod kcat;
mod measure;
mod plan;
mod plot;
mod progress;
mod report;
mod rows;
mod table;

use anyhow::{Context, Result};
use clap::Parser;
use common::args::{parse_duration, parse_property};
use common::broker::Broker;
use common::producer_config::{settings_for, LINGER_MS};
use common::run_tag::RunTag;
use common::settings::Settings;
use measure::PeakMemory;
use plan::Row;
use report::Report;
use rows::{RowSettings, Workload};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(about = "Measure every send mode on the same workload")]
struct Args {
    /// Kafka bootstrap servers (or env KAFKA_BOOTSTRAP_SERVERS, or bootstrap.servers in
    /// --config). Without any, an embedded broker starts in a process of its own.
    #[arg(long, value_name = "HOST:PORT,...")]
    brokers: Option<String>,

    /// A Java-style client.properties file (bootstrap.servers, security.protocol, sasl.*, ssl.*).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Any librdkafka property, as in kcat: -X key=value (repeatable; overrides the lesson's settings).
    #[arg(short = 'X', value_name = "KEY=VALUE", value_parser = parse_property)]
    property: Vec<(String, String)>,

    /// The topic to send to on a real broker (the embedded one gives each row its own).
    #[arg(long, default_value = "humidity")]
    topic: String,

    /// Simulated network round trip of the embedded broker (0ms turns it off).
    #[arg(long, default_value = "10ms", value_parser = parse_duration)]
    broker_rtt: Duration,

    /// Records per async row. [default: 200000, unless --duration is given]
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    count: Option<u64>,

    /// Run each async row for this long instead of a count.
    #[arg(long, value_parser = parse_duration, conflicts_with = "count")]
    duration: Option<Duration>,

    /// Seed for the readings: every row and repetition sends the same ones.
    #[arg(long, default_value_t = 42)]
    seed: u64,

    /// Records for the synchronous row (it needs fewer at high round trips).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..))]
    sync_count: u64,

    /// Records for the two blocking-callback rows.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    slow_count: u64,

    /// Simulated heavy work per delivery report in the blocking-callback rows.
    #[arg(long, default_value = "1ms", value_parser = parse_duration)]
    slow_work: Duration,

    /// The future row's wait per future (step 04's --timeout).
    #[arg(long, default_value = "100ms", value_parser = parse_duration)]
    timeout: Duration,

    /// How many delivery futures the future row keeps before it waits on the oldest
    /// (step 04's --in-flight).
    #[arg(long, default_value_t = 50_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    future_window: u32,

    /// How long a row's final flush may wait for its outstanding messages.
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    flush_timeout: Duration,

    /// The rows to measure, in any order (they always run in the table's order).
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = Row::defaults())]
    modes: Vec<Row>,

    /// Also run Debian's kcat -P on the same records, settings and broker.
    #[arg(long)]
    vs_kcat: bool,

    /// Also run the slides' Java producer (kafka-clients, java-lesson) in its
    /// fire-and-forget, callback and sync loops, on the same records, settings and broker.
    /// Needs Java 17+ and Maven, a real broker (--brokers), and a count (not --duration).
    #[arg(long, conflicts_with = "duration")]
    vs_java: bool,

    /// Run every row this many times, interleaved (all rows, then all again, ...), and
    /// report medians and each ratio's spread.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=100))]
    repeat: u64,

    /// Print the figures as JSON instead of a table.
    #[arg(long)]
    json: bool,

    /// Also draw the comparison as an SVG chart into this file.
    #[arg(long, value_name = "FILE.svg")]
    plot: Option<PathBuf>,

    /// Measure nothing: read a report saved with --json, and print or plot it.
    #[arg(long, value_name = "REPORT.json")]
    from_report: Option<PathBuf>,

    /// After each row, read its records back from the broker and write them all as JSON
    /// here (row → records of the last repetition). Slow for big counts.
    #[arg(long, value_name = "FILE")]
    dump_topics: Option<PathBuf>,

    /// Internal: host the embedded broker for a parent `compare` process.
    #[arg(long, hide = true)]
    serve_broker: bool,
}

/// The readings' fixed clock (Unix seconds): every mode, every repetition and kcat send
/// the very same records.
const READINGS_START: i64 = 1_733_584_800;

/// Default records per async mode when neither --count nor --duration says otherwise.
const DEFAULT_ASYNC_COUNT: u64 = 200_000;

fn load_report(path: &std::path::Path) -> Result<Report> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("could not read report {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a report written by compare --json",
            path.display()
        )
    })
}

/// Prints the report (table or JSON), then draws the chart if asked: a chart that
/// cannot be drawn never costs the figures.
fn publish(report: &Report, args: &Args) -> Result<()> {
    if args.json {
        println!("{}", serde_json::to_string_pretty(report)?);
    } else {
        print!("{}", table::table(report));
    }
    if let Some(path) = &args.plot {
        plot::plot(report, path)?;
    }
    Ok(())
}

/// Fails at once, not after minutes of measuring, when the chart's file cannot be
/// written. Opens without truncating: an existing chart stays until the new one is drawn.
fn check_plot_target(path: &std::path::Path) -> Result<()> {
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .with_context(|| format!("cannot write the chart to {}", path.display()))?;
    Ok(())
}

/// The broker the rows send to, and the producer settings for it.
struct Target {
    /// The embedded broker's process, kept alive for the run; `None` for a real one.
    _process: Option<broker_process::BrokerProcess>,
    embedded: bool,
    description: String,
    config: rdkafka::ClientConfig,
}

impl Target {
    /// Embedded unless a broker is named where the steps look: --brokers, the
    /// environment or --config. A real broker must hold the topic.
    fn connect(args: &Args) -> Result<Self> {
        let connection = Settings::from_flags(
            args.config.as_deref(),
            args.brokers.as_deref(),
            None,
            &args.property,
        )?;
        let Some(bootstrap_servers) = connection.get("bootstrap.servers").map(str::to_owned) else {
            let process = broker_process::BrokerProcess::start(args.broker_rtt)?;
            let config = settings_for(connection, &process.bootstrap_servers).client_config()?;
            return Ok(Self {
                description: format!(
                    "embedded mock cluster in its own process (3 brokers, 3 partitions per topic, round trip {})",
                    humantime::format_duration(args.broker_rtt)
                ),
                _process: Some(process),
                embedded: true,
                config,
            });
        };
        let config = settings_for(connection, &bootstrap_servers).client_config()?;
        let probe: rdkafka::producer::BaseProducer = config.create()?;
        common::lesson::check_topic(
            rdkafka::producer::Producer::client(&probe),
            &bootstrap_servers,
            &args.topic,
        )?;
        let broker = Broker::External { bootstrap_servers };
        Ok(Self {
            _process: None,
            embedded: false,
            description: broker.describe(&args.topic),
            config,
        })
    }
}

async fn run(mut args: Args) -> Result<ExitCode> {
    common::logging::init();
    if args.serve_broker {
        broker_process::serve(&Row::all_topics(), args.broker_rtt)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(path) = &args.plot {
        check_plot_target(path)?;
    }
    if let Some(path) = &args.from_report {
        publish(&load_report(path)?, &args)?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.vs_kcat && !args.modes.contains(&Row::Kcat) {
        args.modes.push(Row::Kcat);
    }
    if args.vs_java {
        args.modes
            .extend([Row::JavaFireAndForget, Row::JavaCallback, Row::JavaSync]);
    }
    args.modes.sort();
    args.modes.dedup();
    if args.modes.contains(&Row::Kcat) {
        kcat::require_kcat()?;
    }
    let any_java = args.modes.iter().any(|row| row.is_java());
    if any_java {
        if args.duration.is_some() {
            anyhow::bail!("the Java rows send a count of records: drop --duration");
        }
        java::require_java()?;
    }
    let target = Target::connect(&args)?;
    let (config, embedded) = (&target.config, target.embedded);
    let topic_for = |row: Row| {
        if embedded {
            row.topic()
        } else {
            args.topic.as_str()
        }
    };
    let dlq_topic = if embedded {
        plan::DLQ_TOPIC.to_owned()
    } else {
        format!("{}-dlq", args.topic)
    };
    let count = match args.duration {
        Some(_) => None,
        None => Some(args.count.unwrap_or(DEFAULT_ASYNC_COUNT)),
    };
    let count_for = |row: Row| match row {
        Row::Sync | Row::JavaSync => Some(args.sync_count),
        Row::CallbackInlineWork | Row::CallbackOffloadedWork => Some(args.slow_count),
        _ => count,
    };
    let settings = RowSettings {
        slow_work: args.slow_work,
        timeout: args.timeout,
        future_window: args.future_window,
    };
    // One tag for the whole comparison: every record carries it, as a step's would.
    let tag = RunTag::new(None);
    // The peers send what the Rust rows send: the same seed, the same fixed clock.
    let readings = || {
        common::reading::ReadingGenerator::new(
            args.seed,
            common::reading::Clock::Fixed {
                start: READINGS_START,
            },
        )
    };
    let records = count.unwrap_or(DEFAULT_ASYNC_COUNT);
    let kcat = if args.modes.contains(&Row::Kcat) {
        Some(kcat::Kcat::prepare(readings(), records, &tag)?)
    } else {
        None
    };
    let java = if any_java {
        // Refuses a setting Java has no twin of, on any broker.
        let java = java::Java::prepare(readings, records, args.sync_count, &tag, config)?;
        if embedded {
            // Seen: kafka-clients 4.4.0 never finds a topic in the mock's metadata, and
            // its send gives up after max.block.ms (60 s).
            anyhow::bail!(
                "--vs-java needs a real broker (--brokers): kafka-clients finds no topic on the embedded mock cluster"
            );
        }
        Some(java)
    } else {
        None
    };
    let repeat = args.repeat as usize;
    let amount = match (count, args.duration) {
        (Some(count), _) => format!("{count} records"),
        (None, Some(duration)) => format!("{}", humantime::format_duration(duration)),
        (None, None) => unreachable!("a count unless a duration"),
    };
    eprintln!(
        "📏 Measuring {amount} per async mode, {} synchronous, {repeat} time(s) each, on {}",
        args.sync_count, target.description
    );
    let progress = progress::Progress::new(!args.json);
    let mut runs = Vec::with_capacity(repeat);
    let mut dumped = std::collections::BTreeMap::new();
    for repetition in 1..=repeat {
        let mut rows = Vec::with_capacity(args.modes.len());
        for &row in &args.modes {
            let known_count = if row == Row::Kcat || row.is_java() {
                None
            } else {
                count_for(row)
            };
            let bar = progress.mode(&row_name(row), repetition, repeat, known_count);
            let workload = Workload {
                config,
                topic: topic_for(row),
                dlq_topic: &dlq_topic,
                seed: args.seed,
                clock_start: READINGS_START,
                count: count_for(row),
                duration: args.duration.unwrap_or(Duration::MAX),
                flush_timeout: args.flush_timeout,
                tag: &tag,
                progress: bar.clone(),
            };
            let (result, before) = match (row, &kcat, &java) {
                (Row::Kcat, Some(kcat), _) => kcat.run(config, topic_for(row))?,
                (row, _, Some(java)) if row.is_java() => java.run(row, config, topic_for(row))?,
                _ => {
                    PeakMemory::reset();
                    let sample = rows::measure_row(row, &workload, &settings).await?;
                    let mut result = rows::result(row, &rows::label(row, &settings), &sample)?;
                    result.peak_rss_mib = PeakMemory::read_mib();
                    (result, sample.before)
                }
            };
            bar.finish_and_clear();
            if args.dump_topics.is_some() {
                let records = before.records_since(result.messages_sent, &tag)?;
                dumped.insert(row_name(row), records);
            }
            rows.push(result);
        }
        runs.push(rows);
    }
    if let Some(path) = &args.dump_topics {
        std::fs::write(path, serde_json::to_string_pretty(&dumped)?)
            .with_context(|| format!("could not write the read-back to {}", path.display()))?;
    }
    let broker_rtt_ms = if embedded {
        args.broker_rtt.as_millis()
    } else {
        0
    };
    let report = Report::new(target.description, broker_rtt_ms, LINGER_MS, runs);
    publish(&report, &args)?;
    let miscounted = report.miscounted();
    if !miscounted.is_empty() {
        eprintln!(
            "error: the broker's count differs from what was sent: {}",
            miscounted.join("; ")
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// A row's name on the command line, as its progress bar's label.
fn row_name(row: Row) -> String {
    <Row as clap::ValueEnum>::to_possible_value(&row)
        .map_or_else(String::new, |value| value.get_name().to_owned())
}

#[tokio::main]
async fn main() -> ExitCode {
    common::exit_code(run(Args::parse()).await)
}
