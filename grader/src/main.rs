//! The grader: starter copies for learners, and report cards that only the learner's
//! answers can earn.
//!
//! `cargo run -p grader -- starter /tmp/my-lesson` writes a learner's copy.
//! `cargo run -p grader -- check /tmp/my-lesson` grades one copy.
//! `cargo run -p grader -- check-all /tmp/class` grades a folder of copies.

use anyhow::Context;
use clap::{Args as ClapArgs, Parser, Subcommand};
use grader::check::{self, Grader};
use grader::{class, starter};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(about = "Starter copies and report cards for the lesson's exercises")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(ClapArgs)]
struct Limits {
    /// The longest one test may run, in seconds; then it is killed with everything it
    /// started and its exercise fails. The slowest honest test takes about 25 s here.
    #[arg(long, default_value_t = 120, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
    /// Build and run every answer, even one graded before.
    #[arg(long)]
    no_cache: bool,
    /// Grade even where the sandbox (bubblewrap) cannot run: only for trusted copies,
    /// and every card says NOT SANDBOXED.
    #[arg(long)]
    allow_unsandboxed: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Write a learner's copy of the workspace with every exercise left to do.
    Starter { dir: PathBuf },
    /// Grade one learner's copy and print its report card.
    Check {
        /// The copy to grade.
        dir: PathBuf,
        /// Print the report card as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        limits: Limits,
    },
    /// Grade a whole class: each DIR is a copy, or a folder of copies.
    CheckAll {
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Where to write the gradebook as CSV.
        #[arg(long, default_value = "grades.csv")]
        csv: PathBuf,
        /// Where to write the gradebook as JSON.
        #[arg(long, default_value = "grades.json")]
        json: PathBuf,
        #[command(flatten)]
        limits: Limits,
    },
}

/// The reference workspace this grader belongs to.
fn reference() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the grader lives in the workspace")
        .to_owned()
}

/// Where the work tree, its build and the remembered verdicts live.
fn grader_dir() -> PathBuf {
    std::env::var_os("GRADER_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| reference().join("target/grader"))
}

/// One grader at a time per work tree: it is shared by every copy.
fn lock(base: &Path) -> anyhow::Result<std::fs::File> {
    std::fs::create_dir_all(base)?;
    let file = std::fs::File::create(base.join("lock"))?;
    file.lock()
        .with_context(|| format!("cannot lock {}", base.display()))?;
    Ok(file)
}

fn grader(limits: &Limits) -> anyhow::Result<(Grader, std::fs::File)> {
    let base = grader_dir();
    let lock = lock(&base)?;
    let grader = Grader::new(
        &reference(),
        &base,
        Duration::from_secs(limits.timeout),
        !limits.no_cache,
        limits.allow_unsandboxed,
    )?;
    Ok((grader, lock))
}

fn run(args: Args) -> anyhow::Result<bool> {
    match args.command {
        Command::Starter { dir } => starter::write(&reference(), &dir).map(|()| true),
        Command::Check { dir, json, limits } => {
            let (mut grader, _lock) = grader(&limits)?;
            let card = grader.grade(&dir, &|_| {});
            if json {
                println!("{}", serde_json::to_string_pretty(&card)?);
            } else {
                print!("{}", check::render(&card));
            }
            if let Some(problem) = &card.problem {
                anyhow::bail!("{problem}");
            }
            Ok(card.passed == card.total)
        }
        Command::CheckAll {
            dirs,
            csv,
            json,
            limits,
        } => {
            let (mut grader, _lock) = grader(&limits)?;
            let cards = class::run(&mut grader, &dirs, &csv, &json)?;
            Ok(cards.iter().all(|card| card.problem.is_none()))
        }
    }
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
