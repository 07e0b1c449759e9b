//! The agent loop: one tick per interval (sense → detect → decide → record), the event
//! sources (signals, config reload) and a clean shutdown.
//!
//! The tick runs on a plain thread that waits on a channel with a deadline: a calm machine
//! costs one wakeup per tick and nothing else. How late that wakeup comes is the latency
//! probe. Network work (sync) never runs on this thread.

use crate::config::{Config, ConfigError, EnergyTrigger, Mode};
use crate::hook::{self, PassInput};
use crate::root::Root;
use crate::sense::{Sample, Sensor};
use crate::store::{self, DataDirLock, MetricsRow, Store, StoreError};
use crate::trigger::Detector;
use crate::workload::{WorkloadAnalyzer, WorkloadPatterns};
use chrono::{Local, TimeZone, Utc};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime};

/// Messages the loop acts on between ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Stop,
    Reload,
}

pub struct AgentOptions {
    pub root: Root,
    pub data_dir: PathBuf,
    pub config_path: PathBuf,
    pub config_explicit: bool,
    pub interval: Option<Duration>,
    pub ticks: Option<u64>,
    pub mode: Option<Mode>,
}

#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a run did, for the caller and the tests.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AgentReport {
    pub ticks: u64,
    pub passes: u64,
    pub minutes_written: u64,
    pub config_reloads: u64,
    pub config_errors: u64,
}

/// The agent's state as `status` shows it (kept in the database's `meta` table).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct AgentState {
    pub running: bool,
    pub pid: u32,
    pub started_at: String,
    pub updated_at: String,
    pub mode: String,
    pub tick_ms: u64,
    /// Why the agent itself backs off, if it does.
    pub frugal: Option<String>,
    /// The last config reload that failed (the agent kept its last good config).
    pub config_error: Option<String>,
}

/// Why the agent should back off (power-saver mode, or a low battery while discharging).
pub fn frugal_reason(sample: &Sample, config: &Config) -> Option<String> {
    if sample.efficiency_mode() {
        let p = sample
            .power_mode
            .as_ref()
            .map(|p| p.profile.as_str())
            .unwrap_or("power-saver");
        return Some(format!("power mode is {p}"));
    }
    // Without an energy trigger, the seed's default threshold still makes the agent frugal.
    let threshold = config
        .triggers
        .energy
        .as_ref()
        .map_or(EnergyTrigger::default().battery_threshold, |e| {
            e.battery_threshold
        })
        .0;
    match sample.discharging_battery_percent() {
        Some(pct) if pct < threshold => Some(format!(
            "battery at {pct:.0}% and discharging (below {threshold}%)"
        )),
        _ => None,
    }
}

/// The compact form of a raw sample kept for 24 h.
#[derive(Serialize)]
struct RawSample {
    cpu: Option<f64>,
    mem: Option<f64>,
    swap: Option<f64>,
    load1: Option<f64>,
    psi_cpu: Option<f64>,
    latency_ms: Option<f64>,
    battery: Option<f64>,
    battery_state: Option<crate::sense::BatteryState>,
    power_w: Option<f64>,
    ac: Option<bool>,
    mode: Option<String>,
    errors: usize,
}

fn raw(sample: &Sample) -> String {
    let r = RawSample {
        cpu: sample.cpu_percent(),
        mem: sample.memory_percent(),
        swap: sample.memory.as_ref().map(|m| m.swap_used_percent),
        load1: sample.load.as_ref().map(|l| l.one),
        psi_cpu: sample
            .pressure
            .as_ref()
            .and_then(|p| p.cpu.as_ref())
            .map(|c| c.some_avg10),
        latency_ms: sample.latency_ms,
        battery: sample.battery.as_ref().map(|b| b.percent),
        battery_state: sample.battery.as_ref().map(|b| b.state),
        power_w: sample.battery.as_ref().and_then(|b| b.power_w),
        ac: sample.ac_online,
        mode: sample.power_mode.as_ref().map(|p| p.profile.clone()),
        errors: sample.errors.len(),
    };
    serde_json::to_string(&r).unwrap_or_default()
}

/// Per-minute aggregation of samples into a `performance_metrics_history` row.
#[derive(Default)]
struct Minute {
    minute: i64,
    raw: Vec<(String, String)>,
    latency: Mean,
    cpu: Mean,
    memory: Mean,
    energy_mw: Mean,
}

#[derive(Default, Clone, Copy)]
struct Mean {
    sum: f64,
    n: u32,
}

impl Mean {
    fn add(&mut self, v: Option<f64>) {
        if let Some(v) = v.filter(|v| v.is_finite()) {
            self.sum += v;
            self.n += 1;
        }
    }
    fn get(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum / self.n as f64)
    }
}

impl Minute {
    fn add(&mut self, s: &Sample) {
        self.raw.push((store::ts(s.time), raw(s)));
        self.latency.add(s.latency_ms);
        self.cpu.add(s.cpu_percent());
        self.memory.add(s.memory_percent());
        // The battery's discharge rate is the machine's draw; on AC it is not measured.
        self.energy_mw.add(
            s.battery
                .as_ref()
                .filter(|b| b.discharging())
                .and_then(|b| b.power_w)
                .map(|w| w * 1000.0),
        );
    }

    /// The aggregate row; `None` when a NOT NULL seed column has no value this minute.
    fn row(&self) -> Option<MetricsRow> {
        let start = Utc.timestamp_opt(self.minute * 60, 0).single()?;
        Some(MetricsRow {
            id: uuid::Uuid::new_v4().to_string(),
            optimization_id: None,
            latency_ms: self.latency.get()?,
            cpu_utilization_percent: self.cpu.get()?,
            memory_usage_percent: self.memory.get()?,
            energy_consumption_mw: self.energy_mw.get(),
            requests_per_second: None,
            created_at: store::ts(start),
            kind: "minute".into(),
            sample_count: self.raw.len() as i64,
        })
    }
}

/// The upload loop, on its own thread with its own runtime, so no request can delay a tick.
struct SyncWorker {
    power: tokio::sync::watch::Sender<crate::sync::PowerContext>,
    shutdown: tokio::sync::watch::Sender<bool>,
    done: std::sync::mpsc::Receiver<()>,
}

impl SyncWorker {
    /// Start when sync is enabled and configured (an endpoint and credentials); else say why not.
    fn start(config: &Config, data_dir: &std::path::Path) -> Result<SyncWorker, String> {
        let creds = crate::sync::readiness(&config.sync, data_dir)?;
        let (power, power_rx) = tokio::sync::watch::channel(crate::sync::PowerContext::default());
        let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
        let (done_tx, done) = std::sync::mpsc::channel();
        let settings = config.sync.clone();
        let db = store::db_path(data_dir);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the sync runtime: {e}"))?;
        std::thread::Builder::new()
            .name("powerhook-sync".into())
            .spawn(move || {
                runtime.block_on(crate::sync::run_loop(
                    db,
                    settings,
                    creds,
                    power_rx,
                    shutdown_rx,
                    |r| match r {
                        Ok(rep) if rep.uploaded() > 0 || rep.quarantined > 0 => log::info!(
                            "sync: {} rows uploaded, {} quarantined, {} pending",
                            rep.uploaded(),
                            rep.quarantined,
                            rep.counts.pending
                        ),
                        Ok(rep) => {
                            if let Some(e) = &rep.retry_error {
                                log::warn!("sync: will retry: {e}");
                            }
                        }
                        Err(e) => log::warn!("sync: {e}"),
                    },
                ));
                let _ = done_tx.send(());
            })
            .map_err(|e| format!("cannot start the sync thread: {e}"))?;
        Ok(SyncWorker {
            power,
            shutdown,
            done,
        })
    }

    fn update(&self, sample: &Sample) {
        let ctx = crate::sync::PowerContext::from_sample(sample);
        self.power.send_if_modified(|old| {
            let changed = *old != ctx;
            *old = ctx;
            changed
        });
    }

    /// Ask the loop to stop and wait a little: a request in flight is simply retried next
    /// time (rows are marked synced only after the server acknowledged them).
    fn stop(self) {
        let _ = self.shutdown.send(true);
        if self.done.recv_timeout(Duration::from_secs(5)).is_err() {
            log::warn!("sync: still busy at shutdown; unacknowledged rows stay pending");
        }
    }
}

struct Loop {
    opts: AgentOptions,
    sync: Option<SyncWorker>,
    config: Config,
    config_mtime: Option<SystemTime>,
    store: Store,
    sensor: Sensor,
    analyzer: WorkloadAnalyzer,
    /// The latest workload patterns (the analyzer runs on the process-scan cadence).
    patterns: WorkloadPatterns,
    detector: Detector,
    minute: Minute,
    report: AgentReport,
    state: AgentState,
}

fn mtime(path: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl Loop {
    fn mode(&self) -> Mode {
        self.opts.mode.unwrap_or(self.config.mode)
    }

    fn base_interval(&self) -> Duration {
        self.opts
            .interval
            .unwrap_or(self.config.sampling.interval.0 .0)
    }

    /// Write the state `status` shows; the mode and the tick are taken from the running
    /// config here, so a reload or a change of cadence is never shown stale.
    fn save_state(&mut self) {
        self.state.updated_at = store::ts(Utc::now());
        self.state.mode = self.mode().as_str().into();
        self.state.tick_ms = self.interval().as_millis() as u64;
        if let Ok(json) = serde_json::to_string(&self.state) {
            if let Err(e) = self.store.set_meta("agent", &json) {
                log::warn!("cannot save agent state: {e}");
            }
        }
    }

    fn reload(&mut self) {
        self.config_mtime = mtime(&self.opts.config_path);
        match Config::load_or_default(&self.opts.config_path, self.opts.config_explicit) {
            Ok(c) => {
                let changed = c != self.config;
                if changed {
                    log::info!("config reloaded from {}", self.opts.config_path.display());
                    if c.sync != self.config.sync {
                        log::warn!("the sync settings changed: they take effect at the next start");
                    }
                    self.detector.reschedule(&c, Local::now());
                    self.sensor.set_top_processes(c.sampling.top_processes);
                    self.config = c;
                }
                self.report.config_reloads += 1;
                if self.state.config_error.take().is_some() || changed {
                    self.save_state();
                }
            }
            Err(e) => {
                log::error!("config not reloaded, keeping the last good one: {e}");
                self.report.config_errors += 1;
                self.state.config_error = Some(e.to_string());
                self.save_state();
            }
        }
    }

    fn flush_minute(&mut self) {
        let m = std::mem::take(&mut self.minute);
        if m.raw.is_empty() {
            return;
        }
        let row = m.row();
        match self.store.write_minute(&m.raw, row.as_ref()) {
            Ok(()) => self.report.minutes_written += 1,
            Err(e) => log::error!("cannot write minute: {e}"),
        }
        let r = &self.config.retention;
        let keep = |s: crate::units::Span| {
            chrono::Duration::from_std(s.0).unwrap_or(chrono::Duration::MAX)
        };
        let policy = store::RetentionPolicy {
            raw_keep: keep(r.raw_samples),
            aggregate_keep: keep(r.aggregates),
            raw_cap: r.raw_samples_cap,
            // Sync on but not configured yet: the rows wait for it (never lost unsynced).
            sync_active: self.config.sync.enabled,
            limit: 1000,
        };
        if let Err(e) = self.store.prune(Utc::now(), &policy) {
            log::error!("retention: {e}");
        }
    }

    fn tick(&mut self, latency_ms: f64, scan: bool) {
        let sample = self.sensor.sample(Some(latency_ms), scan);
        for e in &sample.errors {
            log::debug!("{}: {}", e.reading, e.message);
        }
        if scan && self.config.triggers.workload.is_some() {
            self.patterns = self.analyzer.analyze();
        }
        let det = self
            .detector
            .update(&sample, &self.patterns, &self.config, Local::now());
        for s in &det.fired {
            log::info!("trigger fired: {} ({})", s.as_str(), s.trigger_type());
        }
        for s in &det.cleared {
            log::info!("trigger cleared: {}", s.as_str());
        }
        let minute = sample.time.timestamp().div_euclid(60);
        if self.minute.minute != minute {
            self.flush_minute();
            self.minute.minute = minute;
        }
        self.minute.add(&sample);
        if let Some(sync) = &self.sync {
            sync.update(&sample);
        }
        let mode = self.mode();
        if let (Some(&trigger), false) = (det.fired.first(), mode == Mode::Paused) {
            let input = PassInput {
                sample: &sample,
                conditions: &det.conditions,
                trigger,
                active: &det.active,
                mode,
            };
            match hook::execute(&self.store, input) {
                Ok(out) => {
                    self.report.passes += 1;
                    log::info!(
                        "pass: {} -> {} ({}){}",
                        out.execution.trigger_type,
                        out.execution
                            .optimization_type
                            .as_deref()
                            .unwrap_or("no optimization"),
                        out.strategy.reason,
                        out.execution
                            .detail
                            .as_deref()
                            .map(|d| format!("; {d}"))
                            .unwrap_or_default()
                    );
                }
                Err(e) => log::error!("cannot record pass: {e}"),
            }
        }
        let frugal = frugal_reason(&sample, &self.config);
        if frugal != self.state.frugal {
            match &frugal {
                Some(why) => log::info!("backing off ({why})"),
                None => log::info!("back to normal cadence"),
            }
            self.state.frugal = frugal;
            log::info!("tick {:?}", self.interval());
            self.save_state();
        }
    }

    fn interval(&self) -> Duration {
        self.config
            .sampling
            .cadence(self.base_interval(), self.state.frugal.is_some())
            .0
    }

    fn scan_interval(&self) -> Duration {
        self.config
            .sampling
            .cadence(self.base_interval(), self.state.frugal.is_some())
            .1
    }
}

/// How often the loop looks at the config file's modification time.
const CONFIG_CHECK: Duration = Duration::from_secs(5);

/// Run the agent until `control` says stop, or `--ticks` is reached.
pub fn run(opts: AgentOptions, control: Receiver<Control>) -> Result<AgentReport, AgentError> {
    let config = Config::load_or_default(&opts.config_path, opts.config_explicit)?;
    let _lock = DataDirLock::acquire(&opts.data_dir)?;
    let store = Store::open(&store::db_path(&opts.data_dir))?;
    let now = Local::now();
    let mut sensor = Sensor::new(opts.root.clone(), config.sampling.top_processes);
    sensor.prime();
    let mut analyzer = WorkloadAnalyzer::new(opts.root.as_path());
    if config.triggers.workload.is_some() {
        analyzer.analyze();
    }
    let started = store::ts(Utc::now());
    let mut lp = Loop {
        detector: Detector::new(&config, now),
        config_mtime: mtime(&opts.config_path),
        state: AgentState {
            running: true,
            pid: std::process::id(),
            started_at: started.clone(),
            updated_at: started,
            mode: String::new(),
            tick_ms: 0,
            frugal: None,
            config_error: None,
        },
        config,
        store,
        sensor,
        analyzer,
        patterns: WorkloadPatterns::none(),
        minute: Minute::default(),
        report: AgentReport::default(),
        sync: None,
        opts,
    };
    match SyncWorker::start(&lp.config, &lp.opts.data_dir) {
        Ok(w) => {
            log::info!("sync: uploading to Supabase in the background");
            lp.sync = Some(w);
        }
        Err(why) => log::info!("sync off: {why}"),
    }
    lp.save_state();
    log::info!(
        "powerhook agent started: data {}, tick {:?}, mode {}",
        lp.opts.data_dir.display(),
        lp.interval(),
        lp.state.mode
    );

    let mut deadline = Instant::now() + lp.interval();
    let mut last_scan = Instant::now();
    let mut last_config_check = Instant::now();
    let mut control_open = true;
    loop {
        let wait = deadline.saturating_duration_since(Instant::now());
        if control_open {
            match control.recv_timeout(wait) {
                Ok(Control::Stop) => break,
                Ok(Control::Reload) => {
                    lp.reload();
                    continue;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    control_open = false;
                    continue;
                }
            }
        } else {
            std::thread::sleep(wait);
        }
        let woke = Instant::now();
        let latency_ms = woke.saturating_duration_since(deadline).as_secs_f64() * 1000.0;
        let scan = woke.duration_since(last_scan) >= lp.scan_interval();
        if scan {
            last_scan = woke;
        }
        lp.tick(latency_ms, scan);
        lp.report.ticks += 1;
        if lp.opts.ticks.is_some_and(|n| lp.report.ticks >= n) {
            break;
        }
        if woke.duration_since(last_config_check) >= CONFIG_CHECK {
            last_config_check = woke;
            if mtime(&lp.opts.config_path) != lp.config_mtime {
                lp.reload();
            }
        }
        deadline += lp.interval();
        let now = Instant::now();
        if deadline < now {
            // We fell behind (suspend, heavy load): skip the missed ticks.
            deadline = now + lp.interval();
        }
    }
    lp.flush_minute();
    if let Some(w) = lp.sync.take() {
        w.stop();
    }
    lp.state.running = false;
    lp.save_state();
    log::info!(
        "powerhook agent stopped after {} ticks, {} passes",
        lp.report.ticks,
        lp.report.passes
    );
    Ok(lp.report)
}
