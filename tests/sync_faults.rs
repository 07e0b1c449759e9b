//! Server trouble while uploading: PostgREST killed mid-batch, PostgreSQL restarted, 5xx from
//! a proxy, a request that hangs, and a poison row among good ones.

mod support;

use std::time::Duration;

use powerhook::sync::{self, SyncSettings};
use support::local::{self, Recorder};
use support::proxy::{FaultProxy, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgrest_killed_mid_batch_loses_nothing() {
    let mut sb = support::Supabase::start();
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("powerhook.db");
    let mut conn = local::create_db(&db);
    let user = support::uuid_v4(&mut fastrand::Rng::with_seed(11));
    Recorder::new(11).record_week(&mut conn, local::week_start());
    let settings = SyncSettings {
        batch_size: 100,
        ..SyncSettings::default()
    };
    let c = support::user_creds(sb.rest_url(), &user);
    let task = {
        let (db, settings, c) = (db.clone(), settings.clone(), c.clone());
        tokio::spawn(async move { sync::sync_once(&db, &settings, &c).await })
    };
    // Kill PostgREST (SIGKILL) as soon as the first metric rows have landed.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while sb
        .pg
        .count("SELECT count(*) FROM performance_metrics_history")
        == 0
    {
        assert!(std::time::Instant::now() < deadline, "nothing arrived");
        std::thread::sleep(Duration::from_millis(2));
    }
    sb.kill_rest();
    let r = task.await.expect("task").expect("pass");
    assert!(
        r.retry_error.is_some(),
        "the pass saw the server go away: {r:?}"
    );
    let (pending, synced, quarantined) = local::outbox_state(&conn);
    assert!(
        pending > 0 && synced > 0,
        "pending {pending}, synced {synced}"
    );
    assert_eq!(quarantined, 0);
    local::assert_synced_rows_on_server(&sb.pg, &conn, &user);

    sb.start_rest();
    let r = sync::sync_once(&db, &settings, &c).await.expect("catch-up");
    assert_eq!(r.retry_error, None);
    assert_eq!(r.counts.pending, 0);
    local::assert_all_arrived(&sb.pg, &conn, &user);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_is_retried_then_flows() {
    let mut sb = support::Supabase::start();
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("powerhook.db");
    let mut conn = local::create_db(&db);
    let user = support::uuid_v4(&mut fastrand::Rng::with_seed(12));
    let mut rec = Recorder::new(12);
    for i in 0..20 {
        rec.optimization_with_metrics(&mut conn, local::week_start() + Duration::from_secs(60 * i));
    }
    let settings = SyncSettings::default();
    let c = support::user_creds(sb.rest_url(), &user);
    let r = sync::sync_once(&db, &settings, &c)
        .await
        .expect("first pass");
    assert_eq!((r.uploaded(), r.counts.pending), (60, 0));

    sb.pg.stop_server();
    for i in 20..40 {
        rec.optimization_with_metrics(&mut conn, local::week_start() + Duration::from_secs(60 * i));
    }
    let r = sync::sync_once(&db, &settings, &c)
        .await
        .expect("pass without database");
    let err = r.retry_error.clone().expect("a retry error");
    assert!(err.contains("503") || err.contains("network"), "{err}");
    assert_eq!(r.counts.pending, 60);
    let status: Option<i64> = conn
        .query_row(
            "SELECT last_status FROM sync_outbox WHERE synced_at IS NULL AND attempts > 0 LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("status");
    assert_eq!(
        status,
        Some(503),
        "PostgREST answers 503 without its database"
    );

    sb.pg.start_server();
    sb.wait_ready(Duration::from_secs(60));
    let r = sync::sync_once(&db, &settings, &c)
        .await
        .expect("after restart");
    assert_eq!(r.retry_error, None, "{r:?}");
    assert_eq!(
        (r.uploaded(), r.counts.pending, r.counts.synced),
        (60, 0, 120)
    );
    local::assert_all_arrived(&sb.pg, &conn, &user);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_back_off_exponentially_then_flow() {
    let sb = support::Supabase::start();
    let proxy = FaultProxy::start(sb.rest_port, 503);
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("powerhook.db");
    let mut conn = local::create_db(&db);
    let user = support::uuid_v4(&mut fastrand::Rng::with_seed(13));
    let mut rec = Recorder::new(13);
    for i in 0..300 {
        rec.optimization_with_metrics(&mut conn, local::week_start() + Duration::from_secs(60 * i));
    }
    let settings = SyncSettings::default();
    let c = support::user_creds(proxy.server.url(), &user);
    proxy
        .fail_next
        .store(3, std::sync::atomic::Ordering::SeqCst);
    let mut delays = Vec::new();
    for attempt in 1..=3 {
        let before = std::time::SystemTime::now();
        let r = sync::sync_once(&db, &settings, &c).await.expect("pass");
        let err = r.retry_error.clone().expect("503 is retried later");
        assert!(err.contains("503"), "{err}");
        assert_eq!(r.uploaded(), 0);
        let next = humantime::parse_rfc3339(r.next_attempt_at.as_deref().expect("next attempt"))
            .expect("rfc3339");
        delays.push(next.duration_since(before).unwrap_or_default());
        let attempts: i64 = conn
            .query_row("SELECT MAX(attempts) FROM sync_outbox", [], |r| r.get(0))
            .expect("attempts");
        assert_eq!(attempts, attempt);
    }
    // 1 s, then within [1, 2] s, then within [2, 4] s (plus the pass's own time).
    assert!(
        delays[0] >= Duration::from_millis(1000) && delays[0] <= Duration::from_millis(2000),
        "{delays:?}"
    );
    assert!(
        delays[1] >= Duration::from_millis(1000) && delays[1] <= Duration::from_millis(3000),
        "{delays:?}"
    );
    assert!(
        delays[2] >= Duration::from_millis(2000) && delays[2] <= Duration::from_millis(5000),
        "{delays:?}"
    );
    let r = sync::sync_once(&db, &settings, &c).await.expect("pass");
    assert_eq!(r.retry_error, None);
    assert_eq!((r.uploaded(), r.counts.pending), (900, 0));
    assert_eq!(proxy.failed.load(std::sync::atomic::Ordering::SeqCst), 3);
    // The crate's forced `return=representation` was replaced, not joined by a second header.
    let seen = proxy.prefer_seen.lock().expect("prefer log").clone();
    assert_eq!(
        seen.len(),
        3 + 3,
        "3 refused, then 1 optimization batch and 2 metric batches"
    );
    for p in &seen {
        assert_eq!(
            p,
            &vec!["return=minimal,resolution=ignore-duplicates".to_string()]
        );
    }
    local::assert_all_arrived(&sb.pg, &conn, &user);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_requests_honours_retry_after() {
    let sb = support::Supabase::start();
    let proxy = FaultProxy::start_with(sb.rest_port, 429, "Retry-After: 7\r\n");
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("powerhook.db");
    let mut conn = local::create_db(&db);
    let user = support::uuid_v4(&mut fastrand::Rng::with_seed(16));
    Recorder::new(16).optimization_with_metrics(&mut conn, local::week_start());
    let c = support::user_creds(proxy.server.url(), &user);
    proxy
        .fail_next
        .store(1, std::sync::atomic::Ordering::SeqCst);
    let before = std::time::SystemTime::now();
    let r = sync::sync_once(&db, &SyncSettings::default(), &c)
        .await
        .expect("pass");
    assert!(
        r.retry_error.as_deref().is_some_and(|e| e.contains("429")),
        "{r:?}"
    );
    let next = humantime::parse_rfc3339(r.next_attempt_at.as_deref().expect("next")).expect("time");
    let wait = next.duration_since(before).unwrap_or_default();
    assert!(
        wait >= Duration::from_secs(7) && wait <= Duration::from_secs(9),
        "{wait:?}"
    );
    // The loop's scheduled pass waits for it; nothing is sent before.
    let r = sync::sync_due(&db, &SyncSettings::default(), &c)
        .await
        .expect("pass");
    assert_eq!(r.requests, 0);
    let r = sync::sync_once(&db, &SyncSettings::default(), &c)
        .await
        .expect("pass");
    assert_eq!((r.uploaded(), r.counts.pending), (3, 0));
    local::assert_all_arrived(&sb.pg, &conn, &user);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_server_hits_the_request_timeout() {
    // Accepts, reads the request, never answers.
    let hang = Server::start(|_req, _s| std::thread::sleep(Duration::from_secs(20)));
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("powerhook.db");
    let mut conn = local::create_db(&db);
    Recorder::new(14).optimization_with_metrics(&mut conn, local::week_start());
    let settings = SyncSettings {
        request_timeout: Duration::from_millis(500),
        ..SyncSettings::default()
    };
    let c = support::user_creds(hang.url(), "00000000-0000-4000-8000-000000000014");
    let t0 = std::time::Instant::now();
    let r = sync::sync_once(&db, &settings, &c).await.expect("pass");
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    let err = r.retry_error.expect("timeout is retried");
    assert!(err.contains("timed out"), "{err}");
    assert_eq!(local::outbox_state(&conn), (3, 0, 0));
    // A scheduled pass while every row waits out its backoff sends nothing: the error stands
    // and no success is recorded.
    let r = sync::sync_due(&db, &settings, &c).await.expect("pass");
    assert_eq!(r.requests, 0);
    let shown = r.counts.last_error.expect("the error is still shown");
    assert!(shown.contains("timed out"), "{shown}");
    assert_eq!(r.counts.last_success_at, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_rows_are_quarantined_while_the_rest_flows() {
    let sb = support::Supabase::start();
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("powerhook.db");
    let mut conn = local::create_db(&db);
    let user = support::uuid_v4(&mut fastrand::Rng::with_seed(15));
    let mut rec = Recorder::new(15);
    let mut ids = Vec::new();
    for i in 0..400 {
        ids.push(rec.optimization_with_metrics(
            &mut conn,
            local::week_start() + Duration::from_secs(60 * i),
        ));
    }
    // An optimization type longer than the server's VARCHAR(20), whose two metric rows then
    // have no parent on the server, and a per-minute row whose latency overflows NUMERIC(10,2).
    conn.execute(
        "UPDATE performance_optimizations SET optimization_type = 'quantum-inspired-annealing-v2' WHERE id = ?1",
        [&ids[123]],
    )
    .expect("poison optimization");
    let tx = conn.transaction().expect("tx");
    let bad_metric = rec.metric(&tx, local::week_start(), None, "minute");
    tx.execute(
        "UPDATE performance_metrics_history SET latency_ms = 1e12 WHERE id = ?1",
        [&bad_metric],
    )
    .expect("poison metric");
    tx.commit().expect("commit");

    let settings = SyncSettings::default();
    let c = support::user_creds(sb.rest_url(), &user);
    let r = sync::sync_once(&db, &settings, &c).await.expect("pass");
    assert_eq!(r.retry_error, None, "{r:?}");
    assert_eq!(r.quarantined, 4);
    assert_eq!(r.uploaded_optimizations, 399);
    assert_eq!(r.uploaded_metrics, 798);
    assert_eq!(
        (r.counts.pending, r.counts.synced, r.counts.quarantined),
        (0, 1197, 4)
    );
    // The server's code and message are kept with each quarantined row.
    let q = powerhook::sync::outbox::quarantined_rows(&conn, 10).expect("quarantined");
    let opt = q
        .iter()
        .find(|q| q.row_id == ids[123])
        .expect("poison optimization quarantined");
    assert_eq!(opt.last_status, Some(400));
    assert!(
        opt.last_error.contains("22001") && opt.last_error.contains("too long"),
        "{}",
        opt.last_error
    );
    let met = q
        .iter()
        .find(|q| q.row_id == bad_metric)
        .expect("poison metric quarantined");
    assert!(met.last_error.contains("22003"), "{}", met.last_error);
    let orphans: Vec<_> = q.iter().filter(|q| q.last_status == Some(409)).collect();
    assert_eq!(
        orphans.len(),
        2,
        "children of the rejected optimization: {q:?}"
    );
    assert!(
        orphans.iter().all(|o| o.last_error.contains("23503")),
        "{orphans:?}"
    );
    // Everything else arrived, unchanged; nothing was dropped locally.
    assert_eq!(
        sb.pg
            .count("SELECT count(*) FROM performance_optimizations"),
        399
    );
    assert_eq!(
        sb.pg
            .count("SELECT count(*) FROM performance_metrics_history"),
        798
    );
    let local_total: i64 = conn
        .query_row("SELECT count(*) FROM sync_outbox", [], |r| r.get(0))
        .expect("count");
    assert_eq!(local_total, 1201);

    // The queue is not wedged: new rows flow past the quarantined ones.
    rec.optimization_with_metrics(&mut conn, local::week_start() + Duration::from_secs(99_999));
    let r = sync::sync_once(&db, &settings, &c).await.expect("pass");
    assert_eq!((r.uploaded(), r.quarantined, r.requests), (3, 0, 2));

    // Fixing the row and requeueing sends it (and its children) after all.
    conn.execute(
        "UPDATE performance_optimizations SET optimization_type = 'quantum' WHERE id = ?1",
        [&ids[123]],
    )
    .expect("fix");
    assert_eq!(sync::requeue_quarantined(&conn).expect("requeue"), 4);
    let r = sync::sync_once(&db, &settings, &c).await.expect("pass");
    assert_eq!(
        (r.uploaded(), r.quarantined),
        (3, 1),
        "the overflowing metric is rejected again"
    );
    assert_eq!(r.counts.quarantined, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_drift_and_missing_grants_stop_without_quarantining() {
    let mut sb = support::Supabase::start();
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("powerhook.db");
    let mut conn = local::create_db(&db);
    let user = support::uuid_v4(&mut fastrand::Rng::with_seed(17));
    let mut rec = Recorder::new(17);
    for i in 0..50 {
        rec.optimization_with_metrics(&mut conn, local::week_start() + Duration::from_secs(60 * i));
    }
    let settings = SyncSettings::default();
    let c = support::user_creds(sb.rest_url(), &user);

    // The server's schema lacks a column the client sends (an older server migration).
    sb.pg
        .psql("ALTER TABLE performance_optimizations DROP COLUMN strategy");
    sb.stop_rest();
    sb.start_rest();
    let r = sync::sync_once(&db, &settings, &c).await.expect("pass");
    let err = r.retry_error.clone().expect("stopped");
    assert!(
        err.contains("PGRST204") && err.contains("strategy"),
        "{err}"
    );
    assert_eq!((r.quarantined, r.requests), (0, 1));
    assert_eq!(local::outbox_state(&conn), (150, 0, 0));

    // Grants missing: 403 permission denied for every row alike.
    sb.pg
        .psql("ALTER TABLE performance_optimizations ADD COLUMN strategy varchar(40)");
    sb.pg
        .psql("REVOKE INSERT ON performance_optimizations FROM authenticated");
    sb.stop_rest();
    sb.start_rest();
    let r = sync::sync_once(&db, &settings, &c).await.expect("pass");
    let err = r.retry_error.clone().expect("stopped");
    assert!(err.contains("403") && err.contains("42501"), "{err}");
    assert_eq!((r.quarantined, r.requests), (0, 1));
    assert_eq!(local::outbox_state(&conn), (150, 0, 0));

    // Fixed on the server: everything flows, nothing was lost.
    sb.pg
        .psql("GRANT INSERT ON performance_optimizations TO authenticated");
    let r = sync::sync_once(&db, &settings, &c).await.expect("pass");
    assert_eq!(r.retry_error, None, "{r:?}");
    assert_eq!((r.uploaded(), r.counts.pending), (150, 0));
    local::assert_all_arrived(&sb.pg, &conn, &user);
}
