//! The feature vector of one process: what the rules and the learned model see.
//!
//! Three kinds of features, all in `0..=1` (documented one by one in `docs/workload.md`):
//! * flags from the shared libraries mapped (`/proc/PID/maps`), grouped into families
//!   (`lib_*`): BLAS, ML frameworks, MIP/SAT/SMT/CP solvers, optimisers, compilers, GUI, ...;
//! * flags from the executable name (`comm` and `argv[0]`, `name_*`) and the command-line
//!   tokens (`tok_*`: file extensions, flags, words such as `train`);
//! * evidence groups (`ev_*`): hand-written ORs of families that point to one kind of work;
//! * resource use (`cpu_*`, `threads_log`, `rss_log`, `*_rate_log`, `*_missing`): sustained CPU
//!   share, threads, resident memory, context-switch and I/O rates. A counter that cannot be
//!   read sets its `*_missing` flag and leaves the value 0, so "unknown" is not "zero".

use std::sync::OnceLock;

/// One family of names: matches when a lower-cased name starts with one of `prefixes`.
struct Family {
    feature: &'static str,
    prefixes: &'static [&'static str],
}

/// Library families, matched against the lower-cased basename of each mapped `.so`.
const LIB_FAMILIES: &[Family] = &[
    Family {
        feature: "lib_blas",
        prefixes: &[
            "libblas",
            "libopenblas",
            "libmkl",
            "libblis",
            "libflexiblas",
            "libatlas",
            "libcblas",
            "libsatlas",
            "libtatlas",
            "libessl",
            "libarmpl",
            "librblas",
        ],
    },
    Family {
        feature: "lib_lapack",
        prefixes: &["liblapack", "librlapack", "libscalapack", "libgfortran"],
    },
    Family {
        feature: "lib_openmp",
        prefixes: &["libgomp", "libiomp5", "libomp.so"],
    },
    Family {
        feature: "lib_numpy",
        prefixes: &["_multiarray_umath", "_umath_linalg", "lapack_lite"],
    },
    Family {
        feature: "lib_torch",
        prefixes: &["libtorch", "libc10", "libcaffe2"],
    },
    Family {
        feature: "lib_tensorflow",
        prefixes: &["libtensorflow", "_pywrap_tensorflow", "libtflite"],
    },
    Family {
        feature: "lib_onnxruntime",
        prefixes: &["libonnxruntime", "onnxruntime_pybind11"],
    },
    Family {
        feature: "lib_ml_other",
        prefixes: &[
            "libggml",
            "libllama",
            "libxla",
            "xla_extension",
            "libmxnet",
            "libpaddle",
            "libdnnl",
            "libmkldnn",
            "libopenvino",
            "libjax",
        ],
    },
    Family {
        feature: "lib_gpu_compute",
        prefixes: &[
            "libcuda",
            "libcublas",
            "libcudnn",
            "libnvrtc",
            "librocblas",
            "libhipblas",
            "libamdhip",
            "libopencl",
        ],
    },
    Family {
        feature: "lib_mip",
        prefixes: &[
            "libgurobi",
            "gurobipy",
            "libcplex",
            "libxprs",
            "libscip",
            "pyscipopt",
            "libcbc",
            "libosicbc",
            "libhighs",
            "highspy",
            "libortools",
            "_pywrapcp",
            "_pywraplp",
            "cp_model_helper",
            "libglpk",
            "liblpsolve",
            "libcoinmp",
            "libsymphony",
            "libbonmin",
            "libcouenne",
        ],
    },
    Family {
        feature: "lib_lp",
        prefixes: &["libclp", "libosiclp", "libsoplex", "libosi.so"],
    },
    Family {
        feature: "lib_sat",
        prefixes: &[
            "libminisat",
            "libkissat",
            "libcadical",
            "libglucose",
            "libcryptominisat",
            "liblingeling",
            "libpicosat",
            "libipasir",
            "pycosat",
            "pysolvers",
        ],
    },
    Family {
        feature: "lib_smt",
        prefixes: &[
            "libz3",
            "libcvc5",
            "libcvc4",
            "libyices",
            "libboolector",
            "libbitwuzla",
            "libmathsat",
            "libstp",
        ],
    },
    Family {
        feature: "lib_cp",
        prefixes: &[
            "libgecode",
            "libchuffed",
            "libminizinc",
            "libclingo",
            "libclasp",
            "libgringo",
        ],
    },
    Family {
        feature: "lib_gmp",
        prefixes: &["libgmp", "libmpfr", "libmpc", "libflint", "libntl"],
    },
    Family {
        feature: "lib_nlp",
        prefixes: &[
            "libipopt",
            "libknitro",
            "libsnopt",
            "libcasadi",
            "libworhp",
            "libcoinhsl",
            "libhsl",
        ],
    },
    Family {
        feature: "lib_convex",
        prefixes: &[
            "libosqp",
            "_osqp",
            "libqdldl",
            "libecos",
            "_ecos",
            "libscs",
            "_scs",
            "clarabel",
            "libmosek",
            "libqpoases",
            "libproxsuite",
            "libpiqp",
            "libdaqp",
            "libhpipm",
            "libacados",
        ],
    },
    Family {
        feature: "lib_nlopt",
        prefixes: &["libnlopt", "_nlopt"],
    },
    Family {
        feature: "lib_least_squares",
        prefixes: &["libceres", "libg2o", "libgtsam"],
    },
    Family {
        feature: "lib_scipy_optimize",
        prefixes: &[
            "_lbfgsb", "_slsqp", "_minpack", "_cobyla", "_trlib", "_lsap", "_direct",
        ],
    },
    Family {
        feature: "lib_coin",
        prefixes: &["libcoinutils", "libcoinmumps", "libcoinasl", "libcoinglpk"],
    },
    Family {
        feature: "lib_sparse",
        prefixes: &[
            "libcholmod",
            "libumfpack",
            "libsuitesparse",
            "libspqr",
            "libmumps",
            "libdmumps",
            "libsuperlu",
            "libpardiso",
            "libmetis",
            "libklu",
            "libamd",
            "libcolamd",
            "libccolamd",
            "libcamd",
        ],
    },
    Family {
        feature: "lib_fftw",
        prefixes: &["libfftw3"],
    },
    Family {
        feature: "lib_dataframe",
        prefixes: &[
            "hashtable.cpython",
            "libarrow",
            "libparquet",
            "polars",
            "_libs_groupby",
            "groupby.cpython",
        ],
    },
    Family {
        feature: "lib_llvm",
        prefixes: &["libllvm", "libclang", "librustc_driver", "liblto"],
    },
    Family {
        feature: "lib_cc",
        prefixes: &["libisl", "libbfd", "libopcodes", "libctf"],
    },
    Family {
        feature: "lib_jvm",
        prefixes: &["libjvm", "libjli", "libjava"],
    },
    Family {
        feature: "lib_python",
        prefixes: &["libpython"],
    },
    Family {
        feature: "lib_node",
        prefixes: &["libnode"],
    },
    Family {
        feature: "lib_gui",
        prefixes: &[
            "libgtk",
            "libgdk",
            "libqt5",
            "libqt6",
            "libx11",
            "libxcb",
            "libwayland",
            "libegl",
            "libgl.so",
            "libglx",
            "libglesv2",
            "libvulkan",
            "libsdl2",
            "libgbm",
            "libatk",
            "libpango",
            "libcairo",
            "libmutter",
            "libkf5",
            "libkf6",
        ],
    },
    Family {
        feature: "lib_browser",
        prefixes: &[
            "libxul",
            "libcef",
            "libmozsqlite3",
            "libmozgtk",
            "liblgpllibs",
            "libmozav",
            "libffmpeg.so",
            "libvk_swiftshader",
            "libelectron",
        ],
    },
    Family {
        feature: "lib_media",
        prefixes: &[
            "libavcodec",
            "libavformat",
            "libavfilter",
            "libswscale",
            "libswresample",
            "libx264",
            "libx265",
            "libvpx",
            "libaom",
            "libdav1d",
            "libsvtav1",
            "librav1e",
            "libmp3lame",
            "libvorbisenc",
            "libflac",
            "libtheoraenc",
            "libgstreamer",
            "libgstvideo",
            "libgstcodec",
            "libobs",
            "libhandbrake",
            "libva.so",
        ],
    },
    Family {
        feature: "lib_compress",
        prefixes: &[
            "liblzma",
            "libzstd",
            "libz.so",
            "libbz2",
            "liblz4",
            "libbrotli",
            "libarchive",
            "libsnappy",
        ],
    },
    Family {
        feature: "lib_crypto",
        prefixes: &["libcrypto", "libssl", "libgnutls", "libgcrypt", "libsodium"],
    },
    Family {
        feature: "lib_db",
        prefixes: &[
            "libsqlite3",
            "libpq",
            "libmysqlclient",
            "libleveldb",
            "librocksdb",
        ],
    },
    Family {
        feature: "lib_audio",
        prefixes: &["libpulse", "libpipewire", "libasound", "libjack"],
    },
];

/// Executable-name families, matched against `comm` and the basename of `argv[0]`.
const NAME_FAMILIES: &[Family] = &[
    Family {
        feature: "name_sat",
        prefixes: &[
            "minisat",
            "kissat",
            "cadical",
            "glucose",
            "cryptominisat",
            "lingeling",
            "plingeling",
            "treengeling",
            "picosat",
            "maplesat",
            "clasp",
        ],
    },
    Family {
        feature: "name_smt",
        prefixes: &[
            "z3",
            "cvc5",
            "cvc4",
            "yices",
            "boolector",
            "bitwuzla",
            "mathsat",
            "stp",
            "vampire",
            "eprover",
            "alt-ergo",
        ],
    },
    Family {
        feature: "name_mip",
        prefixes: &[
            "gurobi",
            "cplex",
            "cbc",
            "scip",
            "highs",
            "glpsol",
            "lp_solve",
            "optimizer",
            "symphony",
            "bonmin",
            "couenne",
            "baron",
        ],
    },
    Family {
        feature: "name_cp",
        prefixes: &[
            "minizinc", "fzn-", "chuffed", "gecode", "clingo", "gringo", "choco", "cp-sat",
        ],
    },
    Family {
        feature: "name_nlp",
        prefixes: &[
            "ipopt",
            "knitro",
            "snopt",
            "conopt",
            "osqp",
            "nlopt",
            "bundle_adjuster",
            "colmap",
        ],
    },
    Family {
        feature: "name_ml",
        prefixes: &[
            "ollama",
            "llama",
            "whisper",
            "tritonserver",
            "torchrun",
            "deepspeed",
        ],
    },
    Family {
        feature: "name_numeric",
        prefixes: &["octave", "matlab", "julia", "r", "rscript", "scilab"],
    },
    Family {
        feature: "name_python",
        prefixes: &["python", "pypy", "ipykernel"],
    },
    Family {
        feature: "name_jvm",
        prefixes: &["java"],
    },
    Family {
        feature: "name_node",
        prefixes: &["node", "deno", "bun"],
    },
    Family {
        feature: "name_cc",
        prefixes: &[
            "cc1", "cc1plus", "cc1obj", "as", "ld", "ld.bfd", "ld.gold", "ld.lld", "lld", "mold",
            "collect2", "clang", "gcc", "g++", "c++", "rustc", "compile", "link", "javac", "ghc",
            "ocamlopt", "swiftc", "zig", "nvcc", "cicc", "ptxas", "go",
        ],
    },
    Family {
        feature: "name_buildtool",
        prefixes: &[
            "make",
            "gmake",
            "ninja",
            "cmake",
            "meson",
            "bazel",
            "cargo",
            "scons",
            "bitbake",
            "tsc",
            "esbuild",
            "webpack",
            "gradle",
            "dpkg-buildpacka",
        ],
    },
    Family {
        feature: "name_media",
        prefixes: &[
            "ffmpeg",
            "x264",
            "x265",
            "handbrake",
            "ghb",
            "gst-launch",
            "svtav1",
            "aomenc",
            "vpxenc",
            "rav1e",
            "lame",
            "flac",
            "opusenc",
            "oggenc",
            "sox",
            "obs",
            "melt",
        ],
    },
    Family {
        feature: "name_browser",
        prefixes: &[
            "firefox",
            "web content",
            "isolated web",
            "webextensions",
            "socket process",
            "rdd process",
            "privileged con",
            "gpu process",
            "chromium",
            "chrome",
            "brave",
            "msedge",
            "vivaldi",
            "opera",
            "epiphany",
            "webkitwebproc",
            "electron",
            "code",
            "slack",
            "discord",
            "teams",
            "signal-desktop",
            "spotify",
            "thunderbird",
        ],
    },
    Family {
        feature: "name_desktop",
        prefixes: &[
            "gnome-shell",
            "kwin",
            "plasmashell",
            "xorg",
            "xwayland",
            "mutter",
            "sway",
            "hyprland",
            "gnome-terminal",
            "konsole",
            "alacritty",
            "kitty",
            "xterm",
            "nautilus",
            "dolphin",
            "mpv",
            "vlc",
            "totem",
            "celluloid",
            "evince",
            "okular",
            "gimp",
            "inkscape",
            "soffice",
            "libreoffice",
            "vim",
            "nvim",
            "emacs",
            "gedit",
            "steam",
        ],
    },
    Family {
        feature: "name_shell",
        prefixes: &["bash", "zsh", "fish", "sh", "dash", "tmux", "screen"],
    },
    Family {
        feature: "name_compress",
        prefixes: &[
            "xz", "zstd", "gzip", "pigz", "bzip2", "pbzip2", "lbzip2", "7z", "zip", "unzip", "lz4",
            "brotli", "pixz", "plzip", "lzip", "tar", "zpaq", "unrar",
        ],
    },
    Family {
        feature: "name_tool",
        prefixes: &[
            "rsync",
            "git",
            "sha256sum",
            "md5sum",
            "b2sum",
            "find",
            "updatedb",
            "tracker-miner",
            "baloo_file",
            "clamscan",
            "rg",
            "grep",
            "dd",
            "cp",
            "restic",
            "borg",
            "apt",
            "dpkg",
            "unattended-upgr",
            "packagekitd",
            "flatpak",
            "docker",
            "containerd",
            "postgres",
            "mysqld",
            "redis-server",
            "nginx",
            "pipewire",
            "pulseaudio",
            "wireplumber",
            "systemd",
            "dbus-daemon",
            "stress",
        ],
    },
];

/// How a command-line token family matches: file extensions (suffix of the token), exact
/// tokens (the whole token, or the part before `=`), and words of the token's basename (split
/// at anything that is not a letter or digit).
struct TokFamily {
    feature: &'static str,
    exts: &'static [&'static str],
    exact: &'static [&'static str],
    words: &'static [&'static str],
}

const TOK_FAMILIES: &[TokFamily] = &[
    TokFamily {
        feature: "tok_sat",
        exts: &[
            ".cnf", ".cnf.gz", ".cnf.xz", ".dimacs", ".wcnf", ".opb", ".qdimacs",
        ],
        exact: &[],
        words: &["sat", "cnf", "dimacs"],
    },
    TokFamily {
        feature: "tok_smt",
        exts: &[
            ".smt2", ".smt", ".smtlib", ".btor", ".btor2", ".aig", ".tptp",
        ],
        exact: &["--smtlib2", "-smt2"],
        words: &["smt", "smt2", "verify", "bmc"],
    },
    TokFamily {
        feature: "tok_mip",
        exts: &[
            ".mps", ".mps.gz", ".mps.bz2", ".lp", ".lp.gz", ".rlp", ".mst",
        ],
        exact: &["mipgap", "timelimit", "threads"],
        words: &["mip", "milp", "ilp", "miplib"],
    },
    TokFamily {
        feature: "tok_cp",
        exts: &[".mzn", ".fzn", ".dzn", ".xcsp", ".essence"],
        exact: &["--solver"],
        words: &[
            "schedule",
            "scheduling",
            "timetable",
            "tsp",
            "vrp",
            "routing",
            "knapsack",
            "sudoku",
            "nqueens",
            "jobshop",
            "rostering",
        ],
    },
    TokFamily {
        feature: "tok_nlp",
        exts: &[".nl", ".gms", ".mod", ".osil"],
        exact: &[],
        words: &[
            "optimize",
            "optimise",
            "minimize",
            "minimise",
            "fit",
            "calibrate",
            "portfolio",
            "mpc",
            "trajopt",
            "lsq",
            "nlp",
            "qp",
            "cvx",
            "cvxpy",
            "ba",
            "bundle",
        ],
    },
    TokFamily {
        feature: "tok_ml",
        exts: &[
            ".pt",
            ".pth",
            ".ckpt",
            ".onnx",
            ".safetensors",
            ".gguf",
            ".h5",
            ".tflite",
        ],
        exact: &[
            "--epochs",
            "--batch-size",
            "--lr",
            "--model",
            "run",
            "serve",
        ],
        words: &[
            "train",
            "training",
            "finetune",
            "infer",
            "inference",
            "torch",
            "transformers",
            "llama",
            "bert",
            "resnet",
            "gpt",
            "lora",
            "epochs",
        ],
    },
    TokFamily {
        feature: "tok_numeric",
        exts: &[".npy", ".npz", ".mat", ".m", ".jl", ".r", ".h5ad", ".nc"],
        exact: &[],
        words: &[
            "matmul",
            "linalg",
            "gemm",
            "simulate",
            "simulation",
            "fem",
            "cfd",
            "solver",
            "eigen",
            "svd",
            "pca",
            "monte",
            "carlo",
        ],
    },
    TokFamily {
        feature: "tok_src",
        exts: &[
            ".c", ".cc", ".cpp", ".cxx", ".rs", ".go", ".java", ".o", ".a", ".s", ".ll", ".kt",
            ".ts", ".ii", ".i",
        ],
        exact: &[
            "-c",
            "-o",
            "-o2",
            "-o3",
            "-os",
            "-g",
            "-fpic",
            "--crate-name",
            "--edition",
            "--crate-type",
            "-pipe",
            "-quiet",
        ],
        words: &[],
    },
    TokFamily {
        feature: "tok_build",
        exts: &[],
        exact: &[
            "build",
            "install",
            "--release",
            "-j",
            "all",
            "check",
            "test",
            "bdist_wheel",
        ],
        words: &["cmakefiles", "makefile", "ninja", "cargo"],
    },
    TokFamily {
        feature: "tok_media",
        exts: &[
            ".mp4", ".mkv", ".webm", ".mov", ".avi", ".wav", ".flac", ".mp3", ".opus", ".y4m",
            ".yuv", ".ogg", ".m4a",
        ],
        exact: &[
            "-c:v",
            "-c:a",
            "-vcodec",
            "-acodec",
            "-crf",
            "-preset",
            "-b:v",
            "--encoder",
            "--crf",
            "--preset",
        ],
        words: &[
            "x264",
            "libx264",
            "libx265",
            "h264",
            "hevc",
            "av1",
            "vp9",
            "encode",
            "transcode",
        ],
    },
    TokFamily {
        feature: "tok_archive",
        exts: &[
            ".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".zst", ".xz", ".gz", ".bz2", ".7z",
            ".zip", ".lz4",
        ],
        exact: &[
            "-9", "-19", "--ultra", "-t0", "-z", "-czf", "-cjf", "-cjf", "-cf", "-xf", "--long",
        ],
        words: &["backup", "archive"],
    },
    TokFamily {
        feature: "tok_browser",
        exts: &[],
        exact: &[
            "--type",
            "-contentproc",
            "-isforbrowser",
            "--enable-features",
            "--disable-features",
            "--field-trial-handle",
            "-childid",
            "--profile",
            "--user-data-dir",
            "--enable-crash-reporter",
        ],
        words: &["http", "https", "renderer", "tab"],
    },
    TokFamily {
        feature: "tok_server",
        exts: &[],
        exact: &[
            "--port",
            "--listen",
            "--bind",
            "-d",
            "--daemon",
            "--foreground",
            "runserver",
        ],
        words: &[
            "server", "serve", "daemon", "worker", "celery", "gunicorn", "uvicorn",
        ],
    },
];

/// Resource-use features, after the flag families.
const RESOURCE_FEATURES: &[&str] = &[
    "cpu_share",           // sustained share of one core, clipped to 1
    "cpu_cores_log",       // log2(1 + share) / 4: how many cores (15 cores = 1)
    "threads_log",         // log2(threads) / 10
    "rss_log",             // log2(1 + RSS MiB) / 16
    "vcs_rate_log",        // log10(1 + voluntary switches/s) / 5
    "nvcs_rate_log",       // log10(1 + involuntary switches/s) / 5
    "wakeups_per_cpu_log", // log10(1 + voluntary switches per CPU-second) / 6
    "ctx_missing",         // 1 when status has no context-switch lines
    "io_read_log",         // log10(1 + read B/s) / 9
    "io_write_log",        // log10(1 + written B/s) / 9
    "io_missing",          // 1 when /proc/PID/io is absent or unreadable
];

/// Evidence groups (`ev_*`): hand-written knowledge of which families point to which kind of
/// work, as the OR of their flags. They let the model carry what it learned from one solver
/// or optimiser to another it has never seen (a new MIP library still sets `ev_solver`).
const EVIDENCE: &[(&str, &[&str])] = &[
    (
        "ev_solver",
        &[
            "lib_mip", "lib_sat", "lib_smt", "lib_cp", "name_sat", "name_smt", "name_mip",
            "name_cp", "tok_sat", "tok_smt", "tok_mip", "tok_cp",
        ],
    ),
    (
        "ev_numeric",
        &[
            "lib_blas",
            "lib_lapack",
            "lib_numpy",
            "lib_torch",
            "lib_tensorflow",
            "lib_onnxruntime",
            "lib_ml_other",
            "lib_gpu_compute",
            "lib_fftw",
            "name_ml",
            "name_numeric",
            "tok_ml",
            "tok_numeric",
        ],
    ),
    (
        "ev_optimizer",
        &[
            "lib_nlp",
            "lib_convex",
            "lib_nlopt",
            "lib_least_squares",
            "lib_scipy_optimize",
            "lib_lp",
            "name_nlp",
            "tok_nlp",
        ],
    ),
    (
        "ev_build",
        &[
            "name_cc",
            "name_buildtool",
            "lib_llvm",
            "lib_cc",
            "tok_src",
            "tok_build",
        ],
    ),
    ("ev_media", &["lib_media", "name_media", "tok_media"]),
    (
        "ev_ui",
        &[
            "lib_gui",
            "lib_browser",
            "name_browser",
            "name_desktop",
            "tok_browser",
        ],
    ),
    (
        "ev_other",
        &[
            "name_compress",
            "name_tool",
            "name_shell",
            "tok_archive",
            "tok_server",
            "lib_dataframe",
        ],
    ),
];

/// Number of features.
pub const N_FEATURES: usize = LIB_FAMILIES.len()
    + NAME_FAMILIES.len()
    + TOK_FAMILIES.len()
    + EVIDENCE.len()
    + RESOURCE_FEATURES.len();

/// Feature names, in vector order (the order of the model file).
pub fn feature_names() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        LIB_FAMILIES
            .iter()
            .map(|f| f.feature)
            .chain(NAME_FAMILIES.iter().map(|f| f.feature))
            .chain(TOK_FAMILIES.iter().map(|f| f.feature))
            .chain(EVIDENCE.iter().map(|e| e.0))
            .chain(RESOURCE_FEATURES.iter().copied())
            .collect()
    })
}

/// Index of a feature by name (for rules and tests).
pub fn feature_index(name: &str) -> Option<usize> {
    feature_names().iter().position(|n| *n == name)
}

/// Flag indices of each evidence group.
fn evidence_indices() -> &'static [Vec<usize>] {
    static IDX: OnceLock<Vec<Vec<usize>>> = OnceLock::new();
    IDX.get_or_init(|| {
        EVIDENCE
            .iter()
            .map(|(_, members)| members.iter().filter_map(|m| feature_index(m)).collect())
            .collect()
    })
}

const LIB0: usize = 0;
const NAME0: usize = LIB_FAMILIES.len();
const TOK0: usize = NAME0 + NAME_FAMILIES.len();
/// Number of flags computed from libraries, name and command line.
const FLAGS: usize = TOK0 + TOK_FAMILIES.len();
const EV0: usize = FLAGS;
const RES0: usize = EV0 + EVIDENCE.len();

/// The vector's entries before this index depend only on [`StaticFeatures`] (flags and
/// evidence groups); the rest on [`ResourceUse`].
pub const N_STATIC: usize = RES0;

/// The static part of a process (does not change while it runs): flags from its libraries,
/// name and command line. Computed once per (pid, starttime).
#[derive(Debug, Clone, PartialEq)]
pub struct StaticFeatures {
    pub flags: [bool; FLAGS],
}

/// The dynamic part, measured each scan. `None` = could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ResourceUse {
    /// Sustained CPU share, in cores (1.0 = one core busy).
    pub cpu_share: f64,
    pub threads: u64,
    pub rss_bytes: u64,
    /// Voluntary / involuntary context switches per second.
    pub ctx_rates: Option<(f64, f64)>,
    /// Storage read / write bytes per second.
    pub io_rates: Option<(f64, f64)>,
}

/// Lower-cased name, for prefix matching.
fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

fn family_hit(fam: &Family, name: &str) -> bool {
    fam.prefixes.iter().any(|p| {
        // Short names ("r", "sh", "as", "ld", "z3", "go", "cp", "dd", "rg", "7z") must match whole, not as a
        // prefix, or "rustc" would count as R and "shotwell" as a shell.
        if p.len() <= 3 && !p.ends_with('-') {
            name == *p
                || name.strip_prefix(p).is_some_and(|r| {
                    r.starts_with(['.', '-', '_'])
                        && r[1..].bytes().all(|b| b.is_ascii_digit() || b == b'.')
                })
        } else {
            name.starts_with(p)
        }
    })
}

fn tok_hit(fam: &TokFamily, tok: &str) -> bool {
    let base = tok.rsplit('/').next().unwrap_or(tok);
    if fam
        .exts
        .iter()
        .any(|e| base.ends_with(e) && base.len() > e.len())
    {
        return true;
    }
    let head = tok.split('=').next().unwrap_or(tok);
    if fam.exact.iter().any(|x| head == *x || tok == *x) {
        return true;
    }
    !fam.words.is_empty()
        && base
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| !w.is_empty() && fam.words.contains(&w))
}

impl StaticFeatures {
    /// Flags from the name (`comm`), the command line and the mapped library basenames.
    pub fn from_parts(comm: &str, cmdline: &[String], libs: &[String]) -> Self {
        let mut flags = [false; FLAGS];
        for lib in libs {
            let l = lower(lib);
            for (i, fam) in LIB_FAMILIES.iter().enumerate() {
                if !flags[LIB0 + i] && fam.prefixes.iter().any(|p| l.starts_with(p)) {
                    flags[LIB0 + i] = true;
                }
            }
        }
        let comm_l = lower(comm);
        let argv0 = cmdline
            .first()
            .map(|a| {
                lower(
                    a.split(' ')
                        .next()
                        .unwrap_or(a)
                        .rsplit('/')
                        .next()
                        .unwrap_or(a),
                )
            })
            .unwrap_or_default();
        for (i, fam) in NAME_FAMILIES.iter().enumerate() {
            flags[NAME0 + i] = family_hit(fam, &comm_l) || family_hit(fam, &argv0);
        }
        // Some programs rewrite argv into one space-separated string: split that too.
        let toks: Vec<String> = cmdline
            .iter()
            .skip(1)
            .chain(cmdline.first().into_iter().filter(|a| a.contains(' ')))
            .flat_map(|a| a.split(' ').map(lower).collect::<Vec<_>>())
            .filter(|t| !t.is_empty())
            .collect();
        for (i, fam) in TOK_FAMILIES.iter().enumerate() {
            flags[TOK0 + i] = toks.iter().any(|t| tok_hit(fam, t));
        }
        StaticFeatures { flags }
    }

    /// Whether a flag feature is set, by name (false for unknown names).
    pub fn has(&self, name: &str) -> bool {
        feature_index(name).is_some_and(|i| i < FLAGS && self.flags[i])
    }
}

/// The full vector the model reads.
pub fn vector(st: &StaticFeatures, ru: &ResourceUse) -> [f64; N_FEATURES] {
    with_resources(&static_vector(st), ru)
}

/// The vector with its static entries (flags and evidence groups, the first [`N_STATIC`]) set
/// and the resource entries 0: constant while a process runs.
pub fn static_vector(st: &StaticFeatures) -> [f64; N_FEATURES] {
    let mut v = [0.0; N_FEATURES];
    for (i, &f) in st.flags.iter().enumerate() {
        v[i] = if f { 1.0 } else { 0.0 };
    }
    for (g, members) in evidence_indices().iter().enumerate() {
        if members.iter().any(|&i| st.flags[i]) {
            v[EV0 + g] = 1.0;
        }
    }
    v
}

/// A [`static_vector`] with the resource entries filled from `ru`: the same vector as
/// [`vector`] gives.
pub fn with_resources(static_v: &[f64; N_FEATURES], ru: &ResourceUse) -> [f64; N_FEATURES] {
    let mut v = *static_v;
    v[RES0..].fill(0.0);
    let share = ru.cpu_share.max(0.0);
    let r = &mut v[RES0..];
    r[0] = share.min(1.0);
    r[1] = ((1.0 + share).log2() / 4.0).min(1.0);
    r[2] = ((ru.threads.max(1) as f64).log2() / 10.0).min(1.0);
    r[3] = ((1.0 + ru.rss_bytes as f64 / 1048576.0).log2() / 16.0).min(1.0);
    match ru.ctx_rates {
        Some((vol, nonvol)) => {
            r[4] = ((1.0 + vol.max(0.0)).log10() / 5.0).min(1.0);
            r[5] = ((1.0 + nonvol.max(0.0)).log10() / 5.0).min(1.0);
            r[6] = ((1.0 + vol.max(0.0) / share.max(0.01)).log10() / 6.0).min(1.0);
        }
        None => r[7] = 1.0,
    }
    match ru.io_rates {
        Some((rd, wr)) => {
            r[8] = ((1.0 + rd.max(0.0)).log10() / 9.0).min(1.0);
            r[9] = ((1.0 + wr.max(0.0)).log10() / 9.0).min(1.0);
        }
        None => r[10] = 1.0,
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn names_are_unique_and_counted() {
        let names = feature_names();
        assert_eq!(names.len(), N_FEATURES);
        let mut sorted = names.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), N_FEATURES);
    }

    #[test]
    fn libraries_name_and_tokens() {
        let f = StaticFeatures::from_parts(
            "gurobi_cl",
            &s(&[
                "/opt/gurobi/bin/gurobi_cl",
                "Threads=4",
                "/data/model.mps.gz",
            ]),
            &s(&["libgurobi110.so", "libz.so.1", "libmkl_rt.so.2"]),
        );
        assert!(f.has("lib_mip") && f.has("lib_blas") && f.has("lib_compress"));
        assert!(f.has("name_mip") && f.has("tok_mip"));
        assert!(!f.has("lib_smt"), "libz must not count as libz3");
        assert!(!f.has("name_numeric"));
    }

    #[test]
    fn short_names_match_whole() {
        let r = StaticFeatures::from_parts("rustc", &s(&["rustc"]), &[]);
        assert!(r.has("name_cc") && !r.has("name_numeric"));
        let r = StaticFeatures::from_parts("R", &s(&["/usr/lib/R/bin/exec/R"]), &[]);
        assert!(r.has("name_numeric"));
        let p = StaticFeatures::from_parts("python3.11", &s(&["python3.11", "job.py"]), &[]);
        assert!(p.has("name_python"));
        let z = StaticFeatures::from_parts("z3", &s(&["z3", "-smt2", "q.smt2"]), &[]);
        assert!(z.has("name_smt") && z.has("tok_smt"));
        let sh = StaticFeatures::from_parts("shotwell", &s(&["shotwell"]), &[]);
        assert!(!sh.has("name_shell"));
    }

    #[test]
    fn missing_counters_set_flags_not_zero_rates() {
        let st = StaticFeatures::from_parts("x", &[], &[]);
        let v = vector(
            &st,
            &ResourceUse {
                cpu_share: 1.0,
                threads: 1,
                ..Default::default()
            },
        );
        let i = feature_index("io_missing").expect("exists");
        let c = feature_index("ctx_missing").expect("exists");
        assert_eq!(v[i], 1.0);
        assert_eq!(v[c], 1.0);
        assert!(v.iter().all(|x| (0.0..=1.0).contains(x)));
    }
}
