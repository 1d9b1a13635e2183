//! Why a training step was refused.

use core::fmt;

/// Why a training step did not update the model. The weights are left as they were.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum StepError {
    /// The batch has no rows, or features and targets differ in number.
    BadBatch {
        /// Feature rows given.
        inputs: usize,
        /// Target rows given.
        targets: usize,
    },
    /// The loss is NaN or infinite (bad data, or divergence).
    NonFiniteLoss,
    /// A gradient is NaN or infinite.
    NonFiniteGradient,
    /// The optimiser's update would make a parameter (or its state) NaN or infinite.
    NonFiniteWeights,
    /// Folding the batch's statistics into BatchNorm's moving mean or variance would make
    /// one NaN or infinite (a diverging network whose loss may still look finite).
    NonFiniteStatistics,
    /// The step made the loss of its own rows explode ([`crate::LossGuard`]) and was taken
    /// back: the model is as it was before.
    LossExploded {
        /// The loss the step was computed on.
        before: f32,
        /// The loss of the same rows after the step.
        after: f32,
    },
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepError::BadBatch { inputs, targets } => {
                write!(f, "bad batch: {inputs} input rows and {targets} target rows")
            }
            StepError::NonFiniteLoss => f.write_str(
                "the loss is not finite (NaN or infinite): the inputs contain NaN/Inf or training diverged",
            ),
            StepError::NonFiniteGradient => f.write_str(
                "a gradient is not finite (NaN or infinite): the inputs contain NaN/Inf or training diverged",
            ),
            StepError::NonFiniteWeights => f.write_str(
                "the update would make a weight non-finite: training diverged (lower the learning rate)",
            ),
            StepError::NonFiniteStatistics => f.write_str(
                "the batch statistics would make a BatchNorm moving mean or variance non-finite: \
                 training diverged (lower the learning rate)",
            ),
            StepError::LossExploded { before, after } => write!(
                f,
                "the step raised its rows' loss from {before} to {after} and was taken back: \
                 the learning rate is too high or a target is wrong"
            ),
        }
    }
}

impl core::error::Error for StepError {}
