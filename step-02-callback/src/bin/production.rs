//! Step 02, the summary slide's best practice: a production callback.
//!
//! Run it: `cargo run -p step-02-callback --bin production -- --count 20`
//! Then:   `RUST_LOG=debug cargo run -p step-02-callback --bin production -- --count 20`
//!
//! Notice: no line per message on stdout. Successes are logged at debug level (hidden
//! unless `RUST_LOG=debug`), failures at error level (always shown, with the key), and
//! both are counted for the metrics line. The callback stays short and never blocks.

use clap::Parser;
use common::queue_full::send_waiting_for_room;
use common::tally::Tally;
use common::{CommonArgs, Lesson, Mode};
use rdkafka::message::Message;
use rdkafka::producer::{DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::ClientContext;
use std::process::ExitCode;
use std::sync::Arc;
use step_02_callback::metrics::Metrics;

#[derive(Parser)]
#[command(about = "Step 02: a production callback (logs and metrics, no prints)")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

// ANCHOR: production_callback
struct ProductionCallback {
    tally: Arc<Tally>,
    metrics: Arc<Metrics>,
}

impl ClientContext for ProductionCallback {}

impl ProducerContext for ProductionCallback {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        match result {
            Ok(message) => {
                tracing::debug!(
                    partition = message.partition(),
                    offset = message.offset(),
                    "sent"
                );
                self.tally.record_confirmed();
            }
            Err((error, message)) => {
                let key = String::from_utf8_lossy(message.key().unwrap_or_default());
                tracing::error!(%key, %error, "send failed");
                self.tally.record_failed();
                self.metrics.count_failure(error);
            }
        }
    }
}
// ANCHOR_END: production_callback

async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Some(mut lesson) = Lesson::start(Mode::Callback, args.common, &[]).await? else {
        return Ok(ExitCode::SUCCESS); // --print-config
    };
    let metrics = Arc::new(Metrics::default());
    let callback = ProductionCallback {
        tally: Arc::clone(&lesson.tally),
        metrics: Arc::clone(&metrics),
    };
    let producer: ThreadedProducer<ProductionCallback> =
        lesson.producer_config().create_with_context(callback)?;
    lesson.check_connection(producer.client())?;
    while let Some(reading) = lesson.next_reading().await {
        let payload = reading.to_json();
        let record = step_02_callback::record(&lesson, &reading, &payload);
        lesson.tally.record_sent();
        if let Err((error, _)) = send_waiting_for_room(&producer, record).await {
            tracing::error!(key = reading.key(), %error, "send refused");
            lesson.tally.record_failed();
            metrics.count_failure(&error);
        }
    }
    let still_in_flight = lesson.flush(&producer);
    let code = lesson.finish(still_in_flight)?;
    println!("{}", metrics.failures_line(lesson.tally.counts()));
    Ok(code)
}

#[tokio::main]
async fn main() -> ExitCode {
    common::exit_code(run(Args::parse()).await)
}
