use super::{Optimizer, abs_bound, decay_of, decayed};
use crate::layers::Train;
use crate::numeric::kernel::Kernel;
use crate::numeric::{Params, Zero};
use crate::train::StepError;

/// Momentum SGD's settings. [`Default`] gives learning rate 0.01 (Keras' SGD default) and
/// momentum 0.9, the usual choice (Keras' SGD defaults to 0, which is plain [`Sgd`](super::Sgd)).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MomentumConfig {
    /// Learning rate.
    pub lr: f32,
    /// Momentum coefficient.
    pub momentum: f32,
    /// Nesterov's look-ahead variant.
    pub nesterov: bool,
    /// L2 weight decay (0 for none).
    pub weight_decay: f32,
    /// Whether the decay reaches biases and BatchNorm's parameters too (see
    /// [`SgdConfig::decay_biases`](super::SgdConfig::decay_biases)).
    pub decay_biases: bool,
}

impl MomentumConfig {
    /// The defaults.
    pub const DEFAULT: Self =
        Self { lr: 0.01, momentum: 0.9, nesterov: false, weight_decay: 0.0, decay_biases: true };
}

impl Default for MomentumConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// SGD with momentum, optionally Nesterov, in Keras 3's form:
/// `v ← momentum·v − lr·g`, then `p ← p + v`, or with Nesterov `p ← p + momentum·v − lr·g`.
///
/// The configuration, and the velocity: shaped like the model's gradients and sized at
/// compile time.
///
/// ```
/// use tinymlp::train::optim::MomentumConfig;
/// use tinymlp::{Dense, Momentum};
/// let opt = Momentum::<Dense<2, 1>>::from_config(MomentumConfig { nesterov: true, ..Default::default() });
/// assert_eq!(opt.config.momentum, 0.9);
/// ```
#[derive(Clone, Debug)]
pub struct Momentum<M: Train> {
    /// The settings.
    pub config: MomentumConfig,
    velocity: M::Grads,
}

impl<M: Train> Momentum<M> {
    /// Momentum SGD with learning rate `lr` and momentum `momentum`; `const`, so its state can
    /// be a `static`.
    pub const fn new(lr: f32, momentum: f32) -> Self {
        Self::from_config(MomentumConfig { lr, momentum, ..MomentumConfig::DEFAULT })
    }

    /// Momentum SGD with these settings.
    pub const fn from_config(config: MomentumConfig) -> Self {
        Self { config, velocity: M::Grads::ZERO }
    }

    /// The velocity, shaped like the gradients.
    pub fn velocity(&self) -> &M::Grads {
        &self.velocity
    }
}

impl<M: Train> Optimizer<M> for Momentum<M> {
    fn step<K: Kernel>(
        &mut self,
        model: &mut M,
        grads: &M::Grads,
        grads_bound: f32,
    ) -> Result<(), StepError> {
        self.velocity.shape_like(grads);
        let MomentumConfig { lr, momentum, nesterov, weight_decay, decay_biases } = self.config;
        let decay = |s: usize| decay_of(grads, s, weight_decay, decay_biases);
        // (p, g, v) → (p', v')
        let update = |p: f32, g: f32, v: f32, wd: f32| {
            let g = decayed(g, p, wd);
            let v = -g * lr + v * momentum;
            let p = if nesterov { p + (-g * lr + v * momentum) } else { p + v };
            (p, v)
        };
        // |p|, |v| ≤ 1e37, lr·|g| ≤ 1e37 (decay included) and |momentum| ≤ 1 keep every
        // new value finite.
        let pmax = abs_bound::<K, _>(&*model);
        let safe = pmax <= 1e37
            && abs_bound::<K, _>(&self.velocity) <= 1e37
            && lr.abs() * (grads_bound + weight_decay.abs() * pmax) <= 1e37
            && momentum.abs() <= 1.0;
        for s in 0..M::SLICES {
            if safe {
                break;
            }
            let (vs, wd) = (self.velocity.slice(s), decay(s));
            let ok = model.slice(s).iter().zip(grads.slice(s)).zip(vs).all(|((&p, &g), &v)| {
                let (p, v) = update(p, g, v, wd);
                p.is_finite() && v.is_finite()
            });
            if !ok {
                return Err(StepError::NonFiniteWeights);
            }
        }
        for s in 0..M::SLICES {
            let wd = decay(s);
            let vs = self.velocity.slice_mut(s);
            for ((p, &g), v) in model.slice_mut(s).iter_mut().zip(grads.slice(s)).zip(vs) {
                (*p, *v) = update(*p, g, *v, wd);
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
        self.velocity.fill_zero();
    }
}
