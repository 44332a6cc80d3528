//! What step 02's binaries share: the callback's metrics, the worker it hands slow jobs
//! to, and the summary lines they print.
//!
//! - `main.rs` (`cargo run -p step-02-callback`): the callback pattern and its use cases;
//! - `bin/dont-block.rs` (`--bin dont-block`): what a slow callback costs;
//! - `bin/production.rs` (`--bin production`): the summary slide's production callback.

pub mod metrics;
pub mod side_work;

use common::{Lesson, SensorReading};
use rdkafka::producer::BaseRecord;
use std::path::PathBuf;

/// The record the demo binaries send for a reading, built as `main.rs` builds it: the
/// sensor id as key, the JSON as value, the reading's time, and this run's tag header.
/// Their contexts need no per-message data, so it carries none.
pub fn record<'a>(
    lesson: &'a Lesson,
    reading: &'a SensorReading,
    payload: &'a str,
) -> BaseRecord<'a, str, str> {
    BaseRecord::to(lesson.topic())
        .key(reading.key())
        .payload(payload)
        .timestamp(reading.timestamp_millis())
        .headers(lesson.run.headers())
}

/// The flags of the callback's use cases (step 02's own, beside the common ones).
#[derive(Debug, Clone, clap::Args)]
pub struct UseCaseArgs {
    /// Topic that receives every record that failed, with the error in a header.
    #[arg(long, default_value = common::broker::DEFAULT_DLQ_TOPIC)]
    pub dlq_topic: String,

    /// Write the last confirmed offset of each partition to this JSON file.
    #[arg(long, value_name = "FILE")]
    pub offsets_file: Option<PathBuf>,
}

/// The callback step's flags: the common ones, and its use cases'.
#[derive(Debug, clap::Parser)]
#[command(about = "Step 02: async sends with a delivery callback")]
pub struct CallbackArgs {
    #[command(flatten)]
    pub common: common::CommonArgs,
    #[command(flatten)]
    pub use_cases: UseCaseArgs,
}
