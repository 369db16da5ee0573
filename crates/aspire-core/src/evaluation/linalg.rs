//! The small dense algebra the estimators need: K×K systems with K of a handful of regressors.
//! A crate would bring far more than this needs; these routines are checked against statsmodels
//! through the estimators' tests.

/// A square matrix, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Square {
    pub n: usize,
    pub a: Vec<f64>,
}

impl Square {
    pub fn zeros(n: usize) -> Self {
        Square { n, a: vec![0.0; n * n] }
    }

    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.a[i * self.n + j]
    }

    /// Adds `scale · v vᵀ`.
    pub fn add_outer(&mut self, v: &[f64], scale: f64) {
        for i in 0..self.n {
            for j in 0..self.n {
                self.a[i * self.n + j] += scale * v[i] * v[j];
            }
        }
    }

    pub fn mul(&self, b: &Square) -> Square {
        let n = self.n;
        let mut c = Square::zeros(n);
        for i in 0..n {
            for k in 0..n {
                let x = self.get(i, k);
                for j in 0..n {
                    c.a[i * n + j] += x * b.get(k, j);
                }
            }
        }
        c
    }

    pub fn mul_vec(&self, v: &[f64]) -> Vec<f64> {
        (0..self.n).map(|i| (0..self.n).map(|j| self.get(i, j) * v[j]).sum()).collect()
    }

    /// The inverse by Gauss-Jordan elimination with partial pivoting; `None` when singular
    /// (a regressor that does not vary once school effects are removed).
    pub fn inverse(&self) -> Option<Square> {
        let n = self.n;
        let mut m = self.a.clone();
        let mut inv = Square::zeros(n);
        for i in 0..n {
            inv.a[i * n + i] = 1.0;
        }
        let scale = self.a.iter().fold(0.0_f64, |s, x| s.max(x.abs())).max(1.0);
        for col in 0..n {
            let pivot = (col..n).max_by(|&r1, &r2| m[r1 * n + col].abs().total_cmp(&m[r2 * n + col].abs()))?;
            if m[pivot * n + col].abs() <= 1e-12 * scale {
                return None;
            }
            if pivot != col {
                for j in 0..n {
                    m.swap(pivot * n + j, col * n + j);
                    inv.a.swap(pivot * n + j, col * n + j);
                }
            }
            let p = m[col * n + col];
            for j in 0..n {
                m[col * n + j] /= p;
                inv.a[col * n + j] /= p;
            }
            for r in 0..n {
                if r != col {
                    let f = m[r * n + col];
                    if f != 0.0 {
                        for j in 0..n {
                            m[r * n + j] -= f * m[col * n + j];
                            inv.a[r * n + j] -= f * inv.a[col * n + j];
                        }
                    }
                }
            }
        }
        Some(inv)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverts_and_multiplies() {
        let m = Square { n: 3, a: vec![4.0, 2.0, 0.6, 2.0, 5.0, 1.0, 0.6, 1.0, 3.0] };
        let inv = m.inverse().expect("invertible");
        let id = m.mul(&inv);
        for i in 0..3 {
            for j in 0..3 {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((id.get(i, j) - want).abs() < 1e-12, "{id:?}");
            }
        }
        let v = m.mul_vec(&[1.0, 2.0, 3.0]);
        assert!((v[0] - 9.8).abs() < 1e-12 && (v[1] - 15.0).abs() < 1e-12 && (v[2] - 11.6).abs() < 1e-12);
    }

    #[test]
    fn singular_matrices_are_refused() {
        let m = Square { n: 2, a: vec![1.0, 2.0, 2.0, 4.0] };
        assert!(m.inverse().is_none());
        let mut z = Square::zeros(2);
        z.add_outer(&[1.0, 1.0], 1.0);
        assert!(z.inverse().is_none());
    }
}
