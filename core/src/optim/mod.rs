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

use crate::{Layer, StepError};

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
    /// The current learning rate.
    fn learning_rate(&self) -> f32;
    /// Sets the learning rate (schedules and callbacks use this).
    fn set_learning_rate(&mut self, lr: f32);
    /// Forgets accumulated state (moments, velocity, step count).
    fn reset(&mut self);
}

/// The largest magnitude over every slice of `p`; infinite when any value is NaN or
/// infinite. Computed on the bit patterns: without the sign bit, a larger pattern is a
/// larger magnitude, and infinities and NaNs have the largest (an integer maximum, which
/// vectorises).
pub(crate) fn max_abs<P: crate::Params>(p: &P) -> f32 {
    let mut m = 0u32;
    for i in 0..P::SLICES {
        for v in p.slice(i) {
            m = m.max(v.to_bits() & 0x7FFF_FFFF);
        }
    }
    if m >= 0x7F80_0000 { f32::INFINITY } else { f32::from_bits(m) }
}

/// The gradient with L2 weight decay applied.
#[inline(always)]
pub(crate) fn decayed(g: f32, p: f32, weight_decay: f32) -> f32 {
    if weight_decay == 0.0 { g } else { g + weight_decay * p }
}
