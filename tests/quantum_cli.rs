//! `powerhook solve` end to end: the JSON keys and the exit code.

mod quantum_common;

use std::process::Command;

fn solve(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_powerhook"))
        .arg("solve")
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn json_output_has_the_promised_keys() {
    let g = quantum_common::shared().join("benchmarks/gset/G14.txt");
    let (code, out, err) = solve(&[
        g.to_str().expect("utf-8 path"),
        "--backend",
        "sa",
        "--reads",
        "3",
        "--sweeps",
        "200",
        "--seed",
        "5",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    for key in [
        "backend",
        "energy",
        "cut",
        "state",
        "reads",
        "sweeps",
        "elapsed_ms",
        "confidence",
        "seed",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["backend"], "sa");
    assert_eq!(v["reads"], 3);
    assert_eq!(v["sweeps"], 200);
    assert_eq!(v["seed"], 5);
    assert_eq!(v["state"].as_array().map(Vec::len), Some(800));
    let cut = v["cut"].as_f64().expect("cut");
    assert!(cut > 2900.0 && cut <= 3064.0, "cut {cut}");
}

#[test]
fn malformed_file_fails_with_line() {
    let dir = std::env::temp_dir().join(format!("powerhook-solve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let f = dir.join("bad.sparse");
    std::fs::write(&f, "2 1\n1 9 4\n").expect("write");
    let (code, _, err) = solve(&[f.to_str().expect("utf-8")]);
    assert_eq!(code, 1);
    assert!(err.contains("line 2") && err.contains("outside"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_flag_the_backend_would_ignore_is_refused() {
    let g = quantum_common::shared().join("benchmarks/gset/G14.txt");
    let g = g.to_str().expect("utf-8 path");
    let (code, _, err) = solve(&[g, "--backend", "sa", "--time-limit", "1s"]);
    assert_eq!(code, 1);
    assert!(err.contains("--backend sa has no time budget"), "{err}");
    let (code, _, err) = solve(&[
        g,
        "--backend",
        "tabu",
        "--time-limit",
        "100ms",
        "--target",
        "-1",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("--target is honoured by --backend auto only"),
        "{err}"
    );
    let (code, _, err) = solve(&[g, "--target", "-1"]);
    assert_eq!(code, 1);
    assert!(err.contains("--target needs --time-limit"), "{err}");
}
