//! A power service that is not on the bus is not asked again on every tick: the sensor
//! remembers the absence for a minute. (Its own test binary: it points this process's
//! system bus address at a private bus.)

mod support;

use powerhook::root::Root;
use powerhook::sense::Sensor;
use support::{FakeRoot, PrivateBus};

#[test]
fn an_absent_power_profiles_name_is_asked_again_only_after_a_minute() {
    let mut bus = PrivateBus::start();
    bus.template(
        "power_profiles_daemon",
        Some(r#"{"ActiveProfile": "power-saver"}"#),
        "net.hadess.PowerProfiles",
    );
    std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", &bus.address);
    let root = FakeRoot::laptop();
    let mut sensor = Sensor::new(Root::new(root.path()), 0);
    let s = sensor.sample(None, false);
    let mode = s.power_mode.expect("a power mode");
    assert_eq!(mode.profile, "power-saver");
    assert_eq!(mode.source, "power-profiles-daemon (legacy name)");
    assert!(s.battery.is_none(), "no UPower on this bus");

    // The current name appears. The sensor, which found it absent a moment ago, keeps
    // reading the legacy name: it does not ask the bus for the absent one on every tick.
    bus.current_power_profiles("performance");
    let s = sensor.sample(None, false);
    let mode = s.power_mode.expect("a power mode");
    assert_eq!(mode.source, "power-profiles-daemon (legacy name)");
    assert_eq!(mode.profile, "power-saver");
    // A fresh sensor (a restart) asks it and prefers it.
    let mut fresh = Sensor::new(Root::new(root.path()), 0);
    let mode = fresh.sample(None, false).power_mode.expect("a power mode");
    assert_eq!(mode.source, "power-profiles-daemon");
    assert_eq!(mode.profile, "performance");
}
