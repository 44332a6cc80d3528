//! `dont-block`: heavy work inside the callback against the same work offloaded.

use common::testing::{
    assert_broker_holds, expected_readings, number_after, run_step, varying_parts,
};

const DONT_BLOCK: &str = env!("CARGO_BIN_EXE_dont-block");

#[test]
fn slow_callback_work_is_shown_inline_and_offloaded() {
    let inline = run_step(DONT_BLOCK, &["--count", "40", "--slow-callback", "5ms"]);
    assert!(
        inline.stdout.contains("inside the callback"),
        "{}",
        inline.stdout
    );
    assert!(inline.stdout.contains("(0 jobs on the worker)"));
    let offloaded = run_step(
        DONT_BLOCK,
        &["--count", "40", "--slow-callback", "5ms", "--offload"],
    );
    assert!(offloaded.stdout.contains("on the worker"));
    assert!(offloaded.stdout.contains("(40 jobs on the worker)"));
    // The slide's claim, measured in this one run: a thread that spends 5 ms in each
    // callback serves at most 200 reports a second (1.1 × that, for the clock's
    // grain), and offloading the work makes the callback clearly faster.
    let rate = |stdout: &str| -> f64 {
        let (_, rest) = stdout.split_once("handled at ").expect("a 🐢 line");
        rest.split_once(" msg/s").unwrap().0.parse().unwrap()
    };
    let (inline_rate, offloaded_rate) = (rate(&inline.stdout), rate(&offloaded.stdout));
    assert!(inline_rate > 0.0, "{}", inline.stdout);
    assert!(
        inline_rate <= 1.1 / 0.005,
        "inline: {inline_rate}/s with 5 ms per report"
    );
    assert!(
        offloaded_rate >= 2.0 * inline_rate,
        "offloaded {offloaded_rate}/s against inline {inline_rate}/s"
    );
    for run in [inline, offloaded] {
        assert_eq!(run.exit_code, Some(0), "{}", run.stderr);
        assert_broker_holds(run.records("humidity"), &expected_readings(40));
    }
}

#[test]
fn a_slow_callback_fills_the_queue() {
    // A message holds its place in librdkafka's queue until its report has been served,
    // so a callback that takes 5 ms per report keeps the queue (20 here) full.
    let args = [
        "--count",
        "200",
        "--slow-callback",
        "5ms",
        "-X",
        "queue.buffering.max.messages=20",
    ];
    let inline = run_step(DONT_BLOCK, &args);
    // The rates and the number of waits vary from run to run; the rest does not.
    let mut filters = varying_parts();
    filters.push((r"handled at \d+\.\d+ msg/s", "handled at [RATE] msg/s"));
    filters.push((r"queue full \d+ times", "queue full [N] times"));
    // The polling thread and `flush` race for the last reports: one of them or both.
    filters.push((r"busiest of \d+ serving", "busiest of [N] serving"));
    insta::with_settings!({ filters => filters }, {
        insta::assert_snapshot!("slow_callback_small_queue", inline.stdout);
    });
    let waits = number_after(&inline.stdout, "found the queue full");
    assert!(waits > 0, "{}", inline.stdout);
    // Nothing is lost for it: the sender waited and retried.
    assert_eq!(inline.exit_code, Some(0), "{}", inline.stderr);
    assert_broker_holds(inline.records("humidity"), &expected_readings(200));
}
