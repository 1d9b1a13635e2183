//! Lower the learning rate when a monitored quantity plateaus.

use crate::train::callbacks::{Callback, Control, EpochLogs, Monitor, MonitorMode};

/// Keras' `ReduceLROnPlateau`: after `patience` epochs without an improvement of more than
/// `min_delta`, multiply the learning rate by `factor` (never below `min_lr`), then wait
/// `cooldown` epochs before counting again.
///
/// ```
/// use tinymlp::train::callbacks::*;
/// use tinymlp::*;
/// let r = ReduceLrOnPlateau::new(Monitor::ValLoss, 0.5, 5).min_lr(1e-6);
/// assert_eq!(r.min_delta, 1e-4); // Keras' default
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ReduceLrOnPlateau {
    /// The quantity watched.
    pub monitor: Monitor,
    /// Whether it should go down or up.
    pub mode: MonitorMode,
    /// Multiplier of the learning rate (< 1).
    pub factor: f32,
    /// Epochs without improvement before reducing.
    pub patience: u32,
    /// Smallest change that counts as an improvement (Keras' default 1e-4).
    pub min_delta: f32,
    /// Epochs to wait after a reduction.
    pub cooldown: u32,
    /// Lower bound of the learning rate.
    pub min_lr: f32,
    best: f32,
    wait: u32,
    cooldown_counter: u32,
}

impl ReduceLrOnPlateau {
    /// Reduce by `factor` after `patience` epochs without improvement (min_delta 1e-4,
    /// cooldown 0, min_lr 0).
    pub const fn new(monitor: Monitor, factor: f32, patience: u32) -> Self {
        Self {
            monitor,
            mode: MonitorMode::Auto,
            factor,
            patience,
            min_delta: 1e-4,
            cooldown: 0,
            min_lr: 0.0,
            best: f32::NAN,
            wait: 0,
            cooldown_counter: 0,
        }
    }

    /// Another lower bound of the learning rate.
    pub const fn min_lr(mut self, min_lr: f32) -> Self {
        self.min_lr = min_lr;
        self
    }

    /// Another cooldown.
    pub const fn cooldown(mut self, cooldown: u32) -> Self {
        self.cooldown = cooldown;
        self
    }

    /// Another minimum improvement.
    pub const fn min_delta(mut self, min_delta: f32) -> Self {
        self.min_delta = min_delta;
        self
    }

    /// Another mode.
    pub const fn mode(mut self, mode: MonitorMode) -> Self {
        self.mode = mode;
        self
    }
}

impl<M> Callback<M> for ReduceLrOnPlateau {
    fn on_train_begin(&mut self, _model: &M) {
        self.best = self.mode.worst(self.monitor);
        self.wait = 0;
        self.cooldown_counter = 0;
    }

    fn on_epoch_end(&mut self, _model: &mut M, logs: &EpochLogs, control: &mut Control) {
        let Some(current) = logs.get(self.monitor) else {
            return;
        };
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.wait = 0;
        }
        if self.mode.improves(self.monitor, current, self.best, self.min_delta) {
            self.best = current;
            self.wait = 0;
        } else if self.cooldown_counter == 0 {
            self.wait += 1;
            if self.wait >= self.patience {
                let old = control.learning_rate;
                if old > self.min_lr {
                    control.learning_rate = (old * self.factor).max(self.min_lr);
                    self.cooldown_counter = self.cooldown;
                    self.wait = 0;
                }
            }
        }
    }
}
