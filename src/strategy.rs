//! The decide stage: the seed's `determineOptimizationStrategy`, in its exact order, then
//! extended with memory, power mode and the schedule. It knows nothing of how an engine works.

use crate::workload::PatternType;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizationType {
    LatencyCritical,
    QuantumAccelerated,
    EnergyEfficient,
    ResourceOptimization,
    MemoryOptimization,
    ContinuousOptimization,
}

impl OptimizationType {
    pub fn as_str(self) -> &'static str {
        match self {
            OptimizationType::LatencyCritical => "latency_critical",
            OptimizationType::QuantumAccelerated => "quantum_accelerated",
            OptimizationType::EnergyEfficient => "energy_efficient",
            OptimizationType::ResourceOptimization => "resource_optimization",
            OptimizationType::MemoryOptimization => "memory_optimization",
            OptimizationType::ContinuousOptimization => "continuous_optimization",
        }
    }
}

/// The seed's engine names, kept in the database. `quantum` is quantum-inspired annealing
/// and `neuromorphic` a spiking (LIF) controller, both on the CPU; `hybrid` is both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    Quantum,
    Neuromorphic,
    Hybrid,
}

impl Engine {
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Quantum => "quantum",
            Engine::Neuromorphic => "neuromorphic",
            Engine::Hybrid => "hybrid",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    High,
    Medium,
    Low,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::High => "high",
            Priority::Medium => "medium",
            Priority::Low => "low",
        }
    }
}

/// The seed's `OptimizationStrategy`, snake_case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Strategy {
    pub should_optimize: bool,
    pub optimization_type: Option<OptimizationType>,
    pub target_engine: Option<Engine>,
    pub priority: Option<Priority>,
    pub reason: String,
}

pub const NO_OPTIMIZATION_REASON: &str = "Current performance within acceptable parameters";

/// What holds now, each with the value that made it hold and the threshold it crossed.
/// The agent fills this from its active (hysteresis-filtered) triggers; `status` from one
/// sample compared directly.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Conditions {
    /// (latency ms, threshold ms) when latency exceeds its threshold.
    pub latency: Option<(f64, f64)>,
    /// (pattern, confidence) when an NP-hard pattern is above the confidence threshold.
    pub np_hard: Option<(PatternType, f64)>,
    /// (battery %, threshold %) when discharging below the threshold.
    pub low_battery: Option<(f64, f64)>,
    /// (CPU %, threshold %) when above.
    pub cpu: Option<(f64, f64)>,
    /// (memory %, threshold %) when above.
    pub memory: Option<(f64, f64)>,
    /// The power mode is the seed's "efficiency" (power-saver / low-power).
    pub efficiency_mode: bool,
    /// The cron schedule is due.
    pub scheduled: bool,
    pub gpu_available: bool,
}

fn optimize(t: OptimizationType, e: Engine, p: Priority, reason: String) -> Strategy {
    Strategy {
        should_optimize: true,
        optimization_type: Some(t),
        target_engine: Some(e),
        priority: Some(p),
        reason,
    }
}

fn num(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// The seed's order, kept exactly: latency, NP-hard pattern, low battery, CPU; then the
/// additions: memory, power mode, schedule; else no optimization.
pub fn decide(c: &Conditions) -> Strategy {
    use Engine::*;
    use OptimizationType::*;
    use Priority::*;
    if let Some((ms, limit)) = c.latency {
        return optimize(
            LatencyCritical,
            Neuromorphic,
            High,
            format!(
                "Latency ({}ms) exceeds threshold ({}ms)",
                num(ms),
                num(limit)
            ),
        );
    }
    if let Some((pattern, _)) = c.np_hard {
        return optimize(
            QuantumAccelerated,
            Quantum,
            Medium,
            format!(
                "NP-hard computation pattern detected ({})",
                pattern.as_str()
            ),
        );
    }
    if c.low_battery.is_some() {
        return optimize(
            EnergyEfficient,
            Neuromorphic,
            Medium,
            "Low battery level requires energy-efficient processing".into(),
        );
    }
    if let Some((pct, _)) = c.cpu {
        let engine = if c.gpu_available {
            Hybrid
        } else {
            Neuromorphic
        };
        return optimize(
            ResourceOptimization,
            engine,
            Medium,
            format!("High CPU utilization ({}%)", num(pct)),
        );
    }
    if let Some((pct, limit)) = c.memory {
        return optimize(
            MemoryOptimization,
            Neuromorphic,
            Medium,
            format!(
                "Memory usage ({}%) exceeds threshold ({}%)",
                num(pct),
                num(limit)
            ),
        );
    }
    if c.efficiency_mode {
        return optimize(
            EnergyEfficient,
            Neuromorphic,
            Low,
            "Power-saver mode requires energy-efficient processing".into(),
        );
    }
    if c.scheduled {
        return optimize(
            ContinuousOptimization,
            Quantum,
            Low,
            "Scheduled continuous optimization".into(),
        );
    }
    Strategy {
        should_optimize: false,
        optimization_type: None,
        target_engine: None,
        priority: None,
        reason: NO_OPTIMIZATION_REASON.into(),
    }
}
