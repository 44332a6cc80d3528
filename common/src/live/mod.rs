//! `--live`: a terminal view of what a run keeps queued, in flight and confirmed.
//!
//! The numbers come from two places (the book's "Watching the window" says which is
//! which):
//! - librdkafka's statistics ([`pipeline`]): per partition, the records queued in the
//!   client and those in flight to the broker; per broker, the round trip; per topic,
//!   the batch sizes;
//! - the run's own counters (its [`crate::tally::Tally`]): sent, confirmed, failed.
//!   librdkafka counts no acknowledgements: `txmsgs` counts records written to the
//!   socket, not confirmed.
//!
//! [`view`] draws one frame from those numbers; [`screen`] redraws it about ten times a
//! second on a terminal, or prints a plain line a second into a pipe.

pub mod pipeline;
pub mod screen;
pub mod view;

pub use pipeline::{Pipeline, StatsSink, Watched, WatchedClient};
