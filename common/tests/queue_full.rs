//! `retry_while_queue_full` (through `retry_counting_waits`, which counts its waits)
//! against a local queue far too small for the load: every record must still reach the
//! broker, once, in order per key.
//!
//! The retry is an exercise, and this test decides its verdict, so the retry runs in a
//! child process (`queue-full-probe`). This harness links rdkafka, not `common`: it
//! starts the broker, hands the child its records, and reads the broker back itself.

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PROBE: &str = env!("CARGO_BIN_EXE_queue-full-probe");
const TOPIC: &str = "humidity";
const PARTITIONS: i32 = 3;
const SENSORS: [&str; 4] = ["sensor-1", "sensor-2", "sensor-3", "sensor-4"];

/// Every record of `TOPIC` as (key, payload), in offset order per partition: all the
/// broker holds, up to each partition's high watermark (duplicates included), read
/// once the sender has exited.
fn read_back(bootstrap: &str) -> Vec<(String, String)> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "queue-full-read-back")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut partitions = TopicPartitionList::new();
    let mut ends = Vec::new();
    for partition in 0..PARTITIONS {
        let (_, high) = consumer
            .fetch_watermarks(TOPIC, partition, Duration::from_secs(10))
            .unwrap();
        ends.push(high);
        partitions
            .add_partition_offset(TOPIC, partition, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&partitions).unwrap();
    let mut next = vec![0; ends.len()];
    let mut held = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while next.iter().zip(&ends).any(|(next, end)| next < end) {
        assert!(
            Instant::now() < deadline,
            "read {} of the {} records the broker holds in 20 s",
            held.len(),
            ends.iter().sum::<i64>()
        );
        if let Some(message) = consumer.poll(Duration::from_millis(100)) {
            let message = message.unwrap();
            next[message.partition() as usize] = message.offset() + 1;
            let text =
                |b: Option<&[u8]>| String::from_utf8_lossy(b.unwrap_or_default()).into_owned();
            held.push((text(message.key()), text(message.payload())));
        }
    }
    held
}

#[test]
fn queue_full_waits_and_retries() {
    let cluster = MockCluster::new(1).unwrap();
    cluster.create_topic(TOPIC, PARTITIONS, 1).unwrap();
    cluster
        .broker_round_trip_time(1, Duration::from_millis(10))
        .unwrap();
    let records: Vec<(String, String)> = (0..300)
        .map(|n| {
            let sensor = SENSORS[n % SENSORS.len()];
            (
                sensor.to_owned(),
                format!("{{\"sensor\":\"{sensor}\",\"n\":{n}}}"),
            )
        })
        .collect();
    let mut child = Command::new(PROBE)
        .args([cluster.bootstrap_servers().as_str(), TOPIC])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for (key, payload) in &records {
        writeln!(stdin, "{key}\t{payload}").unwrap();
    }
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the sender failed ({}): {stderr}",
        output.status
    );
    // The fault happened: the queue was full, again and again.
    let waits: u64 = stdout
        .trim()
        .strip_prefix("waits ")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no `waits N` line: {stdout:?}"));
    assert!(waits > 10, "the queue was full only {waits} times");

    let held = read_back(&cluster.bootstrap_servers());
    assert_eq!(held.len(), records.len(), "one record per reading");
    for sensor in SENSORS {
        let of = |all: &[(String, String)]| -> Vec<String> {
            all.iter()
                .filter(|(key, _)| key == sensor)
                .map(|(_, payload)| payload.clone())
                .collect()
        };
        assert_eq!(of(&held), of(&records), "{sensor}'s readings, in order");
    }
}
