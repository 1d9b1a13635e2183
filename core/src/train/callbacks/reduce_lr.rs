//! Lower the learning rate when a monitored quantity plateaus.

use crate::train::callbacks::{Callback, Control, EpochLogs, Monitor, MonitorMode, Plateau};

/// Keras' `ReduceLROnPlateau`: after `patience` epochs without an improvement of more than
/// `min_delta`, multiply the learning rate by `factor` (never below `min_lr`), then wait
/// `cooldown` epochs before counting again.
///
/// ```
/// use tinymlp::train::callbacks::*;
/// use tinymlp::*;
/// let r = ReduceLrOnPlateau::new(Monitor::ValLoss, 0.5, 5).min_lr(1e-6);
/// assert_eq!(r.plateau.min_delta, 1e-4); // Keras' default
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ReduceLrOnPlateau {
    /// The quantity watched, its best value and the epochs since (Keras' default
    /// min_delta 1e-4).
    pub plateau: Plateau,
    /// Multiplier of the learning rate (< 1).
    pub factor: f32,
    /// Epochs without improvement before reducing.
    pub patience: u32,
    /// Epochs to wait after a reduction.
    pub cooldown: u32,
    /// Lower bound of the learning rate.
    pub min_lr: f32,
    cooldown_counter: u32,
}

impl ReduceLrOnPlateau {
    /// Reduce by `factor` after `patience` epochs without improvement (min_delta 1e-4,
    /// cooldown 0, min_lr 0).
    pub const fn new(monitor: Monitor, factor: f32, patience: u32) -> Self {
        Self {
            plateau: Plateau::new(monitor, 1e-4),
            factor,
            patience,
            cooldown: 0,
            min_lr: 0.0,
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
        self.plateau.min_delta = min_delta;
        self
    }

    /// Another mode.
    pub const fn mode(mut self, mode: MonitorMode) -> Self {
        self.plateau.mode = mode;
        self
    }
}

impl<M> Callback<M> for ReduceLrOnPlateau {
    fn on_train_begin(&mut self, _model: &M) {
        self.plateau.reset();
        self.cooldown_counter = 0;
    }

    fn on_epoch_end(&mut self, _model: &mut M, logs: &EpochLogs, control: &mut Control) {
        if logs.get(self.plateau.monitor).is_none() {
            return;
        }
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.plateau.restart_wait();
        }
        if self.plateau.observe(logs) != Some(false) {
            return;
        }
        if self.cooldown_counter > 0 {
            // Epochs in cooldown do not count as waiting (Keras' order).
            self.plateau.restart_wait();
        } else if self.plateau.wait() >= self.patience {
            let old = control.learning_rate;
            if old > self.min_lr {
                control.learning_rate = (old * self.factor).max(self.min_lr);
                self.cooldown_counter = self.cooldown;
                self.plateau.restart_wait();
            }
        }
    }
}
