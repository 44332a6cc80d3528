//! One frame of the live view, drawn with ratatui from fixed numbers: what a test
//! snapshots with `TestBackend`, and what [`super::screen`] redraws.

use super::Pipeline;
use crate::output::Mode;
use crate::tally::Counts;
use ratatui::layout::{Constraint, Direction, Layout};
use ratatui::text::Line;
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Paragraph, Sparkline, Wrap};
use ratatui::Frame;
use std::time::Duration;

/// The smallest terminal the view fits in.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 22;

/// Everything one frame shows.
#[derive(Debug, Clone)]
pub struct FrameData {
    pub mode: Mode,
    pub elapsed: Duration,
    /// The latest statistics report; `None` before the first.
    pub pipeline: Option<Pipeline>,
    /// The step's own counts, as its summary will add them up.
    pub counts: Counts,
    /// For fire-and-forget: the outcomes the lesson counted, which the step never reads.
    pub instrumented: Option<Counts>,
    /// Records sent and confirmed per second, oldest first, one per redraw period.
    pub send_rates: Vec<u64>,
    pub confirm_rates: Vec<u64>,
}

/// Draws `data` into the whole of `frame`, or one line saying the terminal is too small.
pub fn draw(frame: &mut Frame, data: &FrameData) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let message = format!(
            "terminal too small for --live: it needs {MIN_WIDTH}×{MIN_HEIGHT}, this one is {}×{}",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(message).wrap(Wrap { trim: true }), area);
        return;
    }
    let [pipeline_area, counts_area, rates_area, broker_area] = Layout::vertical([
        Constraint::Min(11),
        Constraint::Length(4),
        Constraint::Length(3),
        Constraint::Length(4),
    ])
    .areas(area);
    let [sends_area, confirms_area] =
        Layout::horizontal([Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)]).areas(rates_area);
    let title = format!(
        " {:.1} s · {} MODE: {} ",
        data.elapsed.as_secs_f64(),
        data.mode.banner_name(),
        data.mode.description()
    );
    draw_pipeline(frame, pipeline_area, &title, data.pipeline.as_ref());
    frame.render_widget(
        Paragraph::new(count_lines(data)).block(Block::bordered().title(" Outcomes ")),
        counts_area,
    );
    let rate = |rates: &[u64]| rates.last().copied().unwrap_or(0);
    let sparkline = |title: String, rates: &[u64]| {
        let shown = rates
            .len()
            .saturating_sub(usize::from(sends_area.width - 2));
        Sparkline::default()
            .block(Block::bordered().title(title))
            .data(rates[shown..].to_vec())
    };
    frame.render_widget(
        sparkline(
            format!(" Sent: {} msg/s ", rate(&data.send_rates)),
            &data.send_rates,
        ),
        sends_area,
    );
    frame.render_widget(
        sparkline(
            format!(" Confirmed: {} msg/s ", rate(&data.confirm_rates)),
            &data.confirm_rates,
        ),
        confirms_area,
    );
    frame.render_widget(
        Paragraph::new(broker_line(data.pipeline.as_ref()))
            .wrap(Wrap { trim: true })
            .block(Block::bordered().title(" Broker ")),
        broker_area,
    );
}

/// Per partition: queued in the client and in flight to the broker, as bars.
fn draw_pipeline(
    frame: &mut Frame,
    area: ratatui::layout::Rect,
    title: &str,
    pipeline: Option<&Pipeline>,
) {
    let block = Block::bordered().title(title.to_owned());
    let Some(pipeline) = pipeline.filter(|p| !p.partitions.is_empty()) else {
        frame.render_widget(
            Paragraph::new("waiting for librdkafka's first statistics…").block(block),
            area,
        );
        return;
    };
    let groups: Vec<BarGroup> = pipeline
        .partitions
        .iter()
        .map(|p| {
            let bar = |label: &str, value: i64| {
                let value = value.max(0) as u64;
                Bar::default()
                    .value(value)
                    .label(Line::from(label.to_owned()))
                    .text_value(value.to_string())
            };
            BarGroup::default()
                .label(Line::from(format!("partition {}", p.partition)))
                .bars(&[bar("queued", p.queued), bar("in flight", p.in_flight)])
        })
        .collect();
    // Bars on one scale of at least 100 records, so one record in flight (sync) is a
    // sliver, not a full bar.
    let largest = pipeline
        .partitions
        .iter()
        .map(|p| p.queued.max(p.in_flight).max(0) as u64)
        .max()
        .unwrap_or(0);
    let mut chart = BarChart::default()
        .block(block)
        .max(largest.max(100))
        .direction(Direction::Horizontal)
        .bar_width(1)
        .bar_gap(0)
        .group_gap(1);
    for group in &groups {
        chart = chart.data(group.clone());
    }
    frame.render_widget(chart, area);
}

fn count_lines(data: &FrameData) -> Vec<Line<'static>> {
    let c = data.counts;
    let mut lines = vec![Line::from(match data.instrumented {
        None => format!(
            "sent {} | confirmed {} | failed {} | unconfirmed {}",
            c.sent,
            c.confirmed,
            c.failed,
            c.unconfirmed()
        ),
        Some(_) => format!(
            "sent {} | confirmed ? | failed ? (the step never looks)",
            c.sent
        ),
    })];
    if let Some(seen) = data.instrumented {
        lines.push(Line::from(format!(
            "the lesson's own count: confirmed {} | failed {}",
            seen.confirmed, seen.failed
        )));
    }
    lines
}

fn broker_line(pipeline: Option<&Pipeline>) -> String {
    let Some(pipeline) = pipeline else {
        return "no statistics yet".to_owned();
    };
    let ms = |us: Option<i64>| {
        us.map_or("—".to_owned(), |us| {
            format!("{:.1} ms", us as f64 / 1000.0)
        })
    };
    let batches = match (pipeline.batch_records_avg, pipeline.batch_bytes_avg) {
        (Some(records), Some(bytes)) => format!("{records} msgs, {bytes} B"),
        _ => "—".to_owned(),
    };
    format!(
        "rtt p50 {} p99 {} · awaiting reply {} · batch {batches}",
        ms(pipeline.rtt_p50_us),
        ms(pipeline.rtt_p99_us),
        pipeline.awaiting_reply
    )
}
