//! What every example needs: `use tinymlp::prelude::*;`.
//!
//! The layers, the [`Layer`] trait and its training counterpart, the macros that chain
//! layers, the losses, optimisers, the trainer and the random generator.

pub use crate::layers::{Activation, BatchNorm, Dense, Dropout, Init, Layer, Mode, Normalization, Train};
pub use crate::numeric::{Xoshiro128PlusPlus, Zero};
pub use crate::train::optim::{Adam, Momentum, Optimizer, Sgd};
pub use crate::train::{FitConfig, Loss, Trainer};
pub use crate::{Sequential, sequential};
