use super::{Optimizer, abs_bound, decay_of, decayed};
use crate::layers::Train;
use crate::numeric::Params;
use crate::numeric::kernel::Kernel;
use crate::train::StepError;

/// Plain SGD's settings, with Keras' defaults through [`Default`] (learning rate 0.01, no
/// weight decay).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdConfig {
    /// Learning rate.
    pub lr: f32,
    /// L2 weight decay (0 for none): `weight_decay · p` is added to each gradient.
    pub weight_decay: f32,
    /// Whether the decay reaches biases and BatchNorm's parameters too (`false`: only the
    /// dense layers' weight matrices, like Keras' `kernel_regularizer`).
    pub decay_biases: bool,
}

impl SgdConfig {
    /// Keras' defaults.
    pub const KERAS: Self = Self { lr: 0.01, weight_decay: 0.0, decay_biases: true };
}

impl Default for SgdConfig {
    fn default() -> Self {
        Self::KERAS
    }
}

/// Plain stochastic gradient descent: `p ← p − lr·g`. It has no state: it is its
/// configuration.
///
/// ```
/// use tinymlp::layers::DenseGrads;
/// use tinymlp::{Activation, Canonical, Dense, Optimizer, Sgd};
/// let mut layer = Dense::<1, 1>::from_parts([[1.0]], [0.0], Activation::Linear);
/// let grads = DenseGrads { weight: [[0.5]], bias: [1.0] };
/// Sgd::new(0.1).step::<Canonical>(&mut layer, &grads, f32::INFINITY).unwrap();
/// assert_eq!(layer.weight, [[0.95]]);
/// assert_eq!(layer.bias, [-0.1]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Sgd {
    /// The settings.
    pub config: SgdConfig,
}

impl Sgd {
    /// SGD with learning rate `lr` and the other settings at their defaults.
    pub const fn new(lr: f32) -> Self {
        Self { config: SgdConfig { lr, ..SgdConfig::KERAS } }
    }
}

impl From<SgdConfig> for Sgd {
    fn from(config: SgdConfig) -> Self {
        Self { config }
    }
}

impl<M: Train> Optimizer<M> for Sgd {
    fn step<K: Kernel>(
        &mut self,
        model: &mut M,
        grads: &M::Grads,
        grads_bound: f32,
    ) -> Result<(), StepError> {
        let SgdConfig { lr, weight_decay, decay_biases } = self.config;
        let decay = |s: usize| decay_of(grads, s, weight_decay, decay_biases);
        let update = |p: f32, g: f32, wd: f32| p - decayed(g, p, wd) * lr;
        // |p| ≤ 1e37 and lr·|g| ≤ 1e37 (decay included) keep every new value finite.
        let pmax = abs_bound::<K, _>(&*model);
        let safe = pmax <= 1e37 && lr.abs() * (grads_bound + weight_decay.abs() * pmax) <= 1e37;
        for s in 0..M::SLICES {
            if safe {
                break;
            }
            let wd = decay(s);
            let ok = model.slice(s).iter().zip(grads.slice(s)).all(|(&p, &g)| update(p, g, wd).is_finite());
            if !ok {
                return Err(StepError::NonFiniteWeights);
            }
        }
        if weight_decay == 0.0 {
            // p − g·lr is p + (−lr)·g, bit for bit: the kernel's axpy.
            for s in 0..M::SLICES {
                K::axpy(model.slice_mut(s), -lr, grads.slice(s));
            }
            return Ok(());
        }
        for s in 0..M::SLICES {
            let wd = decay(s);
            for (p, &g) in model.slice_mut(s).iter_mut().zip(grads.slice(s)) {
                *p = update(*p, g, wd);
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
    fn reset(&mut self) {}
}
