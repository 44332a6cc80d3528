//! Prints the lesson's seeded readings, one per line, for the Java side to replay:
//! `key TAB location TAB humidity TAB create-time-ms TAB json`. The same seed and clock
//! give the records a Rust step sends (`--seed`, `--fixed-clock`).
//!
//! `cargo run -p common --bin readings -- --seed 7 --count 20 --fixed-clock 1733584800`

use clap::Parser;
use common::reading::{Clock, ReadingGenerator};

#[derive(Parser)]
#[command(about = "Print the lesson's seeded readings for the Java producers to replay")]
struct Args {
    /// The generator's seed, as a step's --seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// How many readings.
    #[arg(long)]
    count: u64,
    /// Unix second of the first reading (one second apart); without it, the wall clock.
    #[arg(long)]
    fixed_clock: Option<i64>,
}

fn main() {
    let args = Args::parse();
    let clock = args
        .fixed_clock
        .map_or(Clock::System, |start| Clock::Fixed { start });
    for reading in ReadingGenerator::new(args.seed, clock).take(args.count as usize) {
        println!(
            "{}\t{}\t{}\t{}\t{}",
            reading.key(),
            reading.location,
            reading.humidity,
            reading.timestamp_millis(),
            reading.to_json()
        );
    }
}
