//! `acks=all` on a real three-broker cluster (`kafka/start --nodes 3`: `humidity` with
//! replication factor 3 and `min.insync.replicas=2`), with brokers stopped one by one.
//! The embedded mock ignores `acks`, so this is the only place the lesson shows what
//! the sync page says a send waits for.
//!
//! Step 03 sends the same three readings in each scene; its output, with elapsed time
//! and rate filtered, is the snapshot that the sync page shows. Needs Java and Maven
//! (see `kafka_runner.rs`). Run it alone: `cargo test -p end-to-end --test acks`.

mod cluster;
mod support;

use cluster::{java_and_maven, kafka, Cluster};
use common::testing::{varying_parts, TEST_CLOCK};
use std::fmt::Write as _;
use std::process::Command;
use support::step_binary;

const PORT: u16 = 29192;

/// Step 03 sends 3 readings to `bootstrap` with `extra` flags: its stdout from the
/// first send's line on (past the banner), and its exit code.
fn sync_step(bootstrap: &str, extra: &[&str]) -> (String, Option<i32>) {
    let output = Command::new(step_binary("step-03-sync"))
        .args(["--brokers", bootstrap, "--count", "3", "--seed", "7"])
        .args(["--fixed-clock", &TEST_CLOCK.to_string()])
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let from_first_send: Vec<&str> = stdout
        .lines()
        .skip_while(|line| !(line.starts_with("⏳") || line.starts_with("❌")))
        .collect();
    (from_first_send.join("\n"), output.status.code())
}

#[test]
fn acks_all_needs_two_in_sync_replicas_and_acks_1_does_not() {
    if !java_and_maven("the acks test") {
        return;
    }
    let cluster = Cluster::start(&["--nodes", "3", "--port", &PORT.to_string()]);
    let bootstrap = cluster.bootstrap.clone();
    let stop_broker = |id: &str| {
        let stopped = kafka("stop", &["--dir", &cluster.dir, "--broker", id]);
        assert!(
            stopped.status.success(),
            "{}",
            String::from_utf8_lossy(&stopped.stderr)
        );
    };
    // librdkafka retries NOT_ENOUGH_REPLICAS until the delivery timeout: keep it short.
    let retrying = ["--delivery-timeout", "3s"];
    let without_retries = ["-X", "enable.idempotence=false", "-X", "retries=0"];
    let acks_1 = ["-X", "enable.idempotence=false", "-X", "acks=1"];

    let mut scenes = String::new();
    let mut scene = |title: &str, extra: &[&str], expect_success: bool| {
        let (lines, code) = sync_step(&bootstrap, extra);
        assert_eq!(code == Some(0), expect_success, "{title}:\n{lines}");
        writeln!(scenes, "## {title}\n{lines}\n").unwrap();
        lines
    };
    let all_up = scene("3 brokers up, acks=all", &[], true);
    assert!(all_up.contains("confirmed 3 | failed 0"), "{all_up}");

    stop_broker("2");
    let one_down = scene("broker 2 stopped (2 in sync), acks=all", &[], true);
    assert!(one_down.contains("confirmed 3 | failed 0"), "{one_down}");

    stop_broker("3");
    let timed_out = scene(
        "brokers 2 and 3 stopped (1 in sync), acks=all, retried until --delivery-timeout 3s",
        &retrying,
        false,
    );
    assert_eq!(
        timed_out.matches("MessageTimedOut").count(),
        3,
        "{timed_out}"
    );
    let refused = scene(
        "brokers 2 and 3 stopped, acks=all, no retries",
        &without_retries,
        false,
    );
    assert_eq!(refused.matches("NotEnoughReplicas").count(), 3, "{refused}");
    let acks_one = scene("brokers 2 and 3 stopped, acks=1", &acks_1, true);
    assert!(acks_one.contains("confirmed 3 | failed 0"), "{acks_one}");

    let mut settings = insta::Settings::clone_current();
    for (pattern, replacement) in varying_parts() {
        settings.add_filter(pattern, replacement);
    }
    settings.bind(|| insta::assert_snapshot!("acks_on_three_brokers", scenes));
}
