//! Sparse QUBO and Ising models (CSR adjacency), exact conversion with offset, energies and
//! local fields.
//!
//! Conventions:
//! * QUBO: `E(x) = offset + sum_i a_i x_i + sum_{i<j} b_ij x_i x_j`, `x_i` in {0, 1}.
//! * Ising: `E(s) = offset + sum_i h_i s_i + sum_{i<j} J_ij s_i s_j`, `s_i` in {-1, +1}.
//!
//! Both keep every coupling twice in CSR form (row `i` lists `j` and row `j` lists `i` with the
//! same value), so a variable's neighbours are one contiguous slice.

use thiserror::Error;

/// Why a model could not be built.
#[derive(Debug, Error, PartialEq)]
pub enum ModelError {
    /// A term names a variable outside `0..n`.
    #[error("variable {index} is out of range for a model of {n} variables")]
    OutOfRange { index: usize, n: usize },
    /// A coefficient is NaN or infinite.
    #[error("coefficient for ({i}, {j}) is not finite: {value}")]
    NotFinite { i: usize, j: usize, value: f64 },
    /// A quadratic term joins a variable with itself; pass it as a linear term.
    #[error("quadratic term ({index}, {index}) is on the diagonal; give it as a linear term")]
    Diagonal { index: usize },
    /// The model is too large for 32-bit indices.
    #[error("model too large: {0}")]
    TooLarge(String),
}

/// Symmetric sparse coupling matrix without diagonal, rows sorted by column.
#[derive(Debug, Clone, PartialEq)]
pub struct Csr {
    /// Row start offsets, length `n + 1`.
    pub row_ptr: Vec<u32>,
    /// Column of each stored entry.
    pub col: Vec<u32>,
    /// Value of each stored entry.
    pub val: Vec<f64>,
}

impl Csr {
    /// Builds the symmetric matrix from upper/lower triangle terms `(i, j, v)` with `i != j`;
    /// duplicates are summed, zero sums are dropped.
    fn from_terms(n: usize, terms: &[(usize, usize, f64)]) -> Result<Csr, ModelError> {
        if n >= u32::MAX as usize || terms.len() >= (u32::MAX as usize) / 2 {
            return Err(ModelError::TooLarge(format!(
                "{n} variables, {} terms",
                terms.len()
            )));
        }
        let mut entries: Vec<(u32, u32, f64)> = Vec::with_capacity(terms.len() * 2);
        for &(i, j, v) in terms {
            entries.push((i as u32, j as u32, v));
            entries.push((j as u32, i as u32, v));
        }
        entries.sort_by_key(|e| (e.0, e.1));
        let mut row_ptr = vec![0u32; n + 1];
        let mut col = Vec::with_capacity(entries.len());
        let mut val: Vec<f64> = Vec::with_capacity(entries.len());
        let mut rows = Vec::with_capacity(entries.len());
        for (r, c, v) in entries {
            if let (Some(&lr), Some(&lc)) = (rows.last(), col.last()) {
                if lr == r && lc == c {
                    if let Some(last) = val.last_mut() {
                        *last += v;
                    }
                    continue;
                }
            }
            rows.push(r);
            col.push(c);
            val.push(v);
        }
        // Drop couplings that summed to zero.
        let mut k = 0;
        for idx in 0..col.len() {
            if val[idx] != 0.0 {
                rows[k] = rows[idx];
                col[k] = col[idx];
                val[k] = val[idx];
                k += 1;
            }
        }
        rows.truncate(k);
        col.truncate(k);
        val.truncate(k);
        for &r in &rows {
            row_ptr[r as usize + 1] += 1;
        }
        for i in 0..n {
            row_ptr[i + 1] += row_ptr[i];
        }
        Ok(Csr { row_ptr, col, val })
    }

    /// The same matrix with every value mapped by `f` (the conversions' exact rescalings),
    /// keeping rows and columns; entries that become zero (an underflowing rescale) are
    /// dropped, as [`Csr::from_terms`] drops zero sums.
    fn map_values(&self, f: impl Fn(f64) -> f64) -> Csr {
        let val: Vec<f64> = self.val.iter().map(|&v| f(v)).collect();
        if !val.contains(&0.0) {
            return Csr {
                row_ptr: self.row_ptr.clone(),
                col: self.col.clone(),
                val,
            };
        }
        let mut row_ptr = Vec::with_capacity(self.row_ptr.len());
        row_ptr.push(0u32);
        let mut col = Vec::with_capacity(self.col.len());
        let mut kept = Vec::with_capacity(val.len());
        for w in self.row_ptr.windows(2) {
            let (a, b) = (w[0] as usize, w[1] as usize);
            for (&c, &v) in self.col[a..b].iter().zip(&val[a..b]) {
                if v != 0.0 {
                    col.push(c);
                    kept.push(v);
                }
            }
            // At most the source's entry count, which fits in u32.
            row_ptr.push(col.len() as u32);
        }
        Csr {
            row_ptr,
            col,
            val: kept,
        }
    }

    /// Neighbours of `i`: columns and values.
    #[inline]
    pub fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let a = self.row_ptr[i] as usize;
        let b = self.row_ptr[i + 1] as usize;
        (&self.col[a..b], &self.val[a..b])
    }

    /// Number of distinct couplings (each stored twice).
    pub fn couplings(&self) -> usize {
        self.col.len() / 2
    }

    /// Iterates the couplings once each as `(i, j, v)` with `i < j`.
    pub fn upper(&self) -> impl Iterator<Item = (usize, usize, f64)> + '_ {
        let n = self.row_ptr.len().saturating_sub(1);
        (0..n).flat_map(move |i| {
            let (c, v) = self.row(i);
            c.iter()
                .zip(v.iter())
                .filter(move |(&j, _)| (j as usize) > i)
                .map(move |(&j, &w)| (i, j as usize, w))
        })
    }
}

/// Dense linear terms and checked off-diagonal terms.
type CheckedTerms = (Vec<f64>, Vec<(usize, usize, f64)>);

fn check_terms(
    n: usize,
    linear: &[(usize, f64)],
    quadratic: &[(usize, usize, f64)],
) -> Result<CheckedTerms, ModelError> {
    let mut lin = vec![0.0; n];
    let mut quad = Vec::with_capacity(quadratic.len());
    for &(i, v) in linear {
        if i >= n {
            return Err(ModelError::OutOfRange { index: i, n });
        }
        if !v.is_finite() {
            return Err(ModelError::NotFinite { i, j: i, value: v });
        }
        lin[i] += v;
    }
    for &(i, j, v) in quadratic {
        for idx in [i, j] {
            if idx >= n {
                return Err(ModelError::OutOfRange { index: idx, n });
            }
        }
        if !v.is_finite() {
            return Err(ModelError::NotFinite { i, j, value: v });
        }
        if i == j {
            return Err(ModelError::Diagonal { index: i });
        }
        quad.push((i, j, v));
    }
    Ok((lin, quad))
}

/// A QUBO over binary variables.
#[derive(Debug, Clone, PartialEq)]
pub struct Qubo {
    /// Linear coefficients `a_i`.
    pub linear: Vec<f64>,
    /// Quadratic coefficients `b_ij` (symmetric storage).
    pub quad: Csr,
    /// Constant term.
    pub offset: f64,
}

/// An Ising model over spins.
#[derive(Debug, Clone, PartialEq)]
pub struct Ising {
    /// Fields `h_i`.
    pub h: Vec<f64>,
    /// Couplings `J_ij` (symmetric storage).
    pub j: Csr,
    /// Constant term.
    pub offset: f64,
}

impl Qubo {
    /// Builds a QUBO from linear terms and off-diagonal quadratic terms (`i != j`; each pair
    /// once or several times, summed).
    pub fn new(
        n: usize,
        linear: &[(usize, f64)],
        quadratic: &[(usize, usize, f64)],
        offset: f64,
    ) -> Result<Qubo, ModelError> {
        let (lin, quad) = check_terms(n, linear, quadratic)?;
        Ok(Qubo {
            linear: lin,
            quad: Csr::from_terms(n, &quad)?,
            offset,
        })
    }

    /// Number of variables.
    pub fn n(&self) -> usize {
        self.linear.len()
    }

    /// Energy of a 0/1 assignment (`x.len()` must be `n`).
    pub fn energy(&self, x: &[u8]) -> f64 {
        let mut e = self.offset;
        for (i, &xi) in x.iter().enumerate() {
            if xi != 0 {
                e += self.linear[i];
                let (c, v) = self.quad.row(i);
                for (&j, &w) in c.iter().zip(v) {
                    if (j as usize) > i && x[j as usize] != 0 {
                        e += w;
                    }
                }
            }
        }
        e
    }

    /// Energy change from flipping `x_i`.
    pub fn delta(&self, x: &[u8], i: usize) -> f64 {
        let (c, v) = self.quad.row(i);
        let mut f = self.linear[i];
        for (&j, &w) in c.iter().zip(v) {
            if x[j as usize] != 0 {
                f += w;
            }
        }
        if x[i] != 0 {
            -f
        } else {
            f
        }
    }

    /// The equivalent Ising model under `x = (1 + s) / 2`: same energy for every state.
    pub fn to_ising(&self) -> Ising {
        let mut h: Vec<f64> = self.linear.iter().map(|a| a / 2.0).collect();
        let mut offset = self.offset + self.linear.iter().sum::<f64>() / 2.0;
        for (i, j, b) in self.quad.upper() {
            h[i] += b / 4.0;
            h[j] += b / 4.0;
            offset += b / 4.0;
        }
        let j = self.quad.map_values(|b| b / 4.0);
        Ising { h, j, offset }
    }
}

impl Ising {
    /// Builds an Ising model from fields and couplings (`i != j`, repeated pairs summed).
    pub fn new(
        n: usize,
        h: &[(usize, f64)],
        couplings: &[(usize, usize, f64)],
        offset: f64,
    ) -> Result<Ising, ModelError> {
        let (lin, quad) = check_terms(n, h, couplings)?;
        Ok(Ising {
            h: lin,
            j: Csr::from_terms(n, &quad)?,
            offset,
        })
    }

    /// Number of spins.
    pub fn n(&self) -> usize {
        self.h.len()
    }

    /// Energy of a spin state (entries `-1` or `+1`).
    pub fn energy(&self, s: &[i8]) -> f64 {
        let mut e = self.offset;
        for (i, &si) in s.iter().enumerate() {
            let si = si as f64;
            e += self.h[i] * si;
            let (c, v) = self.j.row(i);
            let mut acc = 0.0;
            for (&j, &w) in c.iter().zip(v) {
                if (j as usize) > i {
                    acc += w * s[j as usize] as f64;
                }
            }
            e += si * acc;
        }
        e
    }

    /// Local field `h_i + sum_j J_ij s_j`.
    pub fn local_field(&self, s: &[i8], i: usize) -> f64 {
        let (c, v) = self.j.row(i);
        let mut f = self.h[i];
        for (&j, &w) in c.iter().zip(v) {
            f += w * s[j as usize] as f64;
        }
        f
    }

    /// Energy change from flipping `s_i`: `-2 s_i f_i`.
    pub fn delta(&self, s: &[i8], i: usize) -> f64 {
        -2.0 * s[i] as f64 * self.local_field(s, i)
    }

    /// The equivalent QUBO under `s = 2x - 1`: same energy for every state.
    pub fn to_qubo(&self) -> Qubo {
        let mut a: Vec<f64> = self.h.iter().map(|h| 2.0 * h).collect();
        let mut offset = self.offset - self.h.iter().sum::<f64>();
        for (i, j, w) in self.j.upper() {
            a[i] -= 2.0 * w;
            a[j] -= 2.0 * w;
            offset += w;
        }
        let quad = self.j.map_values(|w| 4.0 * w);
        Qubo {
            linear: a,
            quad,
            offset,
        }
    }

    /// Largest `|h_i| + sum_j |J_ij|` over the spins: the largest local field any state has.
    pub fn max_abs_field(&self) -> f64 {
        (0..self.n())
            .map(|i| {
                let (_, v) = self.j.row(i);
                self.h[i].abs() + v.iter().map(|w| w.abs()).sum::<f64>()
            })
            .fold(0.0, f64::max)
    }
}

/// Spins to bits: `x = (1 + s) / 2`.
pub fn spins_to_bits(s: &[i8]) -> Vec<u8> {
    s.iter().map(|&v| u8::from(v > 0)).collect()
}

/// Bits to spins: `s = 2x - 1`.
pub fn bits_to_spins(x: &[u8]) -> Vec<i8> {
    x.iter().map(|&v| if v != 0 { 1 } else { -1 }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qubo_ising_roundtrip_keeps_energy() {
        let q =
            Qubo::new(3, &[(0, 1.0), (2, -3.0)], &[(0, 1, 2.0), (1, 2, -1.5)], 0.5).expect("valid");
        let ising = q.to_ising();
        for k in 0..8u8 {
            let x: Vec<u8> = (0..3).map(|b| (k >> b) & 1).collect();
            let s = bits_to_spins(&x);
            assert!((q.energy(&x) - ising.energy(&s)).abs() < 1e-9);
            assert!((ising.to_qubo().energy(&x) - q.energy(&x)).abs() < 1e-9);
        }
    }

    /// The conversions' matrices as the terms rebuilt by `from_terms` would give them.
    fn rebuilt(m: &Csr, f: impl Fn(f64) -> f64) -> Csr {
        let n = m.row_ptr.len() - 1;
        let terms: Vec<_> = m.upper().map(|(i, j, v)| (i, j, f(v))).collect();
        Csr::from_terms(n, &terms).expect("fits")
    }

    fn bits(m: &Csr) -> (Vec<u32>, Vec<u32>, Vec<u64>) {
        let v = m.val.iter().map(|v| v.to_bits()).collect();
        (m.row_ptr.clone(), m.col.clone(), v)
    }

    #[test]
    fn rescaled_matrices_equal_a_rebuild_bit_for_bit() {
        // 5e-324 / 4 underflows to zero and must vanish, 1e308 * 4 overflows and must stay.
        let q = Qubo::new(
            4,
            &[(0, 1.0)],
            &[(0, 1, 5e-324), (1, 2, 1e308), (0, 2, -3.0), (2, 3, 0.1)],
            0.0,
        )
        .expect("valid");
        let ising = q.to_ising();
        assert_eq!(bits(&ising.j), bits(&rebuilt(&q.quad, |b| b / 4.0)));
        assert_eq!(ising.j.couplings(), 3);
        let back = ising.to_qubo();
        assert_eq!(bits(&back.quad), bits(&rebuilt(&ising.j, |w| 4.0 * w)));
    }

    proptest::proptest! {
        #[test]
        fn conversions_match_a_rebuild_bit_for_bit(
            n in 2usize..12,
            raw in proptest::collection::vec((0usize..12, 0usize..12, -1e3f64..1e3), 0..60),
            mask in proptest::prelude::any::<u16>(),
        ) {
            let quad: Vec<_> = raw
                .into_iter()
                .filter(|&(i, j, _)| i < n && j < n && i != j)
                .collect();
            let lin: Vec<_> = (0..n).map(|i| (i, i as f64 * 0.3 - 1.0)).collect();
            let q = Qubo::new(n, &lin, &quad, 0.7).expect("valid");
            let ising = q.to_ising();
            proptest::prop_assert_eq!(bits(&ising.j), bits(&rebuilt(&q.quad, |b| b / 4.0)));
            let back = ising.to_qubo();
            proptest::prop_assert_eq!(bits(&back.quad), bits(&rebuilt(&ising.j, |w| 4.0 * w)));
            let x: Vec<u8> = (0..n).map(|b| ((mask >> b) & 1) as u8).collect();
            let s = bits_to_spins(&x);
            let old_ising = Ising { j: rebuilt(&q.quad, |b| b / 4.0), ..ising.clone() };
            proptest::prop_assert_eq!(ising.energy(&s).to_bits(), old_ising.energy(&s).to_bits());
        }
    }

    #[test]
    fn out_of_range_is_an_error() {
        assert_eq!(
            Qubo::new(2, &[], &[(0, 2, 1.0)], 0.0),
            Err(ModelError::OutOfRange { index: 2, n: 2 })
        );
    }
}
