//! The comparison as a picture (`--plot FILE.svg`): messages per second per mode, and
//! latency p50/p99 per mode, both on log scales, since the modes differ by orders of
//! magnitude. Drawn from a report alone, so a saved `--json` report redraws the same
//! chart byte for byte (`--from-report`).

use crate::plan::Row;
use crate::report::{ModeSummary, Report};
use crate::table::micros;
use anyhow::{anyhow, Result};
use plotters::coord::combinators::LogCoord;
use plotters::coord::ranged1d::{SegmentValue, SegmentedCoord};
use plotters::coord::types::RangedCoordi32;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

const FONT: &str = "sans-serif";
const THROUGHPUT: RGBColor = RGBColor(0x3b, 0x6e, 0xa8);
const SLOW: RGBColor = RGBColor(0xc0, 0x39, 0x2b);
/// The Java rows' bars, beside the Rust ones.
const JAVA: RGBColor = RGBColor(0x7d, 0x8c, 0x99);
const P99: RGBColor = RGBColor(0xf0, 0xb4, 0x6a);
const P50: RGBColor = RGBColor(0xb3, 0x5c, 0x00);

/// 1, 10, 100, 1k, 10k, 100k, 1M: a log axis's labels, short enough to read.
fn short_number(value: f64) -> String {
    match value {
        v if v >= 1e6 => format!("{}M", v / 1e6),
        v if v >= 1e3 => format!("{}k", v / 1e3),
        v => format!("{v}"),
    }
}

fn short_micros(us: f64) -> String {
    match us {
        v if v >= 1e6 => format!("{} s", v / 1e6),
        v if v >= 1e3 => format!("{} ms", v / 1e3),
        v if v >= 1.0 => format!("{v} µs"),
        _ => String::new(),
    }
}

/// A bar's figure, written just right of the bar's end.
fn value_label() -> TextStyle<'static> {
    TextStyle::from((FONT, 12).into_font()).pos(Pos::new(HPos::Left, VPos::Center))
}

/// The latency axis starts below 1 µs, so that a 1 µs bar still shows.
const LATENCY_FLOOR_US: f64 = 0.2;

/// One band per mode (a segmented range over `0..n` would hold n + 1 bands).
fn segments(count: usize) -> SegmentedCoord<RangedCoordi32> {
    (0..count as i32 - 1).into_segmented()
}

/// The first mode at the top: segments count from the bottom.
fn slot(index: usize, count: usize) -> i32 {
    (count - 1 - index) as i32
}

/// The chart's subtitle: how it was measured, in one line.
fn subtitle(report: &Report) -> String {
    let repetitions = if report.repeat > 1 {
        format!("medians of {} interleaved repetitions", report.repeat)
    } else {
        "one run".to_owned()
    };
    format!(
        "{}; linger.ms = {}; {repetitions}",
        report.broker, report.linger_ms
    )
}

pub fn plot(report: &Report, path: &Path) -> Result<()> {
    let modes = &report.modes;
    if modes.is_empty() {
        return Err(anyhow!("the report has no modes to draw"));
    }
    let height = 120 + 44 * modes.len() as u32;
    let root = SVGBackend::new(path, (1320, height)).into_drawing_area();
    let draw = |e: DrawingAreaErrorKind<_>| anyhow!("could not draw {}: {e}", path.display());
    root.fill(&WHITE).map_err(draw)?;
    let root = root
        .titled(
            &format!("Send modes compared: {}", subtitle(report)),
            (FONT, 16),
        )
        .map_err(draw)?;
    let (left, right) = root.split_horizontally(740);
    throughput(&left, modes).map_err(draw)?;
    latency(&right, modes).map_err(draw)?;
    root.present().map_err(draw)?;
    Ok(())
}

type BarChart<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<LogCoord<f64>, SegmentedCoord<RangedCoordi32>>>;

/// One panel: a log-scale value axis across, one band per mode down.
struct Axes<'a> {
    caption: &'a str,
    range: std::ops::Range<f64>,
    mode_label_width: u32,
    mode_label: &'a dyn Fn(&SegmentValue<i32>) -> String,
    value_label: &'a dyn Fn(&f64) -> String,
}

impl Axes<'_> {
    fn draw<'a, DB: DrawingBackend>(
        &self,
        area: &'a DrawingArea<DB, plotters::coord::Shift>,
        count: usize,
    ) -> Result<BarChart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
        let mut chart = ChartBuilder::on(area)
            .caption(self.caption, (FONT, 15))
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(self.mode_label_width)
            .build_cartesian_2d(self.range.clone().log_scale(), segments(count))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(count)
            .y_label_formatter(self.mode_label)
            .x_label_formatter(self.value_label)
            .label_style((FONT, 12))
            .draw()?;
        Ok(chart)
    }
}

/// A bar from `from` to `to` in a mode's band, `inset` pixels in from the band's edges.
fn bar<DB: DrawingBackend>(
    chart: &mut BarChart<'_, DB>,
    slot_index: i32,
    (from, to): (f64, f64),
    color: RGBColor,
    inset: u32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let series = Histogram::horizontal(chart)
        .baseline(from)
        .margin(inset)
        .style(color.filled())
        .data([(slot_index, to)]);
    chart.draw_series(series)?;
    Ok(())
}

/// `text`, starting at `at` on the middle line of a mode's band.
fn label<DB: DrawingBackend>(
    chart: &mut BarChart<'_, DB>,
    slot_index: i32,
    at: f64,
    text: String,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart.draw_series([Text::new(
        text,
        (at, SegmentValue::CenterOf(slot_index)),
        value_label(),
    )])?;
    Ok(())
}

fn throughput<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    modes: &[ModeSummary],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let count = modes.len();
    let top = modes
        .iter()
        .map(|m| m.messages_per_second)
        .fold(10.0, f64::max)
        * 4.0;
    let name = |value: &SegmentValue<i32>| match value {
        SegmentValue::CenterOf(slot_index) => modes
            .get(count.wrapping_sub(1 + *slot_index as usize))
            .map_or(String::new(), |m| m.mode.clone()),
        _ => String::new(),
    };
    let axes = Axes {
        caption: "Messages per second (log scale)",
        range: 1.0..top,
        mode_label_width: 350,
        mode_label: &name,
        value_label: &|v| short_number(*v),
    };
    let mut chart = axes.draw(area, count)?;
    for (index, mode) in modes.iter().enumerate() {
        let color = match mode.id {
            Row::Sync => SLOW,
            id if id.is_java() => JAVA,
            _ => THROUGHPUT,
        };
        let rate = mode.messages_per_second;
        bar(&mut chart, slot(index, count), (1.0, rate), color, 8)?;
        label(&mut chart, slot(index, count), rate, format!(" {rate:.0}"))?;
    }
    Ok(())
}

fn latency<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    modes: &[ModeSummary],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let count = modes.len();
    // Room right of the longest bar for its "p50 / p99" label.
    let top = modes
        .iter()
        .filter_map(|m| m.latency_p99_us)
        .fold(10.0, f64::max)
        * 30.0;
    let axes = Axes {
        caption: "Latency p50 (dark) and p99 (light), log scale",
        range: LATENCY_FLOOR_US..top,
        mode_label_width: 10,
        mode_label: &|_| String::new(),
        value_label: &|v| short_micros(*v),
    };
    let mut chart = axes.draw(area, count)?;
    for (index, mode) in modes.iter().enumerate() {
        let slot_index = slot(index, count);
        let (Some(p50), Some(p99)) = (mode.latency_p50_us, mode.latency_p99_us) else {
            let text = " no latency: it reports no outcomes".to_owned();
            label(&mut chart, slot_index, LATENCY_FLOOR_US, text)?;
            continue;
        };
        bar(&mut chart, slot_index, (LATENCY_FLOOR_US, p99), P99, 8)?;
        bar(&mut chart, slot_index, (LATENCY_FLOOR_US, p50), P50, 16)?;
        let note = if mode.id == Row::FireAndForget || mode.id == Row::ErrorReportsOnly {
            " (one send call)"
        } else {
            ""
        };
        let (p50_text, p99_text) = (micros(Some(p50)), micros(Some(p99)));
        label(
            &mut chart,
            slot_index,
            p99,
            format!(" {p50_text} / {p99_text}{note}"),
        )?;
    }
    Ok(())
}
