//! The producer settings the lesson assumes, each written out with the reason for it.
//!
//! They are the lowest layer: a `--config` file, the environment and flags override
//! them (see [`crate::settings`]).

use crate::settings::Settings;
use std::time::Duration;

/// How long librdkafka waits to fill a batch before sending it.
///
/// 0 sends at once, as Java's producer did by default until Kafka 4.0. librdkafka's own
/// default is 5 ms, which alone would cap a synchronous sender near 200 msg/s. The
/// asynchronous steps still batch: messages queue up while a request is in flight.
pub const LINGER_MS: u32 = 0;

/// How long a message may take before it is reported failed, unless `--delivery-timeout`
/// or a config file says otherwise.
pub const DEFAULT_DELIVERY_TIMEOUT: Duration = Duration::from_secs(30);

/// Java's key placement: murmur2 of the key, modulo the partition count (keyless records
/// go to random partitions). librdkafka's CONFIGURATION.md: "Java Producer compatible".
pub const PARTITIONER: &str = "murmur2_random";

// ANCHOR: lesson_defaults
/// The lesson's defaults, under every other layer.
pub fn lesson_defaults() -> Vec<(&'static str, String)> {
    vec![
        // Wait for every in-sync replica: the durability the "sync" slide describes.
        // librdkafka's default is already all (-1), Java's since 3.0; written out so it
        // shows. The embedded mock cluster reads acks but ignores it.
        ("acks", "all".to_owned()),
        // librdkafka's default is false, Java's true: set it so a retry is neither written
        // twice nor out of order on a real broker. (The embedded mock skips producer-id
        // and sequence checks for non-transactional producers.)
        ("enable.idempotence", "true".to_owned()),
        // Say how long a message may take before it is reported failed, instead of relying
        // on a default that differs between clients (librdkafka 300s, Java 120s).
        (
            "delivery.timeout.ms",
            DEFAULT_DELIVERY_TIMEOUT.as_millis().to_string(),
        ),
        ("linger.ms", LINGER_MS.to_string()),
        // Place keys as Java's producer does. librdkafka's default, consistent_random,
        // hashes keys with CRC32, so the same key would land on another partition than
        // a Java service's, and a sensor's readings would be split between two orders.
        ("partitioner", PARTITIONER.to_owned()),
    ]
}
// ANCHOR_END: lesson_defaults

/// The settings for a run: the lesson's defaults under every layer the user gave
/// (`connection`, read once from the flags), for the broker at `bootstrap_servers`.
pub fn settings_for(connection: Settings, bootstrap_servers: &str) -> Settings {
    let mut settings = connection.with_defaults_under(&lesson_defaults());
    if settings.get("bootstrap.servers").is_none() {
        settings.set(
            "bootstrap.servers",
            bootstrap_servers,
            crate::settings::Source::EmbeddedBroker,
        );
    }
    settings
}
