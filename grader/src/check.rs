//! `grader check DIR`: run every exercise's tests in DIR and print a report card.

use crate::exercises::{self, parse_test, Exercise};
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

#[derive(Debug, Serialize)]
pub struct Grade {
    pub step: String,
    pub exercise: String,
    pub passed: bool,
    /// For a failure: the first failed assertion or snapshot difference.
    pub detail: Option<String>,
    pub hint: String,
}

#[derive(Debug, Serialize)]
pub struct ReportCard {
    pub passed: usize,
    pub total: usize,
    pub grades: Vec<Grade>,
}

/// The first telling lines of a failed test run: the panic message and what follows,
/// an insta snapshot difference, or a compiler error.
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
    let starts = [
        "panicked at",
        "Snapshot Summary",
        "error[",
        "error: could not compile",
    ];
    let Some(at) = lines
        .iter()
        .position(|l| starts.iter().any(|s| l.contains(s)))
    else {
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

/// Runs one test in `dir`; `Ok` or the failure detail.
fn run_test(dir: &Path, target_dir: &Path, id: &str) -> Result<Result<(), String>> {
    let test = parse_test(id)?;
    let output = Command::new(env!("CARGO"))
        .arg("test")
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .args([
            "-q",
            "-p",
            test.package,
            "--test",
            test.target,
            "--",
            "--exact",
            test.name,
        ])
        .env("CARGO_TARGET_DIR", target_dir)
        .env("INSTA_UPDATE", "no")
        .env("CI", "true")
        .env_remove("KAFKA_BOOTSTRAP_SERVERS")
        .output()?;
    if output.status.success() {
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !stdout.contains("1 passed") {
            return Ok(Err(format!("test {id} did not run")));
        }
        return Ok(Ok(()));
    }
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(Err(format!("{id}: {}", first_failure(&text))))
}

/// Grades every exercise of `dir`, each distinct test run once.
pub fn grade(dir: &Path, target_dir: &Path, exercises: &[Exercise]) -> Result<ReportCard> {
    let mut results: BTreeMap<&str, Result<(), String>> = BTreeMap::new();
    for exercise in exercises {
        for id in &exercise.tests {
            if !results.contains_key(id.as_str()) {
                let result = run_test(dir, target_dir, id)?;
                results.insert(id, result);
            }
        }
    }
    let grades: Vec<Grade> = exercises
        .iter()
        .map(|exercise| {
            let failure = exercise
                .tests
                .iter()
                .find_map(|id| results[id.as_str()].clone().err());
            Grade {
                step: exercise.step.clone(),
                exercise: exercise.name.clone(),
                passed: failure.is_none(),
                detail: failure,
                hint: exercise.hint.clone(),
            }
        })
        .collect();
    Ok(ReportCard {
        passed: grades.iter().filter(|g| g.passed).count(),
        total: grades.len(),
        grades,
    })
}

/// The report card as a person reads it.
pub fn render(card: &ReportCard) -> String {
    let mut text = String::from("📋 Report card\n\n");
    for grade in &card.grades {
        let mark = if grade.passed { "✅" } else { "❌" };
        text.push_str(&format!("{mark} {} / {}\n", grade.step, grade.exercise));
        if let Some(detail) = &grade.detail {
            for line in detail.lines() {
                text.push_str(&format!("     │ {line}\n"));
            }
            text.push_str(&format!("     💡 {}\n", grade.hint));
        }
    }
    text.push_str(&format!(
        "\n{} of {} exercises pass.\n",
        card.passed, card.total
    ));
    text
}

/// Makes cargo rebuild `dir`'s own crates in the shared build directory.
///
/// Every copy of the workspace has crates of the same names, and cargo gives them the
/// same build identity wherever they live, so it could take one copy's build for
/// another's. Forgetting their fingerprints forces a rebuild of just those crates;
/// librdkafka and the other dependencies stay built.
fn forget_workspace_builds(dir: &Path, target_dir: &Path) -> Result<()> {
    let metadata = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(dir.join("Cargo.toml"))
        .output()?;
    if !metadata.status.success() {
        anyhow::bail!(
            "{} is not a Cargo workspace: {}",
            dir.display(),
            String::from_utf8_lossy(&metadata.stderr).trim()
        );
    }
    let metadata: serde_json::Value = serde_json::from_slice(&metadata.stdout)?;
    let members: Vec<String> = metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect();
    let fingerprints = target_dir.join("debug/.fingerprint");
    let Ok(entries) = std::fs::read_dir(&fingerprints) else {
        return Ok(()); // nothing built yet
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((package, hash)) = name.rsplit_once('-') else {
            continue;
        };
        let is_hash = hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit());
        if is_hash && members.iter().any(|m| m == package) {
            std::fs::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

/// Loads the exercises from the reference workspace and grades `dir`.
pub fn run(reference: &Path, dir: &Path, target_dir: &Path, json: bool) -> Result<bool> {
    let exercises = exercises::load(reference)?;
    forget_workspace_builds(dir, target_dir)?;
    let card = grade(dir, target_dir, &exercises)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&card)?);
    } else {
        print!("{}", render(&card));
    }
    Ok(card.passed == card.total)
}
