//! The grader's self-check: the starter copy fails every exercise, the reference passes
//! every one, and every plausible wrong answer fails exactly its own exercise.
//!
//! Each check builds a copy of the workspace and runs the exercises' tests, so these
//! are slow (minutes). They are `#[ignore]`d in `cargo test --workspace` and run by
//! `.ci/run` with `cargo test -p grader -- --ignored`.

use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const GRADER: &str = env!("CARGO_BIN_EXE_grader");

/// The checks share one build directory, so they must not run at the same time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn reference() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// Grades `dir`; returns exercise name → (passed, detail, hint).
fn report_card(dir: &Path) -> Vec<(String, bool, String, String)> {
    let output = Command::new(GRADER)
        .args(["check", "--json"])
        .arg(dir)
        .output()
        .expect("grader runs");
    let card: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        panic!(
            "no report card: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let all_passed = card["passed"] == card["total"];
    assert_eq!(
        output.status.success(),
        all_passed,
        "exit code says whether all passed"
    );
    card["grades"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["exercise"].as_str().unwrap().to_owned(),
                g["passed"].as_bool().unwrap(),
                g["detail"].as_str().unwrap_or("").to_owned(),
                g["hint"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A plain copy of the reference workspace (no build output, no git history).
fn copy_reference(to: &Path) {
    let status = Command::new("cp")
        .arg("-r")
        .arg(reference())
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success());
    for skipped in ["target", ".git", "docs/book"] {
        let _ = std::fs::remove_dir_all(to.join(skipped));
    }
}

#[test]
#[ignore = "slow: builds and grades workspace copies; run by .ci/run"]
fn starter_fails_every_exercise_with_its_hint() {
    let _turn = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let starter = dir.path().join("starter");
    let status = Command::new(GRADER)
        .arg("starter")
        .arg(&starter)
        .status()
        .unwrap();
    assert!(status.success());
    let card = report_card(&starter);
    assert_eq!(card.len(), 9);
    for (name, passed, detail, hint) in card {
        assert!(!passed, "{name} passes in the starter copy");
        assert!(!detail.is_empty(), "{name}: a failure says what failed");
        assert!(!hint.is_empty());
    }
}

#[test]
#[ignore = "slow: builds and grades workspace copies; run by .ci/run"]
fn reference_passes_every_exercise() {
    let _turn = one_at_a_time();
    for (name, passed, detail, _) in report_card(&reference()) {
        assert!(passed, "{name} fails on the reference: {detail}");
    }
}

#[derive(Deserialize)]
struct WrongAnswer {
    exercise: String,
    what: String,
    file: String,
    find: String,
    replace: String,
}

#[derive(Deserialize)]
struct WrongAnswers {
    wrong: Vec<WrongAnswer>,
}

#[test]
#[ignore = "slow: builds and grades workspace copies; run by .ci/run"]
fn every_wrong_answer_is_caught() {
    let _turn = one_at_a_time();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wrong_answers.toml"),
    )
    .unwrap();
    let answers: WrongAnswers = toml::from_str(&text).unwrap();
    assert!(answers.wrong.len() >= 18, "two per exercise");
    // One copy, patched and restored in turn: the same path keeps builds incremental.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy");
    copy_reference(&copy);
    let mut missed = Vec::new();
    for answer in &answers.wrong {
        let path = copy.join(&answer.file);
        let original = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            original.matches(&answer.find).count(),
            1,
            "{}: find once",
            answer.what
        );
        std::fs::write(&path, original.replacen(&answer.find, &answer.replace, 1)).unwrap();
        let card = report_card(&copy);
        std::fs::write(&path, &original).unwrap();
        for (name, passed, detail, _) in card {
            let should_pass = name != answer.exercise;
            if passed != should_pass {
                missed.push(format!(
                    "{} ({}): {name} passed={passed} {detail}",
                    answer.exercise, answer.what
                ));
            }
        }
    }
    assert!(
        missed.is_empty(),
        "wrong answers not caught:\n{}",
        missed.join("\n")
    );
}
