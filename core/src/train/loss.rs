//! Loss functions and their gradients.

use crate::layers::activation::max;
use crate::layers::{Activation, GradAt, Train};
use crate::numeric::Signal;
use crate::numeric::math::{exp, ln, ln_1p};

/// Keras' clipping constant for probabilities fed to a cross-entropy without logits.
pub const EPSILON: f32 = 1e-7;

/// A loss averaged over the outputs of a sample and over the rows of a batch, as Keras
/// computes it.
///
/// When the network ends in the matching activation — sigmoid for binary cross-entropy,
/// softmax for categorical cross-entropy — the loss is computed from the logits `z` and
/// its gradient is taken with respect to `z` directly (`y − t`), which never takes the log
/// of 0 and never divides by `y·(1−y)`: saturated outputs give finite losses and exact
/// gradients. Otherwise probabilities are clipped to `[1e-7, 1 − 1e-7]`, as Keras does.
///
/// ```
/// use tinymlp::{Activation, Loss};
/// // A confidently wrong sigmoid output: z = -100, target 1. The loss is 100, not ∞.
/// let l = Loss::BinaryCrossEntropy.sample(&[0.0], &[1.0], Some((&[-100.0], Activation::Sigmoid)));
/// assert_eq!(l, 100.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// `−(t·ln y + (1−t)·ln(1−y))`, for one or several independent sigmoid outputs.
    BinaryCrossEntropy,
    /// `−Σ_k t_k·ln y_k`, for a softmax over classes and one-hot (or soft) targets.
    CategoricalCrossEntropy,
    /// `(y − t)²`, averaged over outputs.
    MeanSquaredError,
}

impl Loss {
    /// Keras' name of the loss.
    pub const fn name(self) -> &'static str {
        match self {
            Loss::BinaryCrossEntropy => "binary_crossentropy",
            Loss::CategoricalCrossEntropy => "categorical_crossentropy",
            Loss::MeanSquaredError => "mean_squared_error",
        }
    }

    /// `true` when this loss is fused with `activation` (computed from the logits).
    pub fn fuses_with(self, activation: Option<Activation>) -> bool {
        matches!(
            (self, activation),
            (Loss::BinaryCrossEntropy, Some(Activation::Sigmoid))
                | (Loss::CategoricalCrossEntropy, Some(Activation::Softmax))
        )
    }

    /// The loss of one sample with outputs `y` and targets `t`; `logits` are the
    /// pre-activations and the output activation, used when they fuse with the loss.
    ///
    /// Finite whenever the outputs (or fused logits) and targets are: a value beyond the
    /// `f32` range (a logit near ±3.4e38, an output whose square overflows) saturates at
    /// `f32::MAX`. A NaN or infinite input gives a NaN or infinite loss, never a number.
    pub fn sample(self, y: &[f32], t: &[f32], logits: Option<(&[f32], Activation)>) -> f32 {
        let s = self.sample_unsaturated(y, t, logits);
        if s.is_finite() {
            return s;
        }
        let finite = |v: &[f32]| v.iter().all(|x| x.is_finite());
        let inputs = match logits.filter(|(_, a)| self.fuses_with(Some(*a))) {
            Some((z, _)) => finite(z),
            None => finite(y),
        } && finite(t);
        if inputs { f32::MAX } else { s }
    }

    fn sample_unsaturated(self, y: &[f32], t: &[f32], logits: Option<(&[f32], Activation)>) -> f32 {
        let k = y.len().max(1) as f32;
        let fused = logits.filter(|(_, a)| self.fuses_with(Some(*a))).map(|(z, _)| z);
        match (self, fused) {
            (Loss::BinaryCrossEntropy, Some(z)) => {
                let mut s = 0.0;
                for (&zi, &ti) in z.iter().zip(t) {
                    // max(z, 0) − z·t + ln(1 + e^−|z|): no overflow for t in [0, 1].
                    s += (if zi > 0.0 { zi } else { 0.0 }) - zi * ti + ln_1p(exp(-zi.abs()));
                }
                s / k
            }
            (Loss::BinaryCrossEntropy, None) => {
                let mut s = 0.0;
                for (&yi, &ti) in y.iter().zip(t) {
                    let p = clip(yi);
                    s += -(ti * ln(p) + (1.0 - ti) * ln(1.0 - p));
                }
                s / k
            }
            (Loss::CategoricalCrossEntropy, Some(z)) => {
                // Σ_k t_k·(logsumexp(z) − z_k)
                let m = max(z);
                let mut denom = 0.0;
                for &zi in z {
                    denom += exp(zi - m);
                }
                let lse = m + ln(denom);
                let mut s = 0.0;
                for (&zi, &ti) in z.iter().zip(t) {
                    s += ti * (lse - zi);
                }
                s
            }
            (Loss::CategoricalCrossEntropy, None) => {
                let mut s = 0.0;
                for (&yi, &ti) in y.iter().zip(t) {
                    s += -ti * ln(clip(yi));
                }
                s
            }
            (Loss::MeanSquaredError, _) => {
                let mut s = 0.0;
                for (&yi, &ti) in y.iter().zip(t) {
                    s += (yi - ti) * (yi - ti);
                }
                s / k
            }
        }
    }

    /// Sum of the sample losses over the rows of a training forward pass (the first
    /// `targets.len()` rows of `cache`); replaces each output row by the gradient of
    /// `scale ×` that sum with respect to it — or to its logits, when the model ends in a
    /// dense layer whose activation this loss fuses with (sigmoid with binary, softmax with
    /// categorical cross-entropy), which the returned [`GradAt`] says. With `scale = 1/n` the
    /// gradient is that of the batch's mean loss; a batch split in chunks uses `1/n` of the
    /// whole batch for every chunk. The model and its cache decide whether the loss fuses,
    /// so it cannot be turned off by mistake.
    pub fn batch<M: Train, const B: usize>(
        self,
        model: &M,
        cache: &mut M::Cache<B>,
        targets: &[M::Output],
        scale: f32,
    ) -> (f32, GradAt) {
        let activation = model.output_activation();
        let (outputs, logits) = M::outputs_and_logits(cache);
        let n = targets.len().min(B);
        self.rows(&mut outputs[..n], logits.map(|l| &l[..n]), activation, &targets[..n], scale)
    }

    /// The loss over rows of outputs and, when fused, of logits (see [`Loss::batch`]).
    fn rows<O: Signal>(
        self,
        outputs: &mut [O],
        logits: Option<&[O]>,
        activation: Option<Activation>,
        targets: &[O],
        scale: f32,
    ) -> (f32, GradAt) {
        let n = targets.len().min(outputs.len());
        let fused = self.fuses_with(activation) && logits.is_some();

        let mut total = 0.0;
        for r in 0..n {
            let t = targets[r].as_slice();
            // The row's own width (a runtime-shaped row may hold fewer values than its type).
            let k = t.len().max(1) as f32;
            let z = if fused {
                logits.map(|l| (l[r].as_slice(), activation.unwrap_or(Activation::Linear)))
            } else {
                None
            };
            let y = outputs[r].as_mut_slice();
            total += self.sample(y, t, z);
            match (self, fused) {
                (Loss::BinaryCrossEntropy, true) => {
                    for (yi, &ti) in y.iter_mut().zip(t) {
                        *yi = (*yi - ti) * scale / k;
                    }
                }
                (Loss::CategoricalCrossEntropy, true) => {
                    let ts = crate::numeric::kernel::sum(t);
                    for (yi, &ti) in y.iter_mut().zip(t) {
                        *yi = (*yi * ts - ti) * scale;
                    }
                }
                (Loss::BinaryCrossEntropy, false) => {
                    for (yi, &ti) in y.iter_mut().zip(t) {
                        let p = clip(*yi);
                        *yi = (p - ti) / (p * (1.0 - p)) * scale / k;
                    }
                }
                (Loss::CategoricalCrossEntropy, false) => {
                    for (yi, &ti) in y.iter_mut().zip(t) {
                        *yi = -ti / clip(*yi) * scale;
                    }
                }
                (Loss::MeanSquaredError, _) => {
                    for (yi, &ti) in y.iter_mut().zip(t) {
                        *yi = 2.0 * (*yi - ti) * scale / k;
                    }
                }
            }
        }
        (total, if fused { GradAt::PreActivation } else { GradAt::Output })
    }
}

#[inline]
fn clip(p: f32) -> f32 {
    p.clamp(EPSILON, 1.0 - EPSILON)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finite_for_every_finite_logit_and_output() {
        let huge = [f32::MAX, -f32::MAX, 1e38, -1e38, 0.0];
        for &a in &huge {
            for &b in &huge {
                for t in [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]] {
                    let z = [a, b];
                    let cce = Loss::CategoricalCrossEntropy.sample(&z, &t, Some((&z, Activation::Softmax)));
                    assert!(cce.is_finite() && cce >= 0.0, "cce {z:?} {t:?}: {cce}");
                    let bce = Loss::BinaryCrossEntropy.sample(&z, &t, Some((&z, Activation::Sigmoid)));
                    assert!(bce.is_finite() && bce >= 0.0, "bce {z:?} {t:?}: {bce}");
                    let mse = Loss::MeanSquaredError.sample(&z, &t, None);
                    assert!(mse.is_finite() && mse >= 0.0, "mse {z:?} {t:?}: {mse}");
                }
            }
        }
        // NaN and infinite inputs are not numbers: they stay non-finite.
        let z = [f32::INFINITY, 0.0];
        assert!(
            !Loss::CategoricalCrossEntropy
                .sample(&z, &[1.0, 0.0], Some((&z, Activation::Softmax)))
                .is_finite()
        );
        assert!(Loss::MeanSquaredError.sample(&[f32::NAN], &[0.0], None).is_nan());
    }

    #[test]
    fn binary_cross_entropy_published_values() {
        // −ln(0.8) = 0.22314355 for y = 0.8, t = 1 (textbook value).
        let l = Loss::BinaryCrossEntropy.sample(&[0.8], &[1.0], None);
        assert!((l - 0.223_143_55).abs() < 1e-6);
        // From the logit: z = ln(4) gives y = 0.8: the same value.
        let z = 4.0f32.ln();
        let l = Loss::BinaryCrossEntropy.sample(&[0.8], &[1.0], Some((&[z], Activation::Sigmoid)));
        assert!((l - 0.223_143_55).abs() < 1e-6);
        // Saturated outputs: finite, and the exact values max(z,0) − z·t + ln(1+e^−|z|).
        let l = Loss::BinaryCrossEntropy.sample(&[1.0], &[0.0], Some((&[200.0], Activation::Sigmoid)));
        assert_eq!(l, 200.0);
        let l = Loss::BinaryCrossEntropy.sample(&[1.0], &[1.0], Some((&[200.0], Activation::Sigmoid)));
        assert_eq!(l, 0.0);
        // Without logits, Keras' clipping: −ln(1e-7) = 16.118095.
        let l = Loss::BinaryCrossEntropy.sample(&[0.0], &[1.0], None);
        assert!((l - 16.118_095).abs() < 1e-4);
    }

    #[test]
    fn categorical_and_mse_published_values() {
        // Softmax of (1, 2, 3) with target class 2: −ln(0.66524096) = 0.40760596.
        let z = [1.0, 2.0, 3.0];
        let mut y = [0.0; 3];
        Activation::Softmax.apply(&z, &mut y);
        let l = Loss::CategoricalCrossEntropy.sample(&y, &[0.0, 0.0, 1.0], Some((&z, Activation::Softmax)));
        assert!((l - 0.407_605_96).abs() < 1e-6);
        let l2 = Loss::CategoricalCrossEntropy.sample(&y, &[0.0, 0.0, 1.0], None);
        assert!((l - l2).abs() < 1e-6);
        // Huge logits: still finite.
        let l = Loss::CategoricalCrossEntropy.sample(
            &[1.0, 0.0],
            &[0.0, 1.0],
            Some((&[1e4, -1e4], Activation::Softmax)),
        );
        assert_eq!(l, 2e4);
        let l = Loss::MeanSquaredError.sample(&[1.0, 3.0], &[0.0, 1.0], None);
        assert_eq!(l, 2.5);
    }

    /// Gradients of `batch` against central differences of `sample` (f64 accumulation of
    /// f32 losses). h = 2e-3, tolerance 1e-3 absolute: the truncation error h²·|f⁽³⁾|/6
    /// stays below 2e-4 for third derivatives up to 250 (−ln(1−y) at y = 0.8), and the f32
    /// rounding of losses of order 1 adds about 1e-7/h = 5e-5.
    #[test]
    fn batch_gradients_match_finite_differences() {
        let h = 2e-3f32;
        // Non-fused paths: gradient w.r.t. y.
        for loss in [Loss::MeanSquaredError, Loss::BinaryCrossEntropy, Loss::CategoricalCrossEntropy] {
            let rows = [[0.3f32, 0.6], [0.8, 0.1]];
            let t = [[1.0f32, 0.0], [0.0, 1.0]];
            let mut g = rows;
            let (l, at) = loss.rows(&mut g, None, None, &t, 0.5);
            assert_eq!(at, GradAt::Output);
            let mean = |r: &[[f32; 2]; 2]| {
                (loss.sample(&r[0], &t[0], None) as f64 + loss.sample(&r[1], &t[1], None) as f64) / 2.0
            };
            assert!((mean(&rows) - l as f64 / 2.0).abs() < 1e-6);
            for r in 0..2 {
                for k in 0..2 {
                    let mut p = rows;
                    let mut m = rows;
                    p[r][k] += h;
                    m[r][k] -= h;
                    let num = (mean(&p) - mean(&m)) / (2.0 * h as f64);
                    assert!((num - g[r][k] as f64).abs() < 1e-3, "{loss:?} {r} {k}: {} vs {num}", g[r][k]);
                }
            }
        }
        // Fused paths: gradient w.r.t. z.
        for (loss, act) in [
            (Loss::BinaryCrossEntropy, Activation::Sigmoid),
            (Loss::CategoricalCrossEntropy, Activation::Softmax),
        ] {
            let z = [[0.4f32, -1.3], [2.2, 0.5]];
            let t = [[1.0f32, 0.0], [0.0, 1.0]];
            let mut y = [[0.0f32; 2]; 2];
            for r in 0..2 {
                act.apply(&z[r], &mut y[r]);
            }
            let (_, at) = loss.rows(&mut y, Some(&z), Some(act), &t, 0.5);
            assert_eq!(at, GradAt::PreActivation);
            let mean = |z: &[[f32; 2]; 2]| {
                let mut s = 0.0f64;
                for r in 0..2 {
                    let mut yy = [0.0; 2];
                    act.apply(&z[r], &mut yy);
                    s += loss.sample(&yy, &t[r], Some((&z[r], act))) as f64;
                }
                s / 2.0
            };
            for r in 0..2 {
                for k in 0..2 {
                    let mut p = z;
                    let mut m = z;
                    p[r][k] += h;
                    m[r][k] -= h;
                    let num = (mean(&p) - mean(&m)) / (2.0 * h as f64);
                    assert!((num - y[r][k] as f64).abs() < 1e-3, "{loss:?} {r} {k}: {} vs {num}", y[r][k]);
                }
            }
        }
    }
}
