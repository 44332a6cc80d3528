//! The schedule: which exercises are built and run together.
//!
//! Exercises in different step crates are built and run side by side; one in `common`
//! (which every step builds on) goes alone.

use crate::exercises::Exercise;

/// The crate every step builds on: an answer there changes every step's build.
pub const SHARED_CRATE: &str = "common";

/// Groups exercises into build rounds: one per crate per round, and an exercise in the
/// shared crate alone, since every step builds on it.
pub fn rounds<A, T>(pending: Vec<(Exercise, A, T)>) -> Vec<Vec<(Exercise, A, T)>> {
    let mut rounds: Vec<Vec<(Exercise, A, T)>> = Vec::new();
    for item in pending {
        let fits = |round: &Vec<(Exercise, A, T)>| {
            item.0.step != SHARED_CRATE
                && round
                    .iter()
                    .all(|(other, _, _)| other.step != item.0.step && other.step != SHARED_CRATE)
        };
        match rounds.iter_mut().find(|round| fits(round)) {
            Some(round) => round.push(item),
            None => rounds.push(vec![item]),
        }
    }
    rounds
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercise(name: &str, step: &str) -> (Exercise, (), ()) {
        let exercise = Exercise {
            name: name.into(),
            step: step.into(),
            hint: String::new(),
            tests: vec![],
        };
        (exercise, (), ())
    }

    #[test]
    fn rounds_hold_one_exercise_per_crate_and_the_shared_crate_alone() {
        let pending = vec![
            exercise("a", "step-01"),
            exercise("b", "step-02"),
            exercise("c", "step-02"),
            exercise("d", SHARED_CRATE),
            exercise("e", "step-03"),
        ];
        let names: Vec<Vec<String>> = rounds(pending)
            .into_iter()
            .map(|round| round.into_iter().map(|(e, _, _)| e.name).collect())
            .collect();
        assert_eq!(names, [vec!["a", "b", "e"], vec!["c"], vec!["d"]]);
    }
}
