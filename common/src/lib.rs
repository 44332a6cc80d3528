//! Everything the lesson's steps share, one concept per module.
//!
//! A step's `main.rs` holds its send pattern and what it alone demonstrates; the sensor
//! readings, flags, producer settings, embedded broker, pacing, output and read-back
//! live here.

pub mod args;
pub mod broker;
pub mod broker_count;
pub mod crash;
pub mod lesson;
pub mod logging;
pub mod output;
pub mod producer_config;
pub mod queue_full;
pub mod readback;
pub mod reading;
pub mod run_tag;
pub mod send_plan;
pub mod settings;
pub mod shutdown;
pub mod tally;
#[cfg(feature = "testing")]
pub mod testing;

pub use args::CommonArgs;
pub use lesson::{exit_code, Lesson};
pub use output::Mode;
pub use reading::SensorReading;
