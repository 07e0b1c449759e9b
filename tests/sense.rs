//! The sense stage on fake roots: real files, broken files, vanishing files.

mod support;

use powerhook::root::Root;
use powerhook::sense::Sensor;
use support::{data_dir, run_cli, FakeRoot};

#[test]
fn a_fake_laptop_reads_back_as_written() {
    let root = FakeRoot::laptop();
    let mut sensor = Sensor::new(Root::new(root.path()), 3);
    sensor.prime();
    root.cpu_stat(&[
        (1000 + 300, 9000 + 700),
        (500 + 300, 4500 + 200),
        (500, 4500 + 500),
    ]);
    root.process(101, "cc1plus", 10);
    root.process(102, "Web Content", 5);
    let s = sensor.sample(Some(0.3), true);
    let cpu = s.cpu.as_ref().expect("cpu");
    assert!((cpu.total_percent - 30.0).abs() < 1e-9, "{cpu:?}");
    assert_eq!(cpu.per_core_percent.len(), 2);
    assert!((cpu.per_core_percent[0] - 60.0).abs() < 1e-9);
    assert_eq!(s.memory_percent(), Some(50.0));
    assert_eq!(s.memory.as_ref().map(|m| m.swap_used_percent), Some(0.0));
    assert_eq!(s.load.as_ref().map(|l| l.one), Some(0.52));
    let psi = s.pressure.as_ref().expect("psi");
    assert_eq!(psi.cpu.as_ref().map(|c| c.some_avg10), Some(0.5));
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert!(!s.gpu.present);

    // The second scan sees CPU time move.
    root.process(101, "cc1plus", 60);
    root.process(102, "Web Content", 6);
    std::thread::sleep(std::time::Duration::from_millis(50));
    let s = sensor.sample(Some(0.3), true);
    assert_eq!(
        s.top_processes.first().map(|p| p.name.as_str()),
        Some("cc1plus")
    );
    assert_eq!(s.top_processes.first().map(|p| p.pid), Some(101));
}

#[test]
fn broken_files_are_errors_for_that_reading_never_a_panic() {
    let root = FakeRoot::laptop();
    let mut sensor = Sensor::new(Root::new(root.path()), 3);
    sensor.prime();
    let huge = "9".repeat(2 << 20);
    let cases: Vec<(&str, String, &str)> = vec![
        ("proc/stat", String::new(), "cpu"),
        ("proc/stat", "cpu a b c d\n".into(), "cpu"),
        ("proc/stat", huge.clone(), "cpu"),
        ("proc/meminfo", "MemTotal: many kB\n".into(), "memory"),
        ("proc/meminfo", "\u{0}\u{1}garbage".into(), "memory"),
        ("proc/loadavg", "".into(), "load"),
        ("proc/loadavg", "x y z".into(), "load"),
        ("proc/pressure/cpu", "some avg10=lots\n".into(), "pressure"),
        ("proc/pressure/io", "nothing useful\n".into(), "pressure"),
    ];
    for (file, content, reading) in cases {
        let fresh = FakeRoot::laptop();
        let mut s = Sensor::new(Root::new(fresh.path()), 3);
        s.prime();
        fresh.write(file, &content);
        let sample = s.sample(Some(1.0), true);
        assert!(
            sample
                .errors
                .iter()
                .any(|e| e.reading == reading && e.message.contains(file)),
            "{file} with {:?}: {:?}",
            content.chars().take(20).collect::<String>(),
            sample.errors
        );
    }
    // Missing files: memory missing is an error naming the file; missing PSI is absence.
    root.remove("proc/meminfo");
    for r in ["cpu", "memory", "io"] {
        root.remove(&format!("proc/pressure/{r}"));
    }
    let s = sensor.sample(Some(1.0), false);
    assert!(s.memory.is_none());
    assert!(s
        .errors
        .iter()
        .any(|e| e.reading == "memory" && e.message.contains("missing")));
    assert!(s.pressure.is_none());
    assert!(!s.errors.iter().any(|e| e.reading == "pressure"));
}

#[test]
fn processes_that_vanish_mid_scan_are_skipped() {
    let root = FakeRoot::laptop();
    for pid in 200..400 {
        root.process(pid, "worker", 1);
    }
    let mut sensor = Sensor::new(Root::new(root.path()), 5);
    sensor.prime();
    let path = root.path().to_path_buf();
    let remover = std::thread::spawn(move || {
        for pid in 200..400 {
            let _ = std::fs::remove_dir_all(path.join(format!("proc/{pid}")));
        }
    });
    for _ in 0..20 {
        let s = sensor.sample(Some(1.0), true);
        assert!(
            !s.errors.iter().any(|e| e.reading == "processes"),
            "{:?}",
            s.errors
        );
    }
    remover.join().expect("remover");
    // A busy process is in the top list; once its stat turns to garbage it is skipped, with
    // no error for the whole reading.
    root.process(999, "x", 100);
    sensor.sample(Some(1.0), true);
    root.process(999, "x", 200);
    let s = sensor.sample(Some(1.0), true);
    assert!(s.top_processes.iter().any(|p| p.pid == 999), "{s:?}");
    root.write("proc/999/stat", "999 (x");
    let s = sensor.sample(Some(1.0), true);
    assert!(s.top_processes.iter().all(|p| p.pid != 999));
    assert!(!s.errors.iter().any(|e| e.reading == "processes"));
}

#[test]
fn status_without_a_bus_reads_platform_profile_and_reports_no_battery() {
    let root = FakeRoot::laptop();
    root.platform_profile("low-power");
    root.mains(true);
    let data = data_dir();
    let (code, out, err) = run_cli(root.path(), data.path(), None, &["status", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("status --json is JSON");
    assert_eq!(
        v["sample"]["battery"],
        serde_json::Value::Null,
        "no battery on this fake root"
    );
    assert_eq!(v["sample"]["ac_online"], true);
    assert_eq!(v["sample"]["power_mode"]["profile"], "low-power");
    assert_eq!(v["sample"]["power_mode"]["source"], "platform_profile");
    assert_eq!(v["sample"]["power_mode"]["efficiency"], true);
    let triggers: Vec<&str> = v["active_triggers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["signal"].as_str())
        .collect();
    assert!(triggers.contains(&"power_saver"), "{triggers:?}");
    assert_eq!(v["strategy"]["optimization_type"], "energy_efficient");
    assert_eq!(v["frugal"]["active"], true);
    assert_eq!(v["frugal"]["tick_ms"], 5000);
    assert!(
        !data.path().join("powerhook.db").exists(),
        "status has no side effects"
    );
}

#[test]
fn status_shows_a_broken_reading_and_still_answers() {
    let root = FakeRoot::laptop();
    root.write("proc/meminfo", "MemTotal: ??? kB\n");
    let data = data_dir();
    let (code, out, err) = run_cli(root.path(), data.path(), None, &["status", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["sample"]["memory"], serde_json::Value::Null);
    let errors = v["sample"]["errors"].as_array().unwrap();
    assert!(errors.iter().any(|e| e["reading"] == "memory" && e["message"].as_str().unwrap().contains("meminfo")), "{errors:?}");
    let (code, out, _) = run_cli(root.path(), data.path(), None, &["status"]);
    assert_eq!(code, 0);
    assert!(out.contains("error      memory:"), "{out}");
}

#[test]
fn drm_cards_are_gpus_and_connectors_are_not() {
    let root = FakeRoot::laptop();
    root.write("sys/class/drm/card0/device/vendor", "0x8086\n");
    root.write("sys/class/drm/card0-eDP-1/status", "connected\n");
    root.write("sys/class/drm/renderD128/dev", "226:128\n");
    let mut sensor = Sensor::new(Root::new(root.path()), 3);
    let s = sensor.sample(None, true);
    assert!(s.gpu.present);
    assert_eq!(s.gpu.source, Some("drm"));
    assert_eq!(s.gpu.devices.len(), 1);
    assert_eq!(s.gpu.devices[0].vendor_name, Some("Intel"));
}
