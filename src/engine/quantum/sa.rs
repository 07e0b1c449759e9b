//! `sa`: simulated annealing with dwave-samplers' defaults (geometric β schedule from
//! `default_beta_range`, spins swept in index order, random initial state per read).
//!
//! With `threads = 1`, `reads = R`, `sweeps = S` the work is exactly R · S · n flip attempts,
//! the same as `SimulatedAnnealingSampler(num_reads=R, num_sweeps=S)`. Read `r` draws from its
//! own stream `(seed, r)`, so the answer depends on the seed only, not on the thread count.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::kernel::{Kernel, Scratch};
use super::model::Ising;
use super::rng::Rng;
use super::solver::{
    collect, default_beta_range, geometric_schedule, run_reads, split_reads, ReadOutcome,
    SolveError, SolveParams, SolveResult, Solver,
};

/// Default reads when none are asked for.
pub const DEFAULT_READS: usize = 10;
/// Default sweeps per read (dwave-samplers' default).
pub const DEFAULT_SWEEPS: usize = 1000;

/// Simulated annealing backend.
#[derive(Debug, Clone, Default)]
pub struct SimulatedAnnealing {
    /// `[hot, cold]` β; `None` uses [`default_beta_range`].
    pub beta_range: Option<(f64, f64)>,
}

fn anneal_read(
    kernel: &Kernel<'_>,
    model: &Ising,
    sc: &mut Scratch,
    rng: &mut Rng,
    betas: &[f64],
) -> f64 {
    kernel.randomise(sc, rng);
    for &beta in betas {
        kernel.sweep(sc, rng, beta);
    }
    model.energy(&sc.spins)
}

impl Solver for SimulatedAnnealing {
    fn name(&self) -> &'static str {
        "sa"
    }

    fn solve(&self, model: &Ising, params: &SolveParams) -> Result<SolveResult, SolveError> {
        let start = Instant::now();
        let n = model.n();
        if n == 0 {
            return Err(SolveError::Empty);
        }
        let kernel = Kernel::new(model)
            .ok_or_else(|| SolveError::InvalidParameter("malformed coupling matrix".into()))?;
        let reads = params.reads.unwrap_or(DEFAULT_READS);
        let sweeps = params.sweeps.unwrap_or(DEFAULT_SWEEPS);
        if reads == 0 {
            return Err(SolveError::InvalidParameter(
                "reads must be at least 1".into(),
            ));
        }
        let (hot, cold) = self.beta_range.unwrap_or_else(|| default_beta_range(model));
        if !(hot > 0.0 && cold > 0.0 && hot.is_finite() && cold.is_finite()) {
            return Err(SolveError::InvalidParameter(format!(
                "beta range must be positive and finite, got [{hot}, {cold}]"
            )));
        }
        let betas = geometric_schedule(hot, cold, sweeps);
        let ranges = split_reads(reads, params.threads);
        let threads = ranges.len();
        let (chunks, cpu) = run_reads(ranges, |range| {
            let mut sc = kernel.scratch();
            range
                .map(|r| {
                    let mut rng = Rng::new(params.seed, r as u64);
                    let energy = anneal_read(&kernel, model, &mut sc, &mut rng, &betas);
                    ReadOutcome {
                        energy,
                        state: sc.spins.clone(),
                        sweeps,
                        flip_attempts: (sweeps * n) as u64,
                    }
                })
                .collect::<Vec<_>>()
        });
        let outcomes = chunks.into_iter().flatten().collect();
        Ok(collect("sa", outcomes, cpu, params.seed, threads, start))
    }
}

/// The Luby sequence 1, 1, 2, 1, 1, 2, 4, 1, 1, 2, … (1-based index).
pub fn luby(i: u64) -> u64 {
    let mut i = i.max(1);
    loop {
        // Smallest k with i <= 2^k - 1.
        let mut k = 1u32;
        while (1u64 << k) - 1 < i {
            k += 1;
        }
        if i == (1u64 << k) - 1 {
            return 1u64 << (k - 1);
        }
        i -= (1u64 << (k - 1)) - 1;
    }
}

/// Annealing that fills a wall-clock budget: each thread runs reads one after another with
/// `first_sweeps × luby(k)` sweeps (1, 1, 2, 1, 1, 2, 4, … units: many short reads, ever
/// longer ones ever more rarely — short reads win on instances like bqp250, long ones on
/// large sparse graphs like G55), the last one cut to what the measured sweep rate says is
/// left. Not reproducible across machines (time decides how many reads run); every read
/// descends to a local minimum at the end.
///
/// With `target`, every thread stops as soon as any read reaches an energy ≤ `target`
/// (time-to-target measurements). A read still running at the deadline is cut short,
/// descended to a local minimum and kept.
pub fn anneal_for(
    model: &Ising,
    budget: Duration,
    first_sweeps: usize,
    seed: u64,
    threads: usize,
    target: Option<f64>,
) -> Result<SolveResult, SolveError> {
    let start = Instant::now();
    let n = model.n();
    if n == 0 {
        return Err(SolveError::Empty);
    }
    let kernel = Kernel::new(model)
        .ok_or_else(|| SolveError::InvalidParameter("malformed coupling matrix".into()))?;
    let (hot, cold) = default_beta_range(model);
    let deadline = start + budget;
    let threads = threads.max(1);
    let reached = AtomicBool::new(false);
    let (chunks, cpu) = run_reads((0..threads).collect(), |t: usize| {
        let mut sc = kernel.scratch();
        let mut out = Vec::new();
        let mut sweeps = first_sweeps.max(10);
        let mut per_sweep: Option<f64> = None;
        for k in 0u64.. {
            let now = Instant::now();
            if now >= deadline || reached.load(Ordering::Relaxed) {
                break;
            }
            if let Some(ps) = per_sweep {
                let left = (deadline - now).as_secs_f64();
                let fit = (left / ps) as usize;
                // Too little time left for a useful read: stop.
                if fit < first_sweeps.max(10) / 2 && !out.is_empty() {
                    break;
                }
                // Luby restarts: short reads often, longer ones ever more
                // rarely; the last read takes what is left if the next would
                // not fit.
                let next = first_sweeps.max(10) * luby(k + 1) as usize;
                sweeps = next.min(fit).max(10);
            }
            let betas = geometric_schedule(hot, cold, sweeps);
            let mut rng = Rng::new(seed, ((t as u64) << 32) | k);
            let t0 = Instant::now();
            kernel.randomise(&mut sc, &mut rng);
            let mut done = 0;
            for &beta in &betas {
                kernel.sweep(&mut sc, &mut rng, beta);
                done += 1;
                if done % 64 == 0 && (Instant::now() >= deadline || reached.load(Ordering::Relaxed))
                {
                    break;
                }
            }
            kernel.descend(&mut sc);
            per_sweep = Some(t0.elapsed().as_secs_f64() / done.max(1) as f64);
            let energy = model.energy(&sc.spins);
            if target.is_some_and(|t| energy <= t) {
                reached.store(true, Ordering::Relaxed);
            }
            out.push(ReadOutcome {
                energy,
                state: sc.spins.clone(),
                sweeps: done,
                flip_attempts: (done * n) as u64,
            });
        }
        out
    });
    let outcomes = chunks.into_iter().flatten().collect();
    Ok(collect("sa", outcomes, cpu, seed, threads, start))
}

#[cfg(test)]
mod tests {
    use super::luby;

    #[test]
    fn luby_sequence() {
        let got: Vec<u64> = (1..=15).map(luby).collect();
        assert_eq!(got, vec![1, 1, 2, 1, 1, 2, 4, 1, 1, 2, 1, 1, 2, 4, 8]);
    }
}
