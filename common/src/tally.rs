//! Counting outcomes: sent, confirmed, failed, and what is still unconfirmed.
//!
//! Counters are atomics because the delivery callback runs on rdkafka's polling thread
//! (or the flushing one) while the send loop runs on another. An increment is all a
//! callback should do. `Relaxed` suffices: each counter only ever counts, and nothing
//! else is published through them.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

#[derive(Debug, Default)]
pub struct Tally {
    sent: AtomicU64,
    confirmed: AtomicU64,
    failed: AtomicU64,
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
    pub fn record_sent(&self) {
        self.sent.fetch_add(1, Relaxed);
    }

    pub fn record_confirmed(&self) {
        self.confirmed.fetch_add(1, Relaxed);
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
}
