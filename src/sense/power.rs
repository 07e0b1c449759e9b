//! Battery, AC and power mode.
//!
//! Battery and AC come from UPower over the system D-Bus when it runs; else, on the real
//! root only, from the `starship-battery` crate (it reads the machine's own `/sys`, so on a
//! fake root there is nothing to read and the battery is reported absent). The power mode
//! comes from power-profiles-daemon (`org.freedesktop.UPower.PowerProfiles`, then the legacy
//! `net.hadess.PowerProfiles`), else from `/sys/firmware/acpi/platform_profile` under the root.

use crate::root::{ReadError, Root};
use serde::Serialize;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use zbus::zvariant::{OwnedObjectPath, OwnedValue, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BatteryState {
    Charging,
    Discharging,
    Full,
    Empty,
    NotCharging,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Battery {
    pub percent: f64,
    pub state: BatteryState,
    /// Power draw (discharging) or charge rate, watts; `None` when the source does not say.
    pub power_w: Option<f64>,
    pub time_to_empty_s: Option<u64>,
    pub time_to_full_s: Option<u64>,
    /// `upower` or `sysfs`.
    pub source: &'static str,
}

impl Battery {
    pub fn discharging(&self) -> bool {
        self.state == BatteryState::Discharging
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PowerMode {
    /// As the source names it: `power-saver`, `balanced`, `performance`, `low-power`, ...
    pub profile: String,
    /// The seed's "efficiency" mode: power-saver or low-power.
    pub efficiency: bool,
    /// `power-profiles-daemon`, `power-profiles-daemon (legacy name)` or `platform_profile`.
    pub source: &'static str,
}

impl PowerMode {
    fn new(profile: String, source: &'static str) -> Self {
        let efficiency = matches!(profile.as_str(), "power-saver" | "low-power");
        PowerMode {
            profile,
            efficiency,
            source,
        }
    }
}

/// One power reading; each part is `None` when there is nothing to read.
#[derive(Debug, Clone, Default)]
pub struct PowerReading {
    pub battery: Option<Battery>,
    pub ac_online: Option<bool>,
    pub power_mode: Option<PowerMode>,
    pub errors: Vec<ReadError>,
}

enum Bus {
    Untried,
    Up(zbus::blocking::Connection),
    Down { since: Instant },
}

/// How long to wait before trying the system bus again after it was not there.
const BUS_RETRY: Duration = Duration::from_secs(60);
/// No D-Bus call may stall a tick for longer than this.
const CALL_TIMEOUT: Duration = Duration::from_millis(500);

const UPOWER: &str = "org.freedesktop.UPower";
const UPOWER_DEVICE: &str = "org.freedesktop.UPower.Device";
const PPD: [(&str, &str, &str); 2] = [
    (
        "org.freedesktop.UPower.PowerProfiles",
        "/org/freedesktop/UPower/PowerProfiles",
        "power-profiles-daemon",
    ),
    (
        "net.hadess.PowerProfiles",
        "/net/hadess/PowerProfiles",
        "power-profiles-daemon (legacy name)",
    ),
];

pub struct PowerSource {
    root: Root,
    bus: Bus,
    fallback: Option<starship_battery::Manager>,
    /// When UPower (0) and each power-profiles-daemon name (1, 2) last answered that it is
    /// not on the bus: it is asked again only after `BUS_RETRY`, so a laptop without one
    /// does not pay a failing call (and a wakeup of the bus daemon) on every tick.
    absent_since: [Option<Instant>; 3],
}

type Props = HashMap<String, OwnedValue>;

impl PowerSource {
    pub fn new(root: Root) -> Self {
        PowerSource {
            root,
            bus: Bus::Untried,
            fallback: None,
            absent_since: [None; 3],
        }
    }

    fn connection(&mut self) -> Option<&zbus::blocking::Connection> {
        let retry = match &self.bus {
            Bus::Untried => true,
            Bus::Down { since } => since.elapsed() >= BUS_RETRY,
            Bus::Up(_) => false,
        };
        if retry {
            self.bus = match zbus::blocking::connection::Builder::system()
                .map(|b| b.method_timeout(CALL_TIMEOUT))
                .and_then(|b| b.build())
            {
                Ok(c) => Bus::Up(c),
                Err(e) => {
                    log::debug!("no system D-Bus: {e}");
                    Bus::Down {
                        since: Instant::now(),
                    }
                }
            };
        }
        match &self.bus {
            Bus::Up(c) => Some(c),
            _ => None,
        }
    }

    pub fn read(&mut self) -> PowerReading {
        let mut r = PowerReading::default();
        let mut upower_answered = false;
        let mut bus_broke = false;
        let now = Instant::now();
        let skip = self
            .absent_since
            .map(|t| t.is_some_and(|t| now.duration_since(t) < BUS_RETRY));
        // Per service: Some(true) it said it is absent, Some(false) it answered.
        let mut absent = [None; 3];
        if let Some(conn) = self.connection() {
            match (!skip[0]).then(|| read_upower(conn)) {
                None => {}
                Some(Ok((battery, ac))) => {
                    upower_answered = true;
                    absent[0] = Some(false);
                    r.battery = battery;
                    r.ac_online = ac;
                }
                Some(Err(e)) if is_absent(&e) => absent[0] = Some(true),
                Some(Err(e)) => {
                    bus_broke = matches!(e, zbus::Error::InputOutput(_));
                    r.errors
                        .push(ReadError::new("dbus:org.freedesktop.UPower", e.to_string()));
                }
            }
            for (k, (name, path, source)) in PPD.into_iter().enumerate() {
                if skip[k + 1] {
                    continue;
                }
                let answer = get_property(conn, name, path, name, "ActiveProfile");
                absent[k + 1] = Some(matches!(&answer, Err(e) if is_absent(e)));
                match answer {
                    Ok(v) => match as_string(&v) {
                        Some(p) => {
                            r.power_mode = Some(PowerMode::new(p, source));
                            break;
                        }
                        None => r.errors.push(ReadError::new(
                            format!("dbus:{name}"),
                            "ActiveProfile is not a string",
                        )),
                    },
                    Err(e) if is_absent(&e) => {}
                    Err(e) => r
                        .errors
                        .push(ReadError::new(format!("dbus:{name}"), e.to_string())),
                }
            }
        }
        for (since, a) in self.absent_since.iter_mut().zip(absent) {
            match a {
                Some(true) => *since = Some(now),
                Some(false) => *since = None,
                None => {}
            }
        }
        if bus_broke {
            self.bus = Bus::Down {
                since: Instant::now(),
            };
        }
        if !upower_answered && self.root.is_system() {
            match self.read_fallback() {
                Ok(b) => r.battery = b,
                Err(e) => r.errors.push(e),
            }
        }
        if r.ac_online.is_none() {
            match read_ac_sysfs(&self.root) {
                Ok(ac) => r.ac_online = ac,
                Err(e) => r.errors.push(e),
            }
        }
        if r.power_mode.is_none() {
            match self.root.read_value("sys/firmware/acpi/platform_profile") {
                Ok(p) => r.power_mode = Some(PowerMode::new(p, "platform_profile")),
                Err(e) if e.is_missing() => {}
                Err(e) => r.errors.push(e),
            }
        }
        r
    }

    fn read_fallback(&mut self) -> Result<Option<Battery>, ReadError> {
        let err =
            |e: starship_battery::Error| ReadError::new("/sys/class/power_supply", e.to_string());
        if self.fallback.is_none() {
            self.fallback = Some(starship_battery::Manager::new().map_err(err)?);
        }
        let Some(manager) = &self.fallback else {
            return Ok(None);
        };
        let mut batteries = manager.batteries().map_err(err)?;
        let Some(first) = batteries.next() else {
            return Ok(None);
        };
        let b = first.map_err(err)?;
        use starship_battery::units::{power::watt, ratio::percent, time::second};
        use starship_battery::State;
        let state = match b.state() {
            State::Charging => BatteryState::Charging,
            State::Discharging => BatteryState::Discharging,
            State::Full => BatteryState::Full,
            State::Empty => BatteryState::Empty,
            _ => BatteryState::Unknown,
        };
        let rate = b.energy_rate().get::<watt>() as f64;
        Ok(Some(Battery {
            percent: b.state_of_charge().get::<percent>() as f64,
            state,
            power_w: (rate > 0.0).then_some(rate),
            time_to_empty_s: b.time_to_empty().map(|t| t.get::<second>() as u64),
            time_to_full_s: b.time_to_full().map(|t| t.get::<second>() as u64),
            source: "sysfs",
        }))
    }
}

/// The service or object is not there: absence, not an error.
fn is_absent(e: &zbus::Error) -> bool {
    match e {
        zbus::Error::MethodError(name, _, _) => {
            let n = name.as_str();
            n.ends_with("ServiceUnknown")
                || n.ends_with("UnknownObject")
                || n.ends_with("UnknownInterface")
                || n.ends_with("UnknownMethod")
                || n.ends_with("UnknownProperty")
                || n.ends_with("NameHasNoOwner")
                || n.ends_with("InvalidArgs")
        }
        zbus::Error::FDO(fdo) => matches!(
            **fdo,
            zbus::fdo::Error::ServiceUnknown(_)
                | zbus::fdo::Error::UnknownObject(_)
                | zbus::fdo::Error::UnknownInterface(_)
                | zbus::fdo::Error::UnknownMethod(_)
                | zbus::fdo::Error::UnknownProperty(_)
                | zbus::fdo::Error::NameHasNoOwner(_)
                | zbus::fdo::Error::InvalidArgs(_)
        ),
        _ => false,
    }
}

fn get_all(
    conn: &zbus::blocking::Connection,
    dest: &str,
    path: &str,
    iface: &str,
) -> zbus::Result<Props> {
    let reply = conn.call_method(
        Some(dest),
        path,
        Some("org.freedesktop.DBus.Properties"),
        "GetAll",
        &(iface,),
    )?;
    reply.body().deserialize::<Props>()
}

fn get_property(
    conn: &zbus::blocking::Connection,
    dest: &str,
    path: &str,
    iface: &str,
    prop: &str,
) -> zbus::Result<OwnedValue> {
    let reply = conn.call_method(
        Some(dest),
        path,
        Some("org.freedesktop.DBus.Properties"),
        "Get",
        &(iface, prop),
    )?;
    reply.body().deserialize::<OwnedValue>()
}

fn as_f64(v: Option<&OwnedValue>) -> Option<f64> {
    match &**v? {
        Value::F64(x) if x.is_finite() => Some(*x),
        Value::U32(x) => Some(*x as f64),
        Value::I64(x) => Some(*x as f64),
        Value::U64(x) => Some(*x as f64),
        Value::I32(x) => Some(*x as f64),
        _ => None,
    }
}

fn as_bool(v: Option<&OwnedValue>) -> Option<bool> {
    match &**v? {
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

fn as_string(v: &OwnedValue) -> Option<String> {
    match &**v {
        Value::Str(s) => Some(s.to_string()),
        _ => None,
    }
}

/// UPower device kinds and states (org.freedesktop.UPower.Device).
const KIND_LINE_POWER: f64 = 1.0;
const KIND_BATTERY: f64 = 2.0;

fn battery_from(props: &Props) -> Option<Battery> {
    let present = as_bool(props.get("IsPresent")).unwrap_or(false);
    let kind = as_f64(props.get("Type"))?;
    if !present || kind != KIND_BATTERY {
        return None;
    }
    let percent = as_f64(props.get("Percentage"))?.clamp(0.0, 100.0);
    let state = match as_f64(props.get("State")).map(|s| s as u32) {
        Some(1) | Some(5) => BatteryState::Charging,
        Some(2) | Some(6) => BatteryState::Discharging,
        Some(3) => BatteryState::Empty,
        Some(4) => BatteryState::Full,
        _ => BatteryState::Unknown,
    };
    let positive = |key: &str| as_f64(props.get(key)).filter(|v| *v > 0.0);
    Some(Battery {
        percent,
        state,
        power_w: positive("EnergyRate"),
        time_to_empty_s: positive("TimeToEmpty").map(|v| v as u64),
        time_to_full_s: positive("TimeToFull").map(|v| v as u64),
        source: "upower",
    })
}

fn read_upower(conn: &zbus::blocking::Connection) -> zbus::Result<(Option<Battery>, Option<bool>)> {
    let main = get_all(conn, UPOWER, "/org/freedesktop/UPower", UPOWER)?;
    let on_battery = as_bool(main.get("OnBattery"));
    let display = get_all(
        conn,
        UPOWER,
        "/org/freedesktop/UPower/devices/DisplayDevice",
        UPOWER_DEVICE,
    )
    .ok();
    let mut battery = display.as_ref().and_then(battery_from);
    // The usual laptop: the display device aggregates the batteries, and with a battery
    // present `OnBattery` is exactly "AC offline". No need to walk every device each tick.
    if let (true, Some(on_battery)) = (battery.is_some(), on_battery) {
        return Ok((battery, Some(!on_battery)));
    }
    let mut ac = None;
    let reply = conn.call_method(
        Some(UPOWER),
        "/org/freedesktop/UPower",
        Some(UPOWER),
        "EnumerateDevices",
        &(),
    )?;
    let devices: Vec<OwnedObjectPath> = reply.body().deserialize()?;
    for dev in devices {
        let Ok(props) = get_all(conn, UPOWER, dev.as_str(), UPOWER_DEVICE) else {
            continue;
        };
        if battery.is_none() && as_bool(props.get("PowerSupply")).unwrap_or(true) {
            battery = battery_from(&props);
        }
        // Only line-power devices have `Online` (some report no `Type`).
        if as_f64(props.get("Type")) == Some(KIND_LINE_POWER) || props.contains_key("Online") {
            ac = as_bool(props.get("Online")).or(ac);
        }
    }
    if ac.is_none() && on_battery == Some(true) {
        ac = Some(false);
    }
    Ok((battery, ac))
}

/// AC from `/sys/class/power_supply/*/online` of supplies whose type is `Mains`.
fn read_ac_sysfs(root: &Root) -> Result<Option<bool>, ReadError> {
    let dir = root.path("sys/class/power_supply");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(None);
    };
    let mut online = None;
    for entry in entries.flatten() {
        let base = entry.path();
        match crate::root::read_text(&base.join("type")) {
            Ok(t) if t.trim() == "Mains" => {}
            _ => continue,
        }
        let path = base.join("online");
        match crate::root::read_text(&path) {
            Ok(v) => match v.trim() {
                "1" => online = Some(true),
                "0" => online = online.or(Some(false)),
                other => return Err(ReadError::new(path, format!("`{other}` is not 0 or 1"))),
            },
            Err(e) if e.is_missing() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(online)
}
