//! Workload patterns: what kind of heavy work the machine is running, with a confidence.
//!
//! This is the interface the `on_workload_pattern` trigger and the strategy read (the seed's
//! `WorkloadPatterns`), and the analyzer that fills it: [`WorkloadAnalyzer`] reads the user's
//! processes under `POWERHOOK_ROOT` (features: [`features`]), decides `idle` by rule and the
//! rest with a small calibrated model ([`model`]). See `docs/workload.md`.

use serde::{Deserialize, Serialize};

pub mod analyzer;
pub mod cli;
pub mod eval;
pub mod features;
pub mod fixture;
pub mod model;
pub mod procfs;

pub use analyzer::{AnalyzerOptions, ProcessVerdict, ScanStats, WorkloadAnalyzer, SEED_PATTERNS};

/// The workload classes. The first three are the seed's `pattern_types`; the rest exist so
/// that a busy machine is not mistaken for a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PatternType {
    NpHard,
    MatrixComputation,
    OptimizationProblem,
    Build,
    MediaEncode,
    Interactive,
    Idle,
    Other,
}

impl PatternType {
    /// Position in [`PatternType::ALL`] (which lists the classes in declaration order).
    pub const fn index(self) -> usize {
        self as usize
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PatternType::NpHard => "np_hard",
            PatternType::MatrixComputation => "matrix_computation",
            PatternType::OptimizationProblem => "optimization_problem",
            PatternType::Build => "build",
            PatternType::MediaEncode => "media_encode",
            PatternType::Interactive => "interactive",
            PatternType::Idle => "idle",
            PatternType::Other => "other",
        }
    }

    /// Parse the seed's snake_case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|p| p.as_str() == s)
    }

    pub const ALL: [PatternType; 8] = [
        PatternType::NpHard,
        PatternType::MatrixComputation,
        PatternType::OptimizationProblem,
        PatternType::Build,
        PatternType::MediaEncode,
        PatternType::Interactive,
        PatternType::Idle,
        PatternType::Other,
    ];
}

/// The process a pattern was seen in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatternProcess {
    pub pid: u32,
    pub name: String,
}

/// The seed's `WorkloadPatterns`, snake_case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct WorkloadPatterns {
    /// True when the strongest pattern is `np_hard`.
    pub has_np_hard_pattern: bool,
    /// The strongest pattern seen, if any.
    pub pattern_type: Option<PatternType>,
    /// Calibrated probability (0..=1) that `pattern_type` is right; 0 when there is none.
    pub confidence_score: f64,
    pub process: Option<PatternProcess>,
}

impl WorkloadPatterns {
    /// No pattern seen.
    pub fn none() -> Self {
        Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::PatternType;

    #[test]
    fn index_is_the_position_in_all() {
        for (i, c) in PatternType::ALL.iter().enumerate() {
            assert_eq!(c.index(), i, "{c:?}");
        }
    }
}
