//! Every step against a real broker (Apache Kafka in CI), checked by reading the topic back.
//!
//! Skipped, loudly, unless `LESSON_E2E_BROKERS` names the broker (in CI, `CI=true`,
//! a missing broker fails instead), e.g.
//! `LESSON_E2E_BROKERS=127.0.0.1:19092 cargo test --workspace`. The topic `humidity`
//! must exist with 3 partitions.
//!
//! The topic is shared, as in a class: other tests (and other runs) write to it too.
//! Each step run gets its own `--run-id`, and its records are the ones that carry that
//! tag. The read-back reads on for a while past each partition's end.

// Only its check for Java and Maven: compare's Java rows need them.
#[allow(dead_code)]
mod cluster;
mod support;
mod topic;

use common::readback::{read_topic_lingering, StoredRecord};
use common::run_tag::HEADER;
use common::testing::{
    assert_broker_holds, assert_reports_match_broker, number_after, readings, summary_counts,
    TEST_CLOCK,
};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::ClientConfig;
use std::io::Write;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use support::step_binary;
use topic::create_topic;

const TOPIC: &str = "humidity";
const STEPS: [&str; 4] = [
    "step-01-fire-and-forget",
    "step-02-callback",
    "step-03-sync",
    "step-04-future-timeout",
];

fn broker() -> Option<String> {
    let brokers = std::env::var("LESSON_E2E_BROKERS")
        .ok()
        .filter(|b| !b.is_empty());
    if brokers.is_none() {
        // In CI a missing broker is a failure: a skip there would pass without a test.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but LESSON_E2E_BROKERS is unset or blank: .ci/run must start a broker"
        );
        // Written straight to stderr, past the test harness's capture, so it is seen.
        let _ = writeln!(
            std::io::stderr(),
            "\n⚠️  END-TO-END TESTS SKIPPED: set LESSON_E2E_BROKERS=host:port (kafka/start prints one; .ci/run starts it and sets the variable)\n"
        );
    }
    brokers
}

fn connection(brokers: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", brokers);
    config
}

/// A run id no other run shares, even across CI runs on the same broker.
fn run_id(label: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("e2e-{label}-{nanos}")
}

/// One step run: what to start, and what it must have sent.
struct StepRun {
    step: &'static str,
    run_id: String,
    seed: u64,
    count: usize,
}

impl StepRun {
    fn new(step: &'static str, label: &str, seed: u64, count: usize) -> Self {
        Self {
            step,
            run_id: run_id(label),
            seed,
            count,
        }
    }

    fn start(&self, brokers: &str, extra: &[&str]) -> Child {
        let mut command = Command::new(step_binary(self.step));
        command
            .args(["--brokers", brokers, "--topic", TOPIC])
            .args(["--count", &self.count.to_string()])
            .args(["--seed", &self.seed.to_string()])
            .args(["--fixed-clock", &TEST_CLOCK.to_string()])
            .args(["--run-id", &self.run_id])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if self.step == "step-04-future-timeout" {
            command.args(["--timeout", "10s"]);
        }
        command.spawn().expect("the step starts")
    }

    /// Checks the run's report against the records that carry its tag.
    fn check(&self, output: &Output, all: &[StoredRecord]) {
        let step = self.step;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stored: Vec<StoredRecord> = all
            .iter()
            .filter(|r| r.headers.get(HEADER) == Some(&self.run_id))
            .cloned()
            .collect();
        // Count, keys, JSON bodies, timestamps, no duplicates, per-key order.
        assert_broker_holds(&stored, &readings(self.seed, TEST_CLOCK, self.count));
        assert_eq!(output.status.code(), Some(0), "{step}\n{stdout}\n{stderr}");
        assert!(!stderr.contains("error"), "{step}: {stderr}");
        let count = self.count as u64;
        match step {
            "step-01-fire-and-forget" => {
                assert_eq!(stdout.matches("📤 SENT:").count(), self.count);
                let reveal =
                    format!("the broker holds {count} of the {count} messages sent: 0 failed");
                assert!(stdout.contains(&reveal), "{step}: {stdout}");
            }
            _ => {
                let counts = summary_counts(&stdout);
                assert_eq!((counts.sent, counts.confirmed), (count, count), "{step}");
                let reported = confirmations_of(step)(&stdout);
                assert_eq!(reported.len(), self.count, "{step}: one report per message");
                assert_reports_match_broker(&reported, &stored);
                if step == "step-04-future-timeout" {
                    assert_eq!(number_after(&stdout, "the broker holds"), count, "{stdout}");
                    assert!(
                        stdout.contains(&format!("confirmed {count}: they match")),
                        "{stdout}"
                    );
                }
            }
        }
    }
}

fn read_back(brokers: &str) -> Vec<StoredRecord> {
    let (linger, limit) = (Duration::from_secs(2), Duration::from_secs(120));
    read_topic_lingering(&connection(brokers), TOPIC, linger, limit).expect("read back")
}

#[test]
fn every_step_delivers_exactly_what_it_reports() {
    let Some(brokers) = broker() else { return };
    let runs: Vec<StepRun> = STEPS
        .iter()
        .enumerate()
        .map(|(i, step)| StepRun::new(step, "each", i as u64 + 1, 30))
        .collect();
    let outputs: Vec<Output> = runs
        .iter()
        .map(|run| run.start(&brokers, &[]).wait_with_output().unwrap())
        .collect();
    let all = read_back(&brokers);
    for (run, output) in runs.iter().zip(&outputs) {
        run.check(output, &all);
    }
}

/// Writes untagged records to the topic until told to stop; returns how many.
fn other_producer(brokers: &str, stop: &AtomicBool, written: &AtomicU64) {
    let producer: ThreadedProducer<DefaultProducerContext> =
        connection(brokers).set("linger.ms", "5").create().unwrap();
    while !stop.load(Ordering::Relaxed) {
        let record = BaseRecord::to(TOPIC)
            .key("someone-else")
            .payload("{\"not\":\"ours\"}");
        if producer.send(record).is_ok() {
            written.fetch_add(1, Ordering::Relaxed);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    producer.flush(Duration::from_secs(10)).unwrap();
}

#[test]
fn the_reveal_counts_only_its_own_run_while_another_producer_writes() {
    let Some(brokers) = broker() else { return };
    let stop = AtomicBool::new(false);
    let written = AtomicU64::new(0);
    let run = StepRun::new("step-01-fire-and-forget", "shared", 11, 200);
    let output = std::thread::scope(|scope| {
        scope.spawn(|| other_producer(&brokers, &stop, &written));
        let output = run
            .start(&brokers, &["--rate", "100"])
            .wait_with_output()
            .unwrap();
        stop.store(true, Ordering::Relaxed);
        output
    });
    assert!(
        written.load(Ordering::Relaxed) > 100,
        "the other producer wrote meanwhile"
    );
    run.check(&output, &read_back(&brokers));
}

/// How many step processes run at once in the load test, and what each sends: 1,500
/// records at 500 msg/s (3 s each), 45,000 records and up to 15,000 msg/s in all. On
/// tansu, a class of 10 at this load once left a step 04 read-back short ("read back
/// 214 records ... but not to its end, in 30s"); every learner here gets an exact verdict.
const CLASS_SIZE: usize = 30;
const PER_LEARNER: usize = 1500;
const RATE_EACH: &str = "500";

#[test]
fn a_class_of_thirty_runs_at_once_and_every_count_is_exact() {
    let Some(brokers) = broker() else { return };
    let runs: Vec<StepRun> = (0..CLASS_SIZE)
        .map(|i| {
            StepRun::new(
                STEPS[i % STEPS.len()],
                &format!("class{i}"),
                100 + i as u64,
                PER_LEARNER,
            )
        })
        .collect();
    let started = Instant::now();
    let children: Vec<Child> = runs
        .iter()
        .map(|run| run.start(&brokers, &["--rate", RATE_EACH]))
        .collect();
    // Every child's output is read at once, each on a thread of its own: a pipe read
    // only after the children before it have ended fills up (64 KiB), and a step that
    // blocks writing its lines stalls its own flush (seen: step 02's 1,500 SUCCESS
    // blocks, 10 s of flush timeout, then exit 1).
    let outputs: Vec<Output> = std::thread::scope(|scope| {
        let readers: Vec<_> = children
            .into_iter()
            .map(|child| scope.spawn(|| child.wait_with_output().unwrap()))
            .collect();
        readers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let wall = started.elapsed();
    let all = read_back(&brokers);
    for (run, output) in runs.iter().zip(&outputs) {
        run.check(output, &all);
    }
    let _ = writeln!(
        std::io::stderr(),
        "load: {CLASS_SIZE} processes, {} messages, all exact, in {:.1} s",
        CLASS_SIZE * PER_LEARNER,
        wall.as_secs_f64()
    );
}

#[test]
fn compare_measures_a_real_broker_and_it_holds_exactly_the_records_sent() {
    let Some(brokers) = broker() else { return };
    let topic = run_id("compare");
    create_topic(&brokers, &topic, &[]);
    // The Java producer's three rows too, where Java and Maven are (always under CI).
    let java = cluster::java_and_maven("compare's Java rows");
    let output = Command::new(step_binary("compare"))
        .args(["--vs-java"].iter().filter(|_| java))
        .args([
            "--brokers",
            &brokers,
            "--topic",
            &topic,
            "--json",
            "--repeat",
            "2",
        ])
        .args(["--count", "50", "--sync-count", "5", "--slow-count", "5"])
        .args(["--seed", &common::testing::TEST_SEED.to_string()])
        .env_remove("KAFKA_BOOTSTRAP_SERVERS")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["broker"], format!("{brokers}, topic {topic}"));
    // What compare says it sent: every mode of every repetition.
    let mut expected: Vec<(String, String)> = Vec::new();
    for run in report["runs"].as_array().unwrap() {
        for mode in run.as_array().unwrap() {
            let sent = mode["messages_sent"].as_u64().unwrap() as usize;
            assert_eq!(mode["broker_count"].as_u64(), Some(sent as u64), "{mode}");
            // Each row warms up with the first seeded reading, then sends the seeded
            // readings from the first.
            let first = readings(common::testing::TEST_SEED, TEST_CLOCK, 1);
            for reading in
                first
                    .iter()
                    .chain(&readings(common::testing::TEST_SEED, TEST_CLOCK, sent))
            {
                expected.push((reading.key().to_owned(), reading.to_json()));
            }
        }
    }
    // Rust: 4 rows of 50 and 3 of 5; Java: 2 of 50 and 1 of 5; each warmed up with one.
    let per_repetition = if java {
        6 * 50 + 4 * 5 + 10
    } else {
        4 * 50 + 3 * 5 + 7
    };
    assert_eq!(expected.len(), 2 * per_repetition);
    // What the broker holds: every row's records, warm-ups included, each with the
    // steps' run tag.
    let stored = read_topic_lingering(
        &connection(&brokers),
        &topic,
        Duration::from_secs(2),
        Duration::from_secs(60),
    )
    .unwrap();
    assert!(
        stored.iter().all(|r| r.headers.contains_key(HEADER)),
        "every record carries the steps' run tag"
    );
    let mut held: Vec<(String, String)> = stored
        .into_iter()
        .map(|r| (r.key.unwrap_or_default(), r.value.unwrap_or_default()))
        .collect();
    expected.sort();
    held.sort();
    assert_eq!(held.len(), expected.len(), "record count");
    assert!(
        held == expected,
        "keys and bodies differ from what compare sent"
    );
}

/// The parser of `step`'s own confirmation lines.
fn confirmations_of(step: &str) -> fn(&str) -> Vec<common::output::Confirmation> {
    match step {
        "step-02-callback" => step_02_callback::lines::confirmations,
        "step-03-sync" => step_03_sync::lines::confirmations,
        "step-04-future-timeout" => step_04_future_timeout::lines::confirmations,
        other => panic!("{other} prints no confirmations"),
    }
}
