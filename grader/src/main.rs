//! The grader: starter copies for learners, and a report card that catches wrong answers.
//!
//! `cargo run -p grader -- starter /tmp/my-lesson` writes a learner's copy.
//! `cargo run -p grader -- check /tmp/my-lesson` grades it (default: this workspace).

mod check;
mod exercises;
mod starter;

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Starter copies and report cards for the lesson's exercises")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a learner's copy of the workspace with every exercise left to do.
    Starter { dir: PathBuf },
    /// Run each exercise's tests in DIR and print a report card.
    Check {
        /// The workspace to grade (default: this one).
        dir: Option<PathBuf>,
        /// Print the report card as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// The reference workspace this grader belongs to.
fn reference() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// One build directory for every graded copy, so librdkafka is compiled only once.
fn shared_target_dir() -> PathBuf {
    std::env::var_os("GRADER_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| reference().join("target/grader"))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let result = match args.command {
        Command::Starter { dir } => starter::write(&reference(), &dir).map(|()| true),
        Command::Check { dir, json } => {
            let dir = dir.unwrap_or_else(reference);
            check::run(&reference(), &dir, &shared_target_dir(), json)
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
