//! `compare` on tiny counts: every row and field present and consistent. No timing is
//! asserted: speed is for benchmarks (BENCHMARKS.md), not tests.

mod support;

use support::{command, json_report, json_report_watching_memory, run, run_ok, succeed};

const NAMES: [&str; 7] = [
    "Async fire-and-forget",
    "Async with callback",
    "Future window of 50000, 100ms wait",
    "Synchronous",
    "Callback, 1ms work inline",
    "Callback, 1ms work offloaded",
    "Fire-and-forget, error reports only",
];

/// Equal but for the last bits, which a trip through JSON text may change.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    }
}

#[test]
fn json_has_every_mode_in_every_repetition_and_counts_agree_with_the_broker() {
    let args = [
        "--json",
        "--repeat",
        "3",
        "--count",
        "300",
        "--sync-count",
        "20",
        "--slow-count",
        "20",
        "--broker-rtt",
        "0ms",
    ];
    let started = std::time::Instant::now();
    let (report, seen_rss_mib) = json_report_watching_memory(&args);
    let wall = started.elapsed();
    let mut elapsed_in_report = 0.0;
    let mut peak_rss_in_report: f64 = 0.0;
    assert_eq!(report["repeat"], 3);
    let runs = report["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    let expected_counts = [300, 300, 300, 20, 20, 20, 300];
    for run in runs {
        let names: Vec<&str> = run
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["mode"].as_str().unwrap())
            .collect();
        assert_eq!(names, NAMES);
        for (mode, expected) in run.as_array().unwrap().iter().zip(expected_counts) {
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
            // The rate is the count over the time, computed here.
            let elapsed = mode["elapsed_seconds"].as_f64().unwrap();
            let rate = mode["messages_per_second"].as_f64().unwrap();
            assert!(
                (rate - sent as f64 / elapsed).abs() <= 1e-6 * rate,
                "rate = messages / elapsed: {mode}"
            );
            elapsed_in_report += elapsed;
            // No latency outlasts its mode's run. For the synchronous row, whose sends
            // follow one another, at least half the messages took the median each, so
            // half of them add up to no more than the whole run.
            // Error reports only gets no reports of success: it has no latency to show.
            if mode["id"] == "error-reports-only" {
                assert!(mode["latency_max_us"].is_null(), "{mode}");
                assert!(mode["messages_confirmed"].is_null(), "{mode}");
                peak_rss_in_report = peak_rss_in_report.max(mode["peak_rss_mib"].as_f64().unwrap());
                continue;
            }
            let max_us = mode["latency_max_us"].as_f64().unwrap();
            assert!(
                max_us <= elapsed * 1e6,
                "max latency within the run: {mode}"
            );
            if mode["id"] == "sync" {
                let p50_us = mode["latency_p50_us"].as_f64().unwrap();
                assert!(
                    p50_us * (sent / 2) as f64 <= elapsed * 1e6,
                    "sync median within the run: {mode}"
                );
            }
            peak_rss_in_report = peak_rss_in_report.max(mode["peak_rss_mib"].as_f64().unwrap());
        }
    }
    // Measured here, not by compare: the modes' times fit in the process's, and the
    // highest resident memory seen from outside is within compare's own peak.
    assert!(
        elapsed_in_report <= wall.as_secs_f64(),
        "{elapsed_in_report} s of modes in a {wall:?} run"
    );
    assert!(
        seen_rss_mib <= peak_rss_in_report + 1.0,
        "compare's peak {peak_rss_in_report} MiB, seen from outside {seen_rss_mib} MiB"
    );
    assert!(seen_rss_mib > 0.0, "the outside view saw the process");
    // Each summary row is the median of its mode's repetitions.
    let modes = report["modes"].as_array().unwrap();
    assert_eq!(modes.len(), 7);
    let rate = |run: &serde_json::Value, id: &str| {
        run.as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == id)
            .unwrap()["messages_per_second"]
            .as_f64()
            .unwrap()
    };
    for summary in modes {
        let id = summary["id"].as_str().unwrap();
        let mut rates: Vec<f64> = runs.iter().map(|run| rate(run, id)).collect();
        assert_eq!(
            summary["messages_per_second"].as_f64().unwrap(),
            median(&mut rates)
        );
        assert_eq!(
            summary["messages_per_second_min"].as_f64().unwrap(),
            rates[0]
        );
        assert_eq!(
            summary["messages_per_second_max"].as_f64().unwrap(),
            rates[2]
        );
    }
    // Each ratio is taken within a repetition, then summarised.
    let ratios = report["ratios"].as_array().unwrap();
    let keys: Vec<&str> = ratios.iter().map(|r| r["key"].as_str().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "callback_vs_fire_and_forget",
            "future_vs_fire_and_forget",
            "sync_slowdown_vs_fire_and_forget",
            "error_reports_only_vs_fire_and_forget"
        ],
        "no kcat ratio without kcat"
    );
    let pairs = [
        ("callback", "fire-and-forget"),
        ("future", "fire-and-forget"),
        ("fire-and-forget", "sync"),
        ("error-reports-only", "fire-and-forget"),
    ];
    for (ratio, (numerator, denominator)) in ratios.iter().zip(pairs) {
        let mut per_run: Vec<f64> = runs
            .iter()
            .map(|run| rate(run, numerator) / rate(run, denominator))
            .collect();
        let reported: Vec<f64> = ratio["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_f64().unwrap())
            .collect();
        assert_eq!(reported.len(), per_run.len());
        for (reported, computed) in reported.iter().zip(&per_run) {
            assert!(close(*reported, *computed), "{ratio}: {computed}");
        }
        assert!(close(
            ratio["median"].as_f64().unwrap(),
            median(&mut per_run)
        ));
        assert!(close(ratio["min"].as_f64().unwrap(), per_run[0]));
        assert!(close(ratio["max"].as_f64().unwrap(), per_run[2]));
    }
}

/// The rows of the table's first Markdown table (the modes), without its header.
fn mode_rows(table: &str) -> Vec<&str> {
    table
        .lines()
        .skip_while(|l| !l.starts_with("| Mode"))
        .skip(2)
        .take_while(|l| l.starts_with("| "))
        .collect()
}

#[test]
fn table_shows_every_row_the_slowdown_line_and_the_ratios() {
    let output = run_ok(&[
        "--count",
        "200",
        "--sync-count",
        "10",
        "--slow-count",
        "10",
        "--broker-rtt",
        "0ms",
    ]);
    let table = String::from_utf8(output.stdout).unwrap();
    let rows = mode_rows(&table);
    assert_eq!(rows.len(), 7, "{table}");
    for (row, name) in rows.iter().zip(NAMES) {
        assert!(row.starts_with(&format!("| {name} | ")), "{row}");
    }
    assert!(table.contains("Synchronous send is "), "{table}");
    assert!(table.contains("× slower than fire-and-forget."), "{table}");
    assert!(
        table.contains("| Callback / fire-and-forget | "),
        "ratio table: {table}"
    );
}

#[test]
fn modes_picks_rows_and_they_run_in_the_tables_order() {
    let report = json_report(&[
        "--json",
        "--modes",
        "sync,fire-and-forget",
        "--count",
        "50",
        "--sync-count",
        "5",
        "--broker-rtt",
        "0ms",
    ]);
    let ids: Vec<&str> = report["modes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["fire-and-forget", "sync"]);
    let keys: Vec<&str> = report["ratios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["sync_slowdown_vs_fire_and_forget"]);
}

#[test]
fn an_unknown_mode_is_named_in_a_one_line_error() {
    let output = run(&["--modes", "fire-and-forget,turbo"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.lines().next().unwrap_or("").contains("'turbo'"),
        "{stderr}"
    );
}

#[test]
fn a_peer_that_is_not_installed_is_named_with_what_it_needs() {
    let empty = tempfile::tempdir().unwrap();
    for (flag, says) in [
        (
            "--vs-kcat",
            "error: kcat is not installed: install it with `apt-get install kcat`, or drop --vs-kcat",
        ),
        (
            "--vs-java",
            "error: --vs-java needs Java 17+ and Maven (mvn) on the PATH, to build and run java-lesson",
        ),
    ] {
        let output = command(&[flag, "--count", "10"])
            .env("PATH", empty.path())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{flag}");
        assert_eq!(String::from_utf8_lossy(&output.stderr).trim(), says);
        assert!(output.stdout.is_empty(), "{flag}: nothing measured");
    }
}

#[test]
fn vs_java_refuses_a_setting_java_has_no_twin_of_and_the_mock_before_measuring() {
    let java = std::process::Command::new("java").arg("-version").output();
    let mvn = std::process::Command::new("mvn").arg("-version").output();
    if !(java.is_ok_and(|o| o.status.success()) && mvn.is_ok_and(|o| o.status.success())) {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI needs java and mvn"
        );
        eprintln!("\n⚠️  SKIPPED: needs java and mvn on PATH\n");
        return;
    }
    let output = run(&[
        "--vs-java",
        "--count",
        "10",
        "-X",
        "message.max.bytes=2000000",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.lines().last().unwrap_or(""),
        "error: --vs-java: the Java rows have no twin of message.max.bytes=2000000; drop the setting or --vs-java",
    );
    assert!(output.stdout.is_empty(), "nothing measured");
    // kafka-clients finds no topic on the mock (seen: "not present in metadata after
    // 60000 ms"), so the Java rows refuse it at once instead of a minute later.
    let output = run(&["--vs-java", "--count", "10"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).lines().last().unwrap_or(""),
        "error: --vs-java needs a real broker (--brokers): kafka-clients finds no topic on the embedded mock cluster",
    );
    assert!(output.stdout.is_empty(), "nothing measured");
}

#[test]
fn a_broker_named_in_the_environment_is_used_and_named() {
    // A cluster of the test's own, named only by KAFKA_BOOTSTRAP_SERVERS, as a step would
    // take it: compare must send there, and say so, instead of starting its own.
    let cluster = rdkafka::mocking::MockCluster::new(1).unwrap();
    let brokers = cluster.bootstrap_servers();
    let output = succeed(
        command(&[
            "--json",
            "--count",
            "50",
            "--sync-count",
            "5",
            "--slow-count",
            "5",
        ])
        .env("KAFKA_BOOTSTRAP_SERVERS", &brokers),
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["broker"], format!("{brokers}, topic humidity"));
    // And the records are there: every row's, and each row's warm-up reading.
    let mut connection = rdkafka::ClientConfig::new();
    connection.set("bootstrap.servers", &brokers);
    let stored =
        common::readback::read_topic(&connection, "humidity", std::time::Duration::from_secs(10))
            .unwrap();
    assert_eq!(stored.len(), 4 * 50 + 3 * 5 + 7);
    assert!(
        stored
            .iter()
            .all(|r| r.headers.contains_key(common::run_tag::HEADER)),
        "every record carries the steps' run tag"
    );
}

/// kcat, when this machine has it. `.ci/run` installs it and sets `LESSON_REQUIRE_KCAT`,
/// so there a missing kcat fails instead of skipping.
fn kcat_installed() -> bool {
    let installed = std::process::Command::new("kcat")
        .arg("-V")
        .output()
        .is_ok();
    if !installed {
        assert!(
            std::env::var_os("LESSON_REQUIRE_KCAT").is_none(),
            "LESSON_REQUIRE_KCAT is set but kcat is not installed"
        );
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "\n⚠️  KCAT TEST SKIPPED: kcat is not installed (apt-get install kcat; .ci/run installs it)\n"
        );
    }
    installed
}

#[test]
fn kcat_sends_the_same_records_to_the_same_broker_and_is_counted() {
    if !kcat_installed() {
        return;
    }
    let args = [
        "--json",
        "--modes",
        "fire-and-forget,kcat",
        "--repeat",
        "2",
        "--count",
        "2000",
        "--broker-rtt",
        "0ms",
    ];
    let report = json_report(&args);
    for run in report["runs"].as_array().unwrap() {
        let kcat = &run[1];
        assert_eq!(kcat["id"], "kcat", "kcat runs right after fire-and-forget");
        assert!(
            kcat["mode"]
                .as_str()
                .unwrap()
                .starts_with("kcat -P (C client, librdkafka "),
            "{kcat}"
        );
        assert_eq!(kcat["messages_sent"], 2000);
        assert_eq!(
            kcat["broker_count"], 2000,
            "the broker holds kcat's records"
        );
    }
    let ratios = report["ratios"].as_array().unwrap();
    assert_eq!(ratios.len(), 1);
    assert_eq!(ratios[0]["key"], "fire_and_forget_vs_kcat");
    assert_eq!(ratios[0]["runs"].as_array().unwrap().len(), 2);
}

#[test]
fn every_row_sends_the_steps_records_with_the_steps_headers() {
    let dump = tempfile::NamedTempFile::new().unwrap();
    let path = dump.path().to_str().unwrap();
    let args = [
        "--json",
        "--count",
        "300",
        "--sync-count",
        "30",
        "--slow-count",
        "40",
        "--broker-rtt",
        "0ms",
        "--dump-topics",
        path,
    ];
    let report = json_report(&args);
    let dumped: std::collections::BTreeMap<String, Vec<common::readback::StoredRecord>> =
        serde_json::from_str(&std::fs::read_to_string(dump.path()).unwrap()).unwrap();
    let rows = report["runs"][0].as_array().unwrap();
    assert_eq!(dumped.len(), rows.len(), "{:?}", dumped.keys());
    let mut tags = std::collections::BTreeSet::new();
    for row in rows {
        let id = row["id"].as_str().unwrap();
        let records = &dumped[id];
        let sent = row["messages_sent"].as_u64().unwrap() as usize;
        // The same seeded readings (compare's seed and fixed clock), keys, JSON bodies,
        // timestamps and per-key order as the step's loop sends them...
        let expected = common::testing::readings(42, 1_733_584_800, sent);
        common::testing::assert_broker_holds(records, &expected);
        // ...each with the step's run-tag header, which only the steps' loops add.
        for record in records {
            let tag = record.headers.get(common::run_tag::HEADER);
            tags.insert(
                tag.cloned()
                    .unwrap_or_else(|| panic!("{id}: untagged {record:?}")),
            );
        }
    }
    assert_eq!(tags.len(), 1, "one tag for the whole comparison: {tags:?}");
}

#[test]
fn duration_runs_an_async_row_for_that_long_instead_of_a_count() {
    let report = json_report(&[
        "--json",
        "--modes",
        "fire-and-forget",
        "--duration",
        "300ms",
        "--broker-rtt",
        "0ms",
    ]);
    let row = &report["runs"][0][0];
    let sent = row["messages_sent"].as_u64().unwrap();
    assert!(sent > 0, "{row}");
    assert_eq!(row["broker_count"].as_u64(), Some(sent), "{row}");
    // The row sent for 300 ms, then flushed: its clock covers at least that.
    let elapsed = row["elapsed_seconds"].as_f64().unwrap();
    assert!(elapsed >= 0.3, "{row}");
    let output = run(&["--duration", "1s", "--count", "10"]);
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("cannot be used with"),
        "--count and --duration exclude each other"
    );
}
