//! Memory known at compile time.

use crate::layers::Train;
use crate::train::optim::{Adam, Momentum, Sgd};
use core::mem::size_of;

/// The bytes a model and its training state occupy, as compile-time constants (available
/// for every [`Train`] model; a firmware can check them with `const` assertions and log them).
///
/// ```
/// use tinymlp::{Dense, Footprint, Sequential};
/// type Seed = Sequential![Dense<2, 64>, Dense<64, 32>, Dense<32, 16>, Dense<16, 1>];
/// assert_eq!(Seed::PARAMETER_BYTES, 2817 * 4);
/// assert_eq!(Seed::GRADS_BYTES, 2817 * 4);
/// assert_eq!(Seed::ADAM_BYTES, 2 * 2817 * 4 + 28); // two moments, the step count and the settings
/// assert_eq!(Seed::ACTIVATION_BYTES, 64 * 4);
/// ```
pub trait Footprint: Train + Sized {
    /// All stored parameters (trainable and moving statistics), as f32.
    const PARAMETER_BYTES: usize = (Self::TRAINABLE + Self::NON_TRAINABLE) * 4;
    /// The model value itself (parameters plus per-layer settings).
    const MODEL_BYTES: usize = size_of::<Self>();
    /// One set of gradients.
    const GRADS_BYTES: usize = size_of::<Self::Grads>();
    /// Plain SGD's state (none but its settings).
    const SGD_BYTES: usize = size_of::<Sgd>();
    /// Momentum SGD's state (velocity and settings).
    const MOMENTUM_BYTES: usize = size_of::<Momentum<Self>>();
    /// Adam's state (two moments and settings).
    const ADAM_BYTES: usize = size_of::<Adam<Self>>();
    /// The largest activation vector of one row (inference needs a few of these).
    const ACTIVATION_BYTES: usize = Self::MAX_WIDTH * 4;

    /// The training caches for batches of up to `B` rows.
    fn cache_bytes<const B: usize>() -> usize {
        size_of::<Self::Cache<B>>()
    }
}

impl<M: Train> Footprint for M {}
