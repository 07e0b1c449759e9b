//! Missing /proc fields and processes that vanish between or during reads: no panic, sane
//! verdicts.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::{write_proc, write_uptime, FakeProc};
use powerhook::workload::analyzer::current_uid;
use powerhook::workload::eval::{fixture_options, ScratchDir};
use powerhook::workload::{AnalyzerOptions, PatternType, WorkloadAnalyzer, WorkloadPatterns};

fn busy(pid: u32, comm: &str) -> FakeProc<'_> {
    FakeProc {
        pid,
        comm,
        argv: &["/usr/bin/prog", "input.dat"],
        libs: &["/usr/lib/x86_64-linux-gnu/libc.so.6"],
        threads: 1,
        rss_kib: 10_000,
        start_s: 10.0,
        uid: 1000,
    }
}

fn analyzer(root: &std::path::Path) -> WorkloadAnalyzer {
    WorkloadAnalyzer::with_options(
        root,
        AnalyzerOptions {
            clk_tck: 100.0,
            ..fixture_options()
        },
    )
}

#[test]
fn missing_and_malformed_fields() {
    let dir = ScratchDir::new("missing").expect("scratch");
    let root = dir.path();
    // No proc/uptime at all: no pattern, no panic.
    let mut an = analyzer(root);
    assert_eq!(an.analyze(), WorkloadPatterns::none());
    write_uptime(root, 100.0);
    let p = busy(10, "solver");
    // 10: complete. 11: no io, no maps, no cmdline. 12: status without Uid/VmRSS/ctx lines.
    write_proc(root, &p, 80.0, (5, 5), Some((1, 1)));
    write_proc(root, &busy(11, "noio"), 80.0, (5, 5), None);
    for f in ["maps", "cmdline"] {
        std::fs::remove_file(root.join("proc/11").join(f)).expect("rm");
    }
    write_proc(root, &busy(12, "bare"), 80.0, (5, 5), None);
    std::fs::write(root.join("proc/12/status"), "Name:\tbare\n").expect("status");
    // 13: truncated stat; 14: empty stat; 15: binary garbage everywhere; 16: stat missing.
    for pid in [13, 14, 15, 16] {
        write_proc(root, &busy(pid, "x"), 80.0, (1, 1), None);
    }
    std::fs::write(root.join("proc/13/stat"), "13 (x) R 1 2").expect("w");
    std::fs::write(root.join("proc/14/stat"), "").expect("w");
    for f in ["stat", "status", "maps", "cmdline", "io"] {
        std::fs::write(root.join("proc/15").join(f), [0xff, 0x00, 0xfe, b')', b'(']).expect("w");
    }
    std::fs::remove_file(root.join("proc/16/stat")).expect("rm");
    // Not processes: a non-numeric dir, a numeric plain file.
    std::fs::create_dir_all(root.join("proc/self")).expect("mkdir");
    std::fs::write(root.join("proc/17"), "not a dir").expect("w");
    an.analyze();
    let pids: Vec<u32> = an.last_scan().iter().map(|v| v.pid).collect();
    assert_eq!(pids, vec![10, 11, 12], "only the readable processes");
    for v in an.last_scan() {
        assert!(!v.by_rule, "pid {} is busy (0.89 cores lifetime)", v.pid);
        assert!((0.0..=1.0).contains(&v.confidence));
        let sum: f64 = v.probabilities.iter().sum();
        assert!(
            (sum - 1.0).abs() < 1e-9,
            "pid {} probabilities sum {sum}",
            v.pid
        );
        let f = v.features.as_ref().expect("features");
        let io_missing = powerhook::workload::features::feature_index("io_missing").expect("f");
        let ctx_missing = powerhook::workload::features::feature_index("ctx_missing").expect("f");
        match v.pid {
            10 => assert_eq!((f[io_missing], f[ctx_missing]), (0.0, 0.0)),
            11 => assert_eq!(f[io_missing], 1.0, "absent io is missing, not zero"),
            12 => assert_eq!((f[io_missing], f[ctx_missing]), (1.0, 1.0)),
            _ => unreachable!(),
        }
    }
    assert!(an.last_stats().vanished >= 3);
}

#[test]
fn processes_vanish_and_pids_are_reused_between_scans() {
    let dir = ScratchDir::new("vanish").expect("scratch");
    let root = dir.path();
    write_uptime(root, 100.0);
    write_proc(root, &busy(20, "a"), 80.0, (1, 1), None);
    write_proc(root, &busy(21, "b"), 80.0, (1, 1), None);
    let mut an = analyzer(root);
    an.analyze();
    assert_eq!(an.last_scan().len(), 2);
    // 20 exits; 21 exits and its pid is reused by an idle process started later.
    std::fs::remove_dir_all(root.join("proc/20")).expect("rm");
    write_uptime(root, 105.0);
    let mut reused = busy(21, "c");
    reused.start_s = 104.0;
    write_proc(root, &reused, 0.0, (1, 1), None);
    an.analyze();
    let v = an.last_scan();
    assert_eq!(v.len(), 1);
    assert_eq!(
        (v[0].pid, v[0].name.as_str(), v[0].class),
        (21, "c", PatternType::Idle)
    );
}

#[test]
fn a_pid_dir_removed_mid_read() {
    // stat readable, the rest already gone (the kernel removes the entries one by one as the
    // process is reaped): the process is dropped from the scan.
    let dir = ScratchDir::new("midread").expect("scratch");
    let root = dir.path();
    write_uptime(root, 100.0);
    write_proc(root, &busy(30, "gone"), 80.0, (1, 1), None);
    for f in ["status", "maps", "cmdline"] {
        std::fs::remove_file(root.join("proc/30").join(f)).expect("rm");
    }
    let mut an = analyzer(root);
    an.analyze();
    assert!(an.last_scan().is_empty());
    assert_eq!(an.last_stats().vanished, 1);
}

#[test]
fn concurrent_churn_does_not_panic() {
    let dir = ScratchDir::new("churn").expect("scratch");
    let root = dir.path().to_path_buf();
    write_uptime(&root, 100.0);
    let stop = Arc::new(AtomicBool::new(false));
    let churn = {
        let (root, stop) = (root.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut i = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let pid = 100 + (i % 40);
                let d = root.join("proc").join(pid.to_string());
                if d.exists() {
                    let _ = std::fs::remove_dir_all(&d);
                } else {
                    write_proc(&root, &busy(pid, "churn"), 80.0, (1, 1), Some((1, 1)));
                }
                i = i.wrapping_add(7);
            }
        })
    };
    let mut an = analyzer(&root);
    for k in 0..200 {
        write_uptime(&root, 100.0 + k as f64);
        let w = an.analyze();
        assert!((0.0..=1.0).contains(&w.confidence_score));
        assert!(an.last_scan().len() <= 40);
    }
    stop.store(true, Ordering::Relaxed);
    churn.join().expect("churn thread");
}

#[test]
fn only_the_users_own_processes_by_default() {
    let dir = ScratchDir::new("uid").expect("scratch");
    let root = dir.path();
    write_uptime(root, 100.0);
    let me = current_uid();
    let mut mine = busy(40, "mine");
    mine.uid = me;
    let mut theirs = busy(41, "theirs");
    theirs.uid = me.wrapping_add(1);
    write_proc(root, &mine, 80.0, (1, 1), None);
    write_proc(root, &theirs, 80.0, (1, 1), None);
    let opts = AnalyzerOptions {
        clk_tck: 100.0,
        ..AnalyzerOptions::default()
    };
    let mut an = WorkloadAnalyzer::with_options(root, opts);
    an.analyze();
    let pids: Vec<u32> = an.last_scan().iter().map(|v| v.pid).collect();
    assert_eq!(pids, vec![40]);
    let mut all = analyzer(root);
    all.analyze();
    assert_eq!(all.last_scan().len(), 2);
}

#[test]
fn an_idle_process_that_turns_busy_is_seen_within_idle_every_scans() {
    let dir = ScratchDir::new("wake").expect("scratch");
    let root = dir.path();
    let p = busy(50, "sleeper");
    let mut cpu = 0.0;
    let mut an = analyzer(root);
    for k in 0..3 {
        write_uptime(root, 100.0 + 5.0 * k as f64);
        write_proc(root, &p, cpu, (1, 1), None);
        an.analyze();
    }
    assert_eq!(an.last_scan()[0].class, PatternType::Idle);
    // Now a full core: within `idle_every` (3) scans it is re-read and leaves `idle`.
    let mut seen_busy_at = None;
    for k in 3..7 {
        cpu += 5.0;
        write_uptime(root, 100.0 + 5.0 * k as f64);
        write_proc(root, &p, cpu, (1, 1), None);
        an.analyze();
        if !an.last_scan()[0].by_rule {
            seen_busy_at = Some(k - 2);
            break;
        }
    }
    let n = seen_busy_at.expect("seen busy");
    assert!(n <= 3, "seen busy after {n} scans");
}
