//! Benchmark baseline for `bench/agent-overhead`: reads the same files as the agent's tick,
//! at the same cadence, and does nothing else (no parsing, no decisions, no database).
//!
//! Usage: read_baseline INTERVAL_MS TICKS SCAN_EVERY_MS

use std::io::Read;
use std::time::{Duration, Instant};

fn slurp(path: &std::path::Path, buf: &mut Vec<u8>) {
    buf.clear();
    if let Ok(mut f) = std::fs::File::open(path) {
        let _ = f.read_to_end(buf);
    }
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let (interval, ticks, scan_every) = match args.as_slice() {
        [i, t, s] => (Duration::from_millis(*i), *t, Duration::from_millis(*s)),
        _ => {
            eprintln!("usage: read_baseline INTERVAL_MS TICKS SCAN_EVERY_MS");
            std::process::exit(2);
        }
    };
    let files = [
        "/proc/stat",
        "/proc/meminfo",
        "/proc/loadavg",
        "/proc/pressure/cpu",
        "/proc/pressure/memory",
        "/proc/pressure/io",
        "/sys/firmware/acpi/platform_profile",
    ];
    let mut buf = Vec::with_capacity(16 << 10);
    let mut deadline = Instant::now() + interval;
    let mut last_scan = Instant::now();
    for _ in 0..ticks {
        std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
        for f in files {
            slurp(std::path::Path::new(f), &mut buf);
        }
        if last_scan.elapsed() >= scan_every {
            last_scan = Instant::now();
            if let Ok(dir) = std::fs::read_dir("/proc") {
                for e in dir.flatten() {
                    if e.file_name()
                        .to_str()
                        .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
                    {
                        slurp(&e.path().join("stat"), &mut buf);
                    }
                }
            }
        }
        deadline += interval;
    }
}
