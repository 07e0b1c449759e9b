//! Regenerate the labelled workload fixtures in `data/workload/fixtures/` from the fixed seed.
//!
//! `cargo run --example gen_workload_fixtures [-- SEED]`. The output is deterministic: the
//! committed tree is what this writes (a test checks it).

use powerhook::workload::fixture::{committed_dir, generate, DEFAULT_SEED};

fn main() -> anyhow::Result<()> {
    let seed = match std::env::args().nth(1) {
        Some(s) => s.parse()?,
        None => DEFAULT_SEED,
    };
    let set = generate(seed);
    let dir = committed_dir();
    set.write(&dir)?;
    let mut counts = std::collections::BTreeMap::new();
    for p in &set.procs {
        *counts.entry(p.label.as_str()).or_insert(0usize) += 1;
    }
    println!("wrote {} processes to {}", set.procs.len(), dir.display());
    for (label, n) in counts {
        println!("  {label:<22} {n}");
    }
    Ok(())
}
