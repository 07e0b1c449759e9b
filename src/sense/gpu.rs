//! GPU presence (the seed's `gpuAvailable`): NVIDIA devices through NVML when built with the
//! `nvml` feature and the driver's library loads, else `/sys/class/drm/card*`.

use crate::root::Root;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GpuDevice {
    pub card: String,
    /// PCI vendor id as written in sysfs, e.g. `0x8086`; `None` for non-PCI devices.
    pub vendor: Option<String>,
    pub vendor_name: Option<&'static str>,
    /// The model name, where the source tells it (NVML).
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct GpuInfo {
    pub present: bool,
    pub devices: Vec<GpuDevice>,
    /// `nvml` or `drm`; `None` when nothing was found.
    pub source: Option<&'static str>,
}

#[cfg(feature = "nvml")]
fn nvml_devices() -> Option<Vec<GpuDevice>> {
    use std::sync::OnceLock;
    // Loading the driver's library is costly: once per process.
    static NVML: OnceLock<Option<nvml_wrapper::Nvml>> = OnceLock::new();
    let nvml = NVML
        .get_or_init(|| nvml_wrapper::Nvml::init().ok())
        .as_ref()?;
    let count = nvml.device_count().ok()?;
    let devices: Vec<GpuDevice> = (0..count)
        .map(|i| GpuDevice {
            card: format!("nvml{i}"),
            vendor: Some("0x10de".into()),
            vendor_name: Some("NVIDIA"),
            name: nvml.device_by_index(i).and_then(|d| d.name()).ok(),
        })
        .collect();
    (!devices.is_empty()).then_some(devices)
}

pub fn read(root: &Root) -> GpuInfo {
    #[cfg(feature = "nvml")]
    if root.is_system() {
        if let Some(devices) = nvml_devices() {
            return GpuInfo {
                present: true,
                devices,
                source: Some("nvml"),
            };
        }
    }
    read_drm(root)
}

fn read_drm(root: &Root) -> GpuInfo {
    let dir = root.path("sys/class/drm");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return GpuInfo::default();
    };
    let mut devices: Vec<GpuDevice> = entries
        .flatten()
        .filter_map(|e| {
            let card = e.file_name().to_str()?.to_string();
            // card0, card1, ...; not connectors like card0-eDP-1.
            let digits = card.strip_prefix("card")?;
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let vendor = crate::root::read_text(&e.path().join("device/vendor"))
                .ok()
                .map(|v| v.trim().to_string());
            let vendor_name = vendor.as_deref().and_then(|v| match v {
                "0x10de" => Some("NVIDIA"),
                "0x1002" => Some("AMD"),
                "0x8086" => Some("Intel"),
                _ => None,
            });
            Some(GpuDevice {
                card,
                vendor,
                vendor_name,
                name: None,
            })
        })
        .collect();
    devices.sort_by(|a, b| a.card.cmp(&b.card));
    let present = !devices.is_empty();
    GpuInfo {
        present,
        devices,
        source: present.then_some("drm"),
    }
}
