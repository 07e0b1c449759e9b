//! The rules and the learned model: multinomial logistic regression over the feature vector,
//! with rule masks and one calibration temperature.
//!
//! The weights live in `data/workload/model.txt`, written by `examples/train_workload.rs` from
//! the labelled fixtures and embedded here with `include_str!`. The `idle` class is decided by
//! a rule before the model (sustained CPU share under the busy threshold), so the model has the
//! other seven classes.

use std::fmt::Write as _;
use std::sync::OnceLock;

use thiserror::Error;

use super::features::{feature_index, feature_names, N_FEATURES, N_STATIC};
use super::PatternType;

/// The classes the model scores, in the order of its rows.
pub const MODEL_CLASSES: [PatternType; 7] = [
    PatternType::NpHard,
    PatternType::MatrixComputation,
    PatternType::OptimizationProblem,
    PatternType::Build,
    PatternType::MediaEncode,
    PatternType::Interactive,
    PatternType::Other,
];
/// Number of model classes.
pub const K: usize = MODEL_CLASSES.len();

/// The embedded weights file.
const EMBEDDED: &str = include_str!("../../data/workload/model.txt");

/// A model file that does not fit the code.
#[derive(Debug, Error)]
pub enum ModelError {
    #[error("model file line {line}: {what}")]
    Format { line: usize, what: String },
}

/// The start of an `f64` sum as `Iterator::sum` starts it, so that a dot product split in two
/// folds adds exactly as one `sum` did.
fn sum_start() -> f64 {
    std::iter::empty::<f64>().sum()
}

/// The static part of a process's scores: see [`Model::static_part`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StaticPart {
    partial: [f64; K],
    allow: [bool; K],
}

/// Multinomial logistic regression: `p = softmax((W x + b) / T)` over the classes a rule allows.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// One row per class in [`MODEL_CLASSES`] order.
    pub weights: Vec<[f64; N_FEATURES]>,
    pub bias: [f64; K],
    /// Calibration temperature (Platt-style temperature scaling), fitted on the calibration split.
    pub temperature: f64,
}

/// Classes a rule allows for this vector (true = allowed).
///
/// * Solver evidence (a MIP/SAT/SMT/CP library or solver name) rules out
///   `matrix_computation`: a MIP solver that maps BLAS is `np_hard`.
/// * A compiler, browser or compressor name with no solver, ML or optimiser library rules out
///   the three seed patterns: busy is not a pattern.
pub fn rule_mask(x: &[f64; N_FEATURES]) -> [bool; K] {
    let [solver, known_busy, pattern_libs] = rule_features();
    let any = |idx: &[usize]| idx.iter().any(|&i| x[i] > 0.5);
    let mut allow = [true; K];
    if any(solver) {
        allow[1] = false;
    }
    if any(known_busy) && !any(pattern_libs) {
        allow[0] = false;
        allow[1] = false;
        allow[2] = false;
    }
    allow
}

/// The rules' feature names: solver evidence, known busy programs, pattern libraries.
const RULE_FEATURES: [&[&str]; 3] = [
    &[
        "lib_mip", "lib_sat", "lib_smt", "lib_cp", "name_sat", "name_smt", "name_mip", "name_cp",
    ],
    &["name_cc", "name_browser", "name_compress"],
    &[
        "lib_mip",
        "lib_sat",
        "lib_smt",
        "lib_cp",
        "lib_torch",
        "lib_tensorflow",
        "lib_onnxruntime",
        "lib_ml_other",
        "lib_nlp",
        "lib_convex",
        "lib_nlopt",
        "lib_least_squares",
    ],
];

/// [`RULE_FEATURES`] as feature indexes, looked up once.
fn rule_features() -> &'static [Vec<usize>; 3] {
    static IDX: std::sync::OnceLock<[Vec<usize>; 3]> = std::sync::OnceLock::new();
    IDX.get_or_init(|| {
        RULE_FEATURES.map(|names| names.iter().filter_map(|n| feature_index(n)).collect())
    })
}

/// Softmax over allowed entries of `z` (masked entries get 0).
pub fn softmax_masked(z: &[f64; K], allow: &[bool; K]) -> [f64; K] {
    let m = z
        .iter()
        .zip(allow)
        .filter(|(_, a)| **a)
        .map(|(v, _)| *v)
        .fold(f64::NEG_INFINITY, f64::max);
    let mut p = [0.0; K];
    if !m.is_finite() {
        return p;
    }
    let mut sum = 0.0;
    for k in 0..K {
        if allow[k] {
            p[k] = (z[k] - m).exp();
            sum += p[k];
        }
    }
    for v in &mut p {
        *v /= sum;
    }
    p
}

impl Model {
    /// The model embedded in the library (parsed once).
    pub fn embedded() -> Result<&'static Model, &'static ModelError> {
        static M: OnceLock<Result<Model, ModelError>> = OnceLock::new();
        M.get_or_init(|| Model::parse(EMBEDDED)).as_ref()
    }

    /// Raw scores `W x + b`.
    pub fn logits(&self, x: &[f64; N_FEATURES]) -> [f64; K] {
        self.scores(&self.static_scores(x), x)
    }

    /// The part of the scores that depends only on the static entries of `x` (the first
    /// [`N_STATIC`]), and the rule mask (which reads only static entries): constant while a
    /// process runs, so the analyzer computes it once per process instance.
    pub fn static_part(&self, x: &[f64; N_FEATURES]) -> StaticPart {
        StaticPart {
            partial: self.static_scores(x),
            allow: rule_mask(x),
        }
    }

    /// The scores' sums over the static entries of `x`.
    fn static_scores(&self, x: &[f64; N_FEATURES]) -> [f64; K] {
        let mut partial = [0.0; K];
        for (k, row) in self.weights.iter().enumerate() {
            partial[k] = row[..N_STATIC]
                .iter()
                .zip(&x[..N_STATIC])
                .fold(sum_start(), |a, (w, v)| a + w * v);
        }
        partial
    }

    /// `W x + b` from a [`static_part`](Self::static_part) of a vector whose static entries
    /// equal `x`'s: the same additions in the same order as a full dot product, so the result
    /// is bit for bit that of [`logits`](Self::logits) on `x`.
    pub fn logits_from(&self, sp: &StaticPart, x: &[f64; N_FEATURES]) -> [f64; K] {
        self.scores(&sp.partial, x)
    }

    /// The scores from their static sums and the dynamic entries of `x`.
    fn scores(&self, partial: &[f64; K], x: &[f64; N_FEATURES]) -> [f64; K] {
        let mut z = self.bias;
        for (k, row) in self.weights.iter().enumerate() {
            z[k] += row[N_STATIC..]
                .iter()
                .zip(&x[N_STATIC..])
                .fold(partial[k], |a, (w, v)| a + w * v);
        }
        z
    }

    /// Calibrated probabilities over [`MODEL_CLASSES`], rule masks applied.
    pub fn probabilities(&self, x: &[f64; N_FEATURES]) -> [f64; K] {
        self.probabilities_from(&self.static_part(x), x)
    }

    /// [`probabilities`](Self::probabilities) from a precomputed [`StaticPart`] (see
    /// [`logits_from`](Self::logits_from)); identical results.
    pub fn probabilities_from(&self, sp: &StaticPart, x: &[f64; N_FEATURES]) -> [f64; K] {
        let mut z = self.logits_from(sp, x);
        for v in &mut z {
            *v /= self.temperature;
        }
        softmax_masked(&z, &sp.allow)
    }

    /// The text form written by the trainer (fixed precision, so a retrain on the same data
    /// gives the same bytes).
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        s.push_str("# powerhook workload model: multinomial logistic regression + temperature.\n");
        s.push_str("# Written by `cargo run --release --example train_workload`; do not edit.\n");
        s.push_str("classes");
        for c in MODEL_CLASSES {
            s.push(' ');
            s.push_str(c.as_str());
        }
        s.push('\n');
        let _ = writeln!(s, "temperature {:.6}", self.temperature);
        s.push_str("bias");
        for b in self.bias {
            let _ = write!(s, " {:.6}", b);
        }
        s.push('\n');
        for (j, name) in feature_names().iter().enumerate() {
            let _ = write!(s, "w {name}");
            for row in &self.weights {
                let _ = write!(s, " {:.6}", row[j]);
            }
            s.push('\n');
        }
        s
    }

    /// Parse the text form; the class and feature lists must match this build.
    pub fn parse(text: &str) -> Result<Model, ModelError> {
        let err = |line: usize, what: String| ModelError::Format { line, what };
        let names = feature_names();
        let mut weights = vec![[0.0; N_FEATURES]; K];
        let mut bias = None;
        let mut temperature = None;
        let mut classes_ok = false;
        let mut seen = [false; N_FEATURES];
        let nums = |it: std::str::SplitAsciiWhitespace<'_>, n: usize, line: usize| {
            let v: Vec<f64> = it
                .map(|t| {
                    t.parse::<f64>()
                        .map_err(|_| err(line, format!("not a number: {t}")))
                })
                .collect::<Result<_, _>>()?;
            if v.len() != n || v.iter().any(|x| !x.is_finite()) {
                return Err(err(
                    line,
                    format!("want {n} finite numbers, got {}", v.len()),
                ));
            }
            Ok(v)
        };
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let l = raw.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let mut it = l.split_ascii_whitespace();
            match it.next() {
                Some("classes") => {
                    let got: Vec<&str> = it.collect();
                    let want: Vec<&str> = MODEL_CLASSES.iter().map(|c| c.as_str()).collect();
                    if got != want {
                        return Err(err(
                            line,
                            format!("classes {got:?}, this build has {want:?}"),
                        ));
                    }
                    classes_ok = true;
                }
                Some("temperature") => {
                    let v = nums(it, 1, line)?;
                    if v[0] <= 0.0 {
                        return Err(err(line, "temperature must be > 0".into()));
                    }
                    temperature = Some(v[0]);
                }
                Some("bias") => {
                    let v = nums(it, K, line)?;
                    let mut b = [0.0; K];
                    b.copy_from_slice(&v);
                    bias = Some(b);
                }
                Some("w") => {
                    let name = it
                        .next()
                        .ok_or_else(|| err(line, "no feature name".into()))?;
                    let j = names
                        .iter()
                        .position(|n| *n == name)
                        .ok_or_else(|| err(line, format!("unknown feature {name}: retrain")))?;
                    let v = nums(it, K, line)?;
                    for k in 0..K {
                        weights[k][j] = v[k];
                    }
                    seen[j] = true;
                }
                Some(other) => return Err(err(line, format!("unknown key {other}"))),
                None => {}
            }
        }
        if !classes_ok {
            return Err(err(0, "no classes line".into()));
        }
        if let Some(j) = seen.iter().position(|s| !s) {
            return Err(err(
                0,
                format!("feature {} has no weights: retrain", names[j]),
            ));
        }
        Ok(Model {
            weights,
            bias: bias.ok_or_else(|| err(0, "no bias line".into()))?,
            temperature: temperature.ok_or_else(|| err(0, "no temperature line".into()))?,
        })
    }
}

/// One labelled training vector.
#[derive(Debug, Clone)]
pub struct Example {
    pub x: [f64; N_FEATURES],
    /// Index into [`MODEL_CLASSES`].
    pub label: usize,
}

/// Training settings (the defaults are what the committed model used).
#[derive(Debug, Clone, Copy)]
pub struct TrainConfig {
    pub l2: f64,
    pub learning_rate: f64,
    pub momentum: f64,
    pub iterations: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            l2: 1e-3,
            learning_rate: 0.5,
            momentum: 0.9,
            iterations: 600,
        }
    }
}

/// Mean cross-entropy of `model` at temperature `t` over `data` (rule masks applied).
pub fn mean_nll(model: &Model, data: &[Example], t: f64) -> f64 {
    let mut total = 0.0;
    for e in data {
        let mut z = model.logits(&e.x);
        for v in &mut z {
            *v /= t;
        }
        let p = softmax_masked(&z, &rule_mask(&e.x));
        total -= p[e.label].max(1e-12).ln();
    }
    total / data.len().max(1) as f64
}

/// Fit weights by full-batch gradient descent with momentum (deterministic: no sampling), on
/// the rule-masked softmax. The temperature is left at 1.
pub fn train(data: &[Example], cfg: &TrainConfig) -> Model {
    let mut m = Model {
        weights: vec![[0.0; N_FEATURES]; K],
        bias: [0.0; K],
        temperature: 1.0,
    };
    let masks: Vec<[bool; K]> = data.iter().map(|e| rule_mask(&e.x)).collect();
    let mut vel_w = vec![[0.0; N_FEATURES]; K];
    let mut vel_b = [0.0; K];
    let n = data.len().max(1) as f64;
    for _ in 0..cfg.iterations {
        let mut gw = vec![[0.0; N_FEATURES]; K];
        let mut gb = [0.0; K];
        for (e, mask) in data.iter().zip(&masks) {
            let p = softmax_masked(&m.logits(&e.x), mask);
            for k in 0..K {
                let d = p[k] - if k == e.label { 1.0 } else { 0.0 };
                if d == 0.0 {
                    continue;
                }
                gb[k] += d;
                for (g, v) in gw[k].iter_mut().zip(&e.x) {
                    *g += d * v;
                }
            }
        }
        for k in 0..K {
            for j in 0..N_FEATURES {
                let g = gw[k][j] / n + cfg.l2 * m.weights[k][j];
                vel_w[k][j] = cfg.momentum * vel_w[k][j] - cfg.learning_rate * g;
                m.weights[k][j] += vel_w[k][j];
            }
            vel_b[k] = cfg.momentum * vel_b[k] - cfg.learning_rate * gb[k] / n;
            m.bias[k] += vel_b[k];
        }
    }
    m
}

/// Temperature scaling: the `T` in `[0.05, 20]` that minimises the calibration split's mean
/// cross-entropy (golden-section search on `ln T`).
pub fn fit_temperature(model: &Model, calib: &[Example]) -> f64 {
    let f = |lt: f64| mean_nll(model, calib, lt.exp());
    let (mut a, mut b) = (0.05f64.ln(), 20f64.ln());
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let mut c = b - g * (b - a);
    let mut d = a + g * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    for _ in 0..60 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = f(d);
        }
    }
    ((a + b) / 2.0).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_feature_name_is_a_feature() {
        for names in RULE_FEATURES {
            for n in names {
                assert!(feature_index(n).is_some(), "{n} is not a feature");
            }
        }
    }

    /// The scores as one dot product per class (the form before the static part was split
    /// off), for comparison.
    fn reference_probabilities(m: &Model, x: &[f64; N_FEATURES]) -> [f64; K] {
        let mut z = m.bias;
        for (k, row) in m.weights.iter().enumerate() {
            z[k] += row.iter().zip(x).map(|(w, v)| w * v).sum::<f64>();
        }
        for v in &mut z {
            *v /= m.temperature;
        }
        softmax_masked(&z, &rule_mask(x))
    }

    #[test]
    fn split_scores_are_bit_identical_to_one_dot_product() {
        let m = Model::embedded().expect("model");
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..2000 {
            let mut x = [0.0; N_FEATURES];
            for (i, v) in x.iter_mut().enumerate() {
                let r = next();
                *v = if i < N_STATIC {
                    f64::from(u8::from(r % 7 == 0))
                } else {
                    (r >> 11) as f64 / (1u64 << 53) as f64
                };
            }
            let sp = m.static_part(&x);
            // The static part is reused with other dynamic entries, as the analyzer does.
            for _ in 0..3 {
                for v in &mut x[N_STATIC..] {
                    *v = (next() >> 11) as f64 / (1u64 << 53) as f64;
                }
                let a = m.probabilities_from(&sp, &x);
                let b = reference_probabilities(m, &x);
                assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits));
                assert_eq!(m.probabilities(&x).map(f64::to_bits), b.map(f64::to_bits));
            }
        }
    }

    #[test]
    fn embedded_model_loads() {
        let m = Model::embedded().expect("embedded model parses");
        assert!(m.temperature > 0.0);
    }

    #[test]
    fn text_round_trip() {
        let m = Model::embedded().expect("parses");
        let again = Model::parse(&m.to_text()).expect("parses again");
        assert_eq!(again.to_text(), m.to_text());
    }

    #[test]
    fn bad_files_are_errors() {
        assert!(Model::parse("").is_err());
        assert!(Model::parse("classes a b\n").is_err());
        let m = Model::embedded().expect("parses");
        let cut: String = m
            .to_text()
            .lines()
            .take(6)
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(Model::parse(&cut).is_err());
    }

    #[test]
    fn masked_softmax_sums_to_one() {
        let z = [1.0, 2.0, 3.0, 0.0, 0.0, 0.0, 0.0];
        let mut allow = [true; K];
        allow[2] = false;
        let p = softmax_masked(&z, &allow);
        assert_eq!(p[2], 0.0);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn training_separates_two_easy_classes() {
        let mut a = [0.0; N_FEATURES];
        a[0] = 1.0;
        let mut b = [0.0; N_FEATURES];
        b[1] = 1.0;
        let data = vec![Example { x: a, label: 0 }, Example { x: b, label: 3 }];
        let m = train(
            &data,
            &TrainConfig {
                iterations: 200,
                ..Default::default()
            },
        );
        assert!(m.probabilities(&a)[0] > 0.8);
        assert!(m.probabilities(&b)[3] > 0.8);
    }
}
