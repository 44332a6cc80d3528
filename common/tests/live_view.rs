//! The live view, drawn from fixed numbers into ratatui's `TestBackend`: one frame per
//! send mode, as the book shows them, and the message for a terminal too small.

use common::live::pipeline::PartitionWindow;
use common::live::view::{draw, FrameData};
use common::live::Pipeline;
use common::tally::Counts;
use common::Mode;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::time::Duration;

fn counts(sent: u64, confirmed: u64, failed: u64) -> Counts {
    Counts {
        sent,
        confirmed,
        failed,
    }
}

/// A pipeline with `windows` as (queued, in flight) for partitions 0, 1, 2.
fn pipeline(windows: [(i64, i64); 3], batch_records: i64) -> Pipeline {
    Pipeline {
        partitions: windows
            .iter()
            .enumerate()
            .map(|(partition, &(queued, in_flight))| PartitionWindow {
                partition: partition as i32,
                queued,
                in_flight,
            })
            .collect(),
        rtt_p50_us: Some(301_200),
        rtt_p99_us: Some(304_900),
        awaiting_reply: windows.iter().map(|w| w.1).sum(),
        batch_bytes_avg: Some(batch_records * 170),
        batch_records_avg: Some(batch_records),
    }
}

/// Rates rising to `peak` over the first samples, then steady.
fn rates(peak: u64) -> Vec<u64> {
    (1..=40).map(|i| peak.min(peak * i / 10)).collect()
}

/// The frame as plain text, a line per terminal row, as the book shows it.
fn frame(data: &FrameData, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| draw(frame, data)).unwrap();
    let buffer = terminal.backend().buffer();
    buffer
        .content()
        .chunks(usize::from(width))
        .map(|row| row.iter().map(|cell| cell.symbol()).collect::<String>())
        .map(|line| line.trim_end().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Each mode at 300 ms round trip, 3 seconds in: what it keeps in its window.
fn frames() -> Vec<(&'static str, FrameData)> {
    let at = Duration::from_millis(3_000);
    vec![
        (
            "fire_and_forget",
            FrameData {
                mode: Mode::FireAndForget,
                elapsed: at,
                pipeline: Some(pipeline([(40, 120), (25, 150), (10, 30)], 100)),
                counts: counts(3_000, 0, 0),
                instrumented: Some(counts(3_000, 2_700, 0)),
                send_rates: rates(1_000),
                confirm_rates: rates(1_000),
            },
        ),
        (
            "callback",
            FrameData {
                mode: Mode::Callback,
                elapsed: at,
                pipeline: Some(pipeline([(40, 120), (25, 150), (10, 30)], 100)),
                counts: counts(3_000, 2_700, 0),
                instrumented: None,
                send_rates: rates(1_000),
                confirm_rates: rates(1_000),
            },
        ),
        (
            "sync",
            FrameData {
                mode: Mode::Sync,
                elapsed: at,
                pipeline: Some(pipeline([(0, 1), (0, 0), (0, 0)], 1)),
                counts: counts(10, 9, 0),
                instrumented: None,
                send_rates: rates(3),
                confirm_rates: rates(3),
            },
        ),
        (
            "future_timeout",
            FrameData {
                mode: Mode::FutureTimeout,
                elapsed: at,
                pipeline: Some(pipeline([(0, 0), (0, 1), (0, 0)], 1)),
                counts: counts(10, 9, 0),
                instrumented: None,
                send_rates: rates(3),
                confirm_rates: rates(3),
            },
        ),
    ]
}

#[test]
fn each_mode_draws_its_window() {
    for (name, data) in frames() {
        insta::assert_snapshot!(format!("live_{name}"), frame(&data, 72, 24));
    }
}

#[test]
fn a_terminal_too_small_gets_one_line() {
    let (_, data) = frames().remove(1);
    let text = frame(&data, 40, 10).replace('\n', " ");
    assert!(
        text.contains("terminal too small for --live: it needs 60×22, this one is 40×10"),
        "{text}"
    );
}
