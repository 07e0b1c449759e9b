//! The local SQLite store as the agent leaves it: schema from migrations/sqlite, rows and
//! their outbox entries written in one transaction, and readers that put local and server
//! rows in one comparable form.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection};

use super::{uuid_v4, Postgres};

pub fn ts(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

/// Creates the store at `path` the way the agent does (`Store::open`: migrations, WAL,
/// device id) and returns a plain connection to it.
pub fn create_db(path: &Path) -> Connection {
    drop(powerhook::store::Store::open(path).expect("create the store"));
    let conn = Connection::open(path).expect("open sqlite");
    conn.busy_timeout(Duration::from_secs(5))
        .expect("busy timeout");
    conn
}

pub struct Recorder {
    pub rng: fastrand::Rng,
    pub device_id: String,
}

/// A two-decimal value, so server NUMERIC(.,2) and local REAL compare exactly.
fn dec(rng: &mut fastrand::Rng, lo: i64, hi: i64) -> f64 {
    rng.i64(lo * 100..hi * 100) as f64 / 100.0
}

impl Recorder {
    pub fn new(seed: u64) -> Self {
        Recorder {
            rng: fastrand::Rng::with_seed(seed),
            device_id: format!("device-{seed}"),
        }
    }

    fn enqueue(&self, tx: &Connection, table: &str, id: &str, at: &str) {
        tx.execute(
            "INSERT INTO sync_outbox(table_name, row_id, enqueued_at) VALUES (?1, ?2, ?3)",
            params![table, id, at],
        )
        .expect("enqueue");
    }

    pub fn metric(
        &mut self,
        tx: &Connection,
        at: SystemTime,
        opt: Option<&str>,
        kind: &str,
    ) -> String {
        let id = uuid_v4(&mut self.rng);
        let t = ts(at);
        let energy = if self.rng.u8(..10) == 0 {
            None
        } else {
            Some(dec(&mut self.rng, 1000, 40000))
        };
        let rps = if self.rng.bool() {
            Some(self.rng.i64(0..5000))
        } else {
            None
        };
        tx.execute(
            "INSERT INTO performance_metrics_history(id, optimization_id, latency_ms,
               cpu_utilization_percent, memory_usage_percent, energy_consumption_mw,
               requests_per_second, created_at, device_id, kind, sample_count)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                id,
                opt,
                dec(&mut self.rng, 0, 400),
                dec(&mut self.rng, 0, 100),
                dec(&mut self.rng, 0, 100),
                energy,
                rps,
                t,
                self.device_id,
                kind,
                if kind == "minute" { 60 } else { 5 }
            ],
        )
        .expect("insert metric");
        self.enqueue(tx, "performance_metrics_history", &id, &t);
        id
    }

    pub fn optimization(&mut self, tx: &Connection, at: SystemTime) -> String {
        let id = uuid_v4(&mut self.rng);
        let hook = uuid_v4(&mut self.rng);
        let start = ts(at);
        let end = ts(at + Duration::from_millis(self.rng.u64(5..3000)));
        let types = ["quantum", "neuromorphic", "hybrid"];
        let strategies = [
            "latency_critical",
            "energy_efficient",
            "resource_optimization",
        ];
        let ty = types[self.rng.usize(..3)];
        let changes = format!(
            r#"{{"actions":[{{"kind":"affinity","pid":{}}},{{"kind":"profile_hold","profile":"power-saver"}}],"reverted":false}}"#,
            self.rng.u32(100..60000)
        );
        tx.execute(
            "INSERT INTO performance_optimizations(id, hook_execution_id, optimization_type,
               start_time, end_time, execution_time_ms, latency_reduction_percent,
               throughput_increase_percent, resource_efficiency_percent, power_reduction_percent,
               battery_life_extension_percent, quantum_advantage, spike_efficiency, confidence,
               applied_changes, trigger_type, environment, created_at, device_id, strategy)
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20)",
            params![
                id,
                hook,
                ty,
                start,
                end,
                self.rng.i64(5..3000),
                dec(&mut self.rng, -50, 100),
                // above the seed's 999.99: the widened column keeps it
                dec(&mut self.rng, -50, 2500),
                dec(&mut self.rng, -50, 100),
                if self.rng.bool() {
                    Some(dec(&mut self.rng, -20, 60))
                } else {
                    None
                },
                if self.rng.bool() {
                    Some(dec(&mut self.rng, -20, 60))
                } else {
                    None
                },
                if ty == "quantum" {
                    Some(dec(&mut self.rng, 0, 50))
                } else {
                    None
                },
                if ty != "quantum" {
                    Some(dec(&mut self.rng, 0, 100))
                } else {
                    None
                },
                dec(&mut self.rng, 0, 1),
                changes,
                "latency_threshold",
                "laptop",
                start,
                self.device_id,
                strategies[self.rng.usize(..3)]
            ],
        )
        .expect("insert optimization");
        self.enqueue(tx, "performance_optimizations", &id, &start);
        id
    }

    /// An optimization with its before and after windows, in one transaction.
    pub fn optimization_with_metrics(&mut self, conn: &mut Connection, at: SystemTime) -> String {
        let tx = conn.transaction().expect("tx");
        let id = self.optimization(&tx, at);
        self.metric(&tx, at - Duration::from_secs(30), Some(&id), "before");
        self.metric(&tx, at + Duration::from_secs(30), Some(&id), "after");
        tx.commit().expect("commit");
        id
    }

    /// The simulated week offline: one per-minute row for each of 10,080 minutes and 700
    /// optimizations with before/after metrics, spread over the week.
    pub fn record_week(&mut self, conn: &mut Connection, start: SystemTime) -> (usize, usize) {
        let minutes = 7 * 24 * 60;
        let opts = 700;
        let tx = conn.transaction().expect("tx");
        let mut n_opt = 0;
        for m in 0..minutes {
            let at = start + Duration::from_secs(60 * m as u64);
            self.metric(&tx, at, None, "minute");
            if n_opt < opts && m * opts / minutes >= n_opt {
                let id = self.optimization(&tx, at + Duration::from_secs(7));
                self.metric(&tx, at, Some(&id), "before");
                self.metric(&tx, at + Duration::from_secs(37), Some(&id), "after");
                n_opt += 1;
            }
        }
        tx.commit().expect("commit");
        (n_opt, minutes + 2 * n_opt)
    }
}

pub fn week_start() -> SystemTime {
    // 2026-11-23T00:00:00Z
    UNIX_EPOCH + Duration::from_secs(1_795_392_000)
}

/// Column kinds for comparison.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Int,
    Dec,
    Ts,
    Json,
}

fn columns(table: &str) -> Vec<(&'static str, Kind)> {
    use Kind::*;
    if table == "performance_optimizations" {
        vec![
            ("id", Text),
            ("hook_execution_id", Text),
            ("optimization_type", Text),
            ("start_time", Ts),
            ("end_time", Ts),
            ("execution_time_ms", Int),
            ("latency_reduction_percent", Dec),
            ("throughput_increase_percent", Dec),
            ("resource_efficiency_percent", Dec),
            ("power_reduction_percent", Dec),
            ("battery_life_extension_percent", Dec),
            ("quantum_advantage", Dec),
            ("spike_efficiency", Dec),
            ("confidence", Dec),
            ("applied_changes", Json),
            ("trigger_type", Text),
            ("environment", Text),
            ("created_at", Ts),
            ("device_id", Text),
            ("strategy", Text),
        ]
    } else {
        vec![
            ("id", Text),
            ("optimization_id", Text),
            ("latency_ms", Dec),
            ("cpu_utilization_percent", Dec),
            ("memory_usage_percent", Dec),
            ("energy_consumption_mw", Dec),
            ("requests_per_second", Int),
            ("created_at", Ts),
            ("device_id", Text),
            ("kind", Text),
            ("sample_count", Int),
        ]
    }
}

fn norm_json(s: &str) -> String {
    serde_json::from_str::<serde_json::Value>(s)
        .map(|v| v.to_string())
        .unwrap_or_else(|_| s.to_string())
}

pub type Rows = BTreeMap<String, Vec<Option<String>>>;

/// Local rows of `table` in the comparable form, optionally only those the outbox marks synced.
pub fn local_rows(conn: &Connection, table: &str, only_synced: bool) -> Rows {
    let cols = columns(table);
    let list = cols
        .iter()
        .map(|(c, _)| format!("t.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let filter = if only_synced {
        format!(
            "WHERE EXISTS (SELECT 1 FROM sync_outbox o WHERE o.table_name = '{table}' \
             AND o.row_id = t.id AND o.synced_at IS NOT NULL)"
        )
    } else {
        String::new()
    };
    let mut stmt = conn
        .prepare(&format!("SELECT {list} FROM {table} t {filter}"))
        .expect("prepare");
    let mut rows = stmt.query([]).expect("query");
    let mut out = Rows::new();
    while let Some(r) = rows.next().expect("row") {
        let mut v = Vec::with_capacity(cols.len());
        for (i, (_, k)) in cols.iter().enumerate() {
            use rusqlite::types::ValueRef::*;
            let cell = match (r.get_ref(i).expect("cell"), k) {
                (Null, _) => None,
                (Real(f), _) => Some(format!("{f:.2}")),
                (Integer(n), Kind::Dec) => Some(format!("{n}.00")),
                (Integer(n), _) => Some(n.to_string()),
                (Text(t), Kind::Json) => Some(norm_json(&String::from_utf8_lossy(t))),
                (Text(t), _) => Some(String::from_utf8_lossy(t).into_owned()),
                (Blob(_), _) => Some("<blob>".into()),
            };
            v.push(cell);
        }
        out.insert(v[0].clone().unwrap_or_default(), v);
    }
    out
}

/// Server rows of `table` (all users, or one), read as the superuser.
pub fn server_rows(pg: &Postgres, table: &str, user: Option<&str>) -> Rows {
    let cols = columns(table);
    let list = cols
        .iter()
        .map(|(c, k)| match k {
            Kind::Ts => {
                format!("to_char({c} at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')")
            }
            _ => format!("{c}::text"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let filter = user
        .map(|u| format!("WHERE user_id = '{u}'"))
        .unwrap_or_default();
    let out = pg.psql(&format!("SELECT {list} FROM public.{table} {filter}"));
    let mut rows = Rows::new();
    for line in out.lines().filter(|l| !l.is_empty()) {
        let v: Vec<Option<String>> = line
            .split('\x1f')
            .zip(cols.iter())
            .map(|(f, (_, k))| {
                if f == "\x1e" {
                    None
                } else if matches!(k, Kind::Json) {
                    Some(norm_json(f))
                } else {
                    Some(f.to_string())
                }
            })
            .collect();
        assert_eq!(
            v.len(),
            cols.len(),
            "server row has {} fields: {line}",
            v.len()
        );
        rows.insert(v[0].clone().unwrap_or_default(), v);
    }
    rows
}

/// Outbox counts straight from SQL: (pending, synced, quarantined).
pub fn outbox_state(conn: &Connection) -> (u64, u64, u64) {
    conn.query_row(
        "SELECT COALESCE(SUM(synced_at IS NULL AND quarantined = 0),0),
                COALESCE(SUM(synced_at IS NOT NULL),0), COALESCE(SUM(quarantined <> 0),0)
         FROM sync_outbox",
        [],
        |r| {
            Ok((
                r.get::<_, i64>(0)? as u64,
                r.get::<_, i64>(1)? as u64,
                r.get::<_, i64>(2)? as u64,
            ))
        },
    )
    .expect("outbox state")
}

/// Every row the outbox marks synced is on the server, for `user`, with the same content, and
/// the server holds no row of `user` that was never recorded here.
pub fn assert_synced_rows_on_server(pg: &Postgres, conn: &Connection, user: &str) {
    for table in ["performance_optimizations", "performance_metrics_history"] {
        let server = server_rows(pg, table, Some(user));
        for (id, row) in &local_rows(conn, table, true) {
            assert_eq!(
                server.get(id),
                Some(row),
                "{table} row {id} marked synced but not on the server"
            );
        }
        let all = local_rows(conn, table, false);
        assert!(
            server.keys().all(|k| all.contains_key(k)),
            "{table}: rows on the server that were never recorded here"
        );
    }
}

/// Asserts server == local for both tables (every row once, same content) for `user`.
pub fn assert_all_arrived(pg: &Postgres, conn: &Connection, user: &str) {
    for table in ["performance_optimizations", "performance_metrics_history"] {
        let local = local_rows(conn, table, false);
        let server = server_rows(pg, table, Some(user));
        assert_eq!(
            local.len(),
            server.len(),
            "{table}: local {} rows, server {}",
            local.len(),
            server.len()
        );
        for (id, row) in &local {
            assert_eq!(server.get(id), Some(row), "{table} row {id} differs");
        }
    }
}
