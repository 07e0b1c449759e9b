//! A real process started by the test, recognised from the live /proc: Debian's python3 with
//! NumPy multiplying matrices in a loop (it maps libblas/liblapack) is `matrix_computation`.
//! Needs `/usr/bin/python3` and `python3-numpy` (scripts/deps/workload.sh installs them).

use std::process::{Command, Stdio};
use std::time::Duration;

use powerhook::workload::eval::ScratchDir;
use powerhook::workload::{PatternType, WorkloadAnalyzer};

/// Kills the child on drop, so a failed assertion does not leave it spinning.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn live_numpy_matrix_loop_is_matrix_computation() {
    let python = std::path::Path::new("/usr/bin/python3");
    assert!(
        python.exists(),
        "/usr/bin/python3 missing: run scripts/deps/workload.sh"
    );
    let ok = Command::new(python)
        .args(["-c", "import numpy"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "python3-numpy missing: run scripts/deps/workload.sh");

    let dir = ScratchDir::new("live").expect("scratch");
    let script = dir.path().join("job.py");
    std::fs::write(
        &script,
        "import numpy as np\na = np.random.rand(256, 256)\nwhile True:\n    b = a @ a\n",
    )
    .expect("write script");
    let child = Child(
        Command::new(python)
            .arg(&script)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("start python3"),
    );
    let pid = child.0.id();

    // The agent's analyzer on the live /proc, the current user's processes only.
    let root = std::env::var("POWERHOOK_ROOT").unwrap_or_else(|_| "/".into());
    let mut an = WorkloadAnalyzer::new(root);
    std::thread::sleep(Duration::from_millis(1500));
    an.analyze();
    let mut verdict = None;
    for _ in 0..3 {
        std::thread::sleep(Duration::from_secs(2));
        an.analyze();
        verdict = an.last_scan().iter().find(|v| v.pid == pid).cloned();
    }
    let v = verdict.expect("the child is in the scan");
    println!(
        "pid {} {} -> {} {:.3} (cpu {:.2} cores, by_rule {})",
        v.pid,
        v.name,
        v.class.as_str(),
        v.confidence,
        v.cpu_share,
        v.by_rule
    );
    assert!(
        v.cpu_share > 0.3,
        "the loop should keep a core busy: {:.2}",
        v.cpu_share
    );
    assert_eq!(v.class, PatternType::MatrixComputation);
    assert!(v.confidence >= 0.8, "confidence {:.3}", v.confidence);
    drop(child);
}
