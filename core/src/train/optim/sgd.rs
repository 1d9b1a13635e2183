use super::{Optimizer, abs_bound, decayed};
use crate::layers::Train;
use crate::numeric::Params;
use crate::numeric::kernel::Kernel;
use crate::train::StepError;

/// Plain stochastic gradient descent: `p ← p − lr·g`. No state.
///
/// ```
/// use tinymlp::{Activation, Canonical, Dense, Optimizer, Sgd};
/// use tinymlp::layers::DenseGrads;
/// let mut layer = Dense::<1, 1>::from_parts([[1.0]], [0.0], Activation::Linear);
/// let grads = DenseGrads { weight: [[0.5]], bias: [1.0] };
/// Sgd::new(0.1).step::<Canonical>(&mut layer, &grads, f32::INFINITY).unwrap();
/// assert_eq!(layer.weight, [[0.95]]);
/// assert_eq!(layer.bias, [-0.1]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Sgd {
    /// Learning rate.
    pub lr: f32,
    /// L2 weight decay (0 for none).
    pub weight_decay: f32,
}

impl Sgd {
    /// SGD with learning rate `lr` (Keras' default is 0.01).
    pub const fn new(lr: f32) -> Self {
        Self { lr, weight_decay: 0.0 }
    }

    /// The same optimiser with L2 weight decay.
    pub const fn with_weight_decay(mut self, weight_decay: f32) -> Self {
        self.weight_decay = weight_decay;
        self
    }
}

impl<M: Train> Optimizer<M> for Sgd {
    fn step<K: Kernel>(
        &mut self,
        model: &mut M,
        grads: &M::Grads,
        grads_bound: f32,
    ) -> Result<(), StepError> {
        let update = |p: f32, g: f32| p - decayed(g, p, self.weight_decay) * self.lr;
        // |p| ≤ 1e37 and lr·|g| ≤ 1e37 (decay included) keep every new value finite.
        let pmax = abs_bound::<K, _>(&*model);
        let safe = pmax <= 1e37 && self.lr.abs() * (grads_bound + self.weight_decay.abs() * pmax) <= 1e37;
        for s in 0..M::SLICES {
            if safe {
                break;
            }
            let ok = model.slice(s).iter().zip(grads.slice(s)).all(|(&p, &g)| update(p, g).is_finite());
            if !ok {
                return Err(StepError::NonFiniteWeights);
            }
        }
        for s in 0..M::SLICES {
            if self.weight_decay == 0.0 {
                // p − g·lr is p + (−lr)·g, bit for bit: the kernel's axpy.
                K::axpy(model.slice_mut(s), -self.lr, grads.slice(s));
            } else {
                for (p, &g) in model.slice_mut(s).iter_mut().zip(grads.slice(s)) {
                    *p = update(*p, g);
                }
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
    fn reset(&mut self) {}
}
