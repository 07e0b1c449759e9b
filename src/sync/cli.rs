//! `powerhook sync`, `login`, `logout`: argument structs and their run functions.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use tokio::sync::watch;

use super::{
    outbox, run_loop, session, sync_once, Credentials, PowerContext, SyncError, SyncReport,
    SyncSettings, TokenSource,
};

/// `powerhook sync [--once]`
#[derive(Debug, Clone, clap::Args)]
pub struct SyncArgs {
    /// Upload everything pending now, once, whatever the power state or backoff, and exit.
    #[arg(long)]
    pub once: bool,
    /// Rows per request (default: the config's sync.batch_size, 500).
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Put quarantined rows back into the queue first (after fixing what the server rejected).
    #[arg(long)]
    pub requeue_quarantined: bool,
    /// List quarantined rows with the server's error and exit.
    #[arg(long)]
    pub show_quarantined: bool,
}

/// `powerhook login`
#[derive(Debug, Clone, clap::Args)]
pub struct LoginArgs {
    /// The Supabase user's email (asked for when missing).
    #[arg(long)]
    pub email: Option<String>,
    /// Read the password from the first line of standard input instead of prompting.
    #[arg(long)]
    pub password_stdin: bool,
}

/// The store file in the data dir (the store's own path helper).
pub use crate::store::db_path;

fn runtime() -> Result<tokio::runtime::Runtime, SyncError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| SyncError::Task(format!("cannot start the async runtime: {e}")))
}

fn print_report(r: &SyncReport) {
    println!(
        "uploaded {} optimizations, {} metric rows in {} requests; quarantined {}",
        r.uploaded_optimizations, r.uploaded_metrics, r.requests, r.quarantined
    );
    println!(
        "outbox: {} pending, {} synced, {} quarantined",
        r.counts.pending, r.counts.synced, r.counts.quarantined
    );
    if let Some(e) = &r.retry_error {
        println!(
            "stopped: {e}; next attempt at {}",
            r.next_attempt_at.as_deref().unwrap_or("-")
        );
    }
}

/// Runs `powerhook sync`. Exit code 1 when a transient failure left rows pending.
pub fn run_sync(
    data_dir: &Path,
    settings: &SyncSettings,
    args: &SyncArgs,
) -> Result<ExitCode, SyncError> {
    let db = db_path(data_dir);
    if args.show_quarantined || args.requeue_quarantined {
        let conn = outbox::open(&db)?;
        if args.show_quarantined {
            for q in outbox::quarantined_rows(&conn, 1000)? {
                let st = q
                    .last_status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "-".into());
                println!("{}\t{}\t{st}\t{}", q.table_name, q.row_id, q.last_error);
            }
            return Ok(ExitCode::SUCCESS);
        }
        let n = outbox::requeue_quarantined(&conn)?;
        println!("requeued {n} quarantined rows");
    }
    let mut settings = settings.clone();
    if let Some(b) = args.batch_size {
        settings.batch_size = b;
    }
    let creds = Credentials::from_env(data_dir)?;
    let rt = runtime()?;
    if args.once {
        let r = rt.block_on(sync_once(&db, &settings, &creds))?;
        print_report(&r);
        return Ok(if r.retry_error.is_some() {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        });
    }
    if !settings.enabled {
        eprintln!(
            "powerhook: sync is disabled in the config (sync.enabled: false), so the loop would \
             never upload; `powerhook sync --once` uploads anyway"
        );
        return Ok(ExitCode::FAILURE);
    }
    // The loop follows the battery-saver policy as the agent's does: the power state is
    // sensed here at the loop's own wake-up cadence.
    let (power_tx, power_rx) = watch::channel(PowerContext::default());
    let wake = settings.loop_wake();
    std::thread::Builder::new()
        .name("powerhook-sync-power".into())
        .spawn(move || {
            let mut sensor = crate::sense::Sensor::new(crate::root::Root::from_env(), 0);
            while power_tx
                .send(PowerContext::from_sample(&sensor.sample(None, false)))
                .is_ok()
            {
                std::thread::sleep(wake);
            }
        })
        .map_err(|e| SyncError::Task(format!("cannot start the power reader: {e}")))?;
    rt.block_on(async {
        let (stop_tx, stop_rx) = watch::channel(false);
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            let _ = stop_tx.send(true);
        });
        run_loop(
            db.clone(),
            settings,
            creds,
            power_rx,
            stop_rx,
            |r| match r {
                Ok(rep) => print_report(rep),
                Err(e) => eprintln!("sync: {e}"),
            },
        )
        .await;
    });
    Ok(ExitCode::SUCCESS)
}

fn read_line(prompt: &str) -> Result<String, SyncError> {
    let io = |e| SyncError::Io {
        path: "<stdin>".into(),
        source: e,
    };
    if !prompt.is_empty() {
        print!("{prompt}");
        std::io::stdout().flush().map_err(io)?;
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(io)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Runs `powerhook login`: email + password at Supabase Auth; the session goes to the data dir.
pub fn run_login(
    data_dir: &Path,
    settings: &SyncSettings,
    args: &LoginArgs,
) -> Result<ExitCode, SyncError> {
    let creds = Credentials::from_env(data_dir)?;
    if matches!(creds.token, TokenSource::Fixed(_)) {
        eprintln!(
            "note: SUPABASE_ACCESS_TOKEN is set and takes precedence over the stored session"
        );
    }
    let email = match &args.email {
        Some(e) => e.clone(),
        None => read_line("email: ")?,
    };
    let password = if args.password_stdin || !std::io::stdin().is_terminal() {
        read_line("")?
    } else {
        rpassword::prompt_password("password: ").map_err(|e| SyncError::Io {
            path: "<tty>".into(),
            source: e,
        })?
    };
    let store = session::SessionStore::detect(|k| std::env::var(k).ok(), data_dir);
    let rt = runtime()?;
    let (s, backend) = rt.block_on(session::login(
        &creds,
        &store,
        email.trim(),
        &password,
        settings.request_timeout,
    ))?;
    println!(
        "logged in as {} (user {}); session stored in {}",
        s.email.as_deref().unwrap_or(email.trim()),
        s.user_id.as_deref().unwrap_or("?"),
        match backend {
            session::SessionBackend::SecretService => "the Secret Service".to_string(),
            session::SessionBackend::File => store.path().display().to_string(),
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs `powerhook logout`: revokes the session at Supabase Auth if reachable, deletes it here.
pub fn run_logout(data_dir: &Path, settings: &SyncSettings) -> Result<ExitCode, SyncError> {
    let store = session::SessionStore::detect(|k| std::env::var(k).ok(), data_dir);
    let creds = Credentials::from_env(data_dir).unwrap_or(Credentials {
        rest_url: String::new(),
        auth_url: None,
        anon_key: None,
        token: TokenSource::Stored(store.clone()),
    });
    let rt = runtime()?;
    let had = rt.block_on(session::logout(&creds, &store, settings.request_timeout))?;
    println!(
        "{}",
        if had {
            "logged out"
        } else {
            "no session stored"
        }
    );
    Ok(ExitCode::SUCCESS)
}
