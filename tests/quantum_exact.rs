//! `exact` against brute force, and its proofs of the bqp50 optima.

mod quantum_common;

use powerhook::engine::quantum::exact::Exact;
use powerhook::engine::quantum::model::Ising;
use powerhook::engine::quantum::readers::Format;
use powerhook::engine::quantum::{SolveParams, Solver};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn gray_code_equals_brute_force(
        n in 1usize..11,
        seed in any::<u64>(),
        threads in 1usize..5,
    ) {
        let mut r = powerhook::engine::quantum::rng::Rng::new(seed, 0);
        let h: Vec<(usize, f64)> = (0..n).map(|i| (i, (r.below(9) as f64 - 4.0) * 0.5)).collect();
        let mut j = Vec::new();
        for a in 0..n {
            for b in a + 1..n {
                if r.below(2) == 0 {
                    j.push((a, b, r.below(11) as f64 - 5.0));
                }
            }
        }
        let m = Ising::new(n, &h, &j, 0.0).expect("valid");
        let mut best = f64::INFINITY;
        for mask in 0u32..(1 << n) {
            let s: Vec<i8> = (0..n).map(|b| if (mask >> b) & 1 == 1 { 1 } else { -1 }).collect();
            best = best.min(m.energy(&s));
        }
        let res = Exact.solve(&m, &SolveParams { threads, ..SolveParams::default() }).expect("solves");
        prop_assert_eq!(res.energy, best);
        prop_assert_eq!(m.energy(&res.state), best);
        prop_assert!(res.proven_optimal);
    }
}

#[test]
fn exact_proves_bqp50_optima() {
    let known = quantum_common::bqp_best_known();
    for k in 1..=10 {
        let name = format!("bqp50-{k}");
        let want = known
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, e)| *e)
            .unwrap_or_else(|| panic!("{name} missing from best_known.csv"));
        let p = quantum_common::instance(&format!("bqp/{name}.sparse"), Format::Bqp);
        let m = p.to_ising();
        let r = Exact
            .solve(&m, &SolveParams::default())
            .expect("bqp50 is sparse enough");
        assert!(r.proven_optimal);
        assert_eq!(r.energy, want, "{name}");
        assert_eq!(m.energy(&r.state), want, "{name}: state energy");
    }
}

#[test]
fn exact_refuses_dense_large_models_with_a_reason() {
    let p = quantum_common::instance("bqp/bqp250-1.sparse", Format::Bqp);
    let e = Exact
        .solve(&p.to_ising(), &SolveParams::default())
        .expect_err("bqp250 is too wide");
    assert!(e.to_string().contains("induced width"), "{e}");
}

#[test]
fn quantum_advantage_is_measured_or_null() {
    use powerhook::engine::quantum::quantum_advantage;
    let big = quantum_common::instance("bqp/bqp50-1.sparse", Format::Bqp).to_ising();
    assert!(
        quantum_advantage(&big, 1).is_none(),
        "50 variables: no exact baseline"
    );
    // A 22-spin antiferromagnetic ring with a few fields: small enough to enumerate.
    let terms: Vec<_> = (0..22).map(|i| (i, (i + 1) % 22, 1.0)).collect();
    let h: Vec<_> = (0..22)
        .map(|i| (i, if i % 5 == 0 { 0.5 } else { 0.0 }))
        .collect();
    let m = Ising::new(22, &h, &terms, 0.0).expect("valid");
    let a = quantum_advantage(&m, 1).expect("small enough");
    assert!(a.speedup > 0.0 && a.speedup.is_finite());
    assert!(a.exact_time > std::time::Duration::ZERO);
    assert!(a.heuristic_optimal, "sa at defaults solves a ring");
}
