//! Clean stops: the first Ctrl+C (or SIGTERM) stops sending and flushes; the second exits at once.

use std::sync::Arc;
use tokio::signal::unix::{signal, SignalKind};
use tokio_util::sync::CancellationToken;

/// Exit code after a second Ctrl+C, as a shell reports a process ended by SIGINT.
pub const INTERRUPTED_EXIT_CODE: i32 = 130;

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

/// Watches for stop signals. The returned token is cancelled on the first one; on the
/// second, `last_words` prints what it must (the summary) and the process exits.
pub fn watch_for_stop(last_words: Arc<dyn Fn() + Send + Sync>) -> CancellationToken {
    let stop = CancellationToken::new();
    let first_signal = stop.clone();
    tokio::spawn(async move {
        next_stop_signal().await;
        println!(
            "🛑 Stopping: no new sends, flushing what is in flight (Ctrl+C again exits at once)"
        );
        first_signal.cancel();
        next_stop_signal().await;
        println!("🛑 Second stop signal: exiting now, without waiting for the broker");
        last_words();
        std::process::exit(INTERRUPTED_EXIT_CODE);
    });
    stop
}
