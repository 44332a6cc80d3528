//! What the tests that start their own Apache Kafka share: `kafka/start` and
//! `kafka/stop`, and whether Java and Maven are there to run them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether `java` and `mvn` are on PATH. Without them the test is skipped with a
/// warning, except under `CI=true` (`.ci/run` installs them), where it fails.
pub fn java_and_maven(test: &str) -> bool {
    let found = have("java") && have("mvn");
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but java or mvn is missing: .ci/run must install them"
        );
        let _ = writeln!(
            std::io::stderr(),
            "\n⚠️  {test} SKIPPED: it needs java (17+) and mvn on PATH\n"
        );
    }
    found
}

/// Runs `kafka/<script>` with `args`.
pub fn kafka(script: &str, args: &[&str]) -> Output {
    Command::new(workspace().join("kafka").join(script))
        .args(args)
        .output()
        .unwrap()
}

/// A cluster of a test's own, in a fresh folder, stopped when dropped (even after a
/// failed assertion).
pub struct Cluster {
    /// Where `kafka/start` keeps its data, logs and pids (`--dir`).
    pub dir: String,
    /// The address `kafka/start` printed last.
    pub bootstrap: String,
    /// What `kafka/start` printed, and how it ended.
    pub started: Output,
    _scratch: tempfile::TempDir,
}

impl Cluster {
    /// `kafka/start` with `args` (its flags, `--dir` added) in a fresh folder. Panics,
    /// with its output, when it fails.
    pub fn start(args: &[&str]) -> Self {
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch
            .path()
            .join("cluster")
            .to_string_lossy()
            .into_owned();
        let started = kafka("start", &[args, &["--dir", &dir]].concat());
        let bootstrap = String::from_utf8_lossy(&started.stdout)
            .lines()
            .last()
            .unwrap_or_default()
            .to_owned();
        let cluster = Self {
            dir,
            bootstrap,
            started,
            _scratch: scratch,
        };
        assert!(
            cluster.started.status.success(),
            "kafka/start failed: {}",
            String::from_utf8_lossy(&cluster.started.stderr)
        );
        cluster
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = kafka("stop", &["--dir", &self.dir]);
    }
}
