//! Test helpers (feature `testing`): run a step binary, read back what the broker holds,
//! and compare it with what the step printed.
//!
//! Each step's embedded broker lives inside the step's process, so the step itself
//! writes the read-back (`--dump-topics`, a plain consumer, see [`crate::readback`])
//! before it exits; the tests then hold the printed report against it.

use crate::output::Confirmation;
use crate::readback::StoredRecord;
use crate::reading::{Clock, ReadingGenerator, SensorReading};
use crate::tally::Counts;
use regex::Regex;
use std::collections::{BTreeMap, HashMap};
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

/// The fixed clock every test uses: the slide's timestamp.
pub const TEST_CLOCK: i64 = 1_733_584_800;
/// The seed every test uses.
pub const TEST_SEED: u64 = 7;

/// What one run of a step printed, how it exited, and what the broker held after it.
pub struct StepRun {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: Option<i32>,
    /// Topic → records, as read back from the broker at the end of the run; `None`
    /// when the step wrote no read-back (it stopped before its end).
    topics: Option<BTreeMap<String, Vec<StoredRecord>>>,
}

impl StepRun {
    /// The records of `topic` as read back. Panics when the step wrote no read-back or
    /// it lacks `topic`: a failed read-back is a failed test, never an empty topic.
    pub fn records(&self, topic: &str) -> &[StoredRecord] {
        let Some(topics) = &self.topics else {
            panic!(
                "the step wrote no read-back (exit {:?}); stderr:\n{}",
                self.exit_code, self.stderr
            )
        };
        topics
            .get(topic)
            .unwrap_or_else(|| panic!("the read-back has no topic {topic}: {:?}", topics.keys()))
    }
}

/// The dump a step wrote: `None` when it wrote nothing (the file is still empty), a
/// panic when it is not a read-back.
fn read_dump(path: &std::path::Path) -> Option<BTreeMap<String, Vec<StoredRecord>>> {
    let dumped = std::fs::read_to_string(path).expect("the dump file is readable");
    if dumped.is_empty() {
        return None;
    }
    Some(
        serde_json::from_str(&dumped)
            .unwrap_or_else(|err| panic!("the step's read-back is not valid JSON: {err}")),
    )
}

/// Runs a step binary with the test seed and clock, plus `args`, and reads back its topics.
pub fn run_step(binary: &str, args: &[&str]) -> StepRun {
    run_step_timing_lines(binary, args).0
}

/// [`run_step`], noting when each line of stdout arrived, counted from the first line.
/// Rust's stdout is line-buffered even into a pipe, so a line arrives when it is printed.
pub fn run_step_timing_lines(
    binary: &str,
    args: &[&str],
) -> (StepRun, Vec<(std::time::Duration, String)>) {
    run_step_with(binary, args, &[])
}

fn run_step_with(
    binary: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> (StepRun, Vec<(std::time::Duration, String)>) {
    let dump = tempfile::NamedTempFile::new().expect("a temporary file");
    let mut child = Command::new(binary)
        .envs(env.iter().copied())
        .args(["--seed", &TEST_SEED.to_string()])
        .args(["--fixed-clock", &TEST_CLOCK.to_string()])
        .arg("--dump-topics")
        .arg(dump.path())
        .args(args)
        .env_remove("KAFKA_BOOTSTRAP_SERVERS")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the step binary runs");
    let (timed, stderr, status) = read_until_exit(&mut child);
    let stdout: String = timed.iter().map(|(_, line)| format!("{line}\n")).collect();
    let mut stderr = String::from_utf8(stderr).expect("stderr is UTF-8");
    if status.code().is_none() {
        // Killed: say by what, since every failure message shows stderr.
        stderr.push_str(&format!("\n[the step ended by {status}]"));
    }
    let run = StepRun {
        stdout,
        stderr,
        exit_code: status.code(),
        topics: read_dump(dump.path()),
    };
    (run, timed)
}

/// Reads `child`'s stdout, noting when each line arrived (counted from the first), and
/// its stderr, until it has exited and all it wrote is read. Not until the pipes
/// close: a process the step started and left behind may hold them open for ever.
fn read_until_exit(child: &mut Child) -> (Vec<(Duration, String)>, Vec<u8>, ExitStatus) {
    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    use std::io::Read;
    use std::os::fd::AsFd;
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut open = [true, true];
    let mut timed = Vec::new();
    let mut first = None;
    let mut arrived = |line: Vec<u8>| {
        let at = *first.get_or_insert_with(Instant::now);
        let line = String::from_utf8(line).expect("stdout is UTF-8");
        timed.push((at.elapsed(), line));
    };
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        // Asked before the poll: once the step has exited, everything it wrote is in
        // the pipes, so a poll that finds nothing to read means all of it was read.
        let exited = child.try_wait().expect("the step binary can be waited for");
        let wait = if exited.is_some() {
            PollTimeout::ZERO
        } else {
            PollTimeout::from(20u8)
        };
        let ready: Vec<usize> = {
            let pipes = [stdout.as_fd(), stderr.as_fd()];
            let watched: Vec<usize> = (0..2).filter(|&i| open[i]).collect();
            let mut fds: Vec<PollFd> = watched
                .iter()
                .map(|&i| PollFd::new(pipes[i], PollFlags::POLLIN))
                .collect();
            poll(&mut fds, wait).expect("poll on the step's output");
            watched
                .into_iter()
                .zip(&fds)
                .filter(|(_, fd)| fd.revents().is_some_and(|r| !r.is_empty()))
                .map(|(i, _)| i)
                .collect()
        };
        let mut read_any = false;
        for index in ready {
            let (pipe, buffer): (&mut dyn Read, &mut Vec<u8>) = match index {
                0 => (&mut stdout, &mut out),
                _ => (&mut stderr, &mut err),
            };
            let count = pipe
                .read(&mut chunk)
                .expect("the step's output is readable");
            if count == 0 {
                open[index] = false;
                continue;
            }
            read_any = true;
            buffer.extend_from_slice(&chunk[..count]);
        }
        while let Some(end) = out.iter().position(|&b| b == b'\n') {
            let mut line: Vec<u8> = out.drain(..=end).take(end).collect();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            arrived(line);
        }
        if let Some(status) = exited.filter(|_| !read_any) {
            if !out.is_empty() {
                arrived(out);
            }
            return (timed, err, status);
        }
    }
}

/// Runs a step with `args` and its first `errors` produce requests answered with a
/// retriable error, and asserts that the fault fired: librdkafka's own debug log
/// (`-X debug=msg`) shows each of those requests failing and being retried.
pub fn run_with_retriable_errors(binary: &str, args: &[&str], errors: u32) -> StepRun {
    let count = errors.to_string();
    let mut all = args.to_vec();
    all.extend(["--retriable-errors", &count, "-X", "debug=msg"]);
    let run = run_step_with(binary, &all, &[("RUST_LOG", "warn,librdkafka=debug")]).0;
    let seen = run
        .stderr
        .lines()
        .filter(|l| l.contains("encountered error") && l.contains("(actions Retry"))
        .count();
    assert_eq!(seen, errors as usize, "retried requests: {}", run.stderr);
    run
}

/// The first `count` readings a test run sends.
pub fn expected_readings(count: usize) -> Vec<SensorReading> {
    readings(TEST_SEED, TEST_CLOCK, count)
}

/// The first `count` readings for `seed`, stamped from `clock`.
pub fn readings(seed: u64, clock: i64, count: usize) -> Vec<SensorReading> {
    ReadingGenerator::new(seed, Clock::Fixed { start: clock })
        .take(count)
        .collect()
}

/// The counts on the summary line.
pub fn summary_counts(stdout: &str) -> Counts {
    let pattern = Regex::new(
        r"📈 Summary: sent (\d+) \| confirmed (\d+) \| failed (\d+) \| unconfirmed (\d+)",
    )
    .unwrap();
    let caps = pattern
        .captures(stdout)
        .unwrap_or_else(|| panic!("no summary line in:\n{stdout}"));
    let number = |i: usize| caps[i].parse::<u64>().unwrap();
    let counts = Counts {
        sent: number(1),
        confirmed: number(2),
        failed: number(3),
    };
    // Computed here, not by `Counts::unconfirmed`, which printed the line.
    let unaccounted = (number(1))
        .checked_sub(number(2) + number(3))
        .unwrap_or_else(|| panic!("more outcomes than sends:\n{stdout}"));
    assert_eq!(
        unaccounted,
        number(4),
        "sent = confirmed + failed + unconfirmed"
    );
    counts
}

/// The reading stored in a record's JSON value.
pub fn stored_reading(record: &StoredRecord) -> SensorReading {
    serde_json::from_str(record.value.as_deref().expect("a value"))
        .unwrap_or_else(|err| panic!("record {record:?} is not a reading: {err}"))
}

/// Asserts that every reported delivery is at its partition and offset on the broker,
/// with the same key and body.
pub fn assert_reports_match_broker(reported: &[Confirmation], stored: &[StoredRecord]) {
    let by_position: HashMap<(i32, i64), &StoredRecord> = stored
        .iter()
        .map(|r| ((r.partition, r.offset), r))
        .collect();
    for report in reported {
        let record = by_position
            .get(&(report.partition, report.offset))
            .unwrap_or_else(|| panic!("reported {report:?}, but the broker has no such record"));
        assert_eq!(record.key.as_deref(), Some(report.sensor_id.as_str()));
        let reading = stored_reading(record);
        assert_eq!(reading.sensor_id, report.sensor_id);
        assert_eq!(reading.humidity, report.humidity);
        if report.timestamp.is_some() {
            assert_eq!(report.timestamp, record.timestamp, "{report:?}: timestamp");
        }
    }
}

/// Asserts that the broker holds exactly `expected`: same keys and bodies, no
/// duplicates, nothing extra, and each sensor's readings in the order they were made.
pub fn assert_broker_holds(stored: &[StoredRecord], expected: &[SensorReading]) {
    let mut stored_by_key: BTreeMap<String, Vec<SensorReading>> = BTreeMap::new();
    // Records arrive sorted by partition then offset; one key lives in one partition,
    // so this keeps each key's stored order.
    for record in stored {
        let reading = stored_reading(record);
        assert_eq!(
            record.key.as_deref(),
            Some(reading.key()),
            "key = sensor id"
        );
        assert_eq!(
            record.timestamp,
            Some(reading.timestamp_millis()),
            "record timestamp"
        );
        stored_by_key
            .entry(reading.sensor_id.to_string())
            .or_default()
            .push(reading);
    }
    let mut expected_by_key: BTreeMap<String, Vec<SensorReading>> = BTreeMap::new();
    for reading in expected {
        expected_by_key
            .entry(reading.sensor_id.to_string())
            .or_default()
            .push(reading.clone());
    }
    assert_eq!(stored.len(), expected.len(), "record count");
    assert_eq!(stored_by_key, expected_by_key, "per-key bodies and order");
}

/// insta filters for what truly varies between runs: elapsed time and rate.
pub fn varying_parts() -> Vec<(&'static str, &'static str)> {
    vec![(
        r"elapsed \d+\.\d+s \| \d+\.\d+ msg/s",
        "elapsed [ELAPSED] | [RATE] msg/s",
    )]
}

/// Runs a step binary with `args` (no test defaults added). Once its banner is out
/// (so its signal watcher is installed), waits `first` and sends `signal` (e.g.
/// "INT"), then SIGINT again after `second` if given. Returns stdout and the exit code.
pub fn run_step_interrupted(
    binary: &str,
    args: &[&str],
    signal: &str,
    first: std::time::Duration,
    second: Option<std::time::Duration>,
) -> (String, Option<i32>) {
    use std::io::BufRead;
    let mut child = Command::new(binary)
        .args(args)
        .env_remove("KAFKA_BOOTSTRAP_SERVERS")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the step binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let (banner_done, banner_seen) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line.expect("UTF-8 output");
            if line.starts_with("🎯 Plan") {
                let _ = banner_done.send(());
            }
            text.push_str(&line);
            text.push('\n');
        }
        text
    });
    banner_seen
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the step printed its banner");
    let send = |signal: &str, pid: u32| {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "SIG{signal} delivered");
    };
    std::thread::sleep(first);
    send(signal, child.id());
    if let Some(second) = second {
        std::thread::sleep(second);
        send("INT", child.id());
    }
    let status = child.wait().expect("the step exits");
    (reader.join().expect("reader thread"), status.code())
}

/// The value of a `name N` pair in a line, e.g. `holds 12` → 12.
pub fn number_after(text: &str, label: &str) -> u64 {
    let pattern = Regex::new(&format!(r"{} (\d+)", regex::escape(label))).unwrap();
    let caps = pattern
        .captures(text)
        .unwrap_or_else(|| panic!("no {label:?} in:\n{text}"));
    caps[1].parse().unwrap()
}

/// Asserts that every one of `expected` is on the broker, and nothing else is; a
/// reading may be stored more than once. Returns how many extra copies there were.
pub fn assert_nothing_lost(stored: &[StoredRecord], expected: &[SensorReading]) -> usize {
    let distinct: std::collections::BTreeSet<String> = stored
        .iter()
        .map(|record| stored_reading(record).to_json())
        .collect();
    let wanted: std::collections::BTreeSet<String> =
        expected.iter().map(SensorReading::to_json).collect();
    let missing: Vec<_> = wanted.difference(&distinct).collect();
    let extra: Vec<_> = distinct.difference(&wanted).collect();
    assert!(missing.is_empty(), "lost readings: {missing:?}");
    assert!(extra.is_empty(), "readings never sent: {extra:?}");
    stored.len() - distinct.len()
}

/// Runs a step through an outage longer than its delivery timeout and asserts that
/// every lost message was reported through the step's own failure line (`failure_line`),
/// that nothing was left unconfirmed, and that every delivery the step reported (its
/// lines, parsed by its own `confirmations`) is on the broker.
pub fn run_through_long_outage(
    binary: &str,
    count: &str,
    outage: &str,
    failure_line: &str,
    confirmations: fn(&str) -> Vec<Confirmation>,
) -> (StepRun, Counts) {
    let args = [
        "--count",
        count,
        "--outage",
        outage,
        "--delivery-timeout",
        "1s",
    ];
    let run = run_step(binary, &args);
    let counts = summary_counts(&run.stdout);
    assert!(counts.failed > 0, "{}", run.stdout);
    assert_eq!(counts.unconfirmed(), 0);
    assert_eq!(
        run.stdout.matches(failure_line).count() as u64,
        counts.failed
    );
    assert!(run.stdout.contains("MessageTimedOut"));
    assert_reports_match_broker(&confirmations(&run.stdout), run.records("humidity"));
    assert_eq!(run.exit_code, Some(1), "losses make a failed run");
    (run, counts)
}
