//! `pt`: parallel tempering (replica exchange). Replicas sit on a geometric ladder of β between
//! the default hot and cold ends; after every sweep of all replicas, neighbours on the ladder
//! swap temperatures with the Metropolis rule `min(1, exp((β_a − β_b)(E_a − E_b)))`.
//!
//! A "sweep" here is one sweep of every replica, so its work is `replicas · n` flip attempts.
//! A read is one independent tempering run; reads are spread over threads like `sa`'s.

use std::time::{Duration, Instant};

use super::kernel::Kernel;
use super::model::Ising;
use super::rng::Rng;
use super::solver::{
    collect, default_beta_range, geometric_schedule, run_reads, split_reads, ReadOutcome,
    SolveError, SolveParams, SolveResult, Solver,
};

/// Default replicas on the ladder.
pub const DEFAULT_REPLICAS: usize = 24;
/// Default sweeps (of all replicas) per read when no time limit is given.
pub const DEFAULT_PT_SWEEPS: usize = 1000;

/// Parallel tempering backend.
#[derive(Debug, Clone)]
pub struct ParallelTempering {
    /// Replicas per read.
    pub replicas: usize,
}

impl Default for ParallelTempering {
    fn default() -> ParallelTempering {
        ParallelTempering {
            replicas: DEFAULT_REPLICAS,
        }
    }
}

fn temper(
    kernel: &Kernel<'_>,
    model: &Ising,
    betas: &[f64],
    sweeps: usize,
    deadline: Option<Instant>,
    rng: &mut Rng,
) -> ReadOutcome {
    let r = betas.len();
    let mut reps: Vec<_> = (0..r).map(|_| kernel.scratch()).collect();
    let mut energy = Vec::with_capacity(r);
    for sc in reps.iter_mut() {
        kernel.randomise(sc, rng);
        energy.push(model.energy(&sc.spins));
    }
    // order[t] = replica currently at ladder position t.
    let mut order: Vec<usize> = (0..r).collect();
    let mut best_e = f64::INFINITY;
    let mut best_state = Vec::new();
    let mut done = 0;
    while done < sweeps {
        if let Some(d) = deadline {
            if done % 8 == 0 && Instant::now() >= d {
                break;
            }
        }
        for (t, &beta) in betas.iter().enumerate() {
            let rep = order[t];
            energy[rep] += kernel.sweep(&mut reps[rep], rng, beta);
        }
        // Track the best state seen (the coldest replicas hold it almost always).
        for t in (0..r).rev().take(2) {
            let rep = order[t];
            if energy[rep] < best_e - 1e-9 {
                best_e = energy[rep];
                best_state.clone_from(&reps[rep].spins);
            }
        }
        let parity = done % 2;
        let mut t = parity;
        while t + 1 < r {
            let (a, b) = (order[t], order[t + 1]);
            let x = (betas[t] - betas[t + 1]) * (energy[a] - energy[b]);
            if x >= 0.0 || rng.next_f64() < x.exp() {
                order.swap(t, t + 1);
            }
            t += 2;
        }
        done += 1;
    }
    // Polish the best state to a local minimum and recompute its energy from scratch.
    let mut sc = kernel.scratch();
    if best_state.is_empty() {
        best_state.clone_from(&reps[order[r - 1]].spins);
    }
    sc.spins.clone_from(&best_state);
    kernel.recompute_fields(&mut sc);
    kernel.descend(&mut sc);
    ReadOutcome {
        energy: model.energy(&sc.spins),
        state: sc.spins,
        sweeps: done,
        flip_attempts: (done * model.n() * r) as u64,
    }
}

impl ParallelTempering {
    fn run(
        &self,
        model: &Ising,
        params: &SolveParams,
        deadline: Option<Instant>,
    ) -> Result<SolveResult, SolveError> {
        let start = Instant::now();
        let n = model.n();
        if n == 0 {
            return Err(SolveError::Empty);
        }
        if self.replicas < 2 {
            return Err(SolveError::InvalidParameter(
                "parallel tempering needs at least 2 replicas".into(),
            ));
        }
        let kernel = Kernel::new(model)
            .ok_or_else(|| SolveError::InvalidParameter("malformed coupling matrix".into()))?;
        let (hot, cold) = default_beta_range(model);
        let betas = geometric_schedule(hot, cold, self.replicas);
        let reads = params.reads.unwrap_or(params.threads.max(1));
        if reads == 0 {
            return Err(SolveError::InvalidParameter(
                "reads must be at least 1".into(),
            ));
        }
        let sweeps = match (params.sweeps, deadline) {
            (Some(s), _) => s,
            (None, Some(_)) => usize::MAX,
            (None, None) => DEFAULT_PT_SWEEPS,
        };
        let ranges = split_reads(reads, params.threads);
        let threads = ranges.len();
        let (runs, cpu) = run_reads(ranges, |range| {
            range
                .map(|k| {
                    let mut rng = Rng::new(params.seed, k as u64);
                    temper(&kernel, model, &betas, sweeps, deadline, &mut rng)
                })
                .collect::<Vec<_>>()
        });
        let runs = runs.into_iter().flatten().collect();
        Ok(collect("pt", runs, cpu, params.seed, threads, start))
    }

    /// Runs until `budget` has passed (or `params.sweeps`, if given, are done).
    pub fn solve_for(
        &self,
        model: &Ising,
        params: &SolveParams,
        budget: Duration,
    ) -> Result<SolveResult, SolveError> {
        self.run(model, params, Some(Instant::now() + budget))
    }
}

impl Solver for ParallelTempering {
    fn name(&self) -> &'static str {
        "pt"
    }

    fn solve(&self, model: &Ising, params: &SolveParams) -> Result<SolveResult, SolveError> {
        let deadline = params.time_limit.map(|t| Instant::now() + t);
        self.run(model, params, deadline)
    }
}
