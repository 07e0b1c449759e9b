//! The record stage: the SQLite database, its migrations, the rows the agent writes and the
//! queries the CLI reads. No network here.
//!
//! The database is opened in WAL mode (CLI readers never block the agent) with
//! `synchronous=FULL`: hook executions and aggregates cannot be regenerated. Raw samples are
//! buffered by the agent and written once a minute with that minute's aggregate, in one
//! transaction, so an idle laptop's disk is touched once a minute, not once a tick.

pub mod lock;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde::Serialize;
use std::path::{Path, PathBuf};

pub use lock::DataDirLock;

/// The migrations, in order; `PRAGMA user_version` is the number applied.
pub const MIGRATIONS: &[(&str, &str)] = &[(
    "0001_initial",
    include_str!("../../migrations/sqlite/0001_initial.sql"),
)];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("database {path}: migration {name} failed: {source}")]
    Migration {
        path: PathBuf,
        name: &'static str,
        source: rusqlite::Error,
    },
    #[error("database {path} is at schema version {found}, newer than this powerhook knows ({known}); upgrade powerhook")]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("cannot create data dir {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("another powerhook agent (pid {pid}) is already running on data dir {dir}; stop it first or use another --data-dir")]
    AlreadyRunning { dir: PathBuf, pid: String },
    #[error("lock file {path}: {source}")]
    Lock {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// RFC 3339 UTC with milliseconds: the one timestamp format of the database.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The data dir: `--data-dir`, else `POWERHOOK_DATA_DIR`, else `$XDG_DATA_HOME/powerhook`.
pub fn data_dir(flag: Option<&Path>) -> PathBuf {
    if let Some(p) = flag {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("POWERHOOK_DATA_DIR").filter(|v| !v.is_empty()) {
        return PathBuf::from(p);
    }
    crate::config::xdg_dir("XDG_DATA_HOME", ".local/share").join("powerhook")
}

pub fn db_path(data_dir: &Path) -> PathBuf {
    data_dir.join("powerhook.db")
}

/// One row of `hook_executions`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HookExecution {
    pub id: String,
    pub started_at: String,
    pub finished_at: String,
    pub trigger_type: String,
    pub active_triggers: Vec<String>,
    pub should_optimize: bool,
    pub optimization_type: Option<String>,
    pub target_engine: Option<String>,
    pub priority: Option<String>,
    pub reason: String,
    pub outcome: String,
    pub detail: Option<String>,
    pub mode: String,
}

/// One per-minute (or before/after) row of `performance_metrics_history`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricsRow {
    pub id: String,
    pub optimization_id: Option<String>,
    pub latency_ms: f64,
    pub cpu_utilization_percent: f64,
    pub memory_usage_percent: f64,
    pub energy_consumption_mw: Option<f64>,
    pub requests_per_second: Option<i64>,
    pub created_at: String,
    pub kind: String,
    pub sample_count: i64,
}

/// What one retention pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Pruned {
    pub samples: usize,
    pub aggregates: usize,
}

/// What retention keeps (see [`Store::prune`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetentionPolicy {
    pub raw_keep: chrono::Duration,
    pub aggregate_keep: chrono::Duration,
    pub raw_cap: usize,
    /// Sync is on (`sync.enabled`, configured or not yet): unsynced aggregates wait for it.
    pub sync_active: bool,
    /// At most this many rows of each kind per call.
    pub limit: usize,
}

/// Counts for `status`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StoreCounts {
    pub hook_executions: i64,
    pub optimizations: i64,
    pub metrics_rows: i64,
    pub raw_samples: i64,
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
    device_id: String,
}

impl Store {
    /// Open (creating the data dir and database if needed) and migrate.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let sq = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = Connection::open(path).map_err(sq)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sq)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sq)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(sq)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(sq)?;
        migrate(&mut conn, path)?;
        let device_id = device_id(&conn).map_err(sq)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            device_id,
        })
    }

    /// Open an existing database read-only (for `status` and `history`); `None` if absent.
    pub fn open_read_only(path: &Path) -> Result<Option<Store>> {
        if !path.exists() {
            return Ok(None);
        }
        let sq = |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sq)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(sq)?;
        if known_version(&conn, path)? == 0 {
            return Ok(None);
        }
        let device_id = read_meta(&conn, "device_id")
            .map_err(sq)?
            .unwrap_or_default();
        Ok(Some(Store {
            conn,
            path: path.to_path_buf(),
            device_id,
        }))
    }

    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    pub fn schema_version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    pub fn insert_hook_execution(
        &self,
        h: &HookExecution,
        sample_json: Option<&str>,
    ) -> Result<()> {
        let triggers = serde_json::to_string(&h.active_triggers).unwrap_or_else(|_| "[]".into());
        self.conn
            .execute(
                "INSERT INTO hook_executions (id, device_id, started_at, finished_at, trigger_type, active_triggers,
                   should_optimize, optimization_type, target_engine, priority, reason, outcome, detail, mode, sample)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                params![
                    h.id, self.device_id, h.started_at, h.finished_at, h.trigger_type, triggers, h.should_optimize,
                    h.optimization_type, h.target_engine, h.priority, h.reason, h.outcome, h.detail, h.mode, sample_json
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Write a minute: its raw samples (`(time, compact JSON)`) and its aggregate row (with
    /// its outbox entry), in one transaction.
    pub fn write_minute(
        &mut self,
        raw: &[(String, String)],
        aggregate: Option<&MetricsRow>,
    ) -> Result<()> {
        let path = self.path.clone();
        let device_id = self.device_id.clone();
        let sq = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sq)?;
        {
            let mut ins = tx
                .prepare_cached("INSERT INTO samples (ts, sample) VALUES (?1, ?2)")
                .map_err(sq)?;
            for (t, json) in raw {
                ins.execute(params![t, json]).map_err(sq)?;
            }
        }
        if let Some(m) = aggregate {
            insert_metrics(&tx, &device_id, m).map_err(sq)?;
        }
        tx.commit().map_err(sq)
    }

    /// Retention, bounded so it never stalls a tick: at most `limit` rows of each kind per
    /// call. Raw samples go when older than `raw_keep` or past `raw_cap` (oldest first; the
    /// minute aggregates already hold their values). Aggregates are removed only when synced,
    /// or when sync is off (then they would never leave the machine); an optimization's
    /// before/after rows and the optimizations themselves are never removed here.
    pub fn prune(&self, now: DateTime<Utc>, policy: &RetentionPolicy) -> Result<Pruned> {
        let raw_cut = ts(now - policy.raw_keep);
        let agg_cut = ts(now - policy.aggregate_keep);
        let limit = policy.limit as i64;
        let mut samples = self
            .conn
            .execute(
                "DELETE FROM samples WHERE id IN (SELECT id FROM samples WHERE ts < ?1 ORDER BY ts LIMIT ?2)",
                params![raw_cut, limit],
            )
            .map_err(|e| self.err(e))?;
        // Row ids are distinct integers, so their span bounds the count from above: the count
        // (a walk of the table) is needed only when the span passes the cap.
        let span: i64 = self
            .conn
            .query_row(
                "SELECT COALESCE(max(id) - min(id) + 1, 0) FROM samples",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        let count: i64 = if span > policy.raw_cap as i64 {
            self.conn
                .query_row("SELECT count(*) FROM samples", [], |r| r.get(0))
                .map_err(|e| self.err(e))?
        } else {
            span
        };
        let over = (count - policy.raw_cap as i64).clamp(0, (limit - samples as i64).max(0));
        if over > 0 {
            samples += self
                .conn
                .execute(
                    "DELETE FROM samples WHERE id IN (SELECT id FROM samples ORDER BY ts LIMIT ?1)",
                    [over],
                )
                .map_err(|e| self.err(e))?;
        }
        let sync_enabled = policy.sync_active;
        let synced_clause = if sync_enabled {
            "AND EXISTS (SELECT 1 FROM sync_outbox o WHERE o.table_name = 'performance_metrics_history' AND o.row_id = m.id AND o.synced_at IS NOT NULL)"
        } else {
            ""
        };
        let sql = format!(
            "DELETE FROM performance_metrics_history WHERE id IN (
               SELECT m.id FROM performance_metrics_history m
               WHERE m.optimization_id IS NULL AND m.created_at < ?1 {synced_clause}
               ORDER BY m.created_at LIMIT ?2)
             RETURNING id"
        );
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let removed: Vec<String> = tx
            .prepare(&sql)
            .and_then(|mut st| {
                st.query_map(params![agg_cut, limit], |r| r.get(0))?
                    .collect()
            })
            .map_err(|e| self.err(e))?;
        // Their outbox rows go with them, by key (not a sweep of the whole outbox).
        {
            let mut del = tx
                .prepare_cached(
                    "DELETE FROM sync_outbox WHERE table_name = 'performance_metrics_history' AND row_id = ?1",
                )
                .map_err(|e| self.err(e))?;
            for id in &removed {
                del.execute([id]).map_err(|e| self.err(e))?;
            }
        }
        let aggregates = removed.len();
        tx.commit().map_err(|e| self.err(e))?;
        Ok(Pruned {
            samples,
            aggregates,
        })
    }

    pub fn hook_executions_since(&self, since: &str) -> Result<Vec<HookExecution>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, started_at, finished_at, trigger_type, active_triggers, should_optimize, optimization_type,
                        target_engine, priority, reason, outcome, detail, mode
                 FROM hook_executions WHERE started_at >= ?1 ORDER BY started_at",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([since], |r| {
                let triggers: String = r.get(4)?;
                Ok(HookExecution {
                    id: r.get(0)?,
                    started_at: r.get(1)?,
                    finished_at: r.get(2)?,
                    trigger_type: r.get(3)?,
                    active_triggers: serde_json::from_str(&triggers).unwrap_or_default(),
                    should_optimize: r.get(5)?,
                    optimization_type: r.get(6)?,
                    target_engine: r.get(7)?,
                    priority: r.get(8)?,
                    reason: r.get(9)?,
                    outcome: r.get(10)?,
                    detail: r.get(11)?,
                    mode: r.get(12)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(|e| self.err(e))
    }

    pub fn metrics_since(&self, since: &str) -> Result<Vec<MetricsRow>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, optimization_id, latency_ms, cpu_utilization_percent, memory_usage_percent, energy_consumption_mw,
                        requests_per_second, created_at, kind, sample_count
                 FROM performance_metrics_history WHERE created_at >= ?1 ORDER BY created_at",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([since], |r| {
                Ok(MetricsRow {
                    id: r.get(0)?,
                    optimization_id: r.get(1)?,
                    latency_ms: r.get(2)?,
                    cpu_utilization_percent: r.get(3)?,
                    memory_usage_percent: r.get(4)?,
                    energy_consumption_mw: r.get(5)?,
                    requests_per_second: r.get(6)?,
                    created_at: r.get(7)?,
                    kind: r.get(8)?,
                    sample_count: r.get(9)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(|e| self.err(e))
    }

    pub fn counts(&self) -> Result<StoreCounts> {
        let count = |table: &str| -> Result<i64> {
            self.conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .map_err(|e| self.err(e))
        };
        Ok(StoreCounts {
            hook_executions: count("hook_executions")?,
            optimizations: count("performance_optimizations")?,
            metrics_rows: count("performance_metrics_history")?,
            raw_samples: count("samples")?,
        })
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        write_meta(&self.conn, key, value).map_err(|e| self.err(e))
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        read_meta(&self.conn, key).map_err(|e| self.err(e))
    }
}

/// The value of `key` in the store's `meta` table (for the store and for the uploader's own
/// connection).
pub fn read_meta(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
}

/// Set `key` in the store's `meta` table.
pub fn write_meta(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// The database's schema version, refused when it is newer than this build knows.
fn known_version(conn: &Connection, path: &Path) -> Result<i64> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        })?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: version,
            known,
        });
    }
    Ok(version)
}

fn insert_metrics(conn: &Connection, device_id: &str, m: &MetricsRow) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO performance_metrics_history (id, optimization_id, latency_ms, cpu_utilization_percent, memory_usage_percent,
           energy_consumption_mw, requests_per_second, created_at, device_id, kind, sample_count)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        m.id, m.optimization_id, m.latency_ms, m.cpu_utilization_percent, m.memory_usage_percent, m.energy_consumption_mw,
        m.requests_per_second, m.created_at, device_id, m.kind, m.sample_count
    ])?;
    conn.prepare_cached("INSERT INTO sync_outbox (table_name, row_id, enqueued_at) VALUES ('performance_metrics_history', ?1, ?2)")?
        .execute(params![m.id, ts(Utc::now())])?;
    Ok(())
}

/// Apply the migrations not yet applied, each in its own transaction.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let version = known_version(conn, path)?;
    for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let mig = |source| StoreError::Migration {
            path: path.to_path_buf(),
            name,
            source,
        };
        let tx = conn.transaction().map_err(mig)?;
        tx.execute_batch(sql).map_err(mig)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)
            .map_err(mig)?;
        tx.commit().map_err(mig)?;
    }
    Ok(())
}

/// The install's random device id, made once and kept.
fn device_id(conn: &Connection) -> rusqlite::Result<String> {
    if let Some(id) = read_meta(conn, "device_id")? {
        return Ok(id);
    }
    let id = uuid::Uuid::new_v4().to_string();
    write_meta(conn, "device_id", &id)?;
    Ok(id)
}
