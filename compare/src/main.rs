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

use anyhow::Result;
use clap::Parser;
use common::broker::Broker;
use common::producer_config::{settings_for, LINGER_MS};
use common::reading::{Clock, ReadingGenerator};
use common::settings::Settings;
use common::CommonArgs;
use measure::{ModeResult, PeakMemory};
use modes::{CallbackWork, Workload};
use serde::Serialize;
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

    /// Also run Debian's kcat -P on the same records, on its own embedded mock cluster.
    #[arg(long)]
    vs_kcat: bool,

    /// Print the figures as JSON instead of a table.
    #[arg(long)]
    json: bool,

    /// Internal: host the embedded broker for a parent `compare` process.
    #[arg(long, hide = true)]
    serve_broker: bool,
}

/// Default records per async mode when neither --count nor --duration says otherwise.
const DEFAULT_ASYNC_COUNT: u64 = 200_000;

#[derive(Serialize)]
struct Report {
    broker: String,
    broker_rtt_ms: u128,
    linger_ms: u32,
    modes: Vec<ModeResult>,
    ratios: Ratios,
}

#[derive(Serialize)]
struct Ratios {
    callback_vs_fire_and_forget: f64,
    future_vs_fire_and_forget: f64,
    sync_slowdown_vs_fire_and_forget: f64,
    fire_and_forget_vs_kcat: Option<f64>,
    error_reports_only_vs_fire_and_forget: f64,
}

const MODE_TOPICS: [&str; 7] = [
    "compare-fire-and-forget",
    "compare-callback",
    "compare-future",
    "compare-sync",
    "compare-slow-inline",
    "compare-slow-offloaded",
    "compare-fire-and-forget-error-reports",
];

async fn measured(
    run: impl std::future::Future<Output = Result<ModeResult>>,
) -> Result<ModeResult> {
    PeakMemory::reset();
    let mut result = run.await?;
    result.peak_rss_mib = PeakMemory::read_mib();
    Ok(result)
}

async fn run(args: Args) -> Result<ExitCode> {
    common::logging::init();
    if args.serve_broker {
        broker_process::serve(&MODE_TOPICS, args.common.broker_rtt)?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.vs_kcat {
        kcat::require_kcat()?;
    }
    // Embedded unless a broker is named where the steps look: --brokers, the
    // environment or --config.
    let connection = Settings::from_args(&args.common)?;
    let embedded = connection.get("bootstrap.servers").is_none();
    let broker_process = if embedded {
        Some(broker_process::BrokerProcess::start(
            args.common.broker_rtt,
        )?)
    } else {
        None
    };
    let broker = match &broker_process {
        Some(process) => Broker::External {
            bootstrap_servers: process.bootstrap_servers.clone(),
        },
        None => Broker::connect(&connection, &args.common, &[])?,
    };
    let broker_description = if embedded {
        format!(
            "embedded mock cluster in its own process (3 brokers, 3 partitions per topic, round trip {})",
            humantime::format_duration(args.common.broker_rtt)
        )
    } else {
        broker.describe(&args.common.topic)
    };
    let config = settings_for(connection, broker.bootstrap_servers()).client_config()?;
    let topic_for = |mode: usize| {
        if embedded {
            MODE_TOPICS[mode]
        } else {
            args.common.topic.as_str()
        }
    };
    let count = args.common.count.unwrap_or(DEFAULT_ASYNC_COUNT);
    let readings = || {
        ReadingGenerator::new(
            args.common.seed,
            Clock::Fixed {
                start: 1_733_584_800,
            },
        )
    };
    let workload = |mode: usize, count: u64| Workload {
        config: &config,
        topic: topic_for(mode),
        readings: readings(),
        count,
        duration: args.common.duration,
        flush_timeout: Duration::from_secs(600),
        payload: Vec::with_capacity(256),
    };
    eprintln!(
        "📏 Measuring {count} records per async mode, {} synchronous, on {}",
        args.sync_count, broker_description
    );

    let mut rows = vec![
        measured(modes::fire_and_forget(workload(0, count), false)).await?,
        measured(modes::callback(
            workload(1, count),
            CallbackWork::None,
            "Async with callback",
        ))
        .await?,
        measured(modes::future_with_timeout(workload(2, count), args.timeout)).await?,
        measured(modes::synchronous(workload(3, args.sync_count))).await?,
    ];
    let work = humantime::format_duration(args.slow_work);
    rows.push(
        measured(modes::callback(
            workload(4, args.slow_count),
            CallbackWork::Inline(args.slow_work),
            &format!("Callback, {work} work inline"),
        ))
        .await?,
    );
    rows.push(
        measured(modes::callback(
            workload(5, args.slow_count),
            CallbackWork::Offloaded(args.slow_work),
            &format!("Callback, {work} work offloaded"),
        ))
        .await?,
    );
    rows.push(measured(modes::fire_and_forget(workload(6, count), true)).await?);
    if args.vs_kcat {
        let settings: Vec<(String, String)> = config
            .config_map()
            .iter()
            .filter(|(key, _)| **key != "bootstrap.servers")
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        rows.push(kcat::kcat_row(readings(), count, &settings)?);
    }

    let rate = |i: usize| rows[i].messages_per_second;
    let ratios = Ratios {
        callback_vs_fire_and_forget: rate(1) / rate(0),
        future_vs_fire_and_forget: rate(2) / rate(0),
        sync_slowdown_vs_fire_and_forget: rate(0) / rate(3),
        fire_and_forget_vs_kcat: args.vs_kcat.then(|| rate(0) / rate(rows.len() - 1)),
        error_reports_only_vs_fire_and_forget: rate(6) / rate(0),
    };
    let all_counted = rows.iter().all(|row| {
        row.broker_count
            .is_none_or(|held| held == row.messages_sent)
    });
    let report = Report {
        broker: broker_description,
        broker_rtt_ms: if embedded {
            args.common.broker_rtt.as_millis()
        } else {
            0
        },
        linger_ms: LINGER_MS,
        modes: rows,
        ratios,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", table(&report));
    }
    if !all_counted {
        eprintln!("error: a mode's broker count differs from what it sent (see broker_count)");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn micros(value: Option<u64>) -> String {
    match value {
        None => "—".to_owned(),
        Some(us) if us >= 10_000 => format!("{:.0} ms", us as f64 / 1000.0),
        Some(us) if us >= 1_000 => format!("{:.1} ms", us as f64 / 1000.0),
        Some(us) => format!("{us} µs"),
    }
}

fn table(report: &Report) -> String {
    let mut out = String::new();
    out.push_str("| Mode | Messages | Messages/sec | Latency p50 | p99 | max | Peak RSS |\n");
    out.push_str("|---|---:|---:|---:|---:|---:|---:|\n");
    for row in &report.modes {
        out.push_str(&format!(
            "| {} | {} | {:.0} | {} | {} | {} | {} |\n",
            row.mode,
            row.messages_sent,
            row.messages_per_second,
            micros(row.latency_p50_us),
            micros(row.latency_p99_us),
            micros(row.latency_max_us),
            row.peak_rss_mib
                .map_or("—".to_owned(), |m| format!("{m:.0} MiB")),
        ));
    }
    let ratios = &report.ratios;
    out.push_str(&format!(
        "\nSynchronous send is {:.0}× slower than fire-and-forget.\n",
        ratios.sync_slowdown_vs_fire_and_forget
    ));
    out.push_str(&format!(
        "Callback / fire-and-forget: {:.2}. Future+timeout / fire-and-forget: {:.2}.",
        ratios.callback_vs_fire_and_forget, ratios.future_vs_fire_and_forget
    ));
    out.push_str(&format!(
        " Error reports only / fire-and-forget: {:.2}.",
        ratios.error_reports_only_vs_fire_and_forget
    ));
    if let Some(vs_kcat) = ratios.fire_and_forget_vs_kcat {
        out.push_str(&format!(" Fire-and-forget / kcat: {vs_kcat:.2}."));
    }
    out.push_str(&format!(
        "\n\nBroker: {}. linger.ms = {}.\n\
         Latency: fire-and-forget never learns an outcome, so its latency is what the application waits for: the time one send call takes. \
         Every other row measures from send to confirmation (for the future, to the moment the waiting code sees it). \
         The clock stops when every message has an outcome, after a flush. kcat has no latency column; its time excludes its start-up. \
         Peak RSS is this process's high-water mark during the mode.\n",
        report.broker, report.linger_ms
    ));
    out
}

#[tokio::main]
async fn main() -> ExitCode {
    common::exit_code(run(Args::parse()).await)
}
