//! The files a training run writes: history (CSV and JSON) and `report.json`.

use crate::train::{EpochRecord, Outcome, TestMetrics, TrainOptions};
use std::io;
use std::path::Path;

/// `report.json`: what a run reached and how.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Report<'a> {
    /// Test-set accuracy of the final model.
    pub test_accuracy: f32,
    /// Test-set ROC AUC (exact).
    pub test_auc: f32,
    /// Test-set ROC AUC with Keras' 200 thresholds.
    pub test_auc_thresholded: f32,
    /// Test-set mean binary cross-entropy.
    pub test_loss: f32,
    /// Epochs run.
    pub epochs_run: u32,
    /// Best epoch by val_loss (from 1), whose weights the final model has.
    pub best_epoch: Option<u32>,
    /// Best epoch by val_auc (from 1), saved as the checkpoint.
    pub checkpoint_epoch: Option<u32>,
    /// The checkpoint's test metrics.
    pub checkpoint: Option<TestMetrics>,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
    /// Seconds spent in `fit`.
    pub train_seconds: f64,
    /// Milliseconds per epoch (with validation).
    pub ms_per_epoch: f64,
    /// Training rows (before the validation split) and test rows.
    pub rows: (usize, usize),
    /// The options of the run.
    pub options: &'a TrainOptions,
}

impl<'a> Report<'a> {
    /// The report of a run.
    pub fn new(
        out: &Outcome,
        test: TestMetrics,
        checkpoint: Option<TestMetrics>,
        rows: (usize, usize),
        options: &'a TrainOptions,
    ) -> Self {
        let r = &out.run;
        Self {
            test_accuracy: test.accuracy,
            test_auc: test.auc,
            test_auc_thresholded: test.auc_thresholded,
            test_loss: test.loss,
            epochs_run: r.epochs_run,
            best_epoch: r.best_epoch,
            checkpoint_epoch: r.checkpoint_epoch,
            checkpoint,
            stopped_early: r.stopped_early,
            train_seconds: r.seconds,
            ms_per_epoch: r.seconds * 1000.0 / r.epochs_run.max(1) as f64,
            rows,
            options,
        }
    }
}

/// Writes the history as CSV (one row per epoch; empty cells for missing values).
pub fn write_history_csv(path: &Path, history: &[EpochRecord]) -> io::Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(["epoch", "loss", "accuracy", "auc", "val_loss", "val_accuracy", "val_auc", "lr"])?;
    let cell = |v: Option<f32>| v.map(|x| x.to_string()).unwrap_or_default();
    for h in history {
        w.write_record([
            h.epoch.to_string(),
            h.loss.to_string(),
            cell(h.accuracy),
            cell(h.auc),
            cell(h.val_loss),
            cell(h.val_accuracy),
            cell(h.val_auc),
            h.lr.to_string(),
        ])?;
    }
    w.flush()
}

/// Reads a history CSV written by [`write_history_csv`].
pub fn read_history_csv(path: &Path) -> Result<Vec<EpochRecord>, String> {
    let mut r = csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| format!("{}: {e}", path.display()))?;
        let num = |j: usize| -> Result<Option<f32>, String> {
            let s = rec.get(j).unwrap_or("");
            if s.is_empty() {
                return Ok(None);
            }
            s.parse::<f32>()
                .map(Some)
                .map_err(|_| format!("{}, line {}: {s:?} is not a number", path.display(), i + 2))
        };
        let need =
            |j: usize| num(j)?.ok_or_else(|| format!("{}, line {}: missing value", path.display(), i + 2));
        out.push(EpochRecord {
            epoch: need(0)? as u32,
            loss: need(1)?,
            accuracy: num(2)?,
            auc: num(3)?,
            val_loss: num(4)?,
            val_accuracy: num(5)?,
            val_auc: num(6)?,
            lr: need(7)?,
        });
    }
    Ok(out)
}

/// Writes a value as pretty JSON.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    std::fs::write(path, text + "\n")
}
