//! Everything the lesson's steps share, one concept per module.
//!
//! A step's own crate holds its send pattern, its lines and what it alone demonstrates;
//! the sensor readings, flags, producer settings, embedded broker, pacing, counters,
//! banner, summary and read-back live here. Nothing here names a step.

pub mod args;
pub mod broker;
pub mod broker_count;
pub mod crash;
pub mod lesson;
pub mod live;
pub mod logging;
pub mod out;
pub mod output;
pub mod producer_config;
pub mod queue_full;
pub mod readback;
pub mod reading;
pub mod run;
pub mod run_tag;
pub mod send_plan;
pub mod settings;
pub mod shutdown;
pub mod tally;
#[cfg(feature = "testing")]
pub mod testing;

pub use args::CommonArgs;
pub use lesson::{exit_code, print_config, Lesson};
pub use out::Out;
pub use output::Mode;
pub use reading::SensorReading;
pub use run::Run;
pub use shutdown::Stop;
