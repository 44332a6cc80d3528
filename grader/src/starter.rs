//! `grader starter DIR`: a learner's copy of the workspace, with every solution blanked.

use crate::exercises::{self, Exercise};
use anyhow::{bail, Context, Result};
use std::path::Path;
use walkdir::WalkDir;

/// Folders never copied: build output, git history, the rendered book.
const SKIPPED: [&str; 3] = ["target", ".git", "book"];

/// What the learner reads first in the starter copy.
fn learner_readme(exercises: &[Exercise]) -> String {
    let mut text = String::from(
        "# Async vs Sync Send: your exercises\n\n\
         Each exercise is a `todo!()` between `// EXERCISE: <name>` and `// END EXERCISE`.\n\
         Replace the `todo!()` with your solution, then grade your work:\n\n\
         ```sh\ncargo run -p grader -- check .\n```\n\n\
         | step | exercise | hint |\n|---|---|---|\n",
    );
    for exercise in exercises {
        text.push_str(&format!(
            "| {} | {} | {} |\n",
            exercise.step, exercise.name, exercise.hint
        ));
    }
    text.push_str(
        "\nRun a step as in the lesson, e.g. `cargo run -p step-02-callback -- --count 20`.\n",
    );
    text
}

/// Writes the starter copy of `workspace` into `destination`.
pub fn write(workspace: &Path, destination: &Path) -> Result<()> {
    let exercises = exercises::load(workspace)?;
    if destination.exists() && destination.read_dir()?.next().is_some() {
        bail!("{} is not empty: pick a new folder", destination.display());
    }
    let hint_of = |name: &str| {
        exercises
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.hint.clone())
    };
    let mut blanked = 0;
    let walker = WalkDir::new(workspace)
        .into_iter()
        .filter_entry(|entry| !SKIPPED.contains(&entry.file_name().to_string_lossy().as_ref()));
    for entry in walker {
        let entry = entry?;
        let relative = entry.path().strip_prefix(workspace)?;
        let target = destination.join(relative);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target)?;
            continue;
        }
        let is_source = entry.path().extension().is_some_and(|e| e == "rs");
        let is_grader = relative.starts_with("grader");
        if is_source && !is_grader {
            let text = std::fs::read_to_string(entry.path())?;
            let regions =
                exercises::regions(&text).with_context(|| format!("in {}", relative.display()))?;
            blanked += regions.len();
            std::fs::write(&target, exercises::blank_out(&text, hint_of)?)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    std::fs::write(destination.join("EXERCISES.md"), learner_readme(&exercises))?;
    println!(
        "✏️  Starter copy written to {} ({} exercises, {blanked} regions to fill in). Start with EXERCISES.md.",
        destination.display(),
        exercises.len()
    );
    Ok(())
}
