//! The "quantum" engine: quantum-inspired annealing on the CPU — a QUBO/Ising model type and a
//! solver portfolio (`exact`, `sa`, `pt`, `tabu`, `auto`), with validation, instance readers,
//! the agent's CPU-assignment formulation and the `powerhook solve` command.
//!
//! Nothing here runs on quantum hardware: these are classical algorithms (simulated annealing,
//! parallel tempering, tabu search, exhaustive enumeration) of the kind quantum annealers are
//! benchmarked against.

pub mod assign;
pub mod auto;
pub mod cli;
pub mod eliminate;
pub mod exact;
mod kernel;
pub mod model;
pub mod pt;
pub mod readers;
pub mod rng;
pub mod sa;
pub mod solver;
pub mod tabu;
pub mod validate;

use std::time::Duration;

pub use assign::{
    solve_assignment, AssignError, Assignment, AssignmentProblem, CpuGroup, ProcessDemand,
};
pub use model::{Ising, Qubo};
pub use solver::{SolveError, SolveParams, SolveResult, Solver};

/// Largest model for which [`quantum_advantage`] runs the exact solver.
pub const ADVANTAGE_MAX_N: usize = 24;

/// A measured speedup of the heuristic portfolio over exhaustive search on one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantumAdvantage {
    /// `exact_time / heuristic_time`, both measured here on one thread.
    pub speedup: f64,
    /// Wall time of `exact`.
    pub exact_time: Duration,
    /// Wall time of `sa` at its defaults.
    pub heuristic_time: Duration,
    /// Whether `sa` found the proven optimum (a speedup to a wrong answer is worth little).
    pub heuristic_optimal: bool,
}

/// Times `exact` and `sa` (defaults, one thread, `seed`) on the same model. `None` when the
/// model is too large to solve exactly (`n > ADVANTAGE_MAX_N`) or empty: then there is no
/// honest baseline to compare with.
pub fn quantum_advantage(model: &Ising, seed: u64) -> Option<QuantumAdvantage> {
    if model.n() == 0 || model.n() > ADVANTAGE_MAX_N {
        return None;
    }
    let params = SolveParams {
        seed,
        threads: 1,
        ..SolveParams::default()
    };
    let exact = exact::Exact.solve(model, &params).ok()?;
    let heuristic = sa::SimulatedAnnealing::default()
        .solve(model, &params)
        .ok()?;
    let h = heuristic.elapsed.as_secs_f64().max(1e-9);
    let tol = 1e-9 * exact.energy.abs().max(1.0);
    Some(QuantumAdvantage {
        speedup: exact.elapsed.as_secs_f64() / h,
        exact_time: exact.elapsed,
        heuristic_time: heuristic.elapsed,
        heuristic_optimal: heuristic.energy <= exact.energy + tol,
    })
}
