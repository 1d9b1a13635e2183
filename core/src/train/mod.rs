//! Training: the [`Trainer`] of one step, the [`Loss`] it minimises, the optimisers, the
//! callbacks and the [`Trainer::fit`] loop over epochs.

pub mod callbacks;
mod fit;
mod guard;
mod loss;
pub mod optim;
mod step_error;
mod trainer;

pub use fit::{FitConfig, FitData, FitError, FitReport, Labelled, validation_split_index};
pub use guard::LossGuard;
pub use loss::{EPSILON, Loss};
pub use step_error::StepError;
pub use trainer::{Observer, Trainer};
