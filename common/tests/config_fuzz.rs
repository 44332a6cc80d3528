//! Fuzzing the config layer: whatever the flags and the properties file say, a step gets
//! its settings, its send plan and its first reading, or a clear error, never a panic.
//!
//! Bounded: proptest runs a fixed number of cases (`PROPTEST_CASES`, 1000 by default
//! here), so it fits in `cargo test`. The seed corpus in `fuzz-corpus/` is replayed
//! first; an input that ever breaks the layer is added there as a regression case
//! (proptest also keeps its own shrunk failures under `proptest-regressions/`).

use clap::Parser;
use common::producer_config::settings_for;
use common::reading::{Clock, ReadingGenerator};
use common::send_plan::SendPlan;
use common::settings::Settings;
use common::CommonArgs;
use proptest::prelude::*;
use std::io::Write;
use std::path::Path;
use tokio_util::sync::CancellationToken;

#[derive(Parser, Debug)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
}

/// Everything a step does with its flags before it connects: parse, layer the settings
/// (reading any --config file), describe them, validate them with librdkafka, plan the
/// sends and make the first reading.
fn settle(words: &[String]) -> Result<(), String> {
    let cli = Cli::try_parse_from(std::iter::once("step".to_owned()).chain(words.iter().cloned()))
        .map_err(|err| err.to_string())?;
    let args = cli.common;
    let connection = Settings::from_args(&args).map_err(|err| err.to_string())?;
    let settings = settings_for(connection, "127.0.0.1:1");
    let _ = settings.describe();
    settings.client_config().map_err(|err| err.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        let plan = SendPlan::new(
            args.count,
            args.duration,
            args.rate.unwrap_or(1000),
            CancellationToken::new(),
        );
        let _ = plan.describe();
    });
    let clock = args
        .fixed_clock
        .map_or(Clock::System, |start| Clock::Fixed { start });
    let mut readings = ReadingGenerator::new(args.seed, clock).oversize_every(args.oversize_every);
    let _ = readings.next_reading().timestamp_millis();
    Ok(())
}

/// Reads `text` as a properties file, then builds the client config from it.
fn settle_file(text: &[u8]) -> Result<(), String> {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text).unwrap();
    let mut settings = Settings::default();
    settings
        .read_file(file.path())
        .map_err(|err| err.to_string())?;
    let _ = settings.describe();
    settings.client_config().map_err(|err| err.to_string())?;
    Ok(())
}

/// An error is one line that says something.
fn assert_clear(outcome: Result<(), String>) {
    if let Err(message) = outcome {
        assert!(!message.trim().is_empty(), "an empty error");
        assert!(!message.contains("panicked"), "{message}");
    }
}

fn corpus() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz-corpus"))
}

#[test]
fn the_seed_corpus_never_panics() {
    let flags = std::fs::read_to_string(corpus().join("flags.txt")).unwrap();
    let mut cases = 0;
    for line in flags
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let words: Vec<String> = line.split(' ').map(str::to_owned).collect();
        assert_clear(settle(&words));
        cases += 1;
    }
    for entry in std::fs::read_dir(corpus().join("properties")).unwrap() {
        assert_clear(settle_file(&std::fs::read(entry.unwrap().path()).unwrap()));
        cases += 1;
    }
    assert!(cases > 20, "the corpus was read");
}

const FLAGS: [&str; 18] = [
    "--brokers",
    "--topic",
    "--duration",
    "--count",
    "--rate",
    "--seed",
    "--fixed-clock",
    "--broker-rtt",
    "--delivery-timeout",
    "--flush-timeout",
    "--inject-errors",
    "--retriable-errors",
    "--outage",
    "-X",
    "--oversize-every",
    "--run-id",
    "--print-config",
    "--config",
];

/// Values that sit on and past the edges the flags check.
fn edgy_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        (
            any::<u32>(),
            prop::sample::select(vec!["ms", "s", "m", "h", "d", "years", "", "x"])
        )
            .prop_map(|(n, unit)| format!("{n}{unit}")),
        ("[0-9]{0,12}[a-z]{0,3}", "[0-9]{0,12}[a-z]{0,3}").prop_map(|(a, b)| format!("{a}+{b}")),
        // A librdkafka property (never plugin.library.paths: it loads code).
        (
            prop::sample::select(vec![
                "acks",
                "linger.ms",
                "enable.idempotence",
                "security.protocol",
                "sasl.password",
                "queue.buffering.max.messages",
                "message.max.bytes",
                "no.such.key",
                "",
            ]),
            ".{0,12}"
        )
            .prop_map(|(k, v)| format!("{k}={v}")),
        ".{0,16}",
    ]
}

fn command_line() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(
        prop_oneof![
            (prop::sample::select(FLAGS.to_vec()), edgy_value())
                .prop_map(|(flag, value)| vec![flag.to_owned(), value]),
            ".{0,12}".prop_map(|word| vec![word]),
        ],
        0..6,
    )
    .prop_map(|words| words.into_iter().flatten().collect())
}

fn properties_text() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..300),
        prop::collection::vec(
            (
                "[a-z.]{0,20}",
                prop::sample::select(vec!["=", ":", " ", " = ", "\\", ""]),
                "[ -~]{0,20}",
                prop::sample::select(vec!["\n", "\r\n", "\\\n", ""]),
            ),
            0..10
        )
        .prop_map(|lines| {
            lines
                .into_iter()
                .flat_map(|(k, sep, v, end)| format!("{k}{sep}{v}{end}").into_bytes())
                .collect()
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(1000),
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_command_line_settles_or_errs_clearly(words in command_line()) {
        assert_clear(settle(&words));
    }

    #[test]
    fn any_properties_file_settles_or_errs_clearly(text in properties_text()) {
        assert_clear(settle_file(&text));
    }
}
