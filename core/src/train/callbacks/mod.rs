//! Callbacks: what the training loop tells the caller each epoch, and how the caller
//! steers it (stop, learning rate).

mod checkpoint;
mod early_stopping;
mod plateau;
mod reduce_lr;

pub use checkpoint::ModelCheckpoint;
pub use early_stopping::EarlyStopping;
pub use plateau::Plateau;
pub use reduce_lr::ReduceLrOnPlateau;

use crate::eval::Evaluation;

/// A quantity a callback watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Monitor {
    /// Training loss.
    Loss,
    /// Training accuracy.
    Accuracy,
    /// Training AUC.
    Auc,
    /// Validation loss.
    ValLoss,
    /// Validation accuracy.
    ValAccuracy,
    /// Validation AUC.
    ValAuc,
}

impl Monitor {
    /// Keras' name (`"val_loss"`, …).
    pub const fn name(self) -> &'static str {
        match self {
            Monitor::Loss => "loss",
            Monitor::Accuracy => "accuracy",
            Monitor::Auc => "auc",
            Monitor::ValLoss => "val_loss",
            Monitor::ValAccuracy => "val_accuracy",
            Monitor::ValAuc => "val_auc",
        }
    }

    /// Whether larger is better when the mode is [`MonitorMode::Auto`]: accuracies and AUCs.
    pub const fn higher_is_better(self) -> bool {
        !matches!(self, Monitor::Loss | Monitor::ValLoss)
    }
}

/// Whether a monitored quantity improves by going down or up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MonitorMode {
    /// Down for losses, up for accuracy and AUC (Keras' `"auto"`).
    #[default]
    Auto,
    /// Smaller is better.
    Min,
    /// Larger is better.
    Max,
}

impl MonitorMode {
    /// `true` when `current` improves on `best` by more than `min_delta`.
    pub fn improves(self, monitor: Monitor, current: f32, best: f32, min_delta: f32) -> bool {
        let max = match self {
            MonitorMode::Auto => monitor.higher_is_better(),
            MonitorMode::Min => false,
            MonitorMode::Max => true,
        };
        let d = min_delta.abs();
        if max { current - d > best } else { current + d < best }
    }

    /// The worst possible value, to start from.
    pub fn worst(self, monitor: Monitor) -> f32 {
        let max = match self {
            MonitorMode::Auto => monitor.higher_is_better(),
            MonitorMode::Min => false,
            MonitorMode::Max => true,
        };
        if max { f32::NEG_INFINITY } else { f32::INFINITY }
    }
}

/// What one epoch measured.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct EpochLogs {
    /// Epoch number, from 0.
    pub epoch: u32,
    /// Mean training loss over the epoch's rows (with dropout active, as Keras reports).
    pub loss: f32,
    /// Training accuracy over the epoch's rows.
    pub accuracy: Option<f32>,
    /// Training AUC (200 thresholds) over the epoch's rows.
    pub auc: Option<f32>,
    /// The validation set's evaluation at the end of the epoch.
    pub val: Option<Evaluation>,
    /// The learning rate used during the epoch.
    pub learning_rate: f32,
}

impl EpochLogs {
    /// The value of a monitored quantity, if this epoch has it.
    pub fn get(&self, monitor: Monitor) -> Option<f32> {
        match monitor {
            Monitor::Loss => Some(self.loss),
            Monitor::Accuracy => self.accuracy,
            Monitor::Auc => self.auc,
            Monitor::ValLoss => self.val.map(|v| v.loss),
            Monitor::ValAccuracy => self.val.and_then(|v| v.accuracy),
            Monitor::ValAuc => self.val.and_then(|v| v.auc),
        }
    }
}

/// How callbacks steer training after an epoch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Control {
    /// Set to stop after this epoch.
    pub stop: bool,
    /// The learning rate for the next epoch (starts as the optimiser's).
    pub learning_rate: f32,
}

/// Something told about training as it goes: Keras' callbacks, without allocation.
///
/// Several callbacks combine as a tuple — `(early_stopping, reduce_lr, checkpoint)` — and
/// run in order; `()` is no callback. A closure `FnMut(&mut M, &EpochLogs, &mut Control)`
/// wrapped in [`FnCallback`] is the user's own.
pub trait Callback<M> {
    /// Before the first epoch.
    fn on_train_begin(&mut self, _model: &M) {}
    /// After each epoch, with its logs; may stop training or change the learning rate.
    fn on_epoch_end(&mut self, _model: &mut M, _logs: &EpochLogs, _control: &mut Control) {}
    /// After the last epoch (however training ended, errors included).
    fn on_train_end(&mut self, _model: &mut M) {}
}

impl<M> Callback<M> for () {}

impl<M, C: Callback<M> + ?Sized> Callback<M> for &mut C {
    fn on_train_begin(&mut self, model: &M) {
        (**self).on_train_begin(model)
    }
    fn on_epoch_end(&mut self, model: &mut M, logs: &EpochLogs, control: &mut Control) {
        (**self).on_epoch_end(model, logs, control)
    }
    fn on_train_end(&mut self, model: &mut M) {
        (**self).on_train_end(model)
    }
}

macro_rules! tuple_callbacks {
    ($($name:ident $idx:tt),+) => {
        impl<M, $($name: Callback<M>),+> Callback<M> for ($($name,)+) {
            fn on_train_begin(&mut self, model: &M) {
                $(self.$idx.on_train_begin(model);)+
            }
            fn on_epoch_end(&mut self, model: &mut M, logs: &EpochLogs, control: &mut Control) {
                $(self.$idx.on_epoch_end(model, logs, control);)+
            }
            fn on_train_end(&mut self, model: &mut M) {
                $(self.$idx.on_train_end(model);)+
            }
        }
    };
}

tuple_callbacks!(A 0);
tuple_callbacks!(A 0, B 1);
tuple_callbacks!(A 0, B 1, C 2);
tuple_callbacks!(A 0, B 1, C 2, D 3);
tuple_callbacks!(A 0, B 1, C 2, D 3, E 4);
tuple_callbacks!(A 0, B 1, C 2, D 3, E 4, F 5);

/// A closure as a callback, called after every epoch.
pub struct FnCallback<F>(pub F);

impl<M, F: FnMut(&mut M, &EpochLogs, &mut Control)> Callback<M> for FnCallback<F> {
    fn on_epoch_end(&mut self, model: &mut M, logs: &EpochLogs, control: &mut Control) {
        (self.0)(model, logs, control)
    }
}

/// The logs of up to `N` epochs, kept in a fixed array (later epochs are counted but not
/// stored once it is full).
#[derive(Clone, Debug)]
pub struct History<const N: usize> {
    logs: [Option<EpochLogs>; N],
    len: usize,
    epochs: usize,
}

impl<const N: usize> Default for History<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> History<N> {
    /// Empty.
    pub const fn new() -> Self {
        Self { logs: [None; N], len: 0, epochs: 0 }
    }

    /// The stored epochs, in order.
    pub fn iter(&self) -> impl Iterator<Item = &EpochLogs> {
        self.logs[..self.len].iter().flatten()
    }

    /// Epochs seen (may exceed `N`).
    pub fn epochs(&self) -> usize {
        self.epochs
    }
}

impl<M, const N: usize> Callback<M> for History<N> {
    fn on_epoch_end(&mut self, _model: &mut M, logs: &EpochLogs, _control: &mut Control) {
        if self.len < N {
            self.logs[self.len] = Some(*logs);
            self.len += 1;
        }
        self.epochs += 1;
    }
}
