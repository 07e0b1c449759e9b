//! Test fixtures shared by the integration tests: fake roots, a private D-Bus, and (in
//! `supabase`) real PostgreSQL + PostgREST for the sync tests.
#![allow(dead_code)]

pub mod auth_standin;
pub mod keyring;
pub mod local;
pub mod proxy;
pub mod supabase;
pub use supabase::*;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A fake `/proc` + `/sys` tree in a temp dir (the model: starship-battery's sysfs test
/// suites). Each setter writes one file the way the kernel lays it out.
pub struct FakeRoot {
    pub dir: tempfile::TempDir,
}

impl FakeRoot {
    /// A plausible idle 2-core laptop: CPU counters, 50 % memory, load, PSI.
    pub fn laptop() -> FakeRoot {
        let r = FakeRoot {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        r.cpu_stat(&[(1000, 9000), (500, 4500), (500, 4500)]);
        r.meminfo(8_000_000, 4_000_000, 2_000_000, 2_000_000);
        r.write("proc/loadavg", "0.52 0.40 0.30 1/234 5678\n");
        for res in ["cpu", "memory", "io"] {
            r.write(
                &format!("proc/pressure/{res}"),
                "some avg10=0.50 avg60=0.20 avg300=0.10 total=12345\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
            );
        }
        r.cpufreq(0, 2_400_000, 400_000, 3_600_000);
        r.cpufreq(1, 2_400_000, 400_000, 3_600_000);
        r
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write a file atomically (a reader never sees half of it).
    pub fn write(&self, rel: &str, content: &str) {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        let tmp = p.with_extension("tmp~");
        std::fs::write(&tmp, content).expect("write fixture");
        std::fs::rename(&tmp, &p).expect("rename fixture");
    }

    pub fn remove(&self, rel: &str) {
        let _ = std::fs::remove_file(self.dir.path().join(rel));
    }

    /// `/proc/stat` with `(busy, idle)` jiffies: the total first, then each core.
    pub fn cpu_stat(&self, lines: &[(u64, u64)]) {
        let mut s = String::new();
        for (i, (busy, idle)) in lines.iter().enumerate() {
            let name = if i == 0 {
                "cpu".to_string()
            } else {
                format!("cpu{}", i - 1)
            };
            s.push_str(&format!("{name} {busy} 0 0 {idle} 0 0 0 0 0 0\n"));
        }
        s.push_str("intr 0\nctxt 0\nbtime 0\nprocesses 1\n");
        self.write("proc/stat", &s);
    }

    pub fn meminfo(&self, total_kb: u64, available_kb: u64, swap_total_kb: u64, swap_free_kb: u64) {
        self.write(
            "proc/meminfo",
            &format!(
                "MemTotal:       {total_kb} kB\nMemFree:        {available_kb} kB\nMemAvailable:   {available_kb} kB\nSwapTotal:      {swap_total_kb} kB\nSwapFree:       {swap_free_kb} kB\n"
            ),
        );
    }

    pub fn platform_profile(&self, profile: &str) {
        self.write(
            "sys/firmware/acpi/platform_profile",
            &format!("{profile}\n"),
        );
        self.write(
            "sys/firmware/acpi/platform_profile_choices",
            "low-power balanced performance\n",
        );
    }

    pub fn cpufreq(&self, cpu: u32, cur: u64, min: u64, max: u64) {
        let base = format!("sys/devices/system/cpu/cpu{cpu}/cpufreq");
        self.write(&format!("{base}/scaling_cur_freq"), &format!("{cur}\n"));
        self.write(&format!("{base}/cpuinfo_min_freq"), &format!("{min}\n"));
        self.write(&format!("{base}/cpuinfo_max_freq"), &format!("{max}\n"));
        self.write(
            &format!("{base}/energy_performance_preference"),
            "balance_performance\n",
        );
    }

    /// A process whose `utime + stime` is `ticks`.
    pub fn process(&self, pid: u32, comm: &str, ticks: u64) {
        self.write(
            &format!("proc/{pid}/stat"),
            &format!("{pid} ({comm}) R 1 {pid} {pid} 0 -1 4194304 100 0 0 0 {ticks} 0 0 0 20 0 4 0 1000 100000 100 18446744073709551615\n"),
        );
    }

    pub fn mains(&self, online: bool) {
        self.write("sys/class/power_supply/AC/type", "Mains\n");
        self.write(
            "sys/class/power_supply/AC/online",
            if online { "1\n" } else { "0\n" },
        );
    }
}

/// Keeps `/proc/stat` moving at a given CPU share, as a busy or idle machine does, until
/// dropped.
pub struct CpuLoad {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl CpuLoad {
    pub fn start(root: &Path, busy_percent: u64) -> CpuLoad {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let root = root.to_path_buf();
        let handle = std::thread::spawn(move || {
            let (mut busy, mut idle) = (1000u64, 9000u64);
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                busy += busy_percent;
                idle += 100 - busy_percent;
                let s = format!(
                    "cpu {busy} 0 0 {idle} 0 0 0 0 0 0\ncpu0 {} 0 0 {} 0 0 0 0 0 0\ncpu1 {} 0 0 {} 0 0 0 0 0 0\n",
                    busy / 2,
                    idle / 2,
                    busy / 2,
                    idle / 2
                );
                let p = root.join("proc/stat");
                let tmp = root.join("proc/stat.tmp~");
                if std::fs::write(&tmp, s).is_ok() {
                    let _ = std::fs::rename(&tmp, &p);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        CpuLoad {
            stop,
            handle: Some(handle),
        }
    }
}

impl Drop for CpuLoad {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// A child process killed (by its pid) when dropped.
pub struct Reaped(pub Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A private `dbus-daemon` standing in for the system bus, with python-dbusmock services on it.
pub struct PrivateBus {
    pub address: String,
    daemon: Reaped,
    mocks: Vec<Reaped>,
    _dir: tempfile::TempDir,
}

/// Debian's python3-dbusmock is installed for the system interpreter, not the `python3`
/// first on PATH.
pub const SYSTEM_PYTHON: &str = "/usr/bin/python3";

impl PrivateBus {
    pub fn start() -> PrivateBus {
        let dir = tempfile::tempdir().expect("temp dir");
        let conf = dir.path().join("bus.conf");
        let socket = dir.path().join("bus.sock");
        std::fs::write(
            &conf,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="signal"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
  </policy>
</busconfig>
"#,
                socket.display()
            ),
        )
        .expect("bus config");
        let mut child = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", conf.display()))
            .arg("--nofork")
            .arg("--print-address=1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect(
                "dbus-daemon must be installed (package dbus-daemon); the test command installs it",
            );
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("bus address");
        PrivateBus {
            address: line.trim().to_string(),
            daemon: Reaped(child),
            mocks: Vec::new(),
            _dir: dir,
        }
    }

    /// Start `python3 -m dbusmock --system --template NAME [-p PARAMS]` and wait for `bus_name`.
    pub fn template(&mut self, template: &str, params: Option<&str>, bus_name: &str) {
        let mut cmd = Command::new(SYSTEM_PYTHON);
        cmd.args(["-m", "dbusmock", "--system", "--template", template]);
        if let Some(p) = params {
            cmd.args(["-p", p]);
        }
        self.spawn_mock(cmd, bus_name);
    }

    /// A bare mock object `python3 -m dbusmock --system NAME PATH IFACE`.
    pub fn object(&mut self, bus_name: &str, path: &str, iface: &str) {
        let mut cmd = Command::new(SYSTEM_PYTHON);
        cmd.args(["-m", "dbusmock", "--system", bus_name, path, iface]);
        self.spawn_mock(cmd, bus_name);
    }

    fn spawn_mock(&mut self, mut cmd: Command, bus_name: &str) {
        let child = cmd
            .env("DBUS_SYSTEM_BUS_ADDRESS", &self.address)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3-dbusmock must be installed for /usr/bin/python3");
        self.mocks.push(Reaped(child));
        let conn = self.connect();
        let dbus = zbus::blocking::fdo::DBusProxy::new(&conn).expect("bus proxy");
        let deadline = Instant::now() + Duration::from_secs(20);
        let name = zbus::names::BusName::try_from(bus_name).expect("bus name");
        while !dbus.name_has_owner(name.clone()).unwrap_or(false) {
            assert!(
                Instant::now() < deadline,
                "{bus_name} did not appear on the private bus"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// power-profiles-daemon under its current name
    /// (`org.freedesktop.UPower.PowerProfiles`) with `ActiveProfile` = `profile`: dbusmock's
    /// template registers only the legacy name, so this is a bare object with the property.
    pub fn current_power_profiles(&mut self, profile: &str) {
        let name = "org.freedesktop.UPower.PowerProfiles";
        let path = "/org/freedesktop/UPower/PowerProfiles";
        self.object(name, path, name);
        self.call(
            name,
            path,
            "org.freedesktop.DBus.Mock",
            "AddProperty",
            &(name, "ActiveProfile", zbus::zvariant::Value::from(profile)),
        );
    }

    pub fn connect(&self) -> zbus::blocking::Connection {
        zbus::blocking::connection::Builder::address(self.address.as_str())
            .expect("address")
            .build()
            .expect("connect to the private bus")
    }

    /// Call a method on a mock (e.g. `org.freedesktop.DBus.Mock.AddDischargingBattery`).
    pub fn call<B>(&self, dest: &str, path: &str, iface: &str, method: &str, body: &B)
    where
        B: serde::Serialize + zbus::zvariant::DynamicType,
    {
        self.connect()
            .call_method(Some(dest), path, Some(iface), method, body)
            .unwrap_or_else(|e| panic!("{iface}.{method}: {e}"));
    }

    pub fn pid(&self) -> u32 {
        self.daemon.0.id()
    }
}

/// The built `powerhook` binary.
pub fn powerhook() -> Command {
    Command::new(env!("CARGO_BIN_EXE_powerhook"))
}

/// `powerhook` with `data` as its data dir and `data/config.yaml` (created empty when absent)
/// as its config, so that no config of the person running the tests is read.
pub fn powerhook_in(data: &Path) -> Command {
    let config = data.join("config.yaml");
    if !config.exists() {
        std::fs::write(&config, "").expect("empty config");
    }
    let mut cmd = powerhook();
    cmd.env("POWERHOOK_DATA_DIR", data)
        .env("POWERHOOK_CONFIG", config);
    cmd
}

/// Run `cmd` with `stdin` written to its standard input; its output.
pub fn output_with_stdin(cmd: &mut Command, stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run powerhook");
    {
        let mut i = child.stdin.take().expect("stdin");
        let _ = i.write_all(stdin.as_bytes());
    }
    child.wait_with_output().expect("wait")
}

/// Run `powerhook` with a fake root, a data dir and (optionally) a private bus; return
/// (exit code, stdout, stderr).
pub fn run_cli(
    root: &Path,
    data: &Path,
    bus: Option<&str>,
    args: &[&str],
) -> (i32, String, String) {
    let mut cmd = powerhook();
    cmd.args(args)
        .env("POWERHOOK_ROOT", root)
        .env("POWERHOOK_DATA_DIR", data)
        .env("POWERHOOK_CONFIG", data.join("config.yaml"))
        .env("POWERHOOK_LOG", "info");
    match bus {
        Some(a) => cmd.env("DBUS_SYSTEM_BUS_ADDRESS", a),
        // No bus at all: an address that cannot be reached.
        None => cmd.env(
            "DBUS_SYSTEM_BUS_ADDRESS",
            format!("unix:path={}", data.join("no-bus.sock").display()),
        ),
    };
    let out = cmd.output().expect("run powerhook");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn data_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("temp dir");
    std::fs::write(d.path().join("config.yaml"), "").expect("empty config");
    d
}

pub fn db(data: &Path) -> PathBuf {
    data.join("powerhook.db")
}
