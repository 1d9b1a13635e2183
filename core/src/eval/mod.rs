//! Evaluation: metrics (accuracy, AUC) and the loop that scores a model on labelled rows.

pub(crate) mod evaluate;
pub mod metrics;

pub use evaluate::{Evaluation, evaluate, predict};
