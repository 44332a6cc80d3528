//! A class with hostile copies: each attacks the grader, its classmates or the machine
//! from inside an answer, as a learner could. Each must fail its own exercise, saying
//! what happened; every honest copy must get exactly the grades it gets alone; and the
//! work tree must equal the reference afterwards. Graded twice: with remembered
//! verdicts, and with `--no-cache`. `#[ignore]`d: `.ci/run` runs it.
//!
//! A hostile copy is a starter with one answer: the reference's, with the attack put
//! in. Its other exercises stay `todo!()` (they fail at once, which keeps the
//! `--no-cache` round short).
//!
//! `HOSTILE_ONLY=01-poison-verdicts,03-forge-a-pass` keeps only those hostile copies
//! (and every honest one): for watching one defence fail, with it turned off by hand.

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::*;

const TIMEOUT_SECONDS: &str = "60";
/// A line only the half-done copy holds: no other card may ever show it.
const CLASSMATE_SECRET: &str = "classmate-secret-5e1f0c";
/// Where step 03's `report-each-confirmation` answer starts: the attacks go first.
const STEP_03: (&str, &str) = (
    "step-03-sync/src/lib.rs",
    "run.tally().record_confirmed();\n                run.say(",
);

/// A hostile copy: the exercise it attacks from, the patch, and what its own card
/// must say.
struct Hostile {
    name: &'static str,
    exercise: &'static str,
    file: &'static str,
    find: &'static str,
    replace: String,
    says: &'static str,
}

/// An attack run where step 03 confirms its first send; it panics with what it got.
fn in_step_03(name: &'static str, attack: &str, says: &'static str) -> Hostile {
    let (file, find) = STEP_03;
    Hostile {
        name,
        exercise: "report-each-confirmation",
        file,
        find,
        replace: format!("if std::hint::black_box(true) {{\n{attack}\n}}\n{find}"),
        says,
    }
}

fn hostile_copies(base: &Path, class: &Path) -> Vec<Hostile> {
    let verdicts = base.join("verdicts");
    let work_test = base.join("work/step-01-fire-and-forget/tests/fire_and_forget.rs");
    let own_source = base.join("work/step-03-sync/src/lib.rs");
    let classmate = class.join("06-half-done/step-03-sync/src/lib.rs");
    vec![
        in_step_03(
            "01-poison-verdicts",
            &format!(
                r##"let written: std::io::Result<usize> = (|| {{
                    let mut count = 0;
                    for entry in std::fs::read_dir({verdicts:?})? {{
                        std::fs::write(entry?.path(), r#"{{"passed":true,"detail":null}}"#)?;
                        count += 1;
                    }}
                    Ok(count)
                }})();
                panic!("hostile: passing verdicts written: {{written:?}}");"##
            ),
            "passing verdicts written: Err",
        ),
        in_step_03(
            "02-rewrite-work-tree",
            &format!(
                r##"let written = std::fs::write({work_test:?}, "#[test]\nfn flush_delivers_everything_before_exit() {{}}\n");
                panic!("hostile: work tree test replaced: {{written:?}}");"##
            ),
            "work tree test replaced: Err",
        ),
        Hostile {
            name: "03-forge-a-pass",
            exercise: "retry-on-queue-full",
            file: "common/src/queue_full.rs",
            find: "record = returned;\n                tokio::time::sleep(QUEUE_FULL_BACKOFF).await;",
            replace: r#"let _ = returned;
                use std::io::Write;
                let forged = b"\nrunning 1 test\ntest queue_full_waits_and_retries ... ok\n\ntest result: ok. 1 passed; 0 failed\n";
                let _ = std::io::stdout().write_all(forged);
                let parent = format!("/proc/{}/fd/1", std::os::unix::process::parent_id());
                let _ = std::fs::OpenOptions::new().append(true).open(parent).and_then(|mut out| out.write_all(forged));
                std::process::exit(0);"#
                .to_owned(),
            says: "no `waits N` line",
        },
        in_step_03(
            "04-fork-bomb",
            r#"let mut started = Vec::new();
                loop {
                    match std::process::Command::new("sleep").arg("600").spawn() {
                        Ok(child) => started.push(child),
                        Err(err) => panic!("hostile: fork bomb stopped at {} processes: {err}", started.len()),
                    }
                }"#,
            "processes and threads",
        ),
        in_step_03(
            "05-memory-hog",
            r#"let hog = vec![1u8; 20 << 30];
                panic!("hostile: allocated {} bytes", hog.len());"#,
            "used more than 2 GiB of memory",
        ),
        in_step_03(
            "07-disk-filler",
            r#"use std::io::Write;
                let chunk = vec![7u8; 1 << 20];
                let mut written = 0u64;
                for file in 0.. {
                    let mut out = std::fs::File::create(format!("/tmp/filler-{file}")).unwrap();
                    for _ in 0..64 {
                        if let Err(err) = out.write_all(&chunk) {
                            panic!("hostile: disk filler stopped after {written} bytes: {err}");
                        }
                        written += chunk.len() as u64;
                    }
                }"#,
            "stopped at a limit: it filled its 512 MiB of scratch space",
        ),
        in_step_03(
            "08-read-a-classmate",
            &format!(
                r#"let stolen = std::fs::read_to_string({classmate:?});
                panic!("hostile: classmate's copy: {{stolen:?}}");"#
            ),
            "classmate's copy: Err",
        ),
        in_step_03(
            "09-include-a-classmate",
            &format!(r#"panic!("{{}}", include_str!({classmate:?}));"#),
            "uses `include_str`",
        ),
        in_step_03(
            "10-read-the-solutions",
            &format!(
                r#"let solutions = std::fs::read_to_string({own_source:?});
                panic!("hostile: own crate's source: {{solutions:?}}");"#
            ),
            "own crate's source: Ok(\"\")",
        ),
        in_step_03(
            "11-kill-the-harness",
            r#"let parent = std::os::unix::process::parent_id();
                let killed = std::process::Command::new("sh").arg("-c").arg(format!("kill -9 {parent}")).status();
                panic!("hostile: harness killed: {killed:?}");"#,
            "killed by signal 9",
        ),
    ]
}

/// The half-done copy: five exercises solved, one answer carrying the secret line.
fn write_half_done(copy: &Path) {
    write_starter(copy);
    for exercise in [
        "flush-before-exit",
        "callback-lines",
        "handle-send-error",
        "count-delivered-anyway",
    ] {
        solve(copy, exercise);
    }
    let file = copy.join("step-03-sync/src/lib.rs");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut bodies = grader::exercises::bodies(&text, "handle-send-error").unwrap();
    bodies[0].insert(0, format!("                // {CLASSMATE_SECRET}"));
    let text = grader::exercises::with_answers(&text, "handle-send-error", &bodies).unwrap();
    std::fs::write(file, text).unwrap();
}

/// Learner → exercise → passed, from a gradebook or a card.
type Grades = BTreeMap<String, BTreeMap<String, bool>>;

fn grades_of(card: &Value) -> BTreeMap<String, bool> {
    card["grades"]
        .as_array()
        .unwrap_or_else(|| panic!("no grades: {card}"))
        .iter()
        .map(|g| {
            let exercise = g["exercise"].as_str().unwrap().to_owned();
            (exercise, g["passed"].as_bool().unwrap())
        })
        .collect()
}

fn clear_verdicts(base: &Path) {
    let _ = std::fs::remove_dir_all(base.join("verdicts"));
}

/// Every way the work tree differs from the reference's shipped files.
fn work_tree_differences(base: &Path) -> Vec<String> {
    let reference = grader::files::shipped_files(&reference()).unwrap();
    let work = base.join("work");
    let on_disk: Vec<PathBuf> = walkdir::WalkDir::new(&work)
        .into_iter()
        .flatten()
        .filter(|e| !e.file_type().is_dir())
        .map(|e| e.path().strip_prefix(&work).unwrap().to_owned())
        .collect();
    let mut differences: Vec<String> = on_disk
        .iter()
        .filter(|f| !reference.contains_key(*f))
        .map(|f| format!("added {}", f.display()))
        .collect();
    for (relative, bytes) in &reference {
        if std::fs::read(work.join(relative)).ok().as_ref() != Some(bytes) {
            differences.push(format!("changed or removed {}", relative.display()));
        }
    }
    differences
}

#[test]
#[ignore = "slow: grades a class with hostile copies twice; run by .ci/run"]
fn hostile_copies_change_no_grade_but_their_own() {
    let class_dir = tempfile::tempdir().unwrap();
    let class = class_dir.path();
    let base = grader_dir();
    // Each honest copy, and the copy whose grades alone it must get: 12-starter, graded
    // after every hostile copy, is 00-starter again, byte for byte.
    let honest = [
        ("00-starter", "00-starter"),
        ("06-half-done", "06-half-done"),
        ("12-starter", "00-starter"),
    ];
    write_starter(&class.join("00-starter"));
    write_half_done(&class.join("06-half-done"));
    write_starter(&class.join("12-starter"));
    assert_eq!(
        grader::files::shipped_files(&class.join("12-starter")).unwrap(),
        grader::files::shipped_files(&class.join("00-starter")).unwrap(),
        "the second starter is the first one again"
    );
    let mut hostile = hostile_copies(&base, class);
    if let Ok(only) = std::env::var("HOSTILE_ONLY") {
        hostile.retain(|copy| only.split(',').any(|name| name == copy.name));
    }
    for copy in &hostile {
        let dir = class.join(copy.name);
        write_starter(&dir);
        solve(&dir, copy.exercise);
        patch(&dir, copy.file, copy.find, &copy.replace);
    }
    // The solutions' telling lines: what reading the work tree's sources would show.
    let solution_lines: Vec<String> = ["report-each-confirmation", "handle-send-error"]
        .iter()
        .flat_map(|exercise| {
            let text = std::fs::read_to_string(reference().join(STEP_03.0)).unwrap();
            grader::exercises::bodies(&text, exercise).unwrap().concat()
        })
        .map(|line| line.trim().to_owned())
        .filter(|line| line.len() > 20)
        .collect();
    assert!(!solution_lines.is_empty());

    let books = tempfile::tempdir().unwrap();
    let mut class_grades: Vec<Grades> = Vec::new();
    let mut problems = Vec::new();
    for no_cache in [false, true] {
        clear_verdicts(&base);
        let json = books.path().join(format!("grades-{no_cache}.json"));
        let mut command = Command::new(GRADER);
        command.args(["check-all", "--timeout", TIMEOUT_SECONDS]);
        if no_cache {
            command.arg("--no-cache");
        }
        command
            .arg("--csv")
            .arg(books.path().join("grades.csv"))
            .arg("--json")
            .arg(&json)
            .arg(class);
        let output = check_all_within_limit(&mut command);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let leftovers = leftover_processes(&base);
        assert!(leftovers.is_empty(), "left running: {leftovers:?}");
        let book_text = std::fs::read_to_string(&json)
            .unwrap_or_else(|_| panic!("no gradebook (no_cache {no_cache}): {stderr}"));
        let mut wrong = Vec::new();
        if book_text.contains(CLASSMATE_SECRET) {
            wrong.push("a classmate's text reached a card".to_owned());
        }
        for line in &solution_lines {
            if book_text.contains(line.as_str()) {
                wrong.push(format!("a solution reached a card: {line:?}"));
            }
        }
        let book: Value = serde_json::from_str(&book_text).unwrap();
        let mut grades = Grades::new();
        for card in book["learners"].as_array().unwrap() {
            let learner = card["learner"].as_str().unwrap();
            assert!(card["problem"].is_null(), "{learner}: {card}");
            let warnings = card["warnings"].to_string();
            assert!(
                !warnings.contains("NOT SANDBOXED"),
                "graded without the sandbox: {warnings}"
            );
            grades.insert(learner.to_owned(), grades_of(card));
            if learner.ends_with("-starter") && card["passed"] != 0 {
                wrong.push(format!("{learner}, a starter, passed {}", card["passed"]));
            }
            let Some(attack) = hostile.iter().find(|h| h.name == learner) else {
                continue;
            };
            let grade = card["grades"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| g["exercise"] == attack.exercise)
                .unwrap();
            let passed = grade["passed"].as_bool().unwrap();
            let detail = grade["detail"].as_str().unwrap_or_default();
            if passed || !detail.contains(attack.says) {
                wrong.push(format!(
                    "{learner}/{}: passed={passed}, wanted a failure saying {:?}: {detail}",
                    attack.exercise, attack.says
                ));
            }
        }
        let differences = work_tree_differences(&base);
        if !differences.is_empty() {
            wrong.push(format!("the work tree after the class: {differences:?}"));
        }
        problems.extend(
            wrong
                .into_iter()
                .map(|w| format!("no_cache {no_cache}: {w}")),
        );
        class_grades.push(grades);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // Each distinct honest copy alone, nothing remembered: the grades it earns on its own.
    let mut alone: BTreeMap<&str, BTreeMap<String, bool>> = BTreeMap::new();
    for (_, copy) in honest {
        if alone.contains_key(copy) {
            continue;
        }
        clear_verdicts(&base);
        let output = Command::new(GRADER)
            .args(["check", "--json", "--timeout", TIMEOUT_SECONDS])
            .arg(class.join(copy))
            .output()
            .unwrap();
        let card: Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|_| panic!("{copy}: {}", String::from_utf8_lossy(&output.stderr)));
        alone.insert(copy, grades_of(&card));
    }
    for (learner, copy) in honest {
        for (run, grades) in ["remembered verdicts", "--no-cache"]
            .iter()
            .zip(&class_grades)
        {
            assert_eq!(
                grades[learner], alone[copy],
                "{learner}: in the class ({run}) and {copy} alone"
            );
        }
    }
    let starter = &class_grades[0]["00-starter"];
    assert!(starter.values().all(|passed| !passed), "{starter:?}");
}
