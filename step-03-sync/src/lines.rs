//! What step 03 prints: one SYNC line per confirmed send, one SYNC FAILED per failure.

use common::output::Confirmation;
use common::SensorReading;
use std::fmt::Display;

// ANCHOR: sync_lines
/// A synchronous send that came back confirmed.
pub fn sync_success(reading: &SensorReading, partition: i32, offset: i64) -> String {
    format!(
        "⏳ SYNC: {} | {}% → partition {partition}, offset {offset}",
        reading.sensor_id, reading.humidity
    )
}

/// A synchronous send that came back failed.
pub fn sync_failure(reading: &SensorReading, error: &dyn Display) -> String {
    format!(
        "❌ SYNC FAILED: {} | {}% — {error}",
        reading.sensor_id, reading.humidity
    )
}
// ANCHOR_END: sync_lines

/// Every confirmation in a run's output: the SYNC lines, read back.
pub fn confirmations(stdout: &str) -> Vec<Confirmation> {
    stdout
        .lines()
        .filter_map(|line| confirmation(line.strip_prefix("⏳ SYNC: ")?))
        .collect()
}

/// `sensor-1 | 68% → partition 0, offset 1`, as [`sync_success`] writes it after its
/// prefix (step 04's IN TIME line shares the shape).
pub fn confirmation(rest: &str) -> Option<Confirmation> {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sync_line_matches_the_slide_and_reads_back() {
        let reading = SensorReading {
            sensor_id: "sensor-1".into(),
            location: "kitchen".into(),
            humidity: 68,
            timestamp: 1_733_584_800,
            padding: String::new(),
        };
        let line = sync_success(&reading, 0, 1);
        assert_eq!(line, "⏳ SYNC: sensor-1 | 68% → partition 0, offset 1");
        let text = format!("banner\n{line}\n{}\n", sync_failure(&reading, &"boom"));
        assert_eq!(
            confirmations(&text),
            [Confirmation {
                sensor_id: "sensor-1".into(),
                humidity: 68,
                partition: 0,
                offset: 1,
                timestamp: None
            }]
        );
    }
}
