//! Where learner code runs: a bubblewrap sandbox (`bwrap`, the sandbox Flatpak uses)
//! with limits that hold, so one copy can change nobody's grade but its own.
//!
//! Two kinds of job run in it:
//! - a **build**: cargo and rustc reading a learner's text. No learner code runs there
//!   (an answer sits in a function body: no build script, no proc macro of its own), so
//!   the build folder is writable, the work tree is not.
//! - a **test run**: a reference test harness, which starts the step binaries (learner
//!   code). Everything it sees is read-only but a private, size-limited `/tmp`; the
//!   source files that hold solutions are replaced by empty ones; it runs as an
//!   unprivileged user (`nobody` outside, when the grader is root).
//!
//! Both get fresh user, PID, network (only `lo`), IPC, UTS and cgroup namespaces, no
//! capabilities, `no_new_privs`, no nested user namespaces, a cleared environment,
//! `--die-with-parent`, and only the folders listed here: no other copy, no
//! remembered verdict, no gradebook, no home folder. Limits are rlimits set inside the
//! sandbox by util-linux's `prlimit`: address space, CPU time, processes and threads,
//! and file size.

use anyhow::{Context, Result};
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use std::ffi::OsString;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The uid (and gid) a test run gets outside the sandbox when the grader is root:
/// `nobody`, whose process count the kernel limits (root's it does not).
const UNPRIVILEGED: u32 = 65534;

/// What one job may use. Each is a per-process rlimit, but `processes`, which counts
/// every process and thread of the sandbox's user namespace.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Address space, bytes (`RLIMIT_AS`).
    pub memory: u64,
    /// CPU time, seconds (`RLIMIT_CPU`).
    pub cpu_seconds: u64,
    /// Processes and threads (`RLIMIT_NPROC`).
    pub processes: u64,
    /// The largest file it may write, bytes (`RLIMIT_FSIZE`).
    pub file_size: u64,
    /// The size of its private `/tmp` (and of `/dev/shm`), bytes.
    pub scratch: u64,
}

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

impl Limits {
    /// For a test run of at most `timeout`: ample for the lesson's tests, far below the
    /// machine's. CPU time is a backstop above the wall-time limit, which a single busy
    /// thread reaches first, so an endless loop still reads "did not finish".
    pub fn for_tests(timeout: Duration) -> Self {
        Self {
            memory: 2 * GIB,
            cpu_seconds: timeout.as_secs().max(1) + 30,
            processes: 256,
            file_size: 256 * MIB,
            scratch: 512 * MIB,
        }
    }

    /// For a build: rustc needs more address space, and writes large test binaries.
    pub fn for_builds(limit: Duration) -> Self {
        Self {
            memory: 8 * GIB,
            cpu_seconds: limit.as_secs().max(1),
            processes: 512,
            file_size: 2 * GIB,
            scratch: 512 * MIB,
        }
    }

    fn prlimit_args(&self) -> Vec<String> {
        vec![
            format!("--as={}", self.memory),
            // SIGXCPU at the soft limit (a card can name it), SIGKILL 5 s later.
            format!("--cpu={}:{}", self.cpu_seconds, self.cpu_seconds + 5),
            format!("--nproc={}", self.processes),
            format!("--fsize={}", self.file_size),
            "--core=0".to_owned(),
            "--".to_owned(),
        ]
    }

    /// Which limit a failed run ran into, from the signal that ended it and what it
    /// printed (its own words, or its harness's report of a child), for a report card.
    pub fn which_was_hit(&self, signal: Option<i32>, output: &str) -> Option<String> {
        let said = |needles: &[&str]| needles.iter().any(|n| output.contains(n));
        if signal == Some(Signal::SIGXCPU as i32) || said(&["SIGXCPU"]) {
            return Some(format!("used more than {} s of CPU time", self.cpu_seconds));
        }
        if signal == Some(Signal::SIGXFSZ as i32)
            || said(&["SIGXFSZ", "File too large (os error 27)"])
        {
            return Some(format!("wrote a file larger than {}", size(self.file_size)));
        }
        if said(&["No space left on device (os error 28)"]) {
            return Some(format!(
                "filled its {} of scratch space",
                size(self.scratch)
            ));
        }
        if said(&[
            "memory allocation of",
            "Cannot allocate memory (os error 12)",
        ]) {
            return Some(format!("used more than {} of memory", size(self.memory)));
        }
        if said(&[
            "Resource temporarily unavailable (os error 11)",
            "Cannot fork",
        ]) {
            return Some(format!(
                "tried to run more than {} processes and threads",
                self.processes
            ));
        }
        None
    }
}

fn size(bytes: u64) -> String {
    if bytes >= GIB {
        format!("{} GiB", bytes / GIB)
    } else {
        format!("{} MiB", bytes / MIB)
    }
}

/// How learner code is fenced in for a whole grading run.
#[derive(Debug, Clone)]
pub enum Isolation {
    Sandboxed(Sandbox),
    /// Asked for with `--unsandboxed`: only a process group, the time limit and the
    /// rlimits; why the sandbox could not be used.
    Unsandboxed(String),
}

impl Isolation {
    /// One line for every report card graded without the sandbox.
    pub fn warning(&self) -> Option<String> {
        match self {
            Isolation::Sandboxed(_) => None,
            Isolation::Unsandboxed(why) => Some(format!(
                "NOT SANDBOXED ({why}): this copy's code could read other copies and change the grader's files; trust this grade only for a trusted copy"
            )),
        }
    }
}

/// The sandbox for this machine: bwrap, and what a build must read besides the system.
#[derive(Debug, Clone)]
pub struct Sandbox {
    bwrap: PathBuf,
    /// The Rust toolchain, and cargo's registry sources (read-only).
    toolchain: Vec<PathBuf>,
    cargo_home: PathBuf,
    /// The uid a test run drops to before the sandbox, when the grader is root.
    test_user: Option<u32>,
    /// An empty file, bound over every file a test run may not read.
    empty: PathBuf,
}

/// The system folders every job reads; on a merged-/usr system `/bin` and `/lib*` are
/// links into `/usr`, and are made so in the sandbox too.
const SYSTEM_DIRS: [&str; 6] = ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32"];
/// The few files of `/etc` that programs need: the loader's cache, names of users and
/// hosts, and Debian's alternatives (`cc` is one).
const SYSTEM_ETC: [&str; 8] = [
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/passwd",
    "/etc/group",
    "/etc/hosts",
    "/etc/nsswitch.conf",
    "/etc/alternatives",
];

impl Sandbox {
    /// The sandbox, tried once with a real job; or why it cannot be had here.
    /// `base` is the grader's folder, where it keeps an empty file to bind over others.
    pub fn find(base: &Path) -> Result<Self, String> {
        let bwrap = find_program("bwrap")
            .ok_or("bubblewrap is not installed (Debian: apt-get install bubblewrap)".to_owned())?;
        if find_program("prlimit").is_none() {
            return Err("prlimit is not installed (Debian: util-linux)".into());
        }
        let cargo = PathBuf::from(env!("CARGO"));
        let toolchain_root = cargo
            .parent()
            .and_then(Path::parent)
            .map(Path::to_owned)
            .ok_or("cannot tell where cargo's toolchain is")?;
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
            .ok_or("cannot tell where CARGO_HOME is")?;
        let empty = base.join("empty");
        std::fs::write(&empty, b"")
            .map_err(|err| format!("cannot write {}: {err}", empty.display()))?;
        let sandbox = Self {
            bwrap,
            toolchain: vec![
                toolchain_root,
                cargo_home.join("registry"),
                cargo_home.join("git"),
            ],
            cargo_home,
            test_user: nix::unistd::getuid().is_root().then_some(UNPRIVILEGED),
            empty,
        };
        let trial = Job {
            program: "/bin/true".into(),
            args: vec![],
            env: vec![],
            dir: "/".into(),
            home: base.to_owned(),
            role: Role::Test { hidden: vec![] },
            visible: vec![],
            limits: Limits::for_tests(Duration::from_secs(10)),
        };
        let mut command = trial.command(&Isolation::Sandboxed(sandbox.clone()));
        match command.stdin(Stdio::null()).output() {
            Ok(output) if output.status.success() => Ok(sandbox),
            Ok(output) => Err(format!(
                "bwrap cannot make a sandbox here: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )),
            Err(err) => Err(format!("cannot run bwrap: {err}")),
        }
    }
}

fn find_program(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .chain(["/usr/bin".into(), "/bin".into()])
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// What a job is, and so what it may write.
#[derive(Debug, Clone)]
pub enum Role {
    /// cargo building tests: the build folder (the last of `visible`) is writable.
    Build { build_dir: PathBuf },
    /// A test harness and what it starts: all read-only, as an unprivileged user,
    /// with `hidden` files replaced by empty ones.
    Test { hidden: Vec<PathBuf> },
}

/// A job to run under the limits, in the sandbox when there is one.
pub struct Job {
    pub program: PathBuf,
    pub args: Vec<OsString>,
    pub dir: PathBuf,
    /// Its whole environment, besides `PATH` and `HOME` (a folder in its `/tmp`).
    pub env: Vec<(String, OsString)>,
    /// `HOME` for a test run without the sandbox.
    pub home: PathBuf,
    pub role: Role,
    /// The folders it reads, besides the system's (and the toolchain, for a build).
    pub visible: Vec<PathBuf>,
    pub limits: Limits,
}

/// `HOME` inside the sandbox: in its private `/tmp`.
const SANDBOX_HOME: &str = "/tmp/home";

impl Job {
    /// The command that runs this job under `isolation`.
    pub fn command(&self, isolation: &Isolation) -> Command {
        let Isolation::Sandboxed(sandbox) = isolation else {
            return self.unsandboxed();
        };
        let path = match &self.role {
            Role::Build { .. } => format!(
                "{}:/usr/bin:/bin",
                sandbox.toolchain[0].join("bin").display()
            ),
            Role::Test { .. } => "/usr/bin:/bin".to_owned(),
        };
        let mut command = Command::new(&sandbox.bwrap);
        command.args([
            "--unshare-all",
            "--unshare-user",
            "--disable-userns",
            "--die-with-parent",
            "--new-session",
            "--cap-drop",
            "ALL",
            "--hostname",
            "sandbox",
            "--clearenv",
        ]);
        let inside = UNPRIVILEGED.to_string();
        command.args(["--uid", &inside, "--gid", &inside]);
        for dir in SYSTEM_DIRS {
            match std::fs::read_link(dir) {
                Ok(target) => {
                    command.arg("--symlink").arg(target).arg(dir);
                }
                Err(_) => {
                    command.args(["--ro-bind-try", dir, dir]);
                }
            }
        }
        for file in SYSTEM_ETC {
            command.args(["--ro-bind-try", file, file]);
        }
        command.args(["--proc", "/proc", "--dev", "/dev"]);
        let scratch = self.limits.scratch.to_string();
        command.args(["--size", &scratch, "--tmpfs", "/tmp"]);
        command.args(["--size", &scratch, "--tmpfs", "/dev/shm"]);
        command.args(["--dir", SANDBOX_HOME]);
        for dir in &self.visible {
            command.arg("--ro-bind").arg(dir).arg(dir);
        }
        match &self.role {
            Role::Build { build_dir } => {
                for dir in &sandbox.toolchain {
                    command.arg("--ro-bind-try").arg(dir).arg(dir);
                }
                command.arg("--bind").arg(build_dir).arg(build_dir);
                command
                    .arg("--setenv")
                    .arg("CARGO_HOME")
                    .arg(&sandbox.cargo_home);
                command
                    .arg("--setenv")
                    .arg("RUSTC")
                    .arg(sandbox.toolchain[0].join("bin/rustc"));
            }
            Role::Test { hidden } => {
                for file in hidden {
                    command.arg("--ro-bind").arg(&sandbox.empty).arg(file);
                }
                if let Some(uid) = sandbox.test_user {
                    command.uid(uid).gid(uid);
                }
            }
        }
        command.args(["--remount-ro", "/", "--remount-ro", "/dev"]);
        command.args(["--setenv", "HOME", SANDBOX_HOME]);
        command.args(["--setenv", "PATH", &path]);
        for (key, value) in &self.env {
            command.arg("--setenv").arg(key).arg(value);
        }
        command.arg("--chdir").arg(&self.dir);
        command
            .arg("--")
            .arg("prlimit")
            .args(self.limits.prlimit_args());
        command.arg(&self.program).args(&self.args);
        // bwrap itself runs with nothing of the grader's environment.
        command.env_clear();
        command
    }

    /// Without the sandbox: the rlimits, and for a test run a cleared environment.
    fn unsandboxed(&self) -> Command {
        let mut command = Command::new("prlimit");
        command
            .args(self.limits.prlimit_args())
            .arg(&self.program)
            .args(&self.args)
            .current_dir(&self.dir);
        if let Role::Test { .. } = self.role {
            command
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("HOME", &self.home);
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }
}

/// The signal that ended a run, if one did. bwrap passes a signal on as the exit code
/// 128 + N, as a shell does.
pub fn ending_signal(status: ExitStatus) -> Option<i32> {
    status.signal().or_else(|| {
        status
            .code()
            .filter(|code| (129..=192).contains(code))
            .map(|code| code - 128)
    })
}

/// What a limited run came to.
pub enum Outcome {
    /// It ended by itself: how, and what it printed.
    Finished {
        status: ExitStatus,
        stdout: String,
        stderr: String,
    },
    /// It was still running at the limit, and was killed with every process it
    /// started; the most processes and threads it was seen running.
    TimedOut { peak_tasks: usize },
}

/// Runs `command` with at most `limit` of wall time, in its own process group, with
/// its output collected in files under `scratch` (outside any sandbox).
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
    let mut peak_tasks = 0;
    let mut polls: u32 = 0;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            break None;
        }
        // Ten times a second, count what it runs (a walk of /proc takes a few ms).
        if polls.is_multiple_of(5) {
            peak_tasks = peak_tasks.max(tasks_under(child.id()));
        }
        polls += 1;
        std::thread::sleep(Duration::from_millis(20));
    };
    // Whether it finished or not, nothing it started may outlive it. SIGKILL, since a
    // busy loop can block a runtime's handling of SIGTERM. In the sandbox, bwrap's
    // death ends its PID namespace, and with it every process inside.
    let _ = killpg(group, Signal::SIGKILL);
    let Some(status) = status else {
        child.wait()?;
        return Ok(Outcome::TimedOut { peak_tasks });
    };
    let read = |path: &Path| -> Result<String> {
        Ok(String::from_utf8_lossy(&std::fs::read(path)?).into_owned())
    };
    Ok(Outcome::Finished {
        status,
        stdout: read(&stdout_path)?,
        stderr: read(&stderr_path)?,
    })
}

/// The processes and threads descending from `root`, counted from `/proc`.
fn tasks_under(root: u32) -> usize {
    let mut parents: Vec<(u32, u32, usize)> = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // After the command's name, in parentheses: state, ppid, ... num_threads (20th).
        let Some(after) = stat.rfind(')').map(|at| &stat[at + 1..]) else {
            continue;
        };
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ppid = fields.get(1).and_then(|f| f.parse().ok()).unwrap_or(0);
        let threads = fields.get(17).and_then(|f| f.parse().ok()).unwrap_or(1);
        parents.push((pid, ppid, threads));
    }
    let mut inside = vec![root];
    let mut count = 0;
    let mut grew = true;
    while grew {
        grew = false;
        for (pid, ppid, threads) in &parents {
            if !inside.contains(pid) && inside.contains(ppid) {
                inside.push(*pid);
                count += threads;
                grew = true;
            }
        }
    }
    count
}
