//! The one `Solver` trait every backend implements, its parameters and its result type, and
//! the D-Wave-compatible default temperature range.

use std::time::{Duration, Instant};

use thiserror::Error;

use super::model::Ising;

/// Why a backend could not run.
#[derive(Debug, Error, PartialEq)]
pub enum SolveError {
    /// The instance is too large for this backend.
    #[error("{backend} cannot solve {n} variables (limit {limit})")]
    TooLarge {
        backend: &'static str,
        n: usize,
        limit: usize,
    },
    /// Too large to enumerate and too densely coupled to eliminate. `width` is the first
    /// elimination step's width above `limit`, where the min-degree order was stopped: a
    /// lower bound of the order's induced width.
    #[error("exact: {n} variables is above the enumeration limit 30 and the induced width is above the elimination limit {limit} (at least {width}: the min-degree order stops at its first step wider than {limit}); use sa, pt or tabu")]
    TooWide {
        n: usize,
        width: usize,
        limit: usize,
    },
    /// A parameter is out of range.
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    /// The model has no variables.
    #[error("the model has no variables")]
    Empty,
}

/// What a caller asks of a backend. `None` means the backend's default.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveParams {
    /// Independent runs (`num_reads` in dwave-samplers).
    pub reads: Option<usize>,
    /// Sweeps per read; a sweep is `n` flip attempts (`num_sweeps` in dwave-samplers).
    pub sweeps: Option<usize>,
    /// Wall-clock budget; backends that can use it fill it, others ignore it.
    pub time_limit: Option<Duration>,
    /// Seed of every random stream.
    pub seed: u64,
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Stop early once a read reaches this energy (time-limited runs only).
    pub target: Option<f64>,
}

impl Default for SolveParams {
    fn default() -> SolveParams {
        SolveParams {
            reads: None,
            sweeps: None,
            time_limit: None,
            seed: 1,
            threads: 1,
            target: None,
        }
    }
}

/// What every backend returns. Energies are in the units of the input model (offset included).
#[derive(Debug, Clone, PartialEq)]
pub struct SolveResult {
    /// Backend that produced this (`exact`, `sa`, `pt`, `tabu`; `auto` reports its pick).
    pub backend: &'static str,
    /// Best state found, as spins (`-1` / `+1`).
    pub state: Vec<i8>,
    /// Energy of `state`.
    pub energy: f64,
    /// Final energy of every read, in read order.
    pub read_energies: Vec<f64>,
    /// Reads performed.
    pub reads: usize,
    /// Sweeps per read (for time-limited runs: the largest read's sweeps).
    pub sweeps: usize,
    /// Total flip attempts made (reads × sweeps × n for plain annealing).
    pub flip_attempts: u64,
    /// Wall-clock time of the solve.
    pub elapsed: Duration,
    /// CPU time the worker threads spent (Linux; `None` where it cannot be read or the
    /// backend does not measure it). Unlike `elapsed`, it does not grow when other programs
    /// take the CPU, so speed comparisons on a busy machine use it.
    pub cpu_time: Option<Duration>,
    /// Seed used.
    pub seed: u64,
    /// Threads used.
    pub threads: usize,
    /// True when the backend proved `energy` is the minimum.
    pub proven_optimal: bool,
}

/// A QUBO/Ising backend.
pub trait Solver {
    /// Short name (`sa`, `exact`, ...).
    fn name(&self) -> &'static str;
    /// Minimises the model's energy.
    fn solve(&self, model: &Ising, params: &SolveParams) -> Result<SolveResult, SolveError>;
}

/// The default `[hot, cold]` inverse temperatures, as dwave-samplers 1.8 computes them:
/// hot β = ln 2 / (2 · max_i (|h_i| + Σ_j |J_ij|)) (every flip accepted with probability at
/// least ½); cold β = ln(k / 0.01) / (2 · m), where `m` is the smallest nonzero bias and `k`
/// the number of spins whose smallest nonzero bias equals `m` (k = 1 gives ln 100 / (2 m)).
pub fn default_beta_range(model: &Ising) -> (f64, f64) {
    let max_field = model.max_abs_field();
    let hot = if max_field > 0.0 {
        std::f64::consts::LN_2 / (2.0 * max_field)
    } else {
        1.0
    };
    let mut per_spin_min: Vec<f64> = Vec::with_capacity(model.n());
    for i in 0..model.n() {
        let (_, v) = model.j.row(i);
        let m = std::iter::once(model.h[i])
            .chain(v.iter().copied())
            .map(f64::abs)
            .filter(|&b| b > 0.0)
            .reduce(f64::min);
        if let Some(m) = m {
            per_spin_min.push(m);
        }
    }
    let Some(min_bias) = per_spin_min.iter().copied().reduce(f64::min) else {
        // No bias at all: every state has the same energy; dwave-samplers uses [0.1, 1].
        return (0.1, 1.0);
    };
    let count = per_spin_min.iter().filter(|&&m| m == min_bias).count() as f64;
    let cold = (count / 0.01).ln() / (2.0 * min_bias);
    (hot, cold.max(hot))
}

/// `count` inverse temperatures spaced geometrically from `hot` to `cold` (numpy's geomspace).
pub fn geometric_schedule(hot: f64, cold: f64, count: usize) -> Vec<f64> {
    match count {
        0 => Vec::new(),
        1 => vec![cold],
        _ => {
            let ratio = (cold / hot).ln() / (count - 1) as f64;
            (0..count)
                .map(|k| {
                    if k == count - 1 {
                        cold
                    } else {
                        hot * (ratio * k as f64).exp()
                    }
                })
                .collect()
        }
    }
}

/// Share of reads whose energy is within 0.1 % of the best (absolute 1e-9 when best is 0).
pub fn confidence(read_energies: &[f64], best: f64) -> f64 {
    if read_energies.is_empty() {
        return 0.0;
    }
    let tol = (best.abs() * 1e-3).max(1e-9);
    read_energies.iter().filter(|&&e| e - best <= tol).count() as f64 / read_energies.len() as f64
}

/// CPU time of the calling thread so far, from `/proc/thread-self/schedstat` (Linux).
pub fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn cpu_since(start: Option<Duration>) -> Option<Duration> {
    Some(thread_cpu_time()?.saturating_sub(start?))
}

/// Runs `work(job)` for every job, each on its own scoped thread, and returns the results in
/// job order with the CPU time the workers spent (their sum; `None` if any could not be
/// read). A worker's panic is re-raised in the caller, never turned into an empty result.
pub(crate) fn run_reads<J, T, F>(jobs: Vec<J>, work: F) -> (Vec<T>, Option<Duration>)
where
    J: Send,
    T: Send,
    F: Fn(J) -> T + Sync,
{
    std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|job| {
                scope.spawn(move || {
                    let cpu0 = thread_cpu_time();
                    let out = work(job);
                    (out, cpu_since(cpu0))
                })
            })
            .collect();
        let mut out = Vec::with_capacity(handles.len());
        let mut cpu = Some(Duration::ZERO);
        for handle in handles {
            match handle.join() {
                Ok((value, c)) => {
                    out.push(value);
                    cpu = match (cpu, c) {
                        (Some(a), Some(b)) => Some(a + b),
                        _ => None,
                    };
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        (out, cpu)
    })
}

/// One read's result, as the heuristic backends report it.
pub(crate) struct ReadOutcome {
    /// Final energy.
    pub energy: f64,
    /// Final state.
    pub state: Vec<i8>,
    /// Sweeps done (in the backend's own unit).
    pub sweeps: usize,
    /// Flip attempts made.
    pub flip_attempts: u64,
}

/// The `SolveResult` of a heuristic backend from its reads in read order: the best state is
/// the first read with the lowest energy (ties go to the lowest read index, so the answer is
/// deterministic); `sweeps` is the largest read's; never `proven_optimal`.
pub(crate) fn collect(
    backend: &'static str,
    outcomes: Vec<ReadOutcome>,
    cpu_time: Option<Duration>,
    seed: u64,
    threads: usize,
    start: Instant,
) -> SolveResult {
    let read_energies: Vec<f64> = outcomes.iter().map(|o| o.energy).collect();
    let sweeps = outcomes.iter().map(|o| o.sweeps).max().unwrap_or(0);
    let flip_attempts = outcomes.iter().map(|o| o.flip_attempts).sum();
    let reads = outcomes.len();
    let best = outcomes
        .into_iter()
        .reduce(|a, b| if b.energy < a.energy { b } else { a });
    let (energy, state) = best.map_or((f64::INFINITY, Vec::new()), |b| (b.energy, b.state));
    SolveResult {
        backend,
        state,
        energy,
        read_energies,
        reads,
        sweeps,
        flip_attempts,
        elapsed: start.elapsed(),
        cpu_time,
        seed,
        threads,
        proven_optimal: false,
    }
}

/// Splits `reads` into `threads` contiguous, nearly equal ranges.
pub(crate) fn split_reads(reads: usize, threads: usize) -> Vec<std::ops::Range<usize>> {
    let t = threads.max(1).min(reads.max(1));
    let base = reads / t;
    let extra = reads % t;
    let mut out = Vec::with_capacity(t);
    let mut start = 0;
    for k in 0..t {
        let len = base + usize::from(k < extra);
        out.push(start..start + len);
        start += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geomspace_matches_ends_and_ratio() {
        let b = geometric_schedule(0.1, 10.0, 5);
        assert_eq!(b.len(), 5);
        assert!((b[0] - 0.1).abs() < 1e-12 && (b[4] - 10.0).abs() < 1e-12);
        assert!((b[2] - 1.0).abs() < 1e-9);
    }

    #[test]
    fn beta_range_follows_dwave_rule() {
        // Two spins, J = 1, h = (0.5, 0): max field 1.5; min bias 0.5 on spin 0 only.
        let m = Ising::new(2, &[(0, 0.5)], &[(0, 1, 1.0)], 0.0).expect("valid");
        let (hot, cold) = default_beta_range(&m);
        assert!((hot - std::f64::consts::LN_2 / 3.0).abs() < 1e-12);
        assert!((cold - 100f64.ln() / 1.0).abs() < 1e-12);
    }

    #[test]
    fn confidence_counts_near_best() {
        assert_eq!(
            confidence(&[-1000.0, -999.5, -990.0, -1000.0], -1000.0),
            0.75
        );
    }

    #[test]
    fn run_reads_keeps_job_order_and_re_raises_a_worker_panic() {
        let (out, _) = run_reads(vec![3, 1, 2], |x: u32| x * 10);
        assert_eq!(out, vec![30, 10, 20]);
        let caught = std::panic::catch_unwind(|| {
            run_reads(vec![0u32, 1], |x| {
                assert!(x == 0, "worker {x} fails");
                x
            })
        });
        assert!(caught.is_err(), "a worker's panic must reach the caller");
    }

    #[test]
    fn split_covers_all_reads() {
        let r = split_reads(10, 3);
        assert_eq!(r, vec![0..4, 4..7, 7..10]);
        assert_eq!(split_reads(1, 4), vec![0..1]);
    }
}
