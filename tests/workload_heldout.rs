//! The embedded model on the held-out test split of the committed fixtures (never trained or
//! calibrated on): at confidence >= 0.8, precision >= 0.9 per class and recall >= 0.7.

use powerhook::workload::eval::{
    ece, metrics, reliability, replay, report, Labelled, ScratchDir, RELIABILITY_EDGES,
};
use powerhook::workload::fixture::{committed_dir, FixtureSet, Split};
use powerhook::workload::model::Model;
use std::sync::OnceLock;

/// The committed set replayed once through the analyzer (shared by the tests of this file).
fn held_out() -> (&'static [Labelled], &'static Model) {
    static DATA: OnceLock<Vec<Labelled>> = OnceLock::new();
    let data = DATA.get_or_init(|| {
        let set = FixtureSet::load(&committed_dir()).expect("committed fixtures load");
        let dir = ScratchDir::new("heldout").expect("scratch dir");
        replay(&set, dir.path()).expect("replay")
    });
    (data, Model::embedded().expect("embedded model"))
}

#[test]
fn precision_and_recall_at_0_8_on_held_out_split() {
    let (data, model) = held_out();
    println!("{}", report(model, data, Split::Test, 0.8));
    for m in metrics(model, data, Split::Test, 0.8) {
        assert!(
            m.support >= 15,
            "{}: only {} test processes",
            m.class.as_str(),
            m.support
        );
        let p = m.precision().unwrap_or(0.0);
        let r = m.recall().unwrap_or(0.0);
        assert!(p >= 0.9, "{}: precision {p:.3} < 0.9", m.class.as_str());
        assert!(r >= 0.7, "{}: recall {r:.3} < 0.7", m.class.as_str());
    }
}

#[test]
fn confidence_is_calibrated_on_held_out_split() {
    let (data, model) = held_out();
    let bins = reliability(model, data, Split::Test, &RELIABILITY_EDGES);
    let e = ece(&bins);
    assert!(e <= 0.05, "expected calibration error {e:.3} > 0.05");
    // Above the trigger threshold, the share right must be at least about what is claimed.
    let (n, right) = data
        .iter()
        .filter(|d| d.split == Split::Test && d.features.is_some())
        .map(|d| powerhook::workload::eval::predict(model, d))
        .zip(
            data.iter()
                .filter(|d| d.split == Split::Test && d.features.is_some()),
        )
        .filter(|((_, c), _)| *c >= 0.8)
        .fold((0usize, 0usize), |(n, r), ((cls, _), d)| {
            (n + 1, r + usize::from(cls == d.label))
        });
    let acc = right as f64 / n.max(1) as f64;
    assert!(
        n > 100 && acc >= 0.9,
        "accuracy {acc:.3} over {n} verdicts at >= 0.8"
    );
}
