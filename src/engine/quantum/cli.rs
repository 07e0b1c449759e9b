//! `powerhook solve`: reads an instance, runs a backend, validates and prints the answer.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::json;
use thiserror::Error;

use super::auto::Auto;
use super::exact::Exact;
use super::model::spins_to_bits;
use super::pt::ParallelTempering;
use super::readers::{parse_bytes, Format, Problem, ReadError};
use super::sa::SimulatedAnnealing;
use super::solver::{SolveError, SolveParams, Solver};
use super::tabu::Tabu;
use super::validate::validate;

/// Input format names for `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// G-set Max-Cut
    Gset,
    /// Beasley `.sparse` QUBO
    Bqp,
    /// powerhook JSON model
    Json,
}

/// Backend names for `--backend`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendArg {
    /// pick from size, density and time budget
    Auto,
    /// Gray-code enumeration (n ≤ 30), proves optimality
    Exact,
    /// simulated annealing
    Sa,
    /// parallel tempering
    Pt,
    /// tabu search
    Tabu,
}

/// Arguments of `powerhook solve`.
#[derive(Debug, Clone, clap::Args)]
pub struct SolveArgs {
    /// Instance file (G-set `.txt`, Beasley `.sparse`, or `.json`).
    pub file: PathBuf,
    /// Input format; by default guessed from the extension (.json, .sparse, else gset).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Backend to run.
    #[arg(long, value_enum, default_value_t = BackendArg::Auto)]
    pub backend: BackendArg,
    /// Independent reads.
    #[arg(long)]
    pub reads: Option<usize>,
    /// Sweeps per read (a sweep = n flip attempts).
    #[arg(long)]
    pub sweeps: Option<usize>,
    /// Time budget, e.g. `1s`, `500ms`, `2.5s`, `1m`.
    #[arg(long, value_parser = parse_time_limit)]
    pub time_limit: Option<Duration>,
    /// Seed; the same seed and thread count give the same answer (time limits aside).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Stop as soon as a read reaches this energy (with --time-limit; for time-to-target).
    #[arg(long, allow_hyphen_values = true)]
    pub target: Option<f64>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Why `solve` failed.
#[derive(Debug, Error)]
pub enum SolveCliError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The file is malformed.
    #[error("{path}: {source}")]
    Parse { path: String, source: ReadError },
    /// The backend refused or failed.
    #[error(transparent)]
    Solve(#[from] SolveError),
}

/// A positive time limit, written with a unit (`1s`, `500ms`): the crate's one duration parser.
fn parse_time_limit(text: &str) -> Result<Duration, String> {
    let d = crate::units::parse_duration(text)?;
    if d.is_zero() {
        return Err(format!("`{text}` must be a positive duration"));
    }
    Ok(d)
}

/// Why these flags cannot be honoured by the chosen backend, if they cannot: a flag a backend
/// would silently ignore is refused instead.
fn unsupported_flags(args: &SolveArgs) -> Option<String> {
    let backend = match args.backend {
        BackendArg::Auto => "auto",
        BackendArg::Exact => "exact",
        BackendArg::Sa => "sa",
        BackendArg::Pt => "pt",
        BackendArg::Tabu => "tabu",
    };
    if args.time_limit.is_some() && matches!(args.backend, BackendArg::Sa | BackendArg::Exact) {
        return Some(format!(
            "--backend {backend} has no time budget (sa runs exactly --reads x --sweeps, exact \
             runs to the proof): leave out --time-limit, or use --backend auto, pt or tabu"
        ));
    }
    if args.target.is_some() && !matches!(args.backend, BackendArg::Auto) {
        return Some(format!(
            "--target is honoured by --backend auto only, not by {backend}"
        ));
    }
    if args.target.is_some() && args.time_limit.is_none() {
        return Some("--target needs --time-limit (it stops a time-limited run early)".into());
    }
    None
}

/// Runs `powerhook solve`; returns the process exit code (0 on success).
pub fn run(args: &SolveArgs) -> Result<i32, SolveCliError> {
    if let Some(why) = unsupported_flags(args) {
        return Err(SolveError::InvalidParameter(why).into());
    }
    let path = args.file.display().to_string();
    let bytes = std::fs::read(&args.file).map_err(|source| SolveCliError::Io {
        path: path.clone(),
        source,
    })?;
    let format = match args.format {
        Some(FormatArg::Gset) => Format::Gset,
        Some(FormatArg::Bqp) => Format::Bqp,
        Some(FormatArg::Json) => Format::Json,
        None => Format::from_path(&args.file),
    };
    let problem = parse_bytes(&bytes, format).map_err(|source| SolveCliError::Parse {
        path: path.clone(),
        source,
    })?;
    let ising = problem.to_ising();
    let params = SolveParams {
        reads: args.reads,
        sweeps: args.sweeps,
        time_limit: args.time_limit,
        seed: args.seed,
        threads: args.threads.max(1),
        target: args.target,
    };
    let result = match args.backend {
        BackendArg::Auto => Auto.solve(&ising, &params)?,
        BackendArg::Exact => Exact.solve(&ising, &params)?,
        BackendArg::Sa => SimulatedAnnealing::default().solve(&ising, &params)?,
        BackendArg::Pt => ParallelTempering::default().solve(&ising, &params)?,
        BackendArg::Tabu => Tabu.solve(&ising, &params)?,
    };
    let check = validate(
        &ising,
        &result.state,
        result.energy,
        &result.read_energies,
        args.seed,
    );
    let cut = problem.cut(check.energy);
    let binary = matches!(problem, Problem::Qubo(_));
    let state: Vec<i64> = if binary {
        spins_to_bits(&result.state)
            .into_iter()
            .map(i64::from)
            .collect()
    } else {
        result.state.iter().map(|&s| i64::from(s)).collect()
    };
    let elapsed_ms = result.elapsed.as_secs_f64() * 1e3;
    let attempts_per_s = if result.elapsed.as_secs_f64() > 0.0 {
        result.flip_attempts as f64 / result.elapsed.as_secs_f64()
    } else {
        0.0
    };
    if args.json {
        let out = json!({
            "file": path,
            "n": problem.n(),
            "backend": result.backend,
            "energy": check.energy,
            "cut": cut,
            "state": state,
            "state_kind": if binary { "binary" } else { "spin" },
            "reads": result.reads,
            "sweeps": result.sweeps,
            "threads": result.threads,
            "flip_attempts": result.flip_attempts,
            "flip_attempts_per_s": attempts_per_s,
            "elapsed_ms": elapsed_ms,
            "cpu_ms": result.cpu_time.map(|t| t.as_secs_f64() * 1e3),
            "confidence": check.confidence,
            "seed": result.seed,
            "proven_optimal": result.proven_optimal,
            "read_energies": result.read_energies,
            "validation": {
                "energy_matches": check.energy_matches,
                "greedy_energy": check.greedy_energy,
                "beats_greedy": check.beats_greedy,
            },
        });
        println!("{out}");
    } else {
        println!("{path}: {} variables", problem.n());
        println!(
            "backend {}  reads {}  sweeps {}  threads {}  seed {}",
            result.backend, result.reads, result.sweeps, result.threads, result.seed
        );
        print!("energy {}", check.energy);
        if let Some(c) = cut {
            print!("  cut {c}");
        }
        if result.proven_optimal {
            print!("  (proven optimal)");
        }
        println!();
        println!(
            "elapsed {elapsed_ms:.1} ms  ({:.3e} flip attempts/s)  confidence {:.2}",
            attempts_per_s, check.confidence
        );
        println!(
            "check: energy recomputed {}, greedy baseline {} ({})",
            if check.energy_matches {
                "matches"
            } else {
                "DIFFERS"
            },
            check.greedy_energy,
            if check.beats_greedy {
                "beaten or equalled"
            } else {
                "NOT beaten"
            }
        );
        let shown: String = state
            .iter()
            .take(80)
            .map(|&v| match v {
                1 => '1',
                0 => '0',
                _ => '-',
            })
            .collect();
        let more = if state.len() > 80 { "…" } else { "" };
        println!("state {shown}{more}");
    }
    Ok(if check.energy_matches { 0 } else { 2 })
}
