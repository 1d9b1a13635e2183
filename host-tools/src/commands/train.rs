//! `tinymlp train`: the tutorial's perceptron or MLP on moons, generated or from CSV files.

use anyhow::{Context, Result, ensure};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use tinymlp::io::Meta;
use tinymlp_host::data::{self, read_csv, write_csv};
use tinymlp_host::model_io::{self, FileFormat};
use tinymlp_host::report::{Report, write_history_csv, write_json};
use tinymlp_host::train::{EpochRecord, ModelKind, OptimizerKind, TrainOptions, Trained, train};

#[derive(clap::Args)]
pub struct Args {
    /// Which of the tutorial's models.
    #[arg(long, value_enum, default_value = "mlp")]
    model: ModelKind,
    /// Training CSV (x0, x1, label). Without it, moons are generated.
    #[arg(long, requires = "test_csv")]
    train_csv: Option<PathBuf>,
    /// Test CSV (x0, x1, label).
    #[arg(long, requires = "train_csv")]
    test_csv: Option<PathBuf>,
    /// Seed of weights, shuffling, dropout (and of generated data).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Epochs at most (default: the recipe's, 50 for the perceptron, 200 for the MLP).
    #[arg(long)]
    epochs: Option<u32>,
    /// Rows per step.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Learning rate (default: the recipe's).
    #[arg(long)]
    lr: Option<f32>,
    /// Optimiser (default: the recipe's, SGD for the perceptron, Adam for the MLP).
    #[arg(long, value_enum)]
    optimizer: Option<OptimizerKind>,
    /// Continue from a saved model of the same kind.
    #[arg(long)]
    init: Option<PathBuf>,
    /// Directory for the model, history and report.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Generated moons: number of samples.
    #[arg(long, default_value_t = 2000)]
    samples: usize,
    /// Generated moons: noise.
    #[arg(long, default_value_t = 0.2)]
    noise: f32,
}

impl Args {
    /// The recipe of the chosen model with the options given.
    fn options(&self) -> Result<TrainOptions> {
        let mut opts = TrainOptions::recipe(self.model, self.seed);
        opts.batch_size = self.batch_size;
        if let Some(e) = self.epochs {
            opts.epochs = e;
        }
        if let Some(lr) = self.lr {
            super::check_lr(lr)?;
            opts.lr = lr;
        }
        if let Some(o) = self.optimizer {
            opts.optimizer = o;
        }
        Ok(opts)
    }
}

/// One epoch's figures, as the progress shows them.
fn epoch_line(r: &EpochRecord) -> String {
    format!(
        "loss {:.4} accuracy {:.4} val_loss {:.4} val_accuracy {:.4} val_auc {:.4} lr {:.2e}",
        r.loss,
        r.accuracy.unwrap_or(f32::NAN),
        r.val_loss.unwrap_or(f32::NAN),
        r.val_accuracy.unwrap_or(f32::NAN),
        r.val_auc.unwrap_or(f32::NAN),
        r.lr
    )
}

/// Trains, then writes the model, its history, the test rows and the report into `--out`.
pub fn run(a: Args) -> Result<()> {
    let (train_set, test_set) = match (&a.train_csv, &a.test_csv) {
        (Some(tr), Some(te)) => (read_csv::<2>(tr, 2)?, read_csv::<2>(te, 2)?),
        _ => {
            ensure!(a.samples >= 10, "--samples must be at least 10");
            data::moons(a.samples, a.noise, a.seed)
        }
    };
    let opts = a.options()?;
    let init = match &a.init {
        Some(p) => Some(model_io::load_kind(p, a.model)?),
        None => None,
    };
    std::fs::create_dir_all(&a.out).with_context(|| format!("cannot create {}", a.out.display()))?;
    let model_for_summary = match a.model {
        ModelKind::Mlp => Trained::Mlp(Box::new(tinymlp::zoo::seed_mlp())),
        ModelKind::Perceptron => Trained::Perceptron(Box::new(tinymlp::zoo::perceptron())),
    };
    println!("{}", model_for_summary.summary());
    println!(
        "training on {} rows ({} for validation), testing on {} rows",
        train_set.len(),
        train_set.len() - tinymlp::train::validation_split_index(train_set.len(), opts.validation_split),
        test_set.len()
    );

    let bar = std::io::stderr().is_terminal().then(|| {
        let b = ProgressBar::new(opts.epochs as u64);
        b.set_style(
            ProgressStyle::with_template("{bar:30} epoch {pos}/{len} {msg}").expect("valid template"),
        );
        b
    });
    let mut progress = |r: &EpochRecord, _epochs: u32| match &bar {
        Some(b) => {
            b.set_position(r.epoch as u64);
            b.set_message(epoch_line(r));
        }
        None => println!("epoch {:3}: {}", r.epoch, epoch_line(r)),
    };
    let out = train(&opts, &train_set, init.as_ref(), &mut progress)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let test = out.model.evaluate(&test_set);
    let checkpoint_metrics = out.checkpoint.as_ref().map(|c| c.evaluate(&test_set));
    let kind = match a.model {
        ModelKind::Mlp => "mlp",
        ModelKind::Perceptron => "perceptron",
    };
    let meta = [
        ("model", Meta::Text(kind)),
        ("seed", Meta::Int(a.seed as i64)),
        ("epochs_run", Meta::Int(out.run.epochs_run as i64)),
        ("test_accuracy", Meta::Float(test.accuracy as f64)),
        ("test_auc", Meta::Float(test.auc as f64)),
        ("test_loss", Meta::Float(test.loss as f64)),
        ("tool", Meta::Text(concat!("tinymlp ", env!("CARGO_PKG_VERSION")))),
    ];
    model_io::save(&out.model, &a.out.join("model.json"), FileFormat::Json, &meta, "training")?;
    if let Some(c) = &out.checkpoint {
        model_io::save(c, &a.out.join("checkpoint.json"), FileFormat::Json, &meta[..3], "training")?;
    }
    write_history_csv(&a.out.join("history.csv"), &out.run.history)?;
    write_json(&a.out.join("history.json"), &out.run.history)?;
    write_csv(&a.out.join("test.csv"), &test_set)?;
    let report = Report::new(&out, test, checkpoint_metrics, (train_set.len(), test_set.len()), &opts);
    write_json(&a.out.join("report.json"), &report)?;
    println!(
        "epochs run {}{}; test accuracy {:.4}, AUC {:.4}, loss {:.4}; {:.2} ms per epoch",
        out.run.epochs_run,
        out.run
            .best_epoch
            .map(|b| format!(" (best val_loss at epoch {b}, weights restored)"))
            .unwrap_or_default(),
        test.accuracy,
        test.auc,
        test.loss,
        report.ms_per_epoch
    );
    println!("wrote {}/{{model.json, history.csv, history.json, report.json, test.csv}}", a.out.display());
    Ok(())
}
