//! Memory and swap from `/proc/meminfo`.

use crate::root::{parse_field, ReadError, Root};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemoryUsage {
    /// (total − available) / total, 0–100.
    pub used_percent: f64,
    pub total_bytes: u64,
    pub available_bytes: u64,
    /// 0–100; 0 when there is no swap.
    pub swap_used_percent: f64,
    pub swap_total_bytes: u64,
}

pub fn read(root: &Root) -> Result<MemoryUsage, ReadError> {
    let path = root.path("proc/meminfo");
    let text = crate::root::read_text(&path)?;
    parse(&text, &path)
}

pub fn parse(text: &str, path: &std::path::Path) -> Result<MemoryUsage, ReadError> {
    let get = |key: &str| -> Result<Option<u64>, ReadError> {
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix(key).and_then(|r| r.strip_prefix(':')) {
                let num = rest.trim().trim_end_matches("kB").trim();
                let kib: u64 = parse_field(path, key, num)?;
                return Ok(Some(kib.saturating_mul(1024)));
            }
        }
        Ok(None)
    };
    let total = get("MemTotal")?.ok_or_else(|| ReadError::new(path, "no MemTotal"))?;
    let available = match get("MemAvailable")? {
        Some(a) => a,
        // Kernels before 3.14: free + buffers + cached is the usual estimate.
        None => {
            get("MemFree")?.unwrap_or(0)
                + get("Buffers")?.unwrap_or(0)
                + get("Cached")?.unwrap_or(0)
        }
    };
    if total == 0 {
        return Err(ReadError::new(path, "MemTotal is 0"));
    }
    let swap_total = get("SwapTotal")?.unwrap_or(0);
    let swap_free = get("SwapFree")?.unwrap_or(0).min(swap_total);
    let available = available.min(total);
    Ok(MemoryUsage {
        used_percent: 100.0 * (total - available) as f64 / total as f64,
        total_bytes: total,
        available_bytes: available,
        swap_used_percent: if swap_total == 0 {
            0.0
        } else {
            100.0 * (swap_total - swap_free) as f64 / swap_total as f64
        },
        swap_total_bytes: swap_total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn used_is_total_minus_available() {
        let m = parse("MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 250 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n", Path::new("m")).unwrap();
        assert_eq!(m.used_percent, 75.0);
        assert_eq!(m.swap_used_percent, 0.0);
        assert!(parse("", Path::new("m")).is_err());
        assert!(parse("MemTotal: lots kB\n", Path::new("m")).is_err());
    }
}
