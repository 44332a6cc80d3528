//! A panic on any thread ends the run at once, with exit code 101.
//!
//! Rust's default ends only the panicking thread. A panic in a delivery callback runs
//! on the producer's polling thread, so that thread would die while `main` waits
//! forever for delivery reports that no one serves any more.

/// The exit code of a run that panicked, as for a panicking `main`.
pub const PANIC_EXIT_CODE: i32 = 101;

/// Installs the hook once: the usual message, then the exit.
pub fn exit_on_any_panic() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            report(info);
            std::process::exit(PANIC_EXIT_CODE);
        }));
    });
}
