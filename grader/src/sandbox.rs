//! Running a learner's code with less than the grader has: a time limit, its own
//! process group (killed whole when the limit runs out), a bare environment, and,
//! where the OS allows it, no network beyond its own loopback.
//!
//! Network isolation uses `unshare --net --pid`: a fresh network namespace with only
//! `lo` up, and a fresh PID namespace, so every process the tests start dies with them.
//! Files and CPU are not isolated: see the README's "For graders".

use anyhow::{Context, Result};
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How a learner's tests are fenced in.
#[derive(Debug, Clone)]
pub enum Isolation {
    /// In their own network and PID namespaces.
    Namespaces,
    /// Only a process group and a time limit; the reason namespaces were not possible.
    ProcessGroupOnly(String),
}

/// Brings up loopback in the new network namespace, then runs the command.
const INSIDE_NAMESPACE: &str = "ip link set lo up && exec \"$0\" \"$@\"";

fn unshare() -> Command {
    let mut command = Command::new("unshare");
    command.args(["--net", "--pid", "--fork", "--kill-child", "--", "sh", "-c"]);
    command.arg(INSIDE_NAMESPACE);
    command
}

impl Isolation {
    /// Tries the namespaces once; falls back to a process group, saying why.
    pub fn probe() -> Self {
        let outcome = unshare().arg("true").stdin(Stdio::null()).output();
        match outcome {
            Ok(output) if output.status.success() => Isolation::Namespaces,
            Ok(output) => Isolation::ProcessGroupOnly(format!(
                "unshare --net --pid failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )),
            Err(err) => Isolation::ProcessGroupOnly(format!("cannot run unshare: {err}")),
        }
    }

    /// One line for the report card when the network could not be cut off.
    pub fn warning(&self) -> Option<String> {
        match self {
            Isolation::Namespaces => None,
            Isolation::ProcessGroupOnly(why) => Some(format!(
                "learner code ran WITH network access ({why}); run untrusted copies in a container"
            )),
        }
    }
}

/// What a limited run came to.
pub enum Outcome {
    /// It ended by itself: whether it succeeded, and what it printed.
    Finished {
        success: bool,
        stdout: String,
        stderr: String,
    },
    /// It was still running at the limit, and was killed with every process it started.
    TimedOut,
}

/// A learner's program to run under limits.
pub struct Job {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    pub dir: PathBuf,
    /// The whole environment: nothing of the grader's is passed on but `PATH`.
    pub env: Vec<(String, OsString)>,
}

impl Job {
    /// The command that runs this job under `isolation`.
    pub fn command(&self, isolation: &Isolation) -> Command {
        let mut command = match isolation {
            Isolation::Namespaces => {
                let mut command = unshare();
                command.arg(&self.program);
                command
            }
            Isolation::ProcessGroupOnly(_) => Command::new(&self.program),
        };
        command
            .args(&self.args)
            .current_dir(&self.dir)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("PATH", std::env::var_os("PATH").unwrap_or_default());
        command
    }
}

/// Runs `command` with at most `limit` of wall time, in its own process group, with
/// its output collected in files under `scratch`.
pub fn run_limited(mut command: Command, limit: Duration, scratch: &Path) -> Result<Outcome> {
    let stdout_path = scratch.join("stdout");
    let stderr_path = scratch.join("stderr");
    command
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path)?)
        .stderr(std::fs::File::create(&stderr_path)?)
        // Its own process group, so one signal reaches everything it starts.
        .process_group(0);
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot start {:?}", command.get_program()))?;
    let group = Pid::from_raw(child.id() as i32);
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // Whether it finished or not, nothing it started may outlive it. SIGKILL, since a
    // busy loop can block a runtime's handling of SIGTERM.
    let _ = killpg(group, Signal::SIGKILL);
    let Some(status) = status else {
        child.wait()?;
        return Ok(Outcome::TimedOut);
    };
    Ok(Outcome::Finished {
        success: status.success(),
        stdout: String::from_utf8_lossy(&std::fs::read(&stdout_path)?).into_owned(),
        stderr: String::from_utf8_lossy(&std::fs::read(&stderr_path)?).into_owned(),
    })
}
