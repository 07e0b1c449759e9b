//! Helpers shared by the quantum engine's integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

use powerhook::engine::quantum::readers::{parse, Format, Problem};

/// The shared benchmark folder: `$POWERHOOK_SHARED`, else `../shared` beside the crate.
pub fn shared() -> PathBuf {
    match std::env::var_os("POWERHOOK_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"),
    }
}

/// Reads a benchmark instance, e.g. `bqp/bqp50-1.sparse`.
pub fn instance(rel: &str, format: Format) -> Problem {
    let path = shared().join("benchmarks").join(rel);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    parse(&text, format).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `best_known.csv` of the bqp set: instance → best-known energy.
pub fn bqp_best_known() -> Vec<(String, f64)> {
    let path = shared().join("benchmarks/bqp/best_known.csv");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Some((f.first()?.to_string(), f.get(2)?.parse().ok()?))
        })
        .collect()
}
