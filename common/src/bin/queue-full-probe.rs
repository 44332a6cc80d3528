//! A child process for `common`'s QueueFull test: sends every `key<TAB>payload` line of
//! stdin through `retry_counting_waits`, into a local queue with room for 5 messages,
//! flushes, and prints `waits N` (how often the queue was full).
//!
//! The retry is an exercise, so this is where a learner's answer runs. The test that
//! decides the verdict (`common/tests/queue_full.rs`) starts this process, never links
//! `common` itself, and reads the broker back on its own.
//!
//! `queue-full-probe BOOTSTRAP TOPIC < records`

use common::queue_full::retry_counting_waits;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::ClientConfig;
use std::io::BufRead;
use std::time::Duration;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let [bootstrap, topic] = &std::env::args().skip(1).collect::<Vec<_>>()[..] else {
        anyhow::bail!("usage: queue-full-probe BOOTSTRAP TOPIC < records");
    };
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("queue.buffering.max.messages", "5")
        .set("linger.ms", "0")
        .create()?;
    let mut waits = 0;
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let (key, payload) = line.split_once('\t').unwrap_or((&line, ""));
        let record = BaseRecord::to(topic).key(key).payload(payload);
        let sent = retry_counting_waits(record, &mut waits, |record| producer.send(record)).await;
        if let Err((error, _)) = sent {
            anyhow::bail!("retry_counting_waits gave up: {error}");
        }
    }
    producer.flush(Duration::from_secs(10))?;
    println!("waits {waits}");
    Ok(())
}
