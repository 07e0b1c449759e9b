//! Test harness for sync: a real PostgreSQL 15 in a temp dir on a private port, Supabase's
//! roles and `auth.uid()` (supabase_bootstrap.sql), our migrations, PostgREST 12.0.2 in front,
//! JWTs signed with a test secret; plus the local SQLite store and helpers to compare both.
//! Every process started here is stopped by pid when its handle drops.
#![allow(dead_code)]

use std::fs;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const JWT_SECRET: &str = "powerhook-test-secret-0123456789-abcdefghij";
pub const AUTHENTICATOR_PASSWORD: &str = "authenticator-test-password";

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A free TCP port on 127.0.0.1 (bound then released).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local addr").port()
}

/// A child process stopped by pid on drop: `stop_signal` first, SIGKILL after a grace period.
pub struct Proc {
    pub name: String,
    child: Option<Child>,
    stop_signal: i32,
}

impl Proc {
    pub fn new(name: &str, child: Child, stop_signal: i32) -> Self {
        Proc {
            name: name.to_string(),
            child: Some(child),
            stop_signal,
        }
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.id())
    }

    /// Stops the process (graceful signal, then SIGKILL after `grace`) and reaps it.
    pub fn stop_with(&mut self, signal: i32, grace: Duration) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let pid = child.id() as i32;
        unsafe {
            libc::kill(pid, signal);
        }
        let deadline = Instant::now() + grace;
        loop {
            match child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => break,
            }
        }
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
        let _ = child.wait();
    }

    pub fn stop(&mut self) {
        let sig = self.stop_signal;
        self.stop_with(sig, Duration::from_secs(10));
    }

    pub fn kill9(&mut self) {
        self.stop_with(libc::SIGKILL, Duration::from_secs(0));
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// PostgreSQL's binaries: `PG_BIN`, else `pg_config --bindir`, else the newest
/// `/usr/lib/postgresql/*/bin` (Debian's layout).
pub fn pg_bin_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("PG_BIN") {
        return PathBuf::from(d);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let d = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if d.join("initdb").exists() {
            return d;
        }
    }
    let mut dirs: Vec<PathBuf> = fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    dirs.retain(|d| d.join("initdb").exists());
    dirs.sort_by_key(|d| {
        d.parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(0)
    });
    dirs.pop()
        .expect("PostgreSQL not found: run scripts/deps/sync.sh (or set PG_BIN)")
}

pub fn postgrest_bin() -> PathBuf {
    std::env::var_os("POSTGREST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".tmp/postgrest/package/postgrest"))
}

fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

/// uid/gid of the `postgres` user, from /etc/passwd.
fn postgres_ids() -> (u32, u32) {
    let passwd = fs::read_to_string("/etc/passwd").expect("read /etc/passwd");
    for line in passwd.lines() {
        let f: Vec<&str> = line.split(':').collect();
        if f.len() > 3 && f[0] == "postgres" {
            return (
                f[2].parse().expect("postgres uid"),
                f[3].parse().expect("postgres gid"),
            );
        }
    }
    panic!("running as root needs a `postgres` user (Debian's postgresql package creates it)");
}

/// A command for a PostgreSQL server binary: as root, run as the `postgres` user.
fn pg_command(bin: &str) -> Command {
    let path = pg_bin_dir().join(bin);
    if is_root() {
        let mut c = Command::new("setpriv");
        c.args([
            "--reuid=postgres",
            "--regid=postgres",
            "--init-groups",
            "--",
        ])
        .arg(path);
        c
    } else {
        Command::new(path)
    }
}

fn chown_tree(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).expect("chown");
    if path.is_dir() {
        for e in fs::read_dir(path).expect("read dir").flatten() {
            chown_tree(&e.path(), uid, gid);
        }
    }
}

/// A PostgreSQL cluster in a temp dir.
pub struct Postgres {
    pub port: u16,
    pub dir: tempfile::TempDir,
    durable: bool,
    proc: Option<Proc>,
}

impl Postgres {
    /// initdb + start. `durable` false turns fsync off (tests); the benchmark keeps defaults.
    pub fn start(durable: bool) -> Postgres {
        let dir = tempfile::Builder::new()
            .prefix("powerhook-pg-")
            .tempdir()
            .expect("temp dir");
        let data = dir.path().join("data");
        if is_root() {
            let (uid, gid) = postgres_ids();
            chown_tree(dir.path(), uid, gid);
        }
        let out = pg_command("initdb")
            .current_dir(dir.path())
            .args(["-D"])
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ])
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // The superuser connects without a password (tests only); PostgREST's authenticator
        // logs in with its password like on Supabase.
        fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\n\
             host all postgres 127.0.0.1/32 trust\n\
             host all all 127.0.0.1/32 scram-sha-256\n",
        )
        .expect("write pg_hba.conf");
        let mut pg = Postgres {
            port: free_port(),
            dir,
            durable,
            proc: None,
        };
        pg.start_server();
        pg
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn start_server(&mut self) {
        assert!(self.proc.is_none(), "postgres already running");
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("postgres.log"))
            .expect("postgres log");
        let mut cmd = pg_command("postgres");
        cmd.current_dir(self.dir.path())
            .arg("-D")
            .arg(self.data_dir())
            .args(["-p", &self.port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!(
                "unix_socket_directories={}",
                self.dir.path().display()
            ))
            .args(["-c", "max_connections=50"]);
        if !self.durable {
            cmd.args([
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ]);
        }
        let child = cmd
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start postgres");
        // SIGINT: fast shutdown (roll back, disconnect, checkpoint).
        self.proc = Some(Proc::new("postgres", child, libc::SIGINT));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ok = Command::new(pg_bin_dir().join("pg_isready"))
                .args(["-q", "-h", "127.0.0.1", "-p", &self.port.to_string()])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if ok {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "postgres did not start: {}",
                fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn stop_server(&mut self) {
        if let Some(mut p) = self.proc.take() {
            p.stop();
        }
    }

    fn psql_cmd(&self) -> Command {
        let mut c = Command::new(pg_bin_dir().join("psql"));
        c.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-d",
                "postgres",
            ]);
        c
    }

    /// Runs SQL as the superuser; returns stdout (unaligned, tuples only, fields split by \x1f).
    pub fn psql(&self, sql: &str) -> String {
        let out = self
            .psql_cmd()
            .args(["-F", "\x1f", "-P", "null=\x1e"])
            .args(["-c", sql])
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "psql failed on {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn psql_file(&self, file: &Path, vars: &[(&str, &str)]) {
        let mut c = self.psql_cmd();
        for (k, v) in vars {
            c.args(["-v", &format!("{k}={v}")]);
        }
        let out = c.arg("-f").arg(file).output().expect("run psql -f");
        assert!(
            out.status.success(),
            "{} failed: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn count(&self, sql: &str) -> u64 {
        self.psql(sql).trim().parse().expect("a count")
    }
}

/// Supabase for tests: PostgreSQL with the bootstrap and our migrations, PostgREST in front.
pub struct Supabase {
    pub pg: Postgres,
    pub rest_port: u16,
    pub admin_port: u16,
    rest: Option<Proc>,
}

impl Supabase {
    pub fn start() -> Supabase {
        Self::start_with(false)
    }

    pub fn start_with(durable: bool) -> Supabase {
        let pg = Postgres::start(durable);
        pg.psql_file(
            &repo_root().join("tests/support/supabase_bootstrap.sql"),
            &[("authenticator_password", AUTHENTICATOR_PASSWORD)],
        );
        let mut migrations: Vec<PathBuf> = fs::read_dir(repo_root().join("migrations/supabase"))
            .expect("migrations/supabase")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .collect();
        migrations.sort();
        for m in &migrations {
            pg.psql_file(m, &[]);
        }
        let mut s = Supabase {
            pg,
            rest_port: free_port(),
            admin_port: free_port(),
            rest: None,
        };
        s.start_rest();
        s
    }

    pub fn rest_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.rest_port)
    }

    pub fn start_rest(&mut self) {
        assert!(self.rest.is_none(), "postgrest already running");
        let bin = postgrest_bin();
        assert!(
            bin.exists(),
            "PostgREST not found at {}: run scripts/deps/sync.sh or set POSTGREST_BIN",
            bin.display()
        );
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.pg.dir.path().join("postgrest.log"))
            .expect("postgrest log");
        let child = Command::new(bin)
            .env_clear()
            .env(
                "PGRST_DB_URI",
                format!(
                    "postgres://authenticator:{AUTHENTICATOR_PASSWORD}@127.0.0.1:{}/postgres",
                    self.pg.port
                ),
            )
            .env("PGRST_DB_SCHEMAS", "public")
            .env("PGRST_DB_ANON_ROLE", "anon")
            .env("PGRST_JWT_SECRET", JWT_SECRET)
            .env("PGRST_SERVER_HOST", "127.0.0.1")
            .env("PGRST_SERVER_PORT", self.rest_port.to_string())
            .env("PGRST_ADMIN_SERVER_PORT", self.admin_port.to_string())
            .env("PGRST_DB_POOL", "10")
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start postgrest");
        self.rest = Some(Proc::new("postgrest", child, libc::SIGTERM));
        self.wait_ready(Duration::from_secs(30));
    }

    /// Waits until PostgREST's admin `/ready` says it has a database connection and schema.
    pub fn wait_ready(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            if http_status(self.admin_port, "/ready") == Some(200) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "postgrest not ready: {}",
                fs::read_to_string(self.pg.dir.path().join("postgrest.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn stop_rest(&mut self) {
        if let Some(mut p) = self.rest.take() {
            p.stop();
        }
    }

    pub fn kill_rest(&mut self) {
        if let Some(mut p) = self.rest.take() {
            p.kill9();
        }
    }
}

/// GET on 127.0.0.1:port, the status code (None if nothing answers).
pub fn http_status(port: u16, path: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut s = TcpStream::connect_timeout(
        &format!("127.0.0.1:{port}").parse().ok()?,
        Duration::from_secs(1),
    )
    .ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let head = String::from_utf8_lossy(&buf);
    head.split_whitespace().nth(1)?.parse().ok()
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// An HS256 JWT as Supabase Auth issues it, signed with the test secret.
pub fn jwt(sub: Option<&str>, role: &str, exp: u64) -> String {
    let mut claims = serde_json::json!({
        "role": role,
        "aud": "authenticated",
        "iat": unix_now(),
        "exp": exp,
    });
    if let Some(s) = sub {
        claims["sub"] = serde_json::Value::String(s.to_string());
    }
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(JWT_SECRET.as_bytes()),
    )
    .expect("sign jwt")
}

/// A signed-in user's JWT valid for an hour.
pub fn user_jwt(user_id: &str) -> String {
    jwt(Some(user_id), "authenticated", unix_now() + 3600)
}

/// Credentials for `rest_url` as `user_id` with a fixed JWT (no session, no refresh).
pub fn user_creds(rest_url: String, user_id: &str) -> powerhook::sync::Credentials {
    powerhook::sync::Credentials {
        rest_url,
        auth_url: None,
        anon_key: Some(anon_key()),
        token: powerhook::sync::TokenSource::Fixed(user_jwt(user_id)),
    }
}

/// The anon key: a JWT with role anon, as Supabase's anon key is.
pub fn anon_key() -> String {
    jwt(None, "anon", unix_now() + 10 * 365 * 24 * 3600)
}

/// A random UUID v4 string.
pub fn uuid_v4(rng: &mut fastrand::Rng) -> String {
    let mut b = [0u8; 16];
    for x in b.iter_mut() {
        *x = rng.u8(..);
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
