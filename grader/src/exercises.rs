//! The exercise list (`exercises.toml`) and the solution regions in the source.
//!
//! A region is the lines strictly between `// ANCHOR: exercise-<name>` and
//! `// ANCHOR_END: exercise-<name>`. The markers are mdBook anchors, so the book's
//! listings drop them like every other anchor line. The reference's regions hold the
//! solutions; a learner's regions hold the answers.

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::path::Path;

/// Opens a solution region: followed by the exercise's name.
pub const START_MARKER: &str = "// ANCHOR: exercise-";
/// Closes it: followed by the same name.
pub const END_MARKER: &str = "// ANCHOR_END: exercise-";

#[derive(Debug, Clone, Deserialize)]
pub struct Exercise {
    pub name: String,
    /// The crate whose source holds the region and whose tests grade it.
    pub step: String,
    pub hint: String,
    /// `package::test-target::test-name`.
    pub tests: Vec<String>,
}

#[derive(Deserialize)]
struct ExerciseFile {
    exercise: Vec<Exercise>,
}

/// Reads `exercises.toml` at the root of `workspace`.
pub fn load(workspace: &Path) -> Result<Vec<Exercise>> {
    let path = workspace.join("exercises.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let file: ExerciseFile =
        toml::from_str(&text).with_context(|| format!("{} is not valid", path.display()))?;
    Ok(file.exercise)
}

/// One test, split into its parts.
pub struct TestId<'a> {
    pub package: &'a str,
    pub target: &'a str,
    pub name: &'a str,
}

pub fn parse_test(id: &str) -> Result<TestId<'_>> {
    let mut parts = id.splitn(3, "::");
    match (parts.next(), parts.next(), parts.next()) {
        (Some(package), Some(target), Some(name)) => Ok(TestId {
            package,
            target,
            name,
        }),
        _ => bail!("test {id:?} is not package::target::name"),
    }
}

/// A solution region: the lines strictly between the markers.
pub struct Region {
    pub name: String,
    /// Index of the START_MARKER line.
    pub start: usize,
    /// Index of the END_MARKER line.
    pub end: usize,
}

fn start_of(line: &str) -> Option<&str> {
    line.trim().strip_prefix(START_MARKER).map(str::trim)
}

fn end_of(line: &str) -> Option<&str> {
    line.trim().strip_prefix(END_MARKER).map(str::trim)
}

/// Every region in `text`, in order. Unclosed or nested regions are errors: this is
/// the strict reading, for the reference.
pub fn regions(text: &str) -> Result<Vec<Region>> {
    let mut found = Vec::new();
    let mut open: Option<(String, usize)> = None;
    for (index, line) in text.lines().enumerate() {
        if let Some(name) = start_of(line) {
            if let Some((outer, _)) = &open {
                bail!("line {}: exercise {name} starts inside {outer}", index + 1);
            }
            open = Some((name.to_owned(), index));
        } else if let Some(closing) = end_of(line) {
            let Some((name, start)) = open.take() else {
                bail!(
                    "line {}: the end of exercise {closing} without a start",
                    index + 1
                );
            };
            if closing != name {
                bail!("line {}: exercise {name} is closed as {closing}", index + 1);
            }
            found.push(Region {
                name,
                start,
                end: index,
            });
        }
    }
    if let Some((name, start)) = open {
        bail!("line {}: exercise {name} is never closed", start + 1);
    }
    Ok(found)
}

/// The bodies of every region named `name` in `text`, each as its lines. This is the
/// lenient reading, for a learner's copy: only `name`'s own markers must be sound.
pub fn bodies(text: &str, name: &str) -> Result<Vec<Vec<String>>, String> {
    let mut found = Vec::new();
    let mut open: Option<(usize, Vec<String>)> = None;
    for (index, line) in text.lines().enumerate() {
        if let Some((start, body)) = &mut open {
            if end_of(line) == Some(name) {
                found.push(std::mem::take(body));
                open = None;
            } else if start_of(line).is_some() || end_of(line).is_some() {
                return Err(format!(
                    "the region opened at line {} is not closed before line {}",
                    *start + 1,
                    index + 1
                ));
            } else {
                body.push(line.to_owned());
            }
        } else if start_of(line) == Some(name) {
            open = Some((index, Vec::new()));
        }
    }
    match open {
        Some((start, _)) => Err(format!(
            "the region opened at line {} is never closed",
            start + 1
        )),
        None => Ok(found),
    }
}

/// `text` (the reference) with the bodies of `name`'s regions replaced by `answers`,
/// in order. `answers` must have one body per region.
pub fn with_answers(text: &str, name: &str, answers: &[Vec<String>]) -> Result<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<&str> = Vec::with_capacity(lines.len());
    let mut next = 0;
    let mut answers = answers.iter();
    for region in regions(text)?.into_iter().filter(|r| r.name == name) {
        let Some(answer) = answers.next() else {
            bail!("fewer answers than regions for {name}");
        };
        out.extend(&lines[next..=region.start]);
        out.extend(answer.iter().map(String::as_str));
        next = region.end;
    }
    if answers.next().is_some() {
        bail!("more answers than regions for {name}");
    }
    out.extend(&lines[next..]);
    let mut result = out.join("\n");
    if text.ends_with('\n') {
        result.push('\n');
    }
    Ok(result)
}

/// `text` with every region's body replaced by a `todo!` naming the exercise and hint.
/// A region that is one `let` statement keeps its binding, so the code after it compiles.
pub fn blank_out(text: &str, hint_of: impl Fn(&str) -> Option<String>) -> Result<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut next = 0;
    for region in regions(text)? {
        out.extend(lines[next..=region.start].iter().map(|l| l.to_string()));
        let body = &lines[region.start + 1..region.end];
        let indent: String = lines[region.start]
            .chars()
            .take_while(|c| c.is_whitespace())
            .collect();
        let message = format!(
            "{}: {}",
            region.name,
            hint_of(&region.name).unwrap_or_default()
        );
        let todo = format!("todo!(\"{{}}\", {message:?})");
        let first = body.first().map_or("", |l| l.trim());
        let single_let = first.starts_with("let ") && body.len() == 1 && first.ends_with(';');
        match first.split_once(" = ") {
            Some((binding, _)) if single_let => out.push(format!("{indent}{binding} = {todo};")),
            _ => out.push(format!("{indent}{todo};")),
        }
        out.push(lines[region.end].to_string());
        next = region.end + 1;
    }
    out.extend(lines[next..].iter().map(|l| l.to_string()));
    let mut result = out.join("\n");
    if text.ends_with('\n') {
        result.push('\n');
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "fn f() {\n    // ANCHOR: exercise-a\n    let x = compute();\n    // ANCHOR_END: exercise-a\n    // ANCHOR: exercise-b\n    work();\n    more();\n    // ANCHOR_END: exercise-b\n    use_it(x);\n}\n";

    #[test]
    fn regions_are_blanked_out_keeping_let_bindings() {
        let starter = blank_out(SOURCE, |name| Some(format!("hint for {name}"))).unwrap();
        assert_eq!(
            starter,
            "fn f() {\n    // ANCHOR: exercise-a\n    let x = todo!(\"{}\", \"a: hint for a\");\n    // ANCHOR_END: exercise-a\n    // ANCHOR: exercise-b\n    todo!(\"{}\", \"b: hint for b\");\n    // ANCHOR_END: exercise-b\n    use_it(x);\n}\n"
        );
    }

    #[test]
    fn unclosed_and_nested_regions_are_errors() {
        assert!(regions("// ANCHOR: exercise-a\nx();\n").is_err());
        assert!(regions(
            "// ANCHOR: exercise-a\n// ANCHOR: exercise-b\n// ANCHOR_END: exercise-b\n"
        )
        .is_err());
        assert!(regions("// ANCHOR_END: exercise-a\n").is_err());
        assert!(regions("// ANCHOR: exercise-a\nx();\n// ANCHOR_END: exercise-b\n").is_err());
    }

    #[test]
    fn answers_are_read_from_one_copy_and_put_into_another() {
        let learner = SOURCE.replace("    work();\n    more();\n", "    mine();\n");
        let answer = bodies(&learner, "b").unwrap();
        assert_eq!(answer, vec![vec!["    mine();".to_owned()]]);
        assert_eq!(with_answers(SOURCE, "b", &answer).unwrap(), learner);
        // Only b's markers matter for b: a broken a does not stop reading b.
        let broken_a = learner.replacen("    // ANCHOR_END: exercise-a\n", "", 1);
        assert!(bodies(&broken_a, "a").is_err());
        assert_eq!(bodies(&broken_a, "b").unwrap(), answer);
        assert!(bodies(SOURCE, "c").unwrap().is_empty());
        assert!(with_answers(SOURCE, "b", &[]).is_err());
    }
}
