//! `tabu`: one-flip tabu search. Each step flips the spin with the lowest ΔE that is not
//! tabu (or is, but would beat the best energy: aspiration); a flipped spin stays tabu for
//! `n / 100 + 1..10` steps. A "sweep" is `n` steps; a read is an independent search from a
//! random state. Each step scans all `n` spins, so this suits small and medium models.

use std::time::Instant;

use super::kernel::Kernel;
use super::model::Ising;
use super::rng::Rng;
use super::solver::{
    collect, run_reads, split_reads, ReadOutcome, SolveError, SolveParams, SolveResult, Solver,
};

/// Default sweeps (of `n` steps) per read.
pub const DEFAULT_TABU_SWEEPS: usize = 100;

/// Tabu search backend.
#[derive(Debug, Clone, Default)]
pub struct Tabu;

fn search(
    kernel: &Kernel<'_>,
    model: &Ising,
    steps: u64,
    deadline: Option<Instant>,
    rng: &mut Rng,
) -> ReadOutcome {
    let n = kernel.n();
    let mut sc = kernel.scratch();
    kernel.randomise(&mut sc, rng);
    let mut e = model.energy(&sc.spins);
    let mut best_e = e;
    let mut best = sc.spins.clone();
    let mut tabu_until = vec![0u64; n];
    let base = (n / 100) as u64 + 1;
    let mut done = 0;
    while done < steps {
        if done % 1024 == 0 {
            if let Some(d) = deadline {
                if Instant::now() >= d {
                    break;
                }
            }
        }
        let mut pick = None;
        let mut pick_d = f64::INFINITY;
        for (i, &until) in tabu_until.iter().enumerate() {
            let d = -2.0 * sc.spins[i] as f64 * sc.field[i];
            let allowed = until <= done || e + d < best_e - 1e-9;
            if allowed && d < pick_d {
                pick_d = d;
                pick = Some(i);
            }
        }
        let Some(i) = pick else {
            done += 1;
            continue;
        };
        let s = sc.spins[i] as f64;
        sc.spins[i] = -sc.spins[i];
        let (c, v) = model.j.row(i);
        for (&j, &w) in c.iter().zip(v) {
            sc.field[j as usize] += -2.0 * s * w;
        }
        e += pick_d;
        tabu_until[i] = done + base + rng.below(10) as u64;
        if e < best_e - 1e-9 {
            best_e = e;
            best.clone_from(&sc.spins);
        }
        done += 1;
    }
    // A step scans all `n` spins: `n` flip attempts; a sweep is `n` steps.
    ReadOutcome {
        energy: model.energy(&best),
        state: best,
        sweeps: (done / n as u64) as usize,
        flip_attempts: done * n as u64,
    }
}

impl Solver for Tabu {
    fn name(&self) -> &'static str {
        "tabu"
    }

    fn solve(&self, model: &Ising, params: &SolveParams) -> Result<SolveResult, SolveError> {
        let start = Instant::now();
        let n = model.n();
        if n == 0 {
            return Err(SolveError::Empty);
        }
        let kernel = Kernel::new_f64(model)
            .ok_or_else(|| SolveError::InvalidParameter("malformed coupling matrix".into()))?;
        let reads = params.reads.unwrap_or(params.threads.max(1));
        if reads == 0 {
            return Err(SolveError::InvalidParameter(
                "reads must be at least 1".into(),
            ));
        }
        let deadline = params.time_limit.map(|t| start + t);
        let sweeps = match (params.sweeps, deadline) {
            (Some(s), _) => s,
            (None, Some(_)) => usize::MAX / n.max(1),
            (None, None) => DEFAULT_TABU_SWEEPS,
        };
        let steps = (sweeps as u64).saturating_mul(n as u64);
        let ranges = split_reads(reads, params.threads);
        let threads = ranges.len();
        let (runs, cpu) = run_reads(ranges, |range| {
            range
                .map(|k| {
                    let mut rng = Rng::new(params.seed, k as u64);
                    search(&kernel, model, steps, deadline, &mut rng)
                })
                .collect::<Vec<_>>()
        });
        let runs = runs.into_iter().flatten().collect();
        Ok(collect("tabu", runs, cpu, params.seed, threads, start))
    }
}
