//! What every step prints alike: the slide's banner and the closing summary, and the
//! facts a confirmation line reports.
//!
//! Each step's own lines (SENT, SUCCESS, SYNC, IN TIME, ...) are in that step's
//! `lines.rs`, beside its send loop.

use crate::tally::Counts;
use std::time::Duration;

/// The send pattern a step demonstrates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    FireAndForget,
    Callback,
    Sync,
    FutureTimeout,
}

impl Mode {
    /// The banner's upper-case name, as in `(CALLBACK MODE)`.
    pub fn banner_name(self) -> &'static str {
        match self {
            Mode::FireAndForget => "FIRE-AND-FORGET",
            Mode::Callback => "CALLBACK",
            Mode::Sync => "SYNC",
            Mode::FutureTimeout => "FUTURE-TIMEOUT",
        }
    }

    /// The banner's description of the mode.
    pub fn description(self) -> &'static str {
        match self {
            Mode::FireAndForget => "Async fire-and-forget",
            Mode::Callback => "Async with callbacks",
            Mode::Sync => "Synchronous (await each send)",
            Mode::FutureTimeout => "Async, then wait on each future with a timeout",
        }
    }

    /// Whether this mode ever learns the outcome of a send.
    pub fn tracks_outcomes(self) -> bool {
        self != Mode::FireAndForget
    }
}

/// The start banner, as on the slide, plus which broker and what plan.
pub fn banner(mode: Mode, broker: &str, plan: &str) -> String {
    format!(
        "🌡️  Starting Humidity Producer ({} MODE)...\n📊 Mode: {}\n🔌 Broker: {broker}\n🎯 Plan: {plan}\n",
        mode.banner_name(),
        mode.description()
    )
}

/// What a step's line says of one confirmed send: sensor, humidity, partition, offset,
/// and the record's timestamp when the line shows one. Each step parses its own lines
/// into this (its `lines::confirmations`), for tests to hold against the broker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    pub sensor_id: String,
    pub humidity: u8,
    pub partition: i32,
    pub offset: i64,
    pub timestamp: Option<i64>,
}

/// The closing summary: sent, confirmed, failed, unconfirmed, elapsed and msg/s.
pub fn summary(mode: Mode, counts: Counts, elapsed: Duration) -> String {
    let seconds = elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        counts.sent as f64 / seconds
    } else {
        0.0
    };
    let outcomes = if mode.tracks_outcomes() {
        format!(
            "confirmed {} | failed {} | unconfirmed {}",
            counts.confirmed,
            counts.failed,
            counts.unconfirmed()
        )
    } else {
        "confirmed ? | failed ? (fire-and-forget never looks)".to_owned()
    };
    format!(
        "📈 Summary: sent {} | {outcomes} | elapsed {seconds:.2}s | {rate:.1} msg/s",
        counts.sent
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banner_names_the_mode_as_the_slide_does() {
        assert!(banner(Mode::Callback, "b", "p").starts_with(
            "🌡️  Starting Humidity Producer (CALLBACK MODE)...\n📊 Mode: Async with callbacks\n"
        ));
    }

    #[test]
    fn summary_counts_and_rate() {
        let counts = Counts {
            sent: 10,
            confirmed: 7,
            failed: 2,
        };
        assert_eq!(
            summary(Mode::Sync, counts, Duration::from_secs(2)),
            "📈 Summary: sent 10 | confirmed 7 | failed 2 | unconfirmed 1 | elapsed 2.00s | 5.0 msg/s"
        );
    }
}
