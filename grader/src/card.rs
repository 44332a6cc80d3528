//! A learner's report card: a grade per exercise, warnings, and how a person reads it.

use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize)]
pub struct Grade {
    pub step: String,
    pub exercise: String,
    pub passed: bool,
    /// For a failure: why (the first failed assertion, compiler error, time limit...).
    pub detail: Option<String>,
    pub hint: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportCard {
    pub learner: String,
    pub copy: PathBuf,
    pub passed: usize,
    pub total: usize,
    pub grades: Vec<Grade>,
    /// Things the grader wants a person to know: edits outside the markers, isolation.
    pub warnings: Vec<String>,
    /// Set when the copy could not be graded at all (then `grades` is empty).
    pub problem: Option<String>,
}

/// The report card as a person reads it.
pub fn render(card: &ReportCard) -> String {
    let mut text = format!("📋 Report card: {}\n\n", card.learner);
    if let Some(problem) = &card.problem {
        text.push_str(&format!("⛔ not graded: {problem}\n"));
        return text;
    }
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
    for warning in &card.warnings {
        text.push_str(&format!("\n⚠️  {warning}\n"));
    }
    text.push_str(&format!(
        "\n{} of {} exercises pass.\n",
        card.passed, card.total
    ));
    text
}
