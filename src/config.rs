//! Configuration: the YAML file at `$XDG_CONFIG_HOME/powerhook/config.yaml`.
//!
//! The seed's `triggers:` block is accepted verbatim (a list of one-key maps, units included).
//! Every other section has defaults. Every error names the file, line and column, and unknown
//! keys get a "did you mean" hint. A caller that reloads keeps its last good [`Config`] when
//! [`Config::load`] fails.

use crate::units::{Confidence, Percent, Span};
use crate::workload::PatternType;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A config error a user can act on: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ConfigError {
    pub file: PathBuf,
    /// 1-based line, when the parser knows it.
    pub line: Option<usize>,
    /// 1-based column, when the parser knows it.
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{}:{l}:{c}: {}", self.file.display(), self.message),
            (Some(l), None) => write!(f, "{}:{l}: {}", self.file.display(), self.message),
            _ => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

/// What the agent does with a strategy that wants to optimize.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Apply the unprivileged, reversible set of changes.
    #[default]
    Apply,
    /// Plan and record, change nothing.
    Advise,
    /// Record samples, run no pass.
    Paused,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Apply => "apply",
            Mode::Advise => "advise",
            Mode::Paused => "paused",
        }
    }
}

/// The seed's `on_performance_threshold`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PerformanceThresholds {
    pub latency_threshold: Span,
    pub cpu_utilization: Percent,
    pub memory_usage: Percent,
}

impl Default for PerformanceThresholds {
    fn default() -> Self {
        Self {
            latency_threshold: Span::from_millis(50),
            cpu_utilization: Percent(70.0),
            memory_usage: Percent(80.0),
        }
    }
}

/// The seed's `on_workload_pattern`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkloadTrigger {
    pub pattern_types: Vec<PatternType>,
    pub confidence_threshold: Confidence,
}

impl Default for WorkloadTrigger {
    fn default() -> Self {
        Self {
            pattern_types: vec![
                PatternType::NpHard,
                PatternType::MatrixComputation,
                PatternType::OptimizationProblem,
            ],
            confidence_threshold: Confidence(0.8),
        }
    }
}

/// Which power mode fires the energy trigger. The seed's `"efficiency"` means the
/// power-saver profile (power-profiles-daemon) or `low-power` (ACPI platform_profile).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerModeTrigger {
    Efficiency,
    /// The power mode does not fire the trigger.
    None,
}

/// The seed's `on_energy_constraint`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnergyTrigger {
    pub battery_threshold: Percent,
    pub power_mode: PowerModeTrigger,
}

impl Default for EnergyTrigger {
    fn default() -> Self {
        Self {
            battery_threshold: Percent(20.0),
            power_mode: PowerModeTrigger::Efficiency,
        }
    }
}

/// A validated five-field cron expression, evaluated in local time.
#[derive(Clone)]
pub struct CronExpr {
    text: String,
    cron: croner::Cron,
}

impl CronExpr {
    pub fn as_str(&self) -> &str {
        &self.text
    }
    /// The next time strictly after `after` that matches.
    pub fn next_after(
        &self,
        after: &chrono::DateTime<chrono::Local>,
    ) -> Option<chrono::DateTime<chrono::Local>> {
        self.cron.find_next_occurrence(after, false).ok()
    }
}

impl FromStr for CronExpr {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let fields = s.split_whitespace().count();
        if fields != 5 && !s.trim_start().starts_with('@') {
            return Err(format!(
                "`{s}` is not a cron expression: expected 5 fields (minute hour day month weekday), found {fields}"
            ));
        }
        let cron = croner::Cron::from_str(s)
            .map_err(|e| format!("`{s}` is not a valid cron expression: {e}"))?;
        Ok(CronExpr {
            text: s.to_string(),
            cron,
        })
    }
}

impl fmt::Debug for CronExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CronExpr({:?})", self.text)
    }
}

impl PartialEq for CronExpr {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Serialize for CronExpr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for CronExpr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(de::Error::custom)
    }
}

/// The seed's `scheduled`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub cron: CronExpr,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            cron: "*/15 * * * *".parse().expect("the seed's cron parses"),
        }
    }
}

/// One item of the seed's `triggers:` list: a map with exactly one of these keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TriggerItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    on_performance_threshold: Option<PerformanceThresholds>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    on_workload_pattern: Option<WorkloadTrigger>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    on_energy_constraint: Option<EnergyTrigger>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scheduled: Option<Schedule>,
}

/// The triggers that are on. A trigger left out of the `triggers:` list is off; without a
/// `triggers:` block all four are on with the seed's values.
#[derive(Debug, Clone, PartialEq)]
pub struct Triggers {
    pub performance: Option<PerformanceThresholds>,
    pub workload: Option<WorkloadTrigger>,
    pub energy: Option<EnergyTrigger>,
    pub scheduled: Option<Schedule>,
}

impl Triggers {
    /// The schedule's first time after `after`, if the schedule is on.
    pub fn next_scheduled(
        &self,
        after: &chrono::DateTime<chrono::Local>,
    ) -> Option<chrono::DateTime<chrono::Local>> {
        self.scheduled
            .as_ref()
            .and_then(|s| s.cron.next_after(after))
    }
}

impl Default for Triggers {
    fn default() -> Self {
        Triggers {
            performance: Some(Default::default()),
            workload: Some(Default::default()),
            energy: Some(Default::default()),
            scheduled: Some(Default::default()),
        }
    }
}

impl Serialize for Triggers {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut list = Vec::new();
        if let Some(p) = &self.performance {
            list.push(TriggerItem {
                on_performance_threshold: Some(p.clone()),
                ..Default::default()
            });
        }
        if let Some(w) = &self.workload {
            list.push(TriggerItem {
                on_workload_pattern: Some(w.clone()),
                ..Default::default()
            });
        }
        if let Some(e) = &self.energy {
            list.push(TriggerItem {
                on_energy_constraint: Some(e.clone()),
                ..Default::default()
            });
        }
        if let Some(c) = &self.scheduled {
            list.push(TriggerItem {
                scheduled: Some(c.clone()),
                ..Default::default()
            });
        }
        list.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Triggers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let list = Vec::<TriggerItem>::deserialize(d)?;
        let mut t = Triggers {
            performance: None,
            workload: None,
            energy: None,
            scheduled: None,
        };
        for item in list {
            let keys = [
                item.on_performance_threshold.is_some(),
                item.on_workload_pattern.is_some(),
                item.on_energy_constraint.is_some(),
                item.scheduled.is_some(),
            ];
            if keys.iter().filter(|k| **k).count() != 1 {
                return Err(de::Error::custom(
                    "each item of `triggers:` names exactly one trigger (on_performance_threshold, on_workload_pattern, on_energy_constraint or scheduled)",
                ));
            }
            let twice =
                |name: &str| de::Error::custom(format!("`{name}` is listed twice; keep one"));
            if let Some(p) = item.on_performance_threshold {
                if t.performance.replace(p).is_some() {
                    return Err(twice("on_performance_threshold"));
                }
            }
            if let Some(w) = item.on_workload_pattern {
                if t.workload.replace(w).is_some() {
                    return Err(twice("on_workload_pattern"));
                }
            }
            if let Some(e) = item.on_energy_constraint {
                if t.energy.replace(e).is_some() {
                    return Err(twice("on_energy_constraint"));
                }
            }
            if let Some(c) = item.scheduled {
                if t.scheduled.replace(c).is_some() {
                    return Err(twice("scheduled"));
                }
            }
        }
        Ok(t)
    }
}

/// A tick interval: at least 100 ms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval(pub Span);

impl Interval {
    /// The shortest tick allowed.
    pub const MIN: std::time::Duration = std::time::Duration::from_millis(100);

    /// `span` as a tick interval, or why it cannot be one.
    pub fn new(span: Span) -> Result<Self, String> {
        if span.0 < Self::MIN {
            return Err(format!(
                "interval `{span}` is too short: the minimum is {}",
                Span(Self::MIN)
            ));
        }
        Ok(Interval(span))
    }

    /// A tick interval from text such as `500ms` (the `--interval` flag).
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::new(Span(crate::units::parse_duration(text)?))
    }
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Interval::new(Span::deserialize(d)?).map_err(de::Error::custom)
    }
}

/// How often the agent looks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sampling {
    /// One sample per tick.
    pub interval: Interval,
    /// Top processes by CPU are scanned this often (a slower cadence: a scan reads every
    /// `/proc/PID/stat`).
    pub process_scan_interval: Interval,
    pub top_processes: usize,
    /// The tick when the machine is in power-saver mode or on a low battery.
    pub saver_interval: Interval,
    /// The process scan cadence in that case.
    pub saver_process_scan_interval: Interval,
}

impl Default for Sampling {
    fn default() -> Self {
        Sampling {
            interval: Interval(Span::from_secs(1)),
            process_scan_interval: Interval(Span::from_secs(5)),
            top_processes: 5,
            saver_interval: Interval(Span::from_secs(5)),
            saver_process_scan_interval: Interval(Span::from_secs(30)),
        }
    }
}

impl Sampling {
    /// The tick and the process-scan interval, from a base tick (the config's or `--interval`)
    /// and whether the agent backs off (power-saver mode or a low battery).
    pub fn cadence(
        &self,
        base: std::time::Duration,
        frugal: bool,
    ) -> (std::time::Duration, std::time::Duration) {
        if frugal {
            (
                base.max(self.saver_interval.0 .0),
                self.saver_process_scan_interval.0 .0,
            )
        } else {
            (base, self.process_scan_interval.0 .0)
        }
    }
}

/// Trigger hysteresis: a signal fires after `fire_after` consecutive ticks over its
/// threshold, and clears after `clear_after` consecutive ticks under the threshold minus
/// `margin` (a relative share of the threshold).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Hysteresis {
    pub fire_after: u32,
    pub clear_after: u32,
    pub margin: Percent,
}

impl Default for Hysteresis {
    fn default() -> Self {
        Hysteresis {
            fire_after: 3,
            clear_after: 3,
            margin: Percent(10.0),
        }
    }
}

/// How long local rows are kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Retention {
    pub raw_samples: Span,
    pub aggregates: Span,
    /// The most raw samples kept, whatever their age: past it the oldest go first. Their
    /// values are already folded into the per-minute aggregates, which stay.
    pub raw_samples_cap: usize,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            raw_samples: Span::from_secs(24 * 3600),
            aggregates: Span::from_secs(90 * 86400),
            raw_samples_cap: 200_000,
        }
    }
}

/// One engine's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineSettings {
    pub enabled: bool,
    /// The most time one planning step may take.
    pub time_limit: Span,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            enabled: true,
            time_limit: Span::from_millis(200),
        }
    }
}

/// The seed's three engines (the database keeps these names; see the README for what they are).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Engines {
    pub quantum: EngineSettings,
    pub neuromorphic: EngineSettings,
    pub hybrid: EngineSettings,
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub triggers: Triggers,
    pub sampling: Sampling,
    pub hysteresis: Hysteresis,
    pub retention: Retention,
    pub mode: Mode,
    pub engines: Engines,
    /// Sync to Supabase: nothing leaves the machine until an endpoint and a session are
    /// configured (see docs/sync.md).
    pub sync: crate::sync::SyncSettings,
}

impl Config {
    /// Parse YAML text; `file` is only used to name the source in errors.
    pub fn parse(text: &str, file: &Path) -> Result<Config, ConfigError> {
        let err = |line, column, message: String| ConfigError {
            file: file.to_path_buf(),
            line,
            column,
            message,
        };
        // An empty file, or one with only comments, is the defaults.
        let value: serde_yaml::Value =
            serde_yaml::from_str(text).map_err(|e| from_yaml(e, file))?;
        if value.is_null() {
            return Ok(Config::default());
        }
        if !value.is_mapping() {
            return Err(err(
                Some(1),
                Some(1),
                "the config must be a mapping of sections (triggers:, sampling:, ...)".into(),
            ));
        }
        serde_yaml::from_str(text).map_err(|e| from_yaml(e, file))
    }

    /// Read and parse a file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.to_path_buf(),
            line: None,
            column: None,
            message: format!("cannot read: {e}"),
        })?;
        Config::parse(&text, path)
    }

    /// Load `path` if it exists; a missing file at the default location means the defaults.
    pub fn load_or_default(path: &Path, explicit: bool) -> Result<Config, ConfigError> {
        if !explicit && !path.exists() {
            return Ok(Config::default());
        }
        Config::load(path)
    }

    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).unwrap_or_else(|e| format!("# cannot print config: {e}\n"))
    }
}

/// Where the config file is: `--config`, else `POWERHOOK_CONFIG`, else the XDG config dir.
/// The flag says whether the user named it (then it must exist).
pub fn config_path(flag: Option<&Path>) -> (PathBuf, bool) {
    if let Some(p) = flag {
        return (p.to_path_buf(), true);
    }
    if let Some(p) = std::env::var_os("POWERHOOK_CONFIG").filter(|v| !v.is_empty()) {
        return (PathBuf::from(p), true);
    }
    (
        xdg_dir("XDG_CONFIG_HOME", ".config")
            .join("powerhook")
            .join("config.yaml"),
        false,
    )
}

/// `$VAR`, else `$HOME/<fallback>`, else the current directory's `<fallback>`.
pub fn xdg_dir(var: &str, fallback: &str) -> PathBuf {
    if let Some(v) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        return PathBuf::from(v);
    }
    match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        Some(home) => PathBuf::from(home).join(fallback),
        None => PathBuf::from(fallback),
    }
}

fn from_yaml(e: serde_yaml::Error, file: &Path) -> ConfigError {
    let (line, column) = match e.location() {
        Some(l) => (Some(l.line()), Some(l.column())),
        None => (None, None),
    };
    let mut message = e.to_string();
    // serde_yaml appends " at line L column C"; we print the location up front instead.
    if let Some(i) = message.rfind(" at line ") {
        message.truncate(i);
    }
    if let Some(hint) = did_you_mean(&message) {
        message.push_str(&format!("; did you mean `{hint}`?"));
    }
    ConfigError {
        file: file.to_path_buf(),
        line,
        column,
        message,
    }
}

/// For "unknown field `x`, expected one of `a`, `b`" (and the same for variants), the
/// closest expected name when it is close enough to be a typo.
fn did_you_mean(message: &str) -> Option<String> {
    let rest = message
        .split("unknown field `")
        .nth(1)
        .or_else(|| message.split("unknown variant `").nth(1))?;
    let (got, rest) = rest.split_once('`')?;
    let expected = rest.split("expected").nth(1)?;
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|cand| (strsim::damerau_levenshtein(got, cand), cand))
        .filter(|(d, cand)| *d <= 3.max(cand.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hint_picks_the_closest_name() {
        let m = "triggers[0].on_performance_threshold: unknown field `lantency_threshold`, expected one of `latency_threshold`, `cpu_utilization`, `memory_usage`";
        assert_eq!(did_you_mean(m).as_deref(), Some("latency_threshold"));
        assert_eq!(
            did_you_mean("unknown field `zzzzzzzzzzzz`, expected `mode`"),
            None
        );
    }
}
