use super::{Optimizer, abs_bound, decayed};
use crate::layers::Train;
use crate::numeric::kernel::Kernel;
use crate::numeric::{Params, Zero};
use crate::train::StepError;

/// SGD with momentum, optionally Nesterov, in Keras 3's form:
/// `v ← momentum·v − lr·g`, then `p ← p + v`, or with Nesterov `p ← p + momentum·v − lr·g`.
///
/// The velocity has the model's gradient shape and is sized at compile time.
#[derive(Clone, Debug)]
pub struct Momentum<M: Train> {
    /// Learning rate.
    pub lr: f32,
    /// Momentum coefficient (commonly 0.9).
    pub momentum: f32,
    /// Nesterov's look-ahead variant.
    pub nesterov: bool,
    /// L2 weight decay (0 for none).
    pub weight_decay: f32,
    velocity: M::Grads,
}

impl<M: Train> Momentum<M> {
    /// Momentum SGD; `const`, so its state can be a `static`.
    pub const fn new(lr: f32, momentum: f32) -> Self {
        Self { lr, momentum, nesterov: false, weight_decay: 0.0, velocity: M::Grads::ZERO }
    }

    /// The same optimiser with Nesterov momentum.
    pub const fn nesterov(mut self) -> Self {
        self.nesterov = true;
        self
    }

    /// The same optimiser with L2 weight decay.
    pub const fn with_weight_decay(mut self, weight_decay: f32) -> Self {
        self.weight_decay = weight_decay;
        self
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
        let (lr, momentum, nesterov, wd) = (self.lr, self.momentum, self.nesterov, self.weight_decay);
        // (p, g, v) → (p', v')
        let update = |p: f32, g: f32, v: f32| {
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
            && lr.abs() * (grads_bound + wd.abs() * pmax) <= 1e37
            && momentum.abs() <= 1.0;
        for s in 0..M::SLICES {
            if safe {
                break;
            }
            let vs = self.velocity.slice(s);
            let ok = model.slice(s).iter().zip(grads.slice(s)).zip(vs).all(|((&p, &g), &v)| {
                let (p, v) = update(p, g, v);
                p.is_finite() && v.is_finite()
            });
            if !ok {
                return Err(StepError::NonFiniteWeights);
            }
        }
        for s in 0..M::SLICES {
            let vs = self.velocity.slice_mut(s);
            for ((p, &g), v) in model.slice_mut(s).iter_mut().zip(grads.slice(s)).zip(vs) {
                (*p, *v) = update(*p, g, *v);
            }
        }
        Ok(())
    }
    fn learning_rate(&self) -> f32 {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: f32) {
        self.lr = lr;
    }
    fn reset(&mut self) {
        self.velocity.fill_zero();
    }
}
