//! The grader's self-check: a class of copies, graded in one `check-all` run, must get
//! exactly the grades its answers deserve.
//!
//! The class: the starter (all ❌), the reference (all ✅), a half-done copy, the same
//! with its tests emptied, an endless loop, a compile error, missing markers, a folder
//! that is no workspace, and every plausible wrong answer of `wrong_answers.toml`
//! (each ❌ on exactly its own exercise). It builds and runs tests for minutes, so it
//! is `#[ignore]`d in `cargo test --workspace` and run by `.ci/run`.

mod support;

use grader::exercises;
use grader::files::shipped_files;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use support::*;
/// Generous for every honest test (the slowest takes about 25 s), short for the loop.
const TIMEOUT_SECONDS: &str = "60";

/// The exercises the half-done copy solves; the other four stay `todo!()`. Each
/// solved one has an unsolved neighbour in its own file.
const HALF_DONE: [&str; 5] = [
    "flush-before-exit",
    "retry-on-queue-full",
    "callback-lines",
    "handle-send-error",
    "count-delivered-anyway",
];

/// Empties every test of `copy`: `return;` first thing in each, as a learner might.
fn empty_every_test(copy: &Path) -> Vec<String> {
    let test_fn = regex::Regex::new(
        r"(#\[(?:tokio::)?test(?:\([^)]*\))?\]\s*(?:#\[[^\]]*\]\s*)*(?:async )?fn \w+\(\) \{)",
    )
    .unwrap();
    let mut edited = Vec::new();
    for (relative, bytes) in shipped_files(copy).unwrap() {
        let is_test = relative.components().any(|c| c.as_os_str() == "tests")
            && grader::files::is_source(&relative);
        let text = String::from_utf8_lossy(&bytes);
        if is_test && test_fn.is_match(&text) {
            let emptied = test_fn.replace_all(&text, "$1 return;");
            std::fs::write(copy.join(&relative), emptied.as_ref()).unwrap();
            edited.push(relative.display().to_string());
        }
    }
    edited
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

fn wrong_answers() -> Vec<WrongAnswer> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wrong_answers.toml"),
    )
    .unwrap();
    toml::from_str::<WrongAnswers>(&text).unwrap().wrong
}

/// What a copy should get: the exercises that pass, a text its failures must show, and
/// files its warning must name.
struct Expected {
    passing: Vec<String>,
    failure_says: Option<(&'static str, &'static str)>,
    warning_names: Vec<String>,
}

fn expect(passing: Vec<String>) -> Expected {
    Expected {
        passing,
        failure_says: None,
        warning_names: Vec::new(),
    }
}

/// A patch for an answer that fails its exercise when learner code can see any network
/// interface but `lo` (`/proc/net/dev`): the sandbox's isolation, shown from inside,
/// without sending a packet.
const NETWORK_PROBE: (&str, &str, &str) = (
    "step-03-sync/src/lib.rs",
    "run.tally().record_confirmed();\n                run.say(",
    "let interfaces = std::fs::read_to_string(\"/proc/net/dev\").unwrap();\n                \
     assert!(interfaces.lines().skip(2).all(|l| l.trim_start().starts_with(\"lo:\")), \
     \"learner code sees a network: {interfaces}\");\n                \
     run.tally().record_confirmed();\n                run.say(",
);

#[test]
#[ignore = "slow: builds and grades a class of copies; run by .ci/run"]
fn a_class_is_graded_on_its_answers_alone() {
    let class_dir = tempfile::tempdir().unwrap();
    let class = class_dir.path();
    let mut expected: BTreeMap<String, Expected> = BTreeMap::new();

    write_starter(&class.join("00-starter"));
    expected.insert("00-starter".into(), expect(vec![]));

    copy_reference(&class.join("01-reference"));
    expected.insert("01-reference".into(), expect(all_exercises()));

    let half_done = class.join("02-half-done");
    write_starter(&half_done);
    for exercise in HALF_DONE {
        solve(&half_done, exercise);
    }
    let half: Vec<String> = HALF_DONE.iter().map(|e| e.to_string()).collect();
    expected.insert("02-half-done".into(), expect(half.clone()));

    let tampered = class.join("03-half-done-tests-emptied");
    write_starter(&tampered);
    for exercise in HALF_DONE {
        solve(&tampered, exercise);
    }
    let emptied = empty_every_test(&tampered);
    assert!(emptied.len() >= 8, "{emptied:?}");
    expected.insert(
        "03-half-done-tests-emptied".into(),
        Expected {
            warning_names: emptied,
            ..expect(half)
        },
    );

    patched_reference(
        class,
        "04-endless-loop",
        "step-03-sync/src/lib.rs",
        "run.tally().record_confirmed();\n                run.say(",
        "loop {}\n                #[allow(unreachable_code)]\n                run.tally().record_confirmed();\n                run.say(",
    );
    expected.insert(
        "04-endless-loop".into(),
        Expected {
            failure_says: Some(("report-each-confirmation", "did not finish in 60 s")),
            ..expect(all_but("report-each-confirmation"))
        },
    );

    patched_reference(
        class,
        "05-compile-error",
        "step-03-sync/src/lib.rs",
        "run.tally().record_failed();\n                run.say(|| sync_failure",
        "run.tally().record_failed(1);\n                run.say(|| sync_failure",
    );
    expected.insert(
        "05-compile-error".into(),
        Expected {
            failure_says: Some(("handle-send-error", "error[E0061]")),
            ..expect(all_but("handle-send-error"))
        },
    );

    patched_reference(
        class,
        "06-markers-removed",
        "step-02-callback/src/callback.rs",
        "                // ANCHOR: exercise-route-to-dlq\n",
        "",
    );
    expected.insert(
        "06-markers-removed".into(),
        Expected {
            failure_says: Some((
                "route-to-dlq",
                "markers for `route-to-dlq` not found in step-02-callback/src/callback.rs",
            )),
            warning_names: vec!["step-02-callback/src/callback.rs".into()],
            ..expect(all_but("route-to-dlq"))
        },
    );

    std::fs::create_dir(class.join("07-not-a-workspace")).unwrap();

    // Learner code that checks it sees no network: the sandbox must hold (all pass).
    let (file, find, replace) = NETWORK_PROBE;
    patched_reference(class, "08-network-probe", file, find, replace);
    expected.insert("08-network-probe".into(), expect(all_exercises()));

    let answers = wrong_answers();
    assert!(answers.len() >= 23, "two per exercise, and more");
    for (index, answer) in answers.iter().enumerate() {
        let name = format!("wrong-{index:02}");
        patched_reference(class, &name, &answer.file, &answer.find, &answer.replace);
        expected.insert(name, expect(all_but(&answer.exercise)));
    }

    // Fresh verdicts: this run must earn every one of them.
    let base = grader_dir();
    let _ = std::fs::remove_dir_all(base.join("verdicts"));
    let csv = class.join("grades.csv");
    let json = class.join("grades.json");
    let output = check_all_within_limit(
        Command::new(GRADER)
            .args(["check-all", "--timeout", TIMEOUT_SECONDS, "--csv"])
            .arg(&csv)
            .arg("--json")
            .arg(&json)
            .arg(class),
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "a broken copy: exit 1\n{stderr}"
    );
    assert!(stdout.contains("02-half-done"), "the table: {stdout}");
    assert!(
        stderr.contains(&format!(
            "graded {}/{}",
            expected.len() + 1,
            expected.len() + 1
        )),
        "progress: {stderr}"
    );
    let leftovers = leftover_processes(&base);
    assert!(leftovers.is_empty(), "left running: {leftovers:?}");

    let book: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let learners = book["learners"].as_array().unwrap();
    assert_eq!(learners.len(), expected.len() + 1);
    let mut wrong = Vec::new();
    for card in learners {
        let learner = card["learner"].as_str().unwrap();
        if learner == "07-not-a-workspace" {
            let problem = card["problem"].as_str().unwrap_or_default();
            assert!(problem.contains("no Cargo.toml"), "{card}");
            continue;
        }
        let want = &expected[learner];
        assert!(card["problem"].is_null(), "{learner}: {card}");
        let warnings = card["warnings"].to_string();
        for file in &want.warning_names {
            assert!(
                warnings.contains(file.as_str()),
                "{learner}: warning names {file}: {warnings}"
            );
        }
        if want.warning_names.is_empty() {
            assert!(
                !warnings.contains("edited outside"),
                "{learner}: {warnings}"
            );
        }
        for grade in card["grades"].as_array().unwrap() {
            let exercise = grade["exercise"].as_str().unwrap();
            let passed = grade["passed"].as_bool().unwrap();
            let detail = grade["detail"].as_str().unwrap_or_default();
            let should_pass = want.passing.iter().any(|e| e == exercise);
            if passed != should_pass {
                let what = learner
                    .strip_prefix("wrong-")
                    .map(|i| answers[i.parse::<usize>().unwrap()].what.as_str())
                    .unwrap_or(learner);
                wrong.push(format!(
                    "{learner} ({what}): {exercise} passed={passed} {detail}"
                ));
            }
            if !passed {
                assert!(
                    !detail.is_empty(),
                    "{learner}/{exercise}: a failure says why"
                );
            }
            if let Some((failing, says)) = want.failure_says {
                if exercise == failing {
                    assert!(detail.contains(says), "{learner}/{exercise}: {detail}");
                }
            }
        }
    }
    assert!(wrong.is_empty(), "wrong grades:\n{}", wrong.join("\n"));

    let csv_text = std::fs::read_to_string(&csv).unwrap();
    let header = csv_text.lines().next().unwrap();
    assert!(
        header.starts_with("learner,copy,passed,total,flush-before-exit,"),
        "{header}"
    );
    assert!(csv_text.contains("02-half-done,"), "{csv_text}");
    assert_eq!(csv_text.lines().count(), expected.len() + 2);
}

#[test]
fn the_starter_holds_no_solution() {
    let dir = tempfile::tempdir().unwrap();
    let starter = dir.path().join("starter");
    write_starter(&starter);
    // Every line of a solution that appears nowhere else in the reference's code. This
    // folder holds the solutions by design (in patches), so it does not count.
    let reference_files = grader::files::workspace_files(&reference()).unwrap();
    let mut outside = String::new();
    let mut solution_lines = Vec::new();
    for (relative, bytes) in &reference_files {
        let text = String::from_utf8_lossy(bytes);
        if !grader::files::is_source(relative) || relative.starts_with("grader/tests") {
            continue;
        }
        let regions = exercises::regions(&text).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let mut inside = vec![false; lines.len()];
        for region in &regions {
            for flag in &mut inside[region.start + 1..region.end] {
                *flag = true;
            }
            for line in &lines[region.start + 1..region.end] {
                solution_lines.push((relative.clone(), line.trim().to_owned()));
            }
        }
        for (line, inside) in lines.iter().zip(inside) {
            if !inside {
                outside.push_str(line);
                outside.push('\n');
            }
        }
    }
    let telling: Vec<_> = solution_lines
        .into_iter()
        .filter(|(_, line)| line.len() > 8 && !outside.contains(line.as_str()))
        .collect();
    assert!(
        telling.len() >= 9,
        "solutions have telling lines: {telling:?}"
    );
    let starter_text: String = grader::files::workspace_files(&starter)
        .unwrap()
        .into_values()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .collect();
    for (file, line) in telling {
        assert!(
            !starter_text.contains(line.as_str()),
            "the starter gives away {line:?} from {}",
            file.display()
        );
    }
    assert!(
        !starter.join("grader/tests").exists(),
        "no self-check, no wrong answers"
    );
    assert!(!starter.join("docs/book").exists(), "no built book");
}

#[test]
fn the_starter_keeps_scripts_runnable() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let starter = dir.path().join("starter");
    write_starter(&starter);
    for script in ["kafka/start", "kafka/stop", "java-lesson/run", ".ci/run"] {
        let mode = std::fs::metadata(starter.join(script))
            .unwrap()
            .permissions()
            .mode();
        assert_ne!(mode & 0o111, 0, "{script} is not executable ({mode:o})");
    }
}
