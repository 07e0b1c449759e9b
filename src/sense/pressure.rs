//! Load average (`/proc/loadavg`) and pressure stall information (`/proc/pressure/*`).

use crate::root::{parse_field, ReadError, Root};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadAverage {
    pub one: f64,
    pub five: f64,
    pub fifteen: f64,
}

pub fn read_load(root: &Root) -> Result<LoadAverage, ReadError> {
    let path = root.path("proc/loadavg");
    let text = crate::root::read_text(&path)?;
    let mut f = text.split_ascii_whitespace();
    let mut next = |what: &str| -> Result<f64, ReadError> {
        let v = f
            .next()
            .ok_or_else(|| ReadError::new(&path, format!("{what} missing")))?;
        parse_field(&path, what, v)
    };
    Ok(LoadAverage {
        one: next("1-minute load")?,
        five: next("5-minute load")?,
        fifteen: next("15-minute load")?,
    })
}

/// One resource's pressure: share of the last 10 s some (or all) tasks stalled, 0–100.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PressureLine {
    pub some_avg10: f64,
    pub full_avg10: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Pressure {
    pub cpu: Option<PressureLine>,
    pub memory: Option<PressureLine>,
    pub io: Option<PressureLine>,
}

/// `None` for a resource whose file is absent (kernels without PSI); an error for one that is
/// there but unreadable.
pub fn read_pressure(root: &Root) -> (Option<Pressure>, Vec<ReadError>) {
    let mut p = Pressure::default();
    let mut errors = Vec::new();
    let mut any = false;
    for (name, slot) in [
        ("cpu", &mut p.cpu),
        ("memory", &mut p.memory),
        ("io", &mut p.io),
    ] {
        let path = root.path(format!("proc/pressure/{name}"));
        match crate::root::read_text(&path).and_then(|t| parse_line(&t, &path)) {
            Ok(line) => {
                *slot = Some(line);
                any = true;
            }
            Err(e) if e.is_missing() => {}
            Err(e) => errors.push(e),
        }
    }
    (any.then_some(p), errors)
}

fn parse_line(text: &str, path: &std::path::Path) -> Result<PressureLine, ReadError> {
    let avg10 = |kind: &str| -> Result<Option<f64>, ReadError> {
        let Some(line) = text.lines().find(|l| l.starts_with(kind)) else {
            return Ok(None);
        };
        let v = line
            .split_ascii_whitespace()
            .find_map(|f| f.strip_prefix("avg10="))
            .ok_or_else(|| ReadError::new(path, format!("`{kind}` line has no avg10")))?;
        parse_field(path, "avg10", v).map(Some)
    };
    let some = avg10("some")?.ok_or_else(|| ReadError::new(path, "no `some` line"))?;
    Ok(PressureLine {
        some_avg10: some,
        full_avg10: avg10("full")?,
    })
}
