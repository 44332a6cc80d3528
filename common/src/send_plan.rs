//! When to send the next reading and when to stop: `--count`, `--duration`, `--rate`, Ctrl+C.

use std::time::Duration;
use tokio::time::{Instant, Interval, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

pub struct SendPlan {
    count: Option<u64>,
    duration: Duration,
    rate: u32,
    /// `None` when `duration` reaches past what the clock can count: no deadline.
    deadline: Option<Instant>,
    /// Paces sends at `rate`; a late tick fires at once, so the average rate holds.
    pacer: Option<Interval>,
    issued: u64,
    stop: CancellationToken,
}

impl SendPlan {
    pub fn new(count: Option<u64>, duration: Duration, rate: u32, stop: CancellationToken) -> Self {
        let pacer = (rate > 0).then(|| {
            let mut pacer = tokio::time::interval(Duration::from_secs(1) / rate);
            pacer.set_missed_tick_behavior(MissedTickBehavior::Burst);
            pacer
        });
        Self {
            count,
            duration,
            rate,
            deadline: Instant::now().checked_add(duration),
            pacer,
            issued: 0,
            stop,
        }
    }

    /// Waits for the next send slot. `false` means stop: count reached, time up, or Ctrl+C.
    pub async fn next_slot(&mut self) -> bool {
        let done = match self.count {
            Some(count) => self.issued >= count,
            None => self
                .deadline
                .is_some_and(|deadline| Instant::now() >= deadline),
        };
        if done || self.stop.is_cancelled() {
            return false;
        }
        if let Some(pacer) = &mut self.pacer {
            tokio::select! {
                _ = pacer.tick() => {},
                _ = self.stop.cancelled() => return false,
            }
        }
        self.issued += 1;
        true
    }

    /// The plan in words, for the banner.
    pub fn describe(&self) -> String {
        let amount = match self.count {
            Some(count) => format!("send {count} readings"),
            None => format!(
                "send for {} (Ctrl+C stops early)",
                humantime::format_duration(self.duration)
            ),
        };
        match self.rate {
            0 => format!("{amount}, unpaced"),
            rate => format!("{amount} at {rate} msg/s"),
        }
    }
}
