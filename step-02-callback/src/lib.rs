//! What step 02's binaries share: the callback's metrics, the worker it hands slow jobs
//! to, and the summary lines they print.
//!
//! - `main.rs` (`cargo run -p step-02-callback`): the callback pattern and its use cases;
//! - `bin/dont-block.rs` (`--bin dont-block`): what a slow callback costs;
//! - `bin/production.rs` (`--bin production`): the summary slide's production callback.

pub mod metrics;
pub mod side_work;
