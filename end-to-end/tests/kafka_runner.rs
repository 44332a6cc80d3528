//! `kafka/start` and `kafka/stop`, as the README tells an instructor to use them: start
//! Apache Kafka on loopback, run a step against the address it prints, read the topic
//! back, stop it.
//!
//! Needs Java and Maven (the first run downloads Kafka). Without them it is skipped
//! with a warning, except under `CI=true`, where `.ci/run` installs them and a skip
//! would pass without a test. Run it alone:
//! `cargo test -p end-to-end --test kafka_runner`.

mod cluster;
mod support;

use cluster::{java_and_maven, kafka, Cluster};
use common::readback::{read_topic_lingering, StoredRecord};
use common::run_tag::HEADER;
use common::testing::{assert_broker_holds, assert_reports_match_broker, readings, TEST_CLOCK};
use rdkafka::ClientConfig;
use std::process::Command;
use std::time::Duration;
use support::step_binary;

/// Ports of their own, clear of `.ci/run`'s broker (19092) and the README's (9092).
const PORT: u16 = 29092;

#[test]
fn start_prints_an_address_a_step_sends_to_and_stop_removes_it() {
    if !java_and_maven("the Kafka runner test") {
        return;
    }
    let port = PORT.to_string();
    let cluster = Cluster::start(&["--port", &port]);
    let stderr = String::from_utf8_lossy(&cluster.started.stderr);
    let stdout = String::from_utf8_lossy(&cluster.started.stdout);
    // The address is the last line, alone: `$(kafka/start | tail -1)` works.
    let bootstrap = cluster.bootstrap.clone();
    assert_eq!(bootstrap, format!("127.0.0.1:{PORT}"), "stdout: {stdout}");
    assert!(
        stderr.contains("topic humidity: 3 partitions, replication factor 1"),
        "{stderr}"
    );

    // A step sends to it as the README shows, and the broker holds what it reported.
    let run_id = format!("kafka-runner-{}", std::process::id());
    let step = Command::new(step_binary("step-03-sync"))
        .args([
            "--brokers",
            &bootstrap,
            "--count",
            "20",
            "--run-id",
            &run_id,
        ])
        .args(["--seed", "7", "--fixed-clock", &TEST_CLOCK.to_string()])
        .output()
        .unwrap();
    let step_out = String::from_utf8_lossy(&step.stdout);
    assert!(step.status.success(), "{step_out}");
    assert!(step_out.contains("confirmed 20 | failed 0"), "{step_out}");
    let mut connection = ClientConfig::new();
    connection.set("bootstrap.servers", &bootstrap);
    let stored = read_topic_lingering(
        &connection,
        "humidity",
        Duration::from_secs(1),
        Duration::from_secs(30),
    )
    .unwrap();
    let ours: Vec<StoredRecord> = stored
        .into_iter()
        .filter(|r| r.headers.get(HEADER) == Some(&run_id))
        .collect();
    // Count, keys, JSON bodies, per-key order; and each SYNC line's partition and
    // offset is where the broker put that record.
    assert_broker_holds(&ours, &readings(7, TEST_CLOCK, 20));
    let reported = step_03_sync::lines::confirmations(&step_out);
    assert_eq!(reported.len(), 20, "{step_out}");
    assert_reports_match_broker(&reported, &ours);

    // A second start on the same folder is refused while the first runs.
    let again = kafka("start", &["--port", &port, "--dir", &cluster.dir]);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("may already run"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    let stopped = kafka("stop", &["--dir", &cluster.dir]);
    assert!(
        stopped.status.success(),
        "{}",
        String::from_utf8_lossy(&stopped.stderr)
    );
    assert!(
        !std::path::Path::new(&cluster.dir).exists(),
        "kafka/stop deletes the cluster's data"
    );
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", PORT)).is_err(),
        "nothing listens on {PORT} after kafka/stop"
    );
    drop(cluster);
}
