//! End-to-end tests live in `tests/real_broker.rs`: every step, run against a real
//! Kafka-protocol broker named by `LESSON_E2E_BROKERS`, its topic read back afterwards.
//! `.ci/run` starts Apache Kafka on loopback (`kafka/start`) and sets the variable.
