//! `powerhook daemon` end to end on a fake root: rows written and read back, one agent per
//! data dir, clean shutdown on SIGTERM, a broken config on reload keeps the last good one.

mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};
use support::{data_dir, db, powerhook, run_cli, CpuLoad, FakeRoot};

fn sqlite(data: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(db(data)).expect("database")
}

#[test]
fn five_ticks_on_a_busy_fake_root_are_recorded_and_read_back() {
    let root = FakeRoot::laptop();
    let _load = CpuLoad::start(root.path(), 85);
    let data = data_dir();
    let (code, _out, err) = run_cli(
        root.path(),
        data.path(),
        None,
        &["daemon", "--interval", "100ms", "--ticks", "5"],
    );
    assert_eq!(code, 0, "{err}");
    let conn = sqlite(data.path());
    let samples: i64 = conn
        .query_row("SELECT count(*) FROM samples", [], |r| r.get(0))
        .unwrap();
    assert_eq!(samples, 5, "one raw sample per tick, flushed at shutdown");
    let (rows, total, cpu): (i64, i64, f64) = conn
        .query_row(
            "SELECT count(*), sum(sample_count), max(cpu_utilization_percent) FROM performance_metrics_history WHERE optimization_id IS NULL AND kind = 'minute'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert!(
        rows >= 1,
        "the partial minute is written at a clean shutdown"
    );
    assert_eq!(total, 5);
    assert!(cpu > 75.0 && cpu <= 90.0, "cpu {cpu}");
    let outbox: i64 = conn
        .query_row(
            "SELECT count(*) FROM sync_outbox WHERE synced_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(outbox, rows, "each aggregate waits in the outbox");

    // CPU over 70 % for 3 ticks fires on_performance_threshold once.
    let (trigger, otype, engine, outcome, reason): (String, String, String, String, String) = conn
        .query_row(
            "SELECT trigger_type, optimization_type, target_engine, outcome, reason FROM hook_executions",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .expect("exactly one pass");
    assert_eq!(trigger, "on_performance_threshold");
    assert_eq!(otype, "resource_optimization");
    assert_eq!(engine, "neuromorphic");
    assert_eq!(
        outcome, "engine_unavailable",
        "no actuators yet: recorded honestly"
    );
    assert!(reason.starts_with("High CPU utilization ("), "{reason}");
    let optimizations: i64 = conn
        .query_row("SELECT count(*) FROM performance_optimizations", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(optimizations, 0, "no invented optimization rows");

    let (code, out, err) = run_cli(root.path(), data.path(), None, &["history", "--json"]);
    assert_eq!(code, 0, "{err}");
    let h: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(h.as_array().unwrap().len(), 1);
    assert_eq!(h[0]["optimization_type"], "resource_optimization");
    assert_eq!(h[0]["active_triggers"][0], "cpu");
    let (_, out, _) = run_cli(root.path(), data.path(), None, &["history", "--csv"]);
    assert!(
        out.starts_with("started_at,trigger_type,optimization_type,target_engine,outcome,reason\n"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 2);
    let (_, out, _) = run_cli(
        root.path(),
        data.path(),
        None,
        &["history", "--metrics", "--json"],
    );
    let m: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(m.as_array().unwrap().len() as i64, rows);
    assert_eq!(
        m[0]["energy_consumption_mw"],
        serde_json::Value::Null,
        "no battery: not measured"
    );
}

#[test]
fn paused_mode_records_samples_but_runs_no_pass() {
    let root = FakeRoot::laptop();
    let _load = CpuLoad::start(root.path(), 95);
    let data = data_dir();
    let (code, _, err) = run_cli(
        root.path(),
        data.path(),
        None,
        &[
            "daemon",
            "--interval",
            "100ms",
            "--ticks",
            "5",
            "--mode",
            "paused",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let conn = sqlite(data.path());
    let passes: i64 = conn
        .query_row("SELECT count(*) FROM hook_executions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(passes, 0);
    let samples: i64 = conn
        .query_row("SELECT count(*) FROM samples", [], |r| r.get(0))
        .unwrap();
    assert_eq!(samples, 5);
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn agent_state(data: &std::path::Path) -> Option<serde_json::Value> {
    let conn =
        rusqlite::Connection::open_with_flags(db(data), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .ok()?;
    let v: String = conn
        .query_row("SELECT value FROM meta WHERE key = 'agent'", [], |r| {
            r.get(0)
        })
        .ok()?;
    serde_json::from_str(&v).ok()
}

fn kill(pid: u32, sig: i32) {
    // SAFETY: kill(2) on a child we started.
    unsafe {
        libc::kill(pid as i32, sig);
    }
}

#[test]
fn a_second_agent_exits_3_and_sigterm_stops_the_first_cleanly() {
    let root = FakeRoot::laptop();
    let _load = CpuLoad::start(root.path(), 20);
    let data = data_dir();
    let mut first = support::Reaped(
        powerhook()
            .args(["daemon", "--interval", "100ms"])
            .env("POWERHOOK_ROOT", root.path())
            .env("POWERHOOK_DATA_DIR", data.path())
            .env("POWERHOOK_CONFIG", data.path().join("config.yaml"))
            .env("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent")
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let guard_pid = first.0.id();
    wait_for("the agent to start", || {
        agent_state(data.path()).is_some_and(|a| a["running"] == true)
    });
    let (code, _, err) = run_cli(root.path(), data.path(), None, &["daemon", "--ticks", "1"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("already running") && err.contains(&guard_pid.to_string()),
        "{err}"
    );
    std::thread::sleep(Duration::from_millis(400));
    kill(guard_pid, libc::SIGTERM);
    let status = first.0.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let a = agent_state(data.path()).unwrap();
    assert_eq!(a["running"], false);
    let samples: i64 = sqlite(data.path())
        .query_row("SELECT count(*) FROM samples", [], |r| r.get(0))
        .unwrap();
    assert!(
        samples >= 2,
        "buffered samples are flushed on SIGTERM ({samples})"
    );
}

#[test]
fn a_broken_config_on_reload_keeps_the_last_good_one_and_says_why() {
    let root = FakeRoot::laptop();
    let _load = CpuLoad::start(root.path(), 20);
    let data = data_dir();
    let cfg = data.path().join("config.yaml");
    std::fs::write(&cfg, "mode: advise\n").unwrap();
    let mut child = support::Reaped(
        powerhook()
            .args(["daemon", "--interval", "100ms"])
            .env("POWERHOOK_ROOT", root.path())
            .env("POWERHOOK_DATA_DIR", data.path())
            .env("POWERHOOK_CONFIG", &cfg)
            .env("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent")
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let pid = child.0.id();
    wait_for("the agent to start", || {
        agent_state(data.path()).is_some_and(|a| a["running"] == true)
    });
    std::fs::write(&cfg, "mode: advise\nsampling:\n  intervall: 1s\n").unwrap();
    kill(pid, libc::SIGHUP);
    wait_for("the reload error", || {
        agent_state(data.path()).is_some_and(|a| a["config_error"].is_string())
    });
    let a = agent_state(data.path()).unwrap();
    let e = a["config_error"].as_str().unwrap();
    assert!(
        e.contains("config.yaml:3:") && e.contains("did you mean `interval`"),
        "{e}"
    );
    assert_eq!(a["mode"], "advise");
    let (code, status_out, status_err) = run_cli(root.path(), data.path(), None, &["status"]);
    assert_eq!(code, 0, "status still answers with a broken config");
    assert!(
        status_out.contains("config reload failed, last good config kept"),
        "{status_out}"
    );
    assert!(status_err.contains("config.yaml:3:"), "{status_err}");
    // Fixed again: the error goes away.
    std::fs::write(&cfg, "mode: advise\n").unwrap();
    kill(pid, libc::SIGHUP);
    wait_for("the error to clear", || {
        agent_state(data.path()).is_some_and(|a| a["config_error"].is_null())
    });
    // A reload that changes the mode is shown by status.
    std::fs::write(&cfg, "mode: paused\n").unwrap();
    kill(pid, libc::SIGHUP);
    wait_for("the new mode in the agent state", || {
        agent_state(data.path()).is_some_and(|a| a["mode"] == "paused")
    });
    kill(pid, libc::SIGTERM);
    assert!(child.0.wait().unwrap().success());
}

#[test]
fn history_before_the_first_run_prints_an_empty_history() {
    let root = FakeRoot::laptop();
    let data = data_dir();
    let (code, out, err) = run_cli(root.path(), data.path(), None, &["history", "--csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("started_at,trigger_type,"), "{out}");
    assert!(err.contains("no database yet"), "{err}");
    let (code, out, _) = run_cli(root.path(), data.path(), None, &["history", "--json"]);
    assert_eq!((code, out.trim()), (0, "[]"));
}

#[test]
fn the_foreground_sync_loop_refuses_to_run_when_sync_is_disabled() {
    let data = data_dir();
    std::fs::write(data.path().join("config.yaml"), "sync:\n  enabled: false\n").unwrap();
    let out = support::powerhook_in(data.path())
        .arg("sync")
        .env("SUPABASE_REST_URL", "http://127.0.0.1:9")
        .env("SUPABASE_ACCESS_TOKEN", "x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("sync is disabled in the config"), "{err}");
}

#[test]
fn config_check_without_a_file_says_the_defaults_apply() {
    let home = tempfile::tempdir().unwrap();
    let out = powerhook()
        .args(["config", "check"])
        .env_remove("POWERHOOK_CONFIG")
        .env("XDG_CONFIG_HOME", home.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("not present; the defaults apply"), "{text}");
    // A file named on the command line must exist.
    let missing = home.path().join("nope.yaml");
    let out = powerhook()
        .args(["config", "check", missing.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn config_check_and_show() {
    let root = FakeRoot::laptop();
    let data = data_dir();
    let bad = data.path().join("bad.yaml");
    std::fs::write(
        &bad,
        include_str!("fixtures/seed_triggers.yaml")
            .replace("memory_usage: 80%", "memory_usage: 800%"),
    )
    .unwrap();
    let (code, _, err) = run_cli(
        root.path(),
        data.path(),
        None,
        &["config", "check", bad.to_str().unwrap()],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("bad.yaml:5:") && err.contains("between 0% and 100%"),
        "{err}"
    );
    let good = data.path().join("good.yaml");
    std::fs::write(&good, include_str!("fixtures/seed_triggers.yaml")).unwrap();
    let (code, out, _) = run_cli(
        root.path(),
        data.path(),
        None,
        &["config", "check", good.to_str().unwrap()],
    );
    assert_eq!(code, 0);
    assert!(out.contains("ok"));
    let (code, out, _) = run_cli(
        root.path(),
        data.path(),
        None,
        &["--config", good.to_str().unwrap(), "config", "show"],
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("latency_threshold: 50ms") && out.contains("cron: '*/15 * * * *'"),
        "{out}"
    );
    let (code, _, err) = run_cli(
        root.path(),
        data.path(),
        None,
        &["--config", bad.to_str().unwrap(), "daemon", "--ticks", "1"],
    );
    assert_eq!(code, 1, "a daemon does not start on a broken config");
    assert!(err.contains("bad.yaml:5:"), "{err}");
}
