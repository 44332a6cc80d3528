//! `compare`: the slide's performance table, measured instead of written by hand.
//!
//! Run it: `cargo run --release -p compare`
//! Targets: `cargo run --release -p compare -- --broker-rtt 0ms --count 1000000 --vs-kcat`
//!
//! Every mode sends the same seeded readings through a fresh producer with the steps'
//! settings, one after another in this process, against the same broker.

mod broker_process;
mod kcat;
mod measure;
mod modes;
mod plan;
mod plot;
mod progress;
mod report;
mod table;

use anyhow::{Context, Result};
use clap::Parser;
use common::broker::Broker;
use common::producer_config::{settings_for, LINGER_MS};
use common::reading::{Clock, ReadingGenerator};
use common::settings::Settings;
use common::CommonArgs;
use measure::{ModeResult, PeakMemory};
use modes::{CallbackWork, Workload};
use plan::Mode;
use report::Report;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(about = "Measure every send mode on the same workload")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,

    /// Records per mode for the synchronous mode (it needs fewer at high round trips).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..))]
    sync_count: u64,

    /// Records per mode for the two blocking-callback rows.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(1..))]
    slow_count: u64,

    /// Simulated heavy work per delivery report in the blocking-callback rows.
    #[arg(long, default_value = "1ms", value_parser = common::args::parse_duration)]
    slow_work: Duration,

    /// The future-with-timeout mode's wait per future.
    #[arg(long, default_value = "100ms", value_parser = common::args::parse_duration)]
    timeout: Duration,

    /// How many delivery futures the future mode keeps before it waits for one.
    #[arg(long, default_value_t = 50_000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    future_window: u64,

    /// The modes to measure, in any order (they always run in the table's order).
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = Mode::defaults())]
    modes: Vec<Mode>,

    /// Also run Debian's kcat -P on the same records, settings and broker.
    #[arg(long)]
    vs_kcat: bool,

    /// Run every mode this many times, interleaved (all modes, then all again, ...), and
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

    /// Internal: host the embedded broker for a parent `compare` process.
    #[arg(long, hide = true)]
    serve_broker: bool,
}

/// The readings' fixed clock (Unix seconds): every mode, every repetition and kcat send
/// the very same records.
const READINGS_START: i64 = 1_733_584_800;

/// Default records per async mode when neither --count nor --duration says otherwise.
const DEFAULT_ASYNC_COUNT: u64 = 200_000;

async fn measured(
    run: impl std::future::Future<Output = Result<ModeResult>>,
) -> Result<ModeResult> {
    PeakMemory::reset();
    let mut result = run.await?;
    result.peak_rss_mib = PeakMemory::read_mib();
    Ok(result)
}

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

/// The broker the modes send to, and the producer settings for it.
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
        let connection = Settings::from_args(&args.common)?;
        if connection.get("bootstrap.servers").is_none() {
            let process = broker_process::BrokerProcess::start(args.common.broker_rtt)?;
            let config = settings_for(connection, &process.bootstrap_servers).client_config()?;
            return Ok(Self {
                description: format!(
                    "embedded mock cluster in its own process (3 brokers, 3 partitions per topic, round trip {})",
                    humantime::format_duration(args.common.broker_rtt)
                ),
                _process: Some(process),
                embedded: true,
                config,
            });
        }
        let broker = Broker::connect(&connection, &args.common, &[])?;
        let config = settings_for(connection, broker.bootstrap_servers()).client_config()?;
        let probe: rdkafka::producer::BaseProducer = config.create()?;
        common::lesson::check_topic(
            rdkafka::producer::Producer::client(&probe),
            broker.bootstrap_servers(),
            &args.common.topic,
        )?;
        Ok(Self {
            _process: None,
            embedded: false,
            description: broker.describe(&args.common.topic),
            config,
        })
    }
}

/// Runs one of the Rust modes on `workload`.
async fn measure(mode: Mode, workload: Workload<'_>, args: &Args) -> Result<ModeResult> {
    let work = humantime::format_duration(args.slow_work);
    match mode {
        Mode::FireAndForget => modes::fire_and_forget(workload, false).await,
        Mode::ErrorReportsOnly => modes::fire_and_forget(workload, true).await,
        Mode::Callback => {
            modes::callback(workload, CallbackWork::None, "Async with callback").await
        }
        Mode::Future => {
            modes::future_with_timeout(workload, args.future_window as usize, args.timeout).await
        }
        Mode::Sync => modes::synchronous(workload).await,
        Mode::CallbackInlineWork => {
            let name = format!("Callback, {work} work inline");
            modes::callback(workload, CallbackWork::Inline(args.slow_work), &name).await
        }
        Mode::CallbackOffloadedWork => {
            let name = format!("Callback, {work} work offloaded");
            modes::callback(workload, CallbackWork::Offloaded(args.slow_work), &name).await
        }
        Mode::Kcat => anyhow::bail!("kcat is not a Rust mode: Kcat::run measures it"),
    }
}

async fn run(mut args: Args) -> Result<ExitCode> {
    common::logging::init();
    if args.serve_broker {
        broker_process::serve(&Mode::all_topics(), args.common.broker_rtt)?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(path) = &args.plot {
        check_plot_target(path)?;
    }
    if let Some(path) = &args.from_report {
        publish(&load_report(path)?, &args)?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.vs_kcat && !args.modes.contains(&Mode::Kcat) {
        args.modes.push(Mode::Kcat);
    }
    args.modes.sort();
    args.modes.dedup();
    if args.modes.contains(&Mode::Kcat) {
        kcat::require_kcat()?;
    }
    let target = Target::connect(&args)?;
    let (config, embedded) = (&target.config, target.embedded);
    let topic_for = |mode: Mode| {
        if embedded {
            mode.topic()
        } else {
            args.common.topic.as_str()
        }
    };
    let count = args.common.count.unwrap_or(DEFAULT_ASYNC_COUNT);
    let count_for = |mode: Mode| match mode {
        Mode::Sync => args.sync_count,
        Mode::CallbackInlineWork | Mode::CallbackOffloadedWork => args.slow_count,
        _ => count,
    };
    let readings = || {
        ReadingGenerator::new(
            args.common.seed,
            Clock::Fixed {
                start: READINGS_START,
            },
        )
    };
    let kcat = if args.modes.contains(&Mode::Kcat) {
        Some(kcat::Kcat::prepare(readings(), count)?)
    } else {
        None
    };
    let repeat = args.repeat as usize;
    eprintln!(
        "📏 Measuring {count} records per async mode, {} synchronous, {repeat} time(s) each, on {}",
        args.sync_count, target.description
    );
    let progress = progress::Progress::new(!args.json);
    let mut runs = Vec::with_capacity(repeat);
    for repetition in 1..=repeat {
        let mut rows = Vec::with_capacity(args.modes.len());
        for &mode in &args.modes {
            let known_count = (mode != Mode::Kcat).then(|| count_for(mode));
            let bar = progress.mode(&mode_name(mode), repetition, repeat, known_count);
            let workload = Workload {
                config,
                topic: topic_for(mode),
                readings: readings(),
                count: count_for(mode),
                duration: args.common.duration,
                flush_timeout: Duration::from_secs(600),
                payload: Vec::with_capacity(256),
                progress: bar.clone(),
                time_is_up: Default::default(),
            };
            let row = match (mode, &kcat) {
                (Mode::Kcat, Some(kcat)) => kcat.run(config, topic_for(mode))?,
                _ => measured(measure(mode, workload, &args)).await?,
            };
            bar.finish_and_clear();
            rows.push(row);
        }
        runs.push(rows);
    }
    let broker_rtt_ms = if embedded {
        args.common.broker_rtt.as_millis()
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

/// A mode's name on the command line, as its progress bar's label.
fn mode_name(mode: Mode) -> String {
    <Mode as clap::ValueEnum>::to_possible_value(&mode)
        .map_or_else(String::new, |value| value.get_name().to_owned())
}

#[tokio::main]
async fn main() -> ExitCode {
    common::exit_code(run(Args::parse()).await)
}
