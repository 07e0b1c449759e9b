//! The uploader's side of the local store: reads due outbox rows as JSON, marks them synced,
//! schedules retries, quarantines, and counts. Opens its own connection (WAL readers and one
//! short write transaction at a time), so it never holds the agent's writer.

use std::path::Path;
use std::time::{Duration, SystemTime};

use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::SyncError;
use crate::store::{read_meta, write_meta};

/// One synced table: its name (same locally and on the server) and the columns sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncedTable {
    pub name: &'static str,
    pub columns: &'static [&'static str],
    /// Columns holding JSON text locally, sent as JSON values (jsonb on the server).
    json_columns: &'static [&'static str],
}

pub const OPTIMIZATIONS: SyncedTable = SyncedTable {
    name: "performance_optimizations",
    columns: &[
        "id",
        "hook_execution_id",
        "optimization_type",
        "start_time",
        "end_time",
        "execution_time_ms",
        "latency_reduction_percent",
        "throughput_increase_percent",
        "resource_efficiency_percent",
        "power_reduction_percent",
        "battery_life_extension_percent",
        "quantum_advantage",
        "spike_efficiency",
        "confidence",
        "applied_changes",
        "trigger_type",
        "environment",
        "created_at",
        "device_id",
        "strategy",
    ],
    json_columns: &["applied_changes"],
};

pub const METRICS: SyncedTable = SyncedTable {
    name: "performance_metrics_history",
    columns: &[
        "id",
        "optimization_id",
        "latency_ms",
        "cpu_utilization_percent",
        "memory_usage_percent",
        "energy_consumption_mw",
        "requests_per_second",
        "created_at",
        "device_id",
        "kind",
        "sample_count",
    ],
    json_columns: &[],
};

/// Parents before children: the server's foreign key needs the optimization first.
pub const UPLOAD_ORDER: [SyncedTable; 2] = [OPTIMIZATIONS, METRICS];

/// A row ready to send: its id and its JSON object, already serialized.
#[derive(Debug, Clone)]
pub struct PendingRow {
    pub row_id: String,
    pub json: String,
}

/// Counts for `powerhook status` and the UI.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    pub pending: u64,
    pub synced: u64,
    pub quarantined: u64,
    /// The last upload pass's error, cleared by a pass without one.
    pub last_error: Option<String>,
    /// When a pass last uploaded everything it was due to (RFC 3339).
    pub last_success_at: Option<String>,
}

const META_LAST_ERROR: &str = "sync.last_error";
const META_LAST_SUCCESS: &str = "sync.last_success_at";

/// RFC 3339 UTC with milliseconds, as the store writes timestamps.
pub fn rfc3339(t: SystemTime) -> String {
    crate::store::ts(t.into())
}

/// Opens the store for the uploader: WAL, a busy timeout, no migrations (the store owns them).
pub fn open(db_path: &Path) -> Result<Connection, SyncError> {
    // Never created here: an empty file would only hide that the agent has not run.
    if !db_path.exists() {
        return Err(SyncError::Config(format!(
            "no database at {}: run the agent once so the store creates it",
            db_path.display()
        )));
    }
    let conn = Connection::open_with_flags(
        db_path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| SyncError::Store {
        path: db_path.display().to_string(),
        source: e,
    })?;
    conn.busy_timeout(Duration::from_secs(5))?;
    // Readers never block the writer in WAL; the store sets it on the file, this is a no-op then.
    let _mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    let has_outbox: Option<String> = conn
        .query_row(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='sync_outbox'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if has_outbox.is_none() {
        return Err(SyncError::Config(format!(
            "{} has no sync_outbox table: run the agent once so the store applies its migrations",
            db_path.display()
        )));
    }
    Ok(conn)
}

/// Pending = not synced and not quarantined.
pub fn outbox_counts(conn: &Connection) -> Result<OutboxCounts, SyncError> {
    let (pending, synced, quarantined): (i64, i64, i64) = conn.query_row(
        "SELECT
           COALESCE(SUM(synced_at IS NULL AND quarantined = 0), 0),
           COALESCE(SUM(synced_at IS NOT NULL), 0),
           COALESCE(SUM(quarantined <> 0 AND synced_at IS NULL), 0)
         FROM sync_outbox",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    Ok(OutboxCounts {
        pending: pending.max(0) as u64,
        synced: synced.max(0) as u64,
        quarantined: quarantined.max(0) as u64,
        last_error: read_meta(conn, META_LAST_ERROR)?,
        last_success_at: read_meta(conn, META_LAST_SUCCESS)?,
    })
}

/// Pending rows only (cheap, for the battery-saver cap).
pub fn pending_count(conn: &Connection) -> Result<u64, SyncError> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM sync_outbox WHERE quarantined = 0 AND synced_at IS NULL",
        [],
        |r| r.get(0),
    )?;
    Ok(n.max(0) as u64)
}

/// Records the outcome of a pass for `powerhook status`.
pub fn record_pass(
    conn: &Connection,
    error: Option<&str>,
    now: SystemTime,
) -> Result<(), SyncError> {
    match error {
        Some(e) => write_meta(conn, META_LAST_ERROR, &format!("{}: {e}", rfc3339(now)))?,
        None => {
            conn.execute("DELETE FROM meta WHERE key = ?1", [META_LAST_ERROR])?;
            write_meta(conn, META_LAST_SUCCESS, &rfc3339(now))?;
        }
    }
    Ok(())
}

/// Due pending rows of `table` with a row id after `after`, in row id order (the pending
/// index, named so the planner never walks the primary key through every synced row, from
/// the cursor up to `limit`; sorting by age would scan every pending row for each batch). The cursor lets the next batch be read while the last is in flight. Children whose parent optimization is still
/// pending wait for it. With `respect_backoff` false (a manual run), rows waiting for their
/// next attempt are due too. Outbox rows whose local row is gone are quarantined here.
pub fn due_rows(
    conn: &Connection,
    table: SyncedTable,
    limit: usize,
    now: SystemTime,
    respect_backoff: bool,
    after: Option<&str>,
) -> Result<Vec<PendingRow>, SyncError> {
    let cols = table
        .columns
        .iter()
        .map(|c| format!("t.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let parent_wait = if table.name == METRICS.name {
        "AND (t.optimization_id IS NULL OR NOT EXISTS (
               SELECT 1 FROM sync_outbox p
               WHERE p.table_name = 'performance_optimizations' AND p.row_id = t.optimization_id
                 AND p.synced_at IS NULL AND p.quarantined = 0))"
    } else {
        ""
    };
    let sql = format!(
        "SELECT o.row_id, t.id IS NOT NULL, {cols}
         FROM sync_outbox o INDEXED BY idx_sync_outbox_pending
         LEFT JOIN {tbl} t ON t.id = o.row_id
         WHERE o.table_name = ?1 AND o.quarantined = 0 AND o.synced_at IS NULL
           AND (?2 = 0 OR o.next_attempt_at IS NULL OR o.next_attempt_at <= ?3)
           AND o.row_id > ?5
           {parent_wait}
         ORDER BY o.row_id
         LIMIT ?4",
        tbl = table.name
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params![
        table.name,
        respect_backoff as i64,
        rfc3339(now),
        limit as i64,
        after.unwrap_or("")
    ])?;
    let mut out = Vec::new();
    let mut orphans = Vec::new();
    while let Some(row) = rows.next()? {
        let row_id: String = row.get(0)?;
        let present: bool = row.get(1)?;
        if !present {
            orphans.push(row_id);
            continue;
        }
        let mut obj = serde_json::Map::with_capacity(table.columns.len());
        for (i, col) in table.columns.iter().enumerate() {
            let v = json_value(row.get_ref(i + 2)?, table.json_columns.contains(col));
            obj.insert((*col).to_string(), v);
        }
        let json = serde_json::to_string(&obj)?;
        out.push(PendingRow { row_id, json });
    }
    drop(rows);
    drop(stmt);
    if !orphans.is_empty() {
        let tx = conn.unchecked_transaction()?;
        for id in &orphans {
            quarantine_one(
                &tx,
                table,
                id,
                None,
                "local row missing: the outbox names a row the table does not have",
                now,
            )?;
        }
        tx.commit()?;
    }
    Ok(out)
}

/// SQLite value -> JSON. Non-finite reals become strings so the server rejects them with a
/// clear error instead of storing a silent null; JSON text columns are sent as JSON.
fn json_value(v: ValueRef<'_>, json_text: bool) -> serde_json::Value {
    use serde_json::Value;
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) if f.is_finite() => Value::from(f),
        ValueRef::Real(f) => Value::String(
            if f.is_nan() {
                "NaN"
            } else if f > 0.0 {
                "Infinity"
            } else {
                "-Infinity"
            }
            .to_string(),
        ),
        ValueRef::Text(t) => {
            let s = String::from_utf8_lossy(t);
            if json_text {
                // Invalid JSON text is kept, as a JSON string, rather than dropped.
                serde_json::from_str(&s).unwrap_or_else(|_| Value::String(s.into_owned()))
            } else {
                Value::String(s.into_owned())
            }
        }
        ValueRef::Blob(b) => Value::String(
            b.iter()
                .fold(String::from("\\x"), |acc, x| acc + &format!("{x:02x}")),
        ),
    }
}

/// Marks rows synced (after a 200/201), one statement for the batch.
pub fn mark_synced(
    conn: &Connection,
    table: SyncedTable,
    ids: &[&str],
    status: u16,
    now: SystemTime,
) -> Result<(), SyncError> {
    let ids = serde_json::to_string(ids)?;
    conn.prepare_cached(
        "UPDATE sync_outbox SET synced_at = ?3, last_status = ?4, last_error = NULL,
                attempts = attempts + 1
         WHERE table_name = ?1 AND row_id IN (SELECT value FROM json_each(?2))
           AND synced_at IS NULL",
    )?
    .execute(params![table.name, ids, rfc3339(now), status])?;
    Ok(())
}

fn quarantine_one(
    conn: &Connection,
    table: SyncedTable,
    id: &str,
    status: Option<u16>,
    error: &str,
    now: SystemTime,
) -> Result<(), SyncError> {
    conn.execute(
        "UPDATE sync_outbox SET quarantined = 1, last_status = ?3, last_error = ?4,
                attempts = attempts + 1, next_attempt_at = NULL
         WHERE table_name = ?1 AND row_id = ?2",
        params![table.name, id, status, format!("{}: {error}", rfc3339(now))],
    )?;
    Ok(())
}

/// Quarantines one row the server rejected, keeping the server's code and message.
pub fn quarantine(
    conn: &Connection,
    table: SyncedTable,
    id: &str,
    status: u16,
    error: &str,
    now: SystemTime,
) -> Result<(), SyncError> {
    quarantine_one(conn, table, id, Some(status), error, now)
}

/// A transient failure: the sent rows count an attempt and get `next_attempt_at`; every other
/// due pending row waits until then too, so the next pass does not hammer a server that is down.
pub fn schedule_retry(
    conn: &Connection,
    table: SyncedTable,
    sent: &[&str],
    status: Option<u16>,
    error: &str,
    next_attempt: SystemTime,
    now: SystemTime,
) -> Result<(), SyncError> {
    let tx = conn.unchecked_transaction()?;
    let next = rfc3339(next_attempt);
    tx.prepare_cached(
        "UPDATE sync_outbox SET attempts = attempts + 1, last_status = ?3, last_error = ?4,
                next_attempt_at = ?5
         WHERE table_name = ?1 AND row_id IN (SELECT value FROM json_each(?2))
           AND synced_at IS NULL AND quarantined = 0",
    )?
    .execute(params![
        table.name,
        serde_json::to_string(sent)?,
        status,
        format!("{}: {error}", rfc3339(now)),
        next
    ])?;
    tx.execute(
        "UPDATE sync_outbox SET next_attempt_at = ?1
         WHERE synced_at IS NULL AND quarantined = 0
           AND (next_attempt_at IS NULL OR next_attempt_at < ?1)",
        [&next],
    )?;
    tx.commit()?;
    Ok(())
}

/// The largest attempt count among `ids` (the exponent of the next backoff).
pub fn max_attempts(conn: &Connection, table: SyncedTable, ids: &[&str]) -> Result<u32, SyncError> {
    let max: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(MAX(attempts), 0) FROM sync_outbox
             WHERE table_name = ?1 AND row_id IN (SELECT value FROM json_each(?2))",
        )?
        .query_row(params![table.name, serde_json::to_string(ids)?], |r| {
            r.get(0)
        })?;
    Ok(max.clamp(0, u32::MAX as i64) as u32)
}

/// Puts quarantined rows back into the queue (after the cause was fixed). Returns how many.
pub fn requeue_quarantined(conn: &Connection) -> Result<u64, SyncError> {
    let n = conn.execute(
        "UPDATE sync_outbox SET quarantined = 0, next_attempt_at = NULL
         WHERE quarantined <> 0 AND synced_at IS NULL",
        [],
    )?;
    Ok(n as u64)
}

/// A quarantined row and what the server said about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarantinedRow {
    pub table_name: String,
    pub row_id: String,
    pub last_status: Option<i64>,
    pub last_error: String,
}

/// Quarantined rows with their error, for `powerhook sync --show-quarantined`.
pub fn quarantined_rows(conn: &Connection, limit: usize) -> Result<Vec<QuarantinedRow>, SyncError> {
    let mut stmt = conn.prepare(
        "SELECT table_name, row_id, last_status, COALESCE(last_error, '')
         FROM sync_outbox WHERE quarantined <> 0 AND synced_at IS NULL
         ORDER BY table_name, row_id LIMIT ?1",
    )?;
    let rows = stmt
        .query_map([limit as i64], |r| {
            Ok(QuarantinedRow {
                table_name: r.get(0)?,
                row_id: r.get(1)?,
                last_status: r.get(2)?,
                last_error: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Connection {
        let c = Connection::open_in_memory().expect("sqlite");
        c.execute_batch(include_str!("../../migrations/sqlite/0001_initial.sql"))
            .expect("schema");
        c
    }

    #[test]
    fn due_rows_serialize_json_and_flag_bad_numbers() {
        let c = store();
        c.execute(
            "INSERT INTO performance_optimizations(id, hook_execution_id, optimization_type,
               start_time, end_time, execution_time_ms, confidence, applied_changes,
               trigger_type, environment, created_at, device_id, latency_reduction_percent)
             VALUES ('o1', 'h1', 'quantum', 't0', 't1', 5, 0.9, '{\"a\":[1,2]}', 'x', 'y', 't0', 'd', ?1)",
            [f64::INFINITY],
        )
        .expect("opt");
        c.execute(
            "INSERT INTO sync_outbox(table_name, row_id, enqueued_at)
             VALUES ('performance_optimizations', 'o1', 't0'),
                    ('performance_optimizations', 'gone', 't0')",
            [],
        )
        .expect("outbox");
        let rows = due_rows(&c, OPTIMIZATIONS, 10, SystemTime::now(), true, None).expect("due");
        assert_eq!(rows.len(), 1);
        let v: serde_json::Value = serde_json::from_str(&rows[0].json).expect("json");
        assert_eq!(v["applied_changes"], serde_json::json!({"a": [1, 2]}));
        assert_eq!(v["latency_reduction_percent"], "Infinity");
        assert_eq!(v["strategy"], serde_json::Value::Null);
        assert_eq!(
            v.as_object().map(|o| o.len()),
            Some(OPTIMIZATIONS.columns.len())
        );
        // The outbox entry without a row is quarantined, not retried forever.
        let q = quarantined_rows(&c, 10).expect("q");
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].row_id, "gone");
        assert!(q[0].last_error.contains("local row missing"));
    }
}
