//! The labelled process fixtures: a deterministic generator of fake `/proc/PID` entries, their
//! on-disk form under `data/workload/fixtures/`, and a replayer that writes any tick of the
//! stat series onto a fake root for the analyzer.
//!
//! Each fixture process comes from a *template* (a kind of program: `gurobi_cl` on an `.mps`
//! file, a PyTorch training script, `cc1plus`, Firefox content processes, `xz -T0`, ...) with
//! randomised comm, arguments, optional libraries, CPU share, threads, memory, context-switch
//! and I/O rates. About one instance in six of every template is generated at rest and
//! labelled `idle`. Some templates carry more than one label with weights, because the same
//! observable process is sometimes one thing and sometimes another (a Python process with
//! NumPy, SciPy and pandas mapped): that ambiguity is what the calibration has to learn.
//!
//! Layout written by [`FixtureSet::write`]:
//! * `manifest.tsv`: `pid label split template`
//! * `series.tsv`: `pid tick cpu_ticks voluntary nonvoluntary read_bytes write_bytes`
//!   (`-` for counters that are absent), after a `# uptimes ...` line;
//! * `proc/uptime` and `proc/PID/{stat,status,cmdline,maps,io}`: the last tick, a fake root
//!   the analyzer can read as it is.

use std::fmt::Write as _;
use std::path::Path;

use thiserror::Error;

use super::PatternType;

/// Seconds between ticks of the stat series (the analyzer's slow cadence).
pub const TICK_S: f64 = 5.0;
/// Clock ticks per second in the fixtures' `stat` times.
pub const FIXTURE_HZ: u64 = 100;
/// Ticks in each series.
pub const N_TICKS: usize = 3;
/// Seed of the committed set.
pub const DEFAULT_SEED: u64 = 0x5eed_0005;
/// uid written into the fixtures' `status`.
pub const FIXTURE_UID: u32 = 1000;

/// Which part of the labelled set a process belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    /// Fits the weights.
    Train,
    /// Fits the temperature.
    Calib,
    /// Held out: measured only.
    Test,
}

impl Split {
    pub fn as_str(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Calib => "calib",
            Split::Test => "test",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        [Split::Train, Split::Calib, Split::Test]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// Counters at one tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TickCounters {
    pub cpu_ticks: u64,
    pub ctx: Option<(u64, u64)>,
    pub io: Option<(u64, u64)>,
}

/// One labelled fake process.
#[derive(Debug, Clone, PartialEq)]
pub struct FixtureProcess {
    pub pid: u32,
    pub label: PatternType,
    pub split: Split,
    pub template: String,
    pub comm: String,
    pub cmdline: Vec<String>,
    /// Full paths of mapped shared objects (and the executable).
    pub maps: String,
    /// `status` text without the context-switch lines (they come from the series).
    pub status_head: String,
    pub threads: u64,
    pub rss_pages: u64,
    pub starttime: u64,
    pub ticks: Vec<TickCounters>,
}

/// A whole labelled set.
#[derive(Debug, Clone, PartialEq)]
pub struct FixtureSet {
    pub uptimes: Vec<f64>,
    pub procs: Vec<FixtureProcess>,
}

/// A fixture directory that cannot be read back.
#[derive(Debug, Error)]
pub enum FixtureError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} line {line}: {what}")]
    Format {
        path: String,
        line: usize,
        what: String,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> FixtureError + '_ {
    move |source| FixtureError::Io {
        path: path.display().to_string(),
        source,
    }
}

// ---------------------------------------------------------------------------------------------
// Deterministic random numbers (SplitMix64): the set must be the same on every machine.

/// SplitMix64: tiny, fast and the same everywhere.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    /// Log-uniform in `[lo, hi]` (both > 0).
    pub fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        (lo.ln() + (hi.ln() - lo.ln()) * self.unit()).exp()
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    pub fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent as usize
    }
}

// ---------------------------------------------------------------------------------------------
// Templates.

use PatternType::{
    Build as B, Interactive as UI, MatrixComputation as MX, MediaEncode as ME, NpHard as NP,
    OptimizationProblem as OP, Other as OT,
};

struct Template {
    id: &'static str,
    labels: &'static [(PatternType, u32)],
    /// `comm`, or `comm=argv0` when they differ.
    comms: &'static [&'static str],
    exe_dir: &'static str,
    /// Argument lists after argv0, space-separated; `{f}` file stem, `{n}` number, `{t}`
    /// thread count, `{h}` hex.
    args: &'static [&'static str],
    stems: &'static [&'static str],
    libs: &'static [&'static str],
    /// Optional libraries with their chance in percent.
    opt: &'static [(&'static str, u32)],
    cpu: (f64, f64),
    threads: (u64, u64),
    rss_mib: (f64, f64),
    vcs: (f64, f64),
    nvcs: (f64, f64),
    io_r: (f64, f64),
    io_w: (f64, f64),
    n: usize,
}

const C: &[&str] = &[
    "libc.so.6",
    "libm.so.6",
    "ld-linux-x86-64.so.2",
    "libgcc_s.so.1",
];
const CXX: &[&str] = &["libstdc++.so.6"];
const PY: &[&str] = &[
    "py:_json",
    "py:_ctypes",
    "libffi.so.8",
    "libz.so.1",
    "libexpat.so.1",
    "py:_hashlib",
];
const NUMPY: &[&str] = &[
    "py:numpy/core/_multiarray_umath",
    "py:numpy/linalg/_umath_linalg",
    "py:numpy/random/_generator",
];
const GUI: &[&str] = &[
    "libgtk-3.so.0",
    "libgdk-3.so.0",
    "libX11.so.6",
    "libxcb.so.1",
    "libwayland-client.so.0",
    "libEGL.so.1",
    "libpango-1.0.so.0",
    "libcairo.so.2",
    "libatk-1.0.so.0",
];
const JVM: &[&str] = &[
    "/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so",
    "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjli.so",
    "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjava.so",
    "libz.so.1",
];
const NEUTRAL: &[&str] = &[
    "job",
    "run",
    "main",
    "experiment",
    "analysis",
    "process_data",
    "compute",
    "script",
    "task",
    "worker",
    "step2",
    "batch",
    "exp_0412",
    "notebook_export",
];

/// Shorthand for a template's numeric ranges, so the table stays readable.
const fn r(lo: f64, hi: f64) -> (f64, f64) {
    (lo, hi)
}

const TEMPLATES: &[Template] = &[
    // ---- np_hard: MIP, SAT, SMT, CP, ASP ----
    Template { id: "gurobi_cl", labels: &[(NP, 1)], comms: &["gurobi_cl"], exe_dir: "/opt/gurobi1100/linux64/bin",
        args: &["Threads={t} TimeLimit={n} /data/{f}.mps", "ResultFile={f}.sol /data/{f}.lp", "MIPGap=0.01 {f}.mps.gz"],
        stems: &["model", "supply_chain", "unit_commit", "miplib_30n20b8", "fleet", "roster"],
        libs: &["/opt/gurobi1100/linux64/lib/libgurobi110.so"], opt: &[("libz.so.1", 50)],
        cpu: r(0.9, 8.0), threads: (1, 16), rss_mib: r(50.0, 8000.0), vcs: r(1.0, 50.0), nvcs: r(1.0, 200.0), io_r: r(0.0, 2e4), io_w: r(0.0, 1e4), n: 40 },
    Template { id: "python_gurobipy", labels: &[(NP, 1)], comms: &["python3"], exe_dir: "/usr/bin",
        args: &["{f}.py", "-u {f}.py --time-limit {n}"], stems: &["schedule_shifts", "solve_model", "plan", "run", "main", "assign", "facility_location"],
        libs: &["py:gurobipy/gurobipy", "/opt/gurobi1100/linux64/lib/libgurobi110.so"],
        opt: &[("py:numpy/core/_multiarray_umath", 60), ("libopenblas.so.0", 50), ("py:numpy/linalg/_umath_linalg", 50)],
        cpu: r(0.9, 8.0), threads: (2, 20), rss_mib: r(100.0, 6000.0), vcs: r(1.0, 80.0), nvcs: r(1.0, 200.0), io_r: r(0.0, 2e4), io_w: r(0.0, 2e4), n: 40 },
    Template { id: "cbc", labels: &[(NP, 1)], comms: &["cbc"], exe_dir: "/usr/bin",
        args: &["{f}.mps -sec {n} -threads {t} -solve", "{f}.lp solve solu {f}.sol", "{f}.mps.gz -ratio 0.01 -branch"],
        stems: &["pulp_model", "problem", "knapsack", "binpack", "lotsize"],
        libs: &["libCbc.so.3", "libCbcSolver.so.3", "libClp.so.1", "libCoinUtils.so.3", "libOsi.so.1", "libOsiClp.so.1", "libCgl.so.1"],
        opt: &[("libblas.so.3", 50), ("liblapack.so.3", 50), ("libbz2.so.1.0", 40), ("libz.so.1", 60)],
        cpu: r(0.9, 4.0), threads: (1, 8), rss_mib: r(20.0, 3000.0), vcs: r(0.5, 20.0), nvcs: r(1.0, 100.0), io_r: r(0.0, 1e4), io_w: r(0.0, 1e4), n: 40 },
    Template { id: "scip", labels: &[(NP, 1)], comms: &["scip"], exe_dir: "/usr/bin",
        args: &["-f {f}.lp", "-f {f}.mps -s scip.set", "-c read {f}.cip opt quit"],
        stems: &["instance", "neos-911970", "air04", "timetab1", "p0201"],
        libs: &["libscip.so.8.0", "libsoplex.so.6.0", "libgmp.so.10", "libreadline.so.8"],
        opt: &[("libipopt.so.3", 30), ("libz.so.1", 60), ("libbliss.so.0", 20)],
        cpu: r(0.9, 1.05), threads: (1, 2), rss_mib: r(20.0, 4000.0), vcs: r(0.2, 10.0), nvcs: r(1.0, 60.0), io_r: r(0.0, 5e3), io_w: r(0.0, 5e3), n: 40 },
    Template { id: "highs", labels: &[(NP, 1)], comms: &["highs"], exe_dir: "/usr/local/bin",
        args: &["--model_file {f}.mps --time_limit {n}", "{f}.mps --options_file highs.opt"],
        stems: &["milp", "model", "unitcal_7", "rail507"], libs: &["libhighs.so.1"], opt: &[("libz.so.1", 50)],
        cpu: r(0.9, 4.0), threads: (1, 8), rss_mib: r(20.0, 3000.0), vcs: r(0.5, 30.0), nvcs: r(1.0, 100.0), io_r: r(0.0, 5e3), io_w: r(0.0, 5e3), n: 30 },
    Template { id: "python_ortools", labels: &[(NP, 1)], comms: &["python3"], exe_dir: "/usr/bin",
        args: &["{f}.py", "-m {f}"], stems: &["vrp_solver", "jobshop", "routing", "nurse_rostering", "cp_sat_model", "main", "solve", "timetable"],
        libs: &["py:ortools/constraint_solver/_pywrapcp", "/usr/local/lib/python3.11/dist-packages/ortools/.libs/libortools.so.9", "libprotobuf.so.32"],
        opt: &[("py:numpy/core/_multiarray_umath", 50), ("libopenblas.so.0", 40), ("libabsl_base.so", 50)],
        cpu: r(0.9, 8.0), threads: (2, 16), rss_mib: r(80.0, 4000.0), vcs: r(1.0, 100.0), nvcs: r(1.0, 200.0), io_r: r(0.0, 1e4), io_w: r(0.0, 1e4), n: 40 },
    Template { id: "sat_solver", labels: &[(NP, 1)], comms: &["kissat", "cadical", "minisat", "glucose", "cryptominisat5"], exe_dir: "/usr/bin",
        args: &["{f}.cnf", "--time={n} {f}.cnf.xz", "-verb=0 {f}.cnf out.txt", "{f}.cnf"],
        stems: &["bmc-ibm-7", "sudoku", "hwmcc_1", "crypto_sha1_20", "puzzle", "php-12"], libs: &[], opt: &[("libz.so.1", 40), ("liblzma.so.5", 20)],
        cpu: r(0.95, 1.02), threads: (1, 1), rss_mib: r(5.0, 6000.0), vcs: r(0.05, 3.0), nvcs: r(1.0, 60.0), io_r: r(0.0, 1e3), io_w: r(0.0, 100.0), n: 40 },
    Template { id: "z3", labels: &[(NP, 1)], comms: &["z3"], exe_dir: "/usr/bin",
        args: &["-smt2 {f}.smt2", "{f}.smt2 -T:{n}", "-st {f}.smt2"], stems: &["query", "verif_cond", "bv_check", "spec", "vc_0003"],
        libs: &["libz3.so.4"], opt: &[("libgomp.so.1", 30)],
        cpu: r(0.95, 1.05), threads: (1, 4), rss_mib: r(10.0, 4000.0), vcs: r(0.1, 5.0), nvcs: r(1.0, 60.0), io_r: r(0.0, 1e3), io_w: r(0.0, 100.0), n: 30 },
    Template { id: "python_z3", labels: &[(NP, 1)], comms: &["python3"], exe_dir: "/usr/bin",
        args: &["{f}.py", "-u {f}.py --timeout {n}"], stems: &["verify_contract", "check", "symbolic_exec", "solve_puzzle", "run", "equiv"],
        libs: &["/usr/local/lib/python3.11/dist-packages/z3/lib/libz3.so"], opt: &[],
        cpu: r(0.95, 1.05), threads: (1, 3), rss_mib: r(50.0, 3000.0), vcs: r(0.1, 10.0), nvcs: r(1.0, 60.0), io_r: r(0.0, 1e3), io_w: r(0.0, 1e3), n: 30 },
    Template { id: "cvc5", labels: &[(NP, 1)], comms: &["cvc5"], exe_dir: "/usr/local/bin",
        args: &["--lang=smt2 {f}.smt2 --tlimit={n}", "{f}.smt2"], stems: &["strings_01", "query", "nra_7", "lia_check"],
        libs: &["libcvc5.so.1", "libcvc5parser.so.1", "libgmp.so.10", "libpoly.so.0"], opt: &[],
        cpu: r(0.95, 1.05), threads: (1, 1), rss_mib: r(20.0, 3000.0), vcs: r(0.1, 5.0), nvcs: r(1.0, 50.0), io_r: r(0.0, 1e3), io_w: r(0.0, 100.0), n: 25 },
    Template { id: "gecode", labels: &[(NP, 1)], comms: &["fzn-gecode"], exe_dir: "/usr/bin",
        args: &["-p {t} /tmp/mzn_{h}.fzn", "-a -s /tmp/{f}.fzn"], stems: &["rcpsp", "jobshop", "golomb"],
        libs: &["libgecodeflatzinc.so.49", "libgecodedriver.so.49", "libgecodesearch.so.49", "libgecodeint.so.49", "libgecodekernel.so.49", "libgecodesupport.so.49"],
        opt: &[("libgecodeset.so.49", 50), ("libgecodefloat.so.49", 40)],
        cpu: r(0.9, 8.0), threads: (1, 8), rss_mib: r(5.0, 2000.0), vcs: r(0.1, 20.0), nvcs: r(1.0, 100.0), io_r: r(0.0, 1e3), io_w: r(0.0, 1e3), n: 30 },
    Template { id: "clingo", labels: &[(NP, 1)], comms: &["clingo"], exe_dir: "/usr/bin",
        args: &["{f}.lp -t {t} --opt-mode=opt", "{f}.lp instance.lp 0"], stems: &["schedule", "hamilton", "encoding", "planning"],
        libs: &["libclingo.so.4"], opt: &[("liblua5.4.so.0", 30), ("libpython3.11.so.1.0", 20)],
        cpu: r(0.9, 6.0), threads: (1, 8), rss_mib: r(10.0, 3000.0), vcs: r(0.1, 20.0), nvcs: r(1.0, 100.0), io_r: r(0.0, 1e3), io_w: r(0.0, 1e3), n: 25 },
    // ---- matrix_computation: BLAS/LAPACK numerics, ML training and inference ----
    Template { id: "python_numpy", labels: &[(MX, 1)], comms: &["python3"], exe_dir: "/usr/bin",
        args: &["{f}.py", "-u {f}.py", "{f}.py --n {n}"], stems: NEUTRAL, libs: NUMPY,
        opt: &[("libblas.so.3", 60), ("liblapack.so.3", 60), ("libgfortran.so.5", 60), ("/usr/local/lib/python3.11/dist-packages/numpy.libs/libopenblas64_p-r0-15028c96.3.21.so", 40), ("py:numpy/fft/_pocketfft_internal", 40), ("libcrypto.so.3", 30)],
        cpu: r(0.9, 8.0), threads: (1, 16), rss_mib: r(60.0, 16000.0), vcs: r(0.5, 100.0), nvcs: r(1.0, 300.0), io_r: r(0.0, 5e4), io_w: r(0.0, 5e4), n: 50 },
    Template { id: "python_sci_mixed", labels: &[(MX, 6), (OP, 2), (OT, 2)], comms: &["python3"], exe_dir: "/usr/bin",
        args: &["-m ipykernel_launcher -f /run/user/1000/jupyter/kernel-{h}.json", "{f}.py"], stems: NEUTRAL,
        libs: &["py:numpy/core/_multiarray_umath", "py:numpy/linalg/_umath_linalg", "libopenblas.so.0", "py:scipy/sparse/_sparsetools", "py:pandas/_libs/hashtable", "py:sklearn/utils/_cython_blas"],
        opt: &[("py:scipy/optimize/_lbfgsb", 50), ("py:zmq/backend/cython/_device", 60)],
        cpu: r(0.9, 6.0), threads: (2, 30), rss_mib: r(200.0, 16000.0), vcs: r(1.0, 200.0), nvcs: r(1.0, 300.0), io_r: r(0.0, 1e5), io_w: r(0.0, 1e5), n: 40 },
    Template { id: "pytorch_train", labels: &[(MX, 1)], comms: &["python3", "pt_main_thread=/usr/bin/python3", "torchrun=/usr/local/bin/torchrun"], exe_dir: "/usr/bin",
        args: &["train.py --epochs {n} --batch-size 64", "{f}.py --lr 3e-4", "-m torch.distributed.run --nproc_per_node 1 train.py", "finetune_{f}.py --model bert-base"],
        stems: &["train_resnet", "train", "finetune", "lora_train", "run_glue", "main"],
        libs: &["/usr/local/lib/python3.11/dist-packages/torch/lib/libtorch_cpu.so", "/usr/local/lib/python3.11/dist-packages/torch/lib/libtorch.so", "/usr/local/lib/python3.11/dist-packages/torch/lib/libc10.so", "/usr/local/lib/python3.11/dist-packages/torch/lib/libtorch_python.so", "/usr/local/lib/python3.11/dist-packages/torch/lib/libgomp-a34b3233.so.1"],
        opt: &[("py:numpy/core/_multiarray_umath", 80), ("/usr/local/lib/python3.11/dist-packages/torch/lib/libcudart-9335f6a2.so.12", 30), ("libjpeg.so.62", 30)],
        cpu: r(1.5, 12.0), threads: (8, 80), rss_mib: r(1500.0, 40000.0), vcs: r(5.0, 500.0), nvcs: r(10.0, 1000.0), io_r: r(1e4, 5e7), io_w: r(0.0, 1e6), n: 40 },
    Template { id: "tensorflow", labels: &[(MX, 1)], comms: &["python3"], exe_dir: "/usr/bin",
        args: &["{f}.py", "{f}.py --epochs {n}"], stems: &["train_cnn", "model_fit", "keras_train", "predict", "run"],
        libs: &["/usr/local/lib/python3.11/dist-packages/tensorflow/libtensorflow_framework.so.2", "/usr/local/lib/python3.11/dist-packages/tensorflow/python/_pywrap_tensorflow_internal.so", "py:numpy/core/_multiarray_umath"],
        opt: &[("libgomp.so.1", 40)],
        cpu: r(1.5, 12.0), threads: (10, 100), rss_mib: r(1000.0, 30000.0), vcs: r(5.0, 500.0), nvcs: r(10.0, 1000.0), io_r: r(1e3, 3e7), io_w: r(0.0, 1e6), n: 30 },
    Template { id: "onnx_infer", labels: &[(MX, 1)], comms: &["python3", "onnx_server"], exe_dir: "/usr/bin",
        args: &["serve.py --model model.onnx --port 8000", "{f}.py", "--model /models/{f}.onnx"], stems: &["infer", "detect", "embed", "serve"],
        libs: &["/usr/local/lib/python3.11/dist-packages/onnxruntime/capi/libonnxruntime.so.1.17.1", "/usr/local/lib/python3.11/dist-packages/onnxruntime/capi/onnxruntime_pybind11_state.so"],
        opt: &[("py:numpy/core/_multiarray_umath", 70)],
        cpu: r(0.9, 8.0), threads: (4, 40), rss_mib: r(300.0, 8000.0), vcs: r(5.0, 2000.0), nvcs: r(5.0, 500.0), io_r: r(0.0, 1e6), io_w: r(0.0, 1e5), n: 30 },
    Template { id: "llama_cpp", labels: &[(MX, 1)], comms: &["llama-server", "llama-cli", "ollama_llama_se=/usr/local/bin/ollama"], exe_dir: "/usr/local/bin",
        args: &["-m /models/{f}.gguf -t {t} --port 8080", "-m /models/{f}.gguf -p hello -n 256", "runner --model /models/{f}.gguf"],
        stems: &["llama-3-8b-q4", "mistral-7b", "phi-3-mini", "qwen2-7b"],
        libs: &["/usr/local/lib/libllama.so", "/usr/local/lib/libggml.so", "/usr/local/lib/libggml-cpu.so", "libgomp.so.1"], opt: &[("libggml-base.so", 50)],
        cpu: r(2.0, 12.0), threads: (4, 20), rss_mib: r(2000.0, 40000.0), vcs: r(1.0, 500.0), nvcs: r(5.0, 500.0), io_r: r(0.0, 1e6), io_w: r(0.0, 1e4), n: 30 },
    Template { id: "julia", labels: &[(MX, 8), (OP, 2)], comms: &["julia"], exe_dir: "/usr/bin",
        args: &["{f}.jl", "--threads {t} {f}.jl", "-e include(\"{f}.jl\")"], stems: &["simulate", "solve_pde", "run", "bench", "fem"],
        libs: &["/usr/lib/x86_64-linux-gnu/julia/libjulia-internal.so.1", "libjulia.so.1", "/usr/lib/x86_64-linux-gnu/julia/libopenblas64_.so", "/usr/lib/x86_64-linux-gnu/julia/libLLVM-15jl.so", "libgfortran.so.5"],
        opt: &[("libfftw3.so.3", 30)],
        cpu: r(0.9, 8.0), threads: (2, 20), rss_mib: r(200.0, 16000.0), vcs: r(0.5, 100.0), nvcs: r(1.0, 300.0), io_r: r(0.0, 1e5), io_w: r(0.0, 1e5), n: 30 },
    Template { id: "octave", labels: &[(MX, 1)], comms: &["octave-cli"], exe_dir: "/usr/bin",
        args: &["{f}.m", "--no-gui --eval run_{f}"], stems: &["simulate", "solve_system", "eigs_bench", "filter_design"],
        libs: &["liboctinterp.so.8", "liboctave.so.8", "libblas.so.3", "liblapack.so.3", "libfftw3.so.3", "libarpack.so.2"], opt: &[("libumfpack.so.5", 60), ("libcholmod.so.3", 50)],
        cpu: r(0.9, 4.0), threads: (1, 8), rss_mib: r(100.0, 8000.0), vcs: r(0.5, 50.0), nvcs: r(1.0, 200.0), io_r: r(0.0, 1e5), io_w: r(0.0, 1e5), n: 25 },
    Template { id: "r_blas", labels: &[(MX, 8), (OT, 2)], comms: &["R"], exe_dir: "/usr/lib/R/bin/exec",
        args: &["--no-echo --no-restore --file={f}.R", "--vanilla -f {f}.R"], stems: &["model", "bootstrap", "analysis", "simulate"],
        libs: &["/usr/lib/R/lib/libR.so", "/usr/lib/R/lib/libRblas.so", "/usr/lib/R/lib/libRlapack.so"], opt: &[("libgomp.so.1", 40)],
        cpu: r(0.9, 4.0), threads: (1, 8), rss_mib: r(100.0, 8000.0), vcs: r(0.5, 50.0), nvcs: r(1.0, 200.0), io_r: r(0.0, 1e5), io_w: r(0.0, 1e5), n: 25 },
    Template { id: "mkl_app", labels: &[(MX, 1)], comms: &["simulate", "fem_solver", "cfd_run", "dgemm_bench", "qe_pw=pw.x"], exe_dir: "/opt/app/bin",
        args: &["-n {n}", "--input {f}.inp --threads {t}", "-i {f}.in"], stems: &["case1", "mesh_fine", "bulk_si"],
        libs: &["libmkl_rt.so.2", "libmkl_intel_lp64.so.2", "libmkl_core.so.2", "libmkl_gnu_thread.so.2", "libiomp5.so"], opt: &[("libmpi.so.40", 30)],
        cpu: r(2.0, 16.0), threads: (2, 32), rss_mib: r(200.0, 30000.0), vcs: r(0.5, 50.0), nvcs: r(1.0, 300.0), io_r: r(0.0, 1e6), io_w: r(0.0, 1e6), n: 25 },
    // ---- optimization_problem: continuous and convex optimisers ----
    Template { id: "ipopt", labels: &[(OP, 1)], comms: &["ipopt"], exe_dir: "/usr/bin",
        args: &["{f}.nl -AMPL", "{f}.nl max_iter=3000"], stems: &["opf_case300", "trajectory", "model", "hs071", "process_design"],
        libs: &["libipopt.so.3", "libcoinmumps.so.3", "libblas.so.3", "liblapack.so.3", "libgfortran.so.5"], opt: &[("libmetis.so.5", 50), ("libcoinasl.so.1", 50), ("libdmumps_seq-5.5.so", 30)],
        cpu: r(0.9, 1.05), threads: (1, 2), rss_mib: r(20.0, 4000.0), vcs: r(0.2, 10.0), nvcs: r(1.0, 60.0), io_r: r(0.0, 5e3), io_w: r(0.0, 5e3), n: 35 },
    Template { id: "python_casadi", labels: &[(OP, 1)], comms: &["python3"], exe_dir: "/usr/bin",
        args: &["{f}.py", "{f}.py --horizon {n}"], stems: &["mpc_vehicle", "trajopt", "optimize_trajectory", "run", "ocp", "main"],
        libs: &["/usr/local/lib/python3.11/dist-packages/casadi/libcasadi.so.3.7", "/usr/local/lib/python3.11/dist-packages/casadi/libcasadi_nlpsol_ipopt.so", "/usr/local/lib/python3.11/dist-packages/casadi/libipopt.so.3"],
        opt: &[("py:numpy/core/_multiarray_umath", 80), ("libopenblas.so.0", 50), ("libgfortran.so.5", 50)],
        cpu: r(0.9, 2.0), threads: (1, 6), rss_mib: r(100.0, 3000.0), vcs: r(0.5, 100.0), nvcs: r(1.0, 100.0), io_r: r(0.0, 1e4), io_w: r(0.0, 1e4), n: 35 },
    Template { id: "python_cvxpy", labels: &[(OP, 1)], comms: &["python3"], exe_dir: "/usr/bin",
        args: &["{f}.py", "-u {f}.py"], stems: &["portfolio_opt", "rebalance", "run", "main", "qp_bench", "control"],
        libs: &["py:numpy/core/_multiarray_umath", "libopenblas.so.0", "py:osqp/_osqp", "py:ecos/_ecos", "py:scs/_scs_direct"],
        opt: &[("py:clarabel/clarabel", 60), ("py:scipy/sparse/_sparsetools", 70)],
        cpu: r(0.9, 4.0), threads: (1, 12), rss_mib: r(100.0, 4000.0), vcs: r(0.5, 100.0), nvcs: r(1.0, 200.0), io_r: r(0.0, 1e4), io_w: r(0.0, 1e4), n: 35 },
    Template { id: "ceres_ba", labels: &[(OP, 1)], comms: &["colmap", "bundle_adjuster", "ceres_solve"], exe_dir: "/usr/bin",
        args: &["bundle_adjuster --input_path {f} --output_path out", "--input={f}.txt --num_threads={t}", "mapper --database_path {f}.db"],
        stems: &["problem-49-7776", "sparse", "dubrovnik"],
        libs: &["libceres.so.3", "libglog.so.1", "libgflags.so.2.2", "libcholmod.so.3", "libspqr.so.2", "libblas.so.3", "liblapack.so.3"], opt: &[("libmetis.so.5", 50), ("libgomp.so.1", 60)],
        cpu: r(0.9, 8.0), threads: (1, 16), rss_mib: r(100.0, 8000.0), vcs: r(0.5, 50.0), nvcs: r(1.0, 300.0), io_r: r(0.0, 1e5), io_w: r(0.0, 1e5), n: 30 },
    Template { id: "nlopt_app", labels: &[(OP, 1)], comms: &["calibrate", "fit_model", "param_search", "tune"], exe_dir: "/opt/app/bin",
        args: &["--config {f}.yaml", "-n {n}"], stems: &["params", "run"], libs: &["libnlopt.so.0"], opt: &[("libboost_program_options.so.1.74.0", 50)],
        cpu: r(0.9, 1.05), threads: (1, 2), rss_mib: r(5.0, 1000.0), vcs: r(0.1, 20.0), nvcs: r(1.0, 60.0), io_r: r(0.0, 1e3), io_w: r(0.0, 1e3), n: 25 },
    Template { id: "python_scipy_opt", labels: &[(OP, 8), (MX, 2)], comms: &["python3"], exe_dir: "/usr/bin",
        args: &["{f}.py", "-u {f}.py"], stems: &["fit_curve", "calibrate", "run", "main", "minimize_energy", "estimate"],
        libs: &["py:numpy/core/_multiarray_umath", "libopenblas.so.0", "py:scipy/optimize/_lbfgsb", "py:scipy/optimize/_slsqp", "py:scipy/optimize/_minpack"],
        opt: &[("py:scipy/optimize/_cobyla", 50), ("py:scipy/linalg/_fblas", 60)],
        cpu: r(0.9, 4.0), threads: (1, 12), rss_mib: r(80.0, 4000.0), vcs: r(0.5, 100.0), nvcs: r(1.0, 200.0), io_r: r(0.0, 1e4), io_w: r(0.0, 1e4), n: 35 },
    Template { id: "osqp_mpc", labels: &[(OP, 1)], comms: &["mpc_controller", "qp_solver"], exe_dir: "/opt/robot/bin",
        args: &["--rate 100 --horizon {n}", "-c {f}.yaml"], stems: &["config", "params"], libs: &["libosqp.so", "libqdldl.so"], opt: &[("libyaml-cpp.so.0.7", 50)],
        cpu: r(0.3, 1.0), threads: (1, 4), rss_mib: r(5.0, 300.0), vcs: r(50.0, 2000.0), nvcs: r(1.0, 50.0), io_r: r(0.0, 1e3), io_w: r(0.0, 1e3), n: 20 },
    Template { id: "clp_lp", labels: &[(OP, 1)], comms: &["clp"], exe_dir: "/usr/bin",
        args: &["{f}.mps -dualsimplex", "{f}.mps -barrier -solu out.txt"], stems: &["netlib_pilot", "transport", "lp_model"],
        libs: &["libClp.so.1", "libCoinUtils.so.3", "libOsiClp.so.1"], opt: &[("libblas.so.3", 40), ("libz.so.1", 50)],
        cpu: r(0.9, 1.05), threads: (1, 1), rss_mib: r(10.0, 2000.0), vcs: r(0.1, 5.0), nvcs: r(1.0, 50.0), io_r: r(0.0, 1e3), io_w: r(0.0, 1e3), n: 20 },
    // ---- build ----
    Template { id: "cc1plus", labels: &[(B, 1)], comms: &["cc1plus", "cc1"], exe_dir: "/usr/lib/gcc/x86_64-linux-gnu/12",
        args: &["-quiet -I include -D_GNU_SOURCE src/{f}.cpp -quiet -dumpbase {f}.cpp -O2 -o /tmp/cc{h}.s", "-quiet -imultiarch x86_64-linux-gnu {f}.c -quiet -O3 -fPIC -o /tmp/cc{h}.s"],
        stems: &["solver", "matrix", "optimizer", "parser", "main", "engine", "sat_encode"],
        libs: &["libisl.so.23", "libmpc.so.3", "libmpfr.so.6", "libgmp.so.10", "libzstd.so.1", "libz.so.1"], opt: &[],
        cpu: r(0.95, 1.02), threads: (1, 1), rss_mib: r(50.0, 2500.0), vcs: r(0.1, 10.0), nvcs: r(1.0, 100.0), io_r: r(0.0, 1e6), io_w: r(1e3, 1e6), n: 40 },
    Template { id: "rustc", labels: &[(B, 1)], comms: &["rustc"], exe_dir: "/home/u/.cargo/bin",
        args: &["--crate-name {f} --edition=2021 src/lib.rs --crate-type lib -C opt-level=3 -C codegen-units=16", "--crate-name {f} --edition=2021 src/main.rs --error-format=json -C debuginfo=2"],
        stems: &["nalgebra", "serde_derive", "powerhook", "syn", "tokio", "good_lp", "ndarray"],
        libs: &["librustc_driver-7f2b0e8a1e6c8c1d.so", "libstd-11e9b9b13da3c5d8.so", "libLLVM.so.18.1-rust-1.82.0-stable", "libz.so.1"], opt: &[],
        cpu: r(0.95, 8.0), threads: (2, 24), rss_mib: r(100.0, 4000.0), vcs: r(1.0, 200.0), nvcs: r(1.0, 300.0), io_r: r(0.0, 1e6), io_w: r(1e3, 5e6), n: 40 },
    Template { id: "clang", labels: &[(B, 1)], comms: &["clang", "clang++", "clang-15"], exe_dir: "/usr/bin",
        args: &["-cc1 -triple x86_64-pc-linux-gnu -emit-obj -O2 -o {f}.o -x c++ src/{f}.cpp", "-c -O2 -o build/{f}.o src/{f}.c"],
        stems: &["ops", "kernel", "solver", "blas_wrap", "main"],
        libs: &["libLLVM-15.so.1", "libclang-cpp.so.15", "libz.so.1", "libzstd.so.1"], opt: &[("libz3.so.4", 60), ("libxml2.so.2", 50)],
        cpu: r(0.95, 1.02), threads: (1, 1), rss_mib: r(50.0, 2000.0), vcs: r(0.1, 10.0), nvcs: r(1.0, 100.0), io_r: r(0.0, 1e6), io_w: r(1e3, 1e6), n: 35 },
    Template { id: "linker", labels: &[(B, 1)], comms: &["ld", "ld.lld", "mold", "collect2"], exe_dir: "/usr/bin",
        args: &["-o target/release/deps/{f} --gc-sections -pie", "-plugin /usr/libexec/gcc/liblto_plugin.so -o {f} main.o -lm"], stems: &["app", "powerhook", "server"],
        libs: &["libz.so.1", "libzstd.so.1"], opt: &[("libbfd-2.40-system.so", 40), ("libctf.so.0", 30), ("libLLVM-15.so.1", 20)],
        cpu: r(0.95, 6.0), threads: (1, 16), rss_mib: r(100.0, 6000.0), vcs: r(1.0, 200.0), nvcs: r(1.0, 200.0), io_r: r(1e4, 1e8), io_w: r(1e4, 1e8), n: 25 },
    Template { id: "gradle_javac", labels: &[(B, 1)], comms: &["java"], exe_dir: "/usr/lib/jvm/java-17-openjdk-amd64/bin",
        args: &["-Xmx2g -classpath /home/u/.gradle/wrapper/dists/gradle-8.5/lib/gradle-launcher-8.5.jar org.gradle.launcher.daemon.bootstrap.GradleDaemon 8.5", "-classpath lib/tools.jar com.sun.tools.javac.Main -d build src/{f}.java"],
        stems: &["App", "Main", "Solver"], libs: JVM, opt: &[("libzip.so", 50)],
        cpu: r(0.9, 6.0), threads: (20, 120), rss_mib: r(300.0, 4000.0), vcs: r(10.0, 1000.0), nvcs: r(1.0, 300.0), io_r: r(0.0, 5e6), io_w: r(0.0, 5e6), n: 25 },
    Template { id: "go_compile", labels: &[(B, 1)], comms: &["compile", "go"], exe_dir: "/usr/lib/go-1.19/pkg/tool/linux_amd64",
        args: &["-o $WORK/b001/_pkg_.a -trimpath -p main -complete ./{f}.go", "build -o bin/{f} ./cmd/{f}"], stems: &["main", "server", "solver"],
        libs: &[], opt: &[],
        cpu: r(0.95, 4.0), threads: (4, 16), rss_mib: r(50.0, 2000.0), vcs: r(1.0, 200.0), nvcs: r(1.0, 200.0), io_r: r(0.0, 1e6), io_w: r(1e3, 1e6), n: 25 },
    Template { id: "node_build", labels: &[(B, 1)], comms: &["node"], exe_dir: "/usr/bin",
        args: &["/home/u/app/node_modules/.bin/tsc -p tsconfig.json", "node_modules/.bin/vite build", "node_modules/webpack/bin/webpack.js --mode production"], stems: &["app"],
        libs: &["libnode.so.108", "libuv.so.1", "libssl.so.3", "libcrypto.so.3", "libz.so.1"], opt: &[("libbrotlienc.so.1", 40)],
        cpu: r(0.95, 2.0), threads: (7, 15), rss_mib: r(200.0, 4000.0), vcs: r(5.0, 500.0), nvcs: r(1.0, 200.0), io_r: r(1e3, 5e6), io_w: r(1e3, 5e6), n: 25 },
    // ---- media_encode ----
    Template { id: "ffmpeg", labels: &[(ME, 1)], comms: &["ffmpeg"], exe_dir: "/usr/bin",
        args: &["-i {f}.mov -c:v libx264 -crf 23 -preset medium {f}.mp4", "-i {f}.mkv -c:v libsvtav1 -c:a libopus {f}.webm", "-y -i {f}.mp4 -vf scale=1280:-2 -c:v libx265 out.mp4"],
        stems: &["holiday", "screencast", "GX010123", "lecture", "clip"],
        libs: &["libavcodec.so.59", "libavformat.so.59", "libavutil.so.57", "libswscale.so.6", "libswresample.so.4", "libavfilter.so.8", "libx264.so.164", "libx265.so.199", "libvpx.so.7", "libdav1d.so.6"],
        opt: &[("libaom.so.3", 60), ("libSvtAv1Enc.so.1", 40), ("liblzma.so.5", 60), ("libz.so.1", 70), ("libopus.so.0", 70), ("libva.so.2", 50)],
        cpu: r(1.5, 14.0), threads: (8, 60), rss_mib: r(100.0, 3000.0), vcs: r(20.0, 3000.0), nvcs: r(5.0, 1000.0), io_r: r(1e5, 5e7), io_w: r(1e4, 2e7), n: 40 },
    Template { id: "handbrake_x264", labels: &[(ME, 1)], comms: &["HandBrakeCLI", "x264", "SvtAv1EncApp", "x265"], exe_dir: "/usr/bin",
        args: &["-i {f}.mkv -o {f}.mp4 --encoder x264 --quality 22", "--crf 20 --preset slow -o {f}.mkv {f}.y4m", "-i {f}.y4m -b {f}.ivf --preset 8"],
        stems: &["movie", "input", "capture"], libs: &["libx264.so.164"], opt: &[("libx265.so.199", 50), ("libavcodec.so.59", 50), ("libSvtAv1Enc.so.1", 30)],
        cpu: r(1.5, 14.0), threads: (8, 60), rss_mib: r(100.0, 3000.0), vcs: r(20.0, 3000.0), nvcs: r(5.0, 1000.0), io_r: r(1e5, 3e7), io_w: r(1e4, 1e7), n: 30 },
    Template { id: "gstreamer_enc", labels: &[(ME, 1)], comms: &["gst-launch-1.0"], exe_dir: "/usr/bin",
        args: &["filesrc location={f}.mov ! decodebin ! x264enc ! mp4mux ! filesink location=out.mp4", "v4l2src ! videoconvert ! vp8enc ! webmmux ! filesink location={f}.webm"],
        stems: &["in", "camera"], libs: &["libgstreamer-1.0.so.0", "libgstbase-1.0.so.0", "libgstvideo-1.0.so.0"], opt: &[("libx264.so.164", 60), ("libvpx.so.7", 50), ("libgstcodecparsers-1.0.so.0", 50)],
        cpu: r(0.9, 8.0), threads: (4, 30), rss_mib: r(50.0, 1000.0), vcs: r(50.0, 5000.0), nvcs: r(5.0, 500.0), io_r: r(1e4, 1e7), io_w: r(1e4, 1e7), n: 25 },
    Template { id: "audio_enc", labels: &[(ME, 1)], comms: &["flac", "lame", "opusenc", "sox", "oggenc"], exe_dir: "/usr/bin",
        args: &["-8 {f}.wav -o {f}.flac", "-V2 {f}.wav {f}.mp3", "--bitrate 128 {f}.wav {f}.opus"], stems: &["track01", "podcast", "master"],
        libs: &[], opt: &[("libFLAC.so.12", 40), ("libmp3lame.so.0", 40), ("libopus.so.0", 40), ("libsox.so.3", 30)],
        cpu: r(0.9, 1.02), threads: (1, 1), rss_mib: r(2.0, 100.0), vcs: r(10.0, 500.0), nvcs: r(1.0, 50.0), io_r: r(1e5, 1e7), io_w: r(1e4, 5e6), n: 25 },
    Template { id: "obs_record", labels: &[(ME, 7), (UI, 3)], comms: &["obs"], exe_dir: "/usr/bin",
        args: &["", "--startrecording --minimize-to-tray"], stems: &["x"],
        libs: &["libobs.so.30", "libavcodec.so.59", "libx264.so.164", "libQt6Widgets.so.6", "libQt6Gui.so.6", "libEGL.so.1", "libpulse.so.0"], opt: &[("libvulkan.so.1", 40)],
        cpu: r(0.5, 4.0), threads: (20, 60), rss_mib: r(200.0, 2000.0), vcs: r(500.0, 10000.0), nvcs: r(10.0, 1000.0), io_r: r(0.0, 1e5), io_w: r(1e5, 2e7), n: 20 },
    // ---- interactive ----
    Template { id: "firefox", labels: &[(UI, 1)], comms: &["firefox-esr", "Isolated Web Co=/usr/lib/firefox-esr/firefox-esr", "Web Content=/usr/lib/firefox-esr/firefox-esr", "WebExtensions=/usr/lib/firefox-esr/firefox-esr", "RDD Process=/usr/lib/firefox-esr/firefox-esr"], exe_dir: "/usr/lib/firefox-esr",
        args: &["", "-contentproc -childID {n} -isForBrowser -prefsLen 31000 -prefMapSize 244000 -parentBuildID 20240101 -appDir /usr/lib/firefox-esr/browser {n} true tab", "-contentproc -childID {n} -isForBrowser {n} true tab"], stems: &["x"],
        libs: &["/usr/lib/firefox-esr/libxul.so", "/usr/lib/firefox-esr/libmozsqlite3.so", "/usr/lib/firefox-esr/libmozgtk.so", "/usr/lib/firefox-esr/liblgpllibs.so", "libgtk-3.so.0", "libX11.so.6", "libxcb.so.1", "libpulse.so.0", "libEGL.so.1"],
        opt: &[("/usr/lib/firefox-esr/libmozavcodec.so", 50), ("/usr/lib/firefox-esr/libmozavutil.so", 50), ("libGL.so.1", 40), ("libz.so.1", 50)],
        cpu: r(0.15, 3.0), threads: (20, 90), rss_mib: r(100.0, 3000.0), vcs: r(100.0, 8000.0), nvcs: r(5.0, 1000.0), io_r: r(0.0, 1e6), io_w: r(0.0, 1e6), n: 45 },
    Template { id: "chromium", labels: &[(UI, 1)], comms: &["chromium", "chrome"], exe_dir: "/usr/lib/chromium",
        args: &["--type=renderer --crashpad-handler-pid={n} --enable-crash-reporter --enable-features=WebUIDarkMode --field-trial-handle=3,i,{h} --lang=en-US --renderer-client-id={n}", "--type=gpu-process --field-trial-handle=3,i,{h}", "--enable-features=UseOzonePlatform --ozone-platform=wayland"],
        stems: &["x"],
        libs: &["/usr/lib/chromium/libEGL.so", "/usr/lib/chromium/libGLESv2.so", "/usr/lib/chromium/libvk_swiftshader.so", "libgtk-3.so.0", "libX11.so.6", "libxcb.so.1", "libnss3.so", "libpulse.so.0"],
        opt: &[("libvulkan.so.1", 50), ("libgbm.so.1", 50), ("libz.so.1", 40)],
        cpu: r(0.15, 3.0), threads: (10, 40), rss_mib: r(80.0, 2500.0), vcs: r(100.0, 8000.0), nvcs: r(5.0, 1000.0), io_r: r(0.0, 1e6), io_w: r(0.0, 1e6), n: 45 },
    Template { id: "electron", labels: &[(UI, 1)], comms: &["code", "slack", "Discord", "electron", "signal-desktop"], exe_dir: "/usr/share/code",
        args: &["--type=renderer --enable-crash-reporter --field-trial-handle={h}", "--unity-launch", "--type=utility --utility-sub-type=node.mojom.NodeService"],
        stems: &["x"],
        libs: &["/usr/share/code/libffmpeg.so", "/usr/share/code/libEGL.so", "/usr/share/code/libGLESv2.so", "/usr/share/code/libvk_swiftshader.so", "libgtk-3.so.0", "libX11.so.6", "libnss3.so"],
        opt: &[("libvulkan.so.1", 50), ("libsecret-1.so.0", 40)],
        cpu: r(0.15, 2.5), threads: (15, 50), rss_mib: r(100.0, 2000.0), vcs: r(50.0, 5000.0), nvcs: r(5.0, 500.0), io_r: r(0.0, 1e6), io_w: r(0.0, 1e6), n: 35 },
    Template { id: "desktop_shell", labels: &[(UI, 1)], comms: &["gnome-shell", "kwin_wayland", "Xorg", "Xwayland", "plasmashell"], exe_dir: "/usr/bin",
        args: &["", "--wayland", ":0 -rootless -noreset -accessx -core -auth /run/user/1000/.mutter-Xwaylandauth -listenfd 4"], stems: &["x"],
        libs: &["libEGL.so.1", "libGL.so.1", "libgbm.so.1", "libdrm.so.2", "libwayland-server.so.0", "libX11.so.6", "libxcb.so.1"],
        opt: &[("libmutter-11.so.0", 40), ("libmozjs-102.so.0", 40), ("libgtk-4.so.1", 30), ("libKF5WindowSystem.so.5", 30), ("libpulse.so.0", 50)],
        cpu: r(0.12, 1.5), threads: (5, 40), rss_mib: r(80.0, 1500.0), vcs: r(100.0, 10000.0), nvcs: r(5.0, 500.0), io_r: r(0.0, 1e5), io_w: r(0.0, 1e5), n: 35 },
    Template { id: "game", labels: &[(UI, 1)], comms: &["supertuxkart", "minetest", "hl2_linux", "0ad", "godot"], exe_dir: "/usr/games",
        args: &["", "--windowed", "-game {f}"], stems: &["hl2", "world"],
        libs: &["libSDL2-2.0.so.0", "libvulkan.so.1", "libGL.so.1", "libopenal.so.1", "libpulse.so.0", "libX11.so.6"], opt: &[("libpng16.so.16", 50), ("libcurl.so.4", 40)],
        cpu: r(0.8, 4.0), threads: (8, 40), rss_mib: r(300.0, 6000.0), vcs: r(500.0, 20000.0), nvcs: r(10.0, 2000.0), io_r: r(0.0, 1e7), io_w: r(0.0, 1e5), n: 30 },
    Template { id: "video_player", labels: &[(UI, 1)], comms: &["mpv", "vlc", "totem", "celluloid"], exe_dir: "/usr/bin",
        args: &["{f}.mkv", "--fs {f}.mp4", "https://example.org/{f}.webm"], stems: &["movie", "talk", "episode01"],
        libs: &["libavcodec.so.59", "libavformat.so.59", "libswscale.so.6", "libdav1d.so.6", "libvpx.so.7", "libEGL.so.1", "libvulkan.so.1", "libpulse.so.0", "libX11.so.6", "libwayland-client.so.0"],
        opt: &[("libx264.so.164", 30), ("libva.so.2", 60), ("libgtk-3.so.0", 40)],
        cpu: r(0.12, 2.0), threads: (10, 40), rss_mib: r(80.0, 1000.0), vcs: r(200.0, 10000.0), nvcs: r(5.0, 500.0), io_r: r(1e5, 1e7), io_w: r(0.0, 1e4), n: 30 },
    Template { id: "libreoffice", labels: &[(UI, 1)], comms: &["soffice.bin"], exe_dir: "/usr/lib/libreoffice/program",
        args: &["--splash-pipe=5", "--calc {f}.ods", "--writer {f}.odt"], stems: &["budget", "report", "plan"],
        libs: &["/usr/lib/libreoffice/program/libmergedlo.so", "/usr/lib/libreoffice/program/libsclo.so", "liblpsolve55.so", "libCoinMP.so.1", "libgtk-3.so.0", "libX11.so.6", "libcairo.so.2", "libEGL.so.1"],
        opt: &[("libClp.so.1", 40), ("libCbc.so.3", 40)],
        cpu: r(0.12, 1.5), threads: (5, 20), rss_mib: r(200.0, 2000.0), vcs: r(50.0, 3000.0), nvcs: r(5.0, 300.0), io_r: r(0.0, 1e6), io_w: r(0.0, 1e6), n: 25 },
    Template { id: "java_ide", labels: &[(UI, 1)], comms: &["java"], exe_dir: "/opt/idea/jbr/bin",
        args: &["-Xmx4g -classpath /opt/idea/lib/app.jar com.intellij.idea.Main", "-jar /opt/eclipse/plugins/org.eclipse.equinox.launcher.jar -os linux"], stems: &["x"],
        libs: &["/opt/idea/jbr/lib/server/libjvm.so", "/opt/idea/jbr/lib/libjli.so", "/opt/idea/jbr/lib/libawt_xawt.so", "libX11.so.6", "libXext.so.6", "libfreetype.so.6"], opt: &[("libGL.so.1", 40)],
        cpu: r(0.3, 4.0), threads: (50, 200), rss_mib: r(800.0, 6000.0), vcs: r(100.0, 5000.0), nvcs: r(5.0, 500.0), io_r: r(0.0, 1e7), io_w: r(0.0, 1e6), n: 25 },
    Template { id: "terminal_editor", labels: &[(UI, 1)], comms: &["gnome-terminal-", "konsole", "alacritty", "emacs", "nvim", "vim"], exe_dir: "/usr/bin",
        args: &["", "{f}.rs", "--server"], stems: &["main", "notes", "solver"], libs: &["libgtk-3.so.0", "libX11.so.6", "libpango-1.0.so.0"], opt: &[("libvte-2.91.so.0", 50), ("libtree-sitter.so.0", 30)],
        cpu: r(0.12, 1.0), threads: (1, 10), rss_mib: r(20.0, 500.0), vcs: r(50.0, 3000.0), nvcs: r(1.0, 200.0), io_r: r(0.0, 1e5), io_w: r(0.0, 1e5), n: 25 },
    // ---- other: compressors, copies, servers, scripts, unknown programs ----
    Template { id: "compressor", labels: &[(OT, 1)], comms: &["xz", "zstd", "gzip", "pigz", "bzip2", "7z", "lz4"], exe_dir: "/usr/bin",
        args: &["-T0 -9 {f}.tar", "-19 --long -T0 {f}.tar -o {f}.tar.zst", "-9 {f}", "-k {f}.img", "a -mx=9 {f}.7z {f}"],
        stems: &["backup", "linux-6.6", "dataset", "logs", "vm_disk"],
        libs: &[], opt: &[("liblzma.so.5", 50), ("libzstd.so.1", 40), ("libz.so.1", 50), ("liblz4.so.1", 30), ("libbz2.so.1.0", 30)],
        cpu: r(0.95, 12.0), threads: (1, 16), rss_mib: r(2.0, 3000.0), vcs: r(1.0, 2000.0), nvcs: r(1.0, 500.0), io_r: r(1e6, 3e8), io_w: r(1e5, 1e8), n: 45 },
    Template { id: "tar_copy", labels: &[(OT, 1)], comms: &["tar", "rsync", "git", "restic", "borg", "cp"], exe_dir: "/usr/bin",
        args: &["-cJf {f}.tar.xz {f}", "-a --info=progress2 /home/u/ /mnt/{f}/", "gc --aggressive", "backup /home/u --repo /mnt/{f}", "-r src dst"],
        stems: &["backup", "photos", "repo"], libs: &["libz.so.1"], opt: &[("libzstd.so.1", 40), ("libcrypto.so.3", 50), ("libxxhash.so.0", 30), ("liblz4.so.1", 30), ("libacl.so.1", 40)],
        cpu: r(0.2, 2.0), threads: (1, 8), rss_mib: r(5.0, 2000.0), vcs: r(100.0, 20000.0), nvcs: r(1.0, 300.0), io_r: r(1e6, 3e8), io_w: r(1e5, 3e8), n: 35 },
    Template { id: "python_plain", labels: &[(OT, 1)], comms: &["python3"], exe_dir: "/usr/bin",
        args: &["{f}.py", "manage.py runserver 0.0.0.0:8000", "-m http.server", "-u {f}.py --workers {t}", "/usr/bin/unattended-upgrade"],
        stems: &["scraper", "etl", "sync", "main", "run", "bot", "job", "task", "worker", "analysis"],
        libs: PY, opt: &[("py:_ssl", 60), ("libssl.so.3", 60), ("libcrypto.so.3", 60), ("py:_sqlite3", 40), ("libsqlite3.so.0", 40), ("py:_asyncio", 40), ("libpython3.11.so.1.0", 20)],
        cpu: r(0.15, 1.05), threads: (1, 20), rss_mib: r(15.0, 2000.0), vcs: r(1.0, 3000.0), nvcs: r(1.0, 300.0), io_r: r(0.0, 1e7), io_w: r(0.0, 1e7), n: 45 },
    Template { id: "pandas_etl", labels: &[(OT, 8), (MX, 2)], comms: &["python3"], exe_dir: "/usr/bin",
        args: &["{f}.py", "-u {f}.py --input data/{f}.parquet"], stems: &["etl", "clean_data", "report", "aggregate", "job", "run"],
        libs: &["py:numpy/core/_multiarray_umath", "libopenblas.so.0", "py:pandas/_libs/hashtable", "py:pandas/_libs/groupby", "py:pandas/_libs/lib"],
        opt: &[("/usr/local/lib/python3.11/dist-packages/pyarrow/libarrow.so.1500", 50), ("/usr/local/lib/python3.11/dist-packages/pyarrow/libparquet.so.1500", 40)],
        cpu: r(0.9, 1.05), threads: (1, 20), rss_mib: r(200.0, 16000.0), vcs: r(1.0, 300.0), nvcs: r(1.0, 200.0), io_r: r(1e4, 1e8), io_w: r(1e3, 5e7), n: 35 },
    Template { id: "servers", labels: &[(OT, 1)], comms: &["node", "postgres", "mysqld", "redis-server", "java", "nginx", "dockerd", "containerd"], exe_dir: "/usr/bin",
        args: &["server.js --port 3000", "-D /var/lib/postgresql/15/main", "--bind 127.0.0.1", "-jar app.jar --server.port=8080", "-g daemon off;"], stems: &["x"],
        libs: &["libssl.so.3", "libcrypto.so.3", "libz.so.1"], opt: &[("libnode.so.108", 20), ("libuv.so.1", 20), ("libpq.so.5", 20), ("libzstd.so.1", 30), ("liblz4.so.1", 30), ("libicuuc.so.72", 30), ("/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so", 15)],
        cpu: r(0.15, 4.0), threads: (1, 80), rss_mib: r(20.0, 4000.0), vcs: r(50.0, 20000.0), nvcs: r(1.0, 1000.0), io_r: r(0.0, 5e7), io_w: r(0.0, 5e7), n: 45 },
    Template { id: "indexers", labels: &[(OT, 1)], comms: &["tracker-miner-f", "baloo_file", "updatedb.plocat", "clamscan", "packagekitd", "apt-check"], exe_dir: "/usr/libexec",
        args: &["", "-r /home/u", "--prunepaths /tmp"], stems: &["x"],
        libs: &["libglib-2.0.so.0", "libsqlite3.so.0"], opt: &[("libtracker-sparql-3.0.so.0", 40), ("libclamav.so.11", 30), ("libxml2.so.2", 40), ("libz.so.1", 50), ("libbz2.so.1.0", 30)],
        cpu: r(0.2, 1.05), threads: (1, 10), rss_mib: r(20.0, 1000.0), vcs: r(10.0, 5000.0), nvcs: r(1.0, 300.0), io_r: r(1e5, 1e8), io_w: r(0.0, 1e6), n: 30 },
    Template { id: "stress_unknown", labels: &[(OT, 1)], comms: &["stress-ng", "a.out", "bench", "app", "worker", "yes", "prime95"], exe_dir: "/home/u/bin",
        args: &["--cpu {t} --timeout {n}", "", "-n {n}", "--iterations {n}"], stems: &["x"],
        libs: &[], opt: &[("libz.so.1", 30), ("libcrypt.so.1", 20), ("libpthread.so.0", 40)],
        cpu: r(0.9, 8.0), threads: (1, 16), rss_mib: r(1.0, 500.0), vcs: r(0.1, 100.0), nvcs: r(1.0, 500.0), io_r: r(0.0, 1e4), io_w: r(0.0, 1e4), n: 35 },
    Template { id: "audio_daemons", labels: &[(OT, 1)], comms: &["pipewire", "pulseaudio", "wireplumber", "systemd", "dbus-daemon"], exe_dir: "/usr/bin",
        args: &["", "--user", "--session --address=systemd: --nofork"], stems: &["x"],
        libs: &["libpipewire-0.3.so.0", "libdbus-1.so.3", "libsystemd.so.0"], opt: &[("libasound.so.2", 50), ("libpulse.so.0", 30)],
        cpu: r(0.12, 0.6), threads: (1, 6), rss_mib: r(5.0, 100.0), vcs: r(500.0, 20000.0), nvcs: r(1.0, 300.0), io_r: r(0.0, 1e4), io_w: r(0.0, 1e4), n: 25 },
    // ---- at rest: shells and agents that are idle by nature ----
    Template { id: "shells", labels: &[(PatternType::Idle, 1)], comms: &["bash", "zsh", "fish", "tmux: server", "sshd", "ssh-agent"], exe_dir: "/usr/bin",
        args: &["", "-l", "-c sleep 1000"], stems: &["x"], libs: &["libtinfo.so.6"], opt: &[("libcrypto.so.3", 40)],
        cpu: r(0.0, 0.05), threads: (1, 2), rss_mib: r(2.0, 20.0), vcs: r(0.0, 5.0), nvcs: r(0.0, 1.0), io_r: r(0.0, 100.0), io_w: r(0.0, 100.0), n: 30 },
];

/// Share of each template's instances generated at rest and labelled `idle`, in percent.
const IDLE_VARIANT_PERCENT: u32 = 16;

fn lib_path(spec: &str) -> String {
    if let Some(m) = spec.strip_prefix("py:") {
        format!("/usr/lib/python3/dist-packages/{m}.cpython-311-x86_64-linux-gnu.so")
    } else if spec.starts_with('/') {
        spec.to_string()
    } else {
        format!("/usr/lib/x86_64-linux-gnu/{spec}")
    }
}

fn fill(pattern: &str, rng: &mut Rng, stems: &[&str]) -> Vec<String> {
    let stems = if stems.is_empty() { NEUTRAL } else { stems };
    let stem = rng.pick(stems).to_string();
    let n = (10 + rng.below(3600)).to_string();
    let t = (1 + rng.below(16)).to_string();
    let h = format!("{:08x}", rng.next_u64() & 0xffff_ffff);
    pattern
        .split(' ')
        .filter(|a| !a.is_empty())
        .map(|a| {
            a.replace("{f}", &stem)
                .replace("{n}", &n)
                .replace("{t}", &t)
                .replace("{h}", &h)
        })
        .collect()
}

fn maps_line(s: &mut String, addr: &mut u64, perms: &str, path: &str, inode: u64) {
    let len = 0x1000 * (1 + (inode % 64));
    let _ = writeln!(
        s,
        "{:012x}-{:012x} {perms} {:08x} 08:02 {inode:<10} {path}",
        *addr,
        *addr + len,
        0
    );
    *addr += len;
}

fn maps_text(exe: &str, libs: &[String], rng: &mut Rng) -> String {
    let mut s = String::new();
    let mut addr: u64 = 0x5600_0000_0000 + (rng.next_u64() & 0xff_ffff) * 0x1000;
    let exe_inode = 100_000 + rng.below(900_000) as u64;
    maps_line(&mut s, &mut addr, "r--p", exe, exe_inode);
    maps_line(&mut s, &mut addr, "r-xp", exe, exe_inode);
    maps_line(&mut s, &mut addr, "rw-p", "[heap]", 0);
    addr = 0x7f00_0000_0000 + (rng.next_u64() & 0xff_ffff) * 0x1000;
    for l in libs {
        let inode = 100_000 + rng.below(900_000) as u64;
        maps_line(&mut s, &mut addr, "r-xp", l, inode);
    }
    maps_line(&mut s, &mut addr, "rw-p", "[stack]", 0);
    maps_line(&mut s, &mut addr, "r-xp", "[vdso]", 0);
    s
}

/// Generate the labelled set from `seed` (the committed one uses [`DEFAULT_SEED`]).
pub fn generate(seed: u64) -> FixtureSet {
    let mut rng = Rng::new(seed);
    let uptimes: Vec<f64> = (0..N_TICKS).map(|k| 86_400.0 + TICK_S * k as f64).collect();
    let up0 = uptimes[0];
    let mut procs = Vec::new();
    let mut pid: u32 = 2000;
    for tpl in TEMPLATES {
        for i in 0..tpl.n {
            pid += 1 + rng.below(7) as u32;
            let at_rest = tpl.labels.iter().all(|(l, _)| *l != PatternType::Idle)
                && rng.chance(IDLE_VARIANT_PERCENT);
            let label = if at_rest {
                PatternType::Idle
            } else {
                let total: u32 = tpl.labels.iter().map(|(_, w)| w).sum();
                let mut x = rng.below(total as usize) as u32;
                let mut pick = tpl.labels[0].0;
                for (l, w) in tpl.labels {
                    if x < *w {
                        pick = *l;
                        break;
                    }
                    x -= w;
                }
                pick
            };
            let split = match i % 5 {
                0..=2 => Split::Train,
                3 => Split::Calib,
                _ => Split::Test,
            };
            let spec = rng.pick(tpl.comms);
            let (comm, argv0) = match spec.split_once('=') {
                Some((c, a)) => (c.to_string(), a.to_string()),
                None => (spec.to_string(), format!("{}/{}", tpl.exe_dir, spec)),
            };
            let mut cmdline = vec![argv0.clone()];
            cmdline.extend(fill(rng.pick(tpl.args), &mut rng, tpl.stems));
            let mut libs: Vec<String> = C.iter().map(|l| lib_path(l)).collect();
            let is_python = argv0.contains("python") || comm.starts_with("python");
            if is_python {
                libs.extend(PY.iter().map(|l| lib_path(l)));
            }
            if rng.chance(60) {
                libs.extend(CXX.iter().map(|l| lib_path(l)));
            }
            if tpl.id == "terminal_editor" || tpl.id == "libreoffice" {
                libs.extend(GUI.iter().map(|l| lib_path(l)));
            }
            libs.extend(tpl.libs.iter().map(|l| lib_path(l)));
            for (l, pc) in tpl.opt {
                if rng.chance(*pc) {
                    libs.push(lib_path(l));
                }
            }
            let exe = if is_python {
                "/usr/bin/python3.11".to_string()
            } else {
                argv0.clone()
            };
            let maps = maps_text(&exe, &libs, &mut rng);

            // Resource use. At rest: a small share; busy: the template's range.
            let share = if at_rest {
                rng.uniform(0.0, 0.06)
            } else {
                rng.uniform(tpl.cpu.0, tpl.cpu.1)
            };
            let threads =
                tpl.threads.0 + rng.below((tpl.threads.1 - tpl.threads.0 + 1) as usize) as u64;
            let rss_mib = rng.log_uniform(tpl.rss_mib.0.max(0.5), tpl.rss_mib.1.max(1.0));
            let busy_scale = if at_rest { 0.02 } else { 1.0 };
            let vcs = rng.log_uniform(tpl.vcs.0.max(0.01), tpl.vcs.1.max(0.02)) * busy_scale;
            let nvcs = rng.log_uniform(tpl.nvcs.0.max(0.01), tpl.nvcs.1.max(0.02)) * busy_scale;
            let io_r = rng.log_uniform(tpl.io_r.0.max(1.0), tpl.io_r.1.max(2.0)) * busy_scale;
            let io_w = rng.log_uniform(tpl.io_w.0.max(1.0), tpl.io_w.1.max(2.0)) * busy_scale;
            let age = rng.log_uniform(30.0, 80_000.0);
            let starttime = ((up0 - age) * FIXTURE_HZ as f64).max(0.0) as u64;
            // Lifetime history: the process was busier or quieter before (bursty history).
            let life = rng.uniform(0.3, 1.2);
            let has_ctx = rng.chance(96);
            let has_io = rng.chance(85);
            let mut cpu = (share * life * age * FIXTURE_HZ as f64) as u64;
            let mut v = (vcs * life * age) as u64;
            let mut nv = (nvcs * life * age) as u64;
            let mut rd = (io_r * life * age) as u64;
            let mut wr = (io_w * life * age) as u64;
            let mut ticks = Vec::with_capacity(N_TICKS);
            for k in 0..N_TICKS {
                if k > 0 {
                    let j = |rng: &mut Rng| rng.uniform(0.85, 1.15);
                    cpu += (share * j(&mut rng) * TICK_S * FIXTURE_HZ as f64) as u64;
                    v += (vcs * j(&mut rng) * TICK_S) as u64;
                    nv += (nvcs * j(&mut rng) * TICK_S) as u64;
                    rd += (io_r * j(&mut rng) * TICK_S) as u64;
                    wr += (io_w * j(&mut rng) * TICK_S) as u64;
                }
                ticks.push(TickCounters {
                    cpu_ticks: cpu,
                    ctx: has_ctx.then_some((v, nv)),
                    io: has_io.then_some((rd, wr)),
                });
            }
            let rss_kib = (rss_mib * 1024.0) as u64;
            let has_rss = rng.chance(98);
            let status_head = status_head(&comm, pid, threads, rss_kib, has_rss);
            procs.push(FixtureProcess {
                pid,
                label,
                split,
                template: tpl.id.to_string(),
                comm,
                cmdline,
                maps,
                status_head,
                threads,
                rss_pages: rss_kib / 4,
                starttime,
                ticks,
            });
        }
    }
    FixtureSet { uptimes, procs }
}

fn status_head(comm: &str, pid: u32, threads: u64, rss_kib: u64, has_rss: bool) -> String {
    let uid = FIXTURE_UID;
    let mut s = String::new();
    let _ = write!(
        s,
        "Name:\t{comm}\nUmask:\t0022\nState:\tR (running)\nTgid:\t{pid}\nNgid:\t0\nPid:\t{pid}\nPPid:\t1\n\
TracerPid:\t0\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\nGid:\t{uid}\t{uid}\t{uid}\t{uid}\nFDSize:\t64\n\
Groups:\t{uid}\nVmPeak:\t{}\tkB\nVmSize:\t{}\tkB\n",
        rss_kib * 3 + 10_000,
        rss_kib * 2 + 8_000
    );
    if has_rss {
        let _ = writeln!(s, "VmRSS:\t{rss_kib} kB");
    }
    let _ = write!(s, "Threads:\t{threads}\nCpus_allowed_list:\t0-7\n");
    s
}

impl FixtureProcess {
    fn stat_line(&self, tick: usize) -> String {
        let cpu = self.ticks.get(tick).map(|t| t.cpu_ticks).unwrap_or(0);
        let utime = cpu * 9 / 10;
        let stime = cpu - utime;
        format!(
            "{pid} ({comm}) R 1 {pid} {pid} 0 -1 4194304 1200 0 0 0 {utime} {stime} 0 0 20 0 {thr} 0 {st} {vs} {rss} 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 3 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
            pid = self.pid,
            comm = self.comm,
            thr = self.threads,
            st = self.starttime,
            vs = self.rss_pages * 4096 * 2,
            rss = self.rss_pages,
        )
    }

    fn status_text(&self, tick: usize) -> String {
        let mut s = self.status_head.clone();
        if let Some((v, n)) = self.ticks.get(tick).and_then(|t| t.ctx) {
            let _ = write!(
                s,
                "voluntary_ctxt_switches:\t{v}\nnonvoluntary_ctxt_switches:\t{n}\n"
            );
        }
        s
    }

    fn cmdline_bytes(&self) -> Vec<u8> {
        let mut b = Vec::new();
        for a in &self.cmdline {
            b.extend_from_slice(a.as_bytes());
            b.push(0);
        }
        b
    }

    /// Write this process at `tick` as `proc_dir/PID/...`; with `dynamic_only`, only the files
    /// that change between ticks (`stat`, `status`, `io`).
    pub fn write_at(
        &self,
        proc_dir: &Path,
        tick: usize,
        dynamic_only: bool,
    ) -> std::io::Result<()> {
        let d = proc_dir.join(self.pid.to_string());
        if !dynamic_only {
            std::fs::create_dir_all(&d)?;
            std::fs::write(d.join("cmdline"), self.cmdline_bytes())?;
            std::fs::write(d.join("maps"), &self.maps)?;
        }
        std::fs::write(d.join("stat"), self.stat_line(tick))?;
        std::fs::write(d.join("status"), self.status_text(tick))?;
        let io = d.join("io");
        match self.ticks.get(tick).and_then(|t| t.io) {
            Some((r, w)) => std::fs::write(
                io,
                format!("rchar: {}\nwchar: {}\nsyscr: 0\nsyscw: 0\nread_bytes: {r}\nwrite_bytes: {w}\ncancelled_write_bytes: 0\n", r + 4096, w + 4096),
            )?,
            None => {
                if io.exists() {
                    std::fs::remove_file(io)?;
                }
            }
        }
        Ok(())
    }
}

impl FixtureSet {
    /// Write tick `tick` of every process as a fake root: `root/proc/...`.
    pub fn materialize(&self, root: &Path, tick: usize) -> std::io::Result<()> {
        self.materialize_with(root, tick, false)
    }

    /// Advance a root written by [`materialize`](Self::materialize) to `tick` (rewrites only
    /// `uptime`, `stat`, `status` and `io`).
    pub fn advance(&self, root: &Path, tick: usize) -> std::io::Result<()> {
        self.materialize_with(root, tick, true)
    }

    fn materialize_with(
        &self,
        root: &Path,
        tick: usize,
        dynamic_only: bool,
    ) -> std::io::Result<()> {
        let proc_dir = root.join("proc");
        std::fs::create_dir_all(&proc_dir)?;
        let up = self.uptimes.get(tick).copied().unwrap_or(0.0);
        std::fs::write(
            proc_dir.join("uptime"),
            format!("{up:.2} {:.2}\n", up * 3.0),
        )?;
        for p in &self.procs {
            p.write_at(&proc_dir, tick, dynamic_only)?;
        }
        Ok(())
    }

    /// The processes of one split.
    pub fn split(&self, s: Split) -> impl Iterator<Item = &FixtureProcess> {
        self.procs.iter().filter(move |p| p.split == s)
    }

    /// Write the set in its committed layout under `dir` (see the module doc).
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        if dir.join("proc").exists() {
            std::fs::remove_dir_all(dir.join("proc"))?;
        }
        std::fs::create_dir_all(dir)?;
        let mut manifest = String::from("# pid\tlabel\tsplit\ttemplate\n");
        let mut series = String::from("# uptimes");
        for u in &self.uptimes {
            let _ = write!(series, " {u:.2}");
        }
        series.push_str(
            "\n# pid\ttick\tcpu_ticks\tvoluntary\tnonvoluntary\tread_bytes\twrite_bytes\n",
        );
        let opt = |v: Option<u64>| v.map(|x| x.to_string()).unwrap_or_else(|| "-".into());
        for p in &self.procs {
            let _ = writeln!(
                manifest,
                "{}\t{}\t{}\t{}",
                p.pid,
                p.label.as_str(),
                p.split.as_str(),
                p.template
            );
            for (k, t) in p.ticks.iter().enumerate() {
                let _ = writeln!(
                    series,
                    "{}\t{k}\t{}\t{}\t{}\t{}\t{}",
                    p.pid,
                    t.cpu_ticks,
                    opt(t.ctx.map(|c| c.0)),
                    opt(t.ctx.map(|c| c.1)),
                    opt(t.io.map(|c| c.0)),
                    opt(t.io.map(|c| c.1)),
                );
            }
        }
        std::fs::write(dir.join("manifest.tsv"), manifest)?;
        std::fs::write(dir.join("series.tsv"), series)?;
        self.materialize(dir, self.uptimes.len().saturating_sub(1))
    }

    /// Read a set written by [`write`](Self::write).
    pub fn load(dir: &Path) -> Result<FixtureSet, FixtureError> {
        let fmt = |path: &Path, line: usize, what: &str| FixtureError::Format {
            path: path.display().to_string(),
            line,
            what: what.to_string(),
        };
        let mpath = dir.join("manifest.tsv");
        let manifest = std::fs::read_to_string(&mpath).map_err(io_err(&mpath))?;
        let spath = dir.join("series.tsv");
        let series = std::fs::read_to_string(&spath).map_err(io_err(&spath))?;
        let mut uptimes = Vec::new();
        let mut ticks: std::collections::HashMap<u32, Vec<TickCounters>> = Default::default();
        for (i, l) in series.lines().enumerate() {
            if let Some(u) = l.strip_prefix("# uptimes") {
                for t in u.split_ascii_whitespace() {
                    uptimes.push(t.parse().map_err(|_| fmt(&spath, i + 1, "bad uptime"))?);
                }
                continue;
            }
            if l.starts_with('#') || l.is_empty() {
                continue;
            }
            let f: Vec<&str> = l.split('\t').collect();
            if f.len() != 7 {
                return Err(fmt(&spath, i + 1, "want 7 fields"));
            }
            let num = |s: &str| -> Result<Option<u64>, FixtureError> {
                if s == "-" {
                    Ok(None)
                } else {
                    s.parse()
                        .map(Some)
                        .map_err(|_| fmt(&spath, i + 1, "bad number"))
                }
            };
            let pid: u32 = f[0].parse().map_err(|_| fmt(&spath, i + 1, "bad pid"))?;
            let cpu = num(f[2])?.ok_or_else(|| fmt(&spath, i + 1, "no cpu"))?;
            let ctx = match (num(f[3])?, num(f[4])?) {
                (Some(a), Some(b)) => Some((a, b)),
                _ => None,
            };
            let io = match (num(f[5])?, num(f[6])?) {
                (Some(a), Some(b)) => Some((a, b)),
                _ => None,
            };
            ticks.entry(pid).or_default().push(TickCounters {
                cpu_ticks: cpu,
                ctx,
                io,
            });
        }
        let mut procs = Vec::new();
        for (i, l) in manifest.lines().enumerate() {
            if l.starts_with('#') || l.is_empty() {
                continue;
            }
            let f: Vec<&str> = l.split('\t').collect();
            if f.len() != 4 {
                return Err(fmt(&mpath, i + 1, "want 4 fields"));
            }
            let pid: u32 = f[0].parse().map_err(|_| fmt(&mpath, i + 1, "bad pid"))?;
            let label = PatternType::parse(f[1]).ok_or_else(|| fmt(&mpath, i + 1, "bad label"))?;
            let split = Split::parse(f[2]).ok_or_else(|| fmt(&mpath, i + 1, "bad split"))?;
            let pd = dir.join("proc").join(pid.to_string());
            let read = |name: &str| {
                let p = pd.join(name);
                std::fs::read(&p).map_err(io_err(&p))
            };
            let stat_b = read("stat")?;
            let stat_p = pd.join("stat");
            let st = super::procfs::parse_stat(&stat_b, &stat_p)
                .map_err(|_| fmt(&stat_p, 1, "bad stat"))?;
            let status = String::from_utf8_lossy(&read("status")?).into_owned();
            let status_head: String = status
                .lines()
                .filter(|l| !l.contains("ctxt_switches"))
                .map(|l| format!("{l}\n"))
                .collect();
            let cmdline = super::procfs::parse_cmdline(&read("cmdline")?);
            let maps = String::from_utf8_lossy(&read("maps")?).into_owned();
            procs.push(FixtureProcess {
                pid,
                label,
                split,
                template: f[3].to_string(),
                comm: st.comm,
                cmdline,
                maps,
                status_head,
                threads: st.num_threads,
                rss_pages: st.rss_pages,
                starttime: st.starttime,
                ticks: ticks.remove(&pid).unwrap_or_default(),
            });
        }
        Ok(FixtureSet { uptimes, procs })
    }
}

/// Where the committed set lives, relative to the crate root.
pub fn committed_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/workload/fixtures")
}
