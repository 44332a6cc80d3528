//! The grader's library: exercise regions, starter copies, and grading copies on
//! their answers alone. `main.rs` is the command line over it.

pub mod check;
pub mod class;
pub mod exercises;
pub mod files;
pub mod sandbox;
pub mod starter;
pub mod verdicts;
pub mod worktree;
