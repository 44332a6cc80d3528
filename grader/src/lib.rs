//! The grader's library: exercise regions, starter copies, and grading copies on
//! their answers alone. `main.rs` is the command line over it.

pub mod card;
pub mod check;
pub mod class;
pub mod exercises;
pub mod files;
pub mod forbidden;
pub mod sandbox;
pub mod schedule;
pub mod starter;
pub mod test_run;
pub mod verdicts;
pub mod worktree;
