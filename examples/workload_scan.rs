//! Scan the live /proc (or `POWERHOOK_ROOT`) and print the workload verdicts, as
//! `powerhook workload` will: `cargo run --example workload_scan -- [--all] [--json]`.

use clap::Parser;
use powerhook::workload::cli::{run, WorkloadArgs};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: WorkloadArgs,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    run(&cli.args, &mut std::io::stdout().lock())?;
    Ok(())
}
