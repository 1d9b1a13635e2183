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

/// The columns of a history CSV: [`EpochRecord`]'s fields, in order.
pub const HISTORY_COLUMNS: [&str; 8] =
    ["epoch", "loss", "accuracy", "auc", "val_loss", "val_accuracy", "val_auc", "lr"];

/// A file written under a temporary name in its directory, then renamed over `path` by
/// [`AtomicFile::commit`]: a crash, an error or a full disk never leaves `path` truncated
/// (it keeps its old contents, or does not exist). Dropped without `commit`, the temporary
/// file is deleted.
pub struct AtomicFile {
    temp: tempfile::NamedTempFile,
    path: std::path::PathBuf,
}

impl AtomicFile {
    /// A temporary file next to `path`.
    pub fn create(path: &Path) -> io::Result<Self> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut b = tempfile::Builder::new();
        b.prefix(&prefix).suffix(".tmp");
        // Readable by all, as a file created directly would be (a temporary file is
        // private by default).
        #[cfg(unix)]
        b.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
        let temp = b.tempfile_in(dir)?;
        Ok(AtomicFile { temp, path: path.to_path_buf() })
    }

    /// The temporary file, to write.
    pub fn file(&mut self) -> &mut std::fs::File {
        self.temp.as_file_mut()
    }

    /// Flushes the file to disk and renames it to its path.
    pub fn commit(self) -> io::Result<()> {
        self.temp.as_file().sync_all()?;
        self.temp.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }
}

/// Writes `bytes` to `path` through an [`AtomicFile`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use io::Write;
    let mut f = AtomicFile::create(path)?;
    f.file().write_all(bytes)?;
    f.commit()
}

/// Writes the history as CSV (one row per epoch; empty cells for missing values).
pub fn write_history_csv(path: &Path, history: &[EpochRecord]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    if history.is_empty() {
        // serde names the columns with the first row; without rows, name them here.
        w.write_record(HISTORY_COLUMNS)?;
    }
    for h in history {
        w.serialize(h)?;
    }
    let bytes = w.into_inner().map_err(|e| io::Error::other(e.to_string()))?;
    write_atomic(path, &bytes)
}

/// Why a history CSV could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct HistoryError {
    /// The file.
    pub path: String,
    /// What the CSV reader said (with the line).
    pub source: csv::Error,
}

/// Reads a history CSV written by [`write_history_csv`].
pub fn read_history_csv(path: &Path) -> Result<Vec<EpochRecord>, HistoryError> {
    let error = |source| HistoryError { path: path.display().to_string(), source };
    let mut r = csv::Reader::from_path(path).map_err(error)?;
    r.deserialize().collect::<Result<_, _>>().map_err(error)
}

/// Writes a value as pretty JSON.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    write_atomic(path, (text + "\n").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(epoch: u32, val: Option<f32>) -> EpochRecord {
        EpochRecord {
            epoch,
            loss: 0.612_345_6,
            accuracy: Some(0.5),
            auc: None,
            val_loss: val,
            val_accuracy: val,
            val_auc: None,
            lr: 1e-6,
        }
    }

    #[test]
    fn history_round_trips_through_csv() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.csv");
        let history = vec![record(1, Some(0.25)), record(2, None)];
        write_history_csv(&path, &history).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().next().unwrap(), HISTORY_COLUMNS.join(","));
        assert_eq!(text.lines().nth(2).unwrap(), "2,0.6123456,0.5,,,,,0.000001");
        assert_eq!(read_history_csv(&path).unwrap(), history);
        write_history_csv(&path, &[]).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap().trim_end(), HISTORY_COLUMNS.join(","));
        assert_eq!(read_history_csv(&path).unwrap(), vec![]);
    }

    /// An atomic file replaces its target only when committed: dropped half-written, the
    /// old contents stay and no temporary file is left.
    #[test]
    fn an_atomic_file_is_all_or_nothing() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.json");
        write_atomic(&path, b"old").unwrap();
        let mut f = AtomicFile::create(&path).unwrap();
        f.file().write_all(b"half").unwrap();
        drop(f);
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_bad_history_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.csv");
        std::fs::write(
            &path,
            "epoch,loss,accuracy,auc,val_loss,val_accuracy,val_auc,lr\n1,0.5,,,,,,0.1\n2,x,,,,,,0.1\n",
        )
        .unwrap();
        let e = read_history_csv(&path).unwrap_err().to_string();
        assert!(e.contains("h.csv") && e.contains("line: 3"), "{e}");
    }
}
