//! The producer settings the lesson assumes, each written out with the reason for it.

use crate::args::CommonArgs;
use rdkafka::ClientConfig;

/// How long librdkafka waits to fill a batch before sending it.
///
/// 0 sends at once, as Java's producer did by default until Kafka 4.0. librdkafka's own
/// default is 5 ms, which alone would cap a synchronous sender near 200 msg/s. The
/// asynchronous steps still batch: messages queue up while a request is in flight.
pub const LINGER_MS: u32 = 0;

/// The configuration every step's producer starts from.
pub fn producer_config(bootstrap_servers: &str, args: &CommonArgs) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", bootstrap_servers)
        // Wait for every in-sync replica: the durability the lesson's "sync" slide describes.
        .set("acks", "all")
        // librdkafka's default is false, Java's is true: set it so retries never duplicate.
        .set("enable.idempotence", "true")
        // Say how long a message may take before it is reported failed, instead of relying
        // on a default that differs between clients (librdkafka 300s, Java 120s).
        .set(
            "delivery.timeout.ms",
            args.delivery_timeout.as_millis().to_string(),
        )
        .set("linger.ms", LINGER_MS.to_string());
    for (key, value) in &args.property {
        config.set(key, value);
    }
    config
}
