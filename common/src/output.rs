//! What the steps print: the slide's banner, line formats and closing summary.
//!
//! The lines the steps share are built here, so all four speak the same format and the
//! snapshot tests see one format to keep stable. (A few lines that belong to one
//! step's demonstration alone, such as step 02's metrics, are printed by that step.)

use crate::broker_count::Held;
use crate::reading::SensorReading;
use crate::tally::Counts;
use rdkafka::Timestamp;
use std::fmt::Display;
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

/// Step 01: a send handed to the producer, outcome never known.
pub fn sent_line(reading: &SensorReading) -> String {
    format!(
        "📤 SENT: {} | {} | {}%",
        reading.sensor_id, reading.location, reading.humidity
    )
}

/// Step 01: a send that librdkafka refused before it was queued (it never left).
pub fn refused_line(reading: &SensorReading, error: &dyn Display) -> String {
    format!("{} — refused locally: {error}", sent_line(reading))
}

/// Step 02: the callback's success, two lines and a blank one, as on the slide. The
/// partition is the one the producer's partitioner chose, the offset is the broker's, and
/// the timestamp is what Java's `RecordMetadata.timestamp()` gives (see [`record_time`]),
/// in milliseconds.
pub fn callback_success(
    reading: &SensorReading,
    partition: i32,
    offset: i64,
    timestamp: Timestamp,
) -> String {
    let timestamp = match timestamp {
        Timestamp::CreateTime(millis) => millis.to_string(),
        Timestamp::LogAppendTime(millis) => format!("{millis} (log append time, the broker's)"),
        Timestamp::NotAvailable => "none".to_owned(),
    };
    format!(
        "✅ SUCCESS: {} | {} | {}%\n   → Partition: {partition} | Offset: {offset} | Timestamp: {timestamp}\n",
        reading.sensor_id, reading.location, reading.humidity
    )
}

/// A delivered record's timestamp as Java reports it: the broker's log-append time when
/// the topic uses one, else the record's own create time (`create_time`, the time the
/// step set). Kafka's `FutureRecordMetadata.timestamp()`: `hasLogAppendTime() ?
/// logAppendTime() : createTimestamp`. `placeholder_log_append_time` is set for a broker
/// that answers every send with a made-up log-append time: librdkafka's mock cluster
/// always says 1234 (`rdkafka_mock_handlers.c`), whatever the topic, and its log keeps
/// the create time.
pub fn record_time(
    reported: Timestamp,
    create_time: i64,
    placeholder_log_append_time: bool,
) -> Timestamp {
    match reported {
        Timestamp::LogAppendTime(_) if placeholder_log_append_time => {
            Timestamp::CreateTime(create_time)
        }
        reported => reported,
    }
}

/// Said once, where [`record_time`] sets aside a placeholder log-append time.
pub const PLACEHOLDER_TIME_NOTE: &str = "🕒 Timestamps below are each record's create time, as Java reports them on a CreateTime topic. (The embedded broker answers every send with a placeholder log-append time, 1234; the lesson does not show it.)";

/// Step 02: the callback's failure.
pub fn callback_failure(reading: &SensorReading, error: &dyn Display) -> String {
    format!(
        "❌ FAILED: {} | {} | {}% — {error}\n",
        reading.sensor_id, reading.location, reading.humidity
    )
}

/// Step 03: a synchronous send that came back confirmed.
pub fn sync_success(reading: &SensorReading, partition: i32, offset: i64) -> String {
    format!(
        "⏳ SYNC: {} | {}% → partition {partition}, offset {offset}",
        reading.sensor_id, reading.humidity
    )
}

/// Step 03: a synchronous send that came back failed.
pub fn sync_failure(reading: &SensorReading, error: &dyn Display) -> String {
    format!(
        "❌ SYNC FAILED: {} | {}% — {error}",
        reading.sensor_id, reading.humidity
    )
}

/// Step 04: confirmed before the wait ran out.
pub fn in_time(reading: &SensorReading, partition: i32, offset: i64) -> String {
    format!(
        "✅ IN TIME: {} | {}% → partition {partition}, offset {offset}",
        reading.sensor_id, reading.humidity
    )
}

/// Step 04: the wait ran out; the message is still on its way.
pub fn timed_out(reading: &SensorReading, waited: Duration) -> String {
    format!(
        "⌛ TIMED OUT after {}: {} | {}% — still in flight, the wait ended but the send was not cancelled",
        humantime::format_duration(waited),
        reading.sensor_id,
        reading.humidity
    )
}

/// Step 04: the future ended without an outcome: its producer went away.
pub fn cancelled(reading: &SensorReading) -> String {
    format!(
        "❔ CANCELLED: {} — the producer went away; outcome unknown",
        reading.sensor_id
    )
}

/// Step 04: the future resolved in time, but with a failure.
pub fn future_failure(reading: &SensorReading, error: &dyn Display) -> String {
    format!(
        "❌ FAILED: {} | {}% — {error}",
        reading.sensor_id, reading.humidity
    )
}

/// Step 01: the lesson's look at what the broker holds of this run. `deletes` says why
/// the broker may have deleted records (see [`crate::broker::Broker::deletes_old_records`]).
pub fn reveal(held: Held, sent: u64, deletes: &str) -> String {
    match held {
        Held::Counted(held) => format!(
            "🔍 Outside fire-and-forget, the lesson checks: the broker holds {held} of the {sent} messages sent: {} failed and fire-and-forget never told you.",
            sent.saturating_sub(held)
        ),
        Held::StartDeleted {
            partition,
            run_start,
            log_start,
        } => format!(
            "🔍 Outside fire-and-forget, the lesson cannot check this run: {}. No message is counted as lost.",
            uncountable(partition, run_start, log_start, sent, deletes)
        ),
    }
}

/// Why a run could not be counted: the broker deleted records from where it began.
fn uncountable(partition: i32, run_start: i64, log_start: i64, sent: u64, deletes: &str) -> String {
    format!(
        "partition {partition} now starts at offset {log_start}, past offset {run_start} where this run began, so records were deleted before they could be counted ({deletes}; this run sent {sent} messages)"
    )
}

/// Step 04: how many of the futures whose wait timed out turned out delivered.
pub fn delivered_anyway(delivered: usize, timed_out: usize) -> String {
    format!("📬 Delivered anyway: {delivered} of the {timed_out} messages whose wait timed out")
}

/// Step 04 with `--drop-on-timeout`: futures dropped when their wait ran out.
pub fn lost_track(dropped: usize) -> String {
    format!(
        "📭 Lost track of {dropped} messages: their futures were dropped when the wait ran out, so no one will ever learn their outcome (the send itself was not cancelled)"
    )
}

/// Step 04: what the broker holds of this run against what was confirmed. `dropped`
/// sends had their futures dropped: they may have landed with no one told.
pub fn broker_check(held: Held, confirmed: u64, dropped: u64, sent: u64, deletes: &str) -> String {
    let held = match held {
        Held::Counted(held) => held,
        Held::StartDeleted {
            partition,
            run_start,
            log_start,
        } => {
            return format!(
                "🔍 Broker check: cannot be made: {}. Confirmed: {confirmed}.",
                uncountable(partition, run_start, log_start, sent, deletes)
            )
        }
    };
    let verdict = match held.cmp(&confirmed) {
        std::cmp::Ordering::Equal => "they match".to_owned(),
        std::cmp::Ordering::Greater if held - confirmed <= dropped => format!(
            "{} more than confirmed: sends whose futures were dropped landed, and no one was told",
            held - confirmed
        ),
        std::cmp::Ordering::Greater => format!(
            "{} more than confirmed: a send reported failed can still land when only its reply was lost",
            held - confirmed
        ),
        std::cmp::Ordering::Less => "FEWER than confirmed: confirmed messages are missing".to_owned(),
    };
    format!("🔍 Broker check: the broker holds {held} messages of this run, confirmed {confirmed}: {verdict}")
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

    fn reading() -> SensorReading {
        SensorReading {
            sensor_id: "sensor-1".into(),
            location: "kitchen".into(),
            humidity: 68,
            timestamp: 1_733_584_800,
            padding: String::new(),
        }
    }

    #[test]
    fn lines_match_the_slides() {
        assert_eq!(
            callback_success(&reading(), 0, 42, Timestamp::CreateTime(1_733_584_800_000)),
            "✅ SUCCESS: sensor-1 | kitchen | 68%\n   → Partition: 0 | Offset: 42 | Timestamp: 1733584800000\n"
        );
        assert_eq!(
            sync_success(&reading(), 0, 1),
            "⏳ SYNC: sensor-1 | 68% → partition 0, offset 1"
        );
        assert!(banner(Mode::Callback, "b", "p").starts_with(
            "🌡️  Starting Humidity Producer (CALLBACK MODE)...\n📊 Mode: Async with callbacks\n"
        ));
    }

    #[test]
    fn the_record_time_is_javas() {
        let create_time = 1_733_584_800_000;
        let placeholder = Timestamp::LogAppendTime(1234);
        assert_eq!(
            record_time(placeholder, create_time, true),
            Timestamp::CreateTime(create_time),
            "the mock's placeholder gives way to the record's time"
        );
        assert_eq!(
            record_time(
                Timestamp::LogAppendTime(1_733_584_801_000),
                create_time,
                false
            ),
            Timestamp::LogAppendTime(1_733_584_801_000),
            "a real broker's log-append time is kept"
        );
        assert_eq!(
            record_time(Timestamp::CreateTime(create_time), 0, true),
            Timestamp::CreateTime(create_time)
        );
        let line = callback_success(&reading(), 1, 7, Timestamp::LogAppendTime(99));
        assert!(
            line.contains("Timestamp: 99 (log append time, the broker's)"),
            "{line}"
        );
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
