//! The agent uploads by itself: rows recorded while offline reach the real PostgREST once the
//! daemon runs with an endpoint and a user token, each exactly once.

mod support;

use support::local::{self, Recorder};
use support::{run_cli, FakeRoot};

#[test]
fn the_daemon_uploads_pending_rows_in_the_background() {
    let sb = support::Supabase::start();
    let root = FakeRoot::laptop();
    root.mains(true);
    let data = support::data_dir();
    std::fs::write(data.path().join("config.yaml"), "sync:\n  interval: 1s\n").unwrap();
    let mut conn = local::create_db(&support::db(data.path()));
    let mut rec = Recorder::new(7);
    for k in 0..5u64 {
        rec.optimization_with_metrics(
            &mut conn,
            local::week_start() + std::time::Duration::from_secs(600 * k),
        );
    }
    assert_eq!(
        local::outbox_state(&conn).0,
        15,
        "5 optimizations + 10 metrics pending"
    );
    let user = "bbbbbbbb-0000-4000-8000-000000000002";
    let mut cmd = support::powerhook();
    cmd.args(["daemon", "--interval", "100ms", "--ticks", "40"])
        .env("POWERHOOK_ROOT", root.path())
        .env("POWERHOOK_DATA_DIR", data.path())
        .env("POWERHOOK_CONFIG", data.path().join("config.yaml"))
        .env("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent")
        .env("SUPABASE_REST_URL", sb.rest_url())
        .env("SUPABASE_ANON_KEY", support::anon_key())
        .env("SUPABASE_ACCESS_TOKEN", support::user_jwt(user))
        .env("POWERHOOK_SESSION_STORE", "file");
    let out = cmd.output().expect("run the daemon");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("sync: uploading to Supabase in the background"),
        "{err}"
    );
    support::local::assert_all_arrived(&sb.pg, &conn, user);
    let (pending, synced, quarantined) = local::outbox_state(&conn);
    // The fake root's CPU counters do not move, so the daemon wrote no minute row of its own.
    assert_eq!(pending, 0);
    assert_eq!((synced, quarantined), (15, 0));
    // status shows it.
    let (_, out, _) = run_cli(root.path(), data.path(), None, &["status", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["sync"]["outbox"]["synced"], 15);
}
