//! The agent's upload loop: it follows the battery-saver policy, stops on shutdown, and
//! never holds up other work on the same runtime, even against a server that hangs.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use powerhook::sync::{self, PowerContext, SyncSettings};
use support::local::{self, Recorder};
use support::proxy::Server;
use tokio::sync::watch;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loop_defers_in_power_saver_then_uploads_on_ac() {
    let sb = support::Supabase::start();
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("powerhook.db");
    let mut conn = local::create_db(&db);
    let user = "aaaaaaaa-0000-4000-8000-000000000001";
    Recorder::new(31).optimization_with_metrics(&mut conn, local::week_start());
    let settings = SyncSettings {
        interval: Duration::from_secs(1),
        ..SyncSettings::default()
    };
    let (power_tx, power_rx) = watch::channel(PowerContext {
        on_ac: false,
        power_saver: true,
        battery_percent: Some(60.0),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let passes = Arc::new(Mutex::new(0u32));
    let p2 = passes.clone();
    let handle = tokio::spawn(sync::run_loop(
        db.clone(),
        settings,
        support::user_creds(sb.rest_url(), user),
        power_rx,
        stop_rx,
        move |r| {
            assert!(r.is_ok(), "{:?}", r.err());
            *p2.lock().expect("passes") += 1;
        },
    ));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        *passes.lock().expect("passes"),
        0,
        "no upload in power-saver mode"
    );
    assert_eq!(local::outbox_state(&conn).0, 3);

    power_tx
        .send(PowerContext {
            on_ac: true,
            power_saver: false,
            battery_percent: Some(61.0),
        })
        .expect("power");
    let deadline = Instant::now() + Duration::from_secs(10);
    while local::outbox_state(&conn).0 > 0 {
        assert!(Instant::now() < deadline, "the loop did not upload on AC");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    local::assert_all_arrived(&sb.pg, &conn, user);
    stop_tx.send(true).expect("stop");
    tokio::time::timeout(Duration::from_secs(5), handle)
        .await
        .expect("the loop stops on shutdown")
        .expect("loop task");
}

#[test]
fn loop_never_delays_a_tick_on_the_same_runtime() {
    // One worker thread, shared with a 10 ms "agent tick"; the server accepts and never answers.
    let hang = Server::start(|_req, _s| std::thread::sleep(Duration::from_secs(30)));
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("powerhook.db");
    let mut conn = local::create_db(&db);
    let mut rec = Recorder::new(32);
    Recorder::record_week(&mut rec, &mut conn, local::week_start());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let worst = rt.block_on(async {
        let settings = SyncSettings {
            interval: Duration::from_secs(1),
            request_timeout: Duration::from_millis(700),
            ..SyncSettings::default()
        };
        let (_power_tx, power_rx) = watch::channel(PowerContext {
            on_ac: true,
            ..PowerContext::default()
        });
        let (stop_tx, stop_rx) = watch::channel(false);
        let handle = tokio::spawn(sync::run_loop(
            db.clone(),
            settings,
            support::user_creds(hang.url(), "aaaaaaaa-0000-4000-8000-000000000002"),
            power_rx,
            stop_rx,
            |_| {},
        ));
        let mut worst = Duration::ZERO;
        let mut last = Instant::now();
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        let end = Instant::now() + Duration::from_secs(3);
        while Instant::now() < end {
            tick.tick().await;
            worst = worst.max(last.elapsed());
            last = Instant::now();
        }
        stop_tx.send(true).expect("stop");
        let _ = tokio::time::timeout(Duration::from_secs(5), handle).await;
        worst
    });
    println!("worst gap between 10 ms ticks: {worst:?}");
    // The loop did try (and time out) meanwhile.
    let attempts: i64 = conn
        .query_row("SELECT MAX(attempts) FROM sync_outbox", [], |r| r.get(0))
        .expect("attempts");
    assert!(attempts >= 1, "the loop made no attempt");
    assert!(
        worst < Duration::from_millis(300),
        "a tick waited {worst:?}"
    );
}
