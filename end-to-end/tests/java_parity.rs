//! The slides' Java producer (`java-lesson`, kafka-clients) and the Rust steps, run
//! side by side on Apache Kafka, as the Rust-notes page claims they behave:
//! - for the same seed they send identical records (keys, JSON bodies, create times),
//!   every key lands on the same partition, and their SYNC lines agree once the
//!   offsets are set aside;
//! - their callback lines agree once the offsets are set aside;
//! - with `acks=0` Java reports offset -1, and rdkafka -1001 (plus the record's place
//!   in its batch);
//! - an oversized record reaches Java's callback, while rdkafka hands it back from
//!   `send`, and neither reaches the broker;
//! - Java runs callbacks on its I/O thread, except for a record refused inside `send`
//!   (too large, or no metadata within `max.block.ms`, which `send` blocks for): that
//!   one's callback runs on the caller's thread;
//! - on a `LogAppendTime` topic both report the broker's time, and step 02 labels it.
//!
//! The Java side replays what `readings` (a bin of `common`) prints for the seed, run by
//! `java-lesson/run` as the README shows. It starts a Kafka of its own (`kafka/start`)
//! and needs Java and Maven. Run it alone: `cargo test -p end-to-end --test java_parity`.

mod cluster;
mod support;
mod topic;

use cluster::{java_and_maven, workspace, Cluster};
use common::readback::{read_topic, StoredRecord};
use common::run_tag::HEADER;
use common::testing::TEST_CLOCK;
use rdkafka::ClientConfig;
use std::process::{Command, Output};
use std::time::Duration;
use support::step_binary;
use topic::create_topic;

const PORT: u16 = 29292;

/// What one run printed, and how it ended.
struct Ran {
    stdout: String,
    stderr: String,
    output: Output,
}

/// `java-lesson/run CLASS` (as the README shows: it builds the classes, asks
/// `readings` for the seed's records, and replays them) or a Rust step, with `args`,
/// on `bootstrap`, tagged `run_id`, on the tests' fixed clock.
fn run(program: &str, bootstrap: &str, run_id: &str, args: &[&str]) -> Ran {
    let clock = TEST_CLOCK.to_string();
    let mut command = match program.strip_prefix("java:") {
        Some(class) => {
            let mut java = Command::new(workspace().join("java-lesson/run"));
            java.arg(class);
            java
        }
        // Unpaced, as the Java side sends.
        None => {
            let mut step = Command::new(step_binary(program));
            step.args(["--rate", "0"]);
            step
        }
    };
    let output = command
        .args([
            "--brokers",
            bootstrap,
            "--run-id",
            run_id,
            "--fixed-clock",
            &clock,
        ])
        .args(args)
        .output()
        .unwrap();
    Ran {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        output,
    }
}

/// The SYNC lines of a run, each without its offset (offsets are the broker's, and
/// the runs write to one topic one after the other).
fn sync_lines(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|line| line.starts_with("⏳ SYNC"))
        .map(|line| line.split(", offset").next().unwrap().to_owned())
        .collect()
}

/// The offsets of a run's SYNC lines.
fn sync_offsets(stdout: &str) -> Vec<i64> {
    stdout
        .lines()
        .filter_map(|line| line.split(", offset ").nth(1))
        .map(|offset| offset.parse().unwrap())
        .collect()
}

/// A run's callback successes: the SUCCESS line and the one below it without its
/// offset, sorted (reports from different partitions arrive in any order).
fn success_blocks(stdout: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = stdout.lines().collect();
    let mut blocks: Vec<(String, String)> = lines
        .windows(2)
        .filter(|pair| pair[0].starts_with("✅ SUCCESS: "))
        .map(|pair| {
            let (partition, rest) = pair[1].split_once(" | Offset: ").unwrap();
            let time = rest.split_once(" | ").unwrap().1;
            (pair[0].to_owned(), format!("{partition} | {time}"))
        })
        .collect();
    blocks.sort();
    blocks
}

/// The offsets in a run's callback successes.
fn success_offsets(stdout: &str) -> Vec<i64> {
    stdout
        .lines()
        .filter_map(|line| line.split(" | Offset: ").nth(1))
        .map(|rest| rest.split(" | ").next().unwrap().parse().unwrap())
        .collect()
}

/// The timestamps in a run's callback successes, each of which must end in `label`.
fn success_times(stdout: &str, label: &str) -> Vec<i64> {
    stdout
        .lines()
        .filter_map(|line| line.split(" | Timestamp: ").nth(1))
        .map(|time| {
            let millis = time
                .strip_suffix(label)
                .unwrap_or_else(|| panic!("{time:?} ends in {label:?}"));
            millis.parse().unwrap()
        })
        .collect()
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A run's FAILED lines, up to the error, sorted: the error's text is each client's own.
fn failed_readings(stdout: &str) -> Vec<String> {
    let mut failed: Vec<String> = stdout
        .lines()
        .filter(|line| line.starts_with("❌ FAILED: "))
        .map(|line| line.split(" — ").next().unwrap().to_owned())
        .collect();
    failed.sort();
    failed
}

/// The records of one run, in create-time order (the fixed clock ticks a second per
/// reading): partition, key, create time and body.
fn of_run(all: &[StoredRecord], run_id: &str) -> Vec<(i32, String, i64, String)> {
    let mut ours: Vec<&StoredRecord> = all
        .iter()
        .filter(|r| r.headers.get(HEADER).map(String::as_str) == Some(run_id))
        .collect();
    ours.sort_by_key(|r| r.timestamp);
    ours.iter()
        .map(|r| {
            (
                r.partition,
                r.key.clone().unwrap_or_default(),
                r.timestamp.unwrap_or_default(),
                r.value.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn succeeded(ran: &Ran, what: &str) {
    assert!(
        ran.output.status.success(),
        "{what}:\n{}\n{}",
        ran.stdout,
        ran.stderr
    );
}

#[test]
fn java_and_rust_agree_on_apache_kafka() {
    if !java_and_maven("the Java parity test") {
        return;
    }
    let cluster = Cluster::start(&["--port", &PORT.to_string()]);
    let bootstrap = cluster.bootstrap.as_str();
    // (run id of Java's, run id of Rust's, records each should have on the broker)
    let mut pairs: Vec<(String, String, usize)> = Vec::new();

    // 1. Sync: the same records, the same partitions, the same lines but for offsets.
    for seed in ["1", "7", "42"] {
        let args = ["--seed", seed, "--count", "12"];
        let (java_id, rust_id) = (format!("java-sync-{seed}"), format!("rust-sync-{seed}"));
        let java = run("java:Sync", bootstrap, &java_id, &args);
        let rust = run("step-03-sync", bootstrap, &rust_id, &args);
        succeeded(&java, &format!("Java's Sync, seed {seed}"));
        succeeded(&rust, &format!("step 03, seed {seed}"));
        assert_eq!(sync_lines(&java.stdout).len(), 12, "{}", java.stdout);
        assert_eq!(
            sync_lines(&java.stdout),
            sync_lines(&rust.stdout),
            "seed {seed}: the SYNC lines"
        );
        pairs.push((java_id, rust_id, 12));
    }

    // 2. Callback: the same SUCCESS blocks but for offsets (create times included).
    let args = ["--seed", "7", "--count", "12"];
    let java = run("java:Callback", bootstrap, "java-callback", &args);
    let rust = run("step-02-callback", bootstrap, "rust-callback", &args);
    succeeded(&java, "Java's Callback");
    succeeded(&rust, "step 02");
    assert_eq!(success_blocks(&java.stdout).len(), 12, "{}", java.stdout);
    assert_eq!(
        success_blocks(&java.stdout),
        success_blocks(&rust.stdout),
        "the callback lines"
    );
    // Java runs callbacks on the producer's I/O thread.
    assert!(
        java.stdout
            .contains("🧵 Callbacks ran on: kafka-producer-network-thread | producer-1\n"),
        "{}",
        java.stdout
    );
    pairs.push(("java-callback".into(), "rust-callback".into(), 12));

    // 3. acks=0: nothing answers, so no client knows the offset. Both clients spell the
    // two settings alike; Java refuses acks=0 with idempotence on.
    let acks_0 = [
        "--seed",
        "7",
        "--count",
        "12",
        "-X",
        "acks=0",
        "-X",
        "enable.idempotence=false",
    ];
    let java = run("java:Sync", bootstrap, "java-acks0-sync", &acks_0);
    let rust = run("step-03-sync", bootstrap, "rust-acks0-sync", &acks_0);
    succeeded(&java, "Java's Sync with acks=0");
    succeeded(&rust, "step 03 with acks=0");
    assert_eq!(sync_offsets(&java.stdout), vec![-1; 12], "{}", java.stdout);
    // One record per request: each is the first of its batch.
    assert_eq!(
        sync_offsets(&rust.stdout),
        vec![-1001; 12],
        "{}",
        rust.stdout
    );
    assert_eq!(sync_lines(&java.stdout), sync_lines(&rust.stdout));
    pairs.push(("java-acks0-sync".into(), "rust-acks0-sync".into(), 12));

    let java = run("java:Callback", bootstrap, "java-acks0-callback", &acks_0);
    let rust = run(
        "step-02-callback",
        bootstrap,
        "rust-acks0-callback",
        &acks_0,
    );
    succeeded(&java, "Java's Callback with acks=0");
    succeeded(&rust, "step 02 with acks=0");
    assert_eq!(
        success_offsets(&java.stdout),
        vec![-1; 12],
        "{}",
        java.stdout
    );
    // librdkafka numbers a batch's records from the batch's offset even when it has
    // none (rd_kafka_msgq_set_metadata: base_offset++): -1001, -1000, ... never a real one.
    let rust_offsets = success_offsets(&rust.stdout);
    assert_eq!(rust_offsets.len(), 12, "{}", rust.stdout);
    assert!(
        rust_offsets.iter().all(|o| (-1001..-1001 + 12).contains(o))
            && rust_offsets.contains(&-1001),
        "step 02's acks=0 offsets: {rust_offsets:?}"
    );
    assert_eq!(
        success_blocks(&java.stdout),
        success_blocks(&rust.stdout),
        "the acks=0 callback lines"
    );
    pairs.push((
        "java-acks0-callback".into(),
        "rust-acks0-callback".into(),
        12,
    ));

    // 4. An oversized record (every 3rd of 6): Java's send hands it to the callback,
    // rdkafka's send returns it, and step 02's send loop reports it.
    let oversized = ["--seed", "7", "--count", "6", "--oversize-every", "3"];
    let java = run("java:Callback", bootstrap, "java-oversized", &oversized);
    let rust = run("step-02-callback", bootstrap, "rust-oversized", &oversized);
    assert!(
        !java.output.status.success(),
        "Java's Callback exits 1 on failures"
    );
    assert!(
        java.stdout
            .contains("📈 Summary: sent 6 | confirmed 4 | failed 2 |"),
        "Java counts the failures in its callback, the only place that can:\n{}",
        java.stdout
    );
    assert_eq!(
        java.stdout.matches("RecordTooLargeException").count(),
        2,
        "{}",
        java.stdout
    );
    // Inside send, on the caller's thread: the refused records' callbacks ran on main.
    assert!(
        java.stdout
            .contains("🧵 Callbacks ran on: kafka-producer-network-thread | producer-1, main\n"),
        "{}",
        java.stdout
    );
    // Only the send loop logs "send refused"; the callback never saw these records.
    for key in ["sensor-3", "sensor-2"] {
        assert!(
            rust.stderr.contains(&format!("send refused key={key}")),
            "step 02's send loop refused {key}:\n{}",
            rust.stderr
        );
    }
    assert!(
        rust.stdout.contains("failed 2 (MessageSizeTooLarge: 2)"),
        "{}",
        rust.stdout
    );
    assert_eq!(failed_readings(&java.stdout), failed_readings(&rust.stdout));
    assert_eq!(failed_readings(&java.stdout).len(), 2);
    assert_eq!(
        success_blocks(&java.stdout),
        success_blocks(&rust.stdout),
        "the records that fit"
    );
    pairs.push(("java-oversized".into(), "rust-oversized".into(), 4));

    // 5. Java's send blocks, up to max.block.ms, while it waits for metadata that never
    // comes (nothing listens on the port), then hands the timeout to the callback.
    let nowhere = format!("127.0.0.1:{}", PORT + 7);
    let java = run(
        "java:Callback",
        &nowhere,
        "java-blocked",
        &["--count", "1", "-X", "max.block.ms=1500"],
    );
    assert!(
        java.stdout
            .contains("TimeoutException: Topic humidity not present in metadata after 1500 ms")
            && java.stdout.contains("🧵 Callbacks ran on: main\n"),
        "{}",
        java.stdout
    );

    // 6. A topic that stamps records itself: both callbacks report the broker's time,
    // not the create time, and only Rust's line can say so.
    let log_append = "humidity-log-append-time";
    create_topic(
        bootstrap,
        log_append,
        &[("message.timestamp.type", "LogAppendTime")],
    );
    let args = ["--seed", "7", "--count", "6", "--topic", log_append];
    let before = now_millis();
    let java = run("java:Callback", bootstrap, "java-log-append", &args);
    let rust = run("step-02-callback", bootstrap, "rust-log-append", &args);
    let after = now_millis();
    succeeded(&java, "Java's Callback on a LogAppendTime topic");
    succeeded(&rust, "step 02 on a LogAppendTime topic");
    let java_times = success_times(&java.stdout, "");
    let rust_times = success_times(&rust.stdout, " (log append time, the broker's)");
    for (who, times) in [("Java", &java_times), ("Rust", &rust_times)] {
        assert_eq!(times.len(), 6, "{who}: {times:?}");
        assert!(
            times.iter().all(|t| (before..=after).contains(t)),
            "{who}'s callback times are the broker's, from this run ({before}..={after}), \
             not the 2024 create times: {times:?}"
        );
    }
    let mut connection = ClientConfig::new();
    connection.set("bootstrap.servers", bootstrap);
    let stamped = read_topic(&connection, log_append, Duration::from_secs(30)).unwrap();
    for (run_id, reported) in [
        ("java-log-append", java_times),
        ("rust-log-append", rust_times),
    ] {
        let mut stored: Vec<i64> = of_run(&stamped, run_id).iter().map(|r| r.2).collect();
        let mut reported = reported;
        stored.sort();
        reported.sort();
        assert_eq!(
            stored, reported,
            "{run_id}: the broker keeps the time it reported"
        );
    }

    // What the broker holds: record for record the same, and only what was confirmed.
    let mut connection = ClientConfig::new();
    connection.set("bootstrap.servers", bootstrap);
    let all = read_topic(&connection, "humidity", Duration::from_secs(30)).unwrap();
    for (java_id, rust_id, expected) in pairs {
        let (java, rust) = (of_run(&all, &java_id), of_run(&all, &rust_id));
        assert_eq!(
            java.len(),
            expected,
            "{java_id}: Java's records on the broker"
        );
        // Partition, key, create time, body: record for record.
        assert_eq!(
            java, rust,
            "{java_id} and {rust_id}: what Java and Rust sent"
        );
    }
}
