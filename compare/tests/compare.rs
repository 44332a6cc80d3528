//! `compare` on tiny counts: every row and field present and consistent. No timing is
//! asserted: speed is for benchmarks (BENCHMARKS.md), not tests.

use std::process::Command;

const COMPARE: &str = env!("CARGO_BIN_EXE_compare");

fn run(args: &[&str], path: Option<&str>) -> std::process::Output {
    let mut command = Command::new(COMPARE);
    command.args(args).env_remove("KAFKA_BOOTSTRAP_SERVERS");
    if let Some(path) = path {
        command.env("PATH", path);
    }
    command.output().expect("compare runs")
}

#[test]
fn json_has_every_mode_and_counts_agree_with_the_broker() {
    let args = [
        "--json",
        "--count",
        "300",
        "--sync-count",
        "20",
        "--slow-count",
        "20",
        "--broker-rtt",
        "0ms",
    ];
    let output = run(&args, None);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let modes = report["modes"].as_array().unwrap();
    let names: Vec<&str> = modes.iter().map(|m| m["mode"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 7, "{names:?}");
    for expected in [
        "Async fire-and-forget",
        "Async with callback",
        "Future window of 50000, 100ms wait",
        "Synchronous",
        "Callback, 1ms work inline",
        "Callback, 1ms work offloaded",
        "Fire-and-forget, error reports only",
    ] {
        assert!(names.contains(&expected), "missing {expected}: {names:?}");
    }
    let expected_counts = [300, 300, 300, 20, 20, 20, 300];
    for (mode, expected) in modes.iter().zip(expected_counts) {
        let sent = mode["messages_sent"].as_u64().unwrap();
        assert_eq!(sent, expected, "{mode}");
        assert_eq!(
            mode["broker_count"].as_u64(),
            Some(sent),
            "broker holds what was sent: {mode}"
        );
        if !mode["messages_confirmed"].is_null() {
            assert_eq!(mode["messages_confirmed"].as_u64(), Some(sent), "{mode}");
            assert_eq!(mode["messages_failed"].as_u64(), Some(0), "{mode}");
        }
        for field in [
            "messages_per_second",
            "elapsed_seconds",
            "latency_p50_us",
            "latency_p99_us",
            "latency_max_us",
        ] {
            assert!(
                mode[field].as_f64().is_some_and(|v| v > 0.0),
                "{field} in {mode}"
            );
        }
        let p50 = mode["latency_p50_us"].as_u64().unwrap();
        let p99 = mode["latency_p99_us"].as_u64().unwrap();
        let max = mode["latency_max_us"].as_u64().unwrap();
        assert!(p50 <= p99 && p99 <= max, "percentiles ordered: {mode}");
        assert!(
            mode["peak_rss_mib"].as_f64().is_some_and(|m| m > 1.0),
            "{mode}"
        );
    }
    for ratio in [
        "callback_vs_fire_and_forget",
        "future_vs_fire_and_forget",
        "sync_slowdown_vs_fire_and_forget",
    ] {
        assert!(
            report["ratios"][ratio].as_f64().is_some_and(|r| r > 0.0),
            "{ratio}"
        );
    }
    assert!(report["ratios"]["fire_and_forget_vs_kcat"].is_null());
}

#[test]
fn table_shows_every_row_and_the_slowdown_line() {
    let output = run(
        &[
            "--count",
            "200",
            "--sync-count",
            "10",
            "--slow-count",
            "10",
            "--broker-rtt",
            "0ms",
        ],
        None,
    );
    assert!(output.status.success());
    let table = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        table
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| Mode"))
            .count(),
        7,
        "{table}"
    );
    assert!(table.contains("Synchronous send is "), "{table}");
    assert!(table.contains("× slower than fire-and-forget."), "{table}");
}

#[test]
fn vs_kcat_without_kcat_says_how_to_install_it() {
    let empty = tempfile::tempdir().unwrap();
    let output = run(
        &["--vs-kcat", "--count", "10"],
        Some(empty.path().to_str().unwrap()),
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim(),
        "error: kcat is not installed: install it with `apt-get install kcat`, or drop --vs-kcat"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn a_broker_named_in_the_environment_is_used_and_named() {
    // A cluster of the test's own, named only by KAFKA_BOOTSTRAP_SERVERS, as a step would
    // take it: compare must send there, and say so, instead of starting its own.
    let cluster = rdkafka::mocking::MockCluster::new(1).unwrap();
    let brokers = cluster.bootstrap_servers();
    let output = Command::new(COMPARE)
        .args([
            "--json",
            "--count",
            "50",
            "--sync-count",
            "5",
            "--slow-count",
            "5",
        ])
        .env("KAFKA_BOOTSTRAP_SERVERS", &brokers)
        .output()
        .expect("compare runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["broker"], format!("{brokers}, topic humidity"));
    // And the records are there: every mode's, less the warm-ups.
    let mut connection = rdkafka::ClientConfig::new();
    connection.set("bootstrap.servers", &brokers);
    let stored =
        common::readback::read_topic(&connection, "humidity", std::time::Duration::from_secs(10))
            .unwrap();
    let measured = stored
        .iter()
        .filter(|r| r.key.as_deref() != Some("warm-up"))
        .count();
    assert_eq!(measured, 4 * 50 + 3 * 5);
}
