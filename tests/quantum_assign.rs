//! The CPU-assignment formulation against brute force over every assignment.

use std::time::Duration;

use powerhook::engine::quantum::exact::Exact;
use powerhook::engine::quantum::rng::Rng;
use powerhook::engine::quantum::{
    solve_assignment, AssignmentProblem, CpuGroup, ProcessDemand, SolveParams, Solver,
};

fn random_problem(seed: u64, procs: usize, groups: usize) -> AssignmentProblem {
    let mut r = Rng::new(seed, 0);
    AssignmentProblem {
        processes: (0..procs)
            .map(|k| ProcessDemand {
                name: format!("p{k}"),
                demand: 0.1 + r.next_f64() * 1.9,
                importance: r.next_f64() * 3.0,
            })
            .collect(),
        groups: (0..groups)
            .map(|k| CpuGroup {
                name: format!("g{k}"),
                capacity: 1.0 + r.below(4) as f64,
                cost: r.next_f64(),
            })
            .collect(),
        load_target: 0.7,
        contention_weight: 1.0,
    }
}

fn brute_force(p: &AssignmentProblem) -> f64 {
    let (np, ng) = (p.processes.len(), p.groups.len());
    let mut best = f64::INFINITY;
    let mut a = vec![0usize; np];
    loop {
        best = best.min(p.objective(&a));
        let mut k = 0;
        loop {
            if k == np {
                return best;
            }
            a[k] += 1;
            if a[k] < ng {
                break;
            }
            a[k] = 0;
            k += 1;
        }
    }
}

#[test]
fn solve_assignment_matches_brute_force_on_small_cases() {
    for seed in 0..12 {
        let procs = 2 + (seed as usize % 4);
        let groups = 2 + (seed as usize % 2);
        let p = random_problem(seed, procs, groups);
        let a = solve_assignment(&p, Duration::from_millis(200)).expect("solves");
        let best = brute_force(&p);
        assert!(
            (a.objective - best).abs() < 1e-9,
            "seed {seed}: {} vs brute force {best}",
            a.objective
        );
        assert!(a.feasible_as_solved, "seed {seed}: penalty too weak");
        assert_eq!(a.group_of.len(), procs);
        let total: f64 = p.processes.iter().map(|x| x.demand).sum();
        assert!((a.loads.iter().sum::<f64>() - total).abs() < 1e-9);
    }
}

#[test]
fn qubo_minimum_is_the_best_feasible_assignment() {
    // Exact on the QUBO itself: its minimum energy equals the brute-force objective, so no
    // infeasible state undercuts a feasible one.
    for seed in 20..26 {
        let p = random_problem(seed, 4, 3);
        let (q, groups) = p.to_qubo().expect("valid");
        let r = Exact
            .solve(&q.to_ising(), &SolveParams::default())
            .expect("12 vars");
        assert!((r.energy - brute_force(&p)).abs() < 1e-6, "seed {seed}");
        assert_eq!(groups.len(), 4);
    }
}

#[test]
fn larger_problems_use_annealing_and_stay_feasible() {
    let p = random_problem(99, 12, 3);
    let a = solve_assignment(&p, Duration::from_millis(100)).expect("solves");
    assert_eq!(a.backend, "sa");
    // Never worse than the greedy assignment the penalty is built from.
    assert!(a.objective <= p.objective(&p.greedy()) + 1e-9);
}

#[test]
fn invalid_problems_are_refused() {
    let mut p = random_problem(1, 2, 2);
    p.groups[0].capacity = 0.0;
    assert!(solve_assignment(&p, Duration::from_millis(10)).is_err());
}
