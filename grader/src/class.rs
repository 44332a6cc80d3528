//! `grader check-all DIR...`: a whole class in one run, with progress while it works,
//! a table at the end, and a CSV and a JSON file for a gradebook or an LMS.

use crate::check::{Grader, ReportCard};
use anyhow::{Context, Result};
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// The copies named on the command line: each DIR is a copy, or (when it is not a
/// workspace itself) a folder whose sub-folders are the copies.
pub fn copies(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut copies = Vec::new();
    for dir in dirs {
        let is_folder_of_copies = dir.is_dir() && !dir.join("Cargo.toml").exists();
        let children = is_folder_of_copies
            .then(|| std::fs::read_dir(dir).ok())
            .flatten();
        match children {
            Some(children) => {
                let mut found: Vec<PathBuf> = children.flatten().map(|e| e.path()).collect();
                found.sort();
                copies.extend(found);
            }
            None => copies.push(dir.clone()),
        }
    }
    copies
}

/// What `--json` holds: the exercises in order, then one card per learner.
#[derive(Serialize)]
struct Gradebook<'a> {
    exercises: Vec<&'a str>,
    learners: &'a [ReportCard],
}

/// Grades every copy; writes the table to stdout and the CSV and JSON files.
pub fn run(
    grader: &mut Grader,
    dirs: &[PathBuf],
    csv: &Path,
    json: &Path,
) -> Result<Vec<ReportCard>> {
    let copies = copies(dirs);
    let per_copy = grader.exercises.len() as u64;
    let on_terminal = std::io::stderr().is_terminal();
    let bar = if on_terminal {
        let bar = ProgressBar::new(copies.len() as u64 * per_copy);
        bar.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {pos}/{len} exercises  {msg}",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut cards = Vec::with_capacity(copies.len());
    for (index, copy) in copies.iter().enumerate() {
        let name = copy.file_name().map_or_else(
            || copy.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        bar.set_message(format!("{name} ({}/{})", index + 1, copies.len()));
        let done_before = bar.position();
        let card = grader.grade(copy, &|exercise| {
            bar.inc(1);
            bar.set_message(format!("{name}: {exercise}"));
        });
        // A broken copy settles all its exercises at once.
        bar.set_position(done_before + per_copy);
        if !on_terminal {
            eprintln!("graded {}/{}: {}", index + 1, copies.len(), summary(&card));
        }
        cards.push(card);
    }
    bar.finish_and_clear();
    println!("{}", table(grader, &cards));
    write_csv(grader, &cards, csv)?;
    let book = Gradebook {
        exercises: grader.exercises.iter().map(|e| e.name.as_str()).collect(),
        learners: &cards,
    };
    std::fs::write(json, serde_json::to_string_pretty(&book)?)
        .with_context(|| format!("cannot write {}", json.display()))?;
    println!(
        "📄 Gradebook written to {} and {}",
        csv.display(),
        json.display()
    );
    Ok(cards)
}

fn summary(card: &ReportCard) -> String {
    match &card.problem {
        Some(problem) => format!("{}: not graded ({problem})", card.learner),
        None => format!("{}: {} of {}", card.learner, card.passed, card.total),
    }
}

/// Learners × exercises, exercises numbered (a legend follows), then each learner's
/// notes: the table stays narrow enough for a terminal.
fn table(grader: &Grader, cards: &[ReportCard]) -> String {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    let mut header = vec!["learner".to_owned(), "score".to_owned()];
    header.extend((1..=grader.exercises.len()).map(|n| n.to_string()));
    header.push("notes".to_owned());
    table.set_header(header);
    let mut notes = String::new();
    for card in cards {
        let mut row = vec![card.learner.clone()];
        let mut said: Vec<String> = card.warnings.clone();
        match &card.problem {
            Some(problem) => {
                row.push("—".into());
                row.extend(grader.exercises.iter().map(|_| "—".to_owned()));
                said.insert(0, format!("not graded: {problem}"));
            }
            None => {
                row.push(format!("{}/{}", card.passed, card.total));
                row.extend(
                    card.grades
                        .iter()
                        .map(|g| if g.passed { "✅" } else { "❌" }.to_owned()),
                );
            }
        }
        row.push(if said.is_empty() {
            String::new()
        } else {
            format!("⚠️ {}", said.len())
        });
        for note in said {
            notes.push_str(&format!("⚠️  {}: {note}\n", card.learner));
        }
        table.add_row(row);
    }
    let legend: Vec<String> = grader
        .exercises
        .iter()
        .enumerate()
        .map(|(i, e)| format!("{} {}", i + 1, e.name))
        .collect();
    format!("{table}\nExercises: {}\n{notes}", legend.join(", "))
}

/// One row per learner: `learner,copy,passed,total,<one column per exercise: 1 or 0>,warnings,problem`.
fn write_csv(grader: &Grader, cards: &[ReportCard], path: &Path) -> Result<()> {
    let mut writer =
        csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut header = vec!["learner", "copy", "passed", "total"];
    header.extend(grader.exercises.iter().map(|e| e.name.as_str()));
    header.extend(["warnings", "problem"]);
    writer.write_record(&header)?;
    for card in cards {
        let mut row = vec![
            card.learner.clone(),
            card.copy.display().to_string(),
            card.passed.to_string(),
            card.total.to_string(),
        ];
        if card.problem.is_some() {
            row.extend(grader.exercises.iter().map(|_| String::new()));
        } else {
            row.extend(card.grades.iter().map(|g| u8::from(g.passed).to_string()));
        }
        row.push(card.warnings.join("; "));
        row.push(card.problem.clone().unwrap_or_default());
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}
