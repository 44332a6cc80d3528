//! Redraws the live view while a run sends: on a terminal, on the alternate screen about
//! ten times a second; into a pipe, one plain line a second. [`Screen::finish`] (or
//! dropping it) gives the terminal back before the summary prints.
//!
//! The terminal is not put in raw mode, so Ctrl+C still reaches the run as a signal.

use super::view::{self, FrameData};
use super::StatsSink;
use crate::output::Mode;
use crate::tally::{Counts, Tally};
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::cursor::{Hide, Show};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// How often the view is redrawn, and each rate sample's span.
const REDRAW: Duration = Duration::from_millis(100);
/// How many rate samples the sparklines keep.
const HISTORY: usize = 300;

/// What the view reads while the run sends.
pub struct Sources {
    pub mode: Mode,
    pub tally: Arc<Tally>,
    /// Fire-and-forget: the outcomes the lesson counts for the view.
    pub instrumented: Option<Arc<Tally>>,
    pub sink: Arc<StatsSink>,
    /// The run's stop switch: Ctrl+C ends the view at once.
    pub stop: CancellationToken,
}

pub struct Screen {
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Screen {
    /// Starts drawing: the view on a terminal, a line a second otherwise.
    pub fn start(sources: Sources) -> Self {
        let done = Arc::new(AtomicBool::new(false));
        let thread = {
            let done = Arc::clone(&done);
            std::thread::spawn(move || {
                if std::io::stdout().is_terminal() {
                    draw_on_terminal(&sources, &done);
                } else {
                    print_lines(&sources, &done);
                }
            })
        };
        Self {
            done,
            thread: Some(thread),
        }
    }

    /// Stops drawing and gives the terminal back.
    pub fn finish(mut self) {
        self.stop_drawing();
    }

    fn stop_drawing(&mut self) {
        self.done.store(true, Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        self.stop_drawing();
    }
}

/// The rates and counts as they stand, sampled every [`REDRAW`].
struct Sampler {
    started: Instant,
    last: Counts,
    send_rates: Vec<u64>,
    confirm_rates: Vec<u64>,
}

impl Sampler {
    fn new() -> Self {
        Self {
            started: Instant::now(),
            last: Counts {
                sent: 0,
                confirmed: 0,
                failed: 0,
            },
            send_rates: Vec::new(),
            confirm_rates: Vec::new(),
        }
    }

    fn frame(&mut self, sources: &Sources) -> FrameData {
        let counts = sources.tally.counts();
        let instrumented = sources.instrumented.as_ref().map(|t| t.counts());
        let confirmed = instrumented.unwrap_or(counts).confirmed;
        let per_second = |now: u64, before: u64| (now - before.min(now)) * 10;
        push(
            &mut self.send_rates,
            per_second(counts.sent, self.last.sent),
        );
        push(
            &mut self.confirm_rates,
            per_second(confirmed, self.last.confirmed),
        );
        self.last = Counts {
            confirmed,
            ..counts
        };
        FrameData {
            mode: sources.mode,
            elapsed: self.started.elapsed(),
            pipeline: sources.sink.latest(),
            counts,
            instrumented,
            send_rates: self.send_rates.clone(),
            confirm_rates: self.confirm_rates.clone(),
        }
    }
}

fn push(history: &mut Vec<u64>, value: u64) {
    history.push(value);
    if history.len() > HISTORY {
        history.remove(0);
    }
}

fn running(sources: &Sources, done: &AtomicBool) -> bool {
    !done.load(Relaxed) && !sources.stop.is_cancelled()
}

fn draw_on_terminal(sources: &Sources, done: &AtomicBool) {
    let mut stdout = std::io::stdout();
    if execute!(stdout, EnterAlternateScreen, Hide).is_err() {
        return;
    }
    if let Ok(mut terminal) = ratatui::Terminal::new(CrosstermBackend::new(std::io::stdout())) {
        let mut sampler = Sampler::new();
        while running(sources, done) {
            let data = sampler.frame(sources);
            if terminal.draw(|frame| view::draw(frame, &data)).is_err() {
                break;
            }
            std::thread::sleep(REDRAW);
        }
    }
    let _ = execute!(std::io::stdout(), LeaveAlternateScreen, Show);
}

fn print_lines(sources: &Sources, done: &AtomicBool) {
    let mut sampler = Sampler::new();
    let mut ticks = 0u32;
    while running(sources, done) {
        std::thread::sleep(REDRAW);
        let data = sampler.frame(sources);
        ticks += 1;
        if ticks.is_multiple_of(10) {
            println!("{}", plain_line(&data));
        }
    }
}

/// The view as one line, for a pipe.
pub fn plain_line(data: &FrameData) -> String {
    let c = data.counts;
    let outcomes = match data.instrumented {
        None => format!(
            "confirmed {} | failed {} | unconfirmed {}",
            c.confirmed,
            c.failed,
            c.unconfirmed()
        ),
        Some(seen) => format!(
            "confirmed ? (the lesson counts {}) | failed ? (the lesson counts {})",
            seen.confirmed, seen.failed
        ),
    };
    let pipeline = data.pipeline.as_ref().map_or(String::new(), |p| {
        format!(" | queued {} | in flight {}", p.queued(), p.in_flight())
    });
    format!(
        "⏱  live {:.0}s: sent {} | {outcomes}{pipeline}",
        data.elapsed.as_secs_f64(),
        c.sent
    )
}
