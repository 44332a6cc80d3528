//! `--live` on every step, in a pseudo-terminal (util-linux's `script`) and into a pipe:
//! the terminal is given back, the summary adds up, and the broker holds what the step
//! reports, the same records as without the view. On the embedded broker.

mod support;

use common::readback::StoredRecord;
use common::testing::{assert_broker_holds, expected_readings, summary_counts};
use common::testing::{TEST_CLOCK, TEST_SEED};
use std::collections::BTreeMap;
use std::process::Command;
use support::step_binary;

const STEPS: [&str; 4] = [
    "step-01-fire-and-forget",
    "step-02-callback",
    "step-03-sync",
    "step-04-future-timeout",
];
const ENTER_ALTERNATE_SCREEN: &str = "\x1b[?1049h";
const LEAVE_ALTERNATE_SCREEN: &str = "\x1b[?1049l";

/// The test's arguments for a step: seed, clock, the embedded broker's round trip, and
/// a read-back into `dump`.
fn args(dump: &std::path::Path, rtt: &str, extra: &str) -> String {
    format!(
        "--seed {TEST_SEED} --fixed-clock {TEST_CLOCK} --broker-rtt {rtt} --dump-topics {} {extra}",
        dump.display()
    )
}

/// Runs `command` (a shell command line) on an 80×24 pseudo-terminal; returns what the
/// terminal received, and the exit code.
fn on_a_terminal(command: &str) -> (String, Option<i32>) {
    let output = Command::new("script")
        .args([
            "-qec",
            &format!("stty cols 80 rows 24; {command}"),
            "/dev/null",
        ])
        .env_remove("KAFKA_BOOTSTRAP_SERVERS")
        .output()
        .expect("script (util-linux) runs");
    let text = String::from_utf8_lossy(&output.stdout).replace('\r', "");
    (text, output.status.code())
}

fn read_dump(path: &std::path::Path) -> Vec<StoredRecord> {
    let text = std::fs::read_to_string(path).unwrap();
    let topics: BTreeMap<String, Vec<StoredRecord>> =
        serde_json::from_str(&text).unwrap_or_else(|err| panic!("no read-back ({err}): {text:?}"));
    topics["humidity"].clone()
}

/// How many the summary says were sent.
fn sent(text: &str) -> u64 {
    let line = text
        .lines()
        .find(|l| l.contains("📈 Summary"))
        .expect("a summary");
    let sent = line
        .split("📈 Summary: sent ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    sent.parse().unwrap()
}

/// The view was drawn, the terminal was given back, and the summary came after.
fn assert_view_drawn_then_restored(step: &str, text: &str) -> String {
    let entered = text
        .find(ENTER_ALTERNATE_SCREEN)
        .unwrap_or_else(|| panic!("{step}: no view"));
    let left = text
        .rfind(LEAVE_ALTERNATE_SCREEN)
        .unwrap_or_else(|| panic!("{step}: the terminal was not given back"));
    assert!(entered < left, "{step}");
    // ratatui writes only what changed, word by word: look for words, not phrases.
    for word in ["Outcomes", "partition", "flight", "Confirmed:"] {
        assert!(
            text[entered..left].contains(word),
            "{step}: {word}: {text:?}"
        );
    }
    let after = text[left..].to_owned();
    assert!(
        after.contains("📈 Summary"),
        "{step}: the summary follows the view: {after:?}"
    );
    after
}

/// The summary adds up, and the broker holds exactly the readings the step sent.
fn assert_counts_and_broker(step: &str, after: &str, dump: &std::path::Path, count: u64) {
    assert_eq!(sent(after), count, "{step}: {after}");
    if step != "step-01-fire-and-forget" {
        let counts = summary_counts(after);
        assert_eq!(
            (counts.confirmed, counts.failed),
            (count, 0),
            "{step}: {after}"
        );
    }
    assert_broker_holds(&read_dump(dump), &expected_readings(count as usize));
}

#[test]
fn every_step_draws_the_view_and_gives_the_terminal_back() {
    for step in STEPS {
        let dump = tempfile::NamedTempFile::new().unwrap();
        let command = format!(
            "{} --live --count 150 --rate 300 {}",
            step_binary(step).display(),
            args(dump.path(), "100ms", "")
        );
        let (text, code) = on_a_terminal(&command);
        assert_eq!(code, Some(0), "{step}: {text}");
        let after = assert_view_drawn_then_restored(step, &text);
        assert_counts_and_broker(step, &after, dump.path(), 150);
    }
}

#[test]
fn ctrl_c_gives_the_terminal_back_then_flushes_and_reports() {
    for step in STEPS {
        let dump = tempfile::NamedTempFile::new().unwrap();
        // timeout sends the step one SIGINT, as Ctrl+C does, 3 s into a 60 s run, and
        // exits with the step's own code. (Without --foreground it also signals its
        // process group, the step included: seen here as a second Ctrl+C, exit 130.)
        let command = format!(
            "timeout --foreground --preserve-status -s INT 3 {} --live --duration 60s --rate 200 {}",
            step_binary(step).display(),
            args(dump.path(), "10ms", "")
        );
        let (text, code) = on_a_terminal(&command);
        assert_eq!(code, Some(0), "{step}: {text}");
        let after = assert_view_drawn_then_restored(step, &text);
        let count = sent(&after);
        assert!(count > 0 && count < 60 * 200, "{step}: {after}");
        assert_counts_and_broker(step, &after, dump.path(), count);
    }
}

#[test]
fn into_a_pipe_the_view_is_a_line_a_second_and_the_run_is_the_same() {
    for step in STEPS {
        let run = |live: &str| {
            let dump = tempfile::NamedTempFile::new().unwrap();
            let output = Command::new(step_binary(step))
                .args(args(dump.path(), "1ms", live).split_whitespace())
                .args(["--count", "400", "--rate", "200"])
                .env_remove("KAFKA_BOOTSTRAP_SERVERS")
                .output()
                .unwrap();
            assert!(output.status.success(), "{step} {live}");
            let text = String::from_utf8(output.stdout).unwrap();
            (text, read_dump(dump.path()))
        };
        let (live, live_records) = run("--live");
        let (plain, plain_records) = run("");
        assert!(
            !live.contains('\x1b'),
            "{step}: no terminal codes into a pipe"
        );
        assert!(live.contains("⏱  live 1s: sent "), "{step}: {live}");
        let summary = |text: &str| {
            let line = text.lines().find(|l| l.starts_with("📈 Summary")).unwrap();
            line.split(" | elapsed").next().unwrap().to_owned()
        };
        assert_eq!(summary(&live), summary(&plain), "{step}: the same summary");
        let body = |records: &[StoredRecord]| -> Vec<(Option<String>, Option<String>)> {
            records
                .iter()
                .map(|r| (r.key.clone(), r.value.clone()))
                .collect()
        };
        assert_eq!(
            body(&live_records),
            body(&plain_records),
            "{step}: the same records"
        );
        assert_broker_holds(&live_records, &expected_readings(400));
    }
}
