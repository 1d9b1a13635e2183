//! Keep the best model seen during training.

use crate::train::callbacks::{Callback, Control, EpochLogs, Monitor, MonitorMode};

/// Keras' `ModelCheckpoint(save_best_only=True)`, in memory: keeps a copy of the model at
/// the epoch where `monitor` was best. The host tools write it to a file after training; a
/// device can write it to flash.
///
/// ```
/// use tinymlp::train::callbacks::*;
/// use tinymlp::*;
/// let cp = ModelCheckpoint::<Dense<1, 1>>::new(Monitor::ValAuc).mode(MonitorMode::Max);
/// assert!(cp.best_model().is_none());
/// ```
#[derive(Clone, Debug)]
pub struct ModelCheckpoint<M> {
    /// The quantity watched.
    pub monitor: Monitor,
    /// Whether it should go down or up.
    pub mode: MonitorMode,
    best_value: f32,
    best_epoch: Option<u32>,
    best: Option<M>,
}

impl<M: Clone> ModelCheckpoint<M> {
    /// Keeps the model whenever `monitor` improves (mode auto).
    pub const fn new(monitor: Monitor) -> Self {
        Self { monitor, mode: MonitorMode::Auto, best_value: f32::NAN, best_epoch: None, best: None }
    }

    /// Another mode.
    pub const fn mode(mut self, mode: MonitorMode) -> Self {
        self.mode = mode;
        self
    }

    /// The best model kept.
    pub fn best_model(&self) -> Option<&M> {
        self.best.as_ref()
    }

    /// The best epoch (from 0) and its value.
    pub fn best(&self) -> Option<(u32, f32)> {
        self.best_epoch.map(|e| (e, self.best_value))
    }
}

impl<M: Clone> Callback<M> for ModelCheckpoint<M> {
    fn on_train_begin(&mut self, _model: &M) {
        self.best_value = self.mode.worst(self.monitor);
        self.best_epoch = None;
        self.best = None;
    }

    fn on_epoch_end(&mut self, model: &mut M, logs: &EpochLogs, _control: &mut Control) {
        let Some(current) = logs.get(self.monitor) else {
            return;
        };
        if self.mode.improves(self.monitor, current, self.best_value, 0.0) {
            self.best_value = current;
            self.best_epoch = Some(logs.epoch);
            self.best = Some(model.clone());
        }
    }
}
