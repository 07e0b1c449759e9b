//! The Metropolis sweep shared by `sa` and `pt`: allocation-free, local fields cached, and no
//! random number drawn for a flip that cannot be accepted.
//!
//! Each spin keeps its local field `f_i = h_i + Σ_j J_ij s_j`; the flip cost is
//! `ΔE_i = -2 s_i f_i` and a flip updates only the neighbours' fields. A positive ΔE is
//! accepted with probability `exp(-β ΔE)`. Two acceptance paths:
//! * quantised models (all biases multiples of 1/q for q in 1, 2, 4, 8, 16; true for G-set and
//!   Beasley instances): ΔE takes few values, so each sweep fills a table of 64-bit
//!   thresholds `exp(-β ΔE) · 2^64`, and a flip draws one integer and compares it — no `exp`.
//!   A ΔE beyond the table (probability below 2^-64) is rejected without a draw;
//! * otherwise: ΔE ≥ 44.36 / β is rejected without a draw (as dwave-samplers does), else
//!   `exp(-β ΔE)` is compared with a uniform draw.

use super::model::Ising;
use super::rng::Rng;

/// `ln(2^64)`: past `β ΔE` this, acceptance is below the resolution of a 64-bit draw.
const LOG_2_64: f64 = 44.361_419_555_836_5;

/// One stored coupling of the integer path: neighbour and `2 q J` (the field change, in units
/// of `1/q`, when this row's spin flips from `-1` to `+1`).
#[derive(Clone, Copy)]
#[repr(C)]
struct Entry {
    col: u32,
    v2: i32,
}

/// The integer path's couplings.
enum Adjacency {
    /// Every coupling has the same magnitude (Max-Cut with ±1 weights, the whole G-set): each
    /// row lists its positive couplings, then its negative ones, from `split[i]` on; an
    /// update is then a 4-byte load and an add of one constant.
    Signed {
        cols: Vec<u32>,
        split: Vec<u32>,
        /// `2 q |J|`.
        mag: i32,
    },
    /// Any integer couplings.
    Wide(Vec<Entry>),
}

/// A validated view of an Ising model for the sweep loop.
pub(crate) struct Kernel<'m> {
    n: usize,
    h: &'m [f64],
    row_ptr: &'m [u32],
    col: &'m [u32],
    val: &'m [f64],
    /// Integer path, when the model is quantised: fields kept as `q · f` in i32.
    int: Option<IntPath>,
}

struct IntPath {
    /// `q / 2`: `ΔE = k / (q / 2)` for the integer flip cost `k = -s · q f`.
    half_q: f64,
    /// `q · h_i`.
    qh: Vec<i64>,
    /// Couplings next to their neighbour index (one memory stream).
    adj: Adjacency,
    /// Largest `|q f|` any state can reach.
    max_k: usize,
}

/// Per-thread scratch: spins, fields and the acceptance table.
pub(crate) struct Scratch {
    pub spins: Vec<i8>,
    /// Local fields (float path; on the integer path only after `sync_fields`).
    pub field: Vec<f64>,
    ifield: Vec<i32>,
    table: Vec<u64>,
}

fn valid_csr(model: &Ising) -> bool {
    let n = model.n();
    let csr = &model.j;
    csr.row_ptr.len() == n + 1
        && csr.col.len() == csr.val.len()
        && csr.row_ptr.first() == Some(&0)
        && csr.row_ptr.last().map(|&v| v as usize) == Some(csr.col.len())
        && !csr.row_ptr.windows(2).any(|w| w[0] > w[1])
        && !csr.col.iter().any(|&c| c as usize >= n)
}

fn int_path(model: &Ising) -> Option<IntPath> {
    let max_field = model.max_abs_field();
    for q in [1.0f64, 2.0, 4.0, 8.0, 16.0] {
        let integral = |b: &f64| (b * q).fract() == 0.0;
        if model.h.iter().all(integral) && model.j.val.iter().all(integral) {
            let max_k = (max_field * q).ceil();
            let max_v2 = model
                .j
                .val
                .iter()
                .fold(0.0f64, |m, w| m.max(2.0 * q * w.abs()));
            // Fields stay below 2^30 and every update fits an i32.
            if max_k >= (1u64 << 30) as f64 || max_v2 >= (1u64 << 30) as f64 {
                return None;
            }
            let entries: Vec<Entry> = model
                .j
                .col
                .iter()
                .zip(&model.j.val)
                .map(|(&col, &w)| Entry {
                    col,
                    v2: (2.0 * q * w) as i32,
                })
                .collect();
            let mag = entries.first().map_or(0, |e| e.v2.abs());
            let adj = if entries.iter().all(|e| e.v2.abs() == mag) {
                let n = model.n();
                let mut cols = Vec::with_capacity(entries.len());
                let mut split = Vec::with_capacity(n);
                for i in 0..n {
                    let row =
                        &entries[model.j.row_ptr[i] as usize..model.j.row_ptr[i + 1] as usize];
                    cols.extend(row.iter().filter(|e| e.v2 > 0).map(|e| e.col));
                    split.push(cols.len() as u32);
                    cols.extend(row.iter().filter(|e| e.v2 < 0).map(|e| e.col));
                }
                Adjacency::Signed { cols, split, mag }
            } else {
                Adjacency::Wide(entries)
            };
            return Some(IntPath {
                half_q: q / 2.0,
                qh: model.h.iter().map(|h| (h * q) as i64).collect(),
                adj,
                max_k: max_k as usize,
            });
        }
    }
    None
}

impl IntPath {
    /// `q` times the local field of spin `i` (`a..b` its row), from scratch.
    fn field(&self, i: usize, a: usize, b: usize, spins: &[i8]) -> i64 {
        // v2 = 2 q J, so q J s = v2 s / 2.
        let mut f = self.qh[i];
        match &self.adj {
            Adjacency::Signed { cols, split, mag } => {
                let m = split[i] as usize;
                for (k, &c) in cols[a..b].iter().enumerate() {
                    let v2 = if a + k < m { *mag } else { -*mag };
                    f += i64::from(v2) * i64::from(spins[c as usize]) / 2;
                }
            }
            Adjacency::Wide(adj) => {
                for e in &adj[a..b] {
                    f += i64::from(e.v2) * i64::from(spins[e.col as usize]) / 2;
                }
            }
        }
        f
    }
}

impl<'m> Kernel<'m> {
    /// Checks the CSR invariants the unchecked loop relies on (`None` if they fail) and picks
    /// the integer path when the model is quantised.
    pub fn new(model: &'m Ising) -> Option<Kernel<'m>> {
        let mut k = Kernel::new_f64(model)?;
        k.int = int_path(model);
        Some(k)
    }

    /// As `new`, but always on the float path (for callers that update `field` themselves).
    pub fn new_f64(model: &'m Ising) -> Option<Kernel<'m>> {
        if !valid_csr(model) {
            return None;
        }
        Some(Kernel {
            n: model.n(),
            h: &model.h,
            row_ptr: &model.j.row_ptr,
            col: &model.j.col,
            val: &model.j.val,
            int: None,
        })
    }

    pub fn n(&self) -> usize {
        self.n
    }

    pub fn scratch(&self) -> Scratch {
        let ni = if self.int.is_some() { self.n } else { 0 };
        Scratch {
            spins: vec![1; self.n],
            field: vec![0.0; self.n],
            ifield: vec![0; ni],
            table: Vec::with_capacity(self.n.max(256) + 1),
        }
    }

    /// Sets a uniformly random state and its fields.
    pub fn randomise(&self, sc: &mut Scratch, rng: &mut Rng) {
        for s in sc.spins.iter_mut() {
            *s = if rng.next_u64() >> 63 == 0 { -1 } else { 1 };
        }
        self.recompute_fields(sc);
    }

    /// Recomputes every local field from the spins.
    pub fn recompute_fields(&self, sc: &mut Scratch) {
        for i in 0..self.n {
            let a = self.row_ptr[i] as usize;
            let b = self.row_ptr[i + 1] as usize;
            match &self.int {
                Some(ip) => sc.ifield[i] = ip.field(i, a, b, &sc.spins) as i32,
                None => {
                    let mut f = self.h[i];
                    for k in a..b {
                        f += self.val[k] * sc.spins[self.col[k] as usize] as f64;
                    }
                    sc.field[i] = f;
                }
            }
        }
    }

    /// Makes `sc.field` current (the integer path keeps its own fields).
    #[cfg(test)]
    pub fn sync_fields(&self, sc: &mut Scratch) {
        if let Some(ip) = &self.int {
            let q = 2.0 * ip.half_q;
            for (f, &fi) in sc.field.iter_mut().zip(&sc.ifield) {
                *f = fi as f64 / q;
            }
        }
    }

    /// Fills the acceptance table for `beta` if it is short enough; returns whether it is used.
    fn fill_table(&self, sc: &mut Scratch, beta: f64, half_q: f64, max_k: usize) -> bool {
        // Entries up to where exp(-β ΔE) · 2^64 < 1.
        let cutoff = (LOG_2_64 / beta * half_q).floor();
        let len = if cutoff < max_k as f64 {
            cutoff as usize + 1
        } else {
            max_k + 1
        };
        if len > self.n.max(256) {
            return false;
        }
        sc.table.clear();
        // p_k = r^k by repeated multiplication (relative error ~k ulp, far below 2^-64 · k).
        let r = (-beta / half_q).exp();
        let mut p = 1.0f64;
        for _ in 0..len {
            // 2^64 · p, saturating at u64::MAX for p = 1.
            sc.table.push((p * 18_446_744_073_709_551_616.0) as u64);
            p *= r;
        }
        true
    }

    /// One sweep (spins in index order, like dwave-samplers) at inverse temperature `beta`.
    /// Returns the energy change.
    pub fn sweep(&self, sc: &mut Scratch, rng: &mut Rng, beta: f64) -> f64 {
        match &self.int {
            Some(ip) => {
                let de = if self.fill_table(sc, beta, ip.half_q, ip.max_k) {
                    self.sweep_int_table(ip, sc, rng)
                } else {
                    self.sweep_int_exp(ip, sc, rng, beta)
                };
                de as f64 / ip.half_q
            }
            None => self.sweep_exp(sc, rng, beta),
        }
    }

    #[inline(always)]
    fn flip_int(ip: &IntPath, i: usize, a: usize, b: usize, s: i8, ifield: &mut [i32]) {
        // SAFETY: `new` checked row_ptr is monotone with last == number of couplings (the
        // length of `cols` / `adj`), split[i] lies in a..=b by construction, and every
        // col < n == ifield.len().
        unsafe {
            match &ip.adj {
                Adjacency::Signed { cols, split, mag } => {
                    // Field change -s · v2: -s · mag on the positive part, +s · mag after.
                    let step = if s > 0 { -*mag } else { *mag };
                    let m = *split.get_unchecked(i) as usize;
                    for &c in cols.get_unchecked(a..m) {
                        *ifield.get_unchecked_mut(c as usize) += step;
                    }
                    for &c in cols.get_unchecked(m..b) {
                        *ifield.get_unchecked_mut(c as usize) -= step;
                    }
                }
                Adjacency::Wide(adj) => {
                    let row = adj.get_unchecked(a..b);
                    if s > 0 {
                        for e in row {
                            *ifield.get_unchecked_mut(e.col as usize) -= e.v2;
                        }
                    } else {
                        for e in row {
                            *ifield.get_unchecked_mut(e.col as usize) += e.v2;
                        }
                    }
                }
            }
        }
    }

    fn sweep_int_table(&self, ip: &IntPath, sc: &mut Scratch, rng: &mut Rng) -> i64 {
        let table = sc.table.as_slice();
        let n = self.n;
        let spins = &mut sc.spins[..n];
        let ifield = &mut sc.ifield[..n];
        let row_ptr = &self.row_ptr[..n + 1];
        let mut de = 0i64;
        // A local copy lets the generator's state live in registers through the loop.
        let mut r = rng.clone();
        for i in 0..n {
            let s = spins[i];
            let f = ifield[i];
            // k = -s · q f: the flip cost in units of 1 / (q / 2).
            let k = if s > 0 { -f } else { f };
            let accept = k <= 0 || ((k as usize) < table.len() && r.next_u64() < table[k as usize]);
            if accept {
                de += i64::from(k);
                spins[i] = -s;
                Self::flip_int(
                    ip,
                    i,
                    row_ptr[i] as usize,
                    row_ptr[i + 1] as usize,
                    s,
                    ifield,
                );
            }
        }
        *rng = r;
        de
    }

    fn sweep_int_exp(&self, ip: &IntPath, sc: &mut Scratch, rng: &mut Rng, beta: f64) -> i64 {
        let scale = beta / ip.half_q;
        let threshold = LOG_2_64 / scale;
        let n = self.n;
        let spins = &mut sc.spins[..n];
        let ifield = &mut sc.ifield[..n];
        let row_ptr = &self.row_ptr[..n + 1];
        let mut de = 0i64;
        // A local copy lets the generator's state live in registers through the loop.
        let mut r = rng.clone();
        for i in 0..n {
            let s = spins[i];
            let f = ifield[i];
            let k = if s > 0 { -f } else { f };
            let accept =
                k <= 0 || ((k as f64) < threshold && (-scale * k as f64).exp() > r.next_f64());
            if accept {
                de += i64::from(k);
                spins[i] = -s;
                Self::flip_int(
                    ip,
                    i,
                    row_ptr[i] as usize,
                    row_ptr[i + 1] as usize,
                    s,
                    ifield,
                );
            }
        }
        *rng = r;
        de
    }

    #[inline(always)]
    fn flip(&self, spins: &mut [i8], field: &mut [f64], i: usize, s: f64) {
        // SAFETY (for the unchecked accesses below): `new` checked row_ptr is monotone with
        // last == col.len() == val.len(), and every col < n == spins.len() == field.len().
        unsafe {
            *spins.get_unchecked_mut(i) = -*spins.get_unchecked(i);
            let a = *self.row_ptr.get_unchecked(i) as usize;
            let b = *self.row_ptr.get_unchecked(i + 1) as usize;
            let c = -2.0 * s;
            for k in a..b {
                let j = *self.col.get_unchecked(k) as usize;
                *field.get_unchecked_mut(j) += c * *self.val.get_unchecked(k);
            }
        }
    }

    fn sweep_exp(&self, sc: &mut Scratch, rng: &mut Rng, beta: f64) -> f64 {
        let threshold = LOG_2_64 / beta;
        let spins = sc.spins.as_mut_slice();
        let field = sc.field.as_mut_slice();
        let mut de = 0.0;
        for i in 0..self.n {
            let s = spins[i] as f64;
            let d = -2.0 * s * field[i];
            let accept = if d <= 0.0 {
                true
            } else {
                d < threshold && (-beta * d).exp() > rng.next_f64()
            };
            if accept {
                de += d;
                self.flip(spins, field, i, s);
            }
        }
        de
    }

    /// Flips downhill until no single flip lowers the energy; returns the energy change.
    pub fn descend(&self, sc: &mut Scratch) -> f64 {
        if let Some(ip) = &self.int {
            let mut de = 0i64;
            loop {
                let mut improved = false;
                for i in 0..self.n {
                    let s = sc.spins[i];
                    let f = sc.ifield[i];
                    let k = if s > 0 { -f } else { f };
                    if k < 0 {
                        de += i64::from(k);
                        sc.spins[i] = -s;
                        let (a, b) = (self.row_ptr[i] as usize, self.row_ptr[i + 1] as usize);
                        Self::flip_int(ip, i, a, b, s, &mut sc.ifield);
                        improved = true;
                    }
                }
                if !improved {
                    return de as f64 / ip.half_q;
                }
            }
        }
        let mut de = 0.0;
        loop {
            let mut improved = false;
            for i in 0..self.n {
                let s = sc.spins[i] as f64;
                let d = -2.0 * s * sc.field[i];
                if d < -1e-12 {
                    de += d;
                    self.flip(&mut sc.spins, &mut sc.field, i, s);
                    improved = true;
                }
            }
            if !improved {
                return de;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(n: usize) -> Ising {
        let terms: Vec<_> = (0..n).map(|i| (i, (i + 1) % n, 1.0)).collect();
        Ising::new(n, &[(0, 0.25)], &terms, 0.0).expect("valid")
    }

    #[test]
    fn fields_stay_exact_after_sweeps() {
        let m = ring(11);
        let k = Kernel::new(&m).expect("valid csr");
        let mut sc = k.scratch();
        let mut rng = Rng::new(3, 0);
        k.randomise(&mut sc, &mut rng);
        let mut e = m.energy(&sc.spins);
        for beta in [0.01, 0.5, 3.0, 0.0001] {
            e += k.sweep(&mut sc, &mut rng, beta);
            k.sync_fields(&mut sc);
            for i in 0..m.n() {
                assert!((sc.field[i] - m.local_field(&sc.spins, i)).abs() < 1e-9);
            }
            assert!((e - m.energy(&sc.spins)).abs() < 1e-9);
        }
    }

    #[test]
    fn every_integer_layout_keeps_fields_exact() {
        // Mixed-sign equal magnitudes (signed layout) and unequal weights (wide layout).
        let mixed: Vec<_> = (0..12)
            .map(|i| (i, (i * 5 + 1) % 12, if i % 3 == 0 { -1.0 } else { 1.0 }))
            .filter(|t| t.0 != t.1)
            .collect();
        let wide: Vec<_> = (0..12)
            .map(|i| (i, (i * 7 + 2) % 12, (i % 4) as f64 - 1.5))
            .filter(|t| t.0 != t.1)
            .collect();
        for terms in [mixed, wide] {
            let m = Ising::new(12, &[(3, 1.0), (7, -2.0)], &terms, 0.0).expect("valid");
            let k = Kernel::new(&m).expect("valid csr");
            assert!(k.int.is_some());
            let mut sc = k.scratch();
            let mut rng = Rng::new(11, 0);
            k.randomise(&mut sc, &mut rng);
            let mut e = m.energy(&sc.spins);
            for beta in [0.001, 0.2, 1.0, 5.0] {
                e += k.sweep(&mut sc, &mut rng, beta);
                k.sync_fields(&mut sc);
                for i in 0..m.n() {
                    assert!((sc.field[i] - m.local_field(&sc.spins, i)).abs() < 1e-9);
                }
                assert!((e - m.energy(&sc.spins)).abs() < 1e-9);
            }
            e += k.descend(&mut sc);
            assert!((e - m.energy(&sc.spins)).abs() < 1e-9);
        }
    }

    #[test]
    fn float_path_fields_stay_exact() {
        let terms: Vec<_> = (0..9)
            .map(|i| (i, (i + 3) % 9, 0.3 + i as f64 * 0.1))
            .collect();
        let m = Ising::new(9, &[(1, -0.7)], &terms, 0.0).expect("valid");
        let k = Kernel::new(&m).expect("valid csr");
        assert!(k.int.is_none());
        let mut sc = k.scratch();
        let mut rng = Rng::new(5, 0);
        k.randomise(&mut sc, &mut rng);
        let mut e = m.energy(&sc.spins);
        for beta in [0.01, 1.0, 10.0] {
            e += k.sweep(&mut sc, &mut rng, beta);
        }
        e += k.descend(&mut sc);
        assert!((e - m.energy(&sc.spins)).abs() < 1e-9);
    }

    #[test]
    fn quantisation_is_detected() {
        let m = ring(5);
        let k = Kernel::new(&m).expect("valid csr");
        assert_eq!(k.int.as_ref().map(|ip| ip.half_q), Some(2.0));
        let irr = Ising::new(2, &[], &[(0, 1, 0.3)], 0.0).expect("valid");
        assert!(Kernel::new(&irr).is_some_and(|k| k.int.is_none()));
    }
}
