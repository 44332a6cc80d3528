//! Prints the lesson's seeded readings, one per line, for the Java side to replay:
//! `key TAB location TAB humidity TAB create-time-ms TAB json`. The same seed and clock
//! give the records a Rust step sends (`--seed`, `--fixed-clock`).
//!
//! `cargo run -p common --bin readings -- --seed 7 --count 20 --fixed-clock 1733584800`
//! (`--oversize-every N`: every Nth reading is too large to send, as in the steps)

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
    /// Make every Nth reading too large to send, as a step's --oversize-every.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    oversize_every: Option<u64>,
}

fn main() {
    let args = Args::parse();
    let clock = args
        .fixed_clock
        .map_or(Clock::System, |start| Clock::Fixed { start });
    let readings = ReadingGenerator::new(args.seed, clock).oversize_every(args.oversize_every);
    for reading in readings.take(args.count as usize) {
        println!("{}", reading.replay_line());
    }
}
