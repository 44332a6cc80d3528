//! The sensor reading: what every step sends, and the seeded generator that makes them.
//!
//! The same `--seed` always yields the same readings, so a run's output can be
//! snapshot-tested and a learner's run can be compared with the slides.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::time::{SystemTime, UNIX_EPOCH};

/// The lesson's sensors, each at a fixed location, as on the slides.
pub const SENSORS: [(&str, &str); 4] = [
    ("sensor-1", "kitchen"),
    ("sensor-2", "bedroom"),
    ("sensor-3", "outside"),
    ("sensor-4", "basement"),
];

/// One humidity reading. Serialized as JSON it is the message value; its sensor id is the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SensorReading {
    /// Borrowed from [`SENSORS`] when generated: making a reading allocates nothing.
    pub sensor_id: Cow<'static, str>,
    pub location: Cow<'static, str>,
    /// Relative humidity in percent.
    pub humidity: u8,
    /// When the reading was taken, in Unix seconds.
    pub timestamp: i64,
    /// Filler that makes a reading larger than librdkafka's `message.max.bytes`
    /// (`--oversize-every`): librdkafka refuses it locally, it never reaches a broker.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub padding: String,
}

impl SensorReading {
    /// The message key: the sensor id, so one sensor's readings stay in one partition, in order.
    pub fn key(&self) -> &str {
        &self.sensor_id
    }

    /// The message value: the reading as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a reading always serializes")
    }

    /// Writes the message value into `buffer`, reusing its allocation.
    pub fn write_json(&self, buffer: &mut Vec<u8>) {
        buffer.clear();
        serde_json::to_writer(buffer, self).expect("a reading always serializes");
    }

    /// The reading as one line for the Java side to replay: key, location, humidity,
    /// create time (ms) and JSON body, tab-separated (`java-lesson`'s `Reading.parse`).
    pub fn replay_line(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{}",
            self.key(),
            self.location,
            self.humidity,
            self.timestamp_millis(),
            self.to_json()
        )
    }

    /// The record timestamp in milliseconds, as Kafka stores it. (`--fixed-clock` is
    /// bounded so this cannot overflow; saturating keeps it so for any caller.)
    pub fn timestamp_millis(&self) -> i64 {
        self.timestamp.saturating_mul(1000)
    }
}

/// Where reading timestamps come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The wall clock: what a real sensor would do.
    System,
    /// Starts at this Unix second and ticks one second per reading, so output is reproducible.
    Fixed { start: i64 },
}

/// Makes readings from a seeded random generator: the same seed, the same readings.
pub struct ReadingGenerator {
    rng: ChaCha8Rng,
    clock: Clock,
    made: u64,
    oversize_every: Option<u64>,
}

/// Bytes of padding in an oversized reading: past librdkafka's `message.max.bytes`
/// (1,000,000 by default, CONFIGURATION.md), so `send` itself refuses the record with
/// `MessageSizeTooLarge` and no broker ever sees it.
pub const OVERSIZE_PADDING: usize = 1_100_000;

impl ReadingGenerator {
    pub fn new(seed: u64, clock: Clock) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
            clock,
            made: 0,
            oversize_every: None,
        }
    }

    /// Makes every `n`th reading too large for the producer to send.
    pub fn oversize_every(mut self, n: Option<u64>) -> Self {
        self.oversize_every = n;
        self
    }

    /// The next reading: sensors take turns, humidity is random but seeded.
    pub fn next_reading(&mut self) -> SensorReading {
        let (sensor_id, location) = SENSORS[(self.made % SENSORS.len() as u64) as usize];
        let timestamp = match self.clock {
            Clock::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_secs() as i64),
            Clock::Fixed { start } => start.saturating_add(self.made as i64),
        };
        self.made += 1;
        let oversized = self
            .oversize_every
            .is_some_and(|n| self.made.is_multiple_of(n));
        SensorReading {
            sensor_id: Cow::Borrowed(sensor_id),
            location: Cow::Borrowed(location),
            humidity: self.rng.random_range(30..=80),
            timestamp,
            padding: if oversized {
                "x".repeat(OVERSIZE_PADDING)
            } else {
                String::new()
            },
        }
    }
}

impl Iterator for ReadingGenerator {
    type Item = SensorReading;

    fn next(&mut self) -> Option<SensorReading> {
        Some(self.next_reading())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_same_readings() {
        let clock = Clock::Fixed {
            start: 1_733_584_800,
        };
        let first: Vec<_> = ReadingGenerator::new(7, clock).take(50).collect();
        let second: Vec<_> = ReadingGenerator::new(7, clock).take(50).collect();
        assert_eq!(first, second);
        let other: Vec<_> = ReadingGenerator::new(8, clock).take(50).collect();
        assert_ne!(
            first, other,
            "a different seed must change the humidity values"
        );
    }

    #[test]
    fn fixed_clock_ticks_one_second_per_reading_and_sensors_take_turns() {
        let readings: Vec<_> = ReadingGenerator::new(1, Clock::Fixed { start: 100 })
            .take(5)
            .collect();
        let stamps: Vec<_> = readings.iter().map(|r| r.timestamp).collect();
        assert_eq!(stamps, [100, 101, 102, 103, 104]);
        assert_eq!(readings[0].key(), "sensor-1");
        assert_eq!(readings[4].key(), "sensor-1");
        assert_eq!(readings[2].location, "outside");
        assert!(readings.iter().all(|r| (30..=80).contains(&r.humidity)));
    }

    #[test]
    fn json_round_trips() {
        let reading = ReadingGenerator::new(3, Clock::Fixed { start: 0 }).next_reading();
        let back: SensorReading = serde_json::from_str(&reading.to_json()).unwrap();
        assert_eq!(back, reading);
    }
}
