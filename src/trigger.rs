//! The detect stage: the seed's four triggers, with hysteresis.
//!
//! A threshold signal (latency, CPU, memory, low battery, workload pattern, power mode)
//! *fires* after `fire_after` consecutive ticks past its threshold and *clears* after
//! `clear_after` consecutive ticks back past the threshold moved by `margin` (a share of the
//! threshold: with CPU 70 % and a 10 % margin it clears under 63 %). A value that hovers at
//! the threshold therefore fires once, not every tick. A value that cannot be read counts as
//! "not past". The schedule fires once per cron time, without hysteresis.

use crate::config::{Config, PowerModeTrigger};
use crate::sense::Sample;
use crate::strategy::Conditions;
use crate::workload::{PatternType, WorkloadPatterns};
use chrono::{DateTime, Local};
use serde::Serialize;

/// One signal a trigger watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    Latency,
    WorkloadPattern,
    LowBattery,
    Cpu,
    Memory,
    PowerSaver,
    Schedule,
}

impl Signal {
    pub const ALL: [Signal; 7] = [
        Signal::Latency,
        Signal::WorkloadPattern,
        Signal::LowBattery,
        Signal::Cpu,
        Signal::Memory,
        Signal::PowerSaver,
        Signal::Schedule,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Latency => "latency",
            Signal::WorkloadPattern => "workload_pattern",
            Signal::LowBattery => "low_battery",
            Signal::Cpu => "cpu",
            Signal::Memory => "memory",
            Signal::PowerSaver => "power_saver",
            Signal::Schedule => "schedule",
        }
    }

    /// The seed's trigger name for this signal (`trigger_type` in the tables).
    pub fn trigger_type(self) -> &'static str {
        match self {
            Signal::Latency | Signal::Cpu | Signal::Memory => "on_performance_threshold",
            Signal::WorkloadPattern => "on_workload_pattern",
            Signal::LowBattery | Signal::PowerSaver => "on_energy_constraint",
            Signal::Schedule => "scheduled",
        }
    }
}

/// Where a signal stands against its threshold on one tick.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Reading {
    /// Past the threshold: (value, threshold).
    Past(f64, f64),
    /// Within, but not yet past the clear margin.
    Near,
    /// Back past the clear margin, or unreadable.
    Clear,
}

/// Compare every threshold signal of one sample with the config (no hysteresis).
fn readings(
    sample: &Sample,
    patterns: &WorkloadPatterns,
    config: &Config,
) -> Vec<(Signal, Reading)> {
    let margin = config.hysteresis.margin.0 / 100.0;
    let above = |v: Option<f64>, limit: f64| match v {
        Some(v) if v > limit => Reading::Past(v, limit),
        Some(v) if v >= limit * (1.0 - margin) => Reading::Near,
        _ => Reading::Clear,
    };
    let below = |v: Option<f64>, limit: f64| match v {
        Some(v) if v < limit => Reading::Past(v, limit),
        Some(v) if v <= limit * (1.0 + margin) => Reading::Near,
        _ => Reading::Clear,
    };
    let mut out = Vec::with_capacity(6);
    let t = &config.triggers;
    if let Some(p) = &t.performance {
        out.push((
            Signal::Latency,
            above(sample.latency_ms, p.latency_threshold.as_millis_f64()),
        ));
        out.push((
            Signal::Cpu,
            above(sample.cpu_percent(), p.cpu_utilization.0),
        ));
        out.push((
            Signal::Memory,
            above(sample.memory_percent(), p.memory_usage.0),
        ));
    }
    if let Some(w) = &t.workload {
        let conf = patterns
            .pattern_type
            .filter(|p| w.pattern_types.contains(p))
            .map(|_| patterns.confidence_score);
        out.push((
            Signal::WorkloadPattern,
            above(conf, w.confidence_threshold.0),
        ));
    }
    if let Some(e) = &t.energy {
        out.push((
            Signal::LowBattery,
            below(sample.discharging_battery_percent(), e.battery_threshold.0),
        ));
        if e.power_mode == PowerModeTrigger::Efficiency {
            let r = if sample.efficiency_mode() {
                Reading::Past(1.0, 1.0)
            } else {
                Reading::Clear
            };
            out.push((Signal::PowerSaver, r));
        }
    }
    out
}

fn conditions_from(
    past: &[(Signal, f64, f64)],
    patterns: &WorkloadPatterns,
    sample: &Sample,
    scheduled: bool,
) -> Conditions {
    let get = |s: Signal| {
        past.iter()
            .find(|(p, _, _)| *p == s)
            .map(|(_, v, l)| (*v, *l))
    };
    let np_hard = get(Signal::WorkloadPattern)
        .filter(|_| patterns.has_np_hard_pattern)
        .map(|(conf, _)| (patterns.pattern_type.unwrap_or(PatternType::NpHard), conf));
    Conditions {
        latency: get(Signal::Latency),
        np_hard,
        low_battery: get(Signal::LowBattery),
        cpu: get(Signal::Cpu),
        memory: get(Signal::Memory),
        efficiency_mode: get(Signal::PowerSaver).is_some(),
        scheduled,
        gpu_available: sample.gpu.present,
    }
}

/// `status`'s view: which signals are past their thresholds in this one sample, and the
/// conditions the strategy would see, without hysteresis and without the schedule.
pub fn judge_instant(
    sample: &Sample,
    patterns: &WorkloadPatterns,
    config: &Config,
) -> (Vec<Signal>, Conditions) {
    let past: Vec<(Signal, f64, f64)> = readings(sample, patterns, config)
        .into_iter()
        .filter_map(|(s, r)| match r {
            Reading::Past(v, l) => Some((s, v, l)),
            _ => None,
        })
        .collect();
    let active = past.iter().map(|(s, _, _)| *s).collect();
    (active, conditions_from(&past, patterns, sample, false))
}

#[derive(Debug, Clone, Copy, Default)]
struct SignalState {
    active: bool,
    past_run: u32,
    clear_run: u32,
    last: Option<(f64, f64)>,
}

/// What changed on one tick.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Detection {
    /// Signals that fired this tick (rising edges), in decision order.
    pub fired: Vec<Signal>,
    /// Signals that cleared this tick.
    pub cleared: Vec<Signal>,
    /// Every active signal after this tick, in decision order.
    pub active: Vec<Signal>,
    /// The conditions the strategy sees: active signals with their latest values.
    pub conditions: Conditions,
}

/// The triggers with their hysteresis state and the schedule's next time.
pub struct Detector {
    states: [SignalState; 7],
    next_scheduled: Option<DateTime<Local>>,
}

impl Detector {
    pub fn new(config: &Config, now: DateTime<Local>) -> Self {
        let mut d = Detector {
            states: [SignalState::default(); 7],
            next_scheduled: None,
        };
        d.reschedule(config, now);
        d
    }

    /// After a config change: the next cron time from now.
    pub fn reschedule(&mut self, config: &Config, now: DateTime<Local>) {
        self.next_scheduled = config.triggers.next_scheduled(&now);
    }

    pub fn next_scheduled(&self) -> Option<DateTime<Local>> {
        self.next_scheduled
    }

    pub fn update(
        &mut self,
        sample: &Sample,
        patterns: &WorkloadPatterns,
        config: &Config,
        now: DateTime<Local>,
    ) -> Detection {
        let h = &config.hysteresis;
        let mut det = Detection::default();
        let mut seen = [false; 7];
        for (signal, reading) in readings(sample, patterns, config) {
            seen[signal as usize] = true;
            let st = &mut self.states[signal as usize];
            match reading {
                Reading::Past(v, l) => {
                    st.past_run += 1;
                    st.clear_run = 0;
                    st.last = Some((v, l));
                    if !st.active && st.past_run >= h.fire_after.max(1) {
                        st.active = true;
                        det.fired.push(signal);
                    }
                }
                Reading::Near => {
                    st.past_run = 0;
                    st.clear_run = 0;
                }
                Reading::Clear => {
                    st.past_run = 0;
                    st.clear_run += 1;
                    if st.active && st.clear_run >= h.clear_after.max(1) {
                        st.active = false;
                        det.cleared.push(signal);
                    }
                }
            }
        }
        // A trigger removed from the config clears at once.
        for s in Signal::ALL {
            if s != Signal::Schedule && !seen[s as usize] && self.states[s as usize].active {
                self.states[s as usize] = SignalState::default();
                det.cleared.push(s);
            }
        }
        let mut scheduled = false;
        if let Some(due) = self.next_scheduled {
            if now >= due {
                scheduled = true;
                det.fired.push(Signal::Schedule);
                self.reschedule(config, now);
            }
        }
        let past: Vec<(Signal, f64, f64)> = Signal::ALL
            .iter()
            .filter(|s| self.states[**s as usize].active)
            .filter_map(|s| self.states[*s as usize].last.map(|(v, l)| (*s, v, l)))
            .collect();
        det.active = past.iter().map(|(s, _, _)| *s).collect();
        if scheduled {
            det.active.push(Signal::Schedule);
        }
        det.fired.sort();
        det.conditions = conditions_from(&past, patterns, sample, scheduled);
        det
    }
}
