//! The sense stage: one [`Sample`] per tick. It reads and reports; it never decides.
//!
//! A collector with nothing to read reports absence (`None`, `"battery": null`); a broken
//! value is an error for that reading, listed in [`Sample::errors`], never a panic.

pub mod cpu;
pub mod gpu;
pub mod memory;
pub mod power;
pub mod pressure;
pub mod processes;

use crate::root::{ReadError, Root};
use chrono::{DateTime, Utc};
use serde::Serialize;

pub use power::{Battery, BatteryState, PowerMode};
pub use processes::ProcessCpu;

/// A reading that failed, for `status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SenseError {
    pub reading: &'static str,
    pub message: String,
}

/// Everything the agent knows about the machine at one instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    pub time: DateTime<Utc>,
    pub cpu: Option<cpu::CpuUsage>,
    pub memory: Option<memory::MemoryUsage>,
    pub load: Option<pressure::LoadAverage>,
    pub pressure: Option<pressure::Pressure>,
    pub battery: Option<Battery>,
    pub ac_online: Option<bool>,
    pub power_mode: Option<PowerMode>,
    /// Timer wake-up latency, ms: how late the agent's own tick woke after its deadline
    /// (see the README, "Latency probe"). `None` until measured.
    pub latency_ms: Option<f64>,
    /// From the last process scan (the slower cadence).
    pub top_processes: Vec<ProcessCpu>,
    pub gpu: gpu::GpuInfo,
    pub errors: Vec<SenseError>,
}

impl Sample {
    pub fn cpu_percent(&self) -> Option<f64> {
        self.cpu.as_ref().map(|c| c.total_percent)
    }
    pub fn memory_percent(&self) -> Option<f64> {
        self.memory.as_ref().map(|m| m.used_percent)
    }
    /// The battery level when it is discharging (the seed's energy constraint).
    pub fn discharging_battery_percent(&self) -> Option<f64> {
        self.battery
            .as_ref()
            .filter(|b| b.discharging())
            .map(|b| b.percent)
    }
    pub fn efficiency_mode(&self) -> bool {
        self.power_mode.as_ref().is_some_and(|p| p.efficiency)
    }
}

/// Owns the collectors and the state between reads (previous CPU counters, the bus).
pub struct Sensor {
    root: Root,
    prev_cpu: Option<cpu::CpuSnapshot>,
    power: power::PowerSource,
    scanner: processes::ProcessScanner,
    top: Vec<ProcessCpu>,
    gpu: gpu::GpuInfo,
    top_n: usize,
}

impl Sensor {
    pub fn new(root: Root, top_n: usize) -> Self {
        let gpu = gpu::read(&root);
        Sensor {
            power: power::PowerSource::new(root.clone()),
            scanner: processes::ProcessScanner::new(root.clone()),
            root,
            prev_cpu: None,
            top: Vec::new(),
            gpu,
            top_n,
        }
    }

    pub fn root(&self) -> &Root {
        &self.root
    }

    /// How many processes the next scans keep (a reloaded `sampling.top_processes`).
    pub fn set_top_processes(&mut self, n: usize) {
        self.top_n = n;
    }

    /// Read the CPU counters without producing a sample (the baseline for the next one).
    pub fn prime(&mut self) {
        self.prev_cpu = cpu::read(&self.root).ok();
        let _ = self.scanner.scan(self.top_n);
    }

    /// One sample. `scan_processes` runs the slower process scan this time.
    pub fn sample(&mut self, latency_ms: Option<f64>, scan_processes: bool) -> Sample {
        let mut errors = Vec::new();
        let mut note = |reading: &'static str, e: ReadError| {
            errors.push(SenseError {
                reading,
                message: e.to_string(),
            })
        };

        let cpu = match cpu::read(&self.root) {
            Ok(now) => {
                let usage = self.prev_cpu.as_ref().and_then(|p| cpu::usage(p, &now));
                self.prev_cpu = Some(now);
                usage
            }
            Err(e) => {
                note("cpu", e);
                None
            }
        };
        let memory = memory::read(&self.root).map_err(|e| note("memory", e)).ok();
        let load = pressure::read_load(&self.root)
            .map_err(|e| note("load", e))
            .ok();
        let (pressure, psi_errors) = pressure::read_pressure(&self.root);
        for e in psi_errors {
            note("pressure", e);
        }
        let power = self.power.read();
        for e in power.errors {
            note("power", e);
        }
        if scan_processes {
            match self.scanner.scan(self.top_n) {
                Ok(top) => self.top = top,
                Err(e) => note("processes", e),
            }
            self.gpu = gpu::read(&self.root);
        }
        Sample {
            time: Utc::now(),
            cpu,
            memory,
            load,
            pressure,
            battery: power.battery,
            ac_online: power.ac_online,
            power_mode: power.power_mode,
            latency_ms,
            top_processes: self.top.clone(),
            gpu: self.gpu.clone(),
            errors,
        }
    }
}
