//! The peer: Debian's `kcat -P`, the C client users reach for, on the same records,
//! with the same producer settings, against the same broker as the Rust modes.
//!
//! kcat's wall time includes starting up and connecting, so each run is two: one
//! record, then all of them, and the difference is its sending time.

use crate::measure::ModeResult;
use crate::plan::Row;
use anyhow::{bail, Context, Result};
use common::broker_count::BrokerCount;
use common::reading::ReadingGenerator;
use common::run_tag::RunTag;
use rdkafka::ClientConfig;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Below this, kcat's sending time is not told apart from its start-up.
const MIN_TIMED: Duration = Duration::from_millis(50);

/// The one-line message when kcat is missing.
pub const KCAT_MISSING: &str =
    "kcat is not installed: install it with `apt-get install kcat`, or drop --vs-kcat";

fn kcat_available() -> bool {
    Command::new("kcat")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// Fails at once, with [`KCAT_MISSING`], when kcat is not on the PATH.
pub fn require_kcat() -> Result<()> {
    if kcat_available() {
        Ok(())
    } else {
        bail!(KCAT_MISSING)
    }
}

/// Writes `count` readings as kcat's `key:value` lines.
fn write_records(readings: &mut ReadingGenerator, count: u64) -> Result<tempfile::NamedTempFile> {
    let mut file = tempfile::NamedTempFile::new()?;
    {
        let mut out = std::io::BufWriter::new(file.as_file_mut());
        for _ in 0..count {
            let reading = readings.next_reading();
            writeln!(out, "{}:{}", reading.key(), reading.to_json())?;
        }
    }
    Ok(file)
}

fn run_kcat(
    records: &std::path::Path,
    config: &ClientConfig,
    topic: &str,
    header: &str,
) -> Result<Duration> {
    let mut command = Command::new("kcat");
    command
        .args(["-P", "-t", topic, "-K:", "-H", header, "-l"])
        .arg(records);
    for (key, value) in config.config_map().iter() {
        if *key == "bootstrap.servers" {
            command.arg("-b").arg(value);
        } else {
            command.arg("-X").arg(format!("{key}={value}"));
        }
    }
    let started = Instant::now();
    let output = command.output().context("could not run kcat")?;
    let elapsed = started.elapsed();
    if !output.status.success() {
        bail!(
            "kcat failed: {}",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
    }
    Ok(elapsed)
}

/// The librdkafka that kcat runs on, from `kcat -V` ("... librdkafka 2.0.2 ...").
fn kcat_librdkafka_version() -> Option<String> {
    let output = Command::new("kcat").arg("-V").output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let after = text.split("librdkafka ").nth(1)?;
    after.split_whitespace().next().map(str::to_owned)
}

/// kcat's records, written once and sent again in every repetition.
pub struct Kcat {
    all: tempfile::NamedTempFile,
    one: tempfile::NamedTempFile,
    count: u64,
    /// The row's name, with the librdkafka kcat runs on: it need not be ours.
    name: String,
    /// The run's tag header, as `-H`: kcat's records carry it as the steps' do.
    header: String,
}

impl Kcat {
    /// Writes `count` readings (and one more, for the start-up run) as kcat's input.
    pub fn prepare(mut readings: ReadingGenerator, count: u64, tag: &RunTag) -> Result<Self> {
        let librdkafka = kcat_librdkafka_version().unwrap_or_else(|| "of unknown version".into());
        Ok(Self {
            all: write_records(&mut readings, count)?,
            one: write_records(&mut readings, 1)?,
            count,
            name: format!("kcat -P (C client, librdkafka {librdkafka})"),
            header: format!("{}={}", common::run_tag::HEADER, tag.id()),
        })
    }

    /// Sends the records to `topic` with `config`'s settings (its bootstrap servers as
    /// `-b`), and counts what the broker gained. Returns the row and where the topic
    /// stood before it.
    pub fn run(&self, config: &ClientConfig, topic: &str) -> Result<(ModeResult, BrokerCount)> {
        let startup = run_kcat(self.one.path(), config, topic, &self.header)?;
        let before = BrokerCount::before(config, topic)?;
        let total = run_kcat(self.all.path(), config, topic, &self.header)?;
        // The start-up run also sent its record, so this is the larger run plus one
        // start-up: its difference from the one-record run is the sending time.
        let sending = total.saturating_sub(startup);
        let mut result = if sending < MIN_TIMED {
            // With too few records the difference drowns in noise: keep the whole time.
            let name = self.name.replace(')', ", incl. start-up)");
            ModeResult::new(Row::Kcat, &name, self.count, total, None)
        } else {
            ModeResult::new(Row::Kcat, &self.name, self.count, sending, None)
        };
        result.broker_count = Some(before.growth()?);
        Ok((result, before))
    }
}
