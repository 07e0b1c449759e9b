//! The `sync:` section of config.yaml and the battery-saver upload policy.

use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What uploads do while the laptop is in power-saver mode or on a low battery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum BatterySaverPolicy {
    /// Wait until AC power (or the pending buffer passes `pending_cap`).
    #[default]
    DeferUntilAc,
    /// Upload every `saver_interval` instead of every `interval`.
    LongerInterval,
}

/// Settings of the uploader, embedded as `sync:` in config.yaml. Durations are strings such
/// as `"30s"`, `"5m"`, `"1h 30m"`, or a plain number of seconds.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyncSettings {
    /// Upload at all (the agent's loop); `powerhook sync --once` runs regardless.
    pub enabled: bool,
    /// Rows per request (PostgREST bulk insert). At least 1.
    pub batch_size: usize,
    /// Limit on every HTTP request, connect to last byte.
    #[serde(deserialize_with = "de_duration", serialize_with = "ser_duration")]
    pub request_timeout: Duration,
    /// How often the agent's loop uploads on AC / normal power.
    #[serde(deserialize_with = "de_duration", serialize_with = "ser_duration")]
    pub interval: Duration,
    /// What to do in power-saver mode or on a low battery.
    pub on_battery_saver: BatterySaverPolicy,
    /// Interval under `on_battery_saver: longer_interval`.
    #[serde(deserialize_with = "de_duration", serialize_with = "ser_duration")]
    pub saver_interval: Duration,
    /// Pending rows above which uploads run even in power-saver mode.
    pub pending_cap: u64,
    /// Battery level (percent, discharging) counted as low.
    #[serde(deserialize_with = "de_percent")]
    pub low_battery_percent: f64,
}

impl Default for SyncSettings {
    fn default() -> Self {
        SyncSettings {
            enabled: true,
            batch_size: 500,
            request_timeout: Duration::from_secs(15),
            interval: Duration::from_secs(60),
            on_battery_saver: BatterySaverPolicy::DeferUntilAc,
            saver_interval: Duration::from_secs(15 * 60),
            pending_cap: 20_000,
            low_battery_percent: 20.0,
        }
    }
}

impl SyncSettings {
    /// The batch size actually used (0 is treated as 1).
    pub fn effective_batch_size(&self) -> usize {
        self.batch_size.max(1)
    }
}

fn de_percent<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    crate::units::Percent::deserialize(d).map(|p| p.0)
}

fn ser_duration<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::units::format_duration(*d))
}

fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Secs(u64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Secs(s) => Ok(Duration::from_secs(s)),
        Raw::Text(t) => humantime::parse_duration(t.trim()).map_err(|e| {
            serde::de::Error::custom(format!(
                "invalid duration {t:?} ({e}); write e.g. \"30s\", \"5m\", \"1h\""
            ))
        }),
    }
}

/// The power situation the agent's sense stage last saw.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PowerContext {
    pub on_ac: bool,
    /// The power profile is power-saver / efficiency.
    pub power_saver: bool,
    /// Battery level in percent, None without a battery.
    pub battery_percent: Option<f64>,
}

impl SyncSettings {
    /// How often the upload loop wakes: every `interval`, but at least every 30 s (so a
    /// change of power state is seen) and at most every second.
    pub fn loop_wake(&self) -> Duration {
        self.interval
            .min(Duration::from_secs(30))
            .max(Duration::from_secs(1))
    }
}

impl PowerContext {
    /// The power state of one sample. Without an AC reading, "on AC" means no battery is
    /// discharging.
    pub fn from_sample(sample: &crate::sense::Sample) -> Self {
        PowerContext {
            on_ac: sample
                .ac_online
                .unwrap_or_else(|| !sample.battery.as_ref().is_some_and(|b| b.discharging())),
            power_saver: sample.efficiency_mode(),
            battery_percent: sample.battery.as_ref().map(|b| b.percent),
        }
    }
}

/// Why an upload happens now, or why it waits.
#[derive(Debug, Clone, PartialEq)]
pub enum UploadDecision {
    Upload,
    /// Run by hand (`sync --once`): always uploads.
    UploadManual,
    /// Power-saver / low battery, but the pending buffer passed the cap.
    UploadOverCap,
    Wait(WaitReason),
}

impl UploadDecision {
    pub fn uploads(&self) -> bool {
        !matches!(self, UploadDecision::Wait(_))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum WaitReason {
    Disabled,
    NothingPending,
    /// The interval since the last upload has not passed yet.
    NotYet,
    /// Power saver or low battery with `defer_until_ac`.
    DeferredUntilAc,
}

/// How the upload was asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UploadTrigger {
    /// `powerhook sync --once`.
    Manual,
    /// The agent's loop; `since_last` is the time since the last upload attempt (None: never).
    Scheduled { since_last: Option<Duration> },
}

/// The battery-saver policy: in power-saver mode or on a low battery, uploads wait (until AC,
/// or for `saver_interval`) unless `pending` passes `pending_cap`; a manual run always uploads.
pub fn should_upload_now(
    settings: &SyncSettings,
    power: &PowerContext,
    pending: u64,
    trigger: UploadTrigger,
) -> UploadDecision {
    let since_last = match trigger {
        UploadTrigger::Manual => return UploadDecision::UploadManual,
        UploadTrigger::Scheduled { since_last } => since_last,
    };
    if !settings.enabled {
        return UploadDecision::Wait(WaitReason::Disabled);
    }
    if pending == 0 {
        return UploadDecision::Wait(WaitReason::NothingPending);
    }
    let due = |every: Duration| since_last.is_none_or(|s| s >= every);
    let low_battery = !power.on_ac
        && power
            .battery_percent
            .is_some_and(|p| p < settings.low_battery_percent);
    let constrained = power.power_saver || low_battery;
    if !constrained {
        return if due(settings.interval) {
            UploadDecision::Upload
        } else {
            UploadDecision::Wait(WaitReason::NotYet)
        };
    }
    if pending >= settings.pending_cap {
        return if due(settings.interval) {
            UploadDecision::UploadOverCap
        } else {
            UploadDecision::Wait(WaitReason::NotYet)
        };
    }
    match settings.on_battery_saver {
        BatterySaverPolicy::DeferUntilAc => UploadDecision::Wait(WaitReason::DeferredUntilAc),
        BatterySaverPolicy::LongerInterval => {
            if due(settings.saver_interval) {
                UploadDecision::Upload
            } else {
                UploadDecision::Wait(WaitReason::NotYet)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sched(secs: u64) -> UploadTrigger {
        UploadTrigger::Scheduled {
            since_last: Some(Duration::from_secs(secs)),
        }
    }

    #[test]
    fn parses_durations_and_rejects_unknown_fields() {
        let s: SyncSettings = serde_json::from_value(serde_json::json!({
            "batch_size": 200, "interval": "30s", "saver_interval": "1h 30m",
            "request_timeout": 5, "on_battery_saver": "longer_interval"
        }))
        .expect("valid settings");
        assert_eq!(s.batch_size, 200);
        assert_eq!(s.interval, Duration::from_secs(30));
        assert_eq!(s.saver_interval, Duration::from_secs(5400));
        assert_eq!(s.request_timeout, Duration::from_secs(5));
        assert_eq!(s.on_battery_saver, BatterySaverPolicy::LongerInterval);
        assert!(s.enabled);
        let bad = serde_json::from_value::<SyncSettings>(serde_json::json!({"batchsize": 1}));
        assert!(bad.is_err());
        let bad = serde_json::from_value::<SyncSettings>(serde_json::json!({"interval": "soon"}))
            .expect_err("bad duration");
        assert!(bad.to_string().contains("soon"), "{bad}");
    }

    #[test]
    fn power_saver_defers_until_ac_unless_over_cap() {
        let s = SyncSettings::default();
        let saver = PowerContext {
            on_ac: false,
            power_saver: true,
            battery_percent: Some(80.0),
        };
        assert_eq!(
            should_upload_now(&s, &saver, 10, sched(3600)),
            UploadDecision::Wait(WaitReason::DeferredUntilAc)
        );
        assert_eq!(
            should_upload_now(&s, &saver, s.pending_cap, sched(3600)),
            UploadDecision::UploadOverCap
        );
        assert_eq!(
            should_upload_now(&s, &saver, 10, UploadTrigger::Manual),
            UploadDecision::UploadManual
        );
        let ac = PowerContext {
            on_ac: true,
            ..PowerContext::default()
        };
        assert_eq!(
            should_upload_now(&s, &ac, 10, sched(60)),
            UploadDecision::Upload
        );
        assert_eq!(
            should_upload_now(&s, &ac, 10, sched(59)),
            UploadDecision::Wait(WaitReason::NotYet)
        );
        assert_eq!(
            should_upload_now(&s, &ac, 0, sched(600)),
            UploadDecision::Wait(WaitReason::NothingPending)
        );
    }

    #[test]
    fn low_battery_uses_longer_interval_when_configured() {
        let s = SyncSettings {
            on_battery_saver: BatterySaverPolicy::LongerInterval,
            ..SyncSettings::default()
        };
        let low = PowerContext {
            on_ac: false,
            power_saver: false,
            battery_percent: Some(12.0),
        };
        assert_eq!(
            should_upload_now(&s, &low, 10, sched(120)),
            UploadDecision::Wait(WaitReason::NotYet)
        );
        assert_eq!(
            should_upload_now(&s, &low, 10, sched(15 * 60)),
            UploadDecision::Upload
        );
        // Discharging at 50 % is not low.
        let fine = PowerContext {
            battery_percent: Some(50.0),
            ..low
        };
        assert_eq!(
            should_upload_now(&s, &fine, 10, sched(60)),
            UploadDecision::Upload
        );
    }
}
