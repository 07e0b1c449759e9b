//! The seed's `determineOptimizationStrategy`, every branch and every tie.

use powerhook::strategy::{
    decide, Conditions, Engine, OptimizationType as T, Priority, NO_OPTIMIZATION_REASON,
};
use powerhook::workload::PatternType;

fn lat() -> Option<(f64, f64)> {
    Some((80.0, 50.0))
}
fn np() -> Option<(PatternType, f64)> {
    Some((PatternType::NpHard, 0.93))
}
fn bat() -> Option<(f64, f64)> {
    Some((15.0, 20.0))
}
fn cpu() -> Option<(f64, f64)> {
    Some((85.0, 70.0))
}
fn mem() -> Option<(f64, f64)> {
    Some((91.0, 80.0))
}

type Want = Option<(T, Engine, Priority)>;

#[test]
fn every_branch_and_tie_in_the_seeds_order() {
    let base = Conditions::default;
    #[rustfmt::skip]
    let table: Vec<(&str, Conditions, Want, &str)> = vec![
        ("nothing", base(), None, NO_OPTIMIZATION_REASON),
        ("latency", Conditions { latency: lat(), ..base() }, Some((T::LatencyCritical, Engine::Neuromorphic, Priority::High)), "Latency (80ms) exceeds threshold (50ms)"),
        ("np-hard", Conditions { np_hard: np(), ..base() }, Some((T::QuantumAccelerated, Engine::Quantum, Priority::Medium)), "NP-hard computation pattern detected (np_hard)"),
        ("low battery", Conditions { low_battery: bat(), ..base() }, Some((T::EnergyEfficient, Engine::Neuromorphic, Priority::Medium)), "Low battery level requires energy-efficient processing"),
        ("cpu, no gpu", Conditions { cpu: cpu(), ..base() }, Some((T::ResourceOptimization, Engine::Neuromorphic, Priority::Medium)), "High CPU utilization (85%)"),
        ("cpu, gpu", Conditions { cpu: cpu(), gpu_available: true, ..base() }, Some((T::ResourceOptimization, Engine::Hybrid, Priority::Medium)), "High CPU utilization (85%)"),
        ("memory", Conditions { memory: mem(), ..base() }, Some((T::MemoryOptimization, Engine::Neuromorphic, Priority::Medium)), "Memory usage (91%) exceeds threshold (80%)"),
        ("power saver", Conditions { efficiency_mode: true, ..base() }, Some((T::EnergyEfficient, Engine::Neuromorphic, Priority::Low)), "Power-saver mode requires energy-efficient processing"),
        ("schedule", Conditions { scheduled: true, ..base() }, Some((T::ContinuousOptimization, Engine::Quantum, Priority::Low)), "Scheduled continuous optimization"),
        // Ties: the earlier rule wins.
        ("latency + low battery", Conditions { latency: lat(), low_battery: bat(), ..base() }, Some((T::LatencyCritical, Engine::Neuromorphic, Priority::High)), "Latency (80ms) exceeds threshold (50ms)"),
        ("latency + np-hard", Conditions { latency: lat(), np_hard: np(), ..base() }, Some((T::LatencyCritical, Engine::Neuromorphic, Priority::High)), "Latency (80ms) exceeds threshold (50ms)"),
        ("np-hard + low battery", Conditions { np_hard: np(), low_battery: bat(), ..base() }, Some((T::QuantumAccelerated, Engine::Quantum, Priority::Medium)), "NP-hard computation pattern detected (np_hard)"),
        ("low battery + cpu", Conditions { low_battery: bat(), cpu: cpu(), gpu_available: true, ..base() }, Some((T::EnergyEfficient, Engine::Neuromorphic, Priority::Medium)), "Low battery level requires energy-efficient processing"),
        ("cpu + memory", Conditions { cpu: cpu(), memory: mem(), ..base() }, Some((T::ResourceOptimization, Engine::Neuromorphic, Priority::Medium)), "High CPU utilization (85%)"),
        ("memory + power saver", Conditions { memory: mem(), efficiency_mode: true, ..base() }, Some((T::MemoryOptimization, Engine::Neuromorphic, Priority::Medium)), "Memory usage (91%) exceeds threshold (80%)"),
        ("power saver + schedule", Conditions { efficiency_mode: true, scheduled: true, ..base() }, Some((T::EnergyEfficient, Engine::Neuromorphic, Priority::Low)), "Power-saver mode requires energy-efficient processing"),
        ("everything", Conditions { latency: lat(), np_hard: np(), low_battery: bat(), cpu: cpu(), memory: mem(), efficiency_mode: true, scheduled: true, gpu_available: true }, Some((T::LatencyCritical, Engine::Neuromorphic, Priority::High)), "Latency (80ms) exceeds threshold (50ms)"),
        ("gpu alone", Conditions { gpu_available: true, ..base() }, None, NO_OPTIMIZATION_REASON),
    ];
    for (name, c, want, reason) in table {
        let s = decide(&c);
        match want {
            Some((t, e, p)) => {
                assert!(s.should_optimize, "{name}");
                assert_eq!(
                    (s.optimization_type, s.target_engine, s.priority),
                    (Some(t), Some(e), Some(p)),
                    "{name}"
                );
            }
            None => {
                assert!(!s.should_optimize, "{name}");
                assert_eq!(
                    (s.optimization_type, s.target_engine, s.priority),
                    (None, None, None),
                    "{name}"
                );
            }
        }
        assert_eq!(s.reason, reason, "{name}");
    }
}

#[test]
fn reasons_use_the_configured_threshold() {
    let s = decide(&Conditions {
        latency: Some((120.5, 100.0)),
        ..Default::default()
    });
    assert_eq!(s.reason, "Latency (120.5ms) exceeds threshold (100ms)");
}
