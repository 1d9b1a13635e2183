//! Input standardisation as the first layer of a model, so the scaler travels with it.

use crate::layers::{
    Activation, GradAt, Layer, LayerInfo, LayerKind, Mode, Tensor, TensorMut, Train, Upstream,
};
use crate::numeric::Randomness;
use crate::numeric::Zero;
use crate::numeric::params::impl_params;

/// Standardises each input feature: `y = (x − mean) / scale`, like scikit-learn's
/// `StandardScaler` and Keras' `Normalization` layer.
///
/// As the first layer of a model it travels with the model file, so a device scales raw
/// sensor values exactly as training did (one subtraction and one correctly rounded
/// division per feature: the same bits everywhere). It has no trainable parameters;
/// [`Normalization::adapt`] fits it to data.
///
/// ```
/// use tinymlp::{Layer, Normalization};
/// let mut norm = Normalization::<1>::new();
/// norm.adapt(&[[1.0], [2.0], [3.0]]);
/// let mut y = [0.0];
/// norm.forward(&[3.0], &mut y);
/// assert!((y[0] - 1.224_745).abs() < 1e-6); // (3 − 2) / √(2/3)
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Normalization<const N: usize> {
    /// Mean of each feature.
    pub mean: [f32; N],
    /// Scale (population standard deviation) of each feature; never 0.
    pub scale: [f32; N],
}

/// What a training forward pass of [`Normalization`] keeps: its outputs.
#[derive(Clone, Debug)]
pub struct NormalizationCache<const N: usize, const B: usize> {
    /// Outputs per row; overwritten by `∂L/∂y` during the backward pass.
    pub y: [[f32; N]; B],
}

impl<const N: usize, const B: usize> Zero for NormalizationCache<N, B> {
    const ZERO: Self = Self { y: Zero::ZERO };
}

impl<const N: usize> Default for Normalization<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Normalization<N> {
    const INFO: LayerInfo = LayerInfo {
        kind: LayerKind::Normalization,
        inputs: N,
        outputs: N,
        trainable: 0,
        non_trainable: 2 * N,
        trains: true,
        fixed: false,
    };

    /// The identity: mean 0, scale 1.
    pub const fn new() -> Self {
        Self { mean: [0.0; N], scale: [1.0; N] }
    }

    /// A scaler with the given statistics (a scale of 0 is replaced by 1, as scikit-learn
    /// does for constant features).
    pub const fn from_parts(mean: [f32; N], scale: [f32; N]) -> Self {
        let mut s = scale;
        let mut j = 0;
        while j < N {
            if s[j] == 0.0 {
                s[j] = 1.0;
            }
            j += 1;
        }
        Self { mean, scale: s }
    }

    /// Fits the mean and the population standard deviation (ddof = 0) of each feature,
    /// computed in f64 and rounded to f32, as scikit-learn's `StandardScaler` does.
    /// Constant features get scale 1. An empty slice leaves the scaler unchanged.
    pub fn adapt(&mut self, rows: &[[f32; N]]) {
        if rows.is_empty() {
            return;
        }
        let n = rows.len() as f64;
        for j in 0..N {
            let mean = rows.iter().map(|r| r[j] as f64).sum::<f64>() / n;
            let var = rows.iter().map(|r| (r[j] as f64 - mean) * (r[j] as f64 - mean)).sum::<f64>() / n;
            let scale = libm::sqrt(var) as f32;
            self.mean[j] = mean as f32;
            self.scale[j] = if scale > 0.0 && scale.is_finite() { scale } else { 1.0 };
        }
    }

    /// `(x − mean) / scale` of one row.
    #[inline]
    pub fn transform(&self, x: &[f32; N], y: &mut [f32; N]) {
        for j in 0..N {
            y[j] = (x[j] - self.mean[j]) / self.scale[j];
        }
    }
}

impl_params!([const N: usize] Normalization<N> {});

impl<const N: usize> Layer for Normalization<N> {
    type Input = [f32; N];

    type Output = [f32; N];

    const TRAINABLE: usize = 0;

    const NON_TRAINABLE: usize = 2 * N;

    const LAYERS: usize = 1;

    const MAX_WIDTH: usize = N;

    fn forward(&self, x: &[f32; N], y: &mut [f32; N]) {
        self.transform(x, y);
    }

    fn output_activation(&self) -> Option<Activation> {
        None
    }

    fn visit<'a>(&'a self, f: &mut dyn FnMut(&LayerInfo, &[Tensor<'a>])) {
        f(&Self::INFO, &[Tensor::vector("mean", &self.mean), Tensor::vector("scale", &self.scale)])
    }

    fn visit_mut(&mut self, f: &mut dyn FnMut(&mut LayerInfo, &mut [TensorMut<'_>])) {
        let mut info = Self::INFO;
        f(
            &mut info,
            &mut [TensorMut::vector("mean", &mut self.mean), TensorMut::vector("scale", &mut self.scale)],
        );
    }
}

impl<const N: usize> Train for Normalization<N> {
    const RANDOM: bool = false;
    type Grads = ();

    type Cache<const B: usize> = NormalizationCache<N, B>;

    fn forward_train<const B: usize, R: Randomness + ?Sized>(
        &self,
        x: &[[f32; N]],
        cache: &mut NormalizationCache<N, B>,
        _rng: &mut R,
        _mode: Mode,
    ) {
        for (row, y) in x.iter().zip(&mut cache.y) {
            self.transform(row, y);
        }
    }

    fn backward<const B: usize>(
        &self,
        mut x: Upstream<'_, [f32; N]>,
        cache: &mut NormalizationCache<N, B>,
        _grads: Option<&mut ()>,
        _at: GradAt,
    ) {
        if !x.wants_grad() {
            return;
        }
        for r in 0..x.len().min(B) {
            let dy = &cache.y[r];
            x.replace(r, core::array::from_fn(|j| dy[j] / self.scale[j]));
        }
    }

    fn outputs<const B: usize>(cache: &NormalizationCache<N, B>) -> &[[f32; N]; B] {
        &cache.y
    }

    fn outputs_and_logits<const B: usize>(
        cache: &mut NormalizationCache<N, B>,
    ) -> (&mut [[f32; N]; B], Option<&[[f32; N]; B]>) {
        (&mut cache.y, None)
    }

    fn activations<const B: usize>(cache: &NormalizationCache<N, B>, f: &mut dyn FnMut(&[f32])) {
        f(cache.y.as_flattened())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adapt_matches_the_formulas_and_handles_constant_features() {
        let rows = [[1.0, 5.0], [2.0, 5.0], [4.0, 5.0], [5.0, 5.0]];
        let mut n = Normalization::<2>::new();
        n.adapt(&rows);
        // mean 3, population variance (4 + 1 + 1 + 4)/4 = 2.5
        assert_eq!(n.mean, [3.0, 5.0]);
        assert_eq!(n.scale, [2.5f64.sqrt() as f32, 1.0]);
        let mut y = [0.0; 2];
        n.forward(&[5.0, 5.0], &mut y);
        assert_eq!(y, [2.0 / 2.5f32.sqrt(), 0.0]);
        assert_eq!(Normalization::<1>::from_parts([1.0], [0.0]).scale, [1.0]);
    }
}
