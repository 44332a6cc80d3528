//! The live view's numbers from a real statistics report: librdkafka's JSON, captured
//! from a producer sending to the embedded broker, read independently here and
//! through the parser the view uses, then drawn.

use common::broker::EmbeddedBroker;
use common::live::view::{draw, FrameData};
use common::live::Pipeline;
use common::tally::Counts;
use common::Mode;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use rdkafka::producer::{BaseRecord, Producer, ProducerContext, ThreadedProducer};
use rdkafka::statistics::Statistics;
use rdkafka::{ClientConfig, ClientContext};
use std::sync::Mutex;
use std::time::Duration;

/// Keeps every statistics report as librdkafka wrote it.
#[derive(Default)]
struct Capture(Mutex<Vec<String>>);

impl ClientContext for Capture {
    fn stats_raw(&self, statistics: &[u8]) {
        let json = String::from_utf8_lossy(statistics).into_owned();
        if let Ok(mut reports) = self.0.lock() {
            reports.push(json);
        }
    }
}

impl ProducerContext for Capture {
    type DeliveryOpaque = ();
    fn delivery(&self, _: &rdkafka::producer::DeliveryResult<'_>, _: ()) {}
}

#[test]
fn a_real_report_reads_and_draws_the_records_in_flight() {
    let broker = EmbeddedBroker::start(&["humidity"], Duration::from_millis(300), None).unwrap();
    let producer: ThreadedProducer<Capture> = ClientConfig::new()
        .set("bootstrap.servers", broker.bootstrap_servers())
        .set("statistics.interval.ms", "100")
        .set("linger.ms", "0")
        // As the steps send. (msgs_inflight counts every batch handed to a broker,
        // idempotent or not: rd_kafka_msgbatch_ready_produce in rdkafka_msg.c.)
        .set("enable.idempotence", "true")
        .create_with_context(Capture::default())
        .unwrap();
    // Connected, with a producer id: one record sent and confirmed first.
    let first = BaseRecord::to("humidity").key("warm-up").payload("{}");
    producer.send(first).map_err(|(e, _)| e).unwrap();
    producer.flush(Duration::from_secs(10)).unwrap();
    for i in 0..60 {
        let key = format!("sensor-{}", i % 4 + 1);
        let record = BaseRecord::to("humidity").key(&key).payload("{}");
        producer.send(record).map_err(|(e, _)| e).unwrap();
    }
    // Within one 300 ms round trip: the records are out, no reply yet.
    std::thread::sleep(Duration::from_millis(200));
    let report = producer
        .context()
        .0
        .lock()
        .unwrap()
        .iter()
        .rev()
        .find(|json| in_flight_in(json) > 0)
        .cloned()
        .expect("a report with records in flight");
    producer.flush(Duration::from_secs(10)).unwrap();

    let statistics: Statistics = serde_json::from_str(&report).unwrap();
    let pipeline = Pipeline::from_statistics(&statistics, "humidity");
    // Read here from the JSON itself, field by field (STATISTICS.md's names).
    let raw: serde_json::Value = serde_json::from_str(&report).unwrap();
    let partitions = &raw["topics"]["humidity"]["partitions"];
    assert_eq!(pipeline.partitions.len(), 3, "{pipeline:?}");
    for window in &pipeline.partitions {
        let p = &partitions[window.partition.to_string()];
        let field = |name: &str| p[name].as_i64().unwrap();
        assert_eq!(window.queued, field("msgq_cnt") + field("xmit_msgq_cnt"));
        assert_eq!(window.in_flight, field("msgs_inflight"));
    }
    assert!(pipeline.in_flight() > 0, "{pipeline:?}");
    let awaiting: i64 = raw["brokers"]
        .as_object()
        .unwrap()
        .values()
        .map(|b| b["waitresp_msg_cnt"].as_i64().unwrap())
        .sum();
    assert_eq!(pipeline.awaiting_reply, awaiting);

    // And the view draws those numbers.
    let data = FrameData {
        mode: Mode::Callback,
        elapsed: Duration::from_secs(1),
        pipeline: Some(pipeline.clone()),
        counts: Counts {
            sent: 60,
            confirmed: 0,
            failed: 0,
        },
        instrumented: None,
        send_rates: vec![60],
        confirm_rates: vec![0],
    };
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|frame| draw(frame, &data)).unwrap();
    let drawn = terminal.backend().to_string();
    for window in &pipeline.partitions {
        assert!(
            drawn.contains(&format!("in flight {}", window.in_flight)),
            "partition {}: {drawn}",
            window.partition
        );
    }
    assert!(
        drawn.contains(&format!("awaiting reply {awaiting}")),
        "{drawn}"
    );
}

/// Records in flight in a raw report, summed over the topic's partitions.
fn in_flight_in(json: &str) -> i64 {
    let raw: serde_json::Value = serde_json::from_str(json).unwrap();
    raw["topics"]["humidity"]["partitions"]
        .as_object()
        .map_or(0, |partitions| {
            partitions
                .values()
                .map(|p| p["msgs_inflight"].as_i64().unwrap_or(0))
                .sum()
        })
}
