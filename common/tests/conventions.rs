//! The workspace's conventions, checked: the book includes only what exists, its links
//! resolve, its code comes from the sources, and every step opens with a `//!` header.

use regex::Regex;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn book_pages() -> Vec<(PathBuf, String)> {
    let src = workspace().join("docs/src");
    let mut pages: Vec<_> = std::fs::read_dir(&src)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path, text)
        })
        .collect();
    pages.sort();
    assert!(pages.len() > 5, "the book has its pages");
    pages
}

/// The lines of `text` between `ANCHOR: name` and `ANCHOR_END: name`, or an error.
fn anchored<'a>(text: &'a str, name: &str) -> Result<Vec<&'a str>, String> {
    let is_marker = |line: &str, marker: &str| {
        line.split_once(marker)
            .is_some_and(|(_, rest)| rest.split_whitespace().next() == Some(name))
    };
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| is_marker(l, "ANCHOR:"))
        .ok_or("no ANCHOR")?;
    let end = lines
        .iter()
        .position(|l| is_marker(l, "ANCHOR_END:"))
        .ok_or("no ANCHOR_END")?;
    if end <= start {
        return Err("ANCHOR_END before ANCHOR".into());
    }
    Ok(lines[start + 1..end]
        .iter()
        .copied()
        .filter(|l| !l.contains("ANCHOR:") && !l.contains("ANCHOR_END:"))
        .collect())
}

/// Problems with one `{{#include path:selector}}` of `page`.
fn check_include(page: &Path, target: &str) -> Result<(), String> {
    let (path, selector) = match target.split_once(':') {
        Some((path, selector)) => (path, Some(selector)),
        None => (target, None),
    };
    let file = page.parent().unwrap().join(path);
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{path}: {e}"))?;
    match selector {
        // Line ranges such as `5:` (snapshot bodies) need the file to reach that line.
        Some(range) if range.split(':').next().unwrap().parse::<usize>().is_ok() => {
            let first: usize = range.split(':').next().unwrap().parse().unwrap();
            if text.lines().count() < first {
                return Err(format!("{path} has fewer than {first} lines"));
            }
        }
        Some(anchor) => {
            let body = anchored(&text, anchor).map_err(|e| format!("{path}:{anchor}: {e}"))?;
            if body.iter().all(|l| l.trim().is_empty()) {
                return Err(format!("{path}:{anchor}: empty anchor"));
            }
        }
        None => {}
    }
    Ok(())
}

#[test]
fn every_include_names_an_existing_file_and_non_empty_anchor() {
    let include = Regex::new(r"\{\{#include ([^}]+)\}\}").unwrap();
    let mut problems = Vec::new();
    let mut includes = 0;
    for (page, text) in book_pages() {
        for caps in include.captures_iter(&text) {
            includes += 1;
            if let Err(problem) = check_include(&page, caps[1].trim()) {
                problems.push(format!("{}: {problem}", page.display()));
            }
        }
    }
    assert!(includes > 10, "the book includes its code");
    assert!(
        problems.is_empty(),
        "broken includes:\n{}",
        problems.join("\n")
    );
}

#[test]
fn include_check_catches_a_renamed_anchor() {
    let page = workspace().join("docs/src/03-fire-and-forget.md");
    assert!(check_include(&page, "../../step-01-fire-and-forget/src/lib.rs:flush").is_ok());
    assert!(check_include(
        &page,
        "../../step-01-fire-and-forget/src/lib.rs:flush_renamed"
    )
    .is_err());
    assert!(check_include(&page, "../../no/such/file.rs:flush").is_err());
    assert!(anchored("// ANCHOR: a\n\n// ANCHOR_END: a\n", "a")
        .unwrap()
        .iter()
        .all(|l| l.is_empty()));
}

#[test]
fn every_internal_link_resolves() {
    let link = Regex::new(r"\]\(([^)#]+\.md)(#[^)]*)?\)").unwrap();
    let src = workspace().join("docs/src");
    let mut broken = Vec::new();
    for (page, text) in book_pages() {
        for caps in link.captures_iter(&text) {
            if !caps[1].starts_with("http") && !src.join(&caps[1]).exists() {
                broken.push(format!("{}: {}", page.display(), &caps[1]));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn code_blocks_are_included_not_pasted() {
    let mut pasted = Vec::new();
    for (page, text) in book_pages() {
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let Some(language) = line.strip_prefix("```") else {
                continue;
            };
            let body: Vec<&str> = lines
                .by_ref()
                .take_while(|l| !l.starts_with("```"))
                .collect();
            let included = body.iter().all(|l| l.starts_with("{{#include"));
            // Commands a person types: cargo, or the workspace's Kafka runner (both
            // run by tests: documented_commands.rs, kafka_runner.rs and acks.rs).
            let commands = language == "sh"
                && body.iter().all(|l| {
                    (l.starts_with("cargo ") || l.starts_with("kafka/")) && !l.contains('\\')
                });
            if !included && !commands {
                pasted.push(format!(
                    "{}: ```{language} block: {:?}",
                    page.display(),
                    body.first()
                ));
            }
        }
    }
    assert!(
        pasted.is_empty(),
        "pasted code blocks:\n{}",
        pasted.join("\n")
    );
}

/// Fences that do not close where they seem to: a closing fence with text after it
/// (CommonMark reads it as code, and the block runs on), or a block left open.
fn unclosed_fences(text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut open_at = None;
    for (number, line) in text.lines().enumerate() {
        let Some(rest) = line.trim_start().strip_prefix("```") else {
            continue;
        };
        match open_at {
            None => open_at = Some(number + 1),
            Some(_) if rest.trim().is_empty() => open_at = None,
            Some(opened) => problems.push(format!(
                "line {}: text after the fence that should close the block of line {opened}",
                number + 1
            )),
        }
    }
    if let Some(opened) = open_at {
        problems.push(format!("the block of line {opened} never closes"));
    }
    problems
}

#[test]
fn every_code_block_closes() {
    assert_eq!(unclosed_fences("```sh\ncargo run\n```\ntext\n").len(), 0);
    assert_eq!(unclosed_fences("```text\nout\n``` More text.\n").len(), 2);
    let mut problems = Vec::new();
    for (page, text) in book_pages() {
        for problem in unclosed_fences(&text) {
            problems.push(format!("{}: {problem}", page.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_step_opens_with_a_header_that_says_how_to_run_it() {
    let steps = step_crates();
    assert!(steps.len() >= 4, "{steps:?}");
    for step in &steps {
        let lib = std::fs::read_to_string(workspace().join(step).join("src/lib.rs")).unwrap();
        assert!(lib.starts_with("//! Step "), "{step} has no //! header");
        assert!(
            lib.contains(&format!("//! Run it: `cargo run -p {step}")),
            "{step}: how to run it"
        );
        assert!(lib.contains("//! Notice"), "{step}: what to notice");
        // The slide's central call is in the step's own library, in view.
        assert!(
            lib.contains("producer.send(") || lib.contains("producer.send_result("),
            "{step}: its producer.send call is in its lib.rs"
        );
        // The binary only sets up the process and calls the library.
        let main = std::fs::read_to_string(workspace().join(step).join("src/main.rs")).unwrap();
        let crate_name = step.replace('-', "_");
        assert!(
            main.contains(&format!("{crate_name}::run(")) && main.contains("Out::Terminal"),
            "{step}: main.rs delegates to {crate_name}::run"
        );
    }
}

/// The workspace's step crates, `step-NN-name`, in order.
fn step_crates() -> Vec<String> {
    let mut steps: Vec<String> = std::fs::read_dir(workspace())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("step-"))
        .collect();
    steps.sort();
    steps
}

#[test]
fn common_names_no_step() {
    let step_name = regex::Regex::new(r"(?i)step[ _-]?0\d").unwrap();
    let mut found = Vec::new();
    for (path, text) in sources_under(&workspace().join("common/src")) {
        for (number, line) in text.lines().enumerate() {
            if step_name.is_match(line) {
                found.push(format!("{}:{}: {line}", path.display(), number + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "common names a step:\n{}",
        found.join("\n")
    );
}

#[derive(serde::Deserialize)]
struct Exercise {
    name: String,
    step: String,
    tests: Vec<String>,
}

#[derive(serde::Deserialize)]
struct ExerciseList {
    exercise: Vec<Exercise>,
}

/// Every `.rs` file under `dir`, with its text.
fn sources_under(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(sources_under(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
        }
    }
    found
}

#[test]
fn every_exercise_lives_in_its_step_is_graded_there_and_is_listed_on_its_page() {
    let list: ExerciseList =
        toml::from_str(&std::fs::read_to_string(workspace().join("exercises.toml")).unwrap())
            .unwrap();
    let pages: String = book_pages().into_iter().map(|(_, text)| text).collect();
    let mut sources = Vec::new();
    for dir in std::iter::once("common".to_owned()).chain(step_crates()) {
        sources.extend(sources_under(&workspace().join(dir).join("src")));
    }
    for exercise in &list.exercise {
        let marker = format!("// ANCHOR: exercise-{}\n", exercise.name);
        let homes: Vec<&PathBuf> = sources
            .iter()
            .filter(|(_, text)| text.contains(&marker))
            .map(|(path, _)| path)
            .collect();
        assert_eq!(
            homes.len(),
            1,
            "{}: regions in exactly one file: {homes:?}",
            exercise.name
        );
        let crate_dir = workspace().join(&exercise.step);
        assert!(
            homes[0].starts_with(&crate_dir),
            "{}: step {} but the region is in {}",
            exercise.name,
            exercise.step,
            homes[0].display()
        );
        assert!(
            !exercise.tests.is_empty(),
            "{}: graded by some test",
            exercise.name
        );
        for test in &exercise.tests {
            let parts: Vec<&str> = test.splitn(3, "::").collect();
            assert_eq!(parts.len(), 3, "{test}: package::target::name");
            assert_eq!(
                parts[0], exercise.step,
                "{}: graded by {test}, outside its step",
                exercise.name
            );
            let target = crate_dir.join("tests").join(format!("{}.rs", parts[1]));
            let text = std::fs::read_to_string(&target)
                .unwrap_or_else(|_| panic!("{test}: no test file {}", target.display()));
            assert!(
                text.contains(&format!("fn {}()", parts[2])),
                "{test}: no such test in {}",
                target.display()
            );
        }
        assert!(
            pages.contains(&format!("`{}`", exercise.name)),
            "{} is not on its step's page",
            exercise.name
        );
    }
    assert_eq!(list.exercise.len(), 9, "exercises listed");
}
