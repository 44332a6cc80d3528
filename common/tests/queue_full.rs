//! `retry_while_queue_full` (through `retry_counting_waits`, which counts its waits)
//! against a local queue far too small for the load: every
//! record must still reach the broker, once, in order per key.

use common::broker::EmbeddedBroker;
use common::queue_full::retry_counting_waits;
use common::readback::read_topic;
use common::reading::{Clock, ReadingGenerator};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::ClientConfig;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn queue_full_waits_and_retries() {
    let broker = EmbeddedBroker::start(&["humidity"], Duration::from_millis(10), None).unwrap();
    // Room for 5 messages, filled as fast as possible: send sees QueueFull again and again.
    let mut connection = ClientConfig::new();
    connection.set("bootstrap.servers", broker.bootstrap_servers());
    let producer: ThreadedProducer<DefaultProducerContext> = connection
        .clone()
        .set("queue.buffering.max.messages", "5")
        .set("linger.ms", "0")
        .create()
        .unwrap();
    let readings: Vec<_> = ReadingGenerator::new(7, Clock::Fixed { start: 0 })
        .take(300)
        .collect();
    let mut waits = 0;
    for reading in &readings {
        let payload = reading.to_json();
        let record = BaseRecord::to("humidity")
            .key(reading.key())
            .payload(&payload);
        let sent = retry_counting_waits(record, &mut waits, |record| producer.send(record)).await;
        if let Err((error, _)) = sent {
            panic!("retry_counting_waits gave up: {error}");
        }
    }
    // The fault happened: the queue was full, again and again.
    assert!(waits > 10, "the queue was full only {waits} times");
    producer.flush(Duration::from_secs(10)).unwrap();
    drop(producer);

    let stored = read_topic(&connection, "humidity", Duration::from_secs(10)).unwrap();
    assert_eq!(stored.len(), readings.len(), "one record per reading");
    for sensor in ["sensor-1", "sensor-2", "sensor-3", "sensor-4"] {
        let sent: Vec<String> = readings
            .iter()
            .filter(|r| r.key() == sensor)
            .map(|r| r.to_json())
            .collect();
        let held: Vec<String> = stored
            .iter()
            .filter(|r| r.key.as_deref() == Some(sensor))
            .map(|r| r.value.clone().unwrap_or_default())
            .collect();
        assert_eq!(held, sent, "{sensor}'s readings, in order");
    }
}
