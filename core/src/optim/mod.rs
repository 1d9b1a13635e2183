//! Optimisers: state sized at compile time, one flat loop per parameter slice.
//!
//! Each optimiser applies the same update rule, in the same order of operations, as Keras 3
//! (`keras/src/optimizers/sgd.py` and `adam.py`), so its steps can be compared with Keras'.

mod adam;
mod momentum;
mod sgd;

pub use adam::Adam;
pub use momentum::Momentum;
pub use sgd::Sgd;

use crate::kernel::Kernel;
use crate::{Layer, Params, StepError};

/// Updates a model from its gradients.
///
/// `weight_decay` is classic L2 regularisation: `weight_decay · p` is added to each
/// gradient before the update (on every trainable parameter, biases included).
pub trait Optimizer<M: Layer> {
    /// One update of every trainable parameter from `grads` (which must be averaged over
    /// the batch already, as [`Loss::batch`](crate::Loss::batch) makes them).
    ///
    /// The update is computed twice: once to check that every new value (parameters and
    /// optimiser state) is finite, then to apply it. If any would be NaN or infinite,
    /// nothing changes and [`StepError::NonFiniteWeights`] is returned.
    fn step(&mut self, model: &mut M, grads: &M::Grads) -> Result<(), StepError>;
    /// [`Optimizer::step`] with `kernel` for its loops, given `grads_bound`, an upper bound
    /// of every gradient's magnitude that the caller computed ([`abs_bound_with`]; NaN or
    /// `+∞` when it could not bound them). The same result as [`Optimizer::step`]: by
    /// default it is `step`.
    fn step_with<K: Kernel>(
        &mut self,
        kernel: &K,
        model: &mut M,
        grads: &M::Grads,
        grads_bound: f32,
    ) -> Result<(), StepError> {
        let _ = (kernel, grads_bound);
        self.step(model, grads)
    }
    /// The current learning rate.
    fn learning_rate(&self) -> f32;
    /// Sets the learning rate (schedules and callbacks use this).
    fn set_learning_rate(&mut self, lr: f32);
    /// Forgets accumulated state (moments, velocity, step count).
    fn reset(&mut self);
}

/// The largest `|value|` of `p` ([`Params::abs_bound`](crate::Params::abs_bound)), `+∞`
/// when any value is NaN or infinite. The optimisers' overflow checks need a bound only
/// (compared with `<=`, which a NaN from a kernel's bound fails too); when it is too large
/// for them, they check every new value exactly.
#[inline]
pub(crate) fn abs_bound<P: crate::Params>(p: &P) -> f32 {
    p.abs_bound()
}

/// The largest of `kernel`'s bounds ([`Kernel::abs_bound`]) over the slices of `p`: an upper
/// bound of every `|value|`, NaN or `+∞` when some value is (or when the kernel's bound
/// overflowed).
pub fn abs_bound_with<P: Params, K: Kernel>(kernel: &K, p: &P) -> f32 {
    let mut m = 0.0f32;
    for i in 0..P::SLICES {
        let b = kernel.abs_bound(p.slice(i));
        if b.is_nan() || b > m {
            m = b;
        }
        if m.is_nan() {
            break;
        }
    }
    m
}

/// The gradient with L2 weight decay applied.
#[inline(always)]
pub(crate) fn decayed(g: f32, p: f32, weight_decay: f32) -> f32 {
    if weight_decay == 0.0 { g } else { g + weight_decay * p }
}
