//! The agent's formulation: which CPU group each process runs on, as a one-hot QUBO.
//!
//! Variables `x_pg = 1` when process `p` runs on group `g`. The energy is
//!
//! ```text
//! E(x) = Σ_g (λ / cap_g) · (Σ_p d_p x_pg − t · cap_g)²      contention around the load target
//!      + Σ_p Σ_g w_p · d_p · c_g · x_pg                      importance-weighted cost
//!      + A · Σ_p (1 − Σ_g x_pg)²                             one-hot: each process on one group
//! ```
//!
//! with demand `d_p` (cores), importance `w_p ≥ 0`, capacity `cap_g` (cores), cost per core
//! `c_g ≥ 0` (e.g. a slowdown or power price of running there), load target `t` (share of
//! capacity) and contention weight `λ`. The first two lines are the *objective* (never
//! negative); `A` is set above the objective of a concrete feasible assignment, so every
//! state breaking a one-hot constraint costs more than that assignment and the minimum of `E`
//! is always a feasible assignment with the least objective.

use std::time::Duration;

use thiserror::Error;

use super::auto::Auto;
use super::exact::Exact;
use super::model::{spins_to_bits, ModelError, Qubo};
use super::solver::{SolveError, SolveParams, Solver};
use super::validate::{one_hot_violations, OneHot};

/// A process to place.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessDemand {
    /// Name for reports.
    pub name: String,
    /// CPU demand in cores (e.g. 0.5 = half a core busy).
    pub demand: f64,
    /// Importance weight (≥ 0; the foreground app high, background work low).
    pub importance: f64,
}

/// A group of CPUs (e.g. performance cores, efficiency cores).
#[derive(Debug, Clone, PartialEq)]
pub struct CpuGroup {
    /// Name for reports.
    pub name: String,
    /// Cores in the group (> 0).
    pub capacity: f64,
    /// Cost per core of demand, multiplied by the process's importance (≥ 0).
    pub cost: f64,
}

/// The assignment problem.
#[derive(Debug, Clone, PartialEq)]
pub struct AssignmentProblem {
    /// Processes to place.
    pub processes: Vec<ProcessDemand>,
    /// Groups to place them on.
    pub groups: Vec<CpuGroup>,
    /// Target load as a share of each group's capacity (e.g. 0.7).
    pub load_target: f64,
    /// Weight of the contention term against the cost term.
    pub contention_weight: f64,
}

/// A decoded, checked assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// Group index of each process.
    pub group_of: Vec<usize>,
    /// Load of each group (cores).
    pub loads: Vec<f64>,
    /// Objective (contention + cost) of this assignment.
    pub objective: f64,
    /// Whether the solver's own state already met every one-hot constraint (else repaired).
    pub feasible_as_solved: bool,
    /// Backend used.
    pub backend: &'static str,
    /// True when `exact` proved this the optimum.
    pub proven_optimal: bool,
    /// Solver time.
    pub elapsed: Duration,
}

/// Why an assignment could not be made.
#[derive(Debug, Error, PartialEq)]
pub enum AssignError {
    /// The problem is malformed.
    #[error("invalid assignment problem: {0}")]
    Invalid(String),
    /// Building the QUBO failed.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The solver failed.
    #[error(transparent)]
    Solve(#[from] SolveError),
}

impl AssignmentProblem {
    fn check(&self) -> Result<(), AssignError> {
        let bad = |m: String| Err(AssignError::Invalid(m));
        if self.processes.is_empty() || self.groups.is_empty() {
            return bad("needs at least one process and one group".into());
        }
        for p in &self.processes {
            if !(p.demand.is_finite() && p.demand >= 0.0) {
                return bad(format!("process {}: demand {} < 0", p.name, p.demand));
            }
            if !(p.importance.is_finite() && p.importance >= 0.0) {
                return bad(format!(
                    "process {}: importance {} < 0",
                    p.name, p.importance
                ));
            }
        }
        for g in &self.groups {
            if !(g.capacity.is_finite() && g.capacity > 0.0) {
                return bad(format!("group {}: capacity must be > 0", g.name));
            }
            if !(g.cost.is_finite() && g.cost >= 0.0) {
                return bad(format!("group {}: cost must be ≥ 0", g.name));
            }
        }
        if !(self.load_target.is_finite() && self.load_target >= 0.0) {
            return bad(format!("load target {} must be ≥ 0", self.load_target));
        }
        if !(self.contention_weight.is_finite() && self.contention_weight >= 0.0) {
            return bad("contention weight must be ≥ 0".into());
        }
        Ok(())
    }

    /// Variable index of `(process, group)`.
    pub fn var(&self, p: usize, g: usize) -> usize {
        p * self.groups.len() + g
    }

    /// Contention + cost of a complete assignment (`group_of[p]` < groups).
    pub fn objective(&self, group_of: &[usize]) -> f64 {
        self.objective_of(self.processes.iter().zip(group_of.iter().copied()))
    }

    /// Group loads of the `(process, group)` placements.
    fn loads_of<'a>(&self, placed: impl Iterator<Item = (&'a ProcessDemand, usize)>) -> Vec<f64> {
        let mut loads = vec![0.0; self.groups.len()];
        for (p, g) in placed {
            loads[g] += p.demand;
        }
        loads
    }

    /// Contention + cost counting only the `(process, group)` placements given.
    fn objective_of<'a>(
        &self,
        placed: impl Iterator<Item = (&'a ProcessDemand, usize)> + Clone,
    ) -> f64 {
        let loads = self.loads_of(placed.clone());
        let cost = placed.fold(0.0, |c, (p, g)| {
            c + p.importance * p.demand * self.groups[g].cost
        });
        let contention: f64 = self
            .groups
            .iter()
            .zip(&loads)
            .map(|(g, l)| {
                let dev = l - self.load_target * g.capacity;
                self.contention_weight / g.capacity * dev * dev
            })
            .sum();
        contention + cost
    }

    /// A feasible assignment built greedily (each process to the group that adds least).
    pub fn greedy(&self) -> Vec<usize> {
        let mut placed: Vec<(usize, usize)> = Vec::with_capacity(self.processes.len());
        for p in 0..self.processes.len() {
            self.place_best(&mut placed, p);
        }
        placed.into_iter().map(|(_, g)| g).collect()
    }

    /// Appends `(p, g)` for the group `g` that gives `placed` the least objective (the lowest
    /// such `g` on ties; group 0 if none is finite).
    fn place_best(&self, placed: &mut Vec<(usize, usize)>, p: usize) {
        let mut best = (f64::INFINITY, 0);
        for g in 0..self.groups.len() {
            placed.push((p, g));
            let v = self.partial_objective(placed);
            placed.pop();
            if v < best.0 {
                best = (v, g);
            }
        }
        placed.push((p, best.1));
    }

    /// The one-hot penalty weight `A` used by [`AssignmentProblem::to_qubo`].
    pub fn penalty(&self) -> f64 {
        let u = self.objective(&self.greedy());
        u * 1.01 + 1.0
    }

    /// The QUBO above, and its one-hot groups (one per process).
    pub fn to_qubo(&self) -> Result<(Qubo, Vec<OneHot>), AssignError> {
        self.check()?;
        let ng = self.groups.len();
        let n = self.processes.len() * ng;
        let a = self.penalty();
        let lambda = self.contention_weight;
        let t = self.load_target;
        let mut linear = Vec::with_capacity(n);
        let mut quad = Vec::new();
        let mut offset = 0.0;
        for (gi, g) in self.groups.iter().enumerate() {
            offset += lambda * t * t * g.capacity;
            for (pi, p) in self.processes.iter().enumerate() {
                let v = self.var(pi, gi);
                let lin = lambda / g.capacity * p.demand * p.demand - 2.0 * lambda * t * p.demand
                    + p.importance * p.demand * g.cost;
                linear.push((v, lin));
                for (qi, q) in self.processes.iter().enumerate().skip(pi + 1) {
                    let w = 2.0 * lambda / g.capacity * p.demand * q.demand;
                    if w != 0.0 {
                        quad.push((v, self.var(qi, gi), w));
                    }
                }
            }
        }
        let mut groups = Vec::with_capacity(self.processes.len());
        for (pi, p) in self.processes.iter().enumerate() {
            offset += a;
            for g in 0..ng {
                linear.push((self.var(pi, g), -a));
                for h in g + 1..ng {
                    quad.push((self.var(pi, g), self.var(pi, h), 2.0 * a));
                }
            }
            groups.push(OneHot {
                name: p.name.clone(),
                vars: (0..ng).map(|g| self.var(pi, g)).collect(),
            });
        }
        Ok((Qubo::new(n, &linear, &quad, offset)?, groups))
    }

    /// Decodes a 0/1 state: processes with exactly one group keep it; the others are placed
    /// greedily. Returns the assignment and whether no repair was needed.
    pub fn decode(&self, x: &[u8]) -> (Vec<usize>, bool) {
        let ng = self.groups.len();
        let mut placed: Vec<(usize, usize)> = Vec::with_capacity(self.processes.len());
        let mut missing = Vec::new();
        for p in 0..self.processes.len() {
            let on: Vec<usize> = (0..ng)
                .filter(|&g| x.get(self.var(p, g)).copied().unwrap_or(0) != 0)
                .collect();
            match on.as_slice() {
                [g] => placed.push((p, *g)),
                _ => missing.push(p),
            }
        }
        let feasible = missing.is_empty();
        for p in missing {
            self.place_best(&mut placed, p);
        }
        let mut group_of = vec![0; self.processes.len()];
        for (p, g) in placed {
            group_of[p] = g;
        }
        (group_of, feasible)
    }

    /// Objective counting only the listed `(process, group)` placements.
    fn partial_objective(&self, placed: &[(usize, usize)]) -> f64 {
        self.objective_of(placed.iter().map(|&(p, g)| (&self.processes[p], g)))
    }

    /// Group loads of an assignment.
    pub fn loads(&self, group_of: &[usize]) -> Vec<f64> {
        self.loads_of(self.processes.iter().zip(group_of.iter().copied()))
    }
}

/// Solves the assignment within `budget`: `exact` up to 20 variables, else `auto` with the
/// budget as its time limit (one thread, seed 1). The answer is decoded, repaired if a
/// one-hot constraint is broken, and its objective recomputed from the assignment itself.
pub fn solve_assignment(
    problem: &AssignmentProblem,
    budget: Duration,
) -> Result<Assignment, AssignError> {
    let (qubo, groups) = problem.to_qubo()?;
    let ising = qubo.to_ising();
    let params = SolveParams {
        time_limit: Some(budget),
        seed: 1,
        threads: 1,
        ..SolveParams::default()
    };
    let result = if qubo.n() <= 20 {
        Exact.solve(&ising, &params)?
    } else {
        Auto.solve(&ising, &params)?
    };
    let x = spins_to_bits(&result.state);
    let (group_of, feasible) = problem.decode(&x);
    debug_assert_eq!(feasible, one_hot_violations(&x, &groups).is_empty());
    let objective = problem.objective(&group_of);
    // The QUBO's energy of a feasible state equals the objective; keep that honest.
    debug_assert!(
        !feasible || (qubo.energy(&x) - objective).abs() <= 1e-6 * objective.abs().max(1.0)
    );
    Ok(Assignment {
        loads: problem.loads(&group_of),
        group_of,
        objective,
        feasible_as_solved: feasible,
        backend: result.backend,
        proven_optimal: result.proven_optimal && feasible,
        elapsed: result.elapsed,
    })
}
