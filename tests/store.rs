//! The store: migrate from empty, reopen, retention, one agent per data dir.

use chrono::{Duration, Utc};
use powerhook::store::{
    ts, DataDirLock, MetricsRow, RetentionPolicy, Store, StoreError, MIGRATIONS,
};

fn metrics(id: &str, at: chrono::DateTime<Utc>) -> MetricsRow {
    MetricsRow {
        id: id.into(),
        optimization_id: None,
        latency_ms: 0.2,
        cpu_utilization_percent: 12.0,
        memory_usage_percent: 40.0,
        energy_consumption_mw: None,
        requests_per_second: None,
        created_at: ts(at),
        kind: "minute".into(),
        sample_count: 60,
    }
}

#[test]
fn migrates_from_empty_and_reopens_with_the_same_device_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/powerhook.db");
    let st = Store::open(&path).unwrap();
    assert_eq!(st.schema_version().unwrap(), MIGRATIONS.len() as i64);
    let id = st.device_id().to_string();
    assert_eq!(
        uuid::Uuid::parse_str(&id)
            .map(|u| u.get_version_num())
            .unwrap(),
        4
    );
    let mode: String = st
        .connection()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    for table in [
        "hook_executions",
        "performance_optimizations",
        "performance_metrics_history",
        "samples",
        "sync_outbox",
        "meta",
    ] {
        let n: i64 = st
            .connection()
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1, "{table}");
    }
    drop(st);
    let again = Store::open(&path).unwrap();
    assert_eq!(again.device_id(), id, "the device id is kept");
    let ro = Store::open_read_only(&path).unwrap().expect("exists");
    assert_eq!(ro.device_id(), id);
}

#[test]
fn a_database_from_a_newer_powerhook_is_refused_not_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("powerhook.db");
    drop(Store::open(&path).unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    match Store::open(&path) {
        Err(StoreError::TooNew { found: 99, .. }) => {}
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("a newer schema must be refused"),
    }
}

#[test]
fn seed_columns_are_all_there() {
    let dir = tempfile::tempdir().unwrap();
    let st = Store::open(&dir.path().join("p.db")).unwrap();
    let cols = |t: &str| -> Vec<String> {
        let mut s = st
            .connection()
            .prepare(&format!("PRAGMA table_info({t})"))
            .unwrap();
        s.query_map([], |r| r.get::<_, String>(1))
            .unwrap()
            .map(|c| c.unwrap())
            .collect()
    };
    let opt = cols("performance_optimizations");
    for c in [
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
    ] {
        assert!(
            opt.contains(&c.to_string()),
            "performance_optimizations.{c}"
        );
    }
    let m = cols("performance_metrics_history");
    for c in [
        "id",
        "optimization_id",
        "latency_ms",
        "cpu_utilization_percent",
        "memory_usage_percent",
        "energy_consumption_mw",
        "requests_per_second",
        "created_at",
        "device_id",
    ] {
        assert!(
            m.contains(&c.to_string()),
            "performance_metrics_history.{c}"
        );
    }
}

#[test]
fn retention_removes_old_raw_samples_and_only_synced_old_aggregates() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = Store::open(&dir.path().join("p.db")).unwrap();
    let now = Utc::now();
    let raw: Vec<(String, String)> = (0..50)
        .map(|i| {
            (
                ts(now - Duration::hours(30) + Duration::seconds(i)),
                "{}".to_string(),
            )
        })
        .chain((0..10).map(|i| (ts(now - Duration::minutes(i)), "{}".to_string())))
        .collect();
    st.write_minute(
        &raw,
        Some(&metrics("old-synced", now - Duration::days(100))),
    )
    .unwrap();
    st.write_minute(
        &[],
        Some(&metrics("old-pending", now - Duration::days(100))),
    )
    .unwrap();
    st.write_minute(&[], Some(&metrics("new", now - Duration::days(1))))
        .unwrap();
    st.connection()
        .execute(
            "UPDATE sync_outbox SET synced_at = ?1 WHERE row_id = 'old-synced'",
            [ts(now)],
        )
        .unwrap();
    let policy = |sync_active, limit| RetentionPolicy {
        raw_keep: Duration::hours(24),
        aggregate_keep: Duration::days(90),
        raw_cap: 1_000_000,
        sync_active,
        limit,
    };
    // Bounded: 20 at a time.
    let p = st.prune(now, &policy(true, 20)).unwrap();
    assert_eq!(p.samples, 20);
    assert_eq!(p.aggregates, 1);
    let p = st.prune(now, &policy(true, 1000)).unwrap();
    assert_eq!(p.samples, 30);
    assert_eq!(
        p.aggregates, 0,
        "an unsynced row is never pruned while sync is on"
    );
    let ids: Vec<String> = st
        .metrics_since("0")
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(ids, vec!["old-pending", "new"]);
    assert_eq!(st.counts().unwrap().raw_samples, 10);
    let outbox: i64 = st
        .connection()
        .query_row("SELECT count(*) FROM sync_outbox", [], |r| r.get(0))
        .unwrap();
    assert_eq!(outbox, 2, "the pruned row's outbox entry goes with it");
    // With sync off, old aggregates would never leave the machine: they are pruned.
    let p = st.prune(now, &policy(false, 1000)).unwrap();
    assert_eq!(p.aggregates, 1);
}

#[test]
fn one_agent_per_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let first = DataDirLock::acquire(dir.path()).unwrap();
    match DataDirLock::acquire(dir.path()) {
        Err(StoreError::AlreadyRunning { pid, .. }) => {
            assert_eq!(pid, std::process::id().to_string())
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("a second lock must fail"),
    }
    drop(first);
    DataDirLock::acquire(dir.path()).expect("free again once the first is gone");
}

#[test]
fn past_the_size_cap_the_oldest_raw_samples_go_first_and_aggregates_stay() {
    let dir = tempfile::tempdir().unwrap();
    let mut st = Store::open(&dir.path().join("p.db")).unwrap();
    let now = Utc::now();
    let raw: Vec<(String, String)> = (0..300)
        .map(|i| {
            (
                ts(now - Duration::seconds(300 - i)),
                format!("{{\"i\":{i}}}"),
            )
        })
        .collect();
    st.write_minute(&raw, Some(&metrics("m", now - Duration::minutes(5))))
        .unwrap();
    let policy = RetentionPolicy {
        raw_keep: Duration::hours(24),
        aggregate_keep: Duration::days(90),
        raw_cap: 100,
        sync_active: true,
        limit: 150,
    };
    assert_eq!(
        st.prune(now, &policy).unwrap().samples,
        150,
        "bounded per call"
    );
    assert_eq!(st.prune(now, &policy).unwrap().samples, 50);
    assert_eq!(st.prune(now, &policy).unwrap().samples, 0);
    let oldest: String = st
        .connection()
        .query_row("SELECT sample FROM samples ORDER BY ts LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(oldest, "{\"i\":200}", "the newest 100 are kept");
    assert_eq!(
        st.metrics_since("0").unwrap().len(),
        1,
        "the minute aggregate is kept"
    );
}
