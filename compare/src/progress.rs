//! Progress on long runs: one bar per mode, drawn on stderr only when it is a terminal,
//! and never with `--json`. Piped or redirected (CI, a log file), nothing is drawn.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

pub struct Progress {
    on_terminal: bool,
}

impl Progress {
    /// Bars when `wanted` and stderr is a terminal; silent otherwise.
    pub fn new(wanted: bool) -> Self {
        Self {
            on_terminal: wanted && std::io::stderr().is_terminal(),
        }
    }

    /// A bar for one mode's run of `count` records (a spinner when the count is unknown
    /// ahead, as for kcat, which reports nothing while it sends).
    pub fn mode(
        &self,
        label: &str,
        repetition: usize,
        repeat: usize,
        count: Option<u64>,
    ) -> ProgressBar {
        if !self.on_terminal {
            return ProgressBar::hidden();
        }
        let bar = match count {
            Some(count) => ProgressBar::with_draw_target(Some(count), ProgressDrawTarget::stderr())
                .with_style(
                    ProgressStyle::with_template(
                        "{prefix} {msg:<40} [{bar:30}] {pos}/{len} records, {elapsed}",
                    )
                    .expect("valid template")
                    .progress_chars("=> "),
                ),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()).with_style(
                ProgressStyle::with_template("{prefix} {msg:<40} {spinner} {elapsed}")
                    .expect("valid template"),
            ),
        };
        bar.set_prefix(format!("run {repetition}/{repeat}"));
        bar.set_message(label.to_owned());
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        bar
    }
}
