//! Each run tags its records, so the lesson can tell them from everyone else's.
//!
//! A class shares one cluster and one topic: thirty learners' records land side by
//! side, and how much the topic grew says nothing about one run. So every record a step
//! sends carries a `lesson-run` header with this run's id, and a step that counts its
//! records on the broker counts only the records that carry its own.

use crate::readback::StoredRecord;
use rdkafka::message::{Header, OwnedHeaders};

/// The header that carries the run id.
pub const HEADER: &str = "lesson-run";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunTag(String);

impl RunTag {
    /// `--run-id` when given, else a random id: no two runs of a class share one.
    pub fn new(given: Option<&str>) -> Self {
        Self(given.map_or_else(|| format!("{:032x}", rand::random::<u128>()), str::to_owned))
    }

    pub fn id(&self) -> &str {
        &self.0
    }

    /// The headers every record of this run carries.
    pub fn headers(&self) -> OwnedHeaders {
        OwnedHeaders::new_with_capacity(1).insert(Header {
            key: HEADER,
            value: Some(self.0.as_str()),
        })
    }

    /// Whether `record` was sent by this run.
    pub fn marks(&self, record: &StoredRecord) -> bool {
        record.headers.get(HEADER) == Some(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_get_distinct_ids_unless_one_is_given() {
        assert_ne!(RunTag::new(None), RunTag::new(None));
        assert_eq!(RunTag::new(Some("class-7")).id(), "class-7");
    }
}
