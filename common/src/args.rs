//! The flags every step shares, flattened into each step's own `clap` parser.

use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

/// Parses a human duration such as `20s`, `100ms` or `1m`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|err| format!("{err} (try e.g. 500ms, 20s, 1m)"))
}

/// Parses `key=value`, as kcat's -X takes it.
pub fn parse_property(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("expected KEY=VALUE, got {text:?}")),
    }
}

/// The broker outage to simulate: all brokers go down at `start` for `length`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outage {
    pub start: Duration,
    pub length: Duration,
}

/// Parses `START+LENGTH`, for example `3s+4s`.
pub fn parse_outage(text: &str) -> Result<Outage, String> {
    let (start, length) = text
        .split_once('+')
        .ok_or_else(|| format!("expected START+LENGTH such as 3s+4s, got {text:?}"))?;
    Ok(Outage {
        start: parse_duration(start)?,
        length: parse_duration(length)?,
    })
}

/// The fastest `--rate`: one send per microsecond. (A rate past 10⁹ would make the
/// pause between sends zero, which tokio's interval refuses.)
pub const MAX_RATE: u32 = 1_000_000;
/// The most produce requests `--inject-errors` and `--retriable-errors` can fail: the
/// mock cluster is handed one error code per request, all at once.
pub const MAX_INJECTED_ERRORS: u32 = 100_000;
/// The last second of the year 9999: a later `--fixed-clock` would overflow the record
/// timestamps (milliseconds in an i64) or mean nothing to a broker.
pub const LAST_UNIX_SECOND: i64 = 253_402_300_799;

#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Kafka bootstrap servers (or env KAFKA_BOOTSTRAP_SERVERS, or bootstrap.servers in
    /// --config). Without any, an embedded broker starts in-process.
    #[arg(long, value_name = "HOST:PORT,...")]
    pub brokers: Option<String>,

    /// A Java-style client.properties file (bootstrap.servers, security.protocol, sasl.*, ssl.*).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Print the effective connection settings and where each came from, then exit.
    #[arg(long)]
    pub print_config: bool,

    /// Topic to send to.
    #[arg(long, default_value = "humidity")]
    pub topic: String,

    /// How long to send for (ignored when --count is given).
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    pub duration: Duration,

    /// Send exactly this many readings, then stop.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,

    /// Messages per second; 0 sends as fast as the step allows. [default: 1000 for the async steps, 0 for sync]
    #[arg(long, allow_hyphen_values = true, value_parser = clap::value_parser!(u32).range(0..=MAX_RATE as i64))]
    pub rate: Option<u32>,

    /// Seed for the generated readings: the same seed, the same readings.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,

    /// Stamp readings from this Unix second, one second apart, instead of the wall clock.
    #[arg(long, value_name = "UNIX_SECONDS", allow_hyphen_values = true, value_parser = clap::value_parser!(i64).range(0..=LAST_UNIX_SECOND))]
    pub fixed_clock: Option<i64>,

    /// Simulated network round trip of the embedded broker (0ms turns it off).
    #[arg(long, default_value = "10ms", value_parser = parse_duration)]
    pub broker_rtt: Duration,

    /// How long librdkafka keeps retrying a message before reporting it failed. [default: 30s]
    #[arg(long, value_parser = parse_duration)]
    pub delivery_timeout: Option<Duration>,

    /// On stop, how long to wait for outstanding messages before giving up on them.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub flush_timeout: Duration,

    /// Embedded broker only: reject the next N produce requests with a non-retriable error.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=MAX_INJECTED_ERRORS as i64))]
    pub inject_errors: Option<u32>,

    /// Embedded broker only: answer the next N produce requests with a retriable error.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=MAX_INJECTED_ERRORS as i64))]
    pub retriable_errors: Option<u32>,

    /// Embedded broker only: take every broker down at START for LENGTH, e.g. 3s+4s.
    #[arg(long, value_name = "START+LENGTH", value_parser = parse_outage)]
    pub outage: Option<Outage>,

    /// Any librdkafka property, as in kcat: -X key=value (repeatable; overrides the lesson's settings).
    #[arg(short = 'X', value_name = "KEY=VALUE", value_parser = parse_property)]
    pub property: Vec<(String, String)>,

    /// Make every Nth reading larger than a broker accepts (padded past 1 MB), to see
    /// how each send mode reports a record that is too large.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub oversize_every: Option<u64>,

    /// Tag this run's records (header `lesson-run`) with ID instead of a random id.
    #[arg(long, value_name = "ID")]
    pub run_id: Option<String>,

    /// After the run, read the topics back from the broker and write every record as JSON here.
    #[arg(long, value_name = "FILE")]
    pub dump_topics: Option<PathBuf>,

    /// Instead of a line per message, draw what the producer keeps queued, in flight and
    /// confirmed, per partition, live (a line a second when stdout is not a terminal).
    #[arg(long)]
    pub live: bool,
}

impl CommonArgs {
    /// Whether a fault-injection flag was given (they need the embedded broker).
    pub fn fault_flag(&self) -> Option<&'static str> {
        if self.inject_errors.is_some() {
            Some("--inject-errors")
        } else if self.retriable_errors.is_some() {
            Some("--retriable-errors")
        } else if self.outage.is_some() {
            Some("--outage")
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outage_parses_start_and_length() {
        let outage = parse_outage("3s+4s").unwrap();
        assert_eq!(outage.start, Duration::from_secs(3));
        assert_eq!(outage.length, Duration::from_secs(4));
        assert!(parse_outage("3s").unwrap_err().contains("START+LENGTH"));
        assert!(parse_outage("3s+soon").is_err());
    }
}
