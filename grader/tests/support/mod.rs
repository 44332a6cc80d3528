//! What the grader's self-checks share: copies of the reference, starters, patches,
//! and running `check-all` under a time limit.

#![allow(dead_code)]

use grader::exercises;
use grader::files::shipped_files;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub const GRADER: &str = env!("CARGO_BIN_EXE_grader");

pub fn reference() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// Where the grader keeps its work tree, build and verdicts: `GRADER_TARGET_DIR`, which
/// the grader reads too (so two self-checks can run at once, one folder each), or the
/// grader's default. Absolute, since the hostile copies name it from inside the sandbox.
pub fn grader_dir() -> PathBuf {
    let Some(dir) = std::env::var_os("GRADER_TARGET_DIR") else {
        return reference().join("target/grader");
    };
    let dir = PathBuf::from(dir);
    assert!(
        dir.is_absolute(),
        "GRADER_TARGET_DIR must be an absolute path: {}",
        dir.display()
    );
    dir
}

pub fn all_exercises() -> Vec<String> {
    grader::exercises::load(&reference())
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect()
}

/// Writes the files a learner would get, as they are in the reference.
pub fn copy_reference(to: &Path) {
    for (relative, bytes) in shipped_files(&reference()).unwrap() {
        let path = to.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

pub fn write_starter(to: &Path) {
    let status = Command::new(GRADER)
        .arg("starter")
        .arg(to)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
}

/// Every source file of `copy` that has regions.
pub fn files_with_regions(copy: &Path) -> Vec<PathBuf> {
    shipped_files(copy)
        .unwrap()
        .into_iter()
        .filter(|(path, bytes)| {
            grader::files::is_source(path)
                && String::from_utf8_lossy(bytes).contains(exercises::START_MARKER)
        })
        .map(|(path, _)| path)
        .collect()
}

/// Puts the reference's solution of `exercise` into `copy`.
pub fn solve(copy: &Path, exercise: &str) {
    for relative in files_with_regions(copy) {
        let reference = std::fs::read_to_string(reference().join(&relative)).unwrap();
        let answer = exercises::bodies(&reference, exercise).unwrap();
        if answer.is_empty() {
            continue;
        }
        let path = copy.join(&relative);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            exercises::with_answers(&text, exercise, &answer).unwrap(),
        )
        .unwrap();
    }
}

/// Replaces `find` (once, and it must be there) by `replace` in `copy`'s `file`.
pub fn patch(copy: &Path, file: &str, find: &str, replace: &str) {
    let path = copy.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.matches(find).count(), 1, "{file}: {find:?} once");
    std::fs::write(&path, text.replacen(find, replace, 1)).unwrap();
}

/// A copy of the reference named `name` in `class`, with one patch (see [`patch`]).
pub fn patched_reference(class: &Path, name: &str, file: &str, find: &str, replace: &str) {
    let copy = class.join(name);
    copy_reference(&copy);
    patch(&copy, file, find, replace);
}

pub fn all_but(exercise: &str) -> Vec<String> {
    all_exercises()
        .into_iter()
        .filter(|e| e != exercise)
        .collect()
}

/// Processes still running from under the grader's folder: its work tree, and its
/// build folder, where the test and step binaries run from.
pub fn leftover_processes(grader_dir: &Path) -> Vec<String> {
    let work = grader_dir.to_string_lossy().into_owned();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) {
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            if cmdline.contains(&work) {
                found.push(cmdline);
            }
        }
    }
    found
}

/// The longest a class's `check-all` may take (`SELF_CHECK_LIMIT_SECONDS`): a grader
/// that waits forever on a test it failed to kill must fail this check, not hang it.
pub fn self_check_limit() -> Duration {
    let seconds = std::env::var("SELF_CHECK_LIMIT_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30 * 60);
    Duration::from_secs(seconds)
}

/// Runs `command` (its output in files of a folder of its own, outside the class),
/// failing the test if it outlives [`self_check_limit`]. It runs in its own process
/// group, killed whole at the limit.
pub fn check_all_within_limit(command: &mut Command) -> std::process::Output {
    use std::os::unix::process::CommandExt;
    use wait_timeout::ChildExt;
    let output_dir = tempfile::tempdir().unwrap();
    let stdout_path = output_dir.path().join("check-all.out");
    let stderr_path = output_dir.path().join("check-all.err");
    let mut child = command
        .stdout(std::fs::File::create(&stdout_path).unwrap())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .process_group(0)
        .spawn()
        .unwrap();
    let limit = self_check_limit();
    let status = child.wait_timeout(limit).unwrap();
    if status.is_none() {
        let group = nix::unistd::Pid::from_raw(child.id() as i32);
        let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
        let _ = child.wait();
    }
    let stderr = std::fs::read(&stderr_path).unwrap();
    let Some(status) = status else {
        panic!(
            "check-all did not finish in {limit:?}: is it waiting on a test it failed to kill? Its stderr:\n{}",
            String::from_utf8_lossy(&stderr)
        );
    };
    std::process::Output {
        status,
        stdout: std::fs::read(&stdout_path).unwrap(),
        stderr,
    }
}
