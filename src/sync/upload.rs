//! One upload pass: due outbox rows in batches through PostgREST, parents before children;
//! acknowledged rows are marked synced, rejected rows are isolated by bisection and
//! quarantined, transient failures schedule a retry with backoff.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use postgrest::Postgrest;
use reqwest::header::{HeaderValue, AUTHORIZATION};
use rusqlite::Connection;
use serde::Deserialize;

use super::outbox::{self, PendingRow, SyncedTable, UPLOAD_ORDER};
use super::session::{self, Session, TokenSource};
use super::{Credentials, SyncError, SyncReport, SyncSettings};

/// Prefer header of every insert: nothing returned (the select policy is not needed to
/// insert), rows already present (a retry after a lost answer) are skipped.
pub const PREFER_INSERT: &str = "return=minimal,resolution=ignore-duplicates";

/// Batches in flight at once. `run` sends them with one `tokio::join!` of two sends.
const IN_FLIGHT: usize = 2;
const _: () = assert!(IN_FLIGHT == 2, "Pass::run joins exactly two sends");

const BACKOFF_MIN: Duration = Duration::from_secs(1);
const BACKOFF_MAX: Duration = Duration::from_secs(300);

/// Exponential backoff with jitter for the `attempts`-th failure: 1 s, 2 s, 4 s, ... capped at
/// 5 min, each drawn uniformly from its upper half, never below 1 s.
pub fn backoff_delay(attempts: u32) -> Duration {
    let exp = attempts.saturating_sub(1).min(16);
    let base = BACKOFF_MIN.saturating_mul(1u32 << exp).min(BACKOFF_MAX);
    let jittered = base.mul_f64(0.5 + fastrand::f64() * 0.5);
    jittered.clamp(BACKOFF_MIN, BACKOFF_MAX)
}

/// The SQLite connection, used from blocking threads so the async loop never waits on a lock.
#[derive(Clone)]
pub(crate) struct Db(Arc<Mutex<Connection>>);

impl Db {
    pub(crate) fn new(conn: Connection) -> Self {
        Db(Arc::new(Mutex::new(conn)))
    }

    pub(crate) async fn call<T, F>(&self, f: F) -> Result<T, SyncError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, SyncError> + Send + 'static,
    {
        let inner = self.0.clone();
        tokio::task::spawn_blocking(move || {
            let guard = inner
                .lock()
                .map_err(|_| SyncError::Task("the store connection was poisoned".into()))?;
            f(&guard)
        })
        .await
        .map_err(|e| SyncError::Task(format!("store task failed: {e}")))?
    }
}

enum Outcome {
    Accepted(u16),
    /// 400/403/409/413: something in these rows; split to find it.
    Rejected {
        status: u16,
        message: String,
    },
    Unauthorized {
        message: String,
    },
    Transient {
        status: Option<u16>,
        message: String,
        retry_after: Option<Duration>,
    },
}

#[derive(Deserialize, Default)]
struct PgrstError {
    code: Option<String>,
    message: Option<String>,
    details: Option<String>,
    hint: Option<String>,
}

/// True for a refusal that no row can cause and no split can isolate: PostgREST's own
/// `PGRSTxxx` errors (a column the server's schema lacks, a bad header) and `42501` permission
/// denied (grants missing; the uploader never sends `user_id`, so the row-level security
/// check cannot fail because of a row's content). Quarantining would only empty the queue
/// into quarantine; these stop the pass and retry with backoff instead.
fn about_the_request(body: &str) -> bool {
    serde_json::from_str::<PgrstError>(body)
        .ok()
        .and_then(|e| e.code)
        .is_some_and(|c| c.starts_with("PGRST") || c == "42501")
}

fn server_error_text(status: u16, body: &str) -> String {
    match serde_json::from_str::<PgrstError>(body) {
        Ok(e) if e.message.is_some() || e.code.is_some() => {
            let mut s = format!(
                "HTTP {status} {}: {}",
                e.code.unwrap_or_default(),
                e.message.unwrap_or_default()
            );
            if let Some(d) = e.details.filter(|d| !d.is_empty()) {
                s.push_str(&format!(" ({d})"));
            }
            if let Some(h) = e.hint.filter(|h| !h.is_empty()) {
                s.push_str(&format!(" hint: {h}"));
            }
            s
        }
        _ => {
            let snippet: String = body.chars().take(200).collect();
            format!("HTTP {status}: {}", snippet.trim())
        }
    }
}

pub(crate) struct Pass<'a> {
    settings: &'a SyncSettings,
    creds: &'a Credentials,
    db: Db,
    pg: Postgrest,
    session: Option<Session>,
    token: HeaderValue,
    apikey: Option<HeaderValue>,
    /// Bumped by each refresh: a 401 to a request sent with an older token is just resent.
    token_gen: u32,
    respect_backoff: bool,
    pub(crate) report: SyncReport,
}

fn bearer(token: &str) -> Result<HeaderValue, SyncError> {
    let mut v = HeaderValue::from_str(&format!("Bearer {}", token.trim())).map_err(|_| {
        SyncError::Auth("the access token contains characters not allowed in a header".into())
    })?;
    v.set_sensitive(true);
    Ok(v)
}

impl<'a> Pass<'a> {
    pub(crate) async fn start(
        db: Db,
        settings: &'a SyncSettings,
        creds: &'a Credentials,
        respect_backoff: bool,
    ) -> Result<Pass<'a>, SyncError> {
        let (session, token) = match &creds.token {
            TokenSource::Fixed(t) => (None, t.clone()),
            TokenSource::Stored(store) => {
                let s = session::load_off(store).await?.ok_or_else(|| {
                    SyncError::Auth(
                        "not logged in: run `powerhook login` (or set SUPABASE_ACCESS_TOKEN)"
                            .into(),
                    )
                })?;
                let t = s.access_token.clone();
                (Some(s), t)
            }
        };
        let apikey = match &creds.anon_key {
            Some(k) => Some(HeaderValue::from_str(k).map_err(|_| {
                SyncError::Config(
                    "SUPABASE_ANON_KEY contains characters not allowed in a header".into(),
                )
            })?),
            None => None,
        };
        let mut pass = Pass {
            settings,
            creds,
            db,
            pg: Postgrest::new(creds.rest_url.clone()),
            session,
            token: bearer(&token)?,
            apikey,
            token_gen: 0,
            respect_backoff,
            report: SyncReport::default(),
        };
        // Refresh ahead of time rather than spend a request on a 401.
        let expiring = pass
            .session
            .as_ref()
            .is_some_and(|s| s.expires_within(Duration::from_secs(60)));
        if expiring {
            pass.refresh().await?;
        }
        Ok(pass)
    }

    async fn refresh(&mut self) -> Result<(), SyncError> {
        let TokenSource::Stored(store) = &self.creds.token else {
            return Err(SyncError::Auth(
                "SUPABASE_ACCESS_TOKEN was rejected and cannot be refreshed: set a fresh one \
                 or unset it and run `powerhook login`"
                    .into(),
            ));
        };
        self.report.session_refreshed = true;
        let s = session::refresh(
            self.creds,
            store,
            self.session.as_ref(),
            self.settings.request_timeout,
        )
        .await?;
        self.token = bearer(&s.access_token)?;
        self.token_gen += 1;
        self.session = Some(s);
        Ok(())
    }

    async fn send(&self, table: SyncedTable, rows: &[PendingRow]) -> Result<Outcome, SyncError> {
        let mut body =
            String::with_capacity(rows.iter().map(|r| r.json.len() + 1).sum::<usize>() + 2);
        body.push('[');
        for (i, r) in rows.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            body.push_str(&r.json);
        }
        body.push(']');
        let builder = self
            .pg
            .from(table.name)
            .insert(body)
            .on_conflict("id")
            .build()
            .query(&[("columns", table.columns.join(","))])
            .timeout(self.settings.request_timeout);
        let (client, request) = builder.build_split();
        let mut request = request.map_err(|e| {
            SyncError::Config(format!("bad REST URL {:?}: {e}", self.creds.rest_url))
        })?;
        // The crate forces return=representation on insert, which needs the select policy and
        // sends every row back: replace it.
        let headers = request.headers_mut();
        headers.insert("Prefer", HeaderValue::from_static(PREFER_INSERT));
        headers.insert(AUTHORIZATION, self.token.clone());
        if let Some(k) = &self.apikey {
            headers.insert("apikey", k.clone());
        }
        let resp = match client.execute(request).await {
            Ok(r) => r,
            Err(e) => {
                let what = if e.is_timeout() {
                    format!("timed out after {:?}", self.settings.request_timeout)
                } else {
                    format!("network error: {e}")
                };
                return Ok(Outcome::Transient {
                    status: None,
                    message: format!("{} {what}", self.creds.rest_url),
                    retry_after: None,
                });
            }
        };
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = match resp.text().await {
            Ok(t) => t,
            Err(e) => {
                return Ok(Outcome::Transient {
                    status: Some(status),
                    message: format!("reading the answer failed: {e}"),
                    retry_after,
                })
            }
        };
        Ok(match status {
            200 | 201 => Outcome::Accepted(status),
            401 => Outcome::Unauthorized {
                message: server_error_text(status, &text),
            },
            400 | 403 | 409 | 413 if !about_the_request(&text) => Outcome::Rejected {
                status,
                message: server_error_text(status, &text),
            },
            400 | 403 | 409 | 413 => Outcome::Transient {
                status: Some(status),
                message: format!(
                    "{} (the server refuses every row alike: check its schema and grants)",
                    server_error_text(status, &text)
                ),
                retry_after,
            },
            _ => Outcome::Transient {
                status: Some(status),
                message: server_error_text(status, &text),
                retry_after,
            },
        })
    }

    /// Uploads all due rows of every table. Stops at the first transient failure (recorded in
    /// the report and the outbox); an authentication failure is an error. Two batches are in
    /// flight at a time, and the next two are read from the store meanwhile.
    pub(crate) async fn run(&mut self) -> Result<(), SyncError> {
        let batch = self.settings.effective_batch_size();
        let limit = batch.saturating_mul(IN_FLIGHT);
        for table in UPLOAD_ORDER {
            let mut rows = self.fetch(table, limit, None).await?;
            while !rows.is_empty() {
                let cursor = rows.last().map(|r| r.row_id.clone());
                let mut chunks: Vec<Vec<PendingRow>> = Vec::with_capacity(IN_FLIGHT);
                let mut rest = rows;
                while rest.len() > batch {
                    let tail = rest.split_off(batch);
                    chunks.push(rest);
                    rest = tail;
                }
                chunks.push(rest);
                let gen = self.token_gen;
                self.report.requests += chunks.len() as u64;
                let (outcomes, next) = {
                    let sends = async {
                        if chunks.len() >= 2 {
                            let (a, b) = tokio::join!(
                                self.send(table, &chunks[0]),
                                self.send(table, &chunks[1])
                            );
                            Ok::<_, SyncError>(vec![a?, b?])
                        } else {
                            Ok(vec![self.send(table, &chunks[0]).await?])
                        }
                    };
                    tokio::join!(sends, self.fetch(table, limit, cursor))
                };
                let outcomes = outcomes?;
                let mut go_on = true;
                for (chunk, outcome) in chunks.into_iter().zip(outcomes) {
                    if go_on {
                        go_on = self
                            .upload_batch(table, chunk, Some((outcome, gen)))
                            .await?;
                    } else if let Outcome::Accepted(status) = outcome {
                        // Acknowledged although an earlier batch failed: still synced.
                        self.mark_synced(table, &chunk, status).await?;
                    }
                }
                if !go_on {
                    return Ok(());
                }
                rows = next?;
            }
        }
        Ok(())
    }

    /// Due rows of `table` after the cursor (the last row id already taken in this pass).
    async fn fetch(
        &self,
        table: SyncedTable,
        limit: usize,
        after: Option<String>,
    ) -> Result<Vec<PendingRow>, SyncError> {
        let respect = self.respect_backoff;
        self.db
            .call(move |c| {
                outbox::due_rows(
                    c,
                    table,
                    limit,
                    SystemTime::now(),
                    respect,
                    after.as_deref(),
                )
            })
            .await
    }

    async fn mark_synced(
        &mut self,
        table: SyncedTable,
        part: &[PendingRow],
        status: u16,
    ) -> Result<(), SyncError> {
        let ids: Vec<String> = part.iter().map(|r| r.row_id.clone()).collect();
        let n = ids.len() as u64;
        self.db
            .call(move |c| {
                let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                outbox::mark_synced(c, table, &refs, status, SystemTime::now())
            })
            .await?;
        self.report.add_uploaded(table, n);
        Ok(())
    }

    /// Settles one batch whose first answer is `first`: bisects on rejection, resends after a
    /// refresh. Returns false after a transient failure (retry scheduled; the pass stops).
    async fn upload_batch(
        &mut self,
        table: SyncedTable,
        rows: Vec<PendingRow>,
        mut first: Option<(Outcome, u32)>,
    ) -> Result<bool, SyncError> {
        // Ranges still to send; the first half of a split is sent first.
        let mut todo = vec![(0usize, rows.len())];
        while let Some((lo, hi)) = todo.pop() {
            let part = &rows[lo..hi];
            let (outcome, sent_gen) = match first.take() {
                Some(o) => o,
                None => {
                    self.report.requests += 1;
                    (self.send(table, part).await?, self.token_gen)
                }
            };
            match outcome {
                Outcome::Accepted(status) => self.mark_synced(table, part, status).await?,
                Outcome::Rejected { status, message } if part.len() == 1 => {
                    let id = part[0].row_id.clone();
                    self.db
                        .call(move |c| {
                            outbox::quarantine(c, table, &id, status, &message, SystemTime::now())
                        })
                        .await?;
                    self.report.quarantined += 1;
                }
                Outcome::Rejected { .. } => {
                    let mid = lo + (hi - lo) / 2;
                    todo.push((mid, hi));
                    todo.push((lo, mid));
                }
                Outcome::Unauthorized { .. } if sent_gen < self.token_gen => {
                    todo.push((lo, hi));
                }
                Outcome::Unauthorized { message } => {
                    if self.report.session_refreshed {
                        return Err(SyncError::Auth(format!(
                            "the server rejected the session again after a refresh ({message}); \
                             rows stay pending: run `powerhook login`"
                        )));
                    }
                    if matches!(self.creds.token, TokenSource::Fixed(_)) {
                        return Err(SyncError::Auth(format!(
                            "SUPABASE_ACCESS_TOKEN was rejected ({message}); rows stay pending: \
                             set a fresh token, or unset it and run `powerhook login`"
                        )));
                    }
                    self.refresh().await?;
                    todo.push((lo, hi));
                }
                Outcome::Transient {
                    status,
                    message,
                    retry_after,
                } => {
                    let ids: Vec<String> = part.iter().map(|r| r.row_id.clone()).collect();
                    let msg = message.clone();
                    let next = self
                        .db
                        .call(move |c| {
                            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                            let attempts = outbox::max_attempts(c, table, &refs)?.saturating_add(1);
                            let mut delay = backoff_delay(attempts);
                            if let Some(ra) = retry_after {
                                delay = delay.max(ra.min(BACKOFF_MAX));
                            }
                            let now = SystemTime::now();
                            let next = now + delay;
                            outbox::schedule_retry(c, table, &refs, status, &msg, next, now)?;
                            Ok(next)
                        })
                        .await?;
                    self.report.retry_error = Some(message);
                    self.report.next_attempt_at = Some(outbox::rfc3339(next));
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_five_minutes_with_jitter() {
        for _ in 0..200 {
            let d1 = backoff_delay(1);
            assert!(
                d1 >= Duration::from_secs(1) && d1 <= Duration::from_secs(1),
                "{d1:?}"
            );
            let d4 = backoff_delay(4);
            assert!(
                d4 >= Duration::from_secs(4) && d4 <= Duration::from_secs(8),
                "{d4:?}"
            );
            let d20 = backoff_delay(20);
            assert!(
                d20 >= Duration::from_secs(150) && d20 <= Duration::from_secs(300),
                "{d20:?}"
            );
        }
        // jitter: not all equal
        let v: Vec<Duration> = (0..20).map(|_| backoff_delay(6)).collect();
        assert!(v.iter().any(|d| *d != v[0]));
    }

    #[test]
    fn server_errors_keep_code_and_message() {
        let t = server_error_text(
            400,
            r#"{"code":"22001","details":null,"hint":null,"message":"value too long for type character varying(20)"}"#,
        );
        assert_eq!(
            t,
            "HTTP 400 22001: value too long for type character varying(20)"
        );
        assert_eq!(
            server_error_text(502, "<html>bad gateway</html>"),
            "HTTP 502: <html>bad gateway</html>"
        );
    }
}
