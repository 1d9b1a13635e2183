use super::{Optimizer, abs_bound, decay_of, decayed};
use crate::layers::Train;
use crate::numeric::kernel::Kernel;
use crate::numeric::math::powf;
use crate::numeric::{Params, Zero};
use crate::train::StepError;

/// Adam with bias correction, in Keras 3's form and with Keras' defaults
/// (`beta1 = 0.9`, `beta2 = 0.999`, `epsilon = 1e-7`):
///
/// ```text
/// t ← t + 1
/// α ← lr · √(1 − β₂ᵗ) / (1 − β₁ᵗ)
/// m ← m + (g − m)·(1 − β₁)
/// v ← v + (g² − v)·(1 − β₂)
/// p ← p − (m·α) / (√v + ε)
/// ```
///
/// The configuration ([`AdamConfig`]), the step count and the moments, which have the
/// model's gradient shape and are sized at compile time; `const fn new` lets them live in a
/// `static`.
///
/// ```
/// use tinymlp::{Activation, Adam, Canonical, Dense, Optimizer};
/// use tinymlp::layers::DenseGrads;
/// let mut layer = Dense::<1, 1>::from_parts([[1.0]], [0.0], Activation::Linear);
/// let grads = DenseGrads { weight: [[0.5]], bias: [-2.0] };
/// let mut adam = Adam::<Dense<1, 1>>::new(0.001);
/// adam.step::<Canonical>(&mut layer, &grads, f32::INFINITY).unwrap();
/// // Adam's first step moves each parameter by about lr against its gradient's sign.
/// assert!((layer.weight[0][0] - 0.999).abs() < 1e-6);
/// assert!((layer.bias[0] - 0.001).abs() < 1e-6);
/// ```
#[derive(Clone, Debug)]
pub struct Adam<M: Train> {
    /// The settings.
    pub config: AdamConfig,
    t: u32,
    m: M::Grads,
    v: M::Grads,
}

/// Adam's settings, with Keras' defaults through [`Default`]: learning rate 0.001,
/// `beta1 = 0.9`, `beta2 = 0.999`, `epsilon = 1e-7`, no weight decay.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamConfig {
    /// Learning rate.
    pub lr: f32,
    /// Decay of the first moment.
    pub beta1: f32,
    /// Decay of the second moment.
    pub beta2: f32,
    /// Added to `√v`.
    pub epsilon: f32,
    /// L2 weight decay (0 for none).
    pub weight_decay: f32,
    /// Whether the decay reaches biases and BatchNorm's parameters too (see
    /// [`SgdConfig::decay_biases`](super::SgdConfig::decay_biases)).
    pub decay_biases: bool,
}

impl AdamConfig {
    /// Keras' defaults.
    pub const KERAS: Self =
        Self { lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weight_decay: 0.0, decay_biases: true };
}

impl Default for AdamConfig {
    fn default() -> Self {
        Self::KERAS
    }
}

impl<M: Train> Adam<M> {
    /// Adam with Keras' defaults and learning rate `lr`.
    pub const fn new(lr: f32) -> Self {
        Self::from_config(AdamConfig { lr, ..AdamConfig::KERAS })
    }

    /// Adam with these settings; `const`, so its moments can be a `static`.
    pub const fn from_config(config: AdamConfig) -> Self {
        Self { config, t: 0, m: M::Grads::ZERO, v: M::Grads::ZERO }
    }

    /// Steps taken so far.
    pub fn iterations(&self) -> u32 {
        self.t
    }

    /// First and second moments, shaped like the gradients.
    pub fn moments(&self) -> (&M::Grads, &M::Grads) {
        (&self.m, &self.v)
    }
}

impl<M: Train> Optimizer<M> for Adam<M> {
    fn step<K: Kernel>(
        &mut self,
        model: &mut M,
        grads: &M::Grads,
        grads_bound: f32,
    ) -> Result<(), StepError> {
        self.m.shape_like(grads);
        self.v.shape_like(grads);
        let sqrt = |x: f32| K::sqrt(x);
        let AdamConfig { lr, beta1, beta2, epsilon: eps, weight_decay, decay_biases } = self.config;
        let decay = |s: usize| decay_of(grads, s, weight_decay, decay_biases);
        let t = self.t.saturating_add(1) as f32;
        let alpha = lr * sqrt(1.0 - powf(beta2, t)) / (1.0 - powf(beta1, t));
        let (one_m_b1, one_m_b2) = (1.0 - beta1, 1.0 - beta2);
        // (p, g, m, v) → (p', m', v')
        let update = |p: f32, g: f32, m: f32, v: f32, wd: f32| {
            let g = decayed(g, p, wd);
            let m = m + (g - m) * one_m_b1;
            let v = v + (g * g - v) * one_m_b2;
            (p - (m * alpha) / (sqrt(v) + eps), m, v)
        };
        // Cheap bounds first: with |g| (decay included) and |m| ≤ 1e18, v ≤ 1e37, |p| ≤ 1e37
        // and α ≤ 1e10, every new value is finite (m′ and v′ are convex combinations, the
        // step is at most 1e18·α/ε = 1e35). Only otherwise is each update computed twice.
        let pmax = abs_bound::<K, _>(&*model);
        let gmax = grads_bound + weight_decay.abs() * pmax;
        let safe = gmax <= 1e18
            && abs_bound::<K, _>(&self.m) <= 1e18
            && abs_bound::<K, _>(&self.v) <= 1e37
            && pmax <= 1e37
            && alpha.abs() <= 1e10
            && eps > 0.0
            && (0.0..=1.0).contains(&one_m_b1)
            && (0.0..=1.0).contains(&one_m_b2);
        for s in 0..M::SLICES {
            if safe {
                break;
            }
            let (ps, gs, ms, vs) = (model.slice(s), grads.slice(s), self.m.slice(s), self.v.slice(s));
            let wd = decay(s);
            let ok = ps.iter().zip(gs).zip(ms).zip(vs).all(|(((&p, &g), &m), &v)| {
                let (p, m, v) = update(p, g, m, v, wd);
                p.is_finite() && m.is_finite() && v.is_finite()
            });
            if !ok {
                return Err(StepError::NonFiniteWeights);
            }
        }
        self.t = self.t.saturating_add(1);
        for s in 0..M::SLICES {
            let wd = decay(s);
            let (ms, vs) = (self.m.slice_mut(s), self.v.slice_mut(s));
            let ps = model.slice_mut(s);
            for (((p, &g), m), v) in ps.iter_mut().zip(grads.slice(s)).zip(ms).zip(vs) {
                (*p, *m, *v) = update(*p, g, *m, *v, wd);
            }
        }
        Ok(())
    }
    fn learning_rate(&self) -> f32 {
        self.config.lr
    }
    fn set_learning_rate(&mut self, lr: f32) {
        self.config.lr = lr;
    }
    fn reset(&mut self) {
        self.t = 0;
        self.m.fill_zero();
        self.v.fill_zero();
    }
}
