//! The report as the slide's Markdown table, its ratios with their spread, and what the
//! columns mean.

use crate::report::Report;
use std::fmt::Write;

/// Microseconds in the unit a reader takes in at a glance.
pub fn micros(value: Option<f64>) -> String {
    match value {
        None => "—".to_owned(),
        Some(us) if us >= 10_000.0 => format!("{:.0} ms", us / 1000.0),
        Some(us) if us >= 1_000.0 => format!("{:.1} ms", us / 1000.0),
        Some(us) => format!("{us:.0} µs"),
    }
}

pub fn table(report: &Report) -> String {
    let mut out = String::new();
    let medians = if report.repeat > 1 {
        format!("Medians of {} interleaved repetitions.\n\n", report.repeat)
    } else {
        String::new()
    };
    out.push_str(&medians);
    out.push_str(
        "| Mode | Messages | Messages/sec | min–max | Latency p50 | p99 | max | Peak RSS |\n",
    );
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for row in &report.modes {
        let _ = writeln!(
            out,
            "| {} | {} | {:.0} | {:.0}–{:.0} | {} | {} | {} | {} |",
            row.mode,
            row.messages_sent,
            row.messages_per_second,
            row.messages_per_second_min,
            row.messages_per_second_max,
            micros(row.latency_p50_us),
            micros(row.latency_p99_us),
            micros(row.latency_max_us),
            row.peak_rss_mib
                .map_or("—".to_owned(), |m| format!("{m:.0} MiB")),
        );
    }
    if let Some(slowdown) = report
        .ratios
        .iter()
        .find(|r| r.key == "sync_slowdown_vs_fire_and_forget")
    {
        let _ = writeln!(
            out,
            "\nSynchronous send is {:.0}× slower than fire-and-forget.",
            slowdown.median
        );
    }
    if !report.ratios.is_empty() {
        out.push_str(
            "\n| Ratio of messages/sec, per repetition | median | min–max | repetitions |\n",
        );
        out.push_str("|---|---:|---:|---|\n");
        for ratio in &report.ratios {
            let runs: Vec<String> = ratio.runs.iter().map(|r| format!("{r:.2}")).collect();
            let _ = writeln!(
                out,
                "| {} | {:.2} | {:.2}–{:.2} | {} |",
                ratio.label,
                ratio.median,
                ratio.min,
                ratio.max,
                runs.join(", ")
            );
        }
    }
    let _ = write!(
        out,
        "\nBroker: {}. linger.ms = {}. The Rust modes run on librdkafka {}.\n\
         {}\n",
        report.broker,
        report.linger_ms,
        report.librdkafka,
        report
            .latency
            .as_deref()
            .unwrap_or(crate::report::OWN_LOOPS_LATENCY)
    );
    out
}
