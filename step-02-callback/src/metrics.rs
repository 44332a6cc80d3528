//! What step 02's callback records, and the summary lines that report it.
//!
//! The callback only updates these (each behind a short lock) and moves on: the slide's
//! "update metrics" and "store metadata" use cases, kept cheap enough for a callback.

use crate::side_work::SideWorkReport;
use common::tally::Counts;
use rdkafka::error::KafkaError;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

#[derive(Default)]
pub struct Metrics {
    /// Failures by the error code's Debug name (`InvalidRecord`, `MessageTimedOut`, ...).
    pub failures_by_kind: Mutex<BTreeMap<String, u64>>,
    /// The last confirmed offset of each partition.
    pub last_offsets: Mutex<BTreeMap<i32, i64>>,
}

impl Metrics {
    pub fn record_offset(&self, partition: i32, offset: i64) {
        self.last_offsets.lock().unwrap().insert(partition, offset);
    }

    /// Counts a failure under its error code's Debug name (`Other` without a code).
    pub fn count_failure(&self, error: &KafkaError) {
        let kind = error
            .rdkafka_error_code()
            .map_or("Other".to_owned(), |code| format!("{code:?}"));
        *self
            .failures_by_kind
            .lock()
            .unwrap()
            .entry(kind)
            .or_default() += 1;
    }

    /// The 📊 line: successes, failures, and failures by kind.
    pub fn failures_line(&self, counts: Counts) -> String {
        let failures = self.failures_by_kind.lock().unwrap();
        let kinds: Vec<String> = failures.iter().map(|(k, n)| format!("{k}: {n}")).collect();
        let kinds = if kinds.is_empty() {
            "none".to_owned()
        } else {
            kinds.join(", ")
        };
        format!(
            "📊 Metrics: succeeded {} | failed {} ({kinds})",
            counts.confirmed, counts.failed
        )
    }

    pub fn last_offsets(&self) -> BTreeMap<i32, i64> {
        self.last_offsets.lock().unwrap().clone()
    }

    /// The 📊, ☠️ and 💾 lines after the summary.
    pub fn report(
        &self,
        counts: Counts,
        side_work: &SideWorkReport,
        dlq_topic: &str,
        offsets_file: Option<&Path>,
    ) -> String {
        let dlq = side_work.dead_letters;
        let mut text = format!(
            "{}\n☠️  Dead-letter topic {dlq_topic}: {} records sent, {} confirmed, {} failed",
            self.failures_line(counts),
            dlq.sent,
            dlq.confirmed,
            dlq.failed
        );
        if let Some(path) = offsets_file {
            text.push_str(&format!(
                "\n💾 Last confirmed offset per partition written to {}",
                path.display()
            ));
        }
        text
    }
}

/// The run's exit code: `code`, unless a dead letter was lost too.
pub fn exit_code(
    code: std::process::ExitCode,
    side_work: &SideWorkReport,
) -> std::process::ExitCode {
    if side_work.dead_letters.failed == 0 {
        code
    } else {
        std::process::ExitCode::FAILURE
    }
}
