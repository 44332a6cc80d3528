//! The slides' Java producer (`java-lesson`, kafka-clients) and the Rust steps, run
//! side by side on Apache Kafka: for the same seed they send identical records (keys,
//! JSON bodies, create times), every key lands on the same partition, and their SYNC
//! lines agree once the offsets are set aside.
//!
//! The Java side replays what `readings` (a bin of `common`) prints for the seed, run by
//! `java-lesson/run` as the README shows. It starts a Kafka of its own (`kafka/start`);
//! needs Java and Maven (see `kafka_runner.rs`). Run it alone: `cargo test -p end-to-end --test java_parity`.

mod cluster;
mod support;

use cluster::{java_and_maven, workspace, Cluster};
use common::readback::{read_topic, StoredRecord};
use common::run_tag::HEADER;
use common::testing::TEST_CLOCK;
use rdkafka::ClientConfig;
use std::process::Command;
use std::time::Duration;
use support::step_binary;

const PORT: u16 = 29292;
const COUNT: &str = "12";

/// Stdout of a run, with each line's offset removed (offsets are the broker's, and
/// the two runs write to one topic one after the other).
fn without_offsets(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|line| line.starts_with("⏳ SYNC"))
        .map(|line| line.split(", offset").next().unwrap().to_owned())
        .collect()
}

/// The records of one run, in send order (a run sends them one at a time).
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

#[test]
fn java_and_rust_send_identical_records_to_the_same_partitions() {
    if !java_and_maven("the Java parity test") {
        return;
    }
    let cluster = Cluster::start(&["--port", &PORT.to_string()]);
    let bootstrap = cluster.bootstrap.clone();
    let clock = TEST_CLOCK.to_string();
    let mut runs = Vec::new();
    for seed in ["1", "7", "42"] {
        // As the README shows: `java-lesson/run` builds the classes, asks `readings`
        // for the seed's records, and replays them.
        let java_run = format!("java-{seed}");
        let java = Command::new(workspace().join("java-lesson/run"))
            .args([
                "Sync",
                "--brokers",
                &bootstrap,
                "--seed",
                seed,
                "--count",
                COUNT,
            ])
            .args(["--fixed-clock", &clock, "--run-id", &java_run])
            .output()
            .unwrap();
        let java_out = String::from_utf8_lossy(&java.stdout).into_owned();
        assert!(
            java.status.success(),
            "Java, seed {seed}:\n{java_out}\n{}",
            String::from_utf8_lossy(&java.stderr)
        );

        let rust_run = format!("rust-{seed}");
        let rust = Command::new(step_binary("step-03-sync"))
            .args(["--brokers", &bootstrap, "--seed", seed, "--count", COUNT])
            .args(["--fixed-clock", &clock, "--run-id", &rust_run])
            .output()
            .unwrap();
        let rust_out = String::from_utf8_lossy(&rust.stdout).into_owned();
        assert!(rust.status.success(), "Rust, seed {seed}:\n{rust_out}");

        let (java_lines, rust_lines) = (without_offsets(&java_out), without_offsets(&rust_out));
        assert_eq!(java_lines.len(), 12, "{java_out}");
        assert_eq!(java_lines, rust_lines, "seed {seed}: the SYNC lines");
        runs.push((seed, java_run, rust_run));
    }
    let mut connection = ClientConfig::new();
    connection.set("bootstrap.servers", &bootstrap);
    let all = read_topic(&connection, "humidity", Duration::from_secs(30)).unwrap();
    for (seed, java_run, rust_run) in runs {
        let (java, rust) = (of_run(&all, &java_run), of_run(&all, &rust_run));
        assert_eq!(java.len(), 12, "seed {seed}: Java's records on the broker");
        // Partition, key, create time, body: record for record.
        assert_eq!(java, rust, "seed {seed}: what Java and Rust sent");
    }
}
