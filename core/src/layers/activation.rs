//! Activation functions and their exact derivatives.

use crate::numeric::math::{exp, tanh};

/// `sqrt(2/π)`, the constant of GELU's tanh approximation.
const GELU_C: f32 = 0.797_884_6;
/// The cubic coefficient of GELU's tanh approximation.
const GELU_A: f32 = 0.044_715;

/// An activation function applied to a dense layer's pre-activation `z`.
///
/// Every variant has an exact derivative, used by backpropagation and checked against
/// finite differences in the tests. All are element-wise except [`Activation::Softmax`],
/// which normalises the whole vector.
///
/// ```
/// use tinymlp::Activation;
/// let mut y = [0.0; 3];
/// Activation::Relu.apply(&[-1.0, 0.0, 2.0], &mut y);
/// assert_eq!(y, [0.0, 0.0, 2.0]);
/// Activation::Softmax.apply(&[1.0, 1.0, 1.0], &mut y);
/// assert!((y[0] - 1.0 / 3.0).abs() < 1e-7);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    /// `f(z) = z`.
    Linear,
    /// `f(z) = 1 / (1 + e^-z)`, computed without overflow for any `z`.
    Sigmoid,
    /// `f(z) = tanh(z)`.
    Tanh,
    /// `f(z) = max(z, 0)`; the derivative at 0 is taken as 0 (as TensorFlow does).
    Relu,
    /// `f(z) = min(max(z, 0), 6)` (Keras' and TensorFlow Lite's `relu6`); the derivative is
    /// 1 strictly between 0 and 6 and 0 elsewhere (as TensorFlow's `Relu6Grad`).
    Relu6,
    /// `f(z) = z` for `z > 0`, else `alpha·z`.
    LeakyRelu {
        /// Slope for negative inputs (Keras' default is 0.3, PyTorch's 0.01).
        alpha: f32,
    },
    /// `f(z) = z` for `z > 0`, else `alpha·(e^z − 1)`.
    Elu {
        /// Saturation value for negative inputs (Keras' default is 1.0).
        alpha: f32,
    },
    /// GELU, tanh approximation: `0.5·z·(1 + tanh(√(2/π)·(z + 0.044715·z³)))`.
    Gelu,
    /// `f(z)_k = e^(z_k − max z) / Σ_j e^(z_j − max z)`: subtracting the maximum keeps
    /// every exponent ≤ 0, so no value overflows.
    Softmax,
}

/// Every activation's name (Keras' spelling, used in model files and summaries) and its
/// code in the binary format, in one table; `alpha` takes Keras' default where there is one.
pub const ACTIVATIONS: [(&str, u8, Activation); 9] = [
    ("linear", 0, Activation::Linear),
    ("sigmoid", 1, Activation::Sigmoid),
    ("tanh", 2, Activation::Tanh),
    ("relu", 3, Activation::Relu),
    ("leaky_relu", 4, Activation::LeakyRelu { alpha: 0.3 }),
    ("elu", 5, Activation::Elu { alpha: 1.0 }),
    ("gelu", 6, Activation::Gelu),
    ("softmax", 7, Activation::Softmax),
    ("relu6", 8, Activation::Relu6),
];

impl Activation {
    const fn row(self) -> usize {
        match self {
            Activation::Linear => 0,
            Activation::Sigmoid => 1,
            Activation::Tanh => 2,
            Activation::Relu => 3,
            Activation::LeakyRelu { .. } => 4,
            Activation::Elu { .. } => 5,
            Activation::Gelu => 6,
            Activation::Softmax => 7,
            Activation::Relu6 => 8,
        }
    }

    /// Keras' name of the activation (`"relu"`, `"leaky_relu"`, …).
    pub const fn name(self) -> &'static str {
        ACTIVATIONS[self.row()].0
    }

    /// The activation's code in the binary format.
    pub const fn code(self) -> u8 {
        ACTIVATIONS[self.row()].1
    }

    /// The activation called `name` (see [`ACTIVATIONS`]), with `alpha` for leaky ReLU and
    /// ELU (Keras' defaults 0.3 and 1.0 when `None`); `None` for an unknown name.
    ///
    /// ```
    /// use tinymlp::Activation;
    /// assert_eq!(Activation::from_name("elu", None), Some(Activation::Elu { alpha: 1.0 }));
    /// assert_eq!(Activation::from_name("swish", None), None);
    /// ```
    pub fn from_name(name: &str, alpha: Option<f32>) -> Option<Self> {
        ACTIVATIONS.iter().find(|r| r.0 == name).map(|r| r.2.with_alpha(alpha))
    }

    /// The activation with binary code `code` (and `alpha` where it has one).
    pub fn from_code(code: u8, alpha: f32) -> Option<Self> {
        ACTIVATIONS.iter().find(|r| r.1 == code).map(|r| r.2.with_alpha(Some(alpha)))
    }

    /// The same activation with another `alpha`, when it has one.
    const fn with_alpha(self, alpha: Option<f32>) -> Self {
        match (self, alpha) {
            (Activation::LeakyRelu { .. }, Some(alpha)) => Activation::LeakyRelu { alpha },
            (Activation::Elu { .. }, Some(alpha)) => Activation::Elu { alpha },
            (a, _) => a,
        }
    }

    /// The parameter of the activation, if it has one (`alpha` of leaky ReLU and ELU).
    pub const fn alpha(self) -> Option<f32> {
        match self {
            Activation::LeakyRelu { alpha } | Activation::Elu { alpha } => Some(alpha),
            _ => None,
        }
    }

    /// `f(z)` for one element-wise activation; `None` for softmax, which needs the vector.
    #[inline]
    pub fn scalar(self, z: f32) -> Option<f32> {
        Some(match self {
            Activation::Linear => z,
            Activation::Sigmoid => sigmoid(z),
            Activation::Tanh => tanh(z),
            Activation::Relu => {
                if z > 0.0 {
                    z
                } else {
                    0.0
                }
            }
            Activation::Relu6 => {
                if z > 0.0 {
                    if z < 6.0 { z } else { 6.0 }
                } else {
                    0.0
                }
            }
            Activation::LeakyRelu { alpha } => {
                if z > 0.0 {
                    z
                } else {
                    alpha * z
                }
            }
            Activation::Elu { alpha } => {
                if z > 0.0 {
                    z
                } else {
                    alpha * (exp(z) - 1.0)
                }
            }
            Activation::Gelu => {
                let t = tanh(GELU_C * (z + GELU_A * z * z * z));
                0.5 * z * (1.0 + t)
            }
            Activation::Softmax => return None,
        })
    }

    /// `f'(z)` for one element-wise activation; `None` for softmax.
    #[inline]
    pub fn scalar_derivative(self, z: f32) -> Option<f32> {
        Some(match self {
            Activation::Linear => 1.0,
            Activation::Sigmoid => {
                let s = sigmoid(z);
                s * (1.0 - s)
            }
            Activation::Tanh => {
                let t = tanh(z);
                1.0 - t * t
            }
            Activation::Relu => {
                if z > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::Relu6 => {
                if z > 0.0 && z < 6.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::LeakyRelu { alpha } => {
                if z > 0.0 {
                    1.0
                } else {
                    alpha
                }
            }
            Activation::Elu { alpha } => {
                if z > 0.0 {
                    1.0
                } else {
                    alpha * exp(z)
                }
            }
            Activation::Gelu => {
                let z2 = z * z;
                let t = tanh(GELU_C * (z + GELU_A * z2 * z));
                0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * GELU_C * (1.0 + 3.0 * GELU_A * z2)
            }
            Activation::Softmax => return None,
        })
    }

    /// Writes `f(z)` into `y`, over the shorter of the two (the layers pass arrays of one
    /// width; softmax normalises over the values it writes).
    #[inline]
    pub fn apply(self, z: &[f32], y: &mut [f32]) {
        let n = z.len().min(y.len());
        let (z, y) = (&z[..n], &mut y[..n]);
        match self {
            Activation::Softmax => {
                let m = max(z);
                let mut denom = 0.0;
                for (yi, &zi) in y.iter_mut().zip(z) {
                    *yi = exp(zi - m);
                    denom += *yi;
                }
                for yi in y.iter_mut() {
                    *yi /= denom;
                }
            }
            Activation::Linear => y.copy_from_slice(z),
            Activation::Relu => {
                for (yi, &zi) in y.iter_mut().zip(z) {
                    *yi = if zi > 0.0 { zi } else { 0.0 };
                }
            }
            _ => {
                for (yi, &zi) in y.iter_mut().zip(z) {
                    // Element-wise variants always have a scalar form.
                    *yi = self.scalar(zi).unwrap_or(zi);
                }
            }
        }
    }

    /// Backpropagates through the activation in place: on entry `g` holds `∂L/∂y`, on exit
    /// `∂L/∂z = ∂L/∂y · f'(z)` (for softmax, the Jacobian-vector product
    /// `y_k·(g_k − Σ_j y_j·g_j)`, with `y` recomputed from `z` exactly as in `apply`).
    #[inline]
    pub fn backprop(self, z: &[f32], g: &mut [f32]) {
        match self {
            Activation::Linear => {}
            Activation::Relu => {
                for (gi, &zi) in g.iter_mut().zip(z) {
                    // a select, not a branch: vectorises
                    *gi = if zi > 0.0 { *gi } else { 0.0 };
                }
            }
            Activation::Softmax => {
                let m = max(z);
                let mut denom = 0.0;
                for &zi in z {
                    denom += exp(zi - m);
                }
                let mut dot = 0.0;
                for (&gi, &zi) in g.iter().zip(z) {
                    dot += (exp(zi - m) / denom) * gi;
                }
                for (gi, &zi) in g.iter_mut().zip(z) {
                    *gi = (exp(zi - m) / denom) * (*gi - dot);
                }
            }
            _ => {
                for (gi, &zi) in g.iter_mut().zip(z) {
                    *gi *= self.scalar_derivative(zi).unwrap_or(1.0);
                }
            }
        }
    }
}

/// The logistic sigmoid, computed without overflow: `1/(1+e^-z)` for `z ≥ 0`,
/// `e^z/(1+e^z)` otherwise.
#[inline]
pub fn sigmoid(z: f32) -> f32 {
    if z >= 0.0 {
        1.0 / (1.0 + exp(-z))
    } else {
        let e = exp(z);
        e / (1.0 + e)
    }
}

/// The largest element, `-∞` for an empty slice (NaN elements are skipped).
#[inline]
pub(crate) fn max(z: &[f32]) -> f32 {
    let mut m = f32::NEG_INFINITY;
    for &v in z {
        if v > m {
            m = v;
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_works_over_the_shorter_length() {
        for a in [Activation::Linear, Activation::Relu, Activation::Tanh, Activation::Softmax] {
            let mut y = [9.0f32; 2];
            a.apply(&[0.5, -1.0, 2.0], &mut y);
            let mut full = [0.0f32; 2];
            a.apply(&[0.5, -1.0], &mut full);
            assert_eq!(y, full, "{a:?}");
            let mut long = [9.0f32; 3];
            a.apply(&[0.5, -1.0], &mut long);
            assert_eq!((&long[..2], long[2]), (&full[..], 9.0), "{a:?}");
        }
    }

    const ALL: [Activation; 10] = [
        Activation::Linear,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::Relu6,
        Activation::LeakyRelu { alpha: 0.2 },
        Activation::Elu { alpha: 1.0 },
        Activation::Elu { alpha: 0.5 },
        Activation::Gelu,
        Activation::LeakyRelu { alpha: 0.01 },
    ];

    /// Central differences in f64 of the f32 function: tolerance 1e-3 absolute. With
    /// h = 1e-2, the truncation error is h²·f'''/6 ≈ 2e-5 and the f32 rounding error is
    /// about 1e-7/h = 1e-5 for these bounded functions; points within h of a kink are skipped.
    #[test]
    fn derivatives_match_finite_differences() {
        let h = 1e-2f32;
        for act in ALL {
            for i in -400..=400 {
                let z = i as f32 * 0.0173;
                if z.abs() < 2.0 * h || (z - 6.0).abs() < 2.0 * h {
                    continue;
                }
                let f = |v: f32| act.scalar(v).unwrap() as f64;
                let num = (f(z + h) - f(z - h)) / (2.0 * h as f64);
                let ana = act.scalar_derivative(z).unwrap() as f64;
                assert!((num - ana).abs() < 1e-3, "{act:?} at {z}: {ana} vs {num}");
            }
        }
    }

    #[test]
    fn published_values() {
        // GELU (tanh approximation) values from Hendrycks & Gimpel's formula, computed in
        // f64 with Python: gelu(1) = 0.8411919906, gelu(-1) = -0.1588080094.
        assert!((Activation::Gelu.scalar(1.0).unwrap() - 0.841_192).abs() < 1e-6);
        assert!((Activation::Gelu.scalar(-1.0).unwrap() + 0.158_808).abs() < 1e-6);
        assert_eq!(sigmoid(0.0), 0.5);
        // Saturation: no overflow, no NaN.
        assert_eq!(sigmoid(-1000.0), 0.0);
        assert_eq!(sigmoid(1000.0), 1.0);
        assert_eq!(Activation::Sigmoid.scalar_derivative(1000.0), Some(0.0));
        assert_eq!(Activation::Elu { alpha: 1.0 }.scalar(-1000.0), Some(-1.0));
        assert_eq!(Activation::LeakyRelu { alpha: 0.3 }.scalar(-2.0), Some(-0.6));
        // ReLU6 clamps to [0, 6]; NaN goes to 0 like ReLU's.
        let r6: [f32; 5] = [-1.0, 0.0, 2.5, 6.0, 100.0].map(|z| Activation::Relu6.scalar(z).unwrap());
        assert_eq!(r6, [0.0, 0.0, 2.5, 6.0, 6.0]);
        assert_eq!(Activation::Relu6.scalar(f32::NAN), Some(0.0));
        assert_eq!(Activation::Relu6.scalar_derivative(6.0), Some(0.0));
    }

    #[test]
    fn softmax_is_stable_and_normalised() {
        let mut y = [0.0f32; 3];
        Activation::Softmax.apply(&[1000.0, 1000.0, -1000.0], &mut y);
        assert_eq!(y, [0.5, 0.5, 0.0]);
        Activation::Softmax.apply(&[1.0, 2.0, 3.0], &mut y);
        // e^k / (e + e² + e³): 0.09003057, 0.24472847, 0.66524096 (f64, Python).
        for (a, b) in y.iter().zip([0.090_030_57, 0.244_728_47, 0.665_240_96]) {
            assert!((a - b).abs() < 1e-7);
        }
    }

    #[test]
    fn softmax_jacobian_vector_product_matches_finite_differences() {
        let z = [0.3f32, -1.2, 2.0, 0.7];
        let w = [0.5f32, -2.0, 1.0, 3.0]; // L = Σ w_k y_k
        let mut g = w;
        Activation::Softmax.backprop(&z, &mut g);
        let h = 1e-2f32;
        for k in 0..4 {
            let mut zp = z;
            let mut zm = z;
            zp[k] += h;
            zm[k] -= h;
            let mut yp = [0.0; 4];
            let mut ym = [0.0; 4];
            Activation::Softmax.apply(&zp, &mut yp);
            Activation::Softmax.apply(&zm, &mut ym);
            let l = |y: &[f32; 4]| y.iter().zip(&w).map(|(a, b)| (*a * *b) as f64).sum::<f64>();
            let num = (l(&yp) - l(&ym)) / (2.0 * h as f64);
            assert!((num - g[k] as f64).abs() < 1e-3, "{k}: {} vs {num}", g[k]);
        }
    }

    #[test]
    fn apply_and_backprop_agree_with_the_scalar_forms() {
        let z = [-2.0f32, -0.5, 0.0, 0.5, 2.0];
        for act in ALL {
            let mut y = [0.0; 5];
            act.apply(&z, &mut y);
            let mut g = [1.0; 5];
            act.backprop(&z, &mut g);
            for i in 0..5 {
                assert_eq!(y[i].to_bits(), act.scalar(z[i]).unwrap().to_bits());
                assert_eq!(g[i].to_bits(), act.scalar_derivative(z[i]).unwrap().to_bits());
            }
        }
    }
}
