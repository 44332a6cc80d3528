//! Every `cargo run` command that the README, the book and the starter copy's
//! EXERCISES.md tell a person to type, run as pasted, far enough to prove it starts.
//!
//! Each command is run with `--help` added to the program's own arguments: cargo must
//! pick the package and the binary by itself, build it with the flags given, and the
//! program must accept every flag before `--help` (clap rejects an unknown flag or a bad
//! value before it prints help). Nothing is sent, so nothing needs a broker.
//!
//! Run it alone: `cargo test -p end-to-end --test documented_commands`.

use regex::Regex;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use wait_timeout::ChildExt;

/// The longest one command may take, its first build included (librdkafka in release
/// mode, or with TLS, is built once per profile and feature set).
const COMMAND_LIMIT: Duration = Duration::from_secs(15 * 60);

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// A command as a person pastes it: its environment assignments and its words.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Pasted {
    env: Vec<(String, String)>,
    words: Vec<String>,
}

impl Pasted {
    fn text(&self) -> String {
        let env = self.env.iter().map(|(k, v)| format!("{k}={v} "));
        env.collect::<String>() + &self.words.join(" ")
    }
}

/// Every `cargo run …` in `text`: in a code span up to its closing backtick, in a code
/// block up to the end of its line. A shell comment or a redirection ends the command.
/// A bare `cargo run` in prose ("under `cargo run`") is not a command to type.
fn commands_in(text: &str) -> Vec<Pasted> {
    let pattern = Regex::new(r"((?:[A-Z_]+=\S+ )*)cargo run\b([^`\n]*)").unwrap();
    pattern
        .captures_iter(text)
        .filter_map(|caps| {
            let env = caps[1]
                .split_whitespace()
                .map(|a| {
                    let (k, v) = a.split_once('=').unwrap();
                    (k.to_owned(), v.to_owned())
                })
                .collect();
            let rest = caps[2].split(" #").next().unwrap();
            let rest = rest.split(['>', '|']).next().unwrap();
            let mut words: Vec<String> = ["cargo", "run"].map(String::from).to_vec();
            words.extend(rest.split_whitespace().map(String::from));
            (words.len() > 2).then_some(Pasted { env, words })
        })
        .collect()
}

fn documented_commands() -> Vec<(String, Pasted)> {
    let root = workspace();
    let mut sources = vec![(
        "README.md".to_owned(),
        std::fs::read_to_string(root.join("README.md")).unwrap(),
    )];
    let mut pages: Vec<_> = std::fs::read_dir(root.join("docs/src"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    for page in pages {
        let name = page.strip_prefix(&root).unwrap().display().to_string();
        sources.push((name, std::fs::read_to_string(page).unwrap()));
    }
    let exercises = grader::exercises::load(&root).unwrap();
    sources.push((
        "the starter's EXERCISES.md".to_owned(),
        grader::starter::learner_readme(&exercises),
    ));
    let mut seen = BTreeSet::new();
    let mut found = Vec::new();
    for (source, text) in sources {
        for command in commands_in(&text) {
            if seen.insert(command.clone()) {
                found.push((source.clone(), command));
            }
        }
    }
    found
}

/// The command with `--help` added to the program's arguments.
fn with_help(command: &Pasted) -> Vec<String> {
    let mut words = command.words.clone();
    if !words.iter().any(|w| w == "--") {
        words.push("--".into());
    }
    words.push("--help".into());
    words
}

/// Runs `words` (starting with `cargo`) in the workspace; `Err` says why it did not start.
fn run(command: &Pasted, words: &[String]) -> Result<(), String> {
    let mut child = Command::new(&words[0])
        .args(&words[1..])
        .envs(command.env.iter().map(|(k, v)| (k, v)))
        .current_dir(workspace())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| format!("could not start cargo: {err}"))?;
    // The pipes are drained on threads, so a long build log cannot block the child.
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let Some(status) = child.wait_timeout(COMMAND_LIMIT).unwrap() else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!("did not finish in {COMMAND_LIMIT:?}"));
    };
    let (stdout, stderr) = (stdout.join().unwrap(), stderr.join().unwrap());
    if !status.success() {
        let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!("exited with {status}: {}", tail.join(" / ")));
    }
    if !stdout.contains("Usage:") {
        return Err(format!("printed no usage: {stdout}"));
    }
    Ok(())
}

#[test]
fn commands_are_found_in_code_spans_and_blocks() {
    let text = "Run `cargo run -p a -- --x 1`, then `--y`.\n\n```sh\n\
                cargo run --release -p b          # a comment\n\
                RUST_LOG=b=debug cargo run -p b --bin c -- --z > out.txt\n```\n\
                Under `cargo run`, nothing.";
    let texts: Vec<String> = commands_in(text).iter().map(Pasted::text).collect();
    assert_eq!(
        texts,
        [
            "cargo run -p a -- --x 1",
            "cargo run --release -p b",
            "RUST_LOG=b=debug cargo run -p b --bin c -- --z",
        ]
    );
}

#[test]
fn a_command_that_cannot_pick_its_binary_is_named() {
    let command = Pasted {
        env: vec![],
        words: ["cargo", "run", "-p", "no-such-package"]
            .map(String::from)
            .to_vec(),
    };
    let err = run(&command, &with_help(&command)).unwrap_err();
    assert!(err.contains("exited with"), "{err}");
}

#[test]
fn every_documented_cargo_run_command_starts() {
    let commands = documented_commands();
    assert!(
        commands.len() >= 20,
        "found only {} commands: is the extraction broken?",
        commands.len()
    );
    let failures: Vec<String> = commands
        .iter()
        .filter_map(|(source, command)| {
            run(command, &with_help(command))
                .err()
                .map(|why| format!("{source}: `{}` {why}", command.text()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} documented commands do not start:\n{}",
        failures.len(),
        commands.len(),
        failures.join("\n")
    );
}
