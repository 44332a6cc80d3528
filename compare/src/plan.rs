//! What a run measures: the modes, in the order one repetition runs them, and the
//! ratios the slide's comparison quotes.

use serde::{Deserialize, Serialize};

/// One row of the table. Declared in run order: each repetition runs the chosen modes
/// in this order, so each Rust mode runs right before its peers: kcat and Java's.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Row {
    FireAndForget,
    Kcat,
    JavaFireAndForget,
    Callback,
    JavaCallback,
    Future,
    Sync,
    JavaSync,
    CallbackInlineWork,
    CallbackOffloadedWork,
    ErrorReportsOnly,
}

impl Row {
    /// Every mode, in run order.
    pub fn all() -> &'static [Row] {
        <Row as clap::ValueEnum>::value_variants()
    }

    /// The modes a plain run measures: all but the peers, which need `--vs-kcat` and
    /// `--vs-java`.
    pub fn defaults() -> Vec<Row> {
        Self::all()
            .iter()
            .copied()
            .filter(|&mode| mode != Row::Kcat && !mode.is_java())
            .collect()
    }

    /// The Java producer's rows (`--vs-java`).
    pub fn is_java(self) -> bool {
        matches!(
            self,
            Row::JavaFireAndForget | Row::JavaCallback | Row::JavaSync
        )
    }

    /// The embedded broker's topic for this mode: each mode counts its own records.
    pub fn topic(self) -> &'static str {
        match self {
            Row::FireAndForget => "compare-fire-and-forget",
            Row::Kcat => "compare-kcat",
            Row::JavaFireAndForget => "compare-java-fire-and-forget",
            Row::Callback => "compare-callback",
            Row::JavaCallback => "compare-java-callback",
            Row::Future => "compare-future",
            Row::Sync => "compare-sync",
            Row::JavaSync => "compare-java-sync",
            Row::CallbackInlineWork => "compare-slow-inline",
            Row::CallbackOffloadedWork => "compare-slow-offloaded",
            Row::ErrorReportsOnly => "compare-fire-and-forget-error-reports",
        }
    }

    /// Every row's topic and the dead-letter topic, for the embedded broker to create.
    pub fn all_topics() -> Vec<&'static str> {
        let mut topics: Vec<&str> = Self::all().iter().map(|row| row.topic()).collect();
        topics.push(DLQ_TOPIC);
        topics
    }
}

/// Where the callback rows' worker would send dead letters on the embedded broker.
pub const DLQ_TOPIC: &str = "compare-dlq";

/// A ratio of two modes' messages per second, taken within each repetition.
pub struct RatioOf {
    pub key: &'static str,
    pub label: &'static str,
    pub numerator: Row,
    pub denominator: Row,
}

/// The ratios reported, each when both of its modes ran.
pub const RATIOS: [RatioOf; 8] = [
    RatioOf {
        key: "fire_and_forget_vs_kcat",
        label: "Fire-and-forget / kcat",
        numerator: Row::FireAndForget,
        denominator: Row::Kcat,
    },
    RatioOf {
        key: "rust_vs_java_fire_and_forget",
        label: "Fire-and-forget, Rust / Java",
        numerator: Row::FireAndForget,
        denominator: Row::JavaFireAndForget,
    },
    RatioOf {
        key: "rust_vs_java_callback",
        label: "Callback, Rust / Java",
        numerator: Row::Callback,
        denominator: Row::JavaCallback,
    },
    RatioOf {
        key: "rust_vs_java_sync",
        label: "Synchronous, Rust / Java",
        numerator: Row::Sync,
        denominator: Row::JavaSync,
    },
    RatioOf {
        key: "callback_vs_fire_and_forget",
        label: "Callback / fire-and-forget",
        numerator: Row::Callback,
        denominator: Row::FireAndForget,
    },
    RatioOf {
        key: "future_vs_fire_and_forget",
        label: "Future window / fire-and-forget",
        numerator: Row::Future,
        denominator: Row::FireAndForget,
    },
    RatioOf {
        key: "sync_slowdown_vs_fire_and_forget",
        label: "Fire-and-forget / synchronous (the slowdown)",
        numerator: Row::FireAndForget,
        denominator: Row::Sync,
    },
    RatioOf {
        key: "error_reports_only_vs_fire_and_forget",
        label: "Error reports only / fire-and-forget",
        numerator: Row::ErrorReportsOnly,
        denominator: Row::FireAndForget,
    },
];
