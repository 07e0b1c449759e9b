//! Workload analyzer scan cost: CPU time per scan of 500 fixture processes on a fake root,
//! cold (first scan: every busy process's cmdline and maps read) against steady state, and
//! the cost of one `/proc/PID/maps` read on the fake root and on the live /proc.
//!
//! `cargo bench --bench workload` (or `bench/workload/run.sh`). Prints a markdown table.

use std::path::Path;
use std::time::Instant;

use powerhook::workload::eval::{fixture_options, ScratchDir};
use powerhook::workload::fixture::{
    committed_dir, FixtureProcess, FixtureSet, TickCounters, TICK_S,
};
use powerhook::workload::procfs::{parse_maps_libs, ProcDir};
use powerhook::workload::{AnalyzerOptions, PatternType, WorkloadAnalyzer};

/// CPU time of this thread, seconds.
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: ts is a valid out-pointer; CLOCK_THREAD_CPUTIME_ID exists on Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return f64::NAN;
    }
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

struct Row {
    name: String,
    processes: usize,
    busy: usize,
    cold_ms: f64,
    steady_ms: f64,
    steady_wall_ms: f64,
}

/// Scan `root` once cold, then `steady_scans` times with the clock and the counters moving on
/// between scans (written by `advance`, outside the measured time).
fn measure(
    name: &str,
    root: &Path,
    opts: AnalyzerOptions,
    steady_scans: usize,
    mut advance: impl FnMut(usize),
) -> Row {
    let mut an = WorkloadAnalyzer::with_options(root, opts);
    let c0 = thread_cpu();
    an.analyze();
    let cold = thread_cpu() - c0;
    let processes = an.last_stats().processes;
    // Warm-up scans (the first intervals), then the measured ones.
    let warm = 4;
    for k in 0..warm {
        advance(k + 1);
        an.analyze();
    }
    let (mut cpu, mut wall) = (0.0, 0.0);
    for k in 0..steady_scans {
        advance(warm + k + 1);
        let c0 = thread_cpu();
        let w0 = Instant::now();
        an.analyze();
        cpu += thread_cpu() - c0;
        wall += w0.elapsed().as_secs_f64();
    }
    let n = steady_scans as f64;
    Row {
        name: name.to_string(),
        processes,
        busy: an.last_stats().busy,
        cold_ms: cold * 1e3,
        steady_ms: cpu / n * 1e3,
        steady_wall_ms: wall / n * 1e3,
    }
}

/// Extend every process's series linearly to `n` ticks (same rates as its last interval).
fn extend(set: &mut FixtureSet, n: usize) {
    let step = |a: u64, b: u64| b.saturating_sub(a);
    while set.uptimes.len() < n {
        let k = set.uptimes.len();
        set.uptimes.push(set.uptimes[k - 1] + TICK_S);
    }
    for p in &mut set.procs {
        while p.ticks.len() < n {
            let k = p.ticks.len();
            let (a, b) = (p.ticks[k - 2], p.ticks[k - 1]);
            let pair = |x: Option<(u64, u64)>, y: Option<(u64, u64)>| match (x, y) {
                (Some(x), Some(y)) => Some((y.0 + step(x.0, y.0), y.1 + step(x.1, y.1))),
                _ => y,
            };
            p.ticks.push(TickCounters {
                cpu_ticks: b.cpu_ticks + step(a.cpu_ticks, b.cpu_ticks),
                ctx: pair(a.ctx, b.ctx),
                io: pair(a.io, b.io),
            });
        }
    }
}

/// Mean CPU microseconds to read and parse `maps` of each pid under `proc_dir`, through the
/// analyzer's own reader (`ProcDir`, files opened relative to the held directory).
fn maps_cost(proc_dir: &Path, limit: usize) -> (usize, f64) {
    let mut buf = Vec::new();
    let Ok(mut dir) = ProcDir::open(proc_dir) else {
        return (0, 0.0);
    };
    let mut pids = Vec::new();
    while let Some(pid) = dir.next_pid() {
        if pids.len() == limit {
            break;
        }
        pids.push(pid);
    }
    let c0 = thread_cpu();
    let mut n = 0;
    for &pid in &pids {
        if dir.read_into(pid, "maps", &mut buf).is_ok() {
            let libs = parse_maps_libs(&buf);
            std::hint::black_box(libs);
            n += 1;
        }
    }
    (n, (thread_cpu() - c0) / n.max(1) as f64 * 1e6)
}

fn subset(set: &FixtureSet, busy: usize, total: usize) -> FixtureSet {
    let (mut b, mut i): (Vec<&FixtureProcess>, Vec<&FixtureProcess>) =
        set.procs.iter().partition(|p| p.label != PatternType::Idle);
    // Spread the picks over the set so every template is represented.
    let step = |v: &Vec<&FixtureProcess>, n: usize| (v.len() / n.max(1)).max(1);
    let sb = step(&b, busy);
    b = b.into_iter().step_by(sb).take(busy).collect();
    let si = step(&i, total - b.len());
    i = i.into_iter().step_by(si).collect();
    let mut procs: Vec<FixtureProcess> = b.into_iter().cloned().collect();
    // Fewer idle fixtures than wanted: clone them under new pids.
    let mut next_pid = 100_000;
    while procs.len() < total {
        let mut p = i[procs.len() % i.len()].clone();
        p.pid = next_pid;
        next_pid += 1;
        procs.push(p);
    }
    FixtureSet {
        uptimes: set.uptimes.clone(),
        procs,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let set = FixtureSet::load(&committed_dir())?;
    let scans = 50;
    let mut rows = Vec::new();
    let mut maps_rows = Vec::new();
    for (name, busy) in [
        ("fake root, 500 processes, 25 busy (laptop)", 25),
        ("fake root, 500 processes, 80 busy (8 cores loaded)", 80),
        ("fake root, 500 processes, 400 busy (fixture mix)", 400),
        ("fake root, 500 processes, 500 busy", 500),
    ] {
        let dir = ScratchDir::new("bench")?;
        let mut s = subset(&set, busy, 500);
        extend(&mut s, scans + 8);
        s.materialize(dir.path(), 0)?;
        let root = dir.path().to_path_buf();
        rows.push(measure(name, dir.path(), fixture_options(), scans, |k| {
            if let Err(e) = s.advance(&root, k) {
                eprintln!("advance: {e}");
            }
        }));
        if busy == 500 {
            maps_rows.push(("fake root", maps_cost(&dir.path().join("proc"), 500)));
        }
    }
    let live = AnalyzerOptions {
        uid: None,
        ..AnalyzerOptions::default()
    };
    rows.push(measure(
        "live /proc, all users",
        Path::new("/"),
        live,
        10,
        |_| std::thread::sleep(std::time::Duration::from_millis(200)),
    ));
    maps_rows.push(("live /proc", maps_cost(Path::new("/proc"), 500)));
    // The live /proc again with enough sleeping children started here to make ~500 processes
    // (the kernel formats every file it is asked for, unlike a fake root).
    let have = rows.last().map(|r| r.processes).unwrap_or(0);
    let mut children = Vec::new();
    for _ in 0..500usize.saturating_sub(have) {
        match std::process::Command::new("sleep").arg("600").spawn() {
            Ok(c) => children.push(c),
            Err(e) => {
                eprintln!("could not start sleep: {e}");
                break;
            }
        }
    }
    let live = AnalyzerOptions {
        uid: None,
        ..AnalyzerOptions::default()
    };
    rows.push(measure(
        "live /proc + sleeping children, all users",
        Path::new("/"),
        live,
        10,
        |_| std::thread::sleep(std::time::Duration::from_millis(200)),
    ));
    maps_rows.push((
        "live /proc + sleeping children",
        maps_cost(Path::new("/proc"), 500),
    ));
    for mut c in children {
        let _ = c.kill();
        let _ = c.wait();
    }

    println!("\n| root | processes | busy | cold scan CPU ms | steady scan CPU ms | steady wall ms | steady CPU µs/process |");
    println!("|---|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.1} |",
            r.name,
            r.processes,
            r.busy,
            r.cold_ms,
            r.steady_ms,
            r.steady_wall_ms,
            r.steady_ms * 1e3 / r.processes.max(1) as f64
        );
    }
    println!("\n| maps read + parse | files | CPU µs per process |\n|---|---|---|");
    for (name, (n, us)) in &maps_rows {
        println!("| {name} | {n} | {us:.1} |");
    }
    let budget = 5.0;
    for r in rows.iter().take(4) {
        println!(
            "steady state, {}: {:.2} ms CPU per scan = {:.0}% of the {budget} ms budget",
            r.name,
            r.steady_ms,
            r.steady_ms / budget * 100.0
        );
    }
    Ok(())
}
