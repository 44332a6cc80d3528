//! `--bin production`: parses the flags, sets up the process (logging, the panic hook, the
//! Ctrl+C watcher) and runs the step, whose code is in `production.rs`.
//!
//! Run it: `cargo run -p step-02-callback --bin production -- --count 20`

use clap::Parser;
use common::shutdown::{self, INTERRUPTED_EXIT_CODE};
use common::{Out, Stop};
use std::process::ExitCode;
use step_02_callback::production::{self, ProductionArgs};

#[tokio::main]
async fn main() -> ExitCode {
    let args = ProductionArgs::parse();
    common::logging::init();
    common::crash::exit_on_any_panic();
    if args.common.print_config {
        return common::exit_code(common::print_config(&args.common));
    }
    let stop = Stop::new();
    shutdown::on_signals(stop.clone(), || std::process::exit(INTERRUPTED_EXIT_CODE));
    common::exit_code(production::run(&args, &stop, Out::Terminal).await)
}
