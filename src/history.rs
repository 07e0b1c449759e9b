//! `powerhook history`: recorded passes and per-minute metrics as a table, JSON or CSV.

use crate::store::{HookExecution, MetricsRow};
use std::fmt::Write;

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut out = header.join(",");
    out.push('\n');
    for r in rows {
        let line: Vec<String> = r.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

pub fn render_passes(
    rows: &[HookExecution],
    json: bool,
    as_csv: bool,
) -> Result<String, serde_json::Error> {
    if json {
        return Ok(serde_json::to_string_pretty(rows)? + "\n");
    }
    let cells = |h: &HookExecution| {
        vec![
            h.started_at.clone(),
            h.trigger_type.clone(),
            h.optimization_type.clone().unwrap_or_else(|| "none".into()),
            h.target_engine.clone().unwrap_or_else(|| "-".into()),
            h.outcome.clone(),
            h.reason.clone(),
        ]
    };
    let header = [
        "started_at",
        "trigger_type",
        "optimization_type",
        "target_engine",
        "outcome",
        "reason",
    ];
    if as_csv {
        return Ok(csv(&header, rows.iter().map(cells)));
    }
    let mut out = String::new();
    if rows.is_empty() {
        out.push_str("no hook passes in that window\n");
        return Ok(out);
    }
    let _ = writeln!(
        out,
        "{:<24}  {:<24}  {:<22}  {:<12}  {:<18}  reason",
        header[0], header[1], header[2], header[3], header[4]
    );
    for r in rows {
        let c = cells(r);
        let _ = writeln!(
            out,
            "{:<24}  {:<24}  {:<22}  {:<12}  {:<18}  {}",
            c[0], c[1], c[2], c[3], c[4], c[5]
        );
    }
    Ok(out)
}

pub fn render_metrics(
    rows: &[MetricsRow],
    json: bool,
    as_csv: bool,
) -> Result<String, serde_json::Error> {
    if json {
        return Ok(serde_json::to_string_pretty(rows)? + "\n");
    }
    let f = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_default();
    let cells = |m: &MetricsRow| {
        vec![
            m.created_at.clone(),
            m.kind.clone(),
            format!("{:.2}", m.latency_ms),
            format!("{:.2}", m.cpu_utilization_percent),
            format!("{:.2}", m.memory_usage_percent),
            f(m.energy_consumption_mw),
            m.sample_count.to_string(),
        ]
    };
    let header = [
        "created_at",
        "kind",
        "latency_ms",
        "cpu_utilization_percent",
        "memory_usage_percent",
        "energy_consumption_mw",
        "samples",
    ];
    if as_csv {
        return Ok(csv(&header, rows.iter().map(cells)));
    }
    let mut out = String::new();
    if rows.is_empty() {
        out.push_str("no metrics in that window\n");
        return Ok(out);
    }
    let _ = writeln!(
        out,
        "{:<24}  {:<7}  {:>10}  {:>6}  {:>7}  {:>10}  {:>7}",
        "created_at", "kind", "latency_ms", "cpu_%", "memory_%", "energy_mW", "samples"
    );
    for m in rows {
        let c = cells(m);
        let _ = writeln!(
            out,
            "{:<24}  {:<7}  {:>10}  {:>6}  {:>7}  {:>10}  {:>7}",
            c[0], c[1], c[2], c[3], c[4], c[5], c[6]
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn csv_quotes_separators_quotes_and_line_breaks() {
        assert_eq!(super::csv_field("plain"), "plain");
        assert_eq!(super::csv_field("a,b"), "\"a,b\"");
        assert_eq!(super::csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(super::csv_field("a\nb"), "\"a\nb\"");
        assert_eq!(super::csv_field("a\rb"), "\"a\rb\"");
    }
}
