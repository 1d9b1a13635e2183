//! Keep the best model seen during training.

use crate::train::callbacks::{Callback, Control, EpochLogs, Monitor, MonitorMode, Plateau};

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
    /// The quantity watched and its best value.
    pub plateau: Plateau,
    best: Option<M>,
}

impl<M: Clone> ModelCheckpoint<M> {
    /// Keeps the model whenever `monitor` improves (mode auto).
    pub const fn new(monitor: Monitor) -> Self {
        Self { plateau: Plateau::new(monitor, 0.0), best: None }
    }

    /// Another mode.
    pub const fn mode(mut self, mode: MonitorMode) -> Self {
        self.plateau.mode = mode;
        self
    }

    /// The best model kept.
    pub fn best_model(&self) -> Option<&M> {
        self.best.as_ref()
    }

    /// The best epoch (from 0) and its value.
    pub fn best(&self) -> Option<(u32, f32)> {
        self.plateau.best()
    }
}

impl<M: Clone> Callback<M> for ModelCheckpoint<M> {
    fn on_train_begin(&mut self, _model: &M) {
        self.plateau.reset();
        self.best = None;
    }

    fn on_epoch_end(&mut self, model: &mut M, logs: &EpochLogs, _control: &mut Control) {
        if self.plateau.observe(logs) == Some(true) {
            self.best = Some(model.clone());
        }
    }
}
