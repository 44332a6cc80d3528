//! Counting outcomes: sent, confirmed, failed, and what is still unconfirmed.
//!
//! Counters are atomics because the delivery callback runs on rdkafka's polling thread
//! (or the flushing one) while the send loop runs on another. An increment is all a
//! callback should do. `Relaxed` suffices: each counter only ever counts, and nothing
//! else is published through them.
//!
//! A measurement (`compare`) asks for a timed tally: it also notes when every Nth send
//! and every Nth confirmation happened, which gives latencies without touching the
//! send loop.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub struct Tally {
    sent: AtomicU64,
    confirmed: AtomicU64,
    failed: AtomicU64,
    timeline: std::sync::OnceLock<Timeline>,
}

/// When the sends and the confirmations numbered 0, N, 2N, ... since the timeline began
/// happened, in nanoseconds since `clock` (plus one: zero is "not yet"). Preallocated:
/// stamping is a clock read and a store, no lock.
#[derive(Debug)]
struct Timeline {
    clock: Instant,
    every: u64,
    /// The sends and confirmations counted before the timeline began.
    sent_before: u64,
    confirmed_before: u64,
    sends: Box<[AtomicU64]>,
    confirmations: Box<[AtomicU64]>,
}

impl Timeline {
    fn stamp(&self, stamps: &[AtomicU64], number: u64, before: u64) {
        let Some(number) = number.checked_sub(before) else {
            return;
        };
        if number.is_multiple_of(self.every) {
            if let Some(slot) = stamps.get((number / self.every) as usize) {
                slot.store(self.clock.elapsed().as_nanos() as u64 + 1, Relaxed);
            }
        }
    }
}

/// A consistent reading of the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub sent: u64,
    pub confirmed: u64,
    pub failed: u64,
}

impl Counts {
    /// Sent but with no outcome yet. [`Tally::counts`] never shows more outcomes than
    /// sends, so this cannot underflow.
    pub fn unconfirmed(&self) -> u64 {
        self.sent - self.confirmed - self.failed
    }

    /// True when every sent message was confirmed by the broker.
    pub fn all_confirmed(&self) -> bool {
        self.confirmed == self.sent
    }
}

impl Tally {
    /// From now on, also notes the time of every `every`th send and confirmation, for
    /// up to `count` of each (see [`Tally::latencies`]). Only the first call counts.
    pub fn time_from_now(&self, count: u64, every: u64) {
        let every = every.max(1);
        let slots = || {
            (0..count.div_ceil(every))
                .map(|_| AtomicU64::new(0))
                .collect()
        };
        let _ = self.timeline.set(Timeline {
            clock: Instant::now(),
            every,
            sent_before: self.sent.load(Relaxed),
            confirmed_before: self.confirmed.load(Relaxed),
            sends: slots(),
            confirmations: slots(),
        });
    }

    pub fn record_sent(&self) {
        let number = self.sent.fetch_add(1, Relaxed);
        if let Some(timeline) = self.timeline.get() {
            timeline.stamp(&timeline.sends, number, timeline.sent_before);
        }
    }

    pub fn record_confirmed(&self) {
        let number = self.confirmed.fetch_add(1, Relaxed);
        if let Some(timeline) = self.timeline.get() {
            timeline.stamp(&timeline.confirmations, number, timeline.confirmed_before);
        }
    }

    /// For each noted k: the time from the kth send to the kth confirmation. That is each
    /// message's own latency when confirmations come in send order (one partition, or a
    /// wait in send order); across partitions it is the time the confirmations took to
    /// catch up with the sends. Empty before [`Tally::time_from_now`].
    pub fn latencies(&self) -> Vec<Duration> {
        let Some(timeline) = self.timeline.get() else {
            return Vec::new();
        };
        timeline
            .sends
            .iter()
            .zip(timeline.confirmations.iter())
            .map(|(sent, confirmed)| (sent.load(Relaxed), confirmed.load(Relaxed)))
            .take_while(|&(sent, confirmed)| sent > 0 && confirmed > 0)
            .map(|(sent, confirmed)| Duration::from_nanos(confirmed.saturating_sub(sent)))
            .collect()
    }

    pub fn record_failed(&self) {
        self.failed.fetch_add(1, Relaxed);
    }

    pub fn counts(&self) -> Counts {
        // Relaxed loads of three counters are no snapshot: while callbacks run, an
        // outcome may be seen before its send. Clamp, so the summary still adds up.
        let confirmed = self.confirmed.load(Relaxed);
        let failed = self.failed.load(Relaxed);
        let sent = self.sent.load(Relaxed);
        Counts {
            sent: sent.max(confirmed + failed),
            confirmed,
            failed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unconfirmed_is_what_has_no_outcome() {
        let tally = Tally::default();
        for _ in 0..5 {
            tally.record_sent();
        }
        tally.record_confirmed();
        tally.record_confirmed();
        tally.record_failed();
        let counts = tally.counts();
        assert_eq!((counts.sent, counts.confirmed, counts.failed), (5, 2, 1));
        assert_eq!(counts.unconfirmed(), 2);
        assert!(!counts.all_confirmed());
    }

    #[test]
    fn a_timed_tally_pairs_the_kth_send_with_the_kth_confirmation() {
        let tally = Tally::default();
        tally.record_sent(); // before the timeline: not counted
        tally.record_confirmed();
        tally.time_from_now(10, 2);
        for _ in 0..4 {
            tally.record_sent();
        }
        std::thread::sleep(Duration::from_millis(20));
        for _ in 0..3 {
            tally.record_confirmed();
        }
        // Sends 0 and 2 were noted, and confirmations 0 and 2: two latencies.
        let latencies = tally.latencies();
        assert_eq!(latencies.len(), 2, "{latencies:?}");
        assert!(latencies.iter().all(|l| *l >= Duration::from_millis(20)));
        assert!(Tally::default().latencies().is_empty());
    }
}
