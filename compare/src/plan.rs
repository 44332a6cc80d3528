//! What a run measures: the modes, in the order one repetition runs them, and the
//! ratios the slide's comparison quotes.

use serde::{Deserialize, Serialize};

/// One row of the table. Declared in run order: each repetition runs the chosen modes
/// in this order, so fire-and-forget and kcat, the closest pair, run back to back.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    FireAndForget,
    Kcat,
    Callback,
    Future,
    Sync,
    CallbackInlineWork,
    CallbackOffloadedWork,
    ErrorReportsOnly,
}

impl Mode {
    /// Every mode, in run order.
    pub fn all() -> &'static [Mode] {
        <Mode as clap::ValueEnum>::value_variants()
    }

    /// The modes a plain run measures: all but kcat, which needs `--vs-kcat`.
    pub fn defaults() -> Vec<Mode> {
        Self::all()
            .iter()
            .copied()
            .filter(|&mode| mode != Mode::Kcat)
            .collect()
    }

    /// The embedded broker's topic for this mode: each mode counts its own records.
    pub fn topic(self) -> &'static str {
        match self {
            Mode::FireAndForget => "compare-fire-and-forget",
            Mode::Kcat => "compare-kcat",
            Mode::Callback => "compare-callback",
            Mode::Future => "compare-future",
            Mode::Sync => "compare-sync",
            Mode::CallbackInlineWork => "compare-slow-inline",
            Mode::CallbackOffloadedWork => "compare-slow-offloaded",
            Mode::ErrorReportsOnly => "compare-fire-and-forget-error-reports",
        }
    }

    /// Every mode's topic, for the embedded broker to create.
    pub fn all_topics() -> Vec<&'static str> {
        Self::all().iter().map(|mode| mode.topic()).collect()
    }
}

/// A ratio of two modes' messages per second, taken within each repetition.
pub struct RatioOf {
    pub key: &'static str,
    pub label: &'static str,
    pub numerator: Mode,
    pub denominator: Mode,
}

/// The ratios reported, each when both of its modes ran.
pub const RATIOS: [RatioOf; 5] = [
    RatioOf {
        key: "fire_and_forget_vs_kcat",
        label: "Fire-and-forget / kcat",
        numerator: Mode::FireAndForget,
        denominator: Mode::Kcat,
    },
    RatioOf {
        key: "callback_vs_fire_and_forget",
        label: "Callback / fire-and-forget",
        numerator: Mode::Callback,
        denominator: Mode::FireAndForget,
    },
    RatioOf {
        key: "future_vs_fire_and_forget",
        label: "Future window / fire-and-forget",
        numerator: Mode::Future,
        denominator: Mode::FireAndForget,
    },
    RatioOf {
        key: "sync_slowdown_vs_fire_and_forget",
        label: "Fire-and-forget / synchronous (the slowdown)",
        numerator: Mode::FireAndForget,
        denominator: Mode::Sync,
    },
    RatioOf {
        key: "error_reports_only_vs_fire_and_forget",
        label: "Error reports only / fire-and-forget",
        numerator: Mode::ErrorReportsOnly,
        denominator: Mode::FireAndForget,
    },
];
