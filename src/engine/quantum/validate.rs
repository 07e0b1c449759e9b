//! `validate`: checks a result independently of the backend that produced it — the energy
//! recomputed from scratch on the caller's model, one-hot constraint penalties, and a greedy
//! baseline to beat.

use super::model::Ising;
use super::rng::Rng;
use super::solver::confidence;

/// A group of binary variables of which exactly one must be 1.
#[derive(Debug, Clone, PartialEq)]
pub struct OneHot {
    /// Human name of the group (e.g. a process).
    pub name: String,
    /// Variable indices.
    pub vars: Vec<usize>,
}

/// What `validate` found.
#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    /// Energy of the state recomputed from the model.
    pub energy: f64,
    /// Whether it equals the solver's reported energy (relative 1e-9).
    pub energy_matches: bool,
    /// Best energy of greedy single-flip descents from random states.
    pub greedy_energy: f64,
    /// `energy <= greedy_energy`.
    pub beats_greedy: bool,
    /// Share of reads within 0.1 % of the best energy.
    pub confidence: f64,
}

/// Steepest-descent from `starts` random states (seeded); returns the best energy found.
pub fn greedy_baseline(model: &Ising, starts: usize, seed: u64) -> f64 {
    let n = model.n();
    let mut best = f64::INFINITY;
    for k in 0..starts.max(1) {
        let mut rng = Rng::new(seed ^ 0x6772_6565_6479, k as u64);
        let mut s: Vec<i8> = (0..n)
            .map(|_| if rng.next_u64() >> 63 == 0 { -1 } else { 1 })
            .collect();
        let mut field: Vec<f64> = (0..n).map(|i| model.local_field(&s, i)).collect();
        loop {
            // Flip the spin with the most negative ΔE.
            let mut pick = None;
            let mut best_d = -1e-12;
            for i in 0..n {
                let d = -2.0 * s[i] as f64 * field[i];
                if d < best_d {
                    best_d = d;
                    pick = Some(i);
                }
            }
            let Some(i) = pick else { break };
            let c = -2.0 * s[i] as f64;
            s[i] = -s[i];
            let (cols, vals) = model.j.row(i);
            for (&j, &w) in cols.iter().zip(vals) {
                field[j as usize] += c * w;
            }
        }
        best = best.min(model.energy(&s));
    }
    best
}

/// Validates a spin state against the Ising model the solver saw.
pub fn validate(
    model: &Ising,
    state: &[i8],
    reported_energy: f64,
    read_energies: &[f64],
    seed: u64,
) -> Validation {
    let energy = model.energy(state);
    let tol = 1e-9 * energy.abs().max(1.0);
    let greedy_energy = greedy_baseline(model, 8, seed);
    Validation {
        energy,
        energy_matches: (energy - reported_energy).abs() <= tol,
        greedy_energy,
        beats_greedy: energy <= greedy_energy + tol,
        confidence: confidence(read_energies, energy),
    }
}

/// Names of the one-hot groups a 0/1 state violates.
pub fn one_hot_violations(x: &[u8], groups: &[OneHot]) -> Vec<String> {
    groups
        .iter()
        .filter(|g| {
            g.vars
                .iter()
                .filter(|&&v| x.get(v).copied().unwrap_or(0) != 0)
                .count()
                != 1
        })
        .map(|g| g.name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_solves_uncoupled_fields_and_stays_above_optimum() {
        let m = Ising::new(3, &[(0, 1.0), (1, -2.0), (2, 0.5)], &[], 0.0).expect("ok");
        assert_eq!(greedy_baseline(&m, 2, 1), -3.5);
        let tri = Ising::new(3, &[], &[(0, 1, 1.0), (1, 2, 1.0), (0, 2, 1.0)], 0.0).expect("ok");
        assert!(greedy_baseline(&tri, 3, 1) >= -1.0);
    }

    #[test]
    fn one_hot_flags_empty_and_double() {
        let groups = vec![
            OneHot {
                name: "a".into(),
                vars: vec![0, 1],
            },
            OneHot {
                name: "b".into(),
                vars: vec![2, 3],
            },
            OneHot {
                name: "c".into(),
                vars: vec![4, 5],
            },
        ];
        assert_eq!(
            one_hot_violations(&[1, 0, 1, 1, 0, 0], &groups),
            vec!["b".to_string(), "c".to_string()]
        );
    }
}
