//! A week recorded offline reaches Supabase exactly once when the server comes back.

mod support;

use powerhook::sync::{self, SyncSettings};
use support::local::{self, Recorder};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn week_offline_then_everything_arrives_exactly_once() {
    let mut sb = support::Supabase::start();
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("powerhook.db");
    let mut conn = local::create_db(&db);
    let user = support::uuid_v4(&mut fastrand::Rng::with_seed(1));
    let settings = SyncSettings::default();
    let c = support::user_creds(sb.rest_url(), &user);

    // Server down for the whole week: PostgREST stopped, nothing listens on its port.
    sb.stop_rest();
    let (n_opt, n_met) = Recorder::new(7).record_week(&mut conn, local::week_start());
    assert_eq!((n_opt, n_met), (700, 10_080 + 1_400));
    let r = sync::sync_once(&db, &settings, &c)
        .await
        .expect("a pass while offline");
    assert_eq!(r.uploaded(), 0);
    assert!(r.retry_error.is_some(), "the failure is reported");
    assert!(r.next_attempt_at.is_some());
    assert_eq!(
        local::outbox_state(&conn),
        (12_180, 0, 0),
        "all rows stay pending"
    );
    // The backoff is stored in the outbox.
    let (attempts, scheduled): (i64, i64) = conn
        .query_row(
            "SELECT MAX(attempts), SUM(next_attempt_at IS NOT NULL) FROM sync_outbox",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("outbox");
    assert_eq!(attempts, 1);
    assert_eq!(scheduled, 12_180);
    // A scheduled pass respects the backoff: nothing is due yet, no request is sent.
    let r = sync::sync_due(&db, &settings, &c).await.expect("due pass");
    assert_eq!(r.requests, 0);

    // Server back.
    sb.start_rest();
    let r = sync::sync_once(&db, &settings, &c).await.expect("catch-up");
    assert_eq!(r.retry_error, None);
    assert_eq!(r.uploaded_optimizations, 700);
    assert_eq!(r.uploaded_metrics, 11_480);
    assert_eq!(r.quarantined, 0);
    // 700/500 -> 2 requests, 11,480/500 -> 23 requests
    assert_eq!(r.requests, 2 + 23);
    assert_eq!(
        (r.counts.pending, r.counts.synced, r.counts.quarantined),
        (0, 12_180, 0)
    );
    assert_eq!(r.counts.last_error, None);
    local::assert_all_arrived(&sb.pg, &conn, &user);

    // A second pass sends nothing; forcing a re-send (as after a lost answer) adds nothing.
    let r = sync::sync_once(&db, &settings, &c)
        .await
        .expect("idle pass");
    assert_eq!((r.requests, r.uploaded()), (0, 0));
    conn.execute("UPDATE sync_outbox SET synced_at = NULL", [])
        .expect("reset");
    let r = sync::sync_once(&db, &settings, &c).await.expect("re-send");
    assert_eq!(
        r.uploaded(),
        12_180,
        "acknowledged again (ignore-duplicates)"
    );
    assert_eq!(
        sb.pg
            .count("SELECT count(*) FROM performance_metrics_history"),
        11_480
    );
    assert_eq!(
        sb.pg
            .count("SELECT count(*) FROM performance_optimizations"),
        700
    );
    local::assert_all_arrived(&sb.pg, &conn, &user);
}
