//! The `powerhook` command line: a thin face over the library.
//!
//! Exit codes: 0 success; 1 an error (bad config, unreadable database, ...); 2 bad usage;
//! 3 another agent already runs on the data dir.

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use powerhook::agent::{self, AgentOptions, Control};
use powerhook::config::{config_path, Config, Interval, Mode};
use powerhook::root::Root;
use powerhook::store::{self, Store, StoreError};
use powerhook::units::parse_duration;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "powerhook", version, about = "Watches battery, power mode and load; decides with the seed's strategy; records every pass", long_about = None)]
struct Cli {
    /// Config file [default: $XDG_CONFIG_HOME/powerhook/config.yaml]
    #[arg(long, global = true, env = "POWERHOOK_CONFIG")]
    config: Option<PathBuf>,
    /// Data dir holding powerhook.db [default: $XDG_DATA_HOME/powerhook]
    #[arg(long, global = true, env = "POWERHOOK_DATA_DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the agent loop until SIGINT/SIGTERM (or --ticks)
    Daemon(DaemonArgs),
    /// One sample, the active triggers and the strategy the seed's logic would pick now
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Recorded hook passes (or per-minute metrics) since a time ago
    History(HistoryArgs),
    /// Check or print the configuration
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Classify the running processes (np_hard, matrix_computation, ...) with their confidence
    Workload(powerhook::workload::cli::WorkloadArgs),
    /// Solve a QUBO / Ising / Max-Cut instance with the quantum-inspired annealer (on the CPU)
    Solve(powerhook::engine::quantum::cli::SolveArgs),
    /// Upload recorded rows to Supabase (the agent does this by itself when configured)
    Sync(powerhook::sync::cli::SyncArgs),
    /// Sign in to Supabase (email + password); the session is kept in the OS keyring or the data dir
    Login(powerhook::sync::cli::LoginArgs),
    /// Sign out of Supabase and forget the session
    Logout,
}

#[derive(Args)]
struct DaemonArgs {
    /// Tick interval, e.g. 1s or 100ms [default: from config, 1s]
    #[arg(long, value_parser = parse_interval)]
    interval: Option<Duration>,
    /// Stop after this many ticks
    #[arg(long)]
    ticks: Option<u64>,
    /// apply (default), advise (plan and record, change nothing) or paused
    #[arg(long, value_enum)]
    mode: Option<Mode>,
}

#[derive(Args)]
struct HistoryArgs {
    /// How far back, e.g. 24h, 7d
    #[arg(long, default_value = "24h", value_parser = parse_duration)]
    since: Duration,
    /// Per-minute metrics instead of hook passes
    #[arg(long)]
    metrics: bool,
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    #[arg(long)]
    csv: bool,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Validate a config file; exit 1 with file:line:column messages if it is wrong
    Check { file: Option<PathBuf> },
    /// Print the effective configuration (defaults filled in)
    Show {
        #[arg(long)]
        json: bool,
    },
}

fn parse_interval(s: &str) -> Result<Duration, String> {
    Interval::parse(s).map(|i| i.0 .0)
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().filter_or("POWERHOOK_LOG", "info"))
        .format_timestamp_secs()
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // Only the daemon takes the data dir's lock.
            if let Some(agent::AgentError::Store(StoreError::AlreadyRunning { .. })) =
                e.downcast_ref::<agent::AgentError>()
            {
                eprintln!("powerhook: {e}");
                return ExitCode::from(3);
            }
            eprintln!("powerhook: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    let (path, explicit) = config_path(cli.config.as_deref());
    Ok(Config::load_or_default(&path, explicit)?)
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let data_dir = store::data_dir(cli.data_dir.as_deref());
    match &cli.command {
        Command::Daemon(a) => {
            let (config_path, config_explicit) = config_path(cli.config.as_deref());
            let (tx, rx) = std::sync::mpsc::channel();
            let mut signals = signal_hook::iterator::Signals::new([
                signal_hook::consts::SIGINT,
                signal_hook::consts::SIGTERM,
                signal_hook::consts::SIGHUP,
            ])
            .context("cannot install signal handlers")?;
            std::thread::spawn(move || {
                for sig in signals.forever() {
                    let msg = if sig == signal_hook::consts::SIGHUP {
                        Control::Reload
                    } else {
                        Control::Stop
                    };
                    if tx.send(msg).is_err() {
                        break;
                    }
                }
            });
            let opts = AgentOptions {
                root: Root::from_env(),
                data_dir,
                config_path,
                config_explicit,
                interval: a.interval,
                ticks: a.ticks,
                mode: a.mode,
            };
            let report = agent::run(opts, rx)?;
            log::debug!("{report:?}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Status { json } => {
            let (config, config_error) = match load_config(&cli) {
                Ok(c) => (c, None),
                Err(e) => {
                    eprintln!("powerhook: {e:#}\npowerhook: judging with the default thresholds");
                    (Config::default(), Some(format!("{e:#}")))
                }
            };
            let report =
                powerhook::status::collect(&config, config_error, Root::from_env(), &data_dir);
            if *json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", powerhook::status::render(&report));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::History(h) => {
            // No database yet: the same output as an empty one (JSON `[]`, a CSV header).
            let st = Store::open_read_only(&store::db_path(&data_dir))?;
            if st.is_none() {
                eprintln!(
                    "no database yet at {} (has the agent run?)",
                    store::db_path(&data_dir).display()
                );
            }
            let since = store::ts(
                chrono::Utc::now()
                    - chrono::Duration::from_std(h.since).unwrap_or(chrono::Duration::MAX),
            );
            if h.metrics {
                let rows = match &st {
                    Some(st) => st.metrics_since(&since)?,
                    None => Vec::new(),
                };
                print!(
                    "{}",
                    powerhook::history::render_metrics(&rows, h.json, h.csv)?
                );
            } else {
                let rows = match &st {
                    Some(st) => st.hook_executions_since(&since)?,
                    None => Vec::new(),
                };
                print!(
                    "{}",
                    powerhook::history::render_passes(&rows, h.json, h.csv)?
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Config(ConfigCommand::Check { file }) => {
            let (path, explicit) = match file {
                Some(f) => (f.clone(), true),
                None => config_path(cli.config.as_deref()),
            };
            match Config::load_or_default(&path, explicit) {
                Ok(_) if !explicit && !path.exists() => {
                    println!("{}: not present; the defaults apply", path.display());
                    Ok(ExitCode::SUCCESS)
                }
                Ok(_) => {
                    println!("{}: ok", path.display());
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("{e}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Workload(a) => {
            powerhook::workload::cli::run(a, &mut std::io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Solve(a) => Ok(ExitCode::from(
            powerhook::engine::quantum::cli::run(a)?.clamp(0, 255) as u8,
        )),
        Command::Sync(a) => Ok(powerhook::sync::cli::run_sync(
            &data_dir,
            &load_config(&cli)?.sync,
            a,
        )?),
        Command::Login(a) => Ok(powerhook::sync::cli::run_login(
            &data_dir,
            &load_config(&cli)?.sync,
            a,
        )?),
        Command::Logout => Ok(powerhook::sync::cli::run_logout(
            &data_dir,
            &load_config(&cli)?.sync,
        )?),
        Command::Config(ConfigCommand::Show { json }) => {
            let config = load_config(&cli)?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&config)?);
            } else {
                print!("{}", config.to_yaml());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
