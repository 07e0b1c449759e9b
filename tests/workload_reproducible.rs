//! The committed fixtures are what the generator writes, and the committed weights are what a
//! fresh training run on them gives.

use powerhook::workload::eval::{fit, replay, ScratchDir};
use powerhook::workload::fixture::{committed_dir, generate, FixtureSet, DEFAULT_SEED};
use powerhook::workload::model::{Model, TrainConfig};

#[test]
fn committed_fixtures_equal_a_fresh_generation() {
    let committed = FixtureSet::load(&committed_dir()).expect("committed fixtures load");
    let fresh = generate(DEFAULT_SEED);
    assert_eq!(committed.uptimes, fresh.uptimes);
    assert_eq!(committed.procs.len(), fresh.procs.len());
    for (a, b) in committed.procs.iter().zip(&fresh.procs) {
        assert_eq!(a, b, "fixture pid {} differs: regenerate", a.pid);
    }
}

#[test]
fn committed_weights_equal_a_fresh_training_run() {
    let set = FixtureSet::load(&committed_dir()).expect("load");
    let dir = ScratchDir::new("retrain").expect("scratch");
    let data = replay(&set, dir.path()).expect("replay");
    let fresh = fit(&data, &TrainConfig::default()).to_text();
    let committed = Model::embedded().expect("embedded").to_text();
    assert!(
        fresh == committed,
        "data/workload/model.txt is not what training gives: run \
         `cargo run --release --example train_workload`"
    );
}
