//! The layers of a runtime-shaped network: the core's dense, batch-norm and dropout
//! layers over slices, each operation in the order the const-generic layer performs it.
//!
//! Why by hand: the core's layers take their widths from their types, and the core never
//! allocates; these hold `Vec`s. Every floating-point operation below is the one the core's
//! layer performs, in the same order (the kernel's [`dot`] for `W·x + b`, rows in increasing
//! order for every sum over a batch, outputs in increasing order for `Wᵀ·dy`), which
//! `tests/bits.rs` checks bit for bit against the const-generic types.

use tinymlp::Activation;
use tinymlp::layers::{Fans, GradAt, Init, LayerInfo, LayerKind, Mode, mask_bits};
use tinymlp::numeric::Randomness;
use tinymlp::numeric::kernel::{Canonical, Kernel, dot};

/// One layer after the input scaler.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum NetLayer {
    Dense {
        inputs: usize,
        units: usize,
        weight: Vec<f32>,
        bias: Vec<f32>,
        activation: Activation,
    },
    BatchNorm {
        units: usize,
        gamma: Vec<f32>,
        beta: Vec<f32>,
        moving_mean: Vec<f32>,
        moving_variance: Vec<f32>,
        momentum: f32,
        epsilon: f32,
    },
    Dropout {
        units: usize,
        rate: f32,
    },
    /// A residual block's marker: the next `layers` layers are its inside. Its cache holds
    /// the block's input in `y` (the inside's input: the marker is the identity), and the
    /// block's output `x + L(x)` in `aux` (then `∂L/∂` of it in the backward pass).
    Residual {
        units: usize,
        layers: usize,
    },
}

/// What a training forward pass of one layer keeps, for up to `B` rows (buffers of `B`
/// rows, allocated on first use).
#[derive(Clone, Debug, Default)]
pub(crate) struct LayerCache {
    /// Outputs, then `∂L/∂outputs` during the backward pass.
    pub y: Vec<f32>,
    /// Dense: pre-activations. Batch norm: `x̂`. Dropout: the mask.
    pub aux: Vec<f32>,
    /// Batch norm: inverse standard deviations, batch mean, batch variance.
    pub inv_std: Vec<f32>,
    pub mean: Vec<f32>,
    pub var: Vec<f32>,
    pub frozen: bool,
    /// A residual block's marker: its `y` is the block's input, not an activation.
    pub marker: bool,
}

impl LayerCache {
    pub(crate) fn size(&mut self, rows: usize, width: usize) {
        for v in [&mut self.y, &mut self.aux] {
            if v.len() != rows * width {
                *v = vec![0.0; rows * width];
            }
        }
        for v in [&mut self.inv_std, &mut self.mean, &mut self.var] {
            if v.len() != width {
                *v = vec![0.0; width];
            }
        }
    }
}

impl NetLayer {
    pub(crate) fn outputs(&self) -> usize {
        match self {
            NetLayer::Dense { units, .. }
            | NetLayer::BatchNorm { units, .. }
            | NetLayer::Dropout { units, .. }
            | NetLayer::Residual { units, .. } => *units,
        }
    }

    pub(crate) fn inputs(&self) -> usize {
        match self {
            NetLayer::Dense { inputs, .. } => *inputs,
            _ => self.outputs(),
        }
    }

    pub(crate) fn info(&self) -> LayerInfo {
        let (i, o) = (self.inputs(), self.outputs());
        let (kind, trainable, non_trainable) = match self {
            NetLayer::Dense { activation, .. } => (LayerKind::Dense(*activation), i * o + o, 0),
            NetLayer::BatchNorm { momentum, epsilon, .. } => {
                (LayerKind::BatchNorm { momentum: *momentum, epsilon: *epsilon }, 2 * o, 2 * o)
            }
            NetLayer::Dropout { rate, .. } => (LayerKind::Dropout { rate: *rate }, 0, 0),
            // Net::new keeps `layers` within MAX_LAYERS.
            NetLayer::Residual { layers, .. } => (LayerKind::Residual { layers: *layers as u16 }, 0, 0),
        };
        LayerInfo { kind, inputs: i, outputs: o, trainable, non_trainable, trains: true, fixed: false }
    }

    /// Trainable slices: dense weight and bias, batch norm's γ and β.
    pub(crate) fn slices(&self) -> usize {
        match self {
            NetLayer::Dropout { .. } | NetLayer::Residual { .. } => 0,
            _ => 2,
        }
    }

    pub(crate) fn slice(&self, k: usize) -> &[f32] {
        match (self, k) {
            (NetLayer::Dense { weight, .. }, 0) => weight,
            (NetLayer::Dense { bias, .. }, 1) => bias,
            (NetLayer::BatchNorm { gamma, .. }, 0) => gamma,
            (NetLayer::BatchNorm { beta, .. }, 1) => beta,
            _ => &[],
        }
    }

    pub(crate) fn slice_mut(&mut self, k: usize) -> &mut [f32] {
        match (self, k) {
            (NetLayer::Dense { weight, .. }, 0) => weight,
            (NetLayer::Dense { bias, .. }, 1) => bias,
            (NetLayer::BatchNorm { gamma, .. }, 0) => gamma,
            (NetLayer::BatchNorm { beta, .. }, 1) => beta,
            _ => &mut [],
        }
    }

    /// Inference on `n` rows of `x` into `y`; `logits`: a dense layer stops before its
    /// activation.
    pub(crate) fn forward(&self, x: &[f32], y: &mut [f32], n: usize, logits: bool) {
        let (i, o) = (self.inputs(), self.outputs());
        match self {
            NetLayer::Dense { weight, bias, activation, .. } => {
                affine_rows(weight, bias, i, o, &x[..n * i], &mut y[..n * o]);
                if !logits {
                    let mut z = vec![0.0f32; o];
                    for yr in y[..n * o].chunks_exact_mut(o) {
                        z.copy_from_slice(yr);
                        activation.apply(&z, yr);
                    }
                }
            }
            NetLayer::BatchNorm { gamma, beta, moving_mean, moving_variance, epsilon, .. } => {
                let inv = moving_inv_std(moving_variance, *epsilon);
                for r in 0..n {
                    for j in 0..o {
                        let xhat = (x[r * o + j] - moving_mean[j]) * inv[j];
                        y[r * o + j] = gamma[j] * xhat + beta[j];
                    }
                }
            }
            NetLayer::Dropout { .. } | NetLayer::Residual { .. } => y[..n * o].copy_from_slice(&x[..n * o]),
        }
    }

    /// Training forward pass over `n` rows of `x` (`b` rows of room in the cache).
    pub(crate) fn forward_train<R: Randomness + ?Sized>(
        &self,
        x: &[f32],
        c: &mut LayerCache,
        n: usize,
        b: usize,
        rng: &mut R,
        mode: Mode,
    ) {
        let (i, o) = (self.inputs(), self.outputs());
        c.size(b, o);
        c.marker = matches!(self, NetLayer::Residual { .. });
        match self {
            NetLayer::Dense { weight, bias, activation, .. } => {
                affine_rows(weight, bias, i, o, &x[..n * i], &mut c.aux[..n * o]);
                for r in 0..n {
                    activation.apply(&c.aux[r * o..(r + 1) * o], &mut c.y[r * o..(r + 1) * o]);
                }
            }
            NetLayer::BatchNorm { gamma, beta, moving_mean, moving_variance, epsilon, .. } => {
                if n == 0 {
                    return;
                }
                match mode {
                    Mode::FrozenStatistics => {
                        c.mean.copy_from_slice(moving_mean);
                        c.inv_std = moving_inv_std(moving_variance, *epsilon);
                    }
                    Mode::Train => {
                        let inv_n = 1.0 / n as f32;
                        let mut mean = vec![0.0f32; o];
                        for r in 0..n {
                            for j in 0..o {
                                mean[j] += x[r * o + j];
                            }
                        }
                        for m in &mut mean {
                            *m *= inv_n;
                        }
                        let mut var = vec![0.0f32; o];
                        for r in 0..n {
                            for j in 0..o {
                                let d = x[r * o + j] - mean[j];
                                var[j] += d * d;
                            }
                        }
                        for v in &mut var {
                            *v *= inv_n;
                        }
                        c.inv_std = var.iter().map(|v| 1.0 / Canonical::sqrt(v + epsilon)).collect();
                        c.mean = mean;
                        c.var = var;
                    }
                }
                c.frozen = mode == Mode::FrozenStatistics;
                for r in 0..n {
                    for j in 0..o {
                        let xhat = (x[r * o + j] - c.mean[j]) * c.inv_std[j];
                        c.aux[r * o + j] = xhat;
                        c.y[r * o + j] = gamma[j] * xhat + beta[j];
                    }
                }
            }
            NetLayer::Dropout { rate, .. } => {
                let scale = 1.0 / (1.0 - rate);
                let key = rng.key();
                let threshold = libm::ceilf(rate * 16_777_216.0) as u32;
                for r in 0..n {
                    for j in 0..o {
                        let e = r * o + j;
                        let keep = (mask_bits(key, e as u32) >> 8) >= threshold;
                        c.aux[e] = scale * f32::from(u8::from(keep));
                        c.y[e] = x[e] * c.aux[e];
                    }
                }
            }
            // The block's output is added when its last layer is done (Net::forward_train).
            NetLayer::Residual { .. } => c.y[..n * o].copy_from_slice(&x[..n * o]),
        }
    }

    /// Backward pass over `n` rows: `c.y` holds `∂L/∂y` (or `∂L/∂z`, see [`GradAt`]); adds
    /// the parameter gradients to `grads` (this layer's slices, in order) and, when `dx` is
    /// given, replaces the input rows `x` there by `∂L/∂x` (`x` and `dx` are one buffer).
    pub(crate) fn backward(
        &self,
        x: &mut [f32],
        want_dx: bool,
        c: &mut LayerCache,
        grads: &mut [Vec<f32>],
        n: usize,
        at: GradAt,
    ) {
        let (i, o) = (self.inputs(), self.outputs());
        match self {
            NetLayer::Dense { weight, activation, .. } => {
                if at == GradAt::Output {
                    for r in 0..n {
                        activation.backprop(&c.aux[r * o..(r + 1) * o], &mut c.y[r * o..(r + 1) * o]);
                    }
                }
                let dz = &c.y;
                if let [gw, gb, ..] = grads {
                    for r in 0..n {
                        let d = &dz[r * o..(r + 1) * o];
                        for (b, d) in gb.iter_mut().zip(d) {
                            *b += d;
                        }
                    }
                    for oo in 0..o {
                        let g = &mut gw[oo * i..(oo + 1) * i];
                        for r in 0..n {
                            Canonical::axpy(g, dz[r * o + oo], &x[r * i..(r + 1) * i]);
                        }
                    }
                }
                if want_dx {
                    let mut dx = vec![0.0f32; i];
                    for r in 0..n {
                        dx.fill(0.0);
                        for oo in 0..o {
                            Canonical::axpy(&mut dx, dz[r * o + oo], &weight[oo * i..(oo + 1) * i]);
                        }
                        x[r * i..(r + 1) * i].copy_from_slice(&dx);
                    }
                }
            }
            NetLayer::BatchNorm { gamma, .. } => {
                if n == 0 {
                    return;
                }
                let mut sdy = vec![0.0f32; o];
                let mut sdyx = vec![0.0f32; o];
                for r in 0..n {
                    for j in 0..o {
                        let (dy, xh) = (c.y[r * o + j], c.aux[r * o + j]);
                        sdy[j] += dy;
                        sdyx[j] += dy * xh;
                    }
                }
                if let [gg, gb, ..] = grads {
                    for j in 0..o {
                        gg[j] += sdyx[j];
                        gb[j] += sdy[j];
                    }
                }
                if !want_dx {
                    return;
                }
                let nf = n as f32;
                let g: Vec<f32> = (0..o).map(|j| gamma[j] * c.inv_std[j]).collect();
                for r in 0..n {
                    for j in 0..o {
                        let (dy, xh) = (c.y[r * o + j], c.aux[r * o + j]);
                        x[r * o + j] = if c.frozen {
                            dy * g[j]
                        } else {
                            g[j] / nf * ((nf * dy - sdy[j]) - xh * sdyx[j])
                        };
                    }
                }
            }
            NetLayer::Dropout { .. } => {
                if want_dx {
                    for ((xe, dy), m) in x[..n * o].iter_mut().zip(&c.y).zip(&c.aux) {
                        *xe = dy * m;
                    }
                }
            }
            // ∂L/∂x = (the inside's ∂L/∂x, in y) + ∂L/∂(x + L(x)), the skip's share (in aux),
            // added in the order the core's `Residual` adds them.
            NetLayer::Residual { .. } => {
                if want_dx {
                    for ((xe, dy), skip) in x[..n * o].iter_mut().zip(&c.y).zip(&c.aux) {
                        *xe = dy + skip;
                    }
                }
            }
        }
    }

    /// Folds a training pass's batch statistics into batch norm's moving ones.
    pub(crate) fn commit(&mut self, c: &LayerCache) {
        if let NetLayer::BatchNorm { moving_mean, moving_variance, momentum, units, .. } = self {
            if c.frozen || c.mean.len() != *units {
                return;
            }
            for j in 0..*units {
                moving_mean[j] = moving_mean[j] * *momentum + c.mean[j] * (1.0 - *momentum);
                moving_variance[j] = moving_variance[j] * *momentum + c.var[j] * (1.0 - *momentum);
            }
        }
    }

    /// `true` when [`NetLayer::commit`] would leave the moving statistics finite.
    pub(crate) fn commit_is_finite(&self, c: &LayerCache) -> bool {
        match self {
            NetLayer::BatchNorm { moving_mean, moving_variance, momentum, units, .. } => {
                c.frozen
                    || c.mean.len() != *units
                    || (0..*units).all(|j| {
                        let m = moving_mean[j] * *momentum + c.mean[j] * (1.0 - *momentum);
                        let v = moving_variance[j] * *momentum + c.var[j] * (1.0 - *momentum);
                        m.is_finite() && v.is_finite()
                    })
            }
            _ => true,
        }
    }

    /// Fresh parameters, as the core's layers draw them.
    pub(crate) fn init<R: tinymlp::rand_core::Rng>(&mut self, init: Option<Init>, rng: &mut R) {
        match self {
            NetLayer::Dense { inputs, units, weight, bias, .. } => {
                if let Some(init) = init {
                    init.fill(weight, Fans { fan_in: *inputs, fan_out: *units }, rng);
                }
                bias.fill(0.0);
            }
            NetLayer::BatchNorm { gamma, beta, moving_mean, moving_variance, .. } => {
                gamma.fill(1.0);
                beta.fill(0.0);
                moving_mean.fill(0.0);
                moving_variance.fill(1.0);
            }
            NetLayer::Dropout { .. } | NetLayer::Residual { .. } => {}
        }
    }
}

/// `z[o] = dot(W[o], x) + b[o]`: the kernel's affine map, row-major weights of `i` columns.
#[inline]
pub(crate) fn affine(weight: &[f32], bias: &[f32], i: usize, x: &[f32], z: &mut [f32]) {
    for ((zo, w), b) in z.iter_mut().zip(weight.chunks_exact(i.max(1))).zip(bias) {
        *zo = dot(w, x) + b;
    }
}

/// [`affine`] of many rows (`x`: rows of `i` values, `z`: rows of `o`).
pub(crate) fn affine_rows(weight: &[f32], bias: &[f32], i: usize, o: usize, x: &[f32], z: &mut [f32]) {
    for (xr, zr) in x.chunks_exact(i.max(1)).zip(z.chunks_exact_mut(o.max(1))) {
        affine(weight, bias, i, xr, zr);
    }
}

fn moving_inv_std(var: &[f32], epsilon: f32) -> Vec<f32> {
    var.iter().map(|v| 1.0 / Canonical::sqrt(v + epsilon)).collect()
}
