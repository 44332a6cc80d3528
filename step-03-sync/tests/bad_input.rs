//! Bad input: a clear one-line error and a non-zero exit, never a hang or a panic.
//! Each error's exact text is a snapshot (temporary paths and ports filtered out).

use common::testing::{expected_readings, run_step, summary_counts};
use rdkafka::mocking::MockCluster;
use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

const STEP: &str = env!("CARGO_BIN_EXE_step-03-sync");

/// Runs the step with `args` and `env` (and no broker from the test's environment).
fn run(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    Command::new(STEP)
        .args(args)
        .env_remove("KAFKA_BOOTSTRAP_SERVERS")
        .envs(env.iter().copied())
        .output()
        .expect("the step runs")
}

/// Runs the step with `args` and `env`, returns "exit N" plus its stderr.
fn error_of(args: &[&str], env: &[(&str, &str)]) -> String {
    let output = run(args, env);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("backtrace"), "{stderr}");
    format!("exit {:?}\n{stderr}", output.status.code())
}

/// Everything the step printed, stdout then stderr: where a secret must never show.
fn everything_printed(args: &[&str], env: &[(&str, &str)]) -> String {
    let output = run(args, env);
    format!(
        "{}{}",
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap()
    )
}

fn properties(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ filters => vec![
        (r"/tmp/\.tmp\w+", "[TMPFILE]"),
        (r"127\.0\.0\.1:\d{4,5}", "127.0.0.1:[PORT]"),
    ] }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn unreachable_broker_fails_within_15_seconds() {
    let started = Instant::now();
    let text = error_of(&["--brokers", "127.0.0.1:1", "--count", "1"], &[]);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    snapshot("unreachable_broker", &text);
}

#[test]
fn unknown_property_names_its_file_and_line() {
    let file = properties("acks=all\n# the next line is a typo\nlinger.msec=5\n");
    snapshot(
        "unknown_property_in_file",
        &error_of(&["--config", file.path().to_str().unwrap()], &[]),
    );
}

#[test]
fn invalid_property_value_names_the_flag() {
    snapshot(
        "invalid_property_in_flag",
        &error_of(&["-X", "linger.ms=soon"], &[]),
    );
}

#[test]
fn missing_config_file_names_the_path() {
    snapshot(
        "missing_config_file",
        &error_of(&["--config", "/nonexistent/client.properties"], &[]),
    );
}

#[test]
fn malformed_line_names_the_path_and_line() {
    let file = properties("acks=all\nbootstrap.servers\n");
    snapshot(
        "malformed_line",
        &error_of(&["--config", file.path().to_str().unwrap()], &[]),
    );
}

#[test]
fn tls_without_the_ssl_feature_names_the_feature() {
    let text = error_of(&["-X", "security.protocol=SASL_SSL"], &[]);
    if cfg!(feature = "ssl") {
        assert!(!text.contains("needs TLS support"), "{text}");
    } else {
        snapshot("tls_without_feature", &text);
    }
}

#[test]
fn invalid_flag_values_are_clap_errors_with_exit_2() {
    for (name, args) in [
        ("negative_rate", &["--rate", "-5"][..]),
        ("bad_duration", &["--duration", "5parsecs"][..]),
        ("zero_count", &["--count", "0"][..]),
        // A pause of zero between sends, which tokio's interval refuses.
        ("rate_too_high", &["--rate", "2000000000"][..]),
        // One error code per request, all handed over at once: 16 GB.
        (
            "too_many_injected_errors",
            &["--inject-errors", "4000000000"][..],
        ),
        // Milliseconds past i64::MAX.
        (
            "clock_past_year_9999",
            &["--fixed-clock", "9223372036854775807"][..],
        ),
    ] {
        let text = error_of(args, &[]);
        assert!(text.starts_with("exit Some(2)\nerror: "), "{text}");
        snapshot(
            name,
            text.lines().take(2).collect::<Vec<_>>().join("\n").as_str(),
        );
    }
}

#[test]
fn fault_flag_with_a_real_broker_is_refused() {
    let text = error_of(
        &["--outage", "1s+1s"],
        &[("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")],
    );
    snapshot("fault_flag_with_real_broker", &text);
}

#[test]
fn missing_topic_is_named() {
    // A broker that says the topic does not exist, as one with auto-creation off would.
    let cluster = MockCluster::new(1).unwrap();
    cluster
        .topic_error(
            "no-such-topic",
            rdkafka::types::RDKafkaRespErr::RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
        )
        .unwrap();
    let brokers = cluster.bootstrap_servers();
    let text = error_of(
        &[
            "--brokers",
            &brokers,
            "--topic",
            "no-such-topic",
            "--count",
            "1",
        ],
        &[],
    );
    snapshot("missing_topic", &text);
}

#[test]
fn oversized_records_fail_one_by_one_and_the_run_goes_on() {
    let run = run_step(STEP, &["--count", "9", "--oversize-every", "3"]);
    let counts = summary_counts(&run.stdout);
    assert_eq!((counts.sent, counts.confirmed, counts.failed), (9, 6, 3));
    assert_eq!(run.stdout.matches("MessageSizeTooLarge").count(), 3);
    assert_eq!(run.exit_code, Some(1));
    let small: Vec<_> = expected_readings(9)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| (i + 1) % 3 != 0)
        .map(|(_, reading)| reading)
        .collect();
    common::testing::assert_broker_holds(run.records("humidity"), &small);
}

#[test]
fn secrets_never_appear_in_output() {
    const SECRETS: [&str; 3] = ["hunter2-in-file", "hunter2-in-flag", "hunter2-in-env"];
    let file = properties("sasl.password=hunter2-in-file\nsasl.username=alice\n");
    let path = file.path().to_str().unwrap();
    let env = [("KAFKA_SASL_PASSWORD", "hunter2-in-env")];
    let runs = [
        // Each layer alone, shown by --print-config (on stdout).
        everything_printed(&["--config", path, "--print-config"], &[]),
        everything_printed(
            &["-X", "sasl.password=hunter2-in-flag", "--print-config"],
            &[],
        ),
        everything_printed(&["--print-config"], &env),
        // All three, on an error path (an invalid property beside them).
        everything_printed(
            &[
                "--config",
                path,
                "-X",
                "sasl.password=hunter2-in-flag",
                "-X",
                "no.such=1",
            ],
            &env,
        ),
        // A secret-bearing property librdkafka refuses in this build ("not supported in
        // this build", before it would echo the value; the echo itself is held in
        // common's settings tests).
        everything_printed(&["-X", "sasl.oauthbearer.method=hunter2-in-flag"], &[]),
    ];
    for (run, shown) in runs.iter().take(3).zip(["file", "flag -X", "environment"]) {
        assert!(run.contains("sasl.password"), "{run}");
        assert!(
            run.contains("[redacted]"),
            "the {shown} secret is shown redacted: {run}"
        );
    }
    for text in &runs {
        for secret in SECRETS {
            assert!(!text.contains(secret), "{secret} leaked in:\n{text}");
        }
    }
}
