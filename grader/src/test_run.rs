//! Running an exercise's tests in the work tree: building them, running each under the
//! time limit and isolation, and reading a failure out of the test output.

use crate::exercises::{parse_test, Exercise};
use crate::sandbox::{self, Isolation, Job, Outcome};
use crate::verdicts::Verdict;
use crate::worktree::WorkTree;
use anyhow::Result;
use std::collections::BTreeMap;
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
        let build = self
            .work
            .build_tests(&exercise.step, &targets, BUILD_LIMIT, scratch.path())?;
        Ok(match build.error {
            Some(error) => Err(Verdict::fail(format!("does not compile:\n{error}"))),
            None => Ok(build.executables),
        })
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
                    ("HOME".into(), scratch.path().into()),
                ],
            };
            let command = job.command(self.isolation);
            match sandbox::run_limited(command, self.timeout, scratch.path())? {
                Outcome::TimedOut => {
                    return Ok(Verdict::timed_out(format!(
                        "{id}: did not finish in {} s (an endless loop or a wait that never ends?)",
                        self.timeout.as_secs()
                    )))
                }
                Outcome::Finished {
                    success: true,
                    stdout,
                    ..
                } if stdout.contains("1 passed") => {}
                Outcome::Finished { success: true, .. } => {
                    return Ok(Verdict::fail(format!("test {id} did not run")))
                }
                Outcome::Finished { stdout, stderr, .. } => {
                    let output = format!("{stdout}\n{stderr}");
                    return Ok(Verdict::fail(format!("{id}: {}", first_failure(&output))));
                }
            }
        }
        Ok(Verdict::pass())
    }
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
