//! What step 04 prints: how each wait ended, and the closing lines on what the timed-out
//! and dropped futures turned out to be.

use common::broker_count::Held;
use common::output::Confirmation;
use common::SensorReading;
use std::fmt::Display;
use std::time::Duration;

/// Confirmed before the wait ran out.
pub fn in_time(reading: &SensorReading, partition: i32, offset: i64) -> String {
    format!(
        "✅ IN TIME: {} | {}% → partition {partition}, offset {offset}",
        reading.sensor_id, reading.humidity
    )
}

/// The wait ran out; the message is still on its way.
pub fn timed_out(reading: &SensorReading, waited: Duration) -> String {
    format!(
        "⌛ TIMED OUT after {}: {} | {}% — still in flight, the wait ended but the send was not cancelled",
        humantime::format_duration(waited),
        reading.sensor_id,
        reading.humidity
    )
}

/// The future ended without an outcome: its producer went away.
pub fn cancelled(reading: &SensorReading) -> String {
    format!(
        "❔ CANCELLED: {} — the producer went away; outcome unknown",
        reading.sensor_id
    )
}

/// The future resolved in time, but with a failure (or the send was refused locally).
pub fn future_failure(reading: &SensorReading, error: &dyn Display) -> String {
    format!(
        "❌ FAILED: {} | {}% — {error}",
        reading.sensor_id, reading.humidity
    )
}

/// How many of the futures whose wait timed out turned out delivered.
pub fn delivered_anyway(delivered: usize, timed_out: usize) -> String {
    format!("📬 Delivered anyway: {delivered} of the {timed_out} messages whose wait timed out")
}

/// With `--drop-on-timeout`: futures dropped when their wait ran out.
pub fn lost_track(dropped: usize) -> String {
    format!(
        "📭 Lost track of {dropped} messages: their futures were dropped when the wait ran out, so no one will ever learn their outcome (the send itself was not cancelled)"
    )
}

/// What the broker holds of this run against what was confirmed. `dropped` sends had
/// their futures dropped: they may have landed with no one told.
pub fn broker_check(held: Held, confirmed: u64, dropped: u64, sent: u64, deletes: &str) -> String {
    let Some(held) = held.counted() else {
        return format!(
            "🔍 Broker check: cannot be made: {}. Confirmed: {confirmed}.",
            held.why_uncounted(sent, deletes).unwrap_or_default()
        );
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

/// Every confirmation in a run's output: the IN TIME lines, read back. (Late deliveries
/// are counted on the 📬 line, not listed.)
pub fn confirmations(stdout: &str) -> Vec<Confirmation> {
    stdout
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("✅ IN TIME: ")?;
            let (sensor_id, rest) = rest.split_once(" | ")?;
            let (humidity, rest) = rest.split_once("% → partition ")?;
            let (partition, offset) = rest.split_once(", offset ")?;
            Some(Confirmation {
                sensor_id: sensor_id.to_owned(),
                humidity: humidity.parse().ok()?,
                partition: partition.parse().ok()?,
                offset: offset.parse().ok()?,
                timestamp: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_in_time_line_reads_back() {
        let reading = SensorReading {
            sensor_id: "sensor-2".into(),
            location: "bedroom".into(),
            humidity: 54,
            timestamp: 0,
            padding: String::new(),
        };
        let text = format!(
            "{}\n{}\n",
            in_time(&reading, 1, 85),
            timed_out(&reading, Duration::from_millis(100))
        );
        let found = confirmations(&text);
        assert_eq!(found.len(), 1, "{text}");
        assert_eq!(
            (
                found[0].sensor_id.as_str(),
                found[0].humidity,
                found[0].partition,
                found[0].offset
            ),
            ("sensor-2", 54, 1, 85)
        );
    }
}
