//! Stop training when a monitored quantity stops improving.

use crate::train::callbacks::{Callback, Control, EpochLogs, Monitor, MonitorMode, Plateau};

/// Keras' `EarlyStopping`: stops when `monitor` has not improved by more than `min_delta`
/// for `patience` epochs; with `restore_best_weights`, the model ends with the weights of
/// its best epoch.
///
/// Unlike Keras, the best weights are restored also when training ends because the epochs
/// ran out (Keras restores them only when the stop triggers). Keeping them costs one copy
/// of the model, inside this value.
///
/// ```
/// use tinymlp::train::callbacks::*;
/// use tinymlp::*;
/// let mut es = EarlyStopping::<Dense<1, 1>>::new(Monitor::ValLoss, 2).restore_best_weights();
/// assert_eq!(es.patience, 2);
/// ```
#[derive(Clone, Debug)]
pub struct EarlyStopping<M> {
    /// The quantity watched, its best value and the epochs since.
    pub plateau: Plateau,
    /// Epochs without improvement before stopping.
    pub patience: u32,
    /// Whether to end with the best epoch's weights.
    pub restore: bool,
    stopped_epoch: Option<u32>,
    best_weights: Option<M>,
}

impl<M: Clone> EarlyStopping<M> {
    /// Stop after `patience` epochs without improvement of `monitor` (mode auto,
    /// min_delta 0, no restore).
    pub const fn new(monitor: Monitor, patience: u32) -> Self {
        Self {
            plateau: Plateau::new(monitor, 0.0),
            patience,
            restore: false,
            stopped_epoch: None,
            best_weights: None,
        }
    }

    /// End with the weights of the best epoch.
    pub const fn restore_best_weights(mut self) -> Self {
        self.restore = true;
        self
    }

    /// Another mode.
    pub const fn mode(mut self, mode: MonitorMode) -> Self {
        self.plateau.mode = mode;
        self
    }

    /// Another minimum improvement.
    pub const fn min_delta(mut self, min_delta: f32) -> Self {
        self.plateau.min_delta = min_delta;
        self
    }

    /// The best epoch so far (from 0) and its value.
    pub fn best(&self) -> Option<(u32, f32)> {
        self.plateau.best()
    }

    /// The epoch after which training stopped, if the stop triggered.
    pub fn stopped_epoch(&self) -> Option<u32> {
        self.stopped_epoch
    }
}

impl<M: Clone> Callback<M> for EarlyStopping<M> {
    fn on_train_begin(&mut self, _model: &M) {
        self.plateau.reset();
        self.stopped_epoch = None;
        self.best_weights = None;
    }

    fn on_epoch_end(&mut self, model: &mut M, logs: &EpochLogs, control: &mut Control) {
        match self.plateau.observe(logs) {
            Some(true) if self.restore => self.best_weights = Some(model.clone()),
            Some(false) if self.plateau.wait() >= self.patience => {
                self.stopped_epoch = Some(logs.epoch);
                control.stop = true;
            }
            _ => {}
        }
    }

    fn on_train_end(&mut self, model: &mut M) {
        if let (true, Some(best)) = (self.restore, self.best_weights.take()) {
            *model = best;
        }
    }
}
