//! Battery and power mode over a real (private) D-Bus with python-dbusmock's UPower and
//! power-profiles-daemon templates.

mod support;

use support::{data_dir, run_cli, FakeRoot, PrivateBus};

const UPOWER: &str = "org.freedesktop.UPower";
const MOCK: &str = "org.freedesktop.DBus.Mock";

fn status(root: &FakeRoot, bus: &PrivateBus) -> serde_json::Value {
    let data = data_dir();
    let (code, out, err) = run_cli(
        root.path(),
        data.path(),
        Some(&bus.address),
        &["status", "--json"],
    );
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn triggers(v: &serde_json::Value) -> Vec<String> {
    v["active_triggers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["signal"].as_str().map(String::from))
        .collect()
}

#[test]
fn a_15_percent_discharging_battery_decides_energy_efficient_on_neuromorphic() {
    let mut bus = PrivateBus::start();
    bus.template("upower", Some(r#"{"OnBattery": true}"#), UPOWER);
    bus.call(
        UPOWER,
        "/org/freedesktop/UPower",
        MOCK,
        "AddDischargingBattery",
        &("mock_BAT", "Mock Battery", 15.0f64, 1800i64),
    );
    bus.template("power_profiles_daemon", None, "net.hadess.PowerProfiles");
    let root = FakeRoot::laptop();
    let v = status(&root, &bus);
    let b = &v["sample"]["battery"];
    assert_eq!(b["percent"], 15.0);
    assert_eq!(b["state"], "discharging");
    assert_eq!(b["time_to_empty_s"], 1800);
    assert_eq!(
        b["power_w"],
        serde_json::Value::Null,
        "the mock battery has no EnergyRate: unknown, not 0"
    );
    assert_eq!(b["source"], "upower");
    assert_eq!(v["sample"]["ac_online"], false);
    assert_eq!(v["sample"]["power_mode"]["profile"], "balanced");
    assert_eq!(
        v["sample"]["power_mode"]["source"],
        "power-profiles-daemon (legacy name)"
    );
    assert_eq!(triggers(&v), vec!["low_battery"]);
    let s = &v["strategy"];
    assert_eq!(s["should_optimize"], true);
    assert_eq!(s["optimization_type"], "energy_efficient");
    assert_eq!(s["target_engine"], "neuromorphic");
    assert_eq!(s["priority"], "medium");
    assert_eq!(
        s["reason"],
        "Low battery level requires energy-efficient processing"
    );
    assert_eq!(
        v["frugal"]["active"], true,
        "the agent backs off on a low battery"
    );
}

#[test]
fn the_display_device_gives_battery_draw_and_ac() {
    let mut bus = PrivateBus::start();
    bus.template("upower", Some(r#"{"OnBattery": true}"#), UPOWER);
    // type battery (2), state discharging (2), 15 %, 7.5 of 50 Wh, drawing 7.5 W, 1 h to empty.
    bus.call(
        UPOWER,
        "/org/freedesktop/UPower",
        MOCK,
        "SetupDisplayDevice",
        &(
            2u32,
            2u32,
            15.0f64,
            7.5f64,
            50.0f64,
            7.5f64,
            3600i64,
            0i64,
            true,
            "battery-low",
            1u32,
        ),
    );
    let root = FakeRoot::laptop();
    let v = status(&root, &bus);
    let b = &v["sample"]["battery"];
    assert_eq!(b["percent"], 15.0);
    assert_eq!(b["state"], "discharging");
    assert_eq!(b["power_w"], 7.5);
    assert_eq!(b["time_to_empty_s"], 3600);
    assert_eq!(
        v["sample"]["ac_online"], false,
        "OnBattery with a battery present is AC offline"
    );
    assert_eq!(v["strategy"]["optimization_type"], "energy_efficient");
}

#[test]
fn a_charging_battery_does_not_fire_the_energy_trigger() {
    let mut bus = PrivateBus::start();
    bus.template("upower", None, UPOWER);
    bus.call(
        UPOWER,
        "/org/freedesktop/UPower",
        MOCK,
        "AddChargingBattery",
        &("mock_BAT", "Mock Battery", 15.0f64, 3600i64),
    );
    bus.call(
        UPOWER,
        "/org/freedesktop/UPower",
        MOCK,
        "AddAC",
        &("mock_AC", "Mock AC"),
    );
    let root = FakeRoot::laptop();
    let v = status(&root, &bus);
    assert_eq!(v["sample"]["battery"]["state"], "charging");
    assert_eq!(v["sample"]["ac_online"], true);
    assert!(triggers(&v).is_empty(), "{:?}", triggers(&v));
    assert_eq!(v["strategy"]["should_optimize"], false);
    assert_eq!(v["frugal"]["active"], false);
}

#[test]
fn a_power_saver_profile_fires_the_power_mode_trigger() {
    let mut bus = PrivateBus::start();
    bus.template(
        "power_profiles_daemon",
        Some(r#"{"ActiveProfile": "power-saver"}"#),
        "net.hadess.PowerProfiles",
    );
    let root = FakeRoot::laptop();
    // The daemon's answer wins over the ACPI file.
    root.platform_profile("performance");
    let v = status(&root, &bus);
    assert_eq!(v["sample"]["power_mode"]["profile"], "power-saver");
    assert_eq!(v["sample"]["power_mode"]["efficiency"], true);
    assert_eq!(triggers(&v), vec!["power_saver"]);
    assert_eq!(v["strategy"]["optimization_type"], "energy_efficient");
    assert_eq!(v["strategy"]["priority"], "low");
    assert_eq!(v["frugal"]["active"], true);
    assert_eq!(
        v["sample"]["battery"],
        serde_json::Value::Null,
        "no UPower on this bus: no battery"
    );
}

#[test]
fn the_current_power_profiles_name_is_preferred_over_the_legacy_one() {
    let mut bus = PrivateBus::start();
    bus.current_power_profiles("performance");
    bus.template(
        "power_profiles_daemon",
        Some(r#"{"ActiveProfile": "power-saver"}"#),
        "net.hadess.PowerProfiles",
    );
    let root = FakeRoot::laptop();
    let v = status(&root, &bus);
    assert_eq!(v["sample"]["power_mode"]["profile"], "performance");
    assert_eq!(v["sample"]["power_mode"]["source"], "power-profiles-daemon");
    assert!(triggers(&v).is_empty());
}

#[test]
fn the_daemon_records_a_power_saver_pass_and_backs_off() {
    let mut bus = PrivateBus::start();
    bus.template(
        "power_profiles_daemon",
        Some(r#"{"ActiveProfile": "power-saver"}"#),
        "net.hadess.PowerProfiles",
    );
    let root = FakeRoot::laptop();
    let data = data_dir();
    std::fs::write(
        data.path().join("config.yaml"),
        "sampling:\n  saver_interval: 300ms\nhysteresis:\n  fire_after: 2\n",
    )
    .unwrap();
    let (code, _out, err) = run_cli(
        root.path(),
        data.path(),
        Some(&bus.address),
        &["daemon", "--interval", "100ms", "--ticks", "4"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("backing off (power mode is power-saver)"),
        "{err}"
    );
    let conn = rusqlite::Connection::open(support::db(data.path())).unwrap();
    let (trigger, otype, engine, outcome): (String, String, String, String) = conn
        .query_row(
            "SELECT trigger_type, optimization_type, target_engine, outcome FROM hook_executions",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (
            trigger.as_str(),
            otype.as_str(),
            engine.as_str(),
            outcome.as_str()
        ),
        (
            "on_energy_constraint",
            "energy_efficient",
            "neuromorphic",
            "engine_unavailable"
        )
    );
    let agent: String = conn
        .query_row("SELECT value FROM meta WHERE key = 'agent'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let agent: serde_json::Value = serde_json::from_str(&agent).unwrap();
    assert_eq!(agent["tick_ms"], 300);
    assert_eq!(agent["frugal"], "power mode is power-saver");
    assert_eq!(agent["running"], false);
}
