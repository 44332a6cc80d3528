//! `grader starter DIR`: a learner's copy of the workspace, with every solution blanked.
//!
//! The copy holds nothing the solutions can be recovered from: no regions, no grader
//! self-check or wrong answers ([`crate::files::REFERENCE_ONLY`]), no built book.

use crate::exercises::{self, Exercise};
use crate::files;
use anyhow::{bail, Context, Result};
use std::path::Path;

/// What the learner reads first in the starter copy.
pub fn learner_readme(exercises: &[Exercise]) -> String {
    let mut text = String::from(
        "# Async vs Sync Send: your exercises\n\n\
         Each exercise is a `todo!()` between `// ANCHOR: exercise-<name>` and\n\
         `// ANCHOR_END: exercise-<name>`.\n\
         Replace the `todo!()` with your solution, and change nothing outside the markers:\n\
         only what is between them is graded. Check your work with the step's tests,\n\
         e.g. `cargo test -p step-02-callback`.\n\n\
         | crate | exercise | hint |\n|---|---|---|\n",
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
    for (relative, bytes) in files::shipped_files(workspace)? {
        let target = destination.join(&relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let text = files::is_source(&relative)
            .then(|| String::from_utf8(bytes.clone()).ok())
            .flatten();
        match text {
            Some(text) => {
                let regions = exercises::regions(&text)
                    .with_context(|| format!("in {}", relative.display()))?;
                blanked += regions.len();
                std::fs::write(&target, exercises::blank_out(&text, hint_of)?)?;
            }
            None => {
                std::fs::write(&target, bytes)?;
                // Scripts stay runnable (kafka/start, java-lesson/run).
                let permissions = std::fs::metadata(workspace.join(&relative))?.permissions();
                std::fs::set_permissions(&target, permissions)?;
            }
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
