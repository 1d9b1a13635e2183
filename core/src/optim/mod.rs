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

/// An upper bound of every `|value|` of `p` ([`Params::abs_bound`](crate::Params::abs_bound)):
/// NaN or infinite when any value is. The optimisers' overflow checks need a bound only
/// (compared with `<=`, which a NaN fails); when it is too large for them, they check every
/// new value exactly.
#[inline]
pub(crate) fn abs_bound<P: crate::Params>(p: &P) -> f32 {
    p.abs_bound()
}

/// The gradient with L2 weight decay applied.
#[inline(always)]
pub(crate) fn decayed(g: f32, p: f32, weight_decay: f32) -> f32 {
    if weight_decay == 0.0 { g } else { g + weight_decay * p }
}
