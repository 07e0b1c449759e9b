//! The workload analyzer: scans the user's processes under a root, keeps per-process state
//! between scans, and classifies each busy process with the rules and the model.
//!
//! Cost model (see `docs/workload.md` for the measured figures): each scan reads
//! `/proc/uptime`, lists `/proc`, and reads `/proc/PID/stat` of every process (one small file).
//! Only processes whose sustained CPU share is at least [`AnalyzerOptions::busy_share`] get
//! `status` and `io` read, and their `cmdline` and `maps` are read once per process instance
//! (cached by pid and start time). Idle processes are classified `idle` by rule. Files are
//! opened relative to the `proc` directory opened once per scan; the static part of each
//! process's scores is kept per instance (the model is linear).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::features::{self, ResourceUse, StaticFeatures, N_FEATURES};
use super::model::{Model, StaticPart, MODEL_CLASSES};
use super::procfs::{self, PidHash, ProcError};
use super::{PatternProcess, PatternType, WorkloadPatterns};

/// Seed classes the analyzer reports as patterns.
pub const SEED_PATTERNS: [PatternType; 3] = [
    PatternType::NpHard,
    PatternType::MatrixComputation,
    PatternType::OptimizationProblem,
];

/// Tuning of the analyzer. The defaults are what the model was trained and measured with.
#[derive(Debug, Clone)]
pub struct AnalyzerOptions {
    /// Only processes of this real uid; `None` = all processes (tests on fixtures).
    pub uid: Option<u32>,
    /// Sustained CPU share (cores) under which a process is `idle` by rule.
    pub busy_share: f64,
    /// Time constant of the sustained-share and rate averages, seconds.
    pub tau_s: f64,
    /// Kernel clock ticks per second (`USER_HZ`, the unit of `/proc/PID/stat` times).
    pub clk_tck: f64,
    /// Page size, bytes (the unit of the `rss` field of `/proc/PID/stat`).
    pub page_size: u64,
    /// A busy process's `status` and `io` (context-switch and I/O counters) are re-read every
    /// this many scans; `stat` is read every scan.
    pub detail_every: u64,
    /// A process measured idle has its `stat` re-read every this many scans (spread by pid), so
    /// a process that turns busy is seen within `idle_every` scans.
    pub idle_every: u64,
}

impl Default for AnalyzerOptions {
    fn default() -> Self {
        AnalyzerOptions {
            uid: Some(current_uid()),
            busy_share: 0.10,
            tau_s: 15.0,
            clk_tck: super::procfs::clock_ticks_per_second(),
            page_size: page_size(),
            detail_every: 3,
            idle_every: 3,
        }
    }
}

/// The real uid of this process.
pub fn current_uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

fn page_size() -> u64 {
    // SAFETY: as above.
    let v = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(v).ok().filter(|v| *v > 0).unwrap_or(4096)
}

/// What the analyzer concluded about one process in the last scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessVerdict {
    pub pid: u32,
    /// `comm` (at most 15 bytes).
    pub name: String,
    /// The most probable class.
    pub class: PatternType,
    /// Calibrated probability of `class`.
    pub confidence: f64,
    /// Probability of each class, in [`PatternType::ALL`] order (JSON: an object keyed by the
    /// snake_case class names).
    #[serde(serialize_with = "probabilities_by_name")]
    pub probabilities: [f64; 8],
    /// True when a rule decided (idle), not the model.
    pub by_rule: bool,
    /// Sustained CPU share, cores.
    pub cpu_share: f64,
    /// The feature vector the model saw (`None` for rule verdicts).
    #[serde(skip)]
    pub features: Option<Box<[f64; N_FEATURES]>>,
}

fn probabilities_by_name<S: serde::Serializer>(p: &[f64; 8], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(8))?;
    for (c, v) in PatternType::ALL.iter().zip(p) {
        m.serialize_entry(c.as_str(), v)?;
    }
    m.end()
}

impl ProcessVerdict {
    /// Probability of one class.
    pub fn probability(&self, c: PatternType) -> f64 {
        self.probabilities[c.index()]
    }
}

/// Counters of the last scan (for the benchmark and the status display).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ScanStats {
    pub processes: usize,
    pub busy: usize,
    /// `/proc/PID/maps` files read in this scan (cache misses).
    pub maps_reads: usize,
    /// Processes that vanished or had an unreadable `stat` during the scan.
    pub vanished: usize,
    /// Idle processes not re-read in this scan (see [`AnalyzerOptions::idle_every`]).
    pub skipped: usize,
}

/// Per-process state kept between scans.
#[derive(Debug)]
struct Tracked {
    starttime: u64,
    name: String,
    uptime: f64,
    cpu_ticks: u64,
    share: f64,
    /// Share measured over at least one interval (not the lifetime average).
    share_measured: bool,
    ctx: Option<(u64, u64, f64)>,
    ctx_rates: Option<Rates>,
    io: Option<(procfs::Io, f64)>,
    io_rates: Option<Rates>,
    /// `features::static_vector` of the instance's name, command line and libraries, read
    /// once when it is first seen busy.
    static_x: Option<Box<[f64; N_FEATURES]>>,
    /// The model's static part of the scores for `static_x` (`None` without a model).
    static_part: Option<StaticPart>,
    /// Scan in which `status` and `io` were last read.
    detail_scan: u64,
    seen: u64,
}

/// Recognises np_hard / matrix_computation / optimization_problem work among the user's
/// processes. Call [`analyze`](Self::analyze) on the slow cadence (every few seconds); it keeps
/// CPU-time history and a cache of per-process static features between calls.
#[derive(Debug)]
pub struct WorkloadAnalyzer {
    root: PathBuf,
    opts: AnalyzerOptions,
    tracked: HashMap<u32, Tracked, PidHash>,
    last: Vec<ProcessVerdict>,
    stats: ScanStats,
    scan: u64,
    buf: Vec<u8>,
    /// Names and feature boxes of the previous scan's verdicts, reused by this scan's.
    spare_names: Vec<String>,
    // Boxes, not arrays: they go back into verdicts (`features`) without a new allocation.
    #[allow(clippy::vec_box)]
    spare_x: Vec<Box<[f64; N_FEATURES]>>,
    model_error: Option<String>,
}

impl WorkloadAnalyzer {
    /// An analyzer reading `root/proc/...` (root = `POWERHOOK_ROOT`, normally `/`), for the
    /// current user's processes.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self::with_options(root, AnalyzerOptions::default())
    }

    /// An analyzer with explicit options (e.g. `uid: None` to include every process).
    pub fn with_options(root: impl Into<PathBuf>, opts: AnalyzerOptions) -> Self {
        WorkloadAnalyzer {
            root: root.into(),
            opts,
            tracked: HashMap::default(),
            last: Vec::new(),
            stats: ScanStats::default(),
            scan: 0,
            buf: Vec::with_capacity(4096),
            spare_names: Vec::new(),
            spare_x: Vec::new(),
            model_error: Model::embedded().err().map(|e| e.to_string()),
        }
    }

    /// The per-process verdicts of the last scan, sorted by pid.
    pub fn last_scan(&self) -> &[ProcessVerdict] {
        &self.last
    }

    /// Counters of the last scan.
    pub fn last_stats(&self) -> ScanStats {
        self.stats
    }

    /// Why the model could not be loaded (then every busy process is `other`, confidence 0).
    pub fn model_error(&self) -> Option<&str> {
        self.model_error.as_deref()
    }

    /// Scan once and return the strongest seed pattern: among processes whose most probable
    /// class is `np_hard`, `matrix_computation` or `optimization_problem`, the one with the
    /// highest calibrated confidence. No such process: [`WorkloadPatterns::none`]. Filtering
    /// by the trigger's `pattern_types` and `confidence_threshold` is the caller's.
    pub fn analyze(&mut self) -> WorkloadPatterns {
        self.scan_once();
        strongest(&self.last)
    }

    fn scan_once(&mut self) {
        self.scan += 1;
        for v in self.last.drain(..) {
            self.spare_names.push(v.name);
            self.spare_x.extend(v.features);
        }
        self.stats = ScanStats::default();
        let proc_dir = self.root.join("proc");
        let uptime_path = proc_dir.join("uptime");
        let uptime = match procfs::read_small(&uptime_path, &mut self.buf)
            .and_then(|_| procfs::parse_uptime(&self.buf, &uptime_path))
        {
            Ok(u) => u,
            Err(_) => return,
        };
        let Ok(mut dir) = procfs::ProcDir::open(&proc_dir) else {
            return;
        };
        while let Some(pid) = dir.next_pid() {
            self.visit(pid, &dir, uptime);
        }
        let scan = self.scan;
        self.tracked.retain(|_, t| t.seen == scan);
        self.last.sort_by_key(|v| v.pid);
    }

    /// One process. Any read that fails because the process went away drops it from this scan.
    fn visit(&mut self, pid: u32, dir: &procfs::ProcDir, uptime: f64) {
        let scan = self.scan;
        let every = self.opts.idle_every.max(1);
        if let Some(t) = self.tracked.get_mut(&pid) {
            // A process measured idle is re-read only every `idle_every` scans (spread over the
            // scans by pid); in between its last verdict stands.
            if t.share_measured
                && t.share < self.opts.busy_share
                && !(u64::from(pid) + scan).is_multiple_of(every)
            {
                t.seen = scan;
                self.stats.processes += 1;
                self.stats.skipped += 1;
                let mut name = self.spare_names.pop().unwrap_or_default();
                name.clone_from(&t.name);
                self.last.push(idle_verdict(pid, name, t.share));
                return;
            }
        } else if let Some(uid) = self.opts.uid {
            // Cheap pre-filter at first sight: /proc/PID is owned by the process's effective
            // uid. The real uid from `status` is checked below for the busy ones.
            if dir.owner(pid) != Some(uid) {
                return;
            }
        }
        self.stats.processes += 1;
        let stat = match dir.read_small(pid, "stat", &mut self.buf).and_then(|_| {
            let comm = self.spare_names.pop().unwrap_or_default();
            procfs::parse_stat_with(&self.buf, Path::new("stat"), comm)
        }) {
            Ok(s) => s,
            Err(_) => {
                self.stats.vanished += 1;
                self.stats.processes -= 1;
                return;
            }
        };
        let clk = self.opts.clk_tck;
        let t = match self.tracked.get_mut(&pid) {
            Some(t) if t.starttime == stat.starttime => {
                let dt = uptime - t.uptime;
                if dt > 0.05 {
                    let inst = stat.cpu_ticks.saturating_sub(t.cpu_ticks) as f64 / clk / dt;
                    if t.share_measured {
                        let a = 1.0 - (-dt / self.opts.tau_s).exp();
                        t.share += a * (inst - t.share);
                    } else {
                        t.share = inst;
                        t.share_measured = true;
                    }
                    t.uptime = uptime;
                    t.cpu_ticks = stat.cpu_ticks;
                }
                t.name.clone_from(&stat.comm);
                t.seen = scan;
                t
            }
            _ => {
                let age = (uptime - stat.starttime as f64 / clk).max(1.0);
                let t = Tracked {
                    starttime: stat.starttime,
                    name: stat.comm.clone(),
                    uptime,
                    cpu_ticks: stat.cpu_ticks,
                    share: stat.cpu_ticks as f64 / clk / age,
                    share_measured: false,
                    ctx: None,
                    ctx_rates: None,
                    io: None,
                    io_rates: None,
                    static_x: None,
                    static_part: None,
                    detail_scan: 0,
                    seen: scan,
                };
                self.tracked.entry(pid).insert_entry(t).into_mut()
            }
        };
        let share = t.share;
        if share < self.opts.busy_share || stat.state == b'Z' {
            self.last.push(idle_verdict(pid, stat.comm, share));
            return;
        }
        // Busy: status (uid, context switches) and io every `detail_every` scans, and once per
        // instance cmdline + maps.
        if t.static_x.is_none() || scan.saturating_sub(t.detail_scan) >= self.opts.detail_every {
            let status = match dir.read_small(pid, "status", &mut self.buf) {
                Ok(()) => procfs::parse_status(&self.buf),
                Err(ProcError::Vanished { .. }) => {
                    self.stats.vanished += 1;
                    self.stats.processes -= 1;
                    return;
                }
                Err(_) => procfs::Status::default(),
            };
            if let (Some(want), Some(got)) = (self.opts.uid, status.uid) {
                if want != got {
                    self.stats.processes -= 1;
                    return;
                }
            }
            let age = (uptime - stat.starttime as f64 / clk).max(1.0);
            let tau = self.opts.tau_s;
            let ctx_now = match (
                status.voluntary_ctxt_switches,
                status.nonvoluntary_ctxt_switches,
            ) {
                (Some(v), Some(n)) => Some((v, n)),
                _ => None,
            };
            t.ctx_rates = rate_update(t.ctx, t.ctx_rates, ctx_now, uptime, age, tau);
            t.ctx = ctx_now.map(|(v, n)| (v, n, uptime));
            let io_now = dir
                .read_small(pid, "io", &mut self.buf)
                .ok()
                .and_then(|_| procfs::parse_io(&self.buf));
            let prev_io = t.io.map(|(io, up)| (io.read_bytes, io.write_bytes, up));
            t.io_rates = rate_update(
                prev_io,
                t.io_rates,
                io_now.map(|i| (i.read_bytes, i.write_bytes)),
                uptime,
                age,
                tau,
            );
            t.io = io_now.map(|i| (i, uptime));
            t.detail_scan = scan;
        }
        let static_x: &[f64; N_FEATURES] = match &t.static_x {
            Some(x) => x,
            None => {
                let cmdline = match dir.read_into(pid, "cmdline", &mut self.buf) {
                    Ok(()) => procfs::parse_cmdline(&self.buf),
                    Err(_) => Vec::new(),
                };
                self.stats.maps_reads += 1;
                let libs = match dir.read_into(pid, "maps", &mut self.buf) {
                    Ok(()) => procfs::parse_maps_libs(&self.buf),
                    Err(_) => Vec::new(),
                };
                let statics = StaticFeatures::from_parts(&stat.comm, &cmdline, &libs);
                t.static_x
                    .insert(Box::new(features::static_vector(&statics)))
            }
        };
        self.stats.busy += 1;
        let ru = ResourceUse {
            cpu_share: share,
            threads: stat.num_threads,
            rss_bytes: stat.rss_pages * self.opts.page_size,
            ctx_rates: t.ctx_rates.map(|r| (r.a, r.b)),
            io_rates: t.io_rates.map(|r| (r.a, r.b)),
        };
        let x = features::with_resources(static_x, &ru);
        // The static part of the scores is computed once per instance (it depends only on the
        // static entries of x), the rest each scan: identical results to a full evaluation.
        let (probabilities, best, conf) = match Model::embedded() {
            Ok(m) => {
                let sp = *t.static_part.get_or_insert_with(|| m.static_part(&x));
                classify_from(m, &sp, &x)
            }
            // No model (cannot happen with the embedded file, which a test parses): `other`
            // with confidence 0, never a pattern.
            Err(_) => ([0.0; 8], PatternType::Other.index(), 0.0),
        };
        self.last.push(ProcessVerdict {
            pid,
            name: stat.comm,
            class: PatternType::ALL[best],
            confidence: conf.max(0.0),
            probabilities,
            by_rule: false,
            cpu_share: share,
            features: Some(match self.spare_x.pop() {
                Some(mut b) => {
                    *b = x;
                    b
                }
                None => Box::new(x),
            }),
        });
    }
}

/// The model's probabilities in [`PatternType::ALL`] order, the index of the most probable
/// class and its probability (a tie goes to `other`, then to the class listed first). The
/// analyzer and the evaluation ([`super::eval::predict`]) both answer through this.
pub(crate) fn classify(m: &Model, x: &[f64; N_FEATURES]) -> ([f64; 8], usize, f64) {
    classify_from(m, &m.static_part(x), x)
}

/// [`classify`] with the static part of the scores precomputed.
fn classify_from(m: &Model, sp: &StaticPart, x: &[f64; N_FEATURES]) -> ([f64; 8], usize, f64) {
    let p = m.probabilities_from(sp, x);
    let mut probabilities = [0.0; 8];
    for (k, c) in MODEL_CLASSES.iter().enumerate() {
        probabilities[c.index()] = p[k];
    }
    let mut best = PatternType::Other.index();
    for (i, v) in probabilities.iter().enumerate() {
        if *v > probabilities[best] {
            best = i;
        }
    }
    (probabilities, best, probabilities[best])
}

/// The rule verdict for a process under the busy threshold.
fn idle_verdict(pid: u32, name: String, share: f64) -> ProcessVerdict {
    let mut probabilities = [0.0; 8];
    probabilities[PatternType::Idle.index()] = 1.0;
    ProcessVerdict {
        pid,
        name,
        class: PatternType::Idle,
        confidence: 1.0,
        probabilities,
        by_rule: true,
        cpu_share: share,
        features: None,
    }
}

/// A pair of per-second rates and whether they were measured over an interval (else they are
/// the lifetime average of first sight).
#[derive(Debug, Clone, Copy)]
struct Rates {
    a: f64,
    b: f64,
    measured: bool,
}

/// Update a pair of per-second rates from cumulative counters. First sight: lifetime average
/// (counter / age); first interval: that interval's rate; after: exponential average.
fn rate_update(
    prev: Option<(u64, u64, f64)>,
    rates: Option<Rates>,
    now: Option<(u64, u64)>,
    uptime: f64,
    age: f64,
    tau: f64,
) -> Option<Rates> {
    let (a, b) = now?;
    match prev {
        Some((pa, pb, up)) if uptime - up > 0.05 => {
            let dt = uptime - up;
            let ia = a.saturating_sub(pa) as f64 / dt;
            let ib = b.saturating_sub(pb) as f64 / dt;
            match rates {
                Some(r) if r.measured => {
                    let w = 1.0 - (-dt / tau).exp();
                    Some(Rates {
                        a: r.a + w * (ia - r.a),
                        b: r.b + w * (ib - r.b),
                        measured: true,
                    })
                }
                _ => Some(Rates {
                    a: ia,
                    b: ib,
                    measured: true,
                }),
            }
        }
        Some(_) => rates,
        None => Some(Rates {
            a: a as f64 / age,
            b: b as f64 / age,
            measured: false,
        }),
    }
}

/// The strongest seed pattern among verdicts (see [`WorkloadAnalyzer::analyze`]).
pub fn strongest(verdicts: &[ProcessVerdict]) -> WorkloadPatterns {
    let best = verdicts
        .iter()
        .filter(|v| SEED_PATTERNS.contains(&v.class) && v.confidence > 0.0)
        .fold(None::<&ProcessVerdict>, |acc, v| match acc {
            Some(a) if a.confidence >= v.confidence => Some(a),
            _ => Some(v),
        });
    match best {
        Some(v) => WorkloadPatterns {
            has_np_hard_pattern: v.class == PatternType::NpHard,
            pattern_type: Some(v.class),
            confidence_score: v.confidence,
            process: Some(PatternProcess {
                pid: v.pid,
                name: v.name.clone(),
            }),
        },
        None => WorkloadPatterns::none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(pid: u32, class: PatternType, confidence: f64) -> ProcessVerdict {
        ProcessVerdict {
            pid,
            name: format!("p{pid}"),
            class,
            confidence,
            probabilities: [0.0; 8],
            by_rule: false,
            cpu_share: 1.0,
            features: None,
        }
    }

    #[test]
    fn strongest_is_the_most_confident_seed_pattern() {
        let v = vec![
            verdict(1, PatternType::Build, 0.99),
            verdict(2, PatternType::MatrixComputation, 0.85),
            verdict(3, PatternType::NpHard, 0.93),
            verdict(4, PatternType::OptimizationProblem, 0.6),
        ];
        let w = strongest(&v);
        assert_eq!(w.pattern_type, Some(PatternType::NpHard));
        assert!(w.has_np_hard_pattern);
        assert_eq!(w.confidence_score, 0.93);
        assert_eq!(w.process.map(|p| p.pid), Some(3));
        let w = strongest(&v[..2]);
        assert_eq!(w.pattern_type, Some(PatternType::MatrixComputation));
        assert!(!w.has_np_hard_pattern);
    }

    #[test]
    fn no_seed_pattern_is_none() {
        let v = vec![
            verdict(1, PatternType::Build, 0.99),
            verdict(2, PatternType::Idle, 1.0),
            verdict(3, PatternType::NpHard, 0.0),
        ];
        assert_eq!(strongest(&v), WorkloadPatterns::none());
        assert_eq!(strongest(&[]), WorkloadPatterns::none());
    }

    #[test]
    fn rates_lifetime_then_interval_then_average() {
        // First sight: counter / age.
        let r = rate_update(None, None, Some((100, 10)), 50.0, 10.0, 15.0).expect("rates");
        assert_eq!((r.a, r.b, r.measured), (10.0, 1.0, false));
        // First interval replaces the lifetime average.
        let r2 = rate_update(
            Some((100, 10, 50.0)),
            Some(r),
            Some((150, 10)),
            55.0,
            15.0,
            15.0,
        )
        .expect("rates");
        assert_eq!((r2.a, r2.b, r2.measured), (10.0, 0.0, true));
        // Then an exponential average moves part of the way.
        let r3 = rate_update(
            Some((150, 10, 55.0)),
            Some(r2),
            Some((350, 10)),
            60.0,
            20.0,
            15.0,
        )
        .expect("rates");
        assert!(r3.a > 10.0 && r3.a < 40.0, "{}", r3.a);
        // Counters gone: no rates; counters going backwards: 0, not a panic.
        assert!(rate_update(None, Some(r3), None, 60.0, 1.0, 15.0).is_none());
        let r4 = rate_update(
            Some((350, 10, 60.0)),
            Some(r3),
            Some((0, 0)),
            65.0,
            1.0,
            15.0,
        )
        .expect("rates");
        assert!(r4.a >= 0.0 && r4.a < r3.a);
    }

    #[test]
    fn classify_picks_the_top_class() {
        let m = Model::embedded().expect("model");
        let x = [0.0; N_FEATURES];
        let (p, best, conf) = classify(m, &x);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert_eq!(p[best], conf);
        assert!(p.iter().all(|v| *v <= conf));
        assert_eq!(
            p[PatternType::Idle.index()],
            0.0,
            "the model never says idle"
        );
    }
}
