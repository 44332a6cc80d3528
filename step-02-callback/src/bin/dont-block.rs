//! `--bin dont-block`: parses the flags, sets up the process (logging, the panic hook, the
//! Ctrl+C watcher) and runs the step, whose code is in `slow_callback.rs`.
//!
//! Run it: `cargo run -p step-02-callback --bin dont-block -- --count 500 --slow-callback 5ms`

use clap::Parser;
use common::shutdown::{self, INTERRUPTED_EXIT_CODE};
use common::{Out, Stop};
use std::process::ExitCode;
use step_02_callback::slow_callback::{self, SlowArgs};

#[tokio::main]
async fn main() -> ExitCode {
    let args = SlowArgs::parse();
    common::logging::init();
    common::crash::exit_on_any_panic();
    if args.common.print_config {
        return common::exit_code(common::print_config(&args.common));
    }
    let stop = Stop::new();
    shutdown::on_signals(stop.clone(), || std::process::exit(INTERRUPTED_EXIT_CODE));
    common::exit_code(slow_callback::run(&args, &stop, Out::Terminal).await)
}
