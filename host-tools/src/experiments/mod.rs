//! The tutorial's experiments, one module each (`tinymlp experiment <name>`): fixed seeds,
//! PNG figures, a markdown table and a JSON file of the typed results. `quick` runs a
//! smaller version (the tests use it to check each conclusion).

pub mod activations;
pub mod approximation;
pub mod backprop_cost;
pub mod depth_width;
pub mod gradients;
pub mod init;
pub mod perceptron_vs_mlp;
pub mod skip;
pub mod spiral;

use crate::plot::PlotError;
use serde::Serialize;
use std::path::Path;
use tinymlp::Train;
use tinymlp::train::callbacks::{Control, EpochLogs, FnCallback};
use tinymlp::train::{FitData, FitError};
use tinymlp::{FitConfig, Loss, Optimizer, Trainer, Xoshiro128PlusPlus};

/// The experiments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Experiment {
    /// One network trained with relu, sigmoid, tanh, leaky relu and GELU.
    Activations,
    /// Many narrow layers vs few wide ones, at comparable parameter counts.
    DepthWidth,
    /// The 3-class spiral with a softmax network; decision regions.
    Spiral,
    /// Gradient magnitude per layer in deep sigmoid and relu networks, Xavier vs He.
    Gradients,
    /// The signal's scale through 10 layers for four initialisations.
    Init,
    /// A 1-D function fitted by 5 and 50 hidden neurons and by a deeper network.
    Approximation,
    /// The tutorial's perceptron and MLP side by side, with their decision boundaries.
    PerceptronVsMlp,
    /// A 20-layer sigmoid network with and without skip connections (residual blocks).
    Skip,
    /// Multiply-adds and time of the forward pass, backward pass and update of the seed MLP.
    BackpropCost,
}

/// Why an experiment failed.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// Training stopped.
    #[error(transparent)]
    Fit(#[from] FitError),
    /// A figure could not be drawn.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// A file could not be written.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A recipe failed.
    #[error(transparent)]
    Train(#[from] crate::train::TrainError),
    /// Building the firmware, or running it under QEMU, failed.
    #[error(transparent)]
    Device(#[from] crate::device::DeviceError),
}

/// An experiment's typed results, and how they read as a table and a conclusion.
pub trait Findings: Serialize {
    /// The experiment's name: the stem of its files.
    const NAME: &'static str;

    /// The table's column names.
    fn columns(&self) -> Vec<String>;

    /// The table's rows of cells.
    fn rows(&self) -> Vec<Vec<String>>;

    /// The conclusion in a sentence.
    fn conclusion(&self) -> String;

    /// More markdown after the conclusion (e.g. a second table); none by default.
    fn appendix(&self) -> String {
        String::new()
    }
}

/// What `tinymlp experiment` prints of an experiment that ran.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// The experiment's name.
    pub name: &'static str,
    /// The table's rows of cells.
    pub rows: Vec<Vec<String>>,
    /// The conclusion in a sentence.
    pub conclusion: String,
}

/// `<name>.json`: the table and the typed results.
#[derive(Serialize)]
struct JsonFile<'a, F> {
    name: &'static str,
    columns: Vec<String>,
    rows: &'a [Vec<String>],
    results: &'a F,
    conclusion: &'a str,
}

/// Writes `<name>.md` (the table and the conclusion) and `<name>.json` (the same with the
/// typed results) into `out`.
pub fn save<F: Findings>(findings: &F, out: &Path) -> Result<Summary, ExperimentError> {
    let (columns, rows, conclusion) = (findings.columns(), findings.rows(), findings.conclusion());
    let mut md = format!("# {}\n\n| {} |\n|{}\n", F::NAME, columns.join(" | "), "---|".repeat(columns.len()));
    for r in &rows {
        md += &format!("| {} |\n", r.join(" | "));
    }
    md += &format!("\n{conclusion}\n");
    let appendix = findings.appendix();
    if !appendix.is_empty() {
        md += &format!("\n{appendix}");
    }
    std::fs::write(out.join(format!("{}.md", F::NAME)), md)?;
    let json = JsonFile { name: F::NAME, columns, rows: &rows, results: findings, conclusion: &conclusion };
    std::fs::write(
        out.join(format!("{}.json", F::NAME)),
        serde_json::to_string_pretty(&json).map_err(std::io::Error::other)?,
    )?;
    Ok(Summary { name: F::NAME, rows, conclusion })
}

/// Runs an experiment, writing its figures, `<name>.md` and `<name>.json` into `out`.
pub fn run(e: Experiment, quick: bool, out: &Path) -> Result<Summary, ExperimentError> {
    std::fs::create_dir_all(out)?;
    match e {
        Experiment::Activations => save(&activations::run(quick, out)?, out),
        Experiment::DepthWidth => save(&depth_width::run(quick, out)?, out),
        Experiment::Spiral => save(&spiral::run(quick, out)?, out),
        Experiment::Gradients => save(&gradients::run(quick, out)?, out),
        Experiment::Init => save(&init::run(out)?, out),
        Experiment::Approximation => save(&approximation::run(quick, out)?, out),
        Experiment::PerceptronVsMlp => save(&perceptron_vs_mlp::run(quick, out)?, out),
        Experiment::Skip => save(&skip::run(quick, out)?, out),
        Experiment::BackpropCost => save(&backprop_cost::run(quick, out)?, out),
    }
}

/// Moons as arrays: `(train x, train t, test x, test t)`.
type Split = (Vec<[f32; 2]>, Vec<[f32; 1]>, Vec<[f32; 2]>, Vec<[f32; 1]>);

/// Moons with noise 0.2 ([`crate::data::moons`]) as training and test arrays.
fn moons(n: usize, seed: u64) -> Split {
    let (train, test) = crate::data::moons(n, 0.2, seed);
    let (t, vt) = (train.binary_targets(), test.binary_targets());
    (train.x, t, test.x, vt)
}

/// A training run of [`fit_logs`]: the rows, the validation rows and the settings.
struct Fit<'a, M: Train> {
    x: &'a [M::Input],
    t: &'a [M::Output],
    val: (&'a [M::Input], &'a [M::Output]),
    loss: Loss,
    epochs: u32,
    batch: usize,
    seed: u64,
}

/// Trains `model` with `opt` as `fit` says, returning each epoch's logs.
fn fit_logs<M: Train>(
    model: &mut M,
    opt: &mut impl Optimizer<M>,
    fit: Fit<'_, M>,
) -> Result<Vec<EpochLogs>, ExperimentError> {
    let mut rng = Xoshiro128PlusPlus::new(fit.seed);
    let (mut x, mut t) = (fit.x.to_vec(), fit.t.to_vec());
    let mut logs = Vec::new();
    let mut record = FnCallback(|_: &mut M, l: &EpochLogs, _: &mut Control| logs.push(*l));
    let mut trainer = Box::new(Trainer::<M, 32>::new(fit.loss));
    trainer.fit(
        model,
        opt,
        FitData { x: &mut x, t: &mut t, validation: Some(fit.val) },
        &FitConfig::new(fit.epochs, fit.batch),
        &mut rng,
        &mut record,
    )?;
    Ok(logs)
}

/// `(epoch from 1, value)` of each epoch that has the value.
fn curve(logs: &[EpochLogs], f: impl Fn(&EpochLogs) -> Option<f32>) -> Vec<(f32, f32)> {
    logs.iter().filter_map(|l| f(l).map(|v| ((l.epoch + 1) as f32, v))).collect()
}

/// Trainable parameters of a model type.
fn params_of<M: Train>() -> usize {
    M::TRAINABLE
}
