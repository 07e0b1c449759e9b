//! GPU presence from `/sys/class/drm/card*` (the seed's `gpuAvailable`).

use crate::root::Root;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GpuDevice {
    pub card: String,
    /// PCI vendor id as written in sysfs, e.g. `0x8086`; `None` for non-PCI devices.
    pub vendor: Option<String>,
    pub vendor_name: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct GpuInfo {
    pub present: bool,
    pub devices: Vec<GpuDevice>,
}

pub fn read(root: &Root) -> GpuInfo {
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
            })
        })
        .collect();
    devices.sort_by(|a, b| a.card.cmp(&b.card));
    GpuInfo {
        present: !devices.is_empty(),
        devices,
    }
}
