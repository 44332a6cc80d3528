//! What the end-to-end tests share: finding the step binaries `cargo test` built.

use std::path::PathBuf;

/// The step binary `name`, built beside this test by `cargo test --workspace`.
pub fn step_binary(name: &str) -> PathBuf {
    let deps = std::env::current_exe().unwrap();
    let binary = deps.parent().unwrap().parent().unwrap().join(name);
    assert!(
        binary.exists(),
        "{} is not built: run cargo test --workspace",
        binary.display()
    );
    binary
}
