//! The grader's work tree: a copy of the reference workspace in which an exercise's
//! regions are swapped for a learner's answers, then built and tested.
//!
//! There is one work tree, at one path, with its own build directory, and every copy
//! is graded in it in turn. A file is written only when its content changes, so cargo
//! rebuilds just the crates whose source an answer touched: librdkafka and the other
//! dependencies are built once, for the whole class.
//!
//! It holds what a learner's copy holds (no self-check, no wrong answers), and nothing
//! else: [`WorkTree::tampering`] finds any file that is not what the grader put there.

use crate::files;
use crate::sandbox::{self, Isolation, Job, Limits, Outcome, Role};
use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;
use walkdir::WalkDir;

pub struct WorkTree {
    pub root: PathBuf,
    pub target_dir: PathBuf,
    /// The reference's files, path → bytes.
    reference: BTreeMap<PathBuf, Vec<u8>>,
    /// Files that hold a learner's answer right now: path → text.
    overrides: BTreeMap<PathBuf, String>,
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
    /// Lays out the reference's shipped files at `base/work` (and only them), building
    /// into `base/build`.
    pub fn prepare(reference: &Path, base: &Path) -> Result<Self> {
        let files = files::shipped_files(reference)?;
        let mut digest = Sha256::new();
        for (relative, bytes) in &files {
            digest.update(relative.to_string_lossy().as_bytes());
            digest.update([0]);
            digest.update(bytes);
        }
        let work = Self {
            root: base.join("work"),
            target_dir: base.join("build"),
            reference: files,
            overrides: BTreeMap::new(),
            fingerprint: format!("{:x}", digest.finalize()),
        };
        std::fs::create_dir_all(&work.target_dir)?;
        work.restore()?;
        Ok(work)
    }

    /// What `relative` should hold now: the answer written there, or the reference.
    fn expected(&self, relative: &Path) -> Option<&[u8]> {
        match self.overrides.get(relative) {
            Some(text) => Some(text.as_bytes()),
            None => self.reference.get(relative).map(Vec::as_slice),
        }
    }

    /// Every file under the work tree, relative to it.
    fn files_on_disk(&self) -> Result<BTreeSet<PathBuf>> {
        let mut found = BTreeSet::new();
        for entry in WalkDir::new(&self.root) {
            let entry = entry?;
            if !entry.file_type().is_dir() {
                found.insert(entry.path().strip_prefix(&self.root)?.to_owned());
            }
        }
        Ok(found)
    }

    /// How the work tree differs from what the grader wrote: empty when untouched.
    pub fn tampering(&self) -> Result<Vec<String>> {
        let on_disk = self.files_on_disk()?;
        let mut found = Vec::new();
        for relative in &on_disk {
            let shown = relative.display();
            match self.expected(relative) {
                None => found.push(format!("added {shown}")),
                Some(bytes) => {
                    if std::fs::read(self.root.join(relative)).ok().as_deref() != Some(bytes) {
                        found.push(format!("changed {shown}"));
                    }
                }
            }
        }
        for relative in self.reference.keys() {
            if !on_disk.contains(relative) {
                found.push(format!("removed {}", relative.display()));
            }
        }
        Ok(found)
    }

    /// Writes every file as it should be, and deletes anything else.
    pub fn restore(&self) -> Result<()> {
        for relative in self.files_on_disk().unwrap_or_default() {
            if self.expected(&relative).is_none() {
                std::fs::remove_file(self.root.join(&relative))?;
            }
        }
        for relative in self.reference.keys() {
            let bytes = self.expected(relative).expect("a reference file");
            write_if_changed(&self.root.join(relative), bytes)?;
        }
        Ok(())
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
        let before = std::mem::replace(&mut self.overrides, overrides.clone());
        for relative in before.keys().chain(overrides.keys()) {
            let bytes = self.expected(relative).expect("a reference file");
            write_if_changed(&self.root.join(relative), bytes)?;
        }
        Ok(())
    }

    /// Builds `package`'s test `targets` (without running them), within `limit`.
    pub fn build_tests(
        &self,
        package: &str,
        targets: &[&str],
        limit: Duration,
        isolation: &Isolation,
        scratch: &Path,
    ) -> Result<Build> {
        let mut args: Vec<std::ffi::OsString> = [
            "test",
            "--no-run",
            "--locked",
            "--offline",
            "--message-format=json",
            "-p",
            package,
        ]
        .map(Into::into)
        .to_vec();
        for target in targets {
            args.extend(["--test".into(), (*target).into()]);
        }
        let job = Job {
            program: env!("CARGO").into(),
            args,
            dir: self.root.clone(),
            env: vec![("CARGO_TARGET_DIR".into(), self.target_dir.clone().into())],
            home: scratch.to_owned(),
            role: Role::Build {
                build_dir: self.target_dir.clone(),
            },
            visible: vec![self.root.clone()],
            limits: Limits::for_builds(limit),
        };
        let outcome = sandbox::run_limited(job.command(isolation), limit, scratch)?;
        let (success, stdout, stderr) = match outcome {
            Outcome::Finished {
                status,
                stdout,
                stderr,
            } => (status.success(), stdout, stderr),
            Outcome::TimedOut { .. } => {
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
