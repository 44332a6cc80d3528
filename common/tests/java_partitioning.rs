//! The lesson places keys where Java's producer would: murmur2, as in Kafka's
//! `BuiltInPartitioner.partitionForKey`, not librdkafka's default CRC32.

use common::producer_config::lesson_defaults;
use common::reading::SENSORS;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::util::Timeout;
use rdkafka::ClientConfig;

/// Kafka's own test vectors for its murmur2 (`UtilsTest.testMurmur2` in Kafka's clients).
const KAFKA_MURMUR2_VECTORS: [(&str, i32); 6] = [
    ("21", -973_932_308),
    ("foobar", -790_332_482),
    ("a-little-bit-long-string", -985_981_536),
    ("a-little-bit-longer-string", -1_486_304_829),
    (
        "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
        -58_897_971,
    ),
    ("abc", 479_470_107),
];

/// Java's murmur2 of `key`, from the `murmur2` crate with Kafka's seed.
fn java_murmur2(key: &str) -> i32 {
    murmur2::murmur2(key.as_bytes(), murmur2::KAFKA_SEED) as i32
}

/// Java's partition for `key`: `toPositive(murmur2(key)) % partitions`.
fn java_partition(key: &str, partitions: i32) -> i32 {
    (java_murmur2(key) & 0x7fff_ffff) % partitions
}

#[test]
fn the_reference_hash_is_kafkas_murmur2() {
    for (key, expected) in KAFKA_MURMUR2_VECTORS {
        assert_eq!(java_murmur2(key), expected, "{key}");
    }
}

/// Sends one record per key with `config` and returns the partition each landed on.
async fn placements(config: &ClientConfig, topic: &str, keys: &[&str]) -> Vec<i32> {
    let producer: FutureProducer = config.create().unwrap();
    let mut partitions = Vec::new();
    for key in keys {
        let record = FutureRecord::to(topic).key(*key).payload("{}");
        let delivery = producer.send(record, Timeout::Never).await.unwrap();
        partitions.push(delivery.partition);
    }
    partitions
}

#[tokio::test(flavor = "multi_thread")]
async fn every_key_lands_where_java_would_put_it() {
    let cluster = MockCluster::new(1).unwrap();
    let mut config = ClientConfig::new();
    for (key, value) in lesson_defaults() {
        config.set(key, value);
    }
    config.set("bootstrap.servers", cluster.bootstrap_servers());
    let mut keys: Vec<&str> = SENSORS.iter().map(|(sensor, _)| *sensor).collect();
    keys.extend(KAFKA_MURMUR2_VECTORS.iter().map(|(key, _)| *key));
    for partitions in [3, 7] {
        let topic = format!("placement-{partitions}");
        cluster.create_topic(&topic, partitions, 1).unwrap();
        let java: Vec<i32> = keys.iter().map(|k| java_partition(k, partitions)).collect();
        assert_eq!(
            placements(&config, &topic, &keys).await,
            java,
            "{partitions} partitions"
        );

        // librdkafka's default would split them differently: the reason for the setting.
        let mut default = config.clone();
        default.remove("partitioner");
        assert_ne!(
            placements(&default, &topic, &keys).await,
            java,
            "consistent_random places these keys as Java does?"
        );
    }
}
