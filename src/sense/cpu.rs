//! CPU utilization from `/proc/stat`, total and per core, as deltas between two reads.

use crate::root::{parse_field, ReadError, Root};
use serde::Serialize;

/// Jiffies of one `cpu` line.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CpuTimes {
    pub busy: u64,
    pub total: u64,
}

/// `cpu` (total) then `cpu0..` from `/proc/stat`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CpuSnapshot {
    pub total: CpuTimes,
    pub cores: Vec<CpuTimes>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CpuUsage {
    /// 0–100, all cores.
    pub total_percent: f64,
    pub per_core_percent: Vec<f64>,
}

pub fn read(root: &Root) -> Result<CpuSnapshot, ReadError> {
    let path = root.path("proc/stat");
    let text = crate::root::read_text(&path)?;
    parse(&text, &path)
}

pub fn parse(text: &str, path: &std::path::Path) -> Result<CpuSnapshot, ReadError> {
    let mut snap = CpuSnapshot::default();
    let mut saw_total = false;
    for line in text.lines() {
        let mut fields = line.split_ascii_whitespace();
        let Some(name) = fields.next() else { continue };
        if !name.starts_with("cpu") {
            continue;
        }
        let mut v = [0u64; 8];
        let mut n = 0;
        for (slot, f) in v.iter_mut().zip(&mut fields) {
            *slot = parse_field(path, name, f)?;
            n += 1;
        }
        if n < 4 {
            return Err(ReadError::new(
                path,
                format!("{name}: expected at least 4 counters, found {n}"),
            ));
        }
        // user nice system idle iowait irq softirq steal; guest is already in user.
        let idle = v[3] + v[4];
        let total = v.iter().fold(0u64, |a, b| a.saturating_add(*b));
        let t = CpuTimes {
            busy: total.saturating_sub(idle),
            total,
        };
        if name == "cpu" {
            snap.total = t;
            saw_total = true;
        } else {
            snap.cores.push(t);
        }
    }
    if !saw_total {
        return Err(ReadError::new(path, "no `cpu` line"));
    }
    Ok(snap)
}

fn percent(prev: CpuTimes, now: CpuTimes) -> f64 {
    let total = now.total.saturating_sub(prev.total);
    if total == 0 {
        return 0.0;
    }
    let busy = now.busy.saturating_sub(prev.busy).min(total);
    100.0 * busy as f64 / total as f64
}

/// Utilization between two snapshots; `None` when the counters did not move forward
/// (nothing can be said yet) or the core count changed.
pub fn usage(prev: &CpuSnapshot, now: &CpuSnapshot) -> Option<CpuUsage> {
    if now.total.total <= prev.total.total {
        return None;
    }
    let per_core = if prev.cores.len() == now.cores.len() {
        prev.cores
            .iter()
            .zip(&now.cores)
            .map(|(a, b)| percent(*a, *b))
            .collect()
    } else {
        Vec::new()
    };
    Some(CpuUsage {
        total_percent: percent(prev.total, now.total),
        per_core_percent: per_core,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn utilization_is_busy_over_total() {
        let p = Path::new("stat");
        let a = parse(
            "cpu 100 0 100 800 0 0 0 0 0 0\ncpu0 50 0 50 400 0\ncpu1 50 0 50 400 0\n",
            p,
        )
        .unwrap();
        let b = parse(
            "cpu 200 0 200 1400 200 0 0 0 0 0\ncpu0 150 0 50 400 0\ncpu1 50 0 150 1000 200\n",
            p,
        )
        .unwrap();
        let u = usage(&a, &b).unwrap();
        assert!((u.total_percent - 20.0).abs() < 1e-9, "{u:?}");
        assert_eq!(u.per_core_percent, vec![100.0, 100.0 * 100.0 / 900.0]);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let p = Path::new("stat");
        assert!(parse("", p).is_err());
        assert!(parse("cpu x y z w\n", p)
            .unwrap_err()
            .reason
            .contains("not a number"));
        assert!(parse("cpu 1 2\n", p).is_err());
        assert!(parse(&format!("cpu {} 1 1 1\n", "9".repeat(40)), p).is_err());
    }
}
