//! `powerhook status`: one sample, the triggers it would fire, and the strategy the seed's
//! logic would pick now, judged on that one sample without hysteresis. No side effects: the
//! database is only read, and only if it exists.

use crate::agent::{frugal_reason, AgentState};
use crate::config::Config;
use crate::root::Root;
use crate::sense::{Sample, Sensor};
use crate::store::{Store, StoreCounts};
use crate::strategy::{decide, Strategy};
use crate::trigger::{judge_instant, Signal};
use crate::workload::WorkloadPatterns;
use serde::Serialize;
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Serialize)]
pub struct ActiveTrigger {
    pub signal: Signal,
    pub trigger_type: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Frugal {
    pub active: bool,
    pub reason: Option<String>,
    /// The tick the agent uses in this state.
    pub tick_ms: u64,
    pub process_scan_ms: u64,
}

/// Where sync stands: configured or why not, and the outbox.
#[derive(Debug, Clone, Serialize)]
pub struct SyncStatus {
    pub configured: bool,
    /// Why sync is off, when it is.
    pub off_reason: Option<String>,
    /// Pending / synced / quarantined rows and the last error; `None` before the first run.
    pub outbox: Option<crate::sync::OutboxCounts>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    pub sample: Sample,
    pub active_triggers: Vec<ActiveTrigger>,
    pub strategy: Strategy,
    pub workload: WorkloadPatterns,
    /// The analyzer's verdicts for the busy processes of its last scan.
    pub workload_processes: Vec<crate::workload::ProcessVerdict>,
    pub frugal: Frugal,
    pub next_scheduled: Option<String>,
    /// The agent's own report, when one has run on this data dir.
    pub agent: Option<AgentState>,
    pub store: Option<StoreCounts>,
    pub sync: SyncStatus,
    /// The config file's error, when it does not parse (status then judges with defaults).
    pub config_error: Option<String>,
}

/// Timer wake-up latency, the quantity the agent measures on each tick: the largest
/// overshoot of three 20 ms sleeps.
pub fn latency_probe() -> f64 {
    (0..3)
        .map(|_| {
            let want = Duration::from_millis(20);
            let t = Instant::now();
            std::thread::sleep(want);
            t.elapsed().saturating_sub(want).as_secs_f64() * 1000.0
        })
        .fold(0.0, f64::max)
}

pub fn collect(
    config: &Config,
    config_error: Option<String>,
    root: Root,
    data_dir: &Path,
) -> StatusReport {
    let mut analyzer = crate::workload::WorkloadAnalyzer::new(root.as_path());
    let mut sensor = Sensor::new(root, config.sampling.top_processes);
    sensor.prime();
    // Two scans: the analyzer judges sustained CPU share between them.
    analyzer.analyze();
    std::thread::sleep(Duration::from_millis(200));
    let latency = latency_probe();
    let sample = sensor.sample(Some(latency), true);
    let patterns = analyzer.analyze();
    let workload_processes: Vec<crate::workload::ProcessVerdict> = analyzer
        .last_scan()
        .iter()
        .filter(|v| v.class != crate::workload::PatternType::Idle)
        .take(10)
        .cloned()
        .collect();
    let (active, conditions) = judge_instant(&sample, &patterns, config);
    let strategy = decide(&conditions);
    let reason = frugal_reason(&sample, config);
    let s = &config.sampling;
    let (tick, scan) = s.cadence(s.interval.0 .0, reason.is_some());
    let frugal = Frugal {
        active: reason.is_some(),
        tick_ms: tick.as_millis() as u64,
        process_scan_ms: scan.as_millis() as u64,
        reason,
    };
    let (agent, store, outbox) = match Store::open_read_only(&crate::store::db_path(data_dir)) {
        Ok(Some(st)) => {
            let agent = st
                .meta("agent")
                .ok()
                .flatten()
                .and_then(|j| serde_json::from_str(&j).ok());
            (
                agent,
                st.counts().ok(),
                crate::sync::outbox_counts(st.connection()).ok(),
            )
        }
        _ => (None, None, None),
    };
    let off_reason = crate::sync::readiness(&config.sync, data_dir).err();
    let sync = SyncStatus {
        configured: off_reason.is_none(),
        off_reason,
        outbox,
    };
    StatusReport {
        active_triggers: active
            .into_iter()
            .map(|s| ActiveTrigger {
                signal: s,
                trigger_type: s.trigger_type(),
            })
            .collect(),
        strategy,
        workload: patterns,
        workload_processes,
        frugal,
        next_scheduled: config
            .triggers
            .next_scheduled(&chrono::Local::now())
            .map(|t| t.to_rfc3339()),
        agent,
        store,
        sync,
        config_error,
        sample,
    }
}

fn opt(v: Option<f64>, unit: &str) -> String {
    v.map(|v| format!("{v:.1}{unit}"))
        .unwrap_or_else(|| "n/a".into())
}

/// The human form of a status report.
pub fn render(r: &StatusReport) -> String {
    use std::fmt::Write;
    let s = &r.sample;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "cpu        {}  (load {})",
        opt(s.cpu_percent(), "%"),
        opt(s.load.as_ref().map(|l| l.one), "")
    );
    let _ = writeln!(
        o,
        "memory     {}  (swap {})",
        opt(s.memory_percent(), "%"),
        opt(s.memory.as_ref().map(|m| m.swap_used_percent), "%")
    );
    let _ = writeln!(
        o,
        "latency    {}  (timer wake-up delay)",
        opt(s.latency_ms, " ms")
    );
    match &s.battery {
        Some(b) => {
            let _ = writeln!(
                o,
                "battery    {:.0}% {:?}, draw {}, to empty {} [{}]",
                b.percent,
                b.state,
                opt(b.power_w, " W"),
                b.time_to_empty_s
                    .map(|t| format!("{}m", t / 60))
                    .unwrap_or_else(|| "n/a".into()),
                b.source
            );
        }
        None => {
            let _ = writeln!(o, "battery    none");
        }
    }
    let ac = match s.ac_online {
        Some(true) => "online",
        Some(false) => "offline",
        None => "unknown",
    };
    let _ = writeln!(o, "ac         {ac}");
    match &s.power_mode {
        Some(p) => {
            let _ = writeln!(o, "power mode {} [{}]", p.profile, p.source);
        }
        None => {
            let _ = writeln!(o, "power mode unknown");
        }
    }
    let _ = writeln!(
        o,
        "gpu        {}",
        if s.gpu.present { "present" } else { "none" }
    );
    if !s.top_processes.is_empty() {
        let top: Vec<String> = s
            .top_processes
            .iter()
            .map(|p| format!("{} ({}) {:.0}%", p.name, p.pid, p.cpu_percent))
            .collect();
        let _ = writeln!(o, "top        {}", top.join(", "));
    }
    match (&r.workload.pattern_type, &r.workload.process) {
        (Some(t), Some(p)) => {
            let _ = writeln!(
                o,
                "workload   {} in {} ({}), confidence {:.2}",
                t.as_str(),
                p.name,
                p.pid,
                r.workload.confidence_score
            );
        }
        _ => {
            let _ = writeln!(o, "workload   no pattern");
        }
    }
    let triggers: Vec<&str> = r
        .active_triggers
        .iter()
        .map(|t| t.signal.as_str())
        .collect();
    let _ = writeln!(
        o,
        "triggers   {}",
        if triggers.is_empty() {
            "none".to_string()
        } else {
            triggers.join(", ")
        }
    );
    let st = &r.strategy;
    if st.should_optimize {
        let _ = writeln!(
            o,
            "strategy   {} on {} ({}): {}",
            st.optimization_type.map(|t| t.as_str()).unwrap_or("?"),
            st.target_engine.map(|e| e.as_str()).unwrap_or("?"),
            st.priority.map(|p| p.as_str()).unwrap_or("?"),
            st.reason
        );
    } else {
        let _ = writeln!(o, "strategy   no optimization: {}", st.reason);
    }
    match &r.frugal.reason {
        Some(why) => {
            let _ = writeln!(
                o,
                "agent      backs off: {why} (tick {} ms, process scan {} ms)",
                r.frugal.tick_ms, r.frugal.process_scan_ms
            );
        }
        None => {
            let _ = writeln!(
                o,
                "agent      normal cadence (tick {} ms)",
                r.frugal.tick_ms
            );
        }
    }
    if let Some(a) = &r.agent {
        let _ = writeln!(
            o,
            "daemon     {} (pid {}, mode {}, since {})",
            if a.running { "running" } else { "stopped" },
            a.pid,
            a.mode,
            a.started_at
        );
        if let Some(e) = &a.config_error {
            let _ = writeln!(
                o,
                "           config reload failed, last good config kept: {e}"
            );
        }
    }
    let pending = r.sync.outbox.as_ref();
    let counts = pending
        .map(|c| {
            format!(
                "{} pending, {} synced, {} quarantined",
                c.pending, c.synced, c.quarantined
            )
        })
        .unwrap_or_else(|| "no database yet".into());
    match &r.sync.off_reason {
        None => {
            let _ = writeln!(o, "sync       on: {counts}");
        }
        Some(why) => {
            let _ = writeln!(o, "sync       off ({why}): {counts}");
        }
    }
    if let Some(e) = pending.and_then(|c| c.last_error.as_ref()) {
        let _ = writeln!(o, "           last sync error: {e}");
    }
    if let Some(e) = &r.config_error {
        let _ = writeln!(o, "config     error, judged with default thresholds: {e}");
    }
    if let Some(n) = &r.next_scheduled {
        let _ = writeln!(o, "scheduled  next {n}");
    }
    for e in &s.errors {
        let _ = writeln!(o, "error      {}: {}", e.reading, e.message);
    }
    o
}
