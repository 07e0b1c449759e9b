//! Instance readers: the G-set Max-Cut format, the Beasley `.sparse` QUBO format and powerhook's
//! JSON model. Every error names the line and the reason; no input panics (fuzzed in `fuzz/`).

use serde::Deserialize;
use thiserror::Error;

use super::model::{Ising, ModelError, Qubo};

/// Largest variable count a reader accepts (keeps a hostile header from allocating gigabytes).
pub const MAX_VARIABLES: usize = 1 << 22;
/// Largest term count a reader accepts.
pub const MAX_TERMS: usize = 1 << 26;

/// A reader error: where and why.
#[derive(Debug, Error, PartialEq)]
#[error("line {line}: {reason}")]
pub struct ReadError {
    /// 1-based line (0 when the input as a whole is wrong, e.g. empty).
    pub line: usize,
    /// What is wrong and what was expected.
    pub reason: String,
}

fn err(line: usize, reason: impl Into<String>) -> ReadError {
    ReadError {
        line,
        reason: reason.into(),
    }
}

/// The input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// G-set Max-Cut (`n m`, then `i j w`).
    Gset,
    /// Beasley / Biq Mac `.sparse` QUBO (`n m`, then `i j q`, upper triangle).
    Bqp,
    /// powerhook's JSON model.
    Json,
}

impl Format {
    /// Guesses from the file name: `.json` → JSON, `.sparse` → bqp, else G-set.
    pub fn from_path(path: &std::path::Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Format::Json,
            Some("sparse") => Format::Bqp,
            _ => Format::Gset,
        }
    }
}

/// A model as read: its encoding, and for Max-Cut the total edge weight.
#[derive(Debug, Clone, PartialEq)]
pub enum Problem {
    /// Max-Cut on a weighted graph, as the Ising `E = Σ w_ij s_i s_j`; `cut = (total − E) / 2`.
    MaxCut {
        /// The Ising model.
        ising: Ising,
        /// Σ w over the edges.
        total_weight: f64,
    },
    /// A QUBO over 0/1 variables.
    Qubo(Qubo),
    /// An Ising model over ±1 spins.
    Ising(Ising),
}

impl Problem {
    /// The Ising model the solvers run on (same energy as the input for every state).
    pub fn to_ising(&self) -> Ising {
        match self {
            Problem::MaxCut { ising, .. } | Problem::Ising(ising) => ising.clone(),
            Problem::Qubo(q) => q.to_ising(),
        }
    }

    /// Number of variables.
    pub fn n(&self) -> usize {
        match self {
            Problem::MaxCut { ising, .. } | Problem::Ising(ising) => ising.n(),
            Problem::Qubo(q) => q.n(),
        }
    }

    /// The cut of a spin state for Max-Cut inputs.
    pub fn cut(&self, energy: f64) -> Option<f64> {
        match self {
            Problem::MaxCut { total_weight, .. } => Some((total_weight - energy) / 2.0),
            _ => None,
        }
    }
}

/// The lines that are neither blank nor comments (lines starting with `#` or `%`), trimmed,
/// with their 1-based numbers. A DIMACS-style `c ` line is not a comment here.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(|(k, l)| {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with('%') {
            None
        } else {
            Some((k + 1, t))
        }
    })
}

fn header(text: &str) -> Result<(usize, usize, usize), ReadError> {
    let Some((ln, first)) = lines(text).next() else {
        return Err(err(0, "empty input: expected a header line `n m`"));
    };
    let f: Vec<&str> = first.split_whitespace().collect();
    if f.len() != 2 {
        return Err(err(
            ln,
            format!(
                "header must be `n m` (2 integers), found {} fields",
                f.len()
            ),
        ));
    }
    let n: usize = f[0]
        .parse()
        .map_err(|_| err(ln, format!("variable count `{}` is not an integer", f[0])))?;
    let m: usize = f[1]
        .parse()
        .map_err(|_| err(ln, format!("term count `{}` is not an integer", f[1])))?;
    if n == 0 || n > MAX_VARIABLES {
        return Err(err(
            ln,
            format!("variable count {n} must be in 1..={MAX_VARIABLES}"),
        ));
    }
    if m > MAX_TERMS {
        return Err(err(ln, format!("term count {m} exceeds {MAX_TERMS}")));
    }
    Ok((ln, n, m))
}

/// Parses the `m` lines `i j v` after the header (1-based indices checked against `n`).
fn triples(
    text: &str,
    n: usize,
    m: usize,
    header_line: usize,
) -> Result<Vec<(usize, usize, f64, usize)>, ReadError> {
    let mut out = Vec::with_capacity(m.min(1 << 20));
    for (ln, line) in lines(text).skip(1) {
        if out.len() == m {
            return Err(err(
                ln,
                format!("more terms than the {m} the header (line {header_line}) announces"),
            ));
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() != 3 {
            return Err(err(
                ln,
                format!("expected `i j value` (3 fields), found {}", f.len()),
            ));
        }
        let mut idx = [0usize; 2];
        for k in 0..2 {
            let v: usize = f[k]
                .parse()
                .map_err(|_| err(ln, format!("index `{}` is not a positive integer", f[k])))?;
            if v == 0 || v > n {
                return Err(err(ln, format!("index {v} is outside 1..={n}")));
            }
            idx[k] = v - 1;
        }
        let w: f64 = f[2]
            .parse()
            .map_err(|_| err(ln, format!("value `{}` is not a number", f[2])))?;
        if !w.is_finite() {
            return Err(err(ln, format!("value `{}` is not finite", f[2])));
        }
        out.push((idx[0], idx[1], w, ln));
    }
    if out.len() < m {
        return Err(err(
            header_line,
            format!(
                "the header announces {m} terms but the input has {}",
                out.len()
            ),
        ));
    }
    Ok(out)
}

fn model_err(line: usize, e: ModelError) -> ReadError {
    err(line, e.to_string())
}

/// Reads a G-set graph: `n m`, then `m` edges `i j w`. Self-loops are rejected.
pub fn parse_gset(text: &str) -> Result<Problem, ReadError> {
    let (hl, n, m) = header(text)?;
    let t = triples(text, n, m, hl)?;
    let mut edges = Vec::with_capacity(t.len());
    let mut total = 0.0;
    for (i, j, w, ln) in t {
        if i == j {
            return Err(err(ln, format!("self-loop on vertex {}", i + 1)));
        }
        total += w;
        edges.push((i, j, w));
    }
    let ising = Ising::new(n, &[], &edges, 0.0).map_err(|e| model_err(hl, e))?;
    Ok(Problem::MaxCut {
        ising,
        total_weight: total,
    })
}

/// Reads a Beasley `.sparse` QUBO: `n m`, then `i j q` (upper triangle; `i == j` is linear).
/// Energy: `Σ q_ii x_i + 2 Σ_{i<j} q_ij x_i x_j`.
pub fn parse_bqp(text: &str) -> Result<Problem, ReadError> {
    let (hl, n, m) = header(text)?;
    let t = triples(text, n, m, hl)?;
    let mut linear = Vec::new();
    let mut quad = Vec::with_capacity(t.len());
    for (i, j, q, _) in t {
        if i == j {
            linear.push((i, q));
        } else {
            quad.push((i, j, 2.0 * q));
        }
    }
    let qubo = Qubo::new(n, &linear, &quad, 0.0).map_err(|e| model_err(hl, e))?;
    Ok(Problem::Qubo(qubo))
}

/// The JSON model format.
///
/// ```json
/// {"type": "qubo", "n": 3, "linear": [[0, -1.0], [2, 0.5]],
///  "quadratic": [[0, 1, 2.0], [1, 2, -1.0]], "offset": 0.0}
/// ```
/// `type` is `qubo`, `ising` or `maxcut` (then `quadratic` holds the edges `i j w` and
/// `linear` must be empty). Indices are 0-based; repeated pairs are summed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonModel {
    /// `qubo`, `ising` or `maxcut`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Number of variables.
    pub n: usize,
    /// `[i, value]` pairs.
    #[serde(default)]
    pub linear: Vec<(usize, f64)>,
    /// `[i, j, value]` triples, `i != j`.
    #[serde(default)]
    pub quadratic: Vec<(usize, usize, f64)>,
    /// Constant term.
    #[serde(default)]
    pub offset: f64,
}

/// Line of the byte offset `pos` in `bytes` (1-based).
fn line_of(bytes: &[u8], pos: usize) -> usize {
    bytes.iter().take(pos).filter(|&&b| b == b'\n').count() + 1
}

/// Reads the JSON model format (see [`JsonModel`]).
pub fn parse_json(text: &str) -> Result<Problem, ReadError> {
    let model: JsonModel = serde_json::from_str(text).map_err(|e| err(e.line(), e.to_string()))?;
    // serde_json gives no position for values it accepted; point at the field's key instead.
    let at = |key: &str| {
        text.find(&format!("\"{key}\""))
            .map_or(1, |p| line_of(text.as_bytes(), p))
    };
    if model.n == 0 || model.n > MAX_VARIABLES {
        return Err(err(
            at("n"),
            format!("n = {} must be in 1..={MAX_VARIABLES}", model.n),
        ));
    }
    for (k, &(i, j, _)) in model.quadratic.iter().enumerate() {
        if i == j {
            return Err(err(
                at("quadratic"),
                format!("quadratic term {k} joins variable {i} with itself; put it in `linear`"),
            ));
        }
    }
    let fail = |key: &str, e: ModelError| err(at(key), format!("`{key}`: {e}"));
    // The linear terms are checked here, so that what the model refuses below (and reports
    // against `quadratic`) can only come from the quadratic terms.
    for &(i, v) in &model.linear {
        if i >= model.n {
            return Err(fail(
                "linear",
                ModelError::OutOfRange {
                    index: i,
                    n: model.n,
                },
            ));
        }
        if !v.is_finite() {
            return Err(fail("linear", ModelError::NotFinite { i, j: i, value: v }));
        }
    }
    if !model.offset.is_finite() {
        return Err(err(at("offset"), "offset is not finite"));
    }
    match model.kind.as_str() {
        "qubo" => {
            let q = Qubo::new(model.n, &model.linear, &model.quadratic, model.offset)
                .map_err(|e| fail("quadratic", e))?;
            Ok(Problem::Qubo(q))
        }
        "ising" => {
            let m = Ising::new(model.n, &model.linear, &model.quadratic, model.offset)
                .map_err(|e| fail("quadratic", e))?;
            Ok(Problem::Ising(m))
        }
        "maxcut" => {
            if !model.linear.is_empty() {
                return Err(err(at("linear"), "a maxcut model has no linear terms"));
            }
            let total = model.quadratic.iter().map(|t| t.2).sum();
            let m = Ising::new(model.n, &[], &model.quadratic, 0.0)
                .map_err(|e| fail("quadratic", e))?;
            Ok(Problem::MaxCut {
                ising: m,
                total_weight: total,
            })
        }
        other => Err(err(
            at("type"),
            format!("type `{other}` is not one of qubo, ising, maxcut"),
        )),
    }
}

/// Reads `text` in `format`.
pub fn parse(text: &str, format: Format) -> Result<Problem, ReadError> {
    match format {
        Format::Gset => parse_gset(text),
        Format::Bqp => parse_bqp(text),
        Format::Json => parse_json(text),
    }
}

/// Reads raw bytes (for fuzzing and for files that may not be UTF-8).
pub fn parse_bytes(bytes: &[u8], format: Format) -> Result<Problem, ReadError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text, format),
        Err(e) => {
            let line = line_of(bytes, e.valid_up_to());
            Err(err(line, "input is not valid UTF-8"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gset_triangle_cut() {
        let p = parse_gset("3 3\n1 2 1\n2 3 1\n1 3 1\n").expect("valid");
        let m = p.to_ising();
        assert_eq!(p.cut(m.energy(&[1, -1, 1])), Some(2.0));
    }

    #[test]
    fn bqp_energy_convention() {
        // E = 3 x1 - 1 x2 + 2 * 4 x1 x2.
        let p = parse_bqp("2 3\n1 1 3\n2 2 -1\n1 2 4\n").expect("valid");
        let Problem::Qubo(q) = p else {
            panic!("bqp gives a QUBO")
        };
        assert_eq!(q.energy(&[1, 1]), 10.0);
        assert_eq!(q.energy(&[0, 1]), -1.0);
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse_gset("3 2\n1 2 1\n1 4 1\n").expect_err("index 4 > 3");
        assert_eq!(e.line, 3);
        assert!(e.reason.contains("outside"), "{e}");
        let e = parse_json("{\n\"type\": \"qubo\",\n\"n\": 2,\n\"quadratic\": [[0, 5, 1.0]]\n}")
            .expect_err("out of range");
        assert_eq!(e.line, 4, "{e}");
    }
}
