//! The training loop: epochs of shuffled mini-batches, validation, callbacks.

use crate::eval::metrics::{Accuracy, AucApprox};
use crate::eval::{evaluate, evaluate::observe};
use crate::layers::{Layer, Train};
use crate::numeric::Signal;
use crate::numeric::kernel::Kernel;
use crate::numeric::random::shuffle_pair;
use crate::train::callbacks::{Callback, Control, EpochLogs};
use crate::train::optim::Optimizer;
use crate::train::{Loss, StepError, Trainer};
use core::fmt;
use rand_core::Rng;

/// Labelled rows of a model: features and targets.
pub type Labelled<'a, M> = (&'a [<M as Layer>::Input], &'a [<M as Layer>::Output]);

/// The rows [`Trainer::fit`] learns from: training rows (shuffled in place between epochs)
/// and optional validation rows.
#[derive(Debug)]
pub struct FitData<'a, M: Layer> {
    /// Training features.
    pub x: &'a mut [M::Input],
    /// Training targets, one per feature row.
    pub t: &'a mut [M::Output],
    /// Validation rows, scored after every epoch.
    pub validation: Option<Labelled<'a, M>>,
}

impl<'a, M: Layer> FitData<'a, M> {
    /// Training rows without validation.
    pub fn new(x: &'a mut [M::Input], t: &'a mut [M::Output]) -> Self {
        Self { x, t, validation: None }
    }

    /// The same rows with validation rows.
    pub fn with_validation(mut self, x: &'a [M::Input], t: &'a [M::Output]) -> Self {
        self.validation = Some((x, t));
        self
    }
}

/// How to fit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FitConfig {
    /// Epochs at most (callbacks may stop earlier).
    pub epochs: u32,
    /// Rows per optimisation step (the last batch of an epoch may be smaller).
    pub batch_size: usize,
    /// Shuffle the training rows before each epoch.
    pub shuffle: bool,
}

impl FitConfig {
    /// `epochs` epochs of batches of `batch_size`, shuffled.
    pub const fn new(epochs: u32, batch_size: usize) -> Self {
        Self { epochs, batch_size, shuffle: true }
    }
}

/// How training ended.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FitReport {
    /// Epochs completed.
    pub epochs_run: u32,
    /// Whether a callback stopped training.
    pub stopped_early: bool,
    /// The logs of the last epoch.
    pub last: Option<EpochLogs>,
}

/// Why training stopped with an error. The model keeps its last finite weights (callbacks
/// such as [`EarlyStopping`](crate::train::callbacks::EarlyStopping) still restore their best weights).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum FitError {
    /// A step failed: non-finite loss or gradient (bad data or divergence).
    Step {
        /// Epoch (from 0).
        epoch: u32,
        /// Batch within the epoch (from 0).
        batch: usize,
        /// What went wrong.
        error: StepError,
    },
    /// The optimiser's update would have made a parameter non-finite; it was not applied.
    NonFiniteWeights {
        /// Epoch (from 0).
        epoch: u32,
        /// Batch within the epoch (from 0).
        batch: usize,
    },
    /// No training rows, mismatched features and targets, or a batch size of 0.
    BadData {
        /// Feature rows.
        inputs: usize,
        /// Target rows.
        targets: usize,
    },
}

impl fmt::Display for FitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FitError::Step { epoch, batch, error } => {
                write!(f, "training stopped at epoch {}, batch {}: {error}", epoch + 1, batch + 1)
            }
            FitError::NonFiniteWeights { epoch, batch } => write!(
                f,
                "training stopped at epoch {}, batch {}: the update would make weights non-finite \
                 (diverging; lower the learning rate)",
                epoch + 1,
                batch + 1
            ),
            FitError::BadData { inputs, targets } => {
                write!(f, "cannot fit {inputs} feature rows to {targets} target rows")
            }
        }
    }
}

impl core::error::Error for FitError {}

/// The index where Keras' `validation_split` cuts `n` rows: the last `split` fraction is
/// for validation, taken before any shuffling (`ceil(n·(1 − split))` training rows).
///
/// ```
/// assert_eq!(tinymlp::train::validation_split_index(1600, 0.2), 1280);
/// ```
pub fn validation_split_index(n: usize, split: f64) -> usize {
    let keep = libm::ceil(n as f64 * (1.0 - split));
    (keep.max(0.0) as usize).min(n)
}

impl<M: Train, const B: usize, K: Kernel> Trainer<M, B, K> {
    /// Trains `model` like Keras' `fit`: for each epoch, shuffle the training rows (in
    /// place, with `rng`), step through mini-batches of `config.batch_size`, evaluate on the
    /// validation rows, and hand the epoch's logs to `callbacks`, which may stop training or
    /// change the learning rate.
    ///
    /// A non-finite loss, gradient or update stops training with an error naming the epoch
    /// and batch; the offending update is never applied.
    pub fn fit<O: Optimizer<M>, R: Rng + ?Sized, C: Callback<M>>(
        &mut self,
        model: &mut M,
        opt: &mut O,
        data: FitData<'_, M>,
        config: &FitConfig,
        rng: &mut R,
        callbacks: &mut C,
    ) -> Result<FitReport, FitError> {
        if data.x.is_empty() || data.x.len() != data.t.len() || config.batch_size == 0 {
            return Err(FitError::BadData { inputs: data.x.len(), targets: data.t.len() });
        }
        callbacks.on_train_begin(model);
        let result = self.epochs(model, opt, data, config, rng, callbacks);
        callbacks.on_train_end(model);
        result
    }

    fn epochs<O: Optimizer<M>, R: Rng + ?Sized, C: Callback<M>>(
        &mut self,
        model: &mut M,
        opt: &mut O,
        data: FitData<'_, M>,
        config: &FitConfig,
        rng: &mut R,
        callbacks: &mut C,
    ) -> Result<FitReport, FitError> {
        let FitData { x, t, validation } = data;
        let loss_fn = self.loss;
        let binary =
            loss_fn == Loss::BinaryCrossEntropy && t.first().is_some_and(|r| r.as_slice().len() == 1);
        let mut report = FitReport { epochs_run: 0, stopped_early: false, last: None };
        for epoch in 0..config.epochs {
            if config.shuffle {
                shuffle_pair(x, t, rng);
            }
            let mut acc = Accuracy::new();
            let mut auc = AucApprox::new();
            let mut total = 0.0f32;
            let learning_rate = opt.learning_rate();
            for (batch, (xb, tb)) in x.chunks(config.batch_size).zip(t.chunks(config.batch_size)).enumerate()
            {
                let mut seen = |y: &[M::Output], t: &[M::Output]| {
                    for (yi, ti) in y.iter().zip(t) {
                        observe(loss_fn, &mut acc, &mut auc, binary, yi.as_slice(), ti.as_slice());
                    }
                };
                let mean = self.step_observed(model, opt, xb, tb, rng, &mut seen).map_err(|e| match e {
                    StepError::NonFiniteWeights => FitError::NonFiniteWeights { epoch, batch },
                    error => FitError::Step { epoch, batch, error },
                })?;
                total += mean * xb.len() as f32;
            }
            let logs = EpochLogs {
                epoch,
                loss: total / x.len() as f32,
                accuracy: if loss_fn == Loss::MeanSquaredError { None } else { acc.result() },
                auc: if binary { auc.result() } else { None },
                val: validation.and_then(|(vx, vt)| evaluate(model, vx, vt, loss_fn)),
                learning_rate,
            };
            let mut control = Control { stop: false, learning_rate };
            callbacks.on_epoch_end(model, &logs, &mut control);
            if control.learning_rate != learning_rate {
                opt.set_learning_rate(control.learning_rate);
            }
            report.epochs_run = epoch + 1;
            report.last = Some(logs);
            if control.stop {
                report.stopped_early = true;
                break;
            }
        }
        Ok(report)
    }
}
