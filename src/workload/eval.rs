//! Training and measurement on the labelled fixtures: replay the stat series through the real
//! analyzer, fit the model on the train split and the temperature on the calibration split,
//! and measure precision, recall and reliability on the held-out test split.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::analyzer::{AnalyzerOptions, WorkloadAnalyzer};
use super::features::N_FEATURES;
use super::fixture::{FixtureSet, Split, FIXTURE_HZ};
use super::model::{fit_temperature, train, Example, Model, TrainConfig, MODEL_CLASSES};
use super::PatternType;

/// One fixture process as the analyzer saw it after the last tick.
#[derive(Debug, Clone)]
pub struct Labelled {
    pub pid: u32,
    pub label: PatternType,
    pub split: Split,
    pub template: String,
    /// `None` when the analyzer decided `idle` by rule (or lost the process).
    pub features: Option<Box<[f64; N_FEATURES]>>,
}

/// Options the analyzer runs with on fixtures (all uids, the fixtures' clock).
pub fn fixture_options() -> AnalyzerOptions {
    AnalyzerOptions {
        uid: None,
        clk_tck: FIXTURE_HZ as f64,
        page_size: 4096,
        ..AnalyzerOptions::default()
    }
}

/// Write every tick of `set` under `root` in turn, scanning after each, and return what the
/// analyzer saw at the last tick. `root` is created (and its `proc` replaced).
pub fn replay(set: &FixtureSet, root: &Path) -> std::io::Result<Vec<Labelled>> {
    let proc_dir = root.join("proc");
    if proc_dir.exists() {
        std::fs::remove_dir_all(&proc_dir)?;
    }
    // Counters every scan, so the few ticks of a fixture give interval rates as a long-running
    // agent sees them.
    let opts = AnalyzerOptions {
        detail_every: 1,
        idle_every: 1,
        ..fixture_options()
    };
    let mut an = WorkloadAnalyzer::with_options(root, opts);
    for tick in 0..set.uptimes.len() {
        if tick == 0 {
            set.materialize(root, 0)?;
        } else {
            set.advance(root, tick)?;
        }
        an.analyze();
    }
    let seen: std::collections::HashMap<u32, _> =
        an.last_scan().iter().map(|v| (v.pid, v)).collect();
    Ok(set
        .procs
        .iter()
        .map(|p| Labelled {
            pid: p.pid,
            label: p.label,
            split: p.split,
            template: p.template.clone(),
            features: seen.get(&p.pid).and_then(|v| v.features.clone()),
        })
        .collect())
}

/// Model examples of one split (processes the rule sent to `idle` are not model examples).
pub fn examples(data: &[Labelled], split: Split) -> Vec<Example> {
    data.iter()
        .filter(|d| d.split == split)
        .filter_map(|d| {
            let label = MODEL_CLASSES.iter().position(|c| *c == d.label)?;
            Some(Example {
                x: *d.features.as_ref()?.as_ref(),
                label,
            })
        })
        .collect()
}

/// Fit the weights on the train split and the temperature on the calibration split.
pub fn fit(data: &[Labelled], cfg: &TrainConfig) -> Model {
    let mut m = train(&examples(data, Split::Train), cfg);
    m.temperature = fit_temperature(&m, &examples(data, Split::Calib));
    m
}

/// The pipeline's answer for one process: rule `idle`, or the model's most probable class, as
/// the analyzer decides it.
pub fn predict(model: &Model, d: &Labelled) -> (PatternType, f64) {
    match &d.features {
        None => (PatternType::Idle, 1.0),
        Some(x) => {
            let (_, best, conf) = super::analyzer::classify(model, x);
            (PatternType::ALL[best], conf)
        }
    }
}

/// Precision and recall of one class at a confidence threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassMetrics {
    pub class: PatternType,
    /// Processes of this class in the split.
    pub support: usize,
    /// Processes reported as this class with confidence >= threshold.
    pub reported: usize,
    /// Of those, correctly.
    pub correct: usize,
}

impl ClassMetrics {
    /// `None` when nothing was reported.
    pub fn precision(&self) -> Option<f64> {
        (self.reported > 0).then(|| self.correct as f64 / self.reported as f64)
    }
    pub fn recall(&self) -> Option<f64> {
        (self.support > 0).then(|| self.correct as f64 / self.support as f64)
    }
}

/// Per-class metrics on `split` at `threshold`, in [`PatternType::ALL`] order.
pub fn metrics(
    model: &Model,
    data: &[Labelled],
    split: Split,
    threshold: f64,
) -> Vec<ClassMetrics> {
    let mut out: Vec<ClassMetrics> = PatternType::ALL
        .iter()
        .map(|c| ClassMetrics {
            class: *c,
            support: 0,
            reported: 0,
            correct: 0,
        })
        .collect();
    let idx = PatternType::index;
    for d in data.iter().filter(|d| d.split == split) {
        out[idx(d.label)].support += 1;
        let (c, conf) = predict(model, d);
        if conf >= threshold {
            out[idx(c)].reported += 1;
            if c == d.label {
                out[idx(c)].correct += 1;
            }
        }
    }
    out
}

/// One bin of a reliability table (confidence of the top class against its accuracy).
#[derive(Debug, Clone, PartialEq)]
pub struct ReliabilityBin {
    pub lo: f64,
    pub hi: f64,
    pub count: usize,
    pub mean_confidence: Option<f64>,
    pub accuracy: Option<f64>,
}

/// Reliability table over the model's verdicts (rule `idle` verdicts excluded) on `split`.
pub fn reliability(
    model: &Model,
    data: &[Labelled],
    split: Split,
    edges: &[f64],
) -> Vec<ReliabilityBin> {
    let mut bins: Vec<(usize, f64, usize)> = vec![(0, 0.0, 0); edges.len().saturating_sub(1)];
    for d in data
        .iter()
        .filter(|d| d.split == split && d.features.is_some())
    {
        let (c, conf) = predict(model, d);
        if let Some(b) = (0..bins.len()).find(|&b| {
            conf >= edges[b]
                && (conf < edges[b + 1] || (b + 2 == edges.len() && conf <= edges[b + 1]))
        }) {
            bins[b].0 += 1;
            bins[b].1 += conf;
            bins[b].2 += usize::from(c == d.label);
        }
    }
    bins.iter()
        .enumerate()
        .map(|(b, (n, s, ok))| ReliabilityBin {
            lo: edges[b],
            hi: edges[b + 1],
            count: *n,
            mean_confidence: (*n > 0).then(|| s / *n as f64),
            accuracy: (*n > 0).then(|| *ok as f64 / *n as f64),
        })
        .collect()
}

/// Expected calibration error over the bins (weighted mean |accuracy - confidence|).
pub fn ece(bins: &[ReliabilityBin]) -> f64 {
    let n: usize = bins.iter().map(|b| b.count).sum();
    bins.iter()
        .filter_map(|b| Some(b.count as f64 * (b.accuracy? - b.mean_confidence?).abs()))
        .sum::<f64>()
        / n.max(1) as f64
}

/// The bin edges used in the docs.
pub const RELIABILITY_EDGES: [f64; 7] = [0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 1.0];

fn opt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.3}"))
        .unwrap_or_else(|| "null".into())
}

/// A markdown report: per-class metrics at `threshold` and the reliability table, on `split`.
pub fn report(model: &Model, data: &[Labelled], split: Split, threshold: f64) -> String {
    let mut s = String::new();
    let n = data.iter().filter(|d| d.split == split).count();
    let _ = writeln!(
        s,
        "split `{}` ({n} processes), confidence >= {threshold}, temperature {:.3}\n",
        split.as_str(),
        model.temperature
    );
    s.push_str("| class | support | reported | correct | precision | recall |\n|---|---|---|---|---|---|\n");
    for m in metrics(model, data, split, threshold) {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            m.class.as_str(),
            m.support,
            m.reported,
            m.correct,
            opt(m.precision()),
            opt(m.recall())
        );
    }
    let bins = reliability(model, data, split, &RELIABILITY_EDGES);
    s.push_str("\nReliability (model verdicts only; rule `idle` excluded):\n\n| confidence | count | mean confidence | accuracy |\n|---|---|---|---|\n");
    for b in &bins {
        let _ = writeln!(
            s,
            "| {:.2}–{:.2} | {} | {} | {} |",
            b.lo,
            b.hi,
            b.count,
            opt(b.mean_confidence),
            opt(b.accuracy)
        );
    }
    let _ = writeln!(s, "\nexpected calibration error: {:.3}", ece(&bins));
    s
}

/// A scratch directory for fake roots, removed on drop: under `$TMPDIR` when set, else in
/// `/dev/shm` when that is usable (a replay writes ~16 000 small files; on tmpfs that is
/// several times faster than on disk), else the system temp dir.
#[derive(Debug)]
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    pub fn new(tag: &str) -> std::io::Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let name = format!("powerhook-{tag}-{}-{nanos}", std::process::id());
        let shm = Path::new("/dev/shm");
        if std::env::var_os("TMPDIR").is_none() && shm.is_dir() {
            let p = shm.join(&name);
            if std::fs::create_dir_all(&p).is_ok() {
                return Ok(ScratchDir(p));
            }
        }
        let p = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&p)?;
        Ok(ScratchDir(p))
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// How a model trained without one template does on that template's processes.
#[derive(Debug, Clone, PartialEq)]
pub struct UnseenResult {
    pub template: String,
    /// Its processes the model scores (rule `idle` ones excluded).
    pub n: usize,
    /// Reported with confidence >= the threshold.
    pub reported: usize,
    /// Of those, with the right class.
    pub correct: usize,
    /// Of the wrong ones, how many were reported as a seed pattern (a false trigger).
    pub false_patterns: usize,
}

/// Leave-one-template-out: for each template, fit on the train split of all other templates,
/// calibrate on their calibration split, and score every busy process of the left-out one.
/// Measures how the model does on a kind of program it has never seen.
pub fn leave_template_out(
    data: &[Labelled],
    cfg: &TrainConfig,
    threshold: f64,
) -> Vec<UnseenResult> {
    let mut templates: Vec<&str> = data.iter().map(|d| d.template.as_str()).collect();
    templates.dedup();
    templates
        .iter()
        .map(|t| {
            let rest: Vec<Labelled> = data.iter().filter(|d| d.template != *t).cloned().collect();
            let m = fit(&rest, cfg);
            let mut r = UnseenResult {
                template: t.to_string(),
                n: 0,
                reported: 0,
                correct: 0,
                false_patterns: 0,
            };
            for d in data
                .iter()
                .filter(|d| d.template == *t && d.features.is_some())
            {
                r.n += 1;
                let (c, conf) = predict(&m, d);
                if conf >= threshold {
                    r.reported += 1;
                    if c == d.label {
                        r.correct += 1;
                    } else if super::analyzer::SEED_PATTERNS.contains(&c) {
                        r.false_patterns += 1;
                    }
                }
            }
            r
        })
        .collect()
}
