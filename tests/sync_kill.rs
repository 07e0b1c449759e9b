//! kill -9 of `powerhook sync --once` at random points, 50 times, while rows keep being
//! recorded: no row is lost, none is duplicated, and every row marked synced is on the server.
//! The kill point is a random time in half the runs and a random share of the pending rows
//! acknowledged in the other half.

mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use support::local::{self, Recorder};

#[test]
fn kill_9_at_random_points_loses_and_duplicates_nothing() {
    let sb = support::Supabase::start();
    let data = tempfile::tempdir().expect("tmp");
    let db = data.path().join("powerhook.db");
    let mut conn = local::create_db(&db);
    let user = "99999999-9999-4999-8999-999999999999";
    let token = support::user_jwt(user);
    let seed = std::env::var("POWERHOOK_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    println!("seed {seed} (set POWERHOOK_TEST_SEED to replay)");
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut rec = Recorder::new(seed);
    let spawn = |batch: &str| {
        support::powerhook_in(data.path())
            .args(["sync", "--once", "--batch-size", batch])
            .env_remove("SUPABASE_URL")
            .env("SUPABASE_REST_URL", sb.rest_url())
            .env("SUPABASE_ANON_KEY", support::anon_key())
            .env("SUPABASE_ACCESS_TOKEN", &token)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn powerhook sync")
    };
    let mut t = local::week_start();
    let mut killed_running = 0;
    let mut killed_after_progress = 0;
    let mut synced_before = 0;
    for run in 0..50 {
        // The agent keeps recording between runs.
        for _ in 0..10 {
            t += Duration::from_secs(60);
            rec.optimization_with_metrics(&mut conn, t);
        }
        let tx = conn.transaction().expect("tx");
        for _ in 0..200 {
            t += Duration::from_secs(60);
            rec.metric(&tx, t, None, "minute");
        }
        tx.commit().expect("commit");

        let mut child = spawn(&rng.usize(2..25).to_string());
        // Half the runs die after a random time, half once a random share of the pending
        // rows has been acknowledged: time alone depends on this machine's speed (a fast
        // one finishes before most delays run out), progress does not.
        let start = Instant::now();
        if run % 2 == 0 {
            let delay = Duration::from_millis(rng.u64(0..200));
            while start.elapsed() < delay && child.try_wait().expect("try_wait").is_none() {
                std::thread::sleep(Duration::from_millis(1));
            }
        } else {
            let (pending, synced, _) = local::outbox_state(&conn);
            let target = synced + rng.u64(1..=pending / 2);
            while local::outbox_state(&conn).1 < target
                && start.elapsed() < Duration::from_secs(30)
                && child.try_wait().expect("try_wait").is_none()
            {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        let running = child.try_wait().expect("try_wait").is_none();
        unsafe {
            libc::kill(child.id() as i32, libc::SIGKILL);
        }
        let _ = child.wait();
        let (pending, synced, _) = local::outbox_state(&conn);
        if running {
            killed_running += 1;
            if synced > synced_before && pending > 0 {
                killed_after_progress += 1;
            }
        }
        synced_before = synced;

        // Marked synced => on the server, with the same content; nothing unknown there.
        println!("run {run}: checking the server");
        local::assert_synced_rows_on_server(&sb.pg, &conn, user);
    }
    assert!(
        killed_running >= 20,
        "only {killed_running} of 50 runs were killed mid-upload"
    );
    assert!(
        killed_after_progress >= 10,
        "only {killed_after_progress} runs were killed after some batches landed"
    );
    println!("{killed_running} of 50 runs killed while running, {killed_after_progress} of them after some batches were acknowledged");

    let out = spawn("500").wait_with_output().expect("final sync");
    assert!(out.status.success(), "final sync failed");
    assert_eq!(local::outbox_state(&conn), (0, 50 * 230, 0));
    local::assert_all_arrived(&sb.pg, &conn, user);
    // One outbox row per local row, one server row per local row.
    let outbox: i64 = conn
        .query_row("SELECT count(*) FROM sync_outbox", [], |r| r.get(0))
        .expect("count");
    assert_eq!(outbox, 50 * 230);
    assert_eq!(
        sb.pg
            .count("SELECT count(*) FROM performance_metrics_history")
            + sb.pg
                .count("SELECT count(*) FROM performance_optimizations"),
        50 * 230
    );
}
