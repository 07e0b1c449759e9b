//! Sessions and row-level security: login/logout through the CLI against the Supabase Auth
//! stand-in, refresh on an expired JWT, a revoked refresh token, and what other users and the
//! anon key can do through the real PostgREST.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use powerhook::sync::{
    self, Credentials, Session, SessionStore, SyncError, SyncSettings, TokenSource,
};
use support::auth_standin::AuthStandin;
use support::local::{self, Recorder};

fn stored_creds(sb: &support::Supabase, auth: &AuthStandin, store: &SessionStore) -> Credentials {
    Credentials {
        rest_url: sb.rest_url(),
        auth_url: Some(format!("{}/auth/v1", auth.url())),
        anon_key: Some(auth.anon_key.clone()),
        token: TokenSource::Stored(store.clone()),
    }
}

async fn login(creds: &Credentials, store: &SessionStore, email: &str) -> Session {
    sync::session::login(creds, store, email, "pw-123", Duration::from_secs(5))
        .await
        .expect("login")
        .0
}

#[test]
fn cli_login_sync_logout() {
    let sb = support::Supabase::start();
    let anon = support::anon_key();
    let auth = AuthStandin::start(&anon);
    let user = "11111111-1111-4111-8111-111111111111";
    auth.add_user("ada@example.com", "correct horse", user);
    let data = tempfile::tempdir().expect("tmp");
    let mut conn = local::create_db(&data.path().join("powerhook.db"));
    Recorder::new(21).optimization_with_metrics(&mut conn, local::week_start());
    let run = |args: &[&str], stdin: &str| {
        support::output_with_stdin(
            support::powerhook_in(data.path())
                .args(args)
                .env_remove("SUPABASE_ACCESS_TOKEN")
                .env_remove("DBUS_SESSION_BUS_ADDRESS")
                .env("POWERHOOK_SESSION_STORE", "file")
                .env("SUPABASE_URL", auth.url())
                .env("SUPABASE_REST_URL", sb.rest_url())
                .env("SUPABASE_ANON_KEY", &anon),
            stdin,
        )
    };
    let bad = run(
        &["login", "--email", "ada@example.com", "--password-stdin"],
        "wrong\n",
    );
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("Invalid login credentials"), "{err}");

    let ok = run(
        &["login", "--email", "ada@example.com", "--password-stdin"],
        "correct horse\n",
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let file = data.path().join("session.json");
    let mode = std::fs::metadata(&file)
        .expect("session file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    let s = run(&["sync", "--once"], "");
    assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
    let out = String::from_utf8_lossy(&s.stdout);
    assert!(
        out.contains("uploaded 1 optimizations, 2 metric rows"),
        "{out}"
    );
    assert!(out.contains("0 pending, 3 synced, 0 quarantined"), "{out}");
    local::assert_all_arrived(&sb.pg, &conn, user);

    let session: Session =
        serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("session");
    let out = run(&["logout"], "");
    assert!(out.status.success());
    assert!(!file.exists(), "logout deletes the session");
    // The stand-in revoked the refresh token at logout.
    let creds = Credentials {
        rest_url: sb.rest_url(),
        auth_url: Some(format!("{}/auth/v1", auth.url())),
        anon_key: Some(anon.clone()),
        token: TokenSource::Fixed(String::new()),
    };
    let store = SessionStore::in_data_dir(data.path());
    store.save(&session).expect("restore old session");
    let rt = tokio::runtime::Runtime::new().expect("rt");
    let e = rt
        .block_on(sync::session::refresh(
            &creds,
            &store,
            None,
            Duration::from_secs(5),
        ))
        .expect_err("revoked at logout");
    assert!(e.to_string().contains("Revoked"), "{e}");
    // Without a session, sync says so.
    store.remove().expect("rm");
    let s = run(&["sync", "--once"], "");
    assert!(!s.status.success());
    assert!(String::from_utf8_lossy(&s.stderr).contains("not logged in"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_jwt_is_refreshed_once_and_the_new_pair_stored() {
    let sb = support::Supabase::start();
    let auth = AuthStandin::start(&support::anon_key());
    let user = "22222222-2222-4222-8222-222222222222";
    auth.add_user("bo@example.com", "pw-123", user);
    let data = tempfile::tempdir().expect("tmp");
    let db = data.path().join("powerhook.db");
    let mut conn = local::create_db(&db);
    Recorder::new(22).optimization_with_metrics(&mut conn, local::week_start());
    let store = SessionStore::in_data_dir(data.path());
    let creds = stored_creds(&sb, &auth, &store);
    let first = login(&creds, &store, "bo@example.com").await;

    // The access token expired (the server says 401) although the stored expiry looks fine:
    // one refresh, then the batch goes through.
    let expired = Session {
        access_token: support::jwt(Some(user), "authenticated", support::unix_now() - 120),
        ..first.clone()
    };
    store.save(&expired).expect("save");
    let r = sync::sync_once(&db, &SyncSettings::default(), &creds)
        .await
        .expect("pass");
    assert!(r.session_refreshed);
    assert_eq!((r.uploaded(), r.counts.pending), (3, 0));
    assert_eq!(r.requests, 3, "one 401, its retry, then the metrics batch");
    assert_eq!(auth.refresh_grants(), 1);
    let now = store.load().expect("load").expect("session");
    assert_ne!(
        now.refresh_token, first.refresh_token,
        "the new pair replaced the old"
    );
    assert_eq!(now.user_id.as_deref(), Some(user));
    local::assert_all_arrived(&sb.pg, &conn, user);

    // A stored expiry in the past is refreshed before any request.
    let stale = Session {
        expires_at: support::unix_now() - 10,
        ..now.clone()
    };
    store.save(&stale).expect("save");
    Recorder::new(23).optimization_with_metrics(&mut conn, local::week_start());
    let r = sync::sync_once(&db, &SyncSettings::default(), &creds)
        .await
        .expect("pass");
    assert!(r.session_refreshed);
    assert_eq!((r.uploaded(), r.requests), (3, 2));
    assert_eq!(auth.refresh_grants(), 2);
    // The old refresh token was single-use.
    let e = sync::session::refresh(
        &creds,
        &SessionStore::in_data_dir(data.path()),
        None,
        Duration::from_secs(5),
    )
    .await
    .map(|s| s.refresh_token);
    assert!(e.is_ok(), "the current token refreshes");
    store.save(&now).expect("put back a used token");
    let e = sync::session::refresh(&creds, &store, None, Duration::from_secs(5))
        .await
        .expect_err("used token");
    assert!(e.to_string().contains("Already Used"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_refresh_token_is_a_clear_error_and_rows_stay_pending() {
    let sb = support::Supabase::start();
    let auth = AuthStandin::start(&support::anon_key());
    let user = "33333333-3333-4333-8333-333333333333";
    auth.add_user("cy@example.com", "pw-123", user);
    let data = tempfile::tempdir().expect("tmp");
    let db = data.path().join("powerhook.db");
    let mut conn = local::create_db(&db);
    Recorder::new(24).optimization_with_metrics(&mut conn, local::week_start());
    let store = SessionStore::in_data_dir(data.path());
    let creds = stored_creds(&sb, &auth, &store);
    let s = login(&creds, &store, "cy@example.com").await;
    store
        .save(&Session {
            access_token: support::jwt(Some(user), "authenticated", support::unix_now() - 60),
            ..s
        })
        .expect("save");
    auth.revoke_all(user);
    let e = sync::sync_once(&db, &SyncSettings::default(), &creds)
        .await
        .expect_err("cannot refresh");
    assert!(matches!(e, SyncError::Auth(_)), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("Invalid Refresh Token")
            && msg.contains("rows stay pending")
            && msg.contains("powerhook login"),
        "{msg}"
    );
    assert_eq!(local::outbox_state(&conn), (3, 0, 0));
    let attempts: i64 = conn
        .query_row("SELECT MAX(attempts) FROM sync_outbox", [], |r| r.get(0))
        .expect("attempts");
    assert_eq!(attempts, 0, "an auth failure is not the rows' fault");
    let counts = sync::outbox_counts(&conn).expect("counts");
    assert!(
        counts
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("Invalid Refresh Token")),
        "{counts:?}"
    );
    assert_eq!(
        sb.pg
            .count("SELECT count(*) FROM performance_optimizations"),
        0
    );

    // An expired SUPABASE_ACCESS_TOKEN cannot be refreshed either: a clear error.
    let fixed = Credentials {
        token: TokenSource::Fixed(support::jwt(
            Some(user),
            "authenticated",
            support::unix_now() - 60,
        )),
        ..creds
    };
    let e = sync::sync_once(&db, &SyncSettings::default(), &fixed)
        .await
        .expect_err("expired fixed token");
    let msg = e.to_string();
    assert!(
        msg.contains("SUPABASE_ACCESS_TOKEN") && msg.contains("JWT expired"),
        "{msg}"
    );
    assert_eq!(local::outbox_state(&conn), (3, 0, 0));
}

async fn post(url: &str, bearer: Option<&str>, body: serde_json::Value) -> (u16, String) {
    let mut req = reqwest::Client::new()
        .post(url)
        .header("apikey", support::anon_key())
        .header("Prefer", "return=minimal")
        .json(&body);
    if let Some(b) = bearer {
        req = req.bearer_auth(b);
    }
    let r = req.send().await.expect("post");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

async fn get(url: &str, bearer: Option<&str>) -> (u16, String) {
    let mut req = reqwest::Client::new()
        .get(url)
        .header("apikey", support::anon_key());
    if let Some(b) = bearer {
        req = req.bearer_auth(b);
    }
    let r = req.send().await.expect("get");
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rls_keeps_users_apart_and_anon_out() {
    let sb = support::Supabase::start();
    let a = "44444444-4444-4444-8444-444444444444";
    let b = "55555555-5555-4555-8555-555555555555";
    let data = tempfile::tempdir().expect("tmp");
    let db = data.path().join("powerhook.db");
    let mut conn = local::create_db(&db);
    let opt_a = Recorder::new(25).optimization_with_metrics(&mut conn, local::week_start());
    let creds_a = support::user_creds(sb.rest_url(), a);
    let r = sync::sync_once(&db, &SyncSettings::default(), &creds_a)
        .await
        .expect("a uploads");
    assert_eq!(r.uploaded(), 3);
    let (ja, jb) = (support::user_jwt(a), support::user_jwt(b));
    let opts = format!("{}/performance_optimizations", sb.rest_url());
    let mets = format!("{}/performance_metrics_history", sb.rest_url());

    // A reads their rows; B reads none of them.
    let (st, body) = get(&format!("{opts}?select=id,user_id"), Some(&ja)).await;
    assert_eq!(st, 200);
    assert!(body.contains(&opt_a) && body.contains(a), "{body}");
    let (st, body) = get(&format!("{opts}?select=id"), Some(&jb)).await;
    assert_eq!((st, body.as_str()), (200, "[]"));
    let (st, body) = get(&format!("{mets}?select=id"), Some(&jb)).await;
    assert_eq!((st, body.as_str()), (200, "[]"));

    // B cannot insert a row owned by A.
    let row = serde_json::json!({
        "id": "66666666-6666-4666-8666-666666666666", "hook_execution_id": opt_a,
        "optimization_type": "hybrid", "start_time": "2026-12-01T00:00:00Z",
        "end_time": "2026-12-01T00:00:01Z", "execution_time_ms": 1, "confidence": 0.5,
        "trigger_type": "t", "environment": "e", "device_id": "d", "user_id": a
    });
    let (st, body) = post(&opts, Some(&jb), row.clone()).await;
    assert_eq!(st, 403, "{body}");
    assert!(
        body.contains("42501") && body.contains("row-level security"),
        "{body}"
    );
    // Nor attach metrics to A's optimization.
    let metric = serde_json::json!({
        "id": "77777777-7777-4777-8777-777777777777", "optimization_id": opt_a,
        "latency_ms": 1, "cpu_utilization_percent": 1, "memory_usage_percent": 1,
        "device_id": "d", "kind": "after"
    });
    let (st, body) = post(&mets, Some(&jb), metric.clone()).await;
    assert_eq!(st, 409, "{body}");
    assert!(body.contains("23503"), "{body}");

    // The anon key alone: no read, no insert, with or without it as the bearer.
    let mut anon_row = row.clone();
    anon_row.as_object_mut().expect("object").remove("user_id");
    for bearer in [None, Some(support::anon_key())] {
        let (st, body) = post(&opts, bearer.as_deref(), anon_row.clone()).await;
        assert_eq!(st, 401, "{body}");
        assert!(
            body.contains("42501") && body.contains("permission denied"),
            "{body}"
        );
        let (st, body) = get(&format!("{opts}?select=id"), bearer.as_deref()).await;
        assert_eq!(st, 401, "{body}");
    }
    // B inserting their own row works (the policy is not simply closed).
    let mut own = anon_row.clone();
    own["id"] = serde_json::json!("88888888-8888-4888-8888-888888888888");
    let (st, body) = post(&opts, Some(&jb), own).await;
    assert_eq!(st, 201, "{body}");
    assert_eq!(
        sb.pg.count(&format!(
            "SELECT count(*) FROM performance_optimizations WHERE user_id = '{b}'"
        )),
        1
    );
    assert_eq!(
        sb.pg.count(&format!(
            "SELECT count(*) FROM performance_optimizations WHERE user_id = '{a}'"
        )),
        1
    );
}

#[test]
fn cli_session_goes_to_the_secret_service_when_one_runs() {
    let sb = support::Supabase::start();
    let keyring = support::keyring::PrivateKeyring::start();
    let anon = support::anon_key();
    let auth = AuthStandin::start(&anon);
    let user = "66666666-0000-4000-8000-000000000001";
    auth.add_user("di@example.com", "pw", user);
    let data = tempfile::tempdir().expect("tmp");
    let mut conn = local::create_db(&data.path().join("powerhook.db"));
    Recorder::new(26).optimization_with_metrics(&mut conn, local::week_start());
    let run = |args: &[&str], stdin: &str| {
        support::output_with_stdin(
            support::powerhook_in(data.path())
                .args(args)
                .env_remove("SUPABASE_ACCESS_TOKEN")
                .env_remove("POWERHOOK_SESSION_STORE")
                .env("DBUS_SESSION_BUS_ADDRESS", &keyring.bus)
                .env("SUPABASE_URL", auth.url())
                .env("SUPABASE_REST_URL", sb.rest_url())
                .env("SUPABASE_ANON_KEY", &anon),
            stdin,
        )
    };
    let account = std::path::absolute(data.path())
        .expect("abs")
        .display()
        .to_string();
    let lookup = || {
        keyring.secret_tool(
            &[
                "lookup",
                "service",
                sync::session::SECRET_SERVICE_NAME,
                "account",
                &account,
            ],
            None,
        )
    };
    let out = run(
        &["login", "--email", "di@example.com", "--password-stdin"],
        "pw\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("the Secret Service"));
    assert!(
        !data.path().join("session.json").exists(),
        "no file when the keyring took it"
    );
    let (found, secret) = lookup();
    assert!(found);
    let s: Session = serde_json::from_str(secret.trim()).expect("a session in the keyring");
    assert_eq!(s.user_id.as_deref(), Some(user));

    let out = run(&["sync", "--once"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    local::assert_all_arrived(&sb.pg, &conn, user);

    let out = run(&["logout"], "");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("logged out"));
    assert!(!lookup().0, "logout removes the keyring item");
}
