//! Step 01's binary: parses the flags, sets up the process (logging, the panic hook, the
//! Ctrl+C watcher) and runs the step, whose code is in `lib.rs`.
//!
//! Run it: `cargo run -p step-01-fire-and-forget -- --count 20`

use clap::Parser;
use common::shutdown::{self, INTERRUPTED_EXIT_CODE};
use common::{CommonArgs, Out, Stop};
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Step 01: fire-and-forget sends")]
struct Args {
    #[command(flatten)]
    common: CommonArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    common::logging::init();
    common::crash::exit_on_any_panic();
    if args.common.print_config {
        return common::exit_code(common::print_config(&args.common));
    }
    let stop = Stop::new();
    shutdown::on_signals(stop.clone(), || std::process::exit(INTERRUPTED_EXIT_CODE));
    common::exit_code(step_01_fire_and_forget::run(&args.common, &stop, Out::Terminal).await)
}
