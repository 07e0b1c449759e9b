//! Energies, deltas and conversions equal brute force on random models.

use powerhook::engine::quantum::model::{bits_to_spins, spins_to_bits, Ising, Qubo};
use proptest::prelude::*;

fn brute_qubo(lin: &[(usize, f64)], quad: &[(usize, usize, f64)], off: f64, x: &[u8]) -> f64 {
    let mut e = off;
    for &(i, v) in lin {
        e += v * x[i] as f64;
    }
    for &(i, j, v) in quad {
        e += v * (x[i] * x[j]) as f64;
    }
    e
}

/// `(n, linear, quadratic, offset)` of a random model.
type Terms = (usize, Vec<(usize, f64)>, Vec<(usize, usize, f64)>, f64);

fn terms() -> impl Strategy<Value = Terms> {
    (2usize..9).prop_flat_map(|n| {
        let lin = prop::collection::vec((0..n, -5i32..5), 0..n * 2).prop_map(|v| {
            v.into_iter()
                .map(|(i, c)| (i, c as f64 * 0.5))
                .collect::<Vec<_>>()
        });
        let quad = prop::collection::vec((0..n, 0..n, -7i32..7), 0..n * n).prop_map(|v| {
            v.into_iter()
                .filter(|(i, j, _)| i != j)
                .map(|(i, j, c)| (i, j, c as f64 * 0.25))
                .collect::<Vec<_>>()
        });
        (Just(n), lin, quad, -3i32..3).prop_map(|(n, l, q, o)| (n, l, q, o as f64))
    })
}

proptest! {
    #[test]
    fn qubo_energy_and_delta_match_brute_force((n, lin, quad, off) in terms(), mask in any::<u16>()) {
        let q = Qubo::new(n, &lin, &quad, off).expect("valid terms");
        let x: Vec<u8> = (0..n).map(|b| ((mask >> b) & 1) as u8).collect();
        let e = brute_qubo(&lin, &quad, off, &x);
        prop_assert!((q.energy(&x) - e).abs() < 1e-9);
        for i in 0..n {
            let mut y = x.clone();
            y[i] ^= 1;
            let d = brute_qubo(&lin, &quad, off, &y) - e;
            prop_assert!((q.delta(&x, i) - d).abs() < 1e-9);
        }
    }

    #[test]
    fn ising_conversion_keeps_every_energy((n, lin, quad, off) in terms()) {
        let q = Qubo::new(n, &lin, &quad, off).expect("valid terms");
        let ising = q.to_ising();
        let back = ising.to_qubo();
        for mask in 0u32..(1 << n) {
            let x: Vec<u8> = (0..n).map(|b| ((mask >> b) & 1) as u8).collect();
            let s = bits_to_spins(&x);
            prop_assert_eq!(spins_to_bits(&s), x.clone());
            let e = q.energy(&x);
            prop_assert!((ising.energy(&s) - e).abs() < 1e-9);
            prop_assert!((back.energy(&x) - e).abs() < 1e-9);
            for i in 0..n {
                let mut t = s.clone();
                t[i] = -t[i];
                prop_assert!((ising.delta(&s, i) - (ising.energy(&t) - ising.energy(&s))).abs() < 1e-9);
            }
        }
    }
}

#[test]
fn ising_energy_of_a_hand_example() {
    // E = 0.5 s0 + s0 s1 - 2 s1 s2 + 1
    let m = Ising::new(3, &[(0, 0.5)], &[(0, 1, 1.0), (1, 2, -2.0)], 1.0).expect("valid");
    assert_eq!(m.energy(&[1, 1, 1]), 0.5 + 1.0 - 2.0 + 1.0);
    assert_eq!(m.energy(&[-1, 1, -1]), -0.5 - 1.0 + 2.0 + 1.0);
}
