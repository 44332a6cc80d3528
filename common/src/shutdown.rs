//! Clean stops: the first Ctrl+C (or SIGTERM) stops sending and flushes; the second exits at once.
//!
//! A run takes a [`Stop`] from its caller: `main` hands it to [`on_signals`], and a test
//! calls [`Stop::stop`] itself, as the first Ctrl+C would.

use std::sync::{Arc, Mutex};
use tokio::signal::unix::{signal, SignalKind};
use tokio_util::sync::CancellationToken;

/// Exit code after a second Ctrl+C, as a shell reports a process ended by SIGINT.
pub const INTERRUPTED_EXIT_CODE: i32 = 130;

type LastWords = Arc<Mutex<Option<Box<dyn Fn() + Send>>>>;

/// A run's stop switch, and what it says if the process must end before the run does.
#[derive(Clone, Default)]
pub struct Stop {
    token: CancellationToken,
    last_words: LastWords,
}

impl Stop {
    pub fn new() -> Self {
        Self::default()
    }

    /// Ends the run early: no new sends, then the flush and the summary as usual.
    pub fn stop(&self) {
        self.token.cancel();
    }

    pub fn token(&self) -> CancellationToken {
        self.token.clone()
    }

    /// What to print if the process is ended before the run finishes (its summary).
    pub fn set_last_words(&self, words: impl Fn() + Send + 'static) {
        *self.last_words.lock().unwrap() = Some(Box::new(words));
    }

    fn say_last_words(&self) {
        if let Some(words) = &*self.last_words.lock().unwrap() {
            words();
        }
    }
}

async fn next_stop_signal() {
    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = terminate.recv() => {},
        },
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Watches for stop signals: the first one stops `stop`; on the second, the run's last
/// words are printed and `exit_now` runs (`main` passes the process exit).
pub fn on_signals(stop: Stop, exit_now: impl FnOnce() + Send + 'static) {
    tokio::spawn(async move {
        next_stop_signal().await;
        println!(
            "🛑 Stopping: no new sends, flushing what is in flight (Ctrl+C again exits at once)"
        );
        stop.stop();
        next_stop_signal().await;
        println!("🛑 Second stop signal: exiting now, without waiting for the broker");
        stop.say_last_words();
        exit_now();
    });
}
