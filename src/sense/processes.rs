//! Top processes by CPU, from `/proc/PID/stat`, on a slower cadence than the tick.
//!
//! A scan reads every `/proc/PID/stat` once; CPU share is the change in `utime + stime`
//! between two scans over the wall time between them. A pid is matched across scans by its
//! start time, so a reused pid does not inherit another process's counters.

use crate::root::{ReadError, Root};
use crate::workload::procfs::{clock_ticks_per_second, parse_stat_with, PidHash, ProcDir};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

/// The most of one `stat` file a scan reads (the kernel's line is a few hundred bytes).
const STAT_MAX: usize = 4096;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessCpu {
    pub pid: u32,
    pub name: String,
    /// Share of one core over the last scan interval (can exceed 100 for threaded work).
    pub cpu_percent: f64,
    pub threads: u32,
}

pub struct ProcessScanner {
    root: Root,
    /// `(starttime, cpu_ticks)` by pid, from the previous scan.
    prev: HashMap<u32, (u64, u64), PidHash>,
    /// This scan's map, kept between scans so its room is reused.
    seen: HashMap<u32, (u64, u64), PidHash>,
    prev_at: Option<Instant>,
    ticks_per_sec: f64,
    buf: Vec<u8>,
    /// Reused for each process's name while scanning.
    comm: String,
}

impl ProcessScanner {
    pub fn new(root: Root) -> Self {
        ProcessScanner {
            root,
            prev: HashMap::default(),
            seen: HashMap::default(),
            prev_at: None,
            ticks_per_sec: clock_ticks_per_second(),
            buf: Vec::with_capacity(512),
            comm: String::new(),
        }
    }

    /// Scan all processes; the top `n` by CPU since the previous scan (empty on the first).
    /// A process that vanishes mid-scan is skipped; an unreadable `/proc` is an error.
    pub fn scan(&mut self, n: usize) -> Result<Vec<ProcessCpu>, ReadError> {
        let proc_dir = self.root.path("proc");
        let mut dir = ProcDir::open(&proc_dir)
            .map_err(|e| ReadError::new(&proc_dir, format!("cannot list: {e}")))?;
        let now = Instant::now();
        let elapsed = self
            .prev_at
            .map(|t| now.duration_since(t).as_secs_f64())
            .filter(|s| *s > 0.0);
        self.seen.clear();
        let mut top: Vec<ProcessCpu> = Vec::new();
        while let Some(pid) = dir.next_pid() {
            if dir
                .read_small_capped(pid, "stat", &mut self.buf, STAT_MAX)
                .is_err()
            {
                continue;
            }
            let comm = std::mem::take(&mut self.comm);
            let Ok(stat) = parse_stat_with(&self.buf, Path::new("stat"), comm) else {
                continue;
            };
            self.seen.insert(pid, (stat.starttime, stat.cpu_ticks));
            let pct = match (elapsed, self.prev.get(&pid)) {
                (Some(secs), Some(&(start, before)))
                    if start == stat.starttime && stat.cpu_ticks > before =>
                {
                    100.0 * (stat.cpu_ticks - before) as f64 / self.ticks_per_sec / secs
                }
                _ => 0.0,
            };
            if pct > 0.0 && (top.len() < n || top.last().is_some_and(|l| pct > l.cpu_percent)) {
                top.push(ProcessCpu {
                    pid,
                    name: stat.comm,
                    cpu_percent: pct,
                    threads: u32::try_from(stat.num_threads).unwrap_or(u32::MAX),
                });
                top.sort_by(|a, b| b.cpu_percent.total_cmp(&a.cpu_percent));
                top.truncate(n);
            } else {
                // Keep the name's buffer for the next process.
                self.comm = stat.comm;
            }
        }
        std::mem::swap(&mut self.prev, &mut self.seen);
        self.prev_at = Some(now);
        Ok(top)
    }
}

#[cfg(test)]
mod tests {
    use crate::workload::procfs::parse_stat;
    use std::path::Path;

    #[test]
    fn comm_with_spaces_and_parens() {
        let p = Path::new("stat");
        let line = "42 (Web (Content) 1) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 7 0 12345 1000 10 18446744073709551615";
        let s = parse_stat(line.as_bytes(), p).unwrap();
        assert_eq!(s.comm, "Web (Content) 1");
        assert_eq!(s.cpu_ticks, 300);
        assert_eq!(s.num_threads, 7);
        assert_eq!(s.starttime, 12345);
        assert!(parse_stat(b"42 (x) S 1 2", p).is_err());
        assert!(parse_stat(b"", p).is_err());
        assert!(parse_stat(b")( garbage", p).is_err());
    }
}
