//! What step 02's callback prints: SUCCESS with the broker's answer, or FAILED with the
//! error, as on the slide; and the note on timestamps the embedded broker needs.

use common::output::Confirmation;
use common::SensorReading;
use rdkafka::Timestamp;
use std::fmt::Display;

/// The callback's success, two lines and a blank one, as on the slide. The partition is
/// the one the producer's partitioner chose, the offset is the broker's, and the
/// timestamp is what Java's `RecordMetadata.timestamp()` gives (see [`record_time`]),
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

/// The callback's failure (or a send refused before it was queued).
pub fn callback_failure(reading: &SensorReading, error: &dyn Display) -> String {
    format!(
        "❌ FAILED: {} | {} | {}% — {error}\n",
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

/// Every confirmation in a run's output: the SUCCESS blocks, read back.
pub fn confirmations(stdout: &str) -> Vec<Confirmation> {
    let lines: Vec<&str> = stdout.lines().collect();
    lines
        .windows(2)
        .filter_map(|pair| {
            let first = pair[0].strip_prefix("✅ SUCCESS: ")?;
            let (sensor_id, rest) = first.split_once(" | ")?;
            let (_location, humidity) = rest.rsplit_once(" | ")?;
            let second = pair[1].strip_prefix("   → Partition: ")?;
            let (partition, rest) = second.split_once(" | Offset: ")?;
            let (offset, time) = rest.split_once(" | Timestamp: ")?;
            let time = time
                .strip_suffix(" (log append time, the broker's)")
                .unwrap_or(time);
            Some(Confirmation {
                sensor_id: sensor_id.to_owned(),
                humidity: humidity.strip_suffix('%')?.parse().ok()?,
                partition: partition.parse().ok()?,
                offset: offset.parse().ok()?,
                timestamp: time.parse().ok(),
            })
        })
        .collect()
}

/// The SUCCESS blocks of a run's output, stably regrouped by partition.
///
/// Delivery reports for one partition arrive in offset order, but reports for different
/// partitions come from different broker connections and interleave differently on
/// every run. Regrouping keeps each partition's own order (a stable sort), so a snapshot
/// still catches a misordered partition.
pub fn grouped_by_partition(stdout: &str) -> String {
    let partition_of = |block: &str| {
        confirmations(block)
            .first()
            .map_or(i32::MAX, |found| found.partition)
    };
    let mut blocks: Vec<&str> = stdout.split("\n\n").collect();
    let slots: Vec<usize> = (0..blocks.len())
        .filter(|&i| blocks[i].starts_with("✅ SUCCESS"))
        .collect();
    let mut deliveries: Vec<&str> = slots.iter().map(|&i| blocks[i]).collect();
    deliveries.sort_by_key(|block| partition_of(block));
    for (slot, delivery) in slots.into_iter().zip(deliveries) {
        blocks[slot] = delivery;
    }
    blocks.join("\n\n")
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
    fn the_success_block_matches_the_slide_and_reads_back() {
        let line = callback_success(&reading(), 0, 42, Timestamp::CreateTime(1_733_584_800_000));
        assert_eq!(
            line,
            "✅ SUCCESS: sensor-1 | kitchen | 68%\n   → Partition: 0 | Offset: 42 | Timestamp: 1733584800000\n"
        );
        let broker_time = callback_success(&reading(), 1, 7, Timestamp::LogAppendTime(99));
        let found = confirmations(&format!("{line}\n{broker_time}"));
        let positions: Vec<_> = found
            .iter()
            .map(|c| (c.partition, c.offset, c.timestamp))
            .collect();
        assert_eq!(
            positions,
            [(0, 42, Some(1_733_584_800_000)), (1, 7, Some(99))]
        );
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
}
