//! `exact`: Gray-code enumeration of all 2^n states (n ≤ 30), which proves optimality; above
//! 30 variables, variable elimination (`eliminate`) when the model's induced width is at most
//! `eliminate::MAX_WIDTH` (sparse models such as bqp50), else the model is refused.
//!
//! Consecutive Gray codes differ in one spin, so each state costs one flip and a field update
//! of that spin's neighbours. With `threads = T` the top `log2 T` spins are fixed per thread.

use std::time::Instant;

use super::eliminate;
use super::kernel::Kernel;
use super::model::Ising;
use super::solver::{run_reads, SolveError, SolveParams, SolveResult, Solver};

/// Largest model `exact` accepts.
pub const MAX_EXACT_N: usize = 30;

/// Exhaustive backend.
#[derive(Debug, Clone, Default)]
pub struct Exact;

/// Enumerates the low `m` spins with the high spins fixed to `prefix`; returns (energy, state).
fn enumerate(model: &Ising, kernel: &Kernel<'_>, m: usize, prefix: u64) -> (f64, Vec<i8>) {
    let n = model.n();
    let mut sc = kernel.scratch();
    for (i, s) in sc.spins.iter_mut().enumerate() {
        *s = if i >= m && (prefix >> (i - m)) & 1 == 1 {
            1
        } else {
            -1
        };
    }
    kernel.recompute_fields(&mut sc);
    let mut e = model.energy(&sc.spins);
    let mut best_e = e;
    let mut best_code: u64 = 0;
    for step in 1u64..(1u64 << m) {
        let i = step.trailing_zeros() as usize;
        let s = sc.spins[i] as f64;
        e += -2.0 * s * sc.field[i];
        sc.spins[i] = -sc.spins[i];
        let (c, v) = model.j.row(i);
        let delta = -2.0 * s;
        for (&j, &w) in c.iter().zip(v) {
            sc.field[j as usize] += delta * w;
        }
        if e < best_e {
            best_e = e;
            best_code = step ^ (step >> 1);
        }
    }
    // Rebuild the best state from its Gray code and recompute its energy from scratch, so
    // rounding along the walk cannot leak into the answer.
    let mut state = vec![-1i8; n];
    for (i, s) in state.iter_mut().enumerate() {
        let bit = if i < m {
            (best_code >> i) & 1
        } else {
            (prefix >> (i - m)) & 1
        };
        if bit == 1 {
            *s = 1;
        }
    }
    (model.energy(&state), state)
}

impl Solver for Exact {
    fn name(&self) -> &'static str {
        "exact"
    }

    fn solve(&self, model: &Ising, params: &SolveParams) -> Result<SolveResult, SolveError> {
        let start = Instant::now();
        let n = model.n();
        if n == 0 {
            return Err(SolveError::Empty);
        }
        if n > MAX_EXACT_N {
            let (energy, state) =
                eliminate::minimise(model, eliminate::MAX_WIDTH).map_err(|width| {
                    SolveError::TooWide {
                        n,
                        width,
                        limit: eliminate::MAX_WIDTH,
                    }
                })?;
            return Ok(SolveResult {
                backend: "exact",
                state,
                energy,
                read_energies: vec![energy],
                reads: 1,
                sweeps: 0,
                flip_attempts: 0,
                elapsed: start.elapsed(),
                cpu_time: None,
                seed: params.seed,
                threads: 1,
                proven_optimal: true,
            });
        }
        let kernel = Kernel::new_f64(model)
            .ok_or_else(|| SolveError::InvalidParameter("malformed coupling matrix".into()))?;
        let mut p = 0;
        while (1usize << (p + 1)) <= params.threads.max(1) && p + 1 < n {
            p += 1;
        }
        let m = n - p;
        let (results, cpu_time) = run_reads((0..1u64 << p).collect(), |prefix| {
            enumerate(model, &kernel, m, prefix)
        });
        let (energy, state) = results
            .into_iter()
            .reduce(|a, b| if b.0 < a.0 { b } else { a })
            .unwrap_or((f64::INFINITY, Vec::new()));
        Ok(SolveResult {
            backend: "exact",
            state,
            energy,
            read_energies: vec![energy],
            reads: 1,
            sweeps: 0,
            flip_attempts: 1u64 << n,
            elapsed: start.elapsed(),
            cpu_time,
            seed: params.seed,
            threads: 1 << p,
            proven_optimal: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_frustrated_triangle_minimum() {
        let m = Ising::new(3, &[], &[(0, 1, 1.0), (1, 2, 1.0), (0, 2, 1.0)], 0.0).expect("ok");
        for threads in [1, 2, 4] {
            let r = Exact
                .solve(
                    &m,
                    &SolveParams {
                        threads,
                        ..SolveParams::default()
                    },
                )
                .expect("solves");
            assert_eq!(r.energy, -1.0);
            assert!(r.proven_optimal);
        }
    }

    #[test]
    fn refuses_large_dense_models() {
        let mut terms = Vec::new();
        for i in 0..40 {
            for j in i + 1..40 {
                terms.push((i, j, 1.0));
            }
        }
        let m = Ising::new(40, &[], &terms, 0.0).expect("ok");
        assert!(matches!(
            Exact.solve(&m, &SolveParams::default()),
            Err(SolveError::TooWide { .. })
        ));
    }
}
