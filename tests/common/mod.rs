//! Helpers for the workload integration tests: hand-written fake `/proc/PID` entries.
#![allow(dead_code)]

use std::path::Path;

/// One hand-written process.
pub struct FakeProc<'a> {
    pub pid: u32,
    pub comm: &'a str,
    pub argv: &'a [&'a str],
    pub libs: &'a [&'a str],
    pub threads: u64,
    pub rss_kib: u64,
    /// Start time after boot, seconds.
    pub start_s: f64,
    pub uid: u32,
}

/// Write `proc/uptime`.
pub fn write_uptime(root: &Path, up: f64) {
    std::fs::create_dir_all(root.join("proc")).expect("mkdir proc");
    std::fs::write(root.join("proc/uptime"), format!("{up:.2} 0.00\n")).expect("uptime");
}

/// Write `proc/PID/{stat,status,cmdline,maps,io}` with `cpu_s` seconds of CPU used so far
/// (clock 100 Hz) and the given context-switch counters.
pub fn write_proc(
    root: &Path,
    p: &FakeProc<'_>,
    cpu_s: f64,
    ctx: (u64, u64),
    io: Option<(u64, u64)>,
) {
    let d = root.join("proc").join(p.pid.to_string());
    std::fs::create_dir_all(&d).expect("mkdir pid");
    let ticks = (cpu_s * 100.0) as u64;
    let start = (p.start_s * 100.0) as u64;
    std::fs::write(
        d.join("stat"),
        format!(
            "{} ({}) R 1 1 1 0 -1 0 0 0 0 0 {} 0 0 0 20 0 {} 0 {} 100000 {} 0\n",
            p.pid,
            p.comm,
            ticks,
            p.threads,
            start,
            p.rss_kib / 4
        ),
    )
    .expect("stat");
    std::fs::write(
        d.join("status"),
        format!(
            "Name:\t{}\nUid:\t{u}\t{u}\t{u}\t{u}\nVmRSS:\t{} kB\nThreads:\t{}\nvoluntary_ctxt_switches:\t{}\nnonvoluntary_ctxt_switches:\t{}\n",
            p.comm, p.rss_kib, p.threads, ctx.0, ctx.1, u = p.uid
        ),
    )
    .expect("status");
    let mut cmd = Vec::new();
    for a in p.argv {
        cmd.extend_from_slice(a.as_bytes());
        cmd.push(0);
    }
    std::fs::write(d.join("cmdline"), cmd).expect("cmdline");
    let mut maps = String::new();
    for (i, l) in p.libs.iter().enumerate() {
        maps.push_str(&format!(
            "7f{:010x}-7f{:010x} r-xp 00000000 08:02 {} {}\n",
            i * 0x10000,
            i * 0x10000 + 0x1000,
            1000 + i,
            l
        ));
    }
    std::fs::write(d.join("maps"), maps).expect("maps");
    if let Some((r, w)) = io {
        std::fs::write(d.join("io"), format!("read_bytes: {r}\nwrite_bytes: {w}\n")).expect("io");
    }
}
