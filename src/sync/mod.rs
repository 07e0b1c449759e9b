//! Sync: uploads the store's outbox to Supabase (PostgREST) exactly once in effect, offline
//! first. Owns the Supabase Auth session, batching, retry with backoff, quarantine of rows
//! the server rejects, and the battery-saver upload policy. Never blocks the agent: it opens
//! its own SQLite connection and does store work on blocking threads.

pub mod cli;
pub mod outbox;
pub mod session;
pub mod settings;
pub mod upload;

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use tokio::sync::watch;

pub use outbox::{outbox_counts, requeue_quarantined, OutboxCounts};
pub use session::{Credentials, Session, SessionStore, TokenSource};
pub use settings::{
    should_upload_now, BatterySaverPolicy, PowerContext, SyncSettings, UploadDecision,
    UploadTrigger, WaitReason,
};

use upload::{Db, Pass};

/// Errors that stop a pass. Transient server trouble is not one: it is in the report.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("sync configuration: {0}")]
    Config(String),
    #[error("authentication: {0}")]
    Auth(String),
    #[error("cannot open the store {path}: {source}")]
    Store {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("store: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("internal: {0}")]
    Task(String),
}

/// What one pass did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    pub uploaded_optimizations: u64,
    pub uploaded_metrics: u64,
    /// Rows the server rejected in this pass, now quarantined.
    pub quarantined: u64,
    /// HTTP requests to PostgREST.
    pub requests: u64,
    pub session_refreshed: bool,
    /// The transient failure that stopped the pass (rows stay pending), if any.
    pub retry_error: Option<String>,
    /// When the rows are due again after `retry_error`.
    pub next_attempt_at: Option<String>,
    /// The outbox after the pass.
    pub counts: OutboxCounts,
}

impl SyncReport {
    pub fn uploaded(&self) -> u64 {
        self.uploaded_optimizations + self.uploaded_metrics
    }

    fn add_uploaded(&mut self, table: outbox::SyncedTable, n: u64) {
        if table.name == outbox::OPTIMIZATIONS.name {
            self.uploaded_optimizations += n;
        } else {
            self.uploaded_metrics += n;
        }
    }
}

async fn pass(
    db_path: &Path,
    settings: &SyncSettings,
    creds: &Credentials,
    respect_backoff: bool,
) -> Result<SyncReport, SyncError> {
    let path = db_path.to_path_buf();
    let conn = tokio::task::spawn_blocking(move || outbox::open(&path))
        .await
        .map_err(|e| SyncError::Task(format!("opening the store: {e}")))??;
    let db = Db::new(conn);
    let result = match Pass::start(db.clone(), settings, creds, respect_backoff).await {
        Ok(mut p) => p.run().await.map(|()| p.report),
        Err(e) => Err(e),
    };
    // What `status` shows: a failure, or a success that reached the server. A pass that sent
    // nothing (every pending row waiting out its backoff) leaves the last outcome standing.
    let outcome = match &result {
        Ok(r) if r.retry_error.is_none() && r.requests == 0 => None,
        Ok(r) => Some(r.retry_error.clone()),
        Err(e) => Some(Some(e.to_string())),
    };
    let counts = db
        .call(move |c| {
            if let Some(error) = outcome {
                outbox::record_pass(c, error.as_deref(), std::time::SystemTime::now())?;
            }
            outbox::outbox_counts(c)
        })
        .await?;
    result.map(|mut r| {
        r.counts = counts;
        r
    })
}

/// The credentials the agent's upload loop would use, or why sync is off (disabled in the
/// config, or no endpoint or credentials): what the agent logs and `status` shows.
pub fn readiness(settings: &SyncSettings, data_dir: &Path) -> Result<Credentials, String> {
    if !settings.enabled {
        return Err("disabled in the config".into());
    }
    Credentials::from_env(data_dir).map_err(|e| e.to_string())
}

/// One upload pass run by hand (`powerhook sync --once`): uploads every pending row now,
/// including rows waiting for their backoff, whatever the power state.
pub async fn sync_once(
    db_path: &Path,
    settings: &SyncSettings,
    creds: &Credentials,
) -> Result<SyncReport, SyncError> {
    pass(db_path, settings, creds, false).await
}

/// One scheduled pass: only rows whose next attempt is due.
pub async fn sync_due(
    db_path: &Path,
    settings: &SyncSettings,
    creds: &Credentials,
) -> Result<SyncReport, SyncError> {
    pass(db_path, settings, creds, true).await
}

/// The agent's upload loop; spawn it on tokio. It wakes every `interval` (at most every 30 s),
/// asks `should_upload_now` with the latest power context, and runs a scheduled pass. Store
/// work runs on blocking threads and every request has a timeout, so it never delays the
/// agent's tick. Returns when `shutdown` turns true or its sender is dropped. Errors are
/// recorded for `powerhook status` and reported through `on_pass`.
pub async fn run_loop(
    db_path: PathBuf,
    settings: SyncSettings,
    creds: Credentials,
    power: watch::Receiver<PowerContext>,
    mut shutdown: watch::Receiver<bool>,
    mut on_pass: impl FnMut(Result<&SyncReport, &SyncError>) + Send,
) {
    let wake = settings.loop_wake();
    let mut last_attempt: Option<Instant> = None;
    loop {
        if *shutdown.borrow() {
            return;
        }
        let path = db_path.clone();
        let pending = tokio::task::spawn_blocking(move || {
            outbox::open(&path).and_then(|c| outbox::pending_count(&c))
        })
        .await
        .unwrap_or_else(|e| Err(SyncError::Task(e.to_string())));
        if let Ok(pending) = pending {
            let ctx = *power.borrow();
            let decision = should_upload_now(
                &settings,
                &ctx,
                pending,
                UploadTrigger::Scheduled {
                    since_last: last_attempt.map(|t| t.elapsed()),
                },
            );
            if decision.uploads() {
                last_attempt = Some(Instant::now());
                let r = sync_due(&db_path, &settings, &creds).await;
                on_pass(r.as_ref());
            }
        } else if let Err(e) = &pending {
            on_pass(Err(e));
        }
        tokio::select! {
            _ = tokio::time::sleep(wake) => {}
            changed = shutdown.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}
