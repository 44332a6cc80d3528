//! The peer: Debian's `kcat -P`, the C client users reach for, on the same records.
//!
//! kcat starts librdkafka's mock cluster inside itself (`test.mock.num.brokers=3`) with
//! the lesson's producer settings. Its wall time includes starting up, so it runs
//! twice, with one record and with all of them, and the difference is its sending time.

use crate::measure::ModeResult;
use anyhow::{bail, Context, Result};
use common::reading::ReadingGenerator;
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

fn run_kcat(records: &std::path::Path, settings: &[(String, String)]) -> Result<Duration> {
    let mut command = Command::new("kcat");
    command.args(["-P", "-b", "127.0.0.1:9", "-t", "humidity", "-K:", "-l"]);
    command.arg(records);
    command.args(["-X", "test.mock.num.brokers=3"]);
    for (key, value) in settings {
        command.arg("-X").arg(format!("{key}={value}"));
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

/// Runs kcat on `count` readings with the lesson's producer `settings`.
pub fn kcat_row(
    mut readings: ReadingGenerator,
    count: u64,
    settings: &[(String, String)],
) -> Result<ModeResult> {
    let all = write_records(&mut readings, count)?;
    let one = write_records(&mut readings, 1)?;
    let startup = run_kcat(one.path(), settings)?;
    let total = run_kcat(all.path(), settings)?;
    // With too few records the difference drowns in noise: then keep the whole time.
    let sending = total.saturating_sub(startup);
    if sending < MIN_TIMED {
        return Ok(ModeResult::new(
            "kcat -P (C client, incl. start-up)",
            count,
            total,
            None,
        ));
    }
    Ok(ModeResult::new("kcat -P (C client)", count, sending, None))
}
