use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "powerhook", version, about = "powerhook laptop agent")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Solve a QUBO / Ising / Max-Cut instance with the quantum-inspired engine.
    Solve(powerhook::engine::quantum::cli::SolveArgs),
}

fn main() {
    match Cli::parse().command {
        Some(Command::Solve(args)) => match powerhook::engine::quantum::cli::run(&args) {
            Ok(code) => std::process::exit(code),
            Err(e) => {
                eprintln!("error: {:#}", anyhow::Error::from(e));
                std::process::exit(1);
            }
        },
        None => println!("powerhook"),
    }
}
