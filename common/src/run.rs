//! What a send loop works with: the readings, paced by the plan, the topic, this run's
//! tag, its counters and its output.
//!
//! A step's send loop takes a `&mut Run` and nothing else of the lesson, so the same
//! loop runs inside a lesson (see [`crate::Lesson::run`]) and inside `compare`, which
//! builds a quiet `Run` of its own.

use crate::out::Out;
use crate::reading::{ReadingGenerator, SensorReading};
use crate::run_tag::RunTag;
use crate::send_plan::SendPlan;
use crate::tally::Tally;
use rdkafka::message::OwnedHeaders;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

pub struct Run {
    topic: String,
    tag: RunTag,
    /// The tag as headers, built once: each record gets a copy.
    headers: OwnedHeaders,
    tally: Arc<Tally>,
    readings: ReadingGenerator,
    plan: SendPlan,
    /// When the first reading was handed out: connecting is not counted in msg/s.
    first_send: Arc<OnceLock<Instant>>,
    out: Out,
}

impl Run {
    pub fn new(
        topic: &str,
        tag: RunTag,
        readings: ReadingGenerator,
        plan: SendPlan,
        out: Out,
    ) -> Self {
        Self {
            topic: topic.to_owned(),
            headers: tag.headers(),
            tag,
            tally: Arc::default(),
            readings,
            plan,
            first_send: Arc::default(),
            out,
        }
    }

    /// Counts into `tally` instead of a fresh one (for a caller that times it).
    pub fn with_tally(mut self, tally: Arc<Tally>) -> Self {
        self.tally = tally;
        self
    }

    /// The next reading to send, once its time has come; `None` when the run is over.
    pub async fn next_reading(&mut self) -> Option<SensorReading> {
        if self.plan.next_slot().await {
            self.first_send.get_or_init(Instant::now);
            Some(self.readings.next_reading())
        } else {
            None
        }
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// The headers every record of this run carries (its tag), a copy for one record:
    /// librdkafka takes it over with the record.
    pub fn headers(&self) -> OwnedHeaders {
        self.headers.clone()
    }

    pub fn tag(&self) -> &RunTag {
        &self.tag
    }

    pub fn tally(&self) -> &Arc<Tally> {
        &self.tally
    }

    pub fn out(&self) -> &Out {
        &self.out
    }

    /// Says a line (see [`Out::say`]).
    pub fn say(&self, line: impl FnOnce() -> String) {
        self.out.say(line)
    }

    /// How long since the first reading was handed out.
    pub fn elapsed(&self) -> Duration {
        since(&self.first_send)
    }

    /// A clock for the same span that outlives `&self` (for a signal's last words).
    pub fn elapsed_clock(&self) -> impl Fn() -> Duration + Send + 'static {
        let first_send = Arc::clone(&self.first_send);
        move || since(&first_send)
    }
}

fn since(first_send: &OnceLock<Instant>) -> Duration {
    first_send.get().map_or(Duration::ZERO, Instant::elapsed)
}
