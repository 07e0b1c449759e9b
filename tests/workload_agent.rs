//! The agent end to end with the workload analyzer: a confident NP-hard process on a fake
//! root fires `on_workload_pattern`, and the seed's strategy routes it to the quantum engine.

mod support;

use powerhook::workload::fixture::{FixtureSet, Split, TickCounters};
use powerhook::workload::PatternType;
use std::time::Duration;
use support::{data_dir, db, run_cli, FakeRoot};

/// One held-out NP-hard fixture process, owned by us, with its counters extended to `n` ticks
/// at the same rate.
fn np_hard_process(n: usize) -> FixtureSet {
    let set = FixtureSet::load(&powerhook::workload::fixture::committed_dir())
        .expect("committed fixtures");
    let mut p = set
        .split(Split::Test)
        .find(|p| p.label == PatternType::NpHard)
        .expect("a held-out np_hard fixture")
        .clone();
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    p.status_head = p
        .status_head
        .lines()
        .map(|l| {
            if l.starts_with("Uid:") || l.starts_with("Gid:") {
                format!("{}\t{uid}\t{uid}\t{uid}\t{uid}", &l[..4])
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    let (a, b) = (p.ticks[0], p.ticks[1]);
    let step = b.cpu_ticks - a.cpu_ticks;
    p.ticks = (0..n as u64)
        .map(|k| TickCounters {
            cpu_ticks: a.cpu_ticks + k * step,
            ctx: a.ctx,
            io: a.io,
        })
        .collect();
    let dt = set.uptimes[1] - set.uptimes[0];
    let uptimes = (0..n).map(|k| set.uptimes[0] + dt * k as f64).collect();
    FixtureSet {
        uptimes,
        procs: vec![p],
    }
}

#[test]
fn a_confident_np_hard_process_is_routed_to_the_quantum_engine() {
    let root = FakeRoot::laptop();
    let set = np_hard_process(200);
    set.materialize(root.path(), 0).expect("write fixture");
    let data = data_dir();
    std::fs::write(
        data.path().join("config.yaml"),
        "sampling:\n  process_scan_interval: 100ms\nhysteresis:\n  fire_after: 2\n",
    )
    .unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let path = root.path().to_path_buf();
    let feeder = std::thread::spawn(move || {
        for tick in 1..200 {
            if flag.load(std::sync::atomic::Ordering::Relaxed) {
                break;
            }
            std::thread::sleep(Duration::from_millis(60));
            let _ = set.advance(&path, tick);
        }
    });
    let (code, _, err) = run_cli(
        root.path(),
        data.path(),
        None,
        &["daemon", "--interval", "100ms", "--ticks", "15"],
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    feeder.join().expect("feeder");
    assert_eq!(code, 0, "{err}");
    let conn = rusqlite::Connection::open(db(data.path())).unwrap();
    let (otype, engine, reason): (String, String, String) = conn
        .query_row(
            "SELECT optimization_type, target_engine, reason FROM hook_executions WHERE trigger_type = 'on_workload_pattern'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap_or_else(|e| panic!("no workload pass ({e}); log:\n{err}"));
    assert_eq!(otype, "quantum_accelerated");
    assert_eq!(engine, "quantum");
    assert_eq!(reason, "NP-hard computation pattern detected (np_hard)");
}
