//! The Supabase Auth session: where the REST API is, which JWT to send, and how to refresh it.
//! Sessions are kept in the OS keyring (Secret Service, through libsecret's `secret-tool`) where
//! one runs, else in a mode-0600 file in the data dir (`session.json`), replaced atomically
//! (write a temp file, fsync, rename) because Supabase's refresh tokens are single-use.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::SyncError;

/// A signed-in user's tokens as Supabase Auth returns them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    /// Unix seconds at which the access token expires.
    pub expires_at: u64,
    pub user_id: Option<String>,
    pub email: Option<String>,
}

impl Session {
    /// True if the access token expires within `margin`.
    pub fn expires_within(&self, margin: Duration) -> bool {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        self.expires_at <= now.saturating_add(margin.as_secs())
    }
}

/// Where a session was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionBackend {
    SecretService,
    File,
}

/// The Secret Service attribute naming powerhook's items (`account` is the data dir).
pub const SECRET_SERVICE_NAME: &str = "powerhook-supabase";

/// A Secret Service reached through `secret-tool` on a given session bus.
#[derive(Debug, Clone)]
struct SecretService {
    bus: String,
    account: String,
}

impl SecretService {
    const TIMEOUT: Duration = Duration::from_secs(5);

    /// Runs `secret-tool`; None if it could not run, failed, or took longer than 5 s (a
    /// locked keyring waiting for a prompt nobody answers).
    fn run(&self, args: &[&str], input: Option<&[u8]>) -> Option<Vec<u8>> {
        let mut child = Command::new("secret-tool")
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        if let (Some(data), Some(mut stdin)) = (input, child.stdin.take()) {
            if stdin.write_all(data).is_err() {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
        let deadline = Instant::now() + Self::TIMEOUT;
        loop {
            match child.try_wait() {
                Ok(Some(status)) => {
                    let mut out = Vec::new();
                    if let Some(mut o) = child.stdout.take() {
                        use std::io::Read;
                        let _ = o.read_to_end(&mut out);
                    }
                    return status.success().then_some(out);
                }
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return None;
                }
            }
        }
    }

    fn attrs(&self) -> [&str; 4] {
        ["service", SECRET_SERVICE_NAME, "account", &self.account]
    }

    fn lookup(&self) -> Option<Vec<u8>> {
        let mut args = vec!["lookup"];
        args.extend(self.attrs());
        self.run(&args, None).filter(|v| !v.is_empty())
    }

    fn store(&self, secret: &[u8]) -> bool {
        let mut args = vec!["store", "--label=powerhook Supabase session"];
        args.extend(self.attrs());
        self.run(&args, Some(secret)).is_some()
    }

    fn clear(&self) -> bool {
        let mut args = vec!["clear"];
        args.extend(self.attrs());
        self.run(&args, None).is_some()
    }
}

/// The stored session: in the Secret Service when one answers, else the file in the data dir.
#[derive(Debug, Clone)]
pub struct SessionStore {
    path: PathBuf,
    keyring: Option<SecretService>,
}

impl SessionStore {
    /// The file in the data dir only.
    pub fn in_data_dir(data_dir: &Path) -> Self {
        SessionStore {
            path: data_dir.join("session.json"),
            keyring: None,
        }
    }

    /// The Secret Service on the session bus `DBUS_SESSION_BUS_ADDRESS` if set and `secret-tool`
    /// is installed (unless `POWERHOOK_SESSION_STORE=file`), with the file as the fallback.
    pub fn detect(var: impl Fn(&str) -> Option<String>, data_dir: &Path) -> Self {
        let mut s = Self::in_data_dir(data_dir);
        let wanted = var("POWERHOOK_SESSION_STORE").is_none_or(|v| v.trim() != "file");
        let bus = var("DBUS_SESSION_BUS_ADDRESS").filter(|b| !b.trim().is_empty());
        let tool = std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("secret-tool").is_file()));
        if let (true, true, Some(bus)) = (wanted, tool, bus) {
            let account = std::path::absolute(data_dir)
                .unwrap_or_else(|_| data_dir.to_path_buf())
                .display()
                .to_string();
            s.keyring = Some(SecretService { bus, account });
        }
        s
    }

    /// The session file (used when no Secret Service takes the session).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where `save` will try first, for messages.
    pub fn describe(&self) -> String {
        match &self.keyring {
            Some(k) => format!(
                "the Secret Service (service={SECRET_SERVICE_NAME} account={}), else {}",
                k.account,
                self.path.display()
            ),
            None => self.path.display().to_string(),
        }
    }

    pub fn load(&self) -> Result<Option<Session>, SyncError> {
        if let Some(bytes) = self.keyring.as_ref().and_then(SecretService::lookup) {
            return serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                SyncError::Config(format!(
                    "the Secret Service item {SECRET_SERVICE_NAME} is not a powerhook session \
                     ({e}); run `powerhook login` again"
                ))
            });
        }
        match fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                SyncError::Config(format!(
                    "{} is not a powerhook session ({e}); run `powerhook login` again",
                    self.path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(SyncError::Io {
                path: self.path.display().to_string(),
                source: e,
            }),
        }
    }

    /// Replaces the session atomically: in the Secret Service if it takes it (then any file
    /// copy is removed), else in the file, created with mode 0600.
    pub fn save(&self, session: &Session) -> Result<SessionBackend, SyncError> {
        if let Some(k) = &self.keyring {
            if k.store(&serde_json::to_vec(session)?) {
                self.remove_file()?;
                return Ok(SessionBackend::SecretService);
            }
        }
        self.save_file(session)?;
        Ok(SessionBackend::File)
    }

    fn save_file(&self, session: &Session) -> Result<(), SyncError> {
        let io = |e| SyncError::Io {
            path: self.path.display().to_string(),
            source: e,
        };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(io)?;
        let tmp = self
            .path
            .with_extension(format!("json.tmp{}", std::process::id()));
        let body = serde_json::to_vec_pretty(session)?;
        {
            let mut f = fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)
                .map_err(io)?;
            f.write_all(&body).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        fs::rename(&tmp, &self.path).map_err(io)?;
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// Deletes the session from both places. Returns whether one was stored.
    pub fn remove(&self) -> Result<bool, SyncError> {
        let in_keyring = self
            .keyring
            .as_ref()
            .is_some_and(|k| k.lookup().is_some() && k.clear());
        Ok(self.remove_file()? || in_keyring)
    }

    fn remove_file(&self) -> Result<bool, SyncError> {
        match fs::remove_file(&self.path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(SyncError::Io {
                path: self.path.display().to_string(),
                source: e,
            }),
        }
    }
}

/// Where the JWT for uploads comes from.
#[derive(Debug, Clone)]
pub enum TokenSource {
    /// `SUPABASE_ACCESS_TOKEN`: used as is, never refreshed.
    Fixed(String),
    /// The stored session from `powerhook login`.
    Stored(SessionStore),
}

/// Endpoints, the public anon key, and the user's token source.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// PostgREST base, e.g. `https://x.supabase.co/rest/v1`.
    pub rest_url: String,
    /// Supabase Auth base, e.g. `https://x.supabase.co/auth/v1` (None: no refresh possible).
    pub auth_url: Option<String>,
    /// The project's anon key, sent as `apikey` (never as the bearer token of an upload).
    pub anon_key: Option<String>,
    pub token: TokenSource,
}

impl Credentials {
    /// From the environment: `SUPABASE_URL` (REST base `$SUPABASE_URL/rest/v1`, Auth base
    /// `$SUPABASE_URL/auth/v1`) or `SUPABASE_REST_URL` (a REST base used as is),
    /// `SUPABASE_ANON_KEY`, and `SUPABASE_ACCESS_TOKEN` (a user JWT instead of the session).
    pub fn from_env(data_dir: &Path) -> Result<Credentials, SyncError> {
        Self::from_vars(
            |k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()),
            data_dir,
        )
    }

    pub fn from_vars(
        var: impl Fn(&str) -> Option<String>,
        data_dir: &Path,
    ) -> Result<Credentials, SyncError> {
        let base = var("SUPABASE_URL").map(|u| u.trim().trim_end_matches('/').to_string());
        let rest_url = match (var("SUPABASE_REST_URL"), &base) {
            (Some(r), _) => r.trim().trim_end_matches('/').to_string(),
            (None, Some(b)) => format!("{b}/rest/v1"),
            (None, None) => {
                return Err(SyncError::Config(
                    "no Supabase endpoint: set SUPABASE_URL (and SUPABASE_ANON_KEY), \
                     or SUPABASE_REST_URL for a self-hosted PostgREST"
                        .into(),
                ))
            }
        };
        let auth_url = base.as_ref().map(|b| format!("{b}/auth/v1"));
        let anon_key = var("SUPABASE_ANON_KEY").map(|k| k.trim().to_string());
        if base.is_some() && anon_key.is_none() {
            return Err(SyncError::Config(
                "SUPABASE_URL is set but SUPABASE_ANON_KEY is not: Supabase needs the \
                 project's anon key as the apikey header"
                    .into(),
            ));
        }
        let token = match var("SUPABASE_ACCESS_TOKEN") {
            Some(t) => TokenSource::Fixed(t.trim().to_string()),
            None => TokenSource::Stored(SessionStore::detect(&var, data_dir)),
        };
        Ok(Credentials {
            rest_url,
            auth_url,
            anon_key,
            token,
        })
    }
}

/// `load` off the async threads (the Secret Service is a subprocess).
pub(crate) async fn load_off(store: &SessionStore) -> Result<Option<Session>, SyncError> {
    let st = store.clone();
    tokio::task::spawn_blocking(move || st.load())
        .await
        .map_err(|e| SyncError::Task(format!("session load: {e}")))?
}

async fn save_off(store: &SessionStore, s: &Session) -> Result<SessionBackend, SyncError> {
    let (st, s) = (store.clone(), s.clone());
    tokio::task::spawn_blocking(move || st.save(&s))
        .await
        .map_err(|e| SyncError::Task(format!("session save: {e}")))?
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    refresh_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    expires_at: Option<u64>,
    #[serde(default)]
    user: Option<TokenUser>,
}

#[derive(Deserialize)]
struct TokenUser {
    id: Option<String>,
    email: Option<String>,
}

/// Supabase Auth's error body (GoTrue has used several shapes over time).
#[derive(Deserialize, Default)]
struct AuthErrorBody {
    error: Option<String>,
    error_description: Option<String>,
    msg: Option<String>,
    message: Option<String>,
    error_code: Option<String>,
}

fn auth_error_text(status: u16, body: &str) -> String {
    let e: AuthErrorBody = serde_json::from_str(body).unwrap_or_default();
    let code = e.error_code.or(e.error).unwrap_or_default();
    let msg = e
        .error_description
        .or(e.msg)
        .or(e.message)
        .unwrap_or_else(|| body.chars().take(200).collect());
    format!("HTTP {status} {code}: {msg}")
}

fn http_client(timeout: Duration) -> Result<reqwest::Client, SyncError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .build()
        .map_err(|e| SyncError::Config(format!("cannot build the HTTP client: {e}")))
}

async fn token_request(
    creds: &Credentials,
    grant: &str,
    body: serde_json::Value,
    timeout: Duration,
) -> Result<Session, SyncError> {
    let auth = creds
        .auth_url
        .as_deref()
        .ok_or_else(|| SyncError::Config("no Supabase Auth endpoint: set SUPABASE_URL".into()))?;
    let client = http_client(timeout)?;
    let mut req = client
        .post(format!("{auth}/token"))
        .query(&[("grant_type", grant)])
        .json(&body);
    if let Some(k) = &creds.anon_key {
        req = req.header("apikey", k);
    }
    let resp = req
        .send()
        .await
        .map_err(|e| SyncError::Auth(format!("cannot reach Supabase Auth at {auth}: {e}")))?;
    let status = resp.status().as_u16();
    let text = resp
        .text()
        .await
        .map_err(|e| SyncError::Auth(format!("reading Supabase Auth's answer: {e}")))?;
    if !(200..300).contains(&status) {
        return Err(SyncError::Auth(auth_error_text(status, &text)));
    }
    let t: TokenResponse = serde_json::from_str(&text).map_err(|e| {
        SyncError::Auth(format!(
            "Supabase Auth answered something that is not a session: {e}"
        ))
    })?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let expires_at = t
        .expires_at
        .or(t.expires_in.map(|s| now.saturating_add(s)))
        .unwrap_or(now + 3600);
    Ok(Session {
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        expires_at,
        user_id: t.user.as_ref().and_then(|u| u.id.clone()),
        email: t.user.and_then(|u| u.email),
    })
}

/// `POST /auth/v1/token?grant_type=password`; stores the session and says where.
pub async fn login(
    creds: &Credentials,
    store: &SessionStore,
    email: &str,
    password: &str,
    timeout: Duration,
) -> Result<(Session, SessionBackend), SyncError> {
    let s = token_request(
        creds,
        "password",
        serde_json::json!({"email": email, "password": password}),
        timeout,
    )
    .await
    .map_err(|e| match e {
        SyncError::Auth(m) => SyncError::Auth(format!("login failed: {m}")),
        other => other,
    })?;
    let backend = save_off(store, &s).await?;
    Ok((s, backend))
}

/// `POST /auth/v1/token?grant_type=refresh_token` with the stored refresh token; the new pair
/// replaces the old one atomically. If another process refreshed first (the stored token is
/// no longer the one we hold), its session is used instead of spending a used token.
pub async fn refresh(
    creds: &Credentials,
    store: &SessionStore,
    held: Option<&Session>,
    timeout: Duration,
) -> Result<Session, SyncError> {
    let current = load_off(store).await?.ok_or_else(|| {
        SyncError::Auth(
            "not logged in: run `powerhook login` (or set SUPABASE_ACCESS_TOKEN)".into(),
        )
    })?;
    if let Some(h) = held {
        if h.refresh_token != current.refresh_token
            && !current.expires_within(Duration::from_secs(60))
        {
            return Ok(current);
        }
    }
    let s = match token_request(
        creds,
        "refresh_token",
        serde_json::json!({"refresh_token": current.refresh_token}),
        timeout,
    )
    .await
    {
        Ok(s) => s,
        Err(SyncError::Auth(m)) => {
            // Another process (the agent, or `sync --once`) may have spent the same token a
            // moment ago and stored the new pair: use that rather than give up.
            if let Some(now) = load_off(store).await? {
                if now.refresh_token != current.refresh_token {
                    return Ok(now);
                }
            }
            return Err(SyncError::Auth(format!(
                "the session could not be refreshed ({m}); rows stay pending: run `powerhook login`"
            )));
        }
        Err(other) => return Err(other),
    };
    let s = Session {
        user_id: s.user_id.or(current.user_id),
        email: s.email.or(current.email),
        ..s
    };
    save_off(store, &s).await?;
    Ok(s)
}

/// Revokes the session at Supabase Auth (best effort) and deletes it locally.
/// Returns whether a session was stored.
pub async fn logout(
    creds: &Credentials,
    store: &SessionStore,
    timeout: Duration,
) -> Result<bool, SyncError> {
    let Some(s) = load_off(store).await? else {
        return Ok(false);
    };
    if let Some(auth) = &creds.auth_url {
        let client = http_client(timeout)?;
        let mut req = client
            .post(format!("{auth}/logout"))
            .bearer_auth(&s.access_token);
        if let Some(k) = &creds.anon_key {
            req = req.header("apikey", k);
        }
        // Offline logout still forgets the session locally.
        let _ = req.send().await;
    }
    let st = store.clone();
    tokio::task::spawn_blocking(move || st.remove())
        .await
        .map_err(|e| SyncError::Task(format!("session remove: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(v: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| v.iter().find(|(n, _)| *n == k).map(|(_, x)| x.to_string())
    }

    #[test]
    fn endpoints_from_the_environment() {
        let dir = Path::new("/nonexistent-data-dir");
        let c = Credentials::from_vars(
            vars(&[
                ("SUPABASE_URL", "https://x.supabase.co/"),
                ("SUPABASE_ANON_KEY", "k"),
            ]),
            dir,
        )
        .expect("creds");
        assert_eq!(c.rest_url, "https://x.supabase.co/rest/v1");
        assert_eq!(c.auth_url.as_deref(), Some("https://x.supabase.co/auth/v1"));
        assert!(matches!(c.token, TokenSource::Stored(_)));
        let c = Credentials::from_vars(
            vars(&[
                ("SUPABASE_REST_URL", "http://127.0.0.1:3000"),
                ("SUPABASE_ACCESS_TOKEN", "jwt"),
            ]),
            dir,
        )
        .expect("creds");
        assert_eq!(c.rest_url, "http://127.0.0.1:3000");
        assert_eq!(c.auth_url, None);
        assert!(matches!(c.token, TokenSource::Fixed(ref t) if t == "jwt"));
        let e = Credentials::from_vars(vars(&[("SUPABASE_URL", "https://x.supabase.co")]), dir)
            .expect_err("anon key missing");
        assert!(e.to_string().contains("SUPABASE_ANON_KEY"), "{e}");
        assert!(Credentials::from_vars(vars(&[]), dir).is_err());
    }

    #[test]
    fn session_file_is_private_and_replaced_whole() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile_dir();
        let store = SessionStore::in_data_dir(&dir);
        assert_eq!(store.load().expect("load"), None);
        let s = Session {
            access_token: "a".into(),
            refresh_token: "r1".into(),
            expires_at: 1,
            user_id: None,
            email: None,
        };
        store.save(&s).expect("save");
        store
            .save(&Session {
                refresh_token: "r2".into(),
                ..s.clone()
            })
            .expect("save");
        let mode = fs::metadata(store.path())
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            store.load().expect("load").map(|s| s.refresh_token),
            Some("r2".into())
        );
        let leftovers = fs::read_dir(&dir).expect("dir").count();
        assert_eq!(leftovers, 1, "no temp file left behind");
        assert!(s.expires_within(Duration::from_secs(0)));
        assert!(store.remove().expect("rm"));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn without_a_reachable_secret_service_the_file_is_used() {
        let dir = tempfile_dir();
        let store = SessionStore::detect(
            |k| (k == "DBUS_SESSION_BUS_ADDRESS").then(|| "unix:path=/nonexistent/bus".into()),
            &dir,
        );
        let s = Session {
            access_token: "a".into(),
            refresh_token: "r".into(),
            expires_at: 1,
            user_id: None,
            email: None,
        };
        assert_eq!(store.save(&s).expect("save"), SessionBackend::File);
        assert!(store.path().exists());
        assert_eq!(store.load().expect("load"), Some(s));
        assert!(store.remove().expect("rm"));
        let off = SessionStore::detect(
            |k| match k {
                "DBUS_SESSION_BUS_ADDRESS" => Some("unix:path=/x".into()),
                "POWERHOOK_SESSION_STORE" => Some("file".into()),
                _ => None,
            },
            &dir,
        );
        assert!(off.keyring.is_none());
        let _ = fs::remove_dir_all(&dir);
    }

    fn tempfile_dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "powerhook-session-test-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        fs::create_dir_all(&d).expect("mkdir");
        d
    }
}
