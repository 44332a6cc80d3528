//! Which files of the reference workspace a learner gets, and what the grader builds.
//!
//! The starter copy ships them with every solution blanked; the grader's work tree
//! holds them as they are in the reference, and compares a learner's copy against them.

use anyhow::Result;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// Folders never copied anywhere: build output, git history, the rendered book.
const SKIPPED_DIRS: [&str; 3] = ["target", ".git", "book"];

/// Folders that stay with the reference: the grader's self-check and its wrong answers
/// (they hold the solutions, line for line).
pub const REFERENCE_ONLY: [&str; 1] = ["grader/tests"];

fn walk(root: &Path, keep: impl Fn(&Path) -> bool) -> Result<BTreeMap<PathBuf, Vec<u8>>> {
    let mut files = BTreeMap::new();
    let walker = WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            !(entry.file_type().is_dir()
                && SKIPPED_DIRS.contains(&entry.file_name().to_string_lossy().as_ref()))
        });
    for entry in walker {
        let entry = entry?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry.path().strip_prefix(root)?.to_owned();
        if keep(&relative) {
            files.insert(relative, std::fs::read(entry.path())?);
        }
    }
    Ok(files)
}

/// Every file of the workspace at `root` that the grader builds from: path → bytes.
pub fn workspace_files(root: &Path) -> Result<BTreeMap<PathBuf, Vec<u8>>> {
    walk(root, |_| true)
}

/// Whether a learner's copy gets `relative`: everything but [`REFERENCE_ONLY`].
pub fn is_shipped(relative: &Path) -> bool {
    !REFERENCE_ONLY.iter().any(|dir| relative.starts_with(dir))
}

/// The files a learner's copy is made of.
pub fn shipped_files(root: &Path) -> Result<BTreeMap<PathBuf, Vec<u8>>> {
    walk(root, is_shipped)
}

/// Whether `relative` is Rust source, where regions can be.
pub fn is_source(relative: &Path) -> bool {
    relative.extension().is_some_and(|e| e == "rs")
}
