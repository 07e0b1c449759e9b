//! Busy is not a pattern: compilers, browsers and compressors at full CPU are not reported as
//! np_hard / matrix_computation / optimization_problem at confidence >= 0.8, while solvers in
//! the same scan are (so the test fails if the analyzer reports nothing at all).

mod common;

use common::{write_proc, write_uptime, FakeProc};
use powerhook::workload::eval::{fixture_options, replay, ScratchDir};
use powerhook::workload::fixture::{generate, FixtureSet, Split};
use powerhook::workload::model::Model;
use powerhook::workload::{PatternType, WorkloadAnalyzer, SEED_PATTERNS};

const BUSY_NOT_PATTERN: &[&str] = &[
    "cc1plus",
    "rustc",
    "clang",
    "firefox",
    "chromium",
    "electron",
    "compressor",
];

#[test]
fn fresh_draws_of_compilers_browsers_compressors_are_not_patterns() {
    // A different seed than the committed set: new instances, never trained on.
    let all = generate(0xFEED_0001);
    let procs: Vec<_> = all
        .procs
        .into_iter()
        .filter(|p| BUSY_NOT_PATTERN.contains(&p.template.as_str()) && p.label != PatternType::Idle)
        .map(|mut p| {
            p.split = Split::Test;
            p
        })
        .collect();
    assert!(procs.len() > 150, "{} processes", procs.len());
    let set = FixtureSet {
        uptimes: all.uptimes,
        procs,
    };
    let dir = ScratchDir::new("notpattern").expect("scratch");
    let data = replay(&set, dir.path()).expect("replay");
    let model = Model::embedded().expect("model");
    let mut bad = Vec::new();
    for d in &data {
        let (c, conf) = powerhook::workload::eval::predict(model, d);
        if SEED_PATTERNS.contains(&c) && conf >= 0.8 {
            bad.push(format!(
                "{} {} -> {} {conf:.2}",
                d.pid,
                d.template,
                c.as_str()
            ));
        }
    }
    assert!(bad.is_empty(), "reported as patterns: {bad:#?}");
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(|s| s.as_str()).collect()
}

fn lib(l: &str) -> String {
    format!("/usr/lib/x86_64-linux-gnu/{l}")
}

#[test]
fn hand_written_busy_processes_and_solvers_in_one_scan() {
    let dir = ScratchDir::new("busy").expect("scratch");
    let root = dir.path();
    let c = ["libc.so.6", "libm.so.6", "ld-linux-x86-64.so.2"].map(lib);
    let with = |extra: &[&str]| -> Vec<String> {
        c.iter()
            .cloned()
            .chain(extra.iter().map(|l| {
                if l.starts_with('/') {
                    l.to_string()
                } else {
                    lib(l)
                }
            }))
            .collect()
    };
    let cc1 = with(&[
        "libisl.so.23",
        "libmpc.so.3",
        "libmpfr.so.6",
        "libgmp.so.10",
        "libzstd.so.1",
    ]);
    let rustc = with(&[
        "/home/u/.rustup/toolchains/stable/lib/librustc_driver-abc123.so",
        "libLLVM-17.so.1",
    ]);
    let ff = with(&[
        "/usr/lib/firefox/libxul.so",
        "libgtk-3.so.0",
        "libX11.so.6",
        "libpulse.so.0",
    ]);
    let chr = with(&[
        "/usr/lib/chromium/libEGL.so",
        "/usr/lib/chromium/libGLESv2.so",
        "libgtk-3.so.0",
        "libnss3.so",
    ]);
    let xz = with(&["liblzma.so.5"]);
    let zstd = with(&["libzstd.so.1", "liblzma.so.5", "libz.so.1", "liblz4.so.1"]);
    let gz = with(&[]);
    let gurobi = with(&["/opt/gurobi/linux64/lib/libgurobi110.so"]);
    let py_mip = with(&[
        "/usr/lib/python3/dist-packages/gurobipy/gurobipy.cpython-311-x86_64-linux-gnu.so",
        "/opt/gurobi/linux64/lib/libgurobi110.so",
        "libopenblas.so.0",
        "/usr/lib/python3/dist-packages/numpy/core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so",
    ]);
    let (cc1r, rustcr, ffr, chrr, xzr, zstdr, gzr, gur, pyr) = (
        refs(&cc1),
        refs(&rustc),
        refs(&ff),
        refs(&chr),
        refs(&xz),
        refs(&zstd),
        refs(&gz),
        refs(&gurobi),
        refs(&py_mip),
    );
    // (process, CPU share in cores, expected: Some(pattern) or None for "not a pattern")
    let procs: Vec<(FakeProc, f64, Option<PatternType>)> = vec![
        (
            FakeProc {
                pid: 101,
                comm: "cc1plus",
                argv: &[
                    "/usr/lib/gcc/x86_64-linux-gnu/12/cc1plus",
                    "-quiet",
                    "src/matrix_solver.cpp",
                    "-O3",
                    "-o",
                    "/tmp/ccX.s",
                ],
                libs: &cc1r,
                threads: 1,
                rss_kib: 900_000,
                start_s: 900.0,
                uid: 1000,
            },
            1.0,
            None,
        ),
        (
            FakeProc {
                pid: 102,
                comm: "rustc",
                argv: &[
                    "rustc",
                    "--crate-name",
                    "good_lp",
                    "--edition=2021",
                    "src/lib.rs",
                    "-C",
                    "opt-level=3",
                ],
                libs: &rustcr,
                threads: 12,
                rss_kib: 1_500_000,
                start_s: 950.0,
                uid: 1000,
            },
            6.0,
            None,
        ),
        (
            FakeProc {
                pid: 103,
                comm: "Isolated Web Co",
                argv: &[
                    "/usr/lib/firefox/firefox",
                    "-contentproc",
                    "-childID",
                    "7",
                    "-isForBrowser",
                    "tab",
                ],
                libs: &ffr,
                threads: 40,
                rss_kib: 800_000,
                start_s: 100.0,
                uid: 1000,
            },
            2.5,
            None,
        ),
        (
            FakeProc {
                pid: 104,
                comm: "chromium",
                argv: &[
                    "/usr/lib/chromium/chromium",
                    "--type=renderer",
                    "--field-trial-handle=1,2",
                ],
                libs: &chrr,
                threads: 25,
                rss_kib: 600_000,
                start_s: 100.0,
                uid: 1000,
            },
            1.8,
            None,
        ),
        (
            FakeProc {
                pid: 105,
                comm: "xz",
                argv: &["xz", "-T0", "-9", "backup.tar"],
                libs: &xzr,
                threads: 8,
                rss_kib: 700_000,
                start_s: 980.0,
                uid: 1000,
            },
            7.5,
            None,
        ),
        (
            FakeProc {
                pid: 106,
                comm: "zstd",
                argv: &["zstd", "-19", "-T0", "disk.img"],
                libs: &zstdr,
                threads: 8,
                rss_kib: 300_000,
                start_s: 980.0,
                uid: 1000,
            },
            7.8,
            None,
        ),
        (
            FakeProc {
                pid: 107,
                comm: "gzip",
                argv: &["gzip", "-9", "logs.tar"],
                libs: &gzr,
                threads: 1,
                rss_kib: 2_000,
                start_s: 990.0,
                uid: 1000,
            },
            1.0,
            None,
        ),
        (
            FakeProc {
                pid: 201,
                comm: "gurobi_cl",
                argv: &[
                    "/opt/gurobi/linux64/bin/gurobi_cl",
                    "Threads=4",
                    "/data/fleet.mps",
                ],
                libs: &gur,
                threads: 4,
                rss_kib: 2_000_000,
                start_s: 900.0,
                uid: 1000,
            },
            3.9,
            Some(PatternType::NpHard),
        ),
        // Maps BLAS (NumPy, OpenBLAS) but is a MIP solver: np_hard.
        (
            FakeProc {
                pid: 202,
                comm: "python3",
                argv: &["/usr/bin/python3", "assign.py"],
                libs: &pyr,
                threads: 8,
                rss_kib: 900_000,
                start_s: 900.0,
                uid: 1000,
            },
            3.0,
            Some(PatternType::NpHard),
        ),
    ];
    write_uptime(root, 1000.0);
    for (p, share, _) in &procs {
        write_proc(
            root,
            p,
            share * (1000.0 - p.start_s) * 0.9,
            (100, 1000),
            Some((0, 0)),
        );
    }
    let mut an = WorkloadAnalyzer::with_options(
        root,
        powerhook::workload::AnalyzerOptions {
            clk_tck: 100.0,
            ..fixture_options()
        },
    );
    an.analyze();
    write_uptime(root, 1005.0);
    for (p, share, _) in &procs {
        write_proc(
            root,
            p,
            share * (1000.0 - p.start_s) * 0.9 + share * 5.0,
            (110, 1100),
            Some((0, 0)),
        );
    }
    let best = an.analyze();
    for (p, _, want) in &procs {
        let v = an
            .last_scan()
            .iter()
            .find(|v| v.pid == p.pid)
            .expect("verdict for every process");
        println!(
            "{} {:<16} {:<22} {:.3}",
            v.pid,
            v.name,
            v.class.as_str(),
            v.confidence
        );
        match want {
            None => assert!(
                !(SEED_PATTERNS.contains(&v.class) && v.confidence >= 0.8),
                "{} reported as {} {:.2}",
                p.comm,
                v.class.as_str(),
                v.confidence
            ),
            Some(c) => assert!(
                v.class == *c && v.confidence >= 0.8,
                "{}: {} {:.2}, want {} >= 0.8",
                p.comm,
                v.class.as_str(),
                v.confidence,
                c.as_str()
            ),
        }
    }
    assert_eq!(best.pattern_type, Some(PatternType::NpHard));
    assert!(best.has_np_hard_pattern && best.confidence_score >= 0.8);
    let bp = best.process.expect("process");
    assert!(
        bp.pid == 201 || bp.pid == 202,
        "strongest pattern from pid {}",
        bp.pid
    );
}
