//! The grader's work tree: a copy of the reference workspace in which an exercise's
//! regions are swapped for a learner's answers, then built and tested.
//!
//! There is one work tree, at one path, with its own build directory, and every copy
//! is graded in it in turn. A file is written only when its content changes, so cargo
//! rebuilds just the crates whose source an answer touched: librdkafka and the other
//! dependencies are built once, for the whole class.

use crate::files;
use crate::sandbox::{self, Outcome};
use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub struct WorkTree {
    pub root: PathBuf,
    target_dir: PathBuf,
    /// The reference's files, path → bytes.
    reference: BTreeMap<PathBuf, Vec<u8>>,
    /// Files that hold something other than the reference right now.
    changed: BTreeSet<PathBuf>,
    /// A digest of the reference: verdicts are only reused for the same reference.
    pub fingerprint: String,
}

/// What building one package's test targets gave.
pub struct Build {
    /// Test target name → its executable.
    pub executables: BTreeMap<String, PathBuf>,
    /// The first compiler error, when the build failed.
    pub error: Option<String>,
}

/// Writes `bytes` to `path` unless it already holds them (keeping its mtime, so cargo
/// does not rebuild what did not change).
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<()> {
    if std::fs::read(path).is_ok_and(|current| current == bytes) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

impl WorkTree {
    /// Lays out the reference at `base/work`, building into `base/build`.
    pub fn prepare(reference: &Path, base: &Path) -> Result<Self> {
        let files = files::workspace_files(reference)?;
        let root = base.join("work");
        let mut digest = Sha256::new();
        for (relative, bytes) in &files {
            write_if_changed(&root.join(relative), bytes)?;
            digest.update(relative.to_string_lossy().as_bytes());
            digest.update([0]);
            digest.update(bytes);
        }
        Ok(Self {
            root,
            target_dir: base.join("build"),
            reference: files,
            changed: BTreeSet::new(),
            fingerprint: format!("{:x}", digest.finalize()),
        })
    }

    /// The reference's files as they were when grading began: path → bytes.
    pub fn reference_files(&self) -> &BTreeMap<PathBuf, Vec<u8>> {
        &self.reference
    }

    /// The reference text of `relative`.
    pub fn reference_text(&self, relative: &Path) -> Option<&str> {
        self.reference
            .get(relative)
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
    }

    /// Puts the reference back everywhere, except `overrides` (path → text).
    pub fn apply(&mut self, overrides: &BTreeMap<PathBuf, String>) -> Result<()> {
        for relative in std::mem::take(&mut self.changed) {
            if !overrides.contains_key(&relative) {
                write_if_changed(&self.root.join(&relative), &self.reference[&relative])?;
            }
        }
        for (relative, text) in overrides {
            write_if_changed(&self.root.join(relative), text.as_bytes())?;
            self.changed.insert(relative.clone());
        }
        Ok(())
    }

    /// Builds `package`'s test `targets` (without running them), within `limit`.
    pub fn build_tests(
        &self,
        package: &str,
        targets: &[&str],
        limit: Duration,
        scratch: &Path,
    ) -> Result<Build> {
        let mut command = Command::new(env!("CARGO"));
        command
            .current_dir(&self.root)
            .args(["test", "--no-run", "--locked", "--message-format=json"])
            .args(["-p", package])
            .env("CARGO_TARGET_DIR", &self.target_dir);
        for target in targets {
            command.args(["--test", target]);
        }
        let (success, stdout, stderr) = match sandbox::run_limited(command, limit, scratch)? {
            Outcome::Finished {
                success,
                stdout,
                stderr,
            } => (success, stdout, stderr),
            Outcome::TimedOut => {
                return Ok(Build {
                    executables: BTreeMap::new(),
                    error: Some(format!("the build did not finish in {} s", limit.as_secs())),
                })
            }
        };
        let mut executables = BTreeMap::new();
        let mut error = None;
        for line in stdout.lines() {
            let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            match message["reason"].as_str() {
                Some("compiler-artifact") => {
                    let is_test = message["profile"]["test"].as_bool() == Some(true);
                    let name = message["target"]["name"].as_str();
                    let executable = message["executable"].as_str();
                    if let (true, Some(name), Some(executable)) = (is_test, name, executable) {
                        executables.insert(name.to_owned(), PathBuf::from(executable));
                    }
                }
                Some("compiler-message")
                    if error.is_none() && message["message"]["level"].as_str() == Some("error") =>
                {
                    error = message["message"]["rendered"]
                        .as_str()
                        .map(|text| first_lines(text, 8));
                }
                _ => {}
            }
        }
        if !success && error.is_none() {
            error = Some(first_lines(&stderr, 8));
        }
        Ok(Build { executables, error })
    }
}

fn first_lines(text: &str, count: usize) -> String {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .take(count)
        .collect::<Vec<_>>()
        .join("\n")
}
