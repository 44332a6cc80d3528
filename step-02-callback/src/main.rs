//! Step 02: async send with a delivery callback, the production standard.
//!
//! Run it: `cargo run -p step-02-callback -- --count 20`
//!
//! Notice: sends never wait, yet every message gets a line with its partition, offset
//! and timestamp, or its error. The callback runs on librdkafka's polling thread, so it
//! only prints and counts.

use clap::Parser;
use common::output::{callback_failure, callback_success};
use common::queue_full::send_waiting_for_room;
use common::tally::Tally;
use common::{CommonArgs, Lesson, Mode, SensorReading};
use rdkafka::message::Message;
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::ClientContext;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(about = "Step 02: async sends with a delivery callback")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

// ANCHOR: callback
/// Receives one delivery report per message. Each message carries its reading as the
/// "delivery opaque", so the callback can say which reading succeeded or failed.
struct DeliveryReporter {
    tally: Arc<Tally>,
}

impl ClientContext for DeliveryReporter {}

impl ProducerContext for DeliveryReporter {
    type DeliveryOpaque = Box<SensorReading>;

    /// Runs on the polling thread, not the sending one: keep it light, or every
    /// other delivery report waits behind it.
    fn delivery(&self, result: &DeliveryResult<'_>, reading: Box<SensorReading>) {
        match result {
            Ok(message) => {
                self.tally.record_confirmed();
                println!(
                    "{}",
                    callback_success(&reading, message.partition(), message.offset())
                );
            }
            Err((error, _message)) => {
                self.tally.record_failed();
                println!("{}", callback_failure(&reading, error));
            }
        }
    }
}
// ANCHOR_END: callback

async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut lesson = Lesson::start(Mode::Callback, args.common, &[]).await?;
    let reporter = DeliveryReporter {
        tally: Arc::clone(&lesson.tally),
    };
    let producer: ThreadedProducer<DeliveryReporter> =
        lesson.producer_config().create_with_context(reporter)?;
    lesson.check_connection(producer.client())?;

    // ANCHOR: send_loop
    while let Some(reading) = lesson.next_reading().await {
        let payload = reading.to_json();
        let key = reading.sensor_id.clone();
        let timestamp = reading.timestamp_millis();
        let record = BaseRecord::with_opaque_to(lesson.topic(), Box::new(reading))
            .key(&key)
            .payload(&payload)
            .timestamp(timestamp);
        lesson.tally.record_sent();
        // A local refusal never reaches the callback: report it the same way here.
        if let Err((error, record)) = send_waiting_for_room(&producer, record).await {
            lesson.tally.record_failed();
            println!("{}", callback_failure(&record.delivery_opaque, &error));
        }
    }
    // ANCHOR_END: send_loop

    let still_in_flight = lesson.flush(&producer);
    lesson.finish(still_in_flight)
}

#[tokio::main]
async fn main() -> ExitCode {
    common::exit_code(run(Args::parse()).await)
}
