//! Progress bars: drawn on a terminal, never into a pipe, and never with `--json`.
//! A terminal is a pseudo-terminal from util-linux's `script`.

mod support;

use std::process::Command;
use support::{run, COMPARE};
const SMALL_RUN: &str = "--count 3000 --sync-count 5 --slow-count 5 --broker-rtt 0ms";
/// The bar's prefix: only a drawn bar writes it.
const BAR: &str = "run 1/1";

/// Runs compare with `flags` inside a pseudo-terminal; returns all it wrote there.
fn on_a_terminal(flags: &str) -> String {
    let output = Command::new("script")
        .args(["--quiet", "--return", "--command"])
        .arg(format!("{COMPARE} {SMALL_RUN} {flags}"))
        .arg("/dev/null")
        .env_remove("KAFKA_BOOTSTRAP_SERVERS")
        .output()
        .expect("script (util-linux) runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_terminal_shows_each_modes_progress() {
    let screen = on_a_terminal("");
    assert!(screen.contains(BAR), "{screen}");
    // Each mode's own bar, drawn: its prefix, its label, the bar's frame and its count
    // (the mode names alone are in the final table too).
    let modes = [
        ("fire-and-forget", 3000),
        ("callback", 3000),
        ("future", 3000),
        ("sync", 5),
        ("callback-inline-work", 5),
        ("callback-offloaded-work", 5),
        ("error-reports-only", 3000),
    ];
    for (mode, count) in modes {
        let bar = regex::Regex::new(&format!(
            r"{BAR} {mode} +\[[=> ]{{30}}\] \d+/{count} records"
        ))
        .unwrap();
        assert!(bar.is_match(&screen), "{mode}'s bar: {screen}");
    }
    assert!(screen.contains("| Async fire-and-forget |"), "{screen}");
}

#[test]
fn json_on_a_terminal_has_no_progress() {
    let screen = on_a_terminal("--json");
    assert!(!screen.contains(BAR), "{screen}");
    let json_start = screen.find('{').expect("JSON on the terminal");
    let report: serde_json::Value =
        serde_json::from_str(&screen[json_start..].replace("\r\n", "\n")).unwrap();
    assert_eq!(report["modes"].as_array().unwrap().len(), 7);
}

#[test]
fn a_pipe_gets_no_progress_at_all() {
    let output = run(&SMALL_RUN.split(' ').collect::<Vec<_>>());
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains(BAR), "{stderr}");
    assert!(
        !stderr.contains('\r') && !stderr.contains('\u{1b}'),
        "no cursor control: {stderr:?}"
    );
    assert_eq!(stderr.lines().count(), 1, "only the opening line: {stderr}");
}
