//! A topic of a test's own, on a real broker.

/// Creates `name` (3 partitions, one replica, and `configs`) on `brokers`, so that a
/// test's counts see no one else's records.
pub fn create_topic(brokers: &str, name: &str, configs: &[(&str, &str)]) {
    use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
    use rdkafka::client::DefaultClientContext;
    let admin: AdminClient<DefaultClientContext> = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()
        .unwrap();
    // Kept whatever their age: records carry the fixed clock's 2024 timestamps, which a
    // cluster's default 7-day retention would delete at its next check.
    let mut topic = NewTopic::new(name, 3, TopicReplication::Fixed(1)).set("retention.ms", "-1");
    for (key, value) in configs {
        topic = topic.set(key, value);
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let results = runtime
        .block_on(admin.create_topics([&topic], &AdminOptions::new()))
        .expect("the broker answers CreateTopics");
    for result in results {
        result.unwrap_or_else(|(topic, err)| panic!("could not create {topic}: {err}"));
    }
}
