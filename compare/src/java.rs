//! The slides' own client beside the Rust rows (`--vs-java`): Java's `KafkaProducer`
//! (kafka-clients, `java-lesson`'s `Measure` class) sends the same readings, with the
//! same settings, to the same broker, in the slides' fire-and-forget, callback and
//! sync loops.
//!
//! Each run is a JVM of its own, started through `java-lesson/run` (which builds the
//! classes with Maven the first time). As a Rust row does, it sends one reading and
//! waits for it first, says `warmed-up`, and only then does compare note where the
//! topic ends and say go: the JVM's start-up and connecting are not timed, and the
//! broker count is of the measured records alone. The JVM times its own loop.

use crate::measure::ModeResult;
use crate::plan::Row;
use anyhow::{bail, Context, Result};
use common::broker_count::BrokerCount;
use common::reading::ReadingGenerator;
use common::run_tag::RunTag;
use rdkafka::ClientConfig;
use serde::Deserialize;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The librdkafka settings the lesson sets that mean the same to kafka-clients, under
/// the same name: they are handed to the Java rows as they are.
const SAME_IN_JAVA: [&str; 9] = [
    "acks",
    "enable.idempotence",
    "delivery.timeout.ms",
    "linger.ms",
    "request.timeout.ms",
    "retries",
    "compression.type",
    "max.in.flight.requests.per.connection",
    "security.protocol",
];

/// The script that builds and runs the Java side, in this workspace.
fn run_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("java-lesson")
        .join("run")
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Fails at once, in one line, when the Java rows cannot run here.
pub fn require_java() -> Result<()> {
    if !run_script().exists() {
        bail!(
            "--vs-java needs java-lesson/run, which is not at {}",
            run_script().display()
        );
    }
    if !have("java") || !have("mvn") {
        bail!("--vs-java needs Java 17+ and Maven (mvn) on the PATH, to build and run java-lesson");
    }
    Ok(())
}

/// The Java rows' settings: `config`'s, where kafka-clients has the same one. The
/// partitioner is left out when it is murmur2, which is Java's own for keyed records;
/// any other setting is refused, since the two clients would not run alike.
fn java_flags(config: &ClientConfig) -> Result<Vec<String>> {
    let mut flags = Vec::new();
    let map = config.config_map();
    let mut settings: Vec<(&str, &str)> = map.iter().map(|(k, v)| (*k, *v)).collect();
    settings.sort();
    for (key, value) in settings {
        match key {
            "bootstrap.servers" => flags.extend(["--brokers".to_owned(), value.to_owned()]),
            "partitioner" if value == "murmur2_random" => {}
            key if SAME_IN_JAVA.contains(&key) => {
                flags.extend(["-X".to_owned(), format!("{key}={value}")]);
            }
            _ => bail!(
                "--vs-java: the Java rows have no twin of {key}={value}; drop the setting or --vs-java"
            ),
        }
    }
    Ok(flags)
}

/// Writes `count` readings as `readings` prints them, for the JVM to replay.
fn write_readings(mut readings: ReadingGenerator, count: u64) -> Result<tempfile::NamedTempFile> {
    let mut file = tempfile::NamedTempFile::new()?;
    {
        let mut out = std::io::BufWriter::new(file.as_file_mut());
        for _ in 0..count {
            writeln!(out, "{}", readings.next_reading().replay_line())?;
        }
        out.flush()?;
    }
    Ok(file)
}

/// What `Measure` prints last.
#[derive(Deserialize)]
struct Measured {
    sent: u64,
    confirmed: Option<u64>,
    failed: Option<u64>,
    elapsed_seconds: f64,
    latency_p50_us: Option<u64>,
    latency_p99_us: Option<u64>,
    latency_max_us: Option<u64>,
    peak_rss_mib: Option<f64>,
    java: String,
    kafka_clients: String,
}

/// The Java rows' records, written once and sent again in every repetition.
pub struct Java {
    /// For the fire-and-forget and callback rows.
    many: tempfile::NamedTempFile,
    /// For the sync row.
    few: tempfile::NamedTempFile,
    run_id: String,
    /// The broker and settings, as java-lesson/run's flags.
    flags: Vec<String>,
}

impl Java {
    /// Writes the readings the Rust rows send: `count` for the asynchronous rows and
    /// `sync_count` for the synchronous one, from generators like theirs. Fails before
    /// anything is measured when `config` holds a setting Java has no twin of.
    pub fn prepare(
        readings: impl Fn() -> ReadingGenerator,
        count: u64,
        sync_count: u64,
        tag: &RunTag,
        config: &ClientConfig,
    ) -> Result<Self> {
        Ok(Self {
            flags: java_flags(config)?,
            many: write_readings(readings(), count)?,
            few: write_readings(readings(), sync_count)?,
            run_id: tag.id().to_owned(),
        })
    }

    /// Runs `row` in a fresh JVM against `topic`, and counts what the broker gained
    /// while it was timed. Returns the row and where the topic stood before it.
    pub fn run(
        &self,
        row: Row,
        config: &ClientConfig,
        topic: &str,
    ) -> Result<(ModeResult, BrokerCount)> {
        let (mode, readings, label) = match row {
            Row::JavaFireAndForget => ("fire-and-forget", &self.many, "fire-and-forget"),
            Row::JavaCallback => ("callback", &self.many, "with callback"),
            Row::JavaSync => ("sync", &self.few, "synchronous"),
            _ => bail!("{row:?} is not a Java row"),
        };
        let stderr = tempfile::NamedTempFile::new()?;
        let mut child = Command::new(run_script())
            .args(["Measure", "--mode", mode, "--topic", topic])
            .args(["--run-id", &self.run_id, "--readings"])
            .arg(readings.path())
            .args(&self.flags)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr.reopen()?)
            .spawn()
            .context("could not start java-lesson/run")?;
        let failed = |what: &str| -> anyhow::Error {
            let mut text = String::new();
            let _ =
                std::fs::File::open(stderr.path()).and_then(|mut f| f.read_to_string(&mut text));
            let last = text
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            anyhow::anyhow!("the Java {mode} row {what}: {last}")
        };
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut line = String::new();
        stdout.read_line(&mut line)?;
        if line.trim() != "warmed-up" {
            let _ = child.wait();
            return Err(failed("did not warm up"));
        }
        let before = BrokerCount::before(config, topic)?;
        child
            .stdin
            .take()
            .expect("piped")
            .write_all(b"go\n")
            .context("the Java row stopped before it was told to go")?;
        let mut rest = String::new();
        stdout.read_to_string(&mut rest)?;
        if !child.wait()?.success() {
            return Err(failed("failed"));
        }
        let measured: Measured = serde_json::from_str(rest.trim())
            .map_err(|err| failed(&format!("printed no result ({err})")))?;
        let name = format!(
            "Java {label} (kafka-clients {}, Java {})",
            measured.kafka_clients, measured.java
        );
        let elapsed = Duration::from_secs_f64(measured.elapsed_seconds);
        let mut result = ModeResult::new(row, &name, measured.sent, elapsed, None);
        result.messages_confirmed = measured.confirmed;
        result.messages_failed = measured.failed;
        result.latency_p50_us = measured.latency_p50_us;
        result.latency_p99_us = measured.latency_p99_us;
        result.latency_max_us = measured.latency_max_us;
        result.peak_rss_mib = measured.peak_rss_mib;
        result.broker_count = Some(before.growth()?);
        Ok((result, before))
    }
}
