use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use powerhook::sync::{self, SyncSettings};

#[derive(Parser)]
#[command(name = "powerhook", version, about)]
struct Cli {
    /// Data directory (store, session); default $XDG_DATA_HOME/powerhook.
    #[arg(long, global = true, env = "POWERHOOK_DATA_DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Upload recorded rows to Supabase.
    Sync(sync::cli::SyncArgs),
    /// Sign in to Supabase (email + password).
    Login(sync::cli::LoginArgs),
    /// Forget the Supabase session.
    Logout,
}

fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let data_dir = cli.data_dir.unwrap_or_else(sync::cli::default_data_dir);
    let settings = SyncSettings::default();
    let code = match cli.command {
        Some(Command::Sync(a)) => sync::cli::run_sync(&data_dir, &settings, &a)?,
        Some(Command::Login(a)) => sync::cli::run_login(&data_dir, &settings, &a)?,
        Some(Command::Logout) => sync::cli::run_logout(&data_dir, &settings)?,
        None => {
            println!("powerhook");
            ExitCode::SUCCESS
        }
    };
    Ok(code)
}
