//! A private Secret Service for tests: a session `dbus-daemon` and `gnome-keyring-daemon`
//! (secrets component, login keyring unlocked with a test password) in a temp home.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::Proc;

pub struct PrivateKeyring {
    pub bus: String,
    pub home: tempfile::TempDir,
    // Dropped in reverse order: the keyring daemon before its bus.
    _keyring: Proc,
    _bus: Proc,
}

impl PrivateKeyring {
    pub fn start() -> PrivateKeyring {
        let home = tempfile::Builder::new()
            .prefix("powerhook-keyring-")
            .tempdir()
            .expect("temp home");
        let run = home.path().join("run");
        std::fs::create_dir_all(&run).expect("runtime dir");
        std::fs::set_permissions(&run, std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .expect("chmod");
        // A session bus without service activation: with the system's session config, the
        // first secret-tool call could activate a second gnome-keyring-daemon (in the bus's
        // environment, with no unlocked keyring) before ours has claimed the name.
        let conf = home.path().join("bus.conf");
        std::fs::write(
            &conf,
            format!(
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN\" \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n\
                 <busconfig><type>session</type><listen>unix:path={}</listen><auth>EXTERNAL</auth>\
                 <policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/><allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>\n",
                home.path().join("bus.sock").display()
            ),
        )
        .expect("bus config");
        let mut bus = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", conf.display()))
            .args(["--nofork", "--nopidfile", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon (run scripts/deps/sync.sh)");
        let mut line = String::new();
        BufReader::new(bus.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("bus address");
        let address = line.trim().to_string();
        let bus = Proc::new("dbus-daemon", bus, libc::SIGTERM);
        let mut kr = Command::new("gnome-keyring-daemon")
            .args(["--unlock", "--components=secrets", "--foreground"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join("data"))
            .env("XDG_RUNTIME_DIR", &run)
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon (run scripts/deps/sync.sh)");
        {
            let mut i = kr.stdin.take().expect("stdin");
            i.write_all(b"keyring-test-password")
                .expect("unlock password");
        }
        let keyring = Proc::new("gnome-keyring-daemon", kr, libc::SIGTERM);
        let k = PrivateKeyring {
            bus: address,
            home,
            _keyring: keyring,
            _bus: bus,
        };
        // Ready once an item can be stored.
        let deadline = Instant::now() + Duration::from_secs(15);
        while !k
            .secret_tool(&["store", "--label=probe", "probe", "1"], Some("x"))
            .0
        {
            assert!(
                Instant::now() < deadline,
                "the test Secret Service did not come up"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        k
    }

    /// Runs secret-tool on this bus: (success, stdout).
    pub fn secret_tool(&self, args: &[&str], input: Option<&str>) -> (bool, String) {
        let mut child = Command::new("secret-tool")
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("secret-tool");
        if let Some(i) = input {
            let _ = child.stdin.take().expect("stdin").write_all(i.as_bytes());
        } else {
            drop(child.stdin.take());
        }
        let out = child.wait_with_output().expect("secret-tool output");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }
}
