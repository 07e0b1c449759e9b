//! The simulated week's catch-up (10,080 per-minute rows, 700 optimizations with before/after
//! metrics: 12,180 rows) into a real PostgreSQL 15 + PostgREST 12.0.2 on loopback, three ways,
//! side by side in one run: our uploader (batches of 500), one row per request, and `COPY`
//! of the same rows into the same tables. The server keeps its durable defaults (fsync on).
//! Run with `bench/sync/run.sh` (or `cargo bench --bench sync_catchup`).

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::ExitCode;
use std::time::{Instant, SystemTime};

use powerhook::sync::{self, outbox, SyncSettings};
use support::local::{self, Recorder};

fn main() -> ExitCode {
    let sb = support::Supabase::start_with(true);
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("powerhook.db");
    let mut conn = local::create_db(&db);
    let user = "12345678-1234-4234-8234-123456789abc";
    let (n_opt, n_met) = Recorder::new(2026).record_week(&mut conn, local::week_start());
    let total = (n_opt + n_met) as f64;
    // The rows exactly as the uploader serializes them, for the one-per-request run: the
    // optimizations now, the metrics after the upload (children wait for their parents).
    let opt_rows = outbox::due_rows(
        &conn,
        outbox::OPTIMIZATIONS,
        usize::MAX,
        SystemTime::now(),
        false,
        None,
    )
    .expect("rows");
    let token = support::user_jwt(user);
    let creds = support::user_creds(sb.rest_url(), user);
    let settings = SyncSettings::default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");

    // 1. our uploader
    let t0 = Instant::now();
    let report = rt
        .block_on(sync::sync_once(&db, &settings, &creds))
        .expect("upload");
    let uploader_s = t0.elapsed().as_secs_f64();
    assert_eq!(report.uploaded() as f64, total, "{report:?}");
    assert_eq!(report.retry_error, None);
    local::assert_all_arrived(&sb.pg, &conn, user);
    conn.execute(
        "UPDATE sync_outbox SET synced_at = NULL WHERE table_name = 'performance_metrics_history'",
        [],
    )
    .expect("reset");
    let met_rows = outbox::due_rows(
        &conn,
        outbox::METRICS,
        usize::MAX,
        SystemTime::now(),
        false,
        None,
    )
    .expect("rows");
    assert_eq!(opt_rows.len() + met_rows.len(), total as usize);
    let rows = [
        (outbox::OPTIMIZATIONS.name, opt_rows),
        (outbox::METRICS.name, met_rows),
    ];

    // 2. one row per request (same JSON, same headers, one keep-alive client)
    sb.pg
        .psql("TRUNCATE performance_metrics_history, performance_optimizations");
    let client = reqwest::Client::new();
    let anon = support::anon_key();
    let t0 = Instant::now();
    let mut single_requests = 0u64;
    rt.block_on(async {
        for (table, rs) in &rows {
            let url = format!("{}/{table}?on_conflict=id", sb.rest_url());
            for r in rs {
                let resp = client
                    .post(&url)
                    .header("apikey", &anon)
                    .bearer_auth(&token)
                    .header("Prefer", sync::upload::PREFER_INSERT)
                    .header("Content-Type", "application/json")
                    .body(r.json.clone())
                    .send()
                    .await
                    .expect("post one row");
                assert_eq!(resp.status().as_u16(), 201);
                single_requests += 1;
            }
        }
    });
    let single_s = t0.elapsed().as_secs_f64();
    local::assert_all_arrived(&sb.pg, &conn, user);

    // 3. COPY of the same rows (dumped from the server) into the same, emptied tables
    let opt_csv = dir.path().join("opt.csv");
    let met_csv = dir.path().join("met.csv");
    for (t, f) in [
        ("performance_optimizations", &opt_csv),
        ("performance_metrics_history", &met_csv),
    ] {
        sb.pg.psql(&format!(
            "\\copy {t} to '{}' with (format csv)",
            f.display()
        ));
    }
    sb.pg
        .psql("TRUNCATE performance_metrics_history, performance_optimizations");
    let t0 = Instant::now();
    sb.pg.psql(&format!(
        "\\copy performance_optimizations from '{}' with (format csv)",
        opt_csv.display()
    ));
    sb.pg.psql(&format!(
        "\\copy performance_metrics_history from '{}' with (format csv)",
        met_csv.display()
    ));
    let copy_s = t0.elapsed().as_secs_f64();
    local::assert_all_arrived(&sb.pg, &conn, user);

    let speedup = single_s / uploader_s;
    let vs_copy = uploader_s / copy_s;
    println!();
    println!("sync catch-up: {} rows ({n_opt} optimizations, {n_met} metric rows), PostgreSQL 15 + PostgREST 12.0.2 on loopback, fsync on", total as u64);
    println!("| method | requests | seconds | rows/s | ratio |");
    println!("|---|---:|---:|---:|---|");
    println!(
        "| powerhook uploader (batches of {}) | {} | {uploader_s:.3} | {:.0} | 1.00 |",
        settings.batch_size,
        report.requests,
        total / uploader_s
    );
    println!(
        "| one row per request | {single_requests} | {single_s:.3} | {:.0} | {speedup:.1}x slower than the uploader |",
        total / single_s
    );
    println!(
        "| COPY (psql \\copy, 2 tables) | - | {copy_s:.3} | {:.0} | uploader takes {vs_copy:.2}x the COPY time |",
        total / copy_s
    );
    let ok1 = uploader_s <= 1.0;
    let ok2 = speedup >= 20.0;
    let ok3 = vs_copy <= 4.0;
    let mark = |b: bool| if b { "PASS" } else { "FAIL" };
    println!(
        "budgets: catch-up <= 1 s: {} ({uploader_s:.3} s); >= 20x one-per-request: {} ({speedup:.1}x); <= 4x COPY: {} ({vs_copy:.2}x)",
        mark(ok1),
        mark(ok2),
        mark(ok3)
    );
    if ok1 && ok2 && ok3 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
