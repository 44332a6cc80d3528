//! Step 02, the summary slide's best practice: a production callback (`--bin production`).
//!
//! Run it: `cargo run -p step-02-callback --bin production -- --count 20`
//! Then:   `RUST_LOG=debug cargo run -p step-02-callback --bin production -- --count 20`
//!
//! Notice: no line per message on stdout. Successes are logged at debug level (hidden
//! unless `RUST_LOG=debug`), failures at error level (always shown, with the key), and
//! both are counted for the metrics line. The callback stays short and never blocks.

use crate::metrics::Metrics;
use common::lesson::DEFAULT_ASYNC_RATE;
use common::live::StatsSink;
use common::queue_full::retry_while_queue_full;
use common::tally::Tally;
use common::{CommonArgs, Lesson, Mode, Out, Stop};
use rdkafka::message::Message;
use rdkafka::producer::{DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::statistics::Statistics;
use rdkafka::ClientContext;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, clap::Parser)]
#[command(about = "Step 02: a production callback (logs and metrics, no prints)")]
pub struct ProductionArgs {
    #[command(flatten)]
    pub common: CommonArgs,
}

// ANCHOR: production_callback
struct ProductionCallback {
    tally: Arc<Tally>,
    metrics: Arc<Metrics>,
    /// `--live`: where librdkafka's statistics go.
    live: Option<Arc<StatsSink>>,
}

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

impl ClientContext for ProductionCallback {
    fn stats(&self, statistics: Statistics) {
        StatsSink::forward(&self.live, &statistics);
    }
}

/// The whole demo: sends, flush, summary and the metrics line.
pub async fn run(args: &ProductionArgs, stop: &Stop, out: Out) -> anyhow::Result<ExitCode> {
    let mut lesson = Lesson::start(
        Mode::Callback,
        DEFAULT_ASYNC_RATE,
        &args.common,
        &[],
        stop,
        out,
    )?;
    lesson.announce();
    let metrics = Arc::new(Metrics::default());
    let callback = ProductionCallback {
        tally: Arc::clone(lesson.tally()),
        metrics: Arc::clone(&metrics),
        live: lesson.live_sink(),
    };
    let producer: ThreadedProducer<ProductionCallback> =
        lesson.producer_config().create_with_context(callback)?;
    lesson.check_connection(producer.client())?;
    let view = lesson.watch(None);
    let run = lesson.run();
    while let Some(reading) = run.next_reading().await {
        let payload = reading.to_json();
        let record = crate::record(run, &reading, &payload);
        run.tally().record_sent();
        let sent = retry_while_queue_full(record, |record| producer.send(record)).await;
        if let Err((error, _)) = sent {
            tracing::error!(key = reading.key(), %error, "send refused");
            run.tally().record_failed();
            metrics.count_failure(&error);
        }
    }
    let still_in_flight = lesson.flush(&producer);
    drop(view);
    let code = lesson.finish(still_in_flight)?;
    lesson.say(|| metrics.failures_line(lesson.tally().counts()));
    Ok(code)
}
