//! Optimisers: state sized at compile time, one flat loop per parameter slice.
//!
//! Each optimiser applies the same update rule, in the same order of operations, as Keras 3
//! (`keras/src/optimizers/sgd.py` and `adam.py`), so its steps can be compared with Keras'.

mod adam;
mod momentum;
mod sgd;

pub use adam::{Adam, AdamConfig};
pub use momentum::{Momentum, MomentumConfig};
pub use sgd::{Sgd, SgdConfig};

use crate::layers::Train;
use crate::numeric::Params;
use crate::numeric::kernel::Kernel;
use crate::train::StepError;

/// Updates a model from its gradients.
///
/// `weight_decay` is classic L2 regularisation: `weight_decay · p` is added to each
/// gradient before the update (on every trainable parameter, biases included unless the
/// optimiser's configuration leaves them alone).
pub trait Optimizer<M: Train> {
    /// One update of every trainable parameter from `grads` (which must be averaged over
    /// the batch already, as the [`Trainer`](crate::Trainer) makes them), with `K` for its
    /// loops. `grads_bound` is an upper bound of every gradient's magnitude
    /// ([`abs_bound`]); `f32::INFINITY` is always valid (each new value is then checked
    /// one by one, which is slower, never different).
    ///
    /// If any new value (parameters and optimiser state) would be NaN or infinite, nothing
    /// changes and [`StepError::NonFiniteWeights`] is returned.
    fn step<K: Kernel>(&mut self, model: &mut M, grads: &M::Grads, grads_bound: f32)
    -> Result<(), StepError>;
    /// The current learning rate.
    fn learning_rate(&self) -> f32;
    /// Sets the learning rate (schedules and callbacks use this).
    fn set_learning_rate(&mut self, lr: f32);
    /// Forgets accumulated state (moments, velocity, step count).
    fn reset(&mut self);
}

/// The largest of `K`'s bounds ([`Kernel::abs_bound`]) over the slices of `p`: an upper
/// bound of every `|value|`, NaN or `+∞` when some value is (or when the kernel's bound
/// overflowed).
pub fn abs_bound<K: Kernel, P: Params>(p: &P) -> f32 {
    let mut m = 0.0f32;
    for i in 0..P::SLICES {
        let b = K::abs_bound(p.slice(i));
        if b.is_nan() || b > m {
            m = b;
        }
        if m.is_nan() {
            break;
        }
    }
    m
}

/// The L2 weight decay of slice `s` of `grads`: `weight_decay`, or 0 for a bias or a
/// BatchNorm parameter when the decay leaves them alone (`decay_biases` false).
#[inline]
pub(crate) fn decay_of<P: Params>(grads: &P, s: usize, weight_decay: f32, decay_biases: bool) -> f32 {
    if decay_biases || grads.is_weight(s) { weight_decay } else { 0.0 }
}

/// The gradient with L2 weight decay applied.
#[inline(always)]
pub(crate) fn decayed(g: f32, p: f32, weight_decay: f32) -> f32 {
    if weight_decay == 0.0 { g } else { g + weight_decay * p }
}
