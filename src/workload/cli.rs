//! `powerhook workload`: scan the processes a few times and print what the analyzer sees.
//! The binary wires [`WorkloadArgs`] as a subcommand and calls [`run`].

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use super::analyzer::{AnalyzerOptions, ProcessVerdict, WorkloadAnalyzer};
use super::WorkloadPatterns;

/// Arguments of `powerhook workload`.
#[derive(Debug, Clone, clap::Args)]
pub struct WorkloadArgs {
    /// Root under which `proc/` is read.
    #[arg(long, env = "POWERHOOK_ROOT", default_value = "/")]
    pub root: PathBuf,
    /// Include every user's processes, not only the current user's.
    #[arg(long)]
    pub all: bool,
    /// Scans to run (the first only sees lifetime averages).
    #[arg(long, default_value_t = 3)]
    pub scans: u32,
    /// Time between scans, e.g. 2s or 500ms.
    #[arg(long, default_value = "2s", value_parser = crate::units::parse_duration)]
    pub interval: Duration,
    /// Also list idle processes.
    #[arg(long)]
    pub idle: bool,
    /// JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Out<'a> {
    workload_patterns: &'a WorkloadPatterns,
    processes: Vec<&'a ProcessVerdict>,
}

/// Run the scans and print the last one to `out`.
pub fn run(args: &WorkloadArgs, out: &mut impl Write) -> std::io::Result<()> {
    let mut opts = AnalyzerOptions::default();
    if args.all {
        opts.uid = None;
    }
    let mut an = WorkloadAnalyzer::with_options(&args.root, opts);
    let mut patterns = an.analyze();
    for _ in 1..args.scans.max(1) {
        std::thread::sleep(args.interval.min(Duration::from_secs(60)));
        patterns = an.analyze();
    }
    let mut procs: Vec<&ProcessVerdict> = an
        .last_scan()
        .iter()
        .filter(|v| args.idle || !v.by_rule)
        .collect();
    procs.sort_by(|a, b| b.cpu_share.total_cmp(&a.cpu_share));
    if args.json {
        let o = Out {
            workload_patterns: &patterns,
            processes: procs,
        };
        serde_json::to_writer_pretty(&mut *out, &o).map_err(std::io::Error::other)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{:>7}  {:<16} {:>6}  {:<21} {:>6}",
        "pid", "name", "cores", "class", "conf"
    )?;
    for v in &procs {
        writeln!(
            out,
            "{:>7}  {:<16} {:>6.2}  {:<21} {:>6.3}",
            v.pid,
            v.name,
            v.cpu_share,
            v.class.as_str(),
            v.confidence
        )?;
    }
    match (&patterns.pattern_type, &patterns.process) {
        (Some(t), Some(p)) => writeln!(
            out,
            "\nstrongest pattern: {} in {} (pid {}), confidence {:.3}",
            t.as_str(),
            p.name,
            p.pid,
            patterns.confidence_score
        )?,
        _ => writeln!(
            out,
            "\nno np_hard / matrix_computation / optimization_problem pattern"
        )?,
    }
    if let Some(e) = an.model_error() {
        writeln!(out, "model not loaded: {e}")?;
    }
    Ok(())
}
