//! Train the workload model from the committed fixtures and write `data/workload/model.txt`.
//!
//! `cargo run --release --example train_workload` (add `-- --check` to compare with the
//! committed file instead of writing it). Deterministic: full-batch gradient descent, no
//! sampling, so the same fixtures give the same file.

use std::time::Instant;

use powerhook::workload::eval::{fit, leave_template_out, replay, report, ScratchDir};
use powerhook::workload::fixture::{committed_dir, FixtureSet, Split};
use powerhook::workload::model::TrainConfig;

fn main() -> anyhow::Result<()> {
    let check = std::env::args().any(|a| a == "--check");
    let unseen = std::env::args().any(|a| a == "--unseen");
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
    if unseen {
        println!("## unseen programs (leave one template out), confidence >= 0.8\n");
        println!("| template | scored | reported | correct | wrong seed pattern |\n|---|---|---|---|---|");
        let (mut n, mut rep, mut ok, mut fp) = (0, 0, 0, 0);
        for r in leave_template_out(&data, &TrainConfig::default(), 0.8) {
            println!(
                "| {} | {} | {} | {} | {} |",
                r.template, r.n, r.reported, r.correct, r.false_patterns
            );
            n += r.n;
            rep += r.reported;
            ok += r.correct;
            fp += r.false_patterns;
        }
        println!("| **all** | {n} | {rep} | {ok} | {fp} |\n");
    }
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
