//! Grading one learner's copy: its answers, and nothing else of it.
//!
//! Each exercise is graded in the work tree: the reference workspace (its tests,
//! snapshots, helpers, manifests and every other solution) with only that exercise's
//! regions replaced by the learner's text. So an edited test grades nothing, a
//! `todo!()` in one region cannot fail another, and a failure is blamed on the
//! exercise whose answer caused it. Which exercises run together is the schedule's
//! ([`crate::schedule`]); building and running their tests is [`crate::test_run`]'s.

pub use crate::card::{render, Grade, ReportCard};
use crate::exercises::{self, Exercise};
use crate::files;
use crate::forbidden;
use crate::sandbox::{Isolation, Sandbox};
use crate::schedule::rounds;
use crate::test_run::TestRunner;
use crate::verdicts::{Verdict, Verdicts};
use crate::worktree::WorkTree;
use anyhow::Result;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How to grade: shared by every copy of a run.
pub struct Grader {
    pub exercises: Vec<Exercise>,
    pub work: WorkTree,
    pub verdicts: Verdicts,
    pub isolation: Isolation,
    pub timeout: Duration,
    scratch: tempfile::TempDir,
    /// Exercise name → the file that holds its regions in the reference, and how many.
    locations: BTreeMap<String, (PathBuf, usize)>,
    /// The files that hold regions: a test run sees them empty.
    region_files: Vec<PathBuf>,
}

/// A learner's answer to one exercise: the file, and that file with the answer in it.
struct Answer {
    file: PathBuf,
    bodies: Vec<Vec<String>>,
}

impl Grader {
    /// A grader over `reference`, keeping its work tree and verdicts in `base`. Without
    /// the sandbox it refuses, unless `allow_unsandboxed`.
    pub fn new(
        reference: &Path,
        base: &Path,
        timeout: Duration,
        use_cache: bool,
        allow_unsandboxed: bool,
    ) -> Result<Self> {
        let exercises = exercises::load(reference)?;
        let work = WorkTree::prepare(reference, base)?;
        let mut locations = BTreeMap::new();
        for (relative, bytes) in files::workspace_files(reference)? {
            if !files::is_source(&relative) {
                continue;
            }
            let text = String::from_utf8_lossy(&bytes);
            for region in exercises::regions(&text)? {
                if text.contains("todo!(") && region_is_todo(&text, &region) {
                    anyhow::bail!(
                        "the reference has no solution for {} in {}: grade with the reference workspace's grader, not a learner's",
                        region.name,
                        relative.display()
                    );
                }
                let entry = locations
                    .entry(region.name.clone())
                    .or_insert((relative.clone(), 0));
                entry.1 += 1;
            }
        }
        let isolation = match Sandbox::find(base) {
            Ok(sandbox) => Isolation::Sandboxed(sandbox),
            Err(why) if allow_unsandboxed => Isolation::Unsandboxed(why),
            Err(why) => anyhow::bail!(
                "cannot sandbox learner code: {why}. The grader runs no learner's code without its sandbox; to grade trusted copies anyway, pass --allow-unsandboxed (every card then says NOT SANDBOXED)"
            ),
        };
        let mut region_files: Vec<PathBuf> =
            locations.values().map(|(file, _)| file.clone()).collect();
        region_files.sort();
        region_files.dedup();
        Ok(Self {
            verdicts: Verdicts::open(&base.join("verdicts"), use_cache)?,
            isolation,
            timeout,
            scratch: tempfile::tempdir()?,
            locations,
            region_files,
            exercises,
            work,
        })
    }

    /// Grades the copy at `dir`. `progress` is told each time an exercise is settled.
    pub fn grade(&mut self, dir: &Path, progress: &dyn Fn(&str)) -> ReportCard {
        let learner = dir.file_name().map_or_else(
            || dir.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let mut card = ReportCard {
            learner,
            copy: dir.to_owned(),
            passed: 0,
            total: self.exercises.len(),
            grades: Vec::new(),
            warnings: Vec::new(),
            problem: None,
        };
        if let Err(problem) = readable_workspace(dir) {
            card.problem = Some(problem);
            return card;
        }
        match self.grade_answers(dir, progress) {
            Ok((grades, warnings)) => {
                card.passed = grades.iter().filter(|g| g.passed).count();
                card.grades = grades;
                card.warnings = warnings;
            }
            Err(err) => card.problem = Some(format!("{err:#}")),
        }
        // The work tree holds the reference again between copies.
        if let Err(err) = self.work.apply(&BTreeMap::new()) {
            card.problem
                .get_or_insert(format!("cannot restore the work tree: {err:#}"));
        }
        card.warnings.extend(self.isolation.warning());
        card
    }

    fn grade_answers(
        &mut self,
        dir: &Path,
        progress: &dyn Fn(&str),
    ) -> Result<(Vec<Grade>, Vec<String>)> {
        let mut warnings = Vec::new();
        let edited = self.edited_outside_markers(dir)?;
        if !edited.is_empty() {
            warnings.push(format!(
                "edited outside the exercise markers (not graded, the reference's version was used): {}",
                edited.join(", ")
            ));
        }
        // Settle what needs no run: broken markers, and answers graded before.
        let mut verdicts: BTreeMap<String, Verdict> = BTreeMap::new();
        let mut pending: Vec<(Exercise, Answer, String)> = Vec::new();
        for exercise in self.exercises.clone() {
            match self.answer(dir, &exercise) {
                Err(detail) => {
                    verdicts.insert(exercise.name.clone(), Verdict::fail(detail));
                    progress(&exercise.name);
                }
                Ok(answer) => {
                    let key = self.verdicts.key(
                        &self.work.fingerprint,
                        &exercise.name,
                        &answer.bodies,
                        self.timeout,
                    );
                    match self.verdicts.get(&key) {
                        Some(verdict) => {
                            verdicts.insert(exercise.name.clone(), verdict);
                            progress(&exercise.name);
                        }
                        None => pending.push((exercise, answer, key)),
                    }
                }
            }
        }
        for round in rounds(pending) {
            for (exercise, verdict, key) in self.run_round(round)? {
                self.verdicts.put(&key, &verdict);
                verdicts.insert(exercise.name.clone(), verdict);
                progress(&exercise.name);
            }
        }
        let grades = self
            .exercises
            .iter()
            .map(|exercise| {
                let verdict = verdicts
                    .remove(&exercise.name)
                    .expect("every exercise settled");
                Grade {
                    step: exercise.step.clone(),
                    exercise: exercise.name.clone(),
                    passed: verdict.passed,
                    detail: verdict.detail,
                    hint: exercise.hint.clone(),
                }
            })
            .collect();
        Ok((grades, warnings))
    }

    /// The learner's regions for `exercise`, or why they cannot be read.
    fn answer(&self, dir: &Path, exercise: &Exercise) -> Result<Answer, String> {
        let Some((file, expected)) = self.locations.get(&exercise.name) else {
            return Err(format!("{} has no region in the reference", exercise.name));
        };
        let shown = file.display();
        let text = std::fs::read_to_string(dir.join(file))
            .map_err(|err| format!("cannot read {shown} in the copy: {err}"))?;
        let bodies = exercises::bodies(&text, &exercise.name)
            .map_err(|err| format!("markers for `{}` in {shown}: {err}", exercise.name))?;
        match bodies.len() {
            0 => Err(format!(
                "markers for `{}` not found in {shown}",
                exercise.name
            )),
            found if found == *expected => match bodies.iter().find_map(|b| forbidden::refusal(b)) {
                Some(refusal) => Err(refusal),
                None => Ok(Answer {
                    file: file.clone(),
                    bodies,
                }),
            },
            found => Err(format!(
                "markers for `{}` in {shown}: {found} regions, where the exercise has {expected} (duplicated or removed?)",
                exercise.name
            )),
        }
    }

    /// Shipped files of the reference that the copy lacks or changed outside the
    /// regions. Region bodies are compared as the copy's own answers, so only edits
    /// outside them show.
    fn edited_outside_markers(&self, dir: &Path) -> Result<Vec<String>> {
        let mut edited = Vec::new();
        let shipped = self
            .work
            .reference_files()
            .iter()
            .filter(|(relative, _)| files::is_shipped(relative));
        for (relative, reference) in shipped {
            let shown = relative.display().to_string();
            let Ok(copy) = std::fs::read(dir.join(relative)) else {
                edited.push(format!("{shown} (missing)"));
                continue;
            };
            let same = match (std::str::from_utf8(reference), std::str::from_utf8(&copy)) {
                (Ok(reference), Ok(copy)) if files::is_source(relative) => {
                    same_outside_regions(reference, copy)
                }
                _ => *reference == copy,
            };
            if !same {
                edited.push(shown);
            }
        }
        Ok(edited)
    }

    /// Builds and runs one round: at most one exercise per crate.
    fn run_round(
        &mut self,
        round: Vec<(Exercise, Answer, String)>,
    ) -> Result<Vec<(Exercise, Verdict, String)>> {
        let mut overrides = BTreeMap::new();
        for (exercise, answer, _) in &round {
            let reference = self
                .work
                .reference_text(&answer.file)
                .expect("the region's file is in the reference");
            let text = exercises::with_answers(reference, &exercise.name, &answer.bodies)?;
            overrides.insert(answer.file.clone(), text);
        }
        self.work.apply(&overrides)?;
        // Build one crate after another (cargo uses both cores for each), then run the
        // round's tests side by side: they mostly wait on the embedded broker.
        let runner = TestRunner {
            work: &self.work,
            isolation: &self.isolation,
            timeout: self.timeout,
            scratch: self.scratch.path(),
            hidden: &self.region_files,
        };
        crate::test_run::writable_again(&self.work.target_dir);
        let mut builds = Vec::new();
        for (exercise, _, _) in &round {
            builds.push(runner.build(exercise)?);
        }
        let runner = &runner;
        let verdicts: Vec<Result<Verdict>> = std::thread::scope(|scope| {
            let runs: Vec<_> = round
                .iter()
                .zip(builds)
                .map(|((exercise, _, _), build)| {
                    scope.spawn(move || match build {
                        Err(verdict) => Ok(verdict),
                        Ok(executables) => runner.run_tests(exercise, &executables),
                    })
                })
                .collect();
            runs.into_iter()
                .map(|run| run.join().expect("a test runner thread does not panic"))
                .collect()
        });
        let verdicts: Vec<Verdict> = verdicts.into_iter().collect::<Result<_>>()?;
        // No result counts from a work tree that is not what the grader wrote.
        let tampering = self.work.tampering()?;
        if tampering.is_empty() {
            return Ok(round
                .into_iter()
                .zip(verdicts)
                .map(|((exercise, _, key), verdict)| (exercise, verdict, key))
                .collect());
        }
        self.work.restore()?;
        if round.len() == 1 {
            let (exercise, _, key) = round.into_iter().next().expect("one");
            let verdict = Verdict::fail(format!(
                "its tests changed the grader's work tree ({}); the grader put it back",
                tampering.join(", ")
            ));
            return Ok(vec![(exercise, verdict, key)]);
        }
        // Which one did it: each again, alone.
        let mut settled = Vec::new();
        for item in round {
            settled.extend(self.run_round(vec![item])?);
        }
        Ok(settled)
    }
}

/// Whether `region` (of the reference) holds only a `todo!`: a starter copy, not a reference.
fn region_is_todo(text: &str, region: &exercises::Region) -> bool {
    let lines: Vec<&str> = text.lines().collect();
    let body = &lines[region.start + 1..region.end];
    body.len() == 1 && body[0].contains("todo!(")
}

/// Why `dir` cannot be graded at all, if it cannot.
fn readable_workspace(dir: &Path) -> Result<(), String> {
    let shown = dir.display();
    match std::fs::metadata(dir) {
        Err(err) => return Err(format!("cannot read {shown}: {err}")),
        Ok(meta) if !meta.is_dir() => return Err(format!("{shown} is not a folder")),
        Ok(_) => {}
    }
    if let Err(err) = std::fs::read_dir(dir) {
        return Err(format!("cannot read {shown}: {err}"));
    }
    if !dir.join("Cargo.toml").is_file() {
        return Err(format!(
            "{shown} is not a copy of the lesson workspace (no Cargo.toml)"
        ));
    }
    Ok(())
}

/// Whether two versions of a source file agree everywhere but inside their regions.
fn same_outside_regions(reference: &str, copy: &str) -> bool {
    let Ok(regions) = exercises::regions(reference) else {
        return reference == copy;
    };
    let mut expected = reference.to_owned();
    let mut names: Vec<&str> = regions.iter().map(|r| r.name.as_str()).collect();
    names.dedup();
    for name in names {
        let Ok(bodies) = exercises::bodies(copy, name) else {
            return false;
        };
        match exercises::with_answers(&expected, name, &bodies) {
            Ok(text) => expected = text,
            Err(_) => return false,
        }
    }
    expected.replace("\r\n", "\n") == copy.replace("\r\n", "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_inside_regions_are_not_edits_outside() {
        let reference = "a\n// ANCHOR: exercise-x\nsolution\n// ANCHOR_END: exercise-x\nb\n";
        let answered = reference.replace("solution", "todo!()\nmore");
        assert!(same_outside_regions(reference, &answered));
        assert!(!same_outside_regions(
            reference,
            &answered.replace("b\n", "c\n")
        ));
        let unmarked = answered.replace("// ANCHOR_END: exercise-x\n", "");
        assert!(!same_outside_regions(reference, &unmarked));
    }
}
