//! What step 01 prints: one SENT line per send, and the lesson's reveal at the end.

use common::broker_count::Held;
use common::SensorReading;
use std::fmt::Display;

/// A send handed to the producer, its outcome never known.
pub fn sent_line(reading: &SensorReading) -> String {
    format!(
        "📤 SENT: {} | {} | {}%",
        reading.sensor_id, reading.location, reading.humidity
    )
}

/// A send that librdkafka refused before it was queued (it never left).
pub fn refused_line(reading: &SensorReading, error: &dyn Display) -> String {
    format!("{} — refused locally: {error}", sent_line(reading))
}

/// The lesson's look at what the broker holds of this run. `deletes` says why the
/// broker may have deleted records (see `Broker::deletes_old_records`).
pub fn reveal(held: Held, sent: u64, deletes: &str) -> String {
    match (held.counted(), held.why_uncounted(sent, deletes)) {
        (Some(held), _) => format!(
            "🔍 Outside fire-and-forget, the lesson checks: the broker holds {held} of the {sent} messages sent: {} failed and fire-and-forget never told you.",
            sent.saturating_sub(held)
        ),
        (None, why) => format!(
            "🔍 Outside fire-and-forget, the lesson cannot check this run: {}. No message is counted as lost.",
            why.unwrap_or_default()
        ),
    }
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
    fn lines_match_the_slide() {
        assert_eq!(sent_line(&reading()), "📤 SENT: sensor-1 | kitchen | 68%");
        assert_eq!(
            reveal(Held::Counted(7), 9, "-"),
            "🔍 Outside fire-and-forget, the lesson checks: the broker holds 7 of the 9 messages sent: 2 failed and fire-and-forget never told you."
        );
    }
}
