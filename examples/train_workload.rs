//! Train the workload model from the committed fixtures and write `data/workload/model.txt`.
//!
//! `cargo run --release --example train_workload` (add `-- --check` to compare with the
//! committed file instead of writing it). Deterministic: full-batch gradient descent, no
//! sampling, so the same fixtures give the same file.

use std::time::Instant;

use powerhook::workload::eval::{fit, replay, report, ScratchDir};
use powerhook::workload::fixture::{committed_dir, FixtureSet, Split};
use powerhook::workload::model::TrainConfig;

fn main() -> anyhow::Result<()> {
    let check = std::env::args().any(|a| a == "--check");
    let t0 = Instant::now();
    let set = FixtureSet::load(&committed_dir())?;
    let scratch = ScratchDir::new("train")?;
    let data = replay(&set, scratch.path())?;
    let t_replay = t0.elapsed();
    let model = fit(&data, &TrainConfig::default());
    let t_fit = t0.elapsed() - t_replay;
    let text = model.to_text();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/workload/model.txt");
    println!(
        "{} processes; replay {:.2} s, fit {:.2} s; temperature {:.3}",
        data.len(),
        t_replay.as_secs_f64(),
        t_fit.as_secs_f64(),
        model.temperature
    );
    println!(
        "\n## calibration split\n\n{}",
        report(&model, &data, Split::Calib, 0.8)
    );
    println!(
        "## held-out test split\n\n{}",
        report(&model, &data, Split::Test, 0.8)
    );
    if check {
        let committed = std::fs::read_to_string(&path)?;
        if committed == text {
            println!("model.txt matches a fresh training run");
        } else {
            anyhow::bail!("model.txt differs from a fresh training run: retrain");
        }
    } else {
        std::fs::write(&path, text)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
