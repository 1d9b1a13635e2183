//! What the callbacks did, told as Keras tells it: learning-rate reductions, early stopping
//! and the weights it restores, checkpoint improvements. The core's callbacks stay silent
//! (no_std, no allocation); [`Announce`] wraps one and records what changed across its
//! calls.

use crate::train::EpochRecord;
use serde::Serialize;
use std::cell::RefCell;
use std::fmt;
use tinymlp::train::callbacks::{
    Callback, Control, EarlyStopping, EpochLogs, ModelCheckpoint, ReduceLrOnPlateau,
};

/// Something a callback did at the end of an epoch (epochs counted from 1, as Keras
/// prints them).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "callback", rename_all = "snake_case")]
pub enum Event {
    /// ReduceLROnPlateau lowered the learning rate for the next epochs.
    ReduceLrOnPlateau {
        /// The epoch it happened after.
        epoch: u32,
        /// The new rate.
        learning_rate: f32,
    },
    /// EarlyStopping is about to put back the weights of the best epoch.
    RestoreBestWeights {
        /// The epoch it happened after.
        epoch: u32,
        /// The epoch whose weights are restored.
        best_epoch: u32,
    },
    /// EarlyStopping ended training.
    EarlyStopping {
        /// The last epoch.
        epoch: u32,
    },
    /// ModelCheckpoint kept the model of this epoch: the monitored quantity improved.
    ModelCheckpoint {
        /// The epoch.
        epoch: u32,
        /// The quantity (`val_auc`, …).
        monitor: &'static str,
        /// The best value before (infinite at first).
        from: f32,
        /// This epoch's value.
        to: f32,
    },
}

impl Event {
    /// The epoch (from 1) whose end it followed.
    pub fn epoch(&self) -> u32 {
        match *self {
            Event::ReduceLrOnPlateau { epoch, .. }
            | Event::RestoreBestWeights { epoch, .. }
            | Event::EarlyStopping { epoch }
            | Event::ModelCheckpoint { epoch, .. } => epoch,
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Event::ReduceLrOnPlateau { epoch, learning_rate } => {
                write!(f, "Epoch {epoch}: ReduceLROnPlateau reducing learning rate to {learning_rate}.")
            }
            Event::RestoreBestWeights { best_epoch, .. } => {
                write!(f, "Restoring model weights from the end of the best epoch: {best_epoch}.")
            }
            Event::EarlyStopping { epoch } => write!(f, "Epoch {epoch}: early stopping"),
            Event::ModelCheckpoint { epoch, monitor, from, to } => write!(
                f,
                "Epoch {epoch}: {monitor} improved from {from:.5} to {to:.5}, keeping this model as the checkpoint"
            ),
        }
    }
}

/// A callback that may be absent, whose actions are recorded into `sink`.
pub struct Announce<'a, C> {
    /// The callback.
    pub inner: Option<C>,
    /// Where its events go.
    pub sink: &'a RefCell<Vec<Event>>,
    /// The epochs the run was asked for (EarlyStopping restores after the last one).
    pub epochs: u32,
}

impl<'a, C> Announce<'a, C> {
    /// Wraps `inner`.
    pub fn new(inner: Option<C>, sink: &'a RefCell<Vec<Event>>, epochs: u32) -> Self {
        Self { inner, sink, epochs }
    }

    fn push(&self, e: Event) {
        self.sink.borrow_mut().push(e);
    }
}

impl<M> Callback<M> for Announce<'_, ReduceLrOnPlateau> {
    fn on_train_begin(&mut self, model: &M) {
        if let Some(c) = &mut self.inner {
            Callback::<M>::on_train_begin(c, model)
        }
    }
    fn on_epoch_end(&mut self, model: &mut M, logs: &EpochLogs, control: &mut Control) {
        let Some(c) = &mut self.inner else { return };
        let before = control.learning_rate;
        c.on_epoch_end(model, logs, control);
        if control.learning_rate < before {
            self.push(Event::ReduceLrOnPlateau {
                epoch: logs.epoch + 1,
                learning_rate: control.learning_rate,
            });
        }
    }
}

impl<M: Clone> Callback<M> for Announce<'_, EarlyStopping<M>> {
    fn on_train_begin(&mut self, model: &M) {
        if let Some(c) = &mut self.inner {
            c.on_train_begin(model)
        }
    }
    fn on_epoch_end(&mut self, model: &mut M, logs: &EpochLogs, control: &mut Control) {
        let Some(c) = &mut self.inner else { return };
        c.on_epoch_end(model, logs, control);
        let epoch = logs.epoch + 1;
        let stopped = c.stopped_epoch() == Some(logs.epoch);
        if stopped || epoch == self.epochs {
            // the weights come back at the end of training, stopped early or not
            let best = c.best().map(|(e, _)| e + 1).filter(|&b| c.restore && b != epoch);
            if let Some(best_epoch) = best {
                self.push(Event::RestoreBestWeights { epoch, best_epoch });
            }
        }
        if stopped {
            self.push(Event::EarlyStopping { epoch });
        }
    }
    fn on_train_end(&mut self, model: &mut M) {
        if let Some(c) = &mut self.inner {
            c.on_train_end(model)
        }
    }
}

impl<M: Clone> Callback<M> for Announce<'_, ModelCheckpoint<M>> {
    fn on_train_begin(&mut self, model: &M) {
        if let Some(c) = &mut self.inner {
            c.on_train_begin(model)
        }
    }
    fn on_epoch_end(&mut self, model: &mut M, logs: &EpochLogs, control: &mut Control) {
        let Some(c) = &mut self.inner else { return };
        let from = c.best().map_or(c.plateau.mode.worst(c.plateau.monitor), |(_, v)| v);
        c.on_epoch_end(model, logs, control);
        let monitor = c.plateau.monitor.name();
        if let Some((e, to)) = c.best().filter(|(e, _)| *e == logs.epoch) {
            self.push(Event::ModelCheckpoint { epoch: e + 1, monitor, from, to });
        }
    }
}

/// One epoch of `history.json`: its record and, when a callback acted after it, the
/// messages.
#[derive(Serialize)]
pub struct HistoryEntry<'a> {
    /// The epoch's figures.
    #[serde(flatten)]
    pub record: &'a EpochRecord,
    /// What the callbacks did after it, as printed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
}

/// The history with each epoch's events, for `history.json`.
pub fn history_entries<'a>(history: &'a [EpochRecord], events: &[Event]) -> Vec<HistoryEntry<'a>> {
    history
        .iter()
        .map(|record| HistoryEntry {
            record,
            events: events.iter().filter(|e| e.epoch() == record.epoch).map(|e| e.to_string()).collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tinymlp::eval::Evaluation;
    use tinymlp::train::callbacks::Monitor;

    fn logs(epoch: u32, val_loss: f32, lr: f32) -> EpochLogs {
        EpochLogs {
            epoch,
            loss: val_loss,
            val: Some(Evaluation { loss: val_loss, accuracy: None, auc: None, rows: 1 }),
            learning_rate: lr,
            ..Default::default()
        }
    }

    /// A val_loss that improves twice then stalls: the rate is halved after `patience`
    /// epochs without improvement, training stops after its patience, the best weights
    /// come back — each said once, at its epoch, in Keras' words.
    #[test]
    fn the_callbacks_say_what_they_did() {
        let sink = RefCell::new(vec![]);
        let mut reduce = Announce::new(Some(ReduceLrOnPlateau::new(Monitor::ValLoss, 0.5, 2)), &sink, 10);
        let mut early = Announce::new(
            Some(EarlyStopping::<u8>::new(Monitor::ValLoss, 3).restore_best_weights()),
            &sink,
            10,
        );
        let mut check = Announce::new(Some(ModelCheckpoint::<u8>::new(Monitor::ValLoss)), &sink, 10);
        let mut model = 0u8;
        let mut lr = 0.01;
        Callback::<u8>::on_train_begin(&mut reduce, &model);
        early.on_train_begin(&model);
        check.on_train_begin(&model);
        for (epoch, v) in [0.5, 0.4, 0.45, 0.46, 0.47].into_iter().enumerate() {
            let mut control = Control { stop: false, learning_rate: lr };
            let l = logs(epoch as u32, v, lr);
            early.on_epoch_end(&mut model, &l, &mut control);
            reduce.on_epoch_end(&mut model, &l, &mut control);
            check.on_epoch_end(&mut model, &l, &mut control);
            lr = control.learning_rate;
            if control.stop {
                break;
            }
        }
        let said: Vec<String> = sink.borrow().iter().map(|e| e.to_string()).collect();
        assert_eq!(
            said,
            [
                "Epoch 1: val_loss improved from inf to 0.50000, keeping this model as the checkpoint",
                "Epoch 2: val_loss improved from 0.50000 to 0.40000, keeping this model as the checkpoint",
                "Epoch 4: ReduceLROnPlateau reducing learning rate to 0.005.",
                "Restoring model weights from the end of the best epoch: 2.",
                "Epoch 5: early stopping",
            ]
        );
        let h: Vec<EpochRecord> = (0..5).map(|e| EpochRecord::from(&logs(e, 0.5, 0.01))).collect();
        let entries = history_entries(&h, &sink.borrow());
        assert_eq!(entries[3].events, ["Epoch 4: ReduceLROnPlateau reducing learning rate to 0.005."]);
        let json = serde_json::to_value(&entries).unwrap();
        assert_eq!(json[0]["epoch"], 1);
        assert!(json[2].get("events").is_none());
        assert_eq!(json[4]["events"].as_array().unwrap().len(), 2);
    }
}
