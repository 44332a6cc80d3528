//! A whole comparison: every repetition's rows, each mode's medians, and each ratio as a
//! median with its spread. Ratios are taken within a repetition, between modes that ran
//! minutes apart at most, then summarised: this machine's noise moves whole repetitions.

use crate::measure::ModeResult;
use crate::plan::{Row, RATIOS};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Report {
    pub broker: String,
    pub broker_rtt_ms: u128,
    pub linger_ms: u32,
    /// The librdkafka every Rust mode runs on (rdkafka bundles it).
    pub librdkafka: String,
    pub repeat: usize,
    /// Each mode's medians over the repetitions, in run order.
    pub modes: Vec<ModeSummary>,
    pub ratios: Vec<RatioSummary>,
    /// Every repetition's rows, as measured.
    pub runs: Vec<Vec<ModeResult>>,
    /// What the latency columns measure. Reports from before the rows ran the steps' own
    /// loops have none: their rows timed their own loops (see [`OWN_LOOPS_LATENCY`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<String>,
}

/// What the latency columns meant while `compare` ran loops of its own.
pub const OWN_LOOPS_LATENCY: &str = "Latency: fire-and-forget never learns an outcome, so its latency is what the application waits for: the time one send call takes. \
Every other row measures from send to confirmation (for the future, to the moment the waiting code sees it). \
The clock stops when every message has an outcome, after a flush. kcat has no latency column; its time excludes its start-up. \
Peak RSS is this process's high-water mark during the mode.";

/// What the latency columns measure now that every row runs a step's own loop.
pub const STEP_LOOPS_LATENCY: &str = "Every Rust row runs a step's own send loop (its library's `send_all`), quietly. \
Latency: from the kth send to the kth confirmation, from the run's counters (every 16th message in the big rows, every one in the others): \
each message's own latency when confirmations come in send order, else the time the confirmations took to catch up with the sends. \
For fire-and-forget the step never sees its confirmations; compare's producer context counts them. Error reports only has none to count. \
The clock stops when every message has an outcome, after a flush. kcat has no latency column; its time excludes its start-up. \
Peak RSS is this process's high-water mark during the mode.";

/// What the Java rows (`--vs-java`) measure, said when they ran.
pub const JAVA_ROWS: &str = "The Java rows run java-lesson's Measure, the slides' loops on kafka-clients, each in a JVM of its own, warmed up with one record as the Rust rows are; \
the JVM times its own loop, so its start-up is not counted. Their latency is from send to callback, or to get()'s return; Java's fire-and-forget has none. \
Their peak RSS is the whole JVM's.";

/// One mode's medians over the repetitions.
#[derive(Debug, Serialize, Deserialize)]
pub struct ModeSummary {
    pub id: Row,
    pub mode: String,
    pub messages_sent: u64,
    pub messages_per_second: f64,
    pub messages_per_second_min: f64,
    pub messages_per_second_max: f64,
    pub latency_p50_us: Option<f64>,
    pub latency_p99_us: Option<f64>,
    pub latency_max_us: Option<f64>,
    pub peak_rss_mib: Option<f64>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct RatioSummary {
    pub key: String,
    pub label: String,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    /// One per repetition, in order.
    pub runs: Vec<f64>,
}

/// The middle value (the mean of the two middle ones for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[middle]
    } else {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    }
}

/// The median of a field that every run has, or None if any run lacks it.
fn median_of(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let values: Option<Vec<f64>> = values.collect();
    values.filter(|v| !v.is_empty()).map(|v| median(&v))
}

fn extreme(values: &[f64], pick: fn(f64, f64) -> f64) -> f64 {
    values.iter().copied().reduce(pick).unwrap_or(f64::NAN)
}

impl Report {
    /// Summarises `runs`: each inner vector is one repetition, modes in the same order.
    pub fn new(
        broker: String,
        broker_rtt_ms: u128,
        linger_ms: u32,
        runs: Vec<Vec<ModeResult>>,
    ) -> Self {
        let rows_of = |id: Row| -> Vec<&ModeResult> {
            runs.iter()
                .filter_map(|run| run.iter().find(|row| row.id == id))
                .collect()
        };
        let ids: Vec<Row> = runs
            .first()
            .map_or(vec![], |run| run.iter().map(|row| row.id).collect());
        let modes = ids
            .iter()
            .map(|&id| {
                let rows = rows_of(id);
                let rates: Vec<f64> = rows.iter().map(|r| r.messages_per_second).collect();
                ModeSummary {
                    id,
                    // A name that differs between runs (timed-out waits) keeps the first.
                    mode: rows[0].mode.clone(),
                    messages_sent: median(
                        &rows
                            .iter()
                            .map(|r| r.messages_sent as f64)
                            .collect::<Vec<_>>(),
                    ) as u64,
                    messages_per_second: median(&rates),
                    messages_per_second_min: extreme(&rates, f64::min),
                    messages_per_second_max: extreme(&rates, f64::max),
                    latency_p50_us: median_of(
                        rows.iter().map(|r| r.latency_p50_us.map(|v| v as f64)),
                    ),
                    latency_p99_us: median_of(
                        rows.iter().map(|r| r.latency_p99_us.map(|v| v as f64)),
                    ),
                    latency_max_us: median_of(
                        rows.iter().map(|r| r.latency_max_us.map(|v| v as f64)),
                    ),
                    peak_rss_mib: median_of(rows.iter().map(|r| r.peak_rss_mib)),
                }
            })
            .collect();
        let ratios = RATIOS
            .iter()
            .filter_map(|ratio| {
                let per_run: Option<Vec<f64>> = runs
                    .iter()
                    .map(|run| {
                        let rate = |id| {
                            run.iter()
                                .find(|row| row.id == id)
                                .map(|r| r.messages_per_second)
                        };
                        Some(rate(ratio.numerator)? / rate(ratio.denominator)?)
                    })
                    .collect();
                let per_run = per_run.filter(|v| !v.is_empty())?;
                Some(RatioSummary {
                    key: ratio.key.to_owned(),
                    label: ratio.label.to_owned(),
                    median: median(&per_run),
                    min: extreme(&per_run, f64::min),
                    max: extreme(&per_run, f64::max),
                    runs: per_run,
                })
            })
            .collect();
        Self {
            broker,
            broker_rtt_ms,
            linger_ms,
            librdkafka: rdkafka::util::get_rdkafka_version().1,
            repeat: runs.len(),
            modes,
            ratios,
            runs,
            latency: Some(if ids.iter().any(|id| id.is_java()) {
                format!("{STEP_LOOPS_LATENCY} {JAVA_ROWS}")
            } else {
                STEP_LOOPS_LATENCY.to_owned()
            }),
        }
    }

    /// Modes whose broker count differs from what they sent, in any repetition.
    pub fn miscounted(&self) -> Vec<String> {
        self.runs
            .iter()
            .enumerate()
            .flat_map(|(i, run)| {
                run.iter()
                    .filter(|row| {
                        row.broker_count
                            .is_some_and(|held| held != row.messages_sent)
                    })
                    .map(move |row| {
                        format!(
                            "{} in repetition {}: sent {}, broker gained {}",
                            row.mode,
                            i + 1,
                            row.messages_sent,
                            row.broker_count.unwrap_or_default()
                        )
                    })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_takes_the_middle_or_the_mean_of_the_two_middles() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[7.0]), 7.0);
    }

    fn row(id: Row, rate: f64) -> ModeResult {
        ModeResult::new(
            id,
            "row",
            100,
            std::time::Duration::from_secs_f64(100.0 / rate),
            None,
        )
    }

    #[test]
    fn ratios_are_taken_within_each_repetition_then_summarised() {
        let runs = vec![
            vec![row(Row::FireAndForget, 100.0), row(Row::Kcat, 200.0)],
            vec![row(Row::FireAndForget, 300.0), row(Row::Kcat, 100.0)],
            vec![row(Row::FireAndForget, 100.0), row(Row::Kcat, 100.0)],
        ];
        let report = Report::new("b".into(), 0, 0, runs);
        let ratio = &report.ratios[0];
        assert_eq!(ratio.key, "fire_and_forget_vs_kcat");
        let rounded: Vec<f64> = ratio
            .runs
            .iter()
            .map(|r| (r * 1000.0).round() / 1000.0)
            .collect();
        assert_eq!(rounded, [0.5, 3.0, 1.0]);
        assert!((ratio.median - 1.0).abs() < 1e-6);
        assert!((ratio.min - 0.5).abs() < 1e-6 && (ratio.max - 3.0).abs() < 1e-6);
        // Only ratios whose two modes ran are reported.
        assert_eq!(report.ratios.len(), 1);
        let fire_and_forget = &report.modes[0];
        assert!((fire_and_forget.messages_per_second - 100.0).abs() < 1e-6);
        assert!((fire_and_forget.messages_per_second_max - 300.0).abs() < 1e-6);
    }
}
