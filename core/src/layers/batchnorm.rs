//! Batch normalisation with Keras semantics.

use crate::layers::{
    Activation, GradAt, Init, Layer, LayerInfo, LayerKind, Mode, Tensor, TensorMut, Train, Upstream,
};
use crate::numeric::Randomness;
use crate::numeric::Zero;
use crate::numeric::kernel::{Canonical, Kernel};
use crate::numeric::params::impl_params;
use core::marker::PhantomData;
use rand_core::Rng;

/// Batch normalisation over `N` features, as Keras' `BatchNormalization`:
///
/// - training ([`Mode::Train`]): `y = γ·(x − μ_B)/√(σ²_B + ε) + β` with the batch mean and
///   (biased) batch variance, and the moving statistics updated as
///   `moving ← moving·momentum + batch·(1 − momentum)` — applied by [`Train::commit`] once
///   the step is known to be finite, so a diverging batch cannot poison them;
/// - inference, and training in [`Mode::FrozenStatistics`] (fine-tuning with batches of
///   one): the moving mean and variance replace the batch statistics and are not updated.
///
/// `γ` starts at 1, `β` at 0, the moving mean at 0 and the moving variance at 1; momentum
/// 0.99 and ε = 1e-3 are Keras' defaults. The backward pass goes through the batch
/// statistics (checked against finite differences).
///
/// ```
/// use tinymlp::{BatchNorm, Layer};
/// let bn = BatchNorm::<2>::new();
/// let mut y = [0.0; 2];
/// bn.forward(&[1.0, -2.0], &mut y); // moving statistics 0 and 1: almost the identity
/// assert!((y[0] - 1.0 / 1.001f32.sqrt()).abs() < 1e-6);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct BatchNorm<const N: usize, K = Canonical> {
    /// Scale `γ` (trainable).
    pub gamma: [f32; N],
    /// Shift `β` (trainable).
    pub beta: [f32; N],
    /// Moving mean (not trainable).
    pub moving_mean: [f32; N],
    /// Moving variance (not trainable).
    pub moving_variance: [f32; N],
    /// Moving-average momentum.
    pub momentum: f32,
    /// Added to the variance.
    pub epsilon: f32,
    kernel: PhantomData<K>,
}

/// Gradients of a [`BatchNorm`] layer's trainable parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchNormGrads<const N: usize> {
    /// `∂L/∂γ`.
    pub gamma: [f32; N],
    /// `∂L/∂β`.
    pub beta: [f32; N],
}

/// What a training forward pass of [`BatchNorm`] keeps.
#[derive(Clone, Debug)]
pub struct BatchNormCache<const N: usize, const B: usize> {
    /// Normalised inputs `x̂` per row.
    pub xhat: [[f32; N]; B],
    /// Outputs per row; overwritten by `∂L/∂y` during the backward pass.
    pub y: [[f32; N]; B],
    /// `1/√(σ² + ε)` per feature, of the statistics used.
    pub inv_std: [f32; N],
    /// Batch mean per feature (what [`Train::commit`] folds into the moving mean).
    pub mean: [f32; N],
    /// Batch variance per feature.
    pub var: [f32; N],
    /// Whether the statistics were the frozen moving ones.
    pub frozen: bool,
}

impl<const N: usize, const B: usize> Zero for BatchNormCache<N, B> {
    const ZERO: Self = Self {
        xhat: Zero::ZERO,
        y: Zero::ZERO,
        inv_std: Zero::ZERO,
        mean: Zero::ZERO,
        var: Zero::ZERO,
        frozen: false,
    };
}

impl<const N: usize> Zero for BatchNormGrads<N> {
    const ZERO: Self = Self { gamma: Zero::ZERO, beta: Zero::ZERO };
}

impl<const N: usize, K: Kernel> Default for BatchNorm<N, K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize, K: Kernel> BatchNorm<N, K> {
    /// Keras' defaults: momentum 0.99, ε = 1e-3, γ = 1, β = 0, moving mean 0, variance 1.
    pub const fn new() -> Self {
        Self::with(0.99, 1e-3)
    }

    /// Another momentum and ε.
    pub const fn with(momentum: f32, epsilon: f32) -> Self {
        Self::from_parts([1.0; N], [0.0; N], [0.0; N], [1.0; N], momentum, epsilon)
    }

    /// A layer with the given parameters and statistics (for example exported as Rust
    /// `const`s, which then stay in flash).
    pub const fn from_parts(
        gamma: [f32; N],
        beta: [f32; N],
        moving_mean: [f32; N],
        moving_variance: [f32; N],
        momentum: f32,
        epsilon: f32,
    ) -> Self {
        Self { gamma, beta, moving_mean, moving_variance, momentum, epsilon, kernel: PhantomData }
    }

    fn info(&self) -> LayerInfo {
        LayerInfo {
            kind: LayerKind::BatchNorm { momentum: self.momentum, epsilon: self.epsilon },
            inputs: N,
            outputs: N,
            trainable: 2 * N,
            non_trainable: 2 * N,
            trains: true,
            fixed: false,
        }
    }

    /// `γ·(x − mean)·inv + β` for one row: the one formula used in every mode.
    #[inline]
    fn normalise(
        &self,
        x: &[f32; N],
        mean: &[f32; N],
        inv: &[f32; N],
        xhat: &mut [f32; N],
        y: &mut [f32; N],
    ) {
        for j in 0..N {
            xhat[j] = (x[j] - mean[j]) * inv[j];
            y[j] = self.gamma[j] * xhat[j] + self.beta[j];
        }
    }

    /// Moving mean and variance of feature `j` with the batch statistics of `cache` folded in.
    #[inline]
    fn folded<const B: usize>(&self, cache: &BatchNormCache<N, B>, j: usize) -> (f32, f32) {
        (
            self.moving_mean[j] * self.momentum + cache.mean[j] * (1.0 - self.momentum),
            self.moving_variance[j] * self.momentum + cache.var[j] * (1.0 - self.momentum),
        )
    }

    fn moving_inv_std(&self) -> [f32; N] {
        core::array::from_fn(|j| 1.0 / K::sqrt(self.moving_variance[j] + self.epsilon))
    }
}

impl_params!([const N: usize, K] BatchNorm<N, K> { 0 => gamma, 1 => beta });

impl_params!([const N: usize] BatchNormGrads<N> { 0 => gamma, 1 => beta });

impl<const N: usize, K: Kernel> Layer for BatchNorm<N, K> {
    type Input = [f32; N];

    type Output = [f32; N];

    const TRAINABLE: usize = 2 * N;

    const NON_TRAINABLE: usize = 2 * N;

    const LAYERS: usize = 1;

    const MAX_WIDTH: usize = N;

    #[inline]
    fn forward(&self, x: &[f32; N], y: &mut [f32; N]) {
        let inv = self.moving_inv_std();
        let mut xhat = [0.0; N];
        self.normalise(x, &self.moving_mean, &inv, &mut xhat, y);
    }

    fn forward_rows(&self, x: &[[f32; N]], y: &mut [[f32; N]]) {
        // The inverse standard deviations once for all the rows.
        let inv = self.moving_inv_std();
        let mut xhat = [0.0; N];
        for (xr, yr) in x.iter().zip(y) {
            self.normalise(xr, &self.moving_mean, &inv, &mut xhat, yr);
        }
    }

    fn output_activation(&self) -> Option<Activation> {
        None
    }

    fn visit<'a>(&'a self, f: &mut dyn FnMut(&LayerInfo, &[Tensor<'a>])) {
        f(
            &self.info(),
            &[
                Tensor::vector("gamma", &self.gamma),
                Tensor::vector("beta", &self.beta),
                Tensor::vector("moving_mean", &self.moving_mean),
                Tensor::vector("moving_variance", &self.moving_variance),
            ],
        )
    }

    fn visit_mut(&mut self, f: &mut dyn FnMut(&mut LayerInfo, &mut [TensorMut<'_>])) {
        let mut info = self.info();
        f(
            &mut info,
            &mut [
                TensorMut::vector("gamma", &mut self.gamma),
                TensorMut::vector("beta", &mut self.beta),
                TensorMut::vector("moving_mean", &mut self.moving_mean),
                TensorMut::vector("moving_variance", &mut self.moving_variance),
            ],
        );
        if let LayerKind::BatchNorm { momentum, epsilon } = info.kind {
            self.momentum = momentum;
            self.epsilon = epsilon;
        }
    }
}

impl<const N: usize, K: Kernel> Train for BatchNorm<N, K> {
    type Grads = BatchNormGrads<N>;

    type Cache<const B: usize> = BatchNormCache<N, B>;
    const RANDOM: bool = false;

    fn forward_train<const B: usize, R: Randomness + ?Sized>(
        &self,
        x: &[[f32; N]],
        cache: &mut BatchNormCache<N, B>,
        _rng: &mut R,
        mode: Mode,
    ) {
        let n = x.len().min(B);
        let x = &x[..n];
        if n == 0 {
            return;
        }
        let (mean, inv) = match mode {
            Mode::FrozenStatistics => (self.moving_mean, self.moving_inv_std()),
            Mode::Train => {
                let inv_n = 1.0 / n as f32;
                let mut mean = [0.0f32; N];
                for row in x {
                    for j in 0..N {
                        mean[j] += row[j];
                    }
                }
                for m in &mut mean {
                    *m *= inv_n;
                }
                let mut var = [0.0f32; N];
                for row in x {
                    for j in 0..N {
                        let d = row[j] - mean[j];
                        var[j] += d * d;
                    }
                }
                for v in &mut var {
                    *v *= inv_n;
                }
                cache.mean = mean;
                cache.var = var;
                (mean, core::array::from_fn(|j| 1.0 / K::sqrt(var[j] + self.epsilon)))
            }
        };
        cache.inv_std = inv;
        cache.frozen = mode == Mode::FrozenStatistics;
        for ((row, xh), y) in x.iter().zip(&mut cache.xhat).zip(&mut cache.y) {
            self.normalise(row, &mean, &inv, xh, y);
        }
    }

    fn backward<const B: usize>(
        &self,
        mut x: Upstream<'_, [f32; N]>,
        cache: &mut BatchNormCache<N, B>,
        grads: Option<&mut BatchNormGrads<N>>,
        _at: GradAt,
    ) {
        let n = x.len().min(B);
        if n == 0 {
            return;
        }
        // Σ_r dy and Σ_r dy·x̂ per feature.
        let mut sdy = [0.0f32; N];
        let mut sdyx = [0.0f32; N];
        for (dy, xh) in cache.y[..n].iter().zip(&cache.xhat) {
            for j in 0..N {
                sdy[j] += dy[j];
                sdyx[j] += dy[j] * xh[j];
            }
        }
        if let Some(grads) = grads {
            for j in 0..N {
                grads.gamma[j] += sdyx[j];
                grads.beta[j] += sdy[j];
            }
        }
        if !x.wants_grad() {
            return;
        }
        let nf = n as f32;
        let g: [f32; N] = core::array::from_fn(|j| self.gamma[j] * cache.inv_std[j]);
        for r in 0..n {
            let (dy, xh) = (&cache.y[r], &cache.xhat[r]);
            let dx: [f32; N] = if cache.frozen {
                core::array::from_fn(|j| dy[j] * g[j])
            } else {
                // dx = γ·inv/n · (n·dy − Σdy − x̂·Σ(dy·x̂))
                core::array::from_fn(|j| g[j] / nf * ((nf * dy[j] - sdy[j]) - xh[j] * sdyx[j]))
            };
            x.replace(r, dx);
        }
    }

    fn commit<const B: usize>(&mut self, cache: &BatchNormCache<N, B>) {
        if cache.frozen {
            return;
        }
        for j in 0..N {
            (self.moving_mean[j], self.moving_variance[j]) = self.folded(cache, j);
        }
    }

    fn commit_is_finite<const B: usize>(&self, cache: &BatchNormCache<N, B>) -> bool {
        cache.frozen
            || (0..N).all(|j| {
                let (m, v) = self.folded(cache, j);
                m.is_finite() && v.is_finite()
            })
    }

    fn outputs<const B: usize>(cache: &BatchNormCache<N, B>) -> &[[f32; N]; B] {
        &cache.y
    }

    fn outputs_and_logits<const B: usize>(
        cache: &mut BatchNormCache<N, B>,
    ) -> (&mut [[f32; N]; B], Option<&[[f32; N]; B]>) {
        (&mut cache.y, None)
    }

    fn activations<const B: usize>(cache: &BatchNormCache<N, B>, f: &mut dyn FnMut(&[f32])) {
        f(cache.y.as_flattened())
    }

    fn init_from<R: Rng>(
        &mut self,
        _first: usize,
        _scheme: &mut dyn FnMut(usize, &LayerInfo) -> Init,
        _rng: &mut R,
    ) {
        *self = Self::with(self.momentum, self.epsilon);
    }
}
