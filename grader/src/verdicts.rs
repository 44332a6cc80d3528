//! Verdicts remembered by answer: the same answer to the same exercise, against the
//! same reference and time limit, gets the same verdict without another build and run.
//!
//! In a class most unsolved regions are the starter's identical `todo!()`, and many
//! solved ones are alike, so a class costs little more than its distinct answers. A
//! time-out is never remembered: it may say more about a busy machine than the answer.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verdict {
    pub passed: bool,
    pub detail: Option<String>,
    #[serde(skip)]
    timed_out: bool,
}

impl Verdict {
    pub fn pass() -> Self {
        Self {
            passed: true,
            detail: None,
            timed_out: false,
        }
    }

    pub fn fail(detail: String) -> Self {
        Self {
            passed: false,
            detail: Some(detail),
            timed_out: false,
        }
    }

    pub fn timed_out(detail: String) -> Self {
        Self {
            timed_out: true,
            ..Self::fail(detail)
        }
    }
}

/// One file per verdict, named by the digest of what it was given.
pub struct Verdicts {
    dir: PathBuf,
    enabled: bool,
}

impl Verdicts {
    pub fn open(dir: &Path, enabled: bool) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self {
            dir: dir.to_owned(),
            enabled,
        })
    }

    /// The key of an answer: reference, exercise, the answer's text, time limit.
    pub fn key(
        &self,
        reference: &str,
        exercise: &str,
        answer: &[Vec<String>],
        timeout: Duration,
    ) -> String {
        let mut digest = Sha256::new();
        digest.update(reference.as_bytes());
        digest.update([0]);
        digest.update(exercise.as_bytes());
        digest.update(timeout.as_millis().to_le_bytes());
        for body in answer {
            digest.update([1]);
            for line in body {
                digest.update(line.as_bytes());
                digest.update([b'\n']);
            }
        }
        format!("{:x}", digest.finalize())
    }

    pub fn get(&self, key: &str) -> Option<Verdict> {
        if !self.enabled {
            return None;
        }
        let text = std::fs::read_to_string(self.dir.join(key)).ok()?;
        serde_json::from_str(&text).ok()
    }

    pub fn put(&self, key: &str, verdict: &Verdict) {
        if verdict.timed_out {
            return;
        }
        if let Ok(text) = serde_json::to_string(verdict) {
            // A verdict that cannot be stored is only a lost shortcut.
            let _ = std::fs::write(self.dir.join(key), text);
        }
    }
}
