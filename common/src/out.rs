//! Where a run's lines go: the terminal for a learner, nowhere for `compare`, a list for
//! an in-process test. Passed in, so one send loop serves all three.

use std::sync::{Arc, Mutex};

#[derive(Clone, Debug, Default)]
pub enum Out {
    /// Print each line on stdout, as the slides do.
    #[default]
    Terminal,
    /// Build no line at all: a measurement pays nothing for output.
    Quiet,
    /// Keep each line, for a test to read.
    Collect(Arc<Mutex<Vec<String>>>),
}

impl Out {
    /// An `Out` that keeps its lines, and the list they go to.
    pub fn collect() -> (Self, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        (Out::Collect(Arc::clone(&lines)), lines)
    }

    /// Says the line that `line` builds. A quiet run never calls it.
    pub fn say(&self, line: impl FnOnce() -> String) {
        match self {
            Out::Terminal => println!("{}", line()),
            Out::Quiet => {}
            Out::Collect(lines) => lines.lock().unwrap().push(line()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_builds_no_line_and_collect_keeps_each() {
        Out::Quiet.say(|| unreachable!("a quiet run builds no line"));
        let (out, lines) = Out::collect();
        out.say(|| "one".into());
        out.say(|| "two".into());
        assert_eq!(*lines.lock().unwrap(), ["one", "two"]);
    }
}
