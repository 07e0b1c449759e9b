//! The `auto` rule, and that it keeps its promises on real instances.

mod quantum_common;

use std::time::Duration;

use powerhook::engine::quantum::auto::{pick, Auto, Pick};
use powerhook::engine::quantum::readers::Format;
use powerhook::engine::quantum::{SolveParams, Solver};

#[test]
fn rule_by_size_density_and_budget() {
    assert_eq!(pick(12, 60, None, 1), Pick::Exact);
    assert_eq!(pick(20, 190, None, 1), Pick::Exact);
    // 2^26 · 27 ns ≈ 1.8 s: exact only when the budget allows it.
    assert_eq!(
        pick(26, 13 * 26, Some(Duration::from_millis(500)), 1),
        Pick::SaTimed
    );
    assert_eq!(
        pick(26, 13 * 26, Some(Duration::from_secs(4)), 1),
        Pick::Exact
    );
    assert_eq!(
        pick(26, 13 * 26, Some(Duration::from_secs(1)), 2),
        Pick::Exact
    );
    assert_eq!(
        pick(31, 10, Some(Duration::from_secs(100)), 1),
        Pick::SaTimed
    );
    assert_eq!(pick(800, 19176, None, 1), Pick::SaDefault);
    assert_eq!(
        pick(800, 19176, Some(Duration::from_secs(1)), 2),
        Pick::SaTimed
    );
}

#[test]
fn auto_proves_small_and_respects_the_budget() {
    let m = quantum_common::instance("bqp/bqp50-3.sparse", Format::Bqp).to_ising();
    let sub = {
        // The first 18 variables of bqp50-3: small enough for enumeration.
        let keep: Vec<_> = m.j.upper().filter(|&(i, j, _)| i < 18 && j < 18).collect();
        let h: Vec<_> = (0..18).map(|i| (i, m.h[i])).collect();
        powerhook::engine::quantum::Ising::new(18, &h, &keep, 0.0).expect("valid")
    };
    let r = Auto.solve(&sub, &SolveParams::default()).expect("solves");
    assert_eq!(r.backend, "exact");
    assert!(r.proven_optimal);

    let g = quantum_common::instance("gset/G11.txt", Format::Gset).to_ising();
    let p = SolveParams {
        time_limit: Some(Duration::from_millis(300)),
        ..SolveParams::default()
    };
    let r = Auto.solve(&g, &p).expect("solves");
    assert_eq!(r.backend, "sa");
    assert!(
        r.elapsed < Duration::from_millis(900),
        "took {:?}",
        r.elapsed
    );
    assert!(r.reads >= 1);
    assert_eq!(g.energy(&r.state), r.energy);
}
