//! Top processes by CPU, from `/proc/PID/stat`, on a slower cadence than the tick.
//!
//! A scan reads every `/proc/PID/stat` once; CPU share is the change in `utime + stime`
//! between two scans over the wall time between them. A pid is matched across scans by its
//! start time, so a reused pid does not inherit another process's counters.

use crate::root::{ReadError, Root};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Read;
use std::time::Instant;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessCpu {
    pub pid: u32,
    pub name: String,
    /// Share of one core over the last scan interval (can exceed 100 for threaded work).
    pub cpu_percent: f64,
    pub threads: u32,
}

/// The fields of `/proc/PID/stat` the agent uses.
#[derive(Debug, Clone, PartialEq)]
pub struct StatLine<'a> {
    pub comm: &'a str,
    pub ticks: u64,
    pub threads: u32,
    pub start_time: u64,
}

/// Parse `/proc/PID/stat`: the comm is inside the first `(` and the last `)`, it may hold
/// spaces and parentheses.
pub fn parse_stat(text: &str) -> Option<StatLine<'_>> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    if close < open {
        return None;
    }
    let comm = &text[open + 1..close];
    let mut f = text[close + 1..].split_ascii_whitespace();
    // Fields after the comm start at field 3 (state); utime is field 14.
    let utime: u64 = f.nth(11)?.parse().ok()?;
    let stime: u64 = f.next()?.parse().ok()?;
    let threads: u32 = f.nth(4)?.parse().ok()?;
    let start_time: u64 = f.nth(1)?.parse().ok()?;
    Some(StatLine {
        comm,
        ticks: utime.saturating_add(stime),
        threads,
        start_time,
    })
}

pub struct ProcessScanner {
    root: Root,
    prev: HashMap<u32, (u64, u64)>,
    prev_at: Option<Instant>,
    ticks_per_sec: f64,
    buf: String,
}

impl ProcessScanner {
    pub fn new(root: Root) -> Self {
        // SAFETY: sysconf has no preconditions; it returns -1 on error.
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        ProcessScanner {
            root,
            prev: HashMap::new(),
            prev_at: None,
            ticks_per_sec: if hz > 0 { hz as f64 } else { 100.0 },
            buf: String::with_capacity(512),
        }
    }

    /// Scan all processes; the top `n` by CPU since the previous scan (empty on the first).
    /// A process that vanishes mid-scan is skipped; an unreadable `/proc` is an error.
    pub fn scan(&mut self, n: usize) -> Result<Vec<ProcessCpu>, ReadError> {
        let proc_dir = self.root.path("proc");
        let entries = std::fs::read_dir(&proc_dir)
            .map_err(|e| ReadError::new(&proc_dir, format!("cannot list: {e}")))?;
        let now = Instant::now();
        let elapsed = self
            .prev_at
            .map(|t| now.duration_since(t).as_secs_f64())
            .filter(|s| *s > 0.0);
        let mut seen = HashMap::with_capacity(self.prev.len().max(64));
        let mut top: Vec<ProcessCpu> = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(pid) = name.to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            self.buf.clear();
            let path = entry.path().join("stat");
            let Ok(mut file) = std::fs::File::open(&path) else {
                continue;
            };
            if file
                .by_ref()
                .take(4096)
                .read_to_string(&mut self.buf)
                .is_err()
            {
                continue;
            }
            let Some(stat) = parse_stat(&self.buf) else {
                continue;
            };
            seen.insert(pid, (stat.start_time, stat.ticks));
            let (Some(secs), Some(&(start, before))) = (elapsed, self.prev.get(&pid)) else {
                continue;
            };
            if start != stat.start_time || stat.ticks <= before {
                continue;
            }
            let pct = 100.0 * (stat.ticks - before) as f64 / self.ticks_per_sec / secs;
            if top.len() < n || top.last().is_some_and(|l| pct > l.cpu_percent) {
                top.push(ProcessCpu {
                    pid,
                    name: stat.comm.to_string(),
                    cpu_percent: pct,
                    threads: stat.threads,
                });
                top.sort_by(|a, b| b.cpu_percent.total_cmp(&a.cpu_percent));
                top.truncate(n);
            }
        }
        self.prev = seen;
        self.prev_at = Some(now);
        Ok(top)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comm_with_spaces_and_parens() {
        let line = "42 (Web (Content) 1) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 7 0 12345 1000 10 18446744073709551615";
        let s = parse_stat(line).unwrap();
        assert_eq!(s.comm, "Web (Content) 1");
        assert_eq!(s.ticks, 300);
        assert_eq!(s.threads, 7);
        assert_eq!(s.start_time, 12345);
        assert!(parse_stat("42 (x) S 1 2").is_none());
        assert!(parse_stat("").is_none());
        assert!(parse_stat(")( garbage").is_none());
    }
}
