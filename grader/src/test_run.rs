//! Running an exercise's tests in the work tree: building them, running each under the
//! time limit and isolation, and reading a failure out of the test output.
//!
//! A verdict rests only on a process that ran reference code alone: the test harness.
//! The answer runs in the processes it starts (a step binary, or `common`'s
//! `queue-full-probe`), so before a harness is run, its executable is checked to hold
//! no code of the crate where the answer lives, and made execute-only.

use crate::exercises::{parse_test, Exercise};
use crate::sandbox::{self, Isolation, Job, Limits, Outcome, Role};
use crate::verdicts::Verdict;
use crate::worktree::WorkTree;
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The longest a build of one step's tests may take.
const BUILD_LIMIT: Duration = Duration::from_secs(900);

/// What a test run needs: the work tree as it stands, and how to run in it.
pub struct TestRunner<'a> {
    pub work: &'a WorkTree,
    pub isolation: &'a Isolation,
    pub timeout: Duration,
    /// Where each build and run gets a scratch folder of its own.
    pub scratch: &'a Path,
    /// Work-tree files a test run may not read (they hold solutions): replaced by
    /// empty ones in the sandbox.
    pub hidden: &'a [PathBuf],
}

impl TestRunner<'_> {
    /// Builds `exercise`'s test targets in the work tree as it stands: their
    /// executables, or the verdict on an answer that does not compile.
    pub fn build(&self, exercise: &Exercise) -> Result<Result<BTreeMap<String, PathBuf>, Verdict>> {
        let targets: Vec<&str> = exercise
            .tests
            .iter()
            .map(|id| parse_test(id).map(|t| t.target))
            .collect::<Result<_>>()?;
        let scratch = tempfile::tempdir_in(self.scratch)?;
        let build = self.work.build_tests(
            &exercise.step,
            &targets,
            BUILD_LIMIT,
            self.isolation,
            scratch.path(),
        )?;
        if let Some(error) = build.error {
            return Ok(Err(Verdict::fail(format!("does not compile:\n{error}"))));
        }
        for target in &targets {
            if let Some(executable) = build.executables.get(*target) {
                refuse_if_linked(executable, &exercise.step)?;
                // Execute-only while it runs: the kernel marks a process that runs an
                // unreadable file not dumpable, so the processes the harness starts (the
                // answer's) can neither ptrace it nor open its /proc files, its stdout
                // among them, to forge what it reports. See [`writable_again`].
                std::fs::set_permissions(executable, std::fs::Permissions::from_mode(0o111))?;
            }
        }
        Ok(Ok(build.executables))
    }

    /// Runs `exercise`'s tests, each under the time limit and isolation.
    pub fn run_tests(
        &self,
        exercise: &Exercise,
        executables: &BTreeMap<String, PathBuf>,
    ) -> Result<Verdict> {
        let scratch = tempfile::tempdir_in(self.scratch)?;
        for id in &exercise.tests {
            let test = parse_test(id)?;
            let Some(executable) = executables.get(test.target) else {
                return Ok(Verdict::fail(format!(
                    "test target {} was not built",
                    test.target
                )));
            };
            let limits = Limits::for_tests(self.timeout);
            let job = Job {
                program: executable.clone(),
                args: vec![
                    "--exact".into(),
                    test.name.into(),
                    "--test-threads=1".into(),
                ],
                dir: self.work.root.join(test.package),
                env: vec![
                    ("INSTA_UPDATE".into(), "no".into()),
                    ("INSTA_WORKSPACE_ROOT".into(), self.work.root.clone().into()),
                    ("CI".into(), "true".into()),
                    ("RUST_BACKTRACE".into(), "0".into()),
                ],
                home: scratch.path().to_owned(),
                role: Role::Test {
                    hidden: self.hidden.iter().map(|f| self.work.root.join(f)).collect(),
                },
                visible: vec![self.work.root.clone(), self.work.target_dir.clone()],
                limits,
            };
            let command = job.command(self.isolation);
            match sandbox::run_limited(command, self.timeout, scratch.path())? {
                Outcome::TimedOut { peak_tasks } => {
                    // The lesson's tests run fewer than 100; a fork bomb's swarm comes
                    // and goes too fast to be seen at its peak.
                    let why = if peak_tasks as u64 >= limits.processes / 2 {
                        format!(
                            "it ran up to {peak_tasks} processes and threads; the limit is {}",
                            limits.processes
                        )
                    } else {
                        "an endless loop or a wait that never ends?".to_owned()
                    };
                    return Ok(Verdict::timed_out(format!(
                        "{id}: did not finish in {} s ({why})",
                        self.timeout.as_secs()
                    )));
                }
                Outcome::Finished { status, stdout, .. }
                    if status.success() && stdout.contains("1 passed") => {}
                Outcome::Finished { status, .. } if status.success() => {
                    return Ok(Verdict::fail(format!("test {id} did not run")))
                }
                Outcome::Finished {
                    status,
                    stdout,
                    stderr,
                } => {
                    let output = format!("{stdout}\n{stderr}");
                    let failure = first_failure(&output);
                    let signal = sandbox::ending_signal(status);
                    let ended = match (limits.which_was_hit(signal, &output), signal) {
                        (Some(limit), _) => format!("{id}: stopped at a limit: it {limit}\n"),
                        (None, Some(signal)) => format!(
                            "{id}: the test process was killed by signal {signal} (by the answer?)\n"
                        ),
                        (None, None) => format!("{id}: "),
                    };
                    return Ok(Verdict::fail(format!("{ended}{failure}")));
                }
            }
        }
        Ok(Verdict::pass())
    }
}

/// Makes every execute-only harness under `build_dir` writable again, so that cargo
/// can replace it (rustc refuses to write over an unwritable file).
pub fn writable_again(build_dir: &Path) {
    let deps = build_dir.join("debug/deps");
    for entry in std::fs::read_dir(deps).into_iter().flatten().flatten() {
        let is_execute_only = entry
            .metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o777 == 0o111);
        if is_execute_only {
            let _ = std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(0o755));
        }
    }
}

/// Fails when `executable`, a test harness, holds code of `krate` (a package name),
/// where the answer under test lives: its verdict would rest on learner code. A symbol
/// of a crate starts with its root: `_ZN<len><name>` in Rust's legacy mangling, and a
/// crate tag `C`, with its disambiguator `s<base62>_`, then `<len><name>` in v0.
pub fn refuse_if_linked(executable: &Path, krate: &str) -> Result<()> {
    let name = krate.replace('-', "_");
    let bytes = std::fs::read(executable)
        .with_context(|| format!("cannot read {}", executable.display()))?;
    let root = regex::bytes::Regex::new(&format!("(?:_ZN|Cs[0-9A-Za-z]*_){}{name}", name.len()))?;
    if root.is_match(&bytes) {
        anyhow::bail!(
            "the test harness {} links `{krate}`, where the answer lives: a verdict must not rest on a process that runs learner code (start it as a child process instead)",
            executable.display()
        );
    }
    Ok(())
}

/// The first telling lines of a failed test run: the panic message and what follows,
/// or an insta snapshot difference.
fn first_failure(output: &str) -> String {
    let lines: Vec<&str> = output.lines().collect();
    // A snapshot difference: where it is, then its first changed lines.
    if let Some(at) = lines.iter().position(|l| l.contains("Snapshot Summary")) {
        let file = lines[at..].iter().find(|l| l.starts_with("Snapshot file:"));
        let changes = lines[at..]
            .iter()
            .filter(|l| l.contains("│-") || l.contains("│+"))
            .take(4);
        return file
            .into_iter()
            .chain(changes)
            .copied()
            .collect::<Vec<_>>()
            .join("\n");
    }
    let Some(at) = lines.iter().position(|l| l.contains("panicked at")) else {
        return lines
            .iter()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or(&"")
            .to_string();
    };
    lines[at..]
        .iter()
        .filter(|l| !l.trim().is_empty() && !l.contains("note: run with `RUST_BACKTRACE"))
        .take(4)
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
}
