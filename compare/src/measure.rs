//! What one mode's run measured: counts, time, latency percentiles, peak memory.

use crate::plan::Row;
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Latencies in microseconds, from 1 µs to 10 minutes, 3 significant figures.
pub fn latency_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds")
}

/// Records one latency, clamped into the histogram's range.
pub fn record_latency(histogram: &mut Histogram<u64>, latency: Duration) {
    let micros = (latency.as_micros() as u64).clamp(1, 600_000_000);
    histogram.record(micros).expect("value within bounds");
}

/// One row of the table.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModeResult {
    pub id: Row,
    pub mode: String,
    pub messages_sent: u64,
    pub messages_confirmed: Option<u64>,
    pub messages_failed: Option<u64>,
    /// How many records the broker gained during the run (from watermarks).
    pub broker_count: Option<u64>,
    pub elapsed_seconds: f64,
    pub messages_per_second: f64,
    pub latency_p50_us: Option<u64>,
    pub latency_p99_us: Option<u64>,
    pub latency_max_us: Option<u64>,
    pub peak_rss_mib: Option<f64>,
}

impl ModeResult {
    pub fn new(
        id: Row,
        mode: &str,
        sent: u64,
        elapsed: Duration,
        latencies: Option<&Histogram<u64>>,
    ) -> Self {
        let seconds = elapsed.as_secs_f64();
        Self {
            id,
            mode: mode.to_owned(),
            messages_sent: sent,
            messages_confirmed: None,
            messages_failed: None,
            broker_count: None,
            elapsed_seconds: seconds,
            messages_per_second: if seconds > 0.0 {
                sent as f64 / seconds
            } else {
                0.0
            },
            latency_p50_us: latencies.map(|h| h.value_at_quantile(0.50)),
            latency_p99_us: latencies.map(|h| h.value_at_quantile(0.99)),
            latency_max_us: latencies.map(|h| h.max()),
            peak_rss_mib: None,
        }
    }
}

/// Peak resident memory of this process, measured per mode.
///
/// Linux keeps a high-water mark (VmHWM); writing 5 to `/proc/self/clear_refs` resets
/// it, so each mode's peak is its own even though all modes share one process.
pub struct PeakMemory;

impl PeakMemory {
    pub fn reset() {
        let _ = std::fs::write("/proc/self/clear_refs", "5");
    }

    /// The high-water mark since the last reset, in MiB (None off Linux).
    pub fn read_mib() -> Option<f64> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    }
}
