//! The plateau tracker that early stopping and learning-rate reduction share.

use super::{EpochLogs, Monitor, MonitorMode};

/// A watched quantity's best value so far and the epochs since it last improved by more
/// than `min_delta`: what [`EarlyStopping`](super::EarlyStopping) and
/// [`ReduceLrOnPlateau`](super::ReduceLrOnPlateau) decide on.
///
/// ```
/// use tinymlp::train::callbacks::{EpochLogs, Monitor, Plateau};
/// let mut p = Plateau::new(Monitor::Loss, 0.0);
/// p.reset();
/// let logs = |epoch, loss| EpochLogs { epoch, loss, ..Default::default() };
/// assert_eq!(p.observe(&logs(0, 1.0)), Some(true));
/// assert_eq!(p.observe(&logs(1, 1.5)), Some(false));
/// assert_eq!((p.wait(), p.best()), (1, Some((0, 1.0))));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plateau {
    /// The quantity watched.
    pub monitor: Monitor,
    /// Whether it should go down or up.
    pub mode: MonitorMode,
    /// Smallest change that counts as an improvement.
    pub min_delta: f32,
    best: f32,
    best_epoch: Option<u32>,
    wait: u32,
}

impl Plateau {
    /// Watches `monitor` (mode auto) for improvements larger than `min_delta`.
    pub const fn new(monitor: Monitor, min_delta: f32) -> Self {
        Self { monitor, mode: MonitorMode::Auto, min_delta, best: f32::NAN, best_epoch: None, wait: 0 }
    }

    /// Forgets everything seen (the start of training).
    pub fn reset(&mut self) {
        self.best = self.mode.worst(self.monitor);
        self.best_epoch = None;
        self.wait = 0;
    }

    /// Looks at an epoch's logs: `Some(true)` when the quantity improved (it becomes the
    /// best, and the wait restarts), `Some(false)` when it did not (one more epoch of
    /// waiting), `None` when the logs do not have it.
    pub fn observe(&mut self, logs: &EpochLogs) -> Option<bool> {
        let current = logs.get(self.monitor)?;
        if self.mode.improves(self.monitor, current, self.best, self.min_delta) {
            self.best = current;
            self.best_epoch = Some(logs.epoch);
            self.wait = 0;
            Some(true)
        } else {
            self.wait += 1;
            Some(false)
        }
    }

    /// Epochs since the last improvement.
    pub fn wait(&self) -> u32 {
        self.wait
    }

    /// Starts the wait again (after a learning-rate reduction, or during its cooldown).
    pub fn restart_wait(&mut self) {
        self.wait = 0;
    }

    /// The best epoch so far (from 0) and its value.
    pub fn best(&self) -> Option<(u32, f32)> {
        self.best_epoch.map(|e| (e, self.best))
    }
}
