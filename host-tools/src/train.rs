//! Training: any network of a [`Plan`] on rows of any width ([`fit`], what `tinymlp train`
//! runs), and the tutorial's typed models ([`train()`]).

use crate::data::Labelled;
use crate::events::{Announce, Event};
use crate::plan::Plan;
use crate::spec::LayerDef;
use crate::table::Task;
use std::cell::RefCell;
use std::time::Instant;
use tinymlp::eval::metrics::auc_exact;
use tinymlp::layers::*;
use tinymlp::numeric::*;
use tinymlp::train::callbacks::*;
use tinymlp::train::optim::*;
use tinymlp::train::*;
use tinymlp::zoo::{self, Perceptron, PlainMlp, SeedMlp};
use tinymlp::*;
use tinymlp_net::{LayerSpec, Net, NetError, NetGrads, Row};

/// Rows per chunk of the host trainer: batches up to this size are one chunk (BatchNorm
/// statistics over the whole batch); larger batches are split into chunks of this size.
pub const MAX_BATCH: usize = 128;

/// Which model to train.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// The tutorial's Model 1: one sigmoid neuron, SGD(0.01), 50 epochs.
    Perceptron,
    /// The tutorial's Model 2: 64-BN-Dropout-32-BN-Dropout-16-1, Adam(0.001), callbacks.
    Mlp,
}

/// Which optimiser to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    /// Plain SGD.
    Sgd,
    /// SGD with momentum 0.9.
    Momentum,
    /// SGD with Nesterov momentum 0.9.
    Nesterov,
    /// Adam with Keras' defaults.
    Adam,
}

/// Everything that decides a training run.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TrainOptions {
    /// The model.
    pub model: ModelKind,
    /// Seed of the initial weights, shuffling and dropout.
    pub seed: u64,
    /// Epochs at most.
    pub epochs: u32,
    /// Rows per step.
    pub batch_size: usize,
    /// Learning rate.
    pub lr: f32,
    /// Optimiser.
    pub optimizer: OptimizerKind,
    /// Fraction of the training rows (the last ones) held out for validation.
    pub validation_split: f64,
    /// Early stopping, learning-rate reduction and checkpointing (the MLP's recipe).
    pub callbacks: bool,
}

impl TrainOptions {
    /// The tutorial's recipe for `model`.
    pub fn recipe(model: ModelKind, seed: u64) -> Self {
        match model {
            ModelKind::Perceptron => Self {
                model,
                seed,
                epochs: 50,
                batch_size: 32,
                lr: 0.01,
                optimizer: OptimizerKind::Sgd,
                validation_split: 0.2,
                callbacks: false,
            },
            ModelKind::Mlp => Self {
                model,
                seed,
                epochs: 200,
                batch_size: 32,
                lr: 0.001,
                optimizer: OptimizerKind::Adam,
                validation_split: 0.2,
                callbacks: true,
            },
        }
    }
}

/// A model of one of the architectures the firmware builds with (see `firmware/build-support`):
/// the two this tool trains, and the plain MLP.
#[derive(Clone, Debug)]
pub enum Trained {
    /// Model 1.
    Perceptron(Box<Perceptron>),
    /// Model 2.
    Mlp(Box<SeedMlp>),
    /// The plain 2-64-32-16-1 MLP ([`tinymlp::zoo::plain_mlp`]): no BatchNorm, no Dropout.
    Plain(Box<PlainMlp>),
}

/// `$body` with `$m` bound to the model inside a [`Trained`], whichever architecture it is.
macro_rules! each_model {
    ($trained:expr, $m:ident => $body:expr) => {
        match $trained {
            Trained::Perceptron($m) => $body,
            Trained::Mlp($m) => $body,
            Trained::Plain($m) => $body,
        }
    };
}

impl Trained {
    /// Probability of class 1 for one row.
    pub fn predict(&self, x: &[f32; 2]) -> f32 {
        let mut y = [0.0];
        each_model!(self, m => m.forward(x, &mut y));
        y[0]
    }

    /// The model's id: the CRC-32 of its binary form (what the firmware reports).
    pub fn model_id(&self) -> u32 {
        fn id<M: Train>(m: &M) -> u32 {
            tinymlp::io::model_id(m).expect("trained models are finite")
        }
        each_model!(self, m => id(&**m))
    }

    /// The Keras-like summary.
    pub fn summary(&self) -> String {
        each_model!(self, m => Summary(&**m).to_string())
    }

    /// The shapes (inputs, outputs) of the model's dense layers, in order.
    pub fn dense_shapes(&self) -> Vec<(usize, usize)> {
        each_model!(self, m => crate::bench::dense_shapes(&**m))
    }

    /// The memory figures of the model and its training state, known at compile time.
    pub fn memory(&self) -> String {
        fn lines<M: Footprint>(_: &M) -> String {
            format!(
                "memory (bytes): model {}, parameters {}, gradients {}, Adam state {}, training caches for {} rows {}, largest activation {}",
                M::MODEL_BYTES,
                M::PARAMETER_BYTES,
                M::GRADS_BYTES,
                M::ADAM_BYTES,
                32,
                M::cache_bytes::<32>(),
                M::ACTIVATION_BYTES
            )
        }
        each_model!(self, m => lines(&**m))
    }

    /// Loss and metrics on labelled rows, with the exact AUC.
    pub fn evaluate(&self, data: &Labelled<2>) -> TestMetrics {
        let t = data.binary_targets();
        let e = each_model!(self, m => tinymlp::eval::evaluate(&**m, &data.x, &t, Loss::BinaryCrossEntropy));
        let mut pairs: Vec<(f32, bool)> =
            data.x.iter().zip(&data.label).map(|(x, &l)| (self.predict(x), l == 1)).collect();
        let e = e.expect("non-empty test set");
        TestMetrics {
            loss: e.loss,
            accuracy: e.accuracy.unwrap_or(f32::NAN),
            auc: auc_exact(&mut pairs).unwrap_or(f32::NAN),
            auc_thresholded: e.auc.unwrap_or(f32::NAN),
        }
    }
}

/// Test-set figures.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct TestMetrics {
    /// Mean binary cross-entropy.
    pub loss: f32,
    /// Fraction correct at threshold 0.5.
    pub accuracy: f32,
    /// Exact ROC AUC.
    pub auc: f32,
    /// Keras' 200-threshold ROC AUC.
    pub auc_thresholded: f32,
}

/// One epoch as the history files record it (the CSV's columns, in order).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochRecord {
    /// Epoch, from 1 (as Keras prints it).
    pub epoch: u32,
    /// Training loss.
    pub loss: f32,
    /// Training accuracy.
    pub accuracy: Option<f32>,
    /// Training AUC (200 thresholds).
    pub auc: Option<f32>,
    /// Validation loss.
    pub val_loss: Option<f32>,
    /// Validation accuracy.
    pub val_accuracy: Option<f32>,
    /// Validation AUC (200 thresholds).
    pub val_auc: Option<f32>,
    /// Learning rate during the epoch.
    pub lr: f32,
}

impl From<&EpochLogs> for EpochRecord {
    fn from(l: &EpochLogs) -> Self {
        Self {
            epoch: l.epoch + 1,
            loss: l.loss,
            accuracy: l.accuracy,
            auc: l.auc,
            val_loss: l.val.map(|v| v.loss),
            val_accuracy: l.val.and_then(|v| v.accuracy),
            val_auc: l.val.and_then(|v| v.auc),
            lr: l.learning_rate,
        }
    }
}

/// What a training run produced.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The final model (best val_loss weights when early stopping restores them).
    pub model: Trained,
    /// The best model by val_auc (ModelCheckpoint), when callbacks ran.
    pub checkpoint: Option<Trained>,
    /// How the run went.
    pub run: RunStats,
}

/// How a training run went.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RunStats {
    /// Every epoch.
    pub history: Vec<EpochRecord>,
    /// Epochs run.
    pub epochs_run: u32,
    /// Best epoch by val_loss (from 1), when early stopping ran.
    pub best_epoch: Option<u32>,
    /// Best epoch by val_auc (from 1), when checkpointing ran.
    pub checkpoint_epoch: Option<u32>,
    /// Whether early stopping ended training.
    pub stopped_early: bool,
    /// Wall-clock seconds of `fit`.
    pub seconds: f64,
    /// What the callbacks did, in order.
    pub events: Vec<crate::events::Event>,
}

/// Why training failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The training loop stopped on an error.
    #[error(transparent)]
    Fit(#[from] FitError),
    /// Not enough rows.
    #[error("need at least 2 training rows, got {0}")]
    TooFewRows(usize),
    /// A batch size of 0.
    #[error("the batch size must be at least 1")]
    BatchSize,
    /// An initial model of an architecture this tool does not train.
    #[error("the initial model is the plain MLP, which `tinymlp train` does not train")]
    InitPlain,
    /// An initial model of another kind.
    #[error("the initial model is a {found:?}, but {wanted:?} is being trained")]
    InitKind {
        /// The model kind being trained.
        wanted: ModelKind,
        /// The kind of the initial model.
        found: ModelKind,
    },
}

/// Trains a model on `train`, calling `progress` after each epoch. `init` continues from a
/// saved model instead of fresh weights (its scaler is kept).
pub fn train(
    opts: &TrainOptions,
    train: &Labelled<2>,
    init: Option<&Trained>,
    progress: &mut dyn FnMut(&EpochRecord, u32),
) -> Result<Outcome, TrainError> {
    train_with_events(opts, train, init, progress, &mut |_| {})
}

/// [`train()`], calling `event` with what a callback did (a learning-rate reduction, early
/// stopping, restored weights, a checkpoint) after the epoch's `progress`; the events are
/// also in the outcome's [`RunStats::events`].
pub fn train_with_events(
    opts: &TrainOptions,
    train: &Labelled<2>,
    init: Option<&Trained>,
    progress: &mut dyn FnMut(&EpochRecord, u32),
    event: &mut dyn FnMut(&Event),
) -> Result<Outcome, TrainError> {
    if train.len() < 2 {
        return Err(TrainError::TooFewRows(train.len()));
    }
    if opts.batch_size == 0 {
        return Err(TrainError::BatchSize);
    }
    match (opts.model, init) {
        (_, Some(Trained::Plain(_))) => Err(TrainError::InitPlain),
        (ModelKind::Perceptron, Some(Trained::Mlp(_))) => {
            Err(TrainError::InitKind { wanted: ModelKind::Perceptron, found: ModelKind::Mlp })
        }
        (ModelKind::Mlp, Some(Trained::Perceptron(_))) => {
            Err(TrainError::InitKind { wanted: ModelKind::Mlp, found: ModelKind::Perceptron })
        }
        (ModelKind::Perceptron, _) => {
            let start = match init {
                Some(Trained::Perceptron(m)) => Some((**m).clone()),
                _ => None,
            };
            let (model, checkpoint, out) =
                run::<Perceptron>(opts, train, start, zoo::perceptron(), progress, event)?;
            Ok(Outcome {
                model: Trained::Perceptron(model),
                checkpoint: checkpoint.map(Trained::Perceptron),
                run: out,
            })
        }
        (ModelKind::Mlp, _) => {
            let start = match init {
                Some(Trained::Mlp(m)) => Some((**m).clone()),
                _ => None,
            };
            let (model, checkpoint, out) =
                run::<SeedMlp>(opts, train, start, zoo::seed_mlp(), progress, event)?;
            Ok(Outcome { model: Trained::Mlp(model), checkpoint: checkpoint.map(Trained::Mlp), run: out })
        }
    }
}

/// Models whose first layer is the input scaler.
pub trait Scaled: Train<Input = [f32; 2], Output = [f32; 1]> + Clone {
    /// The scaler.
    fn scaler_mut(&mut self) -> &mut Normalization<2>;
}

impl<T: Train<Input = [f32; 2], Output = [f32; 1]> + Clone> Scaled for Chain<Normalization<2>, T> {
    fn scaler_mut(&mut self) -> &mut Normalization<2> {
        &mut self.head
    }
}

type RunResult<M> = (Box<M>, Option<Box<M>>, RunStats);

fn run<M: Scaled>(
    opts: &TrainOptions,
    data: &Labelled<2>,
    start: Option<M>,
    fresh: M,
    progress: &mut dyn FnMut(&EpochRecord, u32),
    event: &mut dyn FnMut(&Event),
) -> Result<RunResult<M>, TrainError> {
    let mut rng = Xoshiro128PlusPlus::new(opts.seed);
    let mut model = Box::new(match start {
        Some(m) => m,
        None => {
            let mut m = fresh;
            m.init(Init::GlorotUniform, &mut rng);
            // Standardise with the statistics of all training rows, as the tutorial's
            // StandardScaler does before the validation split.
            m.scaler_mut().adapt(&data.x);
            m
        }
    });
    let mut x = data.x.clone();
    let mut t = data.binary_targets();
    let split = validation_split_index(x.len(), opts.validation_split);
    let (x_fit, x_val) = x.split_at_mut(split);
    let (t_fit, t_val) = t.split_at_mut(split);
    let validation = (!x_val.is_empty()).then_some((&*x_val, &*t_val));
    let mut trainer = Box::new(Trainer::<M, MAX_BATCH>::new(Loss::BinaryCrossEntropy));
    let config = FitConfig::new(opts.epochs, opts.batch_size);
    let mut history = Vec::new();
    let epochs = opts.epochs;
    let sink = RefCell::new(Vec::new());
    let mut events = Vec::new();
    // runs after the other callbacks: reports the epoch, then what they did after it
    let mut record = FnCallback(|_: &mut M, logs: &EpochLogs, _: &mut Control| {
        let r = EpochRecord::from(logs);
        progress(&r, epochs);
        history.push(r);
        for e in sink.borrow_mut().drain(..) {
            event(&e);
            events.push(e);
        }
    });
    let started = Instant::now();
    let mut early =
        Announce::new(Some(EarlyStopping::new(Monitor::ValLoss, 10).restore_best_weights()), &sink, epochs);
    let mut reduce =
        Announce::new(Some(ReduceLrOnPlateau::new(Monitor::ValLoss, 0.5, 5).min_lr(1e-6)), &sink, epochs);
    let mut checkpoint =
        Announce::new(Some(ModelCheckpoint::new(Monitor::ValAuc).mode(MonitorMode::Max)), &sink, epochs);
    macro_rules! fit_with {
        ($opt:expr) => {{
            let mut opt = $opt;
            if opts.callbacks && validation.is_some() {
                let mut cbs = (&mut early, &mut reduce, &mut checkpoint, &mut record);
                trainer.fit(
                    &mut model,
                    &mut opt,
                    FitData { x: x_fit, t: t_fit, validation },
                    &config,
                    &mut rng,
                    &mut cbs,
                )
            } else {
                trainer.fit(
                    &mut model,
                    &mut opt,
                    FitData { x: x_fit, t: t_fit, validation },
                    &config,
                    &mut rng,
                    &mut record,
                )
            }
        }};
    }
    let report = match opts.optimizer {
        OptimizerKind::Sgd => fit_with!(Sgd::new(opts.lr)),
        OptimizerKind::Momentum => fit_with!(Momentum::<M>::new(opts.lr, 0.9)),
        OptimizerKind::Nesterov => fit_with!(Momentum::<M>::from_config(MomentumConfig {
            lr: opts.lr,
            nesterov: true,
            ..MomentumConfig::DEFAULT
        })),
        OptimizerKind::Adam => fit_with!(Adam::<M>::new(opts.lr)),
    }?;
    let seconds = started.elapsed().as_secs_f64();
    let with_callbacks = opts.callbacks && validation.is_some();
    let (early, checkpoint) = (early.inner.expect("always set"), checkpoint.inner.expect("always set"));
    Ok((
        model,
        checkpoint.best_model().cloned().map(Box::new),
        RunStats {
            history,
            epochs_run: report.epochs_run,
            best_epoch: if with_callbacks { early.best().map(|(e, _)| e + 1) } else { None },
            checkpoint_epoch: if with_callbacks { checkpoint.best().map(|(e, _)| e + 1) } else { None },
            stopped_early: report.stopped_early,
            seconds,
            events,
        },
    ))
}

/// A callback that may be absent.
pub struct Maybe<C>(pub Option<C>);

impl<M, C: Callback<M>> Callback<M> for Maybe<C> {
    fn on_train_begin(&mut self, model: &M) {
        if let Some(c) = &mut self.0 {
            c.on_train_begin(model)
        }
    }
    fn on_epoch_end(&mut self, model: &mut M, logs: &EpochLogs, control: &mut Control) {
        if let Some(c) = &mut self.0 {
            c.on_epoch_end(model, logs, control)
        }
    }
    fn on_train_end(&mut self, model: &mut M) {
        if let Some(c) = &mut self.0 {
            c.on_train_end(model)
        }
    }
}

/// An optimiser with an L2 penalty per weight slice: `l2[s] · w` is added to the gradient
/// of slice `s` before the inner optimiser's step (slices without a penalty are unchanged).
pub struct PerLayerL2<O> {
    /// The optimiser.
    pub inner: O,
    /// The penalty of each trainable slice of the network.
    pub l2: Vec<f32>,
}

impl<O: Optimizer<Net>> Optimizer<Net> for PerLayerL2<O> {
    fn step<K: tinymlp::numeric::kernel::Kernel>(
        &mut self,
        model: &mut Net,
        grads: &NetGrads,
        _grads_bound: f32,
    ) -> Result<(), StepError> {
        let mut g = grads.clone();
        for (s, &l2) in self.l2.iter().enumerate() {
            if l2 != 0.0 {
                let w = model.slice(s);
                for (gi, wi) in g.slice_mut(s).iter_mut().zip(w) {
                    *gi += l2 * wi;
                }
            }
        }
        self.inner.step::<K>(model, &g, f32::INFINITY)
    }
    fn learning_rate(&self) -> f32 {
        self.inner.learning_rate()
    }
    fn set_learning_rate(&mut self, lr: f32) {
        self.inner.set_learning_rate(lr)
    }
    fn reset(&mut self) {
        self.inner.reset()
    }
}

/// The network's layers after the scaler: the plan's hidden layers, then the task's output
/// layer of `outputs` units.
pub fn layer_specs(plan: &Plan, task: Task, outputs: usize) -> Vec<LayerSpec> {
    let mut specs: Vec<LayerSpec> = plan
        .layers
        .iter()
        .map(|l| match *l {
            LayerDef::Dense { units, activation, .. } => LayerSpec::Dense { units, activation },
            LayerDef::BatchNorm { momentum, epsilon } => LayerSpec::BatchNorm { momentum, epsilon },
            LayerDef::Dropout { rate } => LayerSpec::Dropout { rate },
            LayerDef::Residual { layers } => LayerSpec::Residual { layers },
        })
        .collect();
    specs.push(LayerSpec::Dense { units: outputs, activation: task.output_activation() });
    specs
}

/// The initialiser and L2 penalty of each dense layer, in order (the output layer last).
fn dense_settings(plan: &Plan) -> Vec<(Init, f32)> {
    let mut v: Vec<(Init, f32)> = plan
        .layers
        .iter()
        .filter_map(|l| match *l {
            LayerDef::Dense { init, l2, .. } => Some((init.unwrap_or(plan.init), l2)),
            _ => None,
        })
        .collect();
    v.push((plan.output_init.unwrap_or(plan.init), plan.output_l2));
    v
}

/// The L2 penalty of each trainable slice of a network of `specs` (dense: weights, biases;
/// BatchNorm: γ, β; dropout: none), from the dense layers' penalties.
fn slice_l2(specs: &[LayerSpec], dense_l2: &[f32]) -> Vec<f32> {
    let mut out = Vec::new();
    let mut d = 0;
    for s in specs {
        match s {
            LayerSpec::Dense { .. } => {
                out.extend([dense_l2.get(d).copied().unwrap_or(0.0), 0.0]);
                d += 1;
            }
            LayerSpec::BatchNorm { .. } => out.extend([0.0, 0.0]),
            LayerSpec::Dropout { .. } | LayerSpec::Residual { .. } => {}
        }
    }
    out
}

/// What [`fit`] produced.
#[derive(Clone, Debug)]
pub struct NetOutcome {
    /// The final network (the best epoch's weights when early stopping restores them). When
    /// training failed ([`NetOutcome::failure`]), the last finite weights: the best epoch's
    /// when early stopping restored them, else the weights before the failing step.
    pub net: Net,
    /// The checkpoint's network, when it ran.
    pub checkpoint: Option<Net>,
    /// How the run went.
    pub run: RunStats,
    /// The regression targets' standardisation (mean, standard deviation per output), fitted
    /// on the training rows, trained on, and folded into the output layer of `net` and
    /// `checkpoint`, which therefore answer in the target's own units. `None` for a
    /// classifier.
    pub target_scaler: Option<(Vec<f64>, Vec<f64>)>,
    /// Why training stopped early with an error (a non-finite loss, gradient, update or
    /// BatchNorm statistics), naming the epoch and batch; the networks are still finite.
    pub failure: Option<FitError>,
}

/// The mean and standard deviation (population, as scikit-learn's `StandardScaler`) of each
/// column of `t`; a constant column has standard deviation 1.
pub fn target_statistics(t: &[Vec<f32>]) -> (Vec<f64>, Vec<f64>) {
    let k = t.first().map_or(0, Vec::len);
    let n = t.len().max(1) as f64;
    let mut mean = vec![0.0f64; k];
    for r in t {
        for (m, &v) in mean.iter_mut().zip(r) {
            *m += v as f64;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let mut var = vec![0.0f64; k];
    for r in t {
        for ((s, &v), m) in var.iter_mut().zip(r).zip(&mean) {
            *s += (v as f64 - m).powi(2);
        }
    }
    let std =
        var.iter().map(|s| (s / n).sqrt()).map(|s| if s > 0.0 && s.is_finite() { s } else { 1.0 }).collect();
    (mean, std)
}

/// The trainable slices of the network's output layer (the last dense layer): weights
/// (outputs × inputs, row by row) and biases.
fn output_slices(net: &Net) -> Option<(usize, usize)> {
    let last = (0..Net::SLICES).rev().find(|&i| !net.slice(i).is_empty())?;
    (last >= 1 && net.is_weight(last - 1)).then_some((last - 1, last))
}

/// Folds the inverse of a target standardisation into the output layer: `y = s·z + m` for
/// each output, with `z` the layer's linear output, becomes the layer itself (`W' = s·W`
/// row by row, `b' = s·b + m`). Computed in f64, rounded once to f32. With `inverse`, the
/// opposite (`W = W'/s`, `b = (b' − m)/s`): a saved model back into standardised units.
pub fn fold_target_scale(net: &mut Net, mean: &[f64], std: &[f64], inverse: bool) {
    let Some((w, b)) = output_slices(net) else { return };
    let outs = mean.len();
    if outs == 0 || net.slice(b).len() != outs {
        return;
    }
    let ins = net.slice(w).len() / outs;
    for (o, (&m, &s)) in mean.iter().zip(std).enumerate() {
        for v in &mut net.slice_mut(w)[o * ins..(o + 1) * ins] {
            *v = if inverse { (*v as f64 / s) as f32 } else { (s * *v as f64) as f32 };
        }
        let v = &mut net.slice_mut(b)[o];
        *v = if inverse { ((*v as f64 - m) / s) as f32 } else { (s * *v as f64 + m) as f32 };
    }
}

/// Why [`fit`] failed.
#[derive(Debug, thiserror::Error)]
pub enum FitFailure {
    /// The training loop stopped on an error.
    #[error(transparent)]
    Fit(#[from] FitError),
    /// The network cannot be built.
    #[error("the network: {0}")]
    Net(#[from] NetError),
    /// The plan does not fit the data.
    #[error("{0}")]
    Plan(String),
}

/// Trains a network of the plan's layers and the task's output layer on rows `x` with
/// targets `t` (one row each: `[class]` for a binary task, one-hot for a multiclass one,
/// `[value]` for a regression). A fresh network draws its weights (in layer order, from
/// one generator seeded with the plan's seed, which then shuffles and drops out) and fits
/// its scaler to all of `x`; `start` continues from a saved network instead, keeping its
/// scaler. The last `validation_split` of the rows are held out for validation.
pub fn fit(
    plan: &Plan,
    task: Task,
    x: &[Vec<f32>],
    t: &[Vec<f32>],
    start: Option<Net>,
    progress: &mut dyn FnMut(&EpochRecord, u32),
) -> Result<NetOutcome, FitFailure> {
    fit_with_events(plan, task, x, t, start, progress, &mut |_| {})
}

/// [`fit`], calling `event` with what a callback did (a learning-rate reduction, early
/// stopping, restored weights, a checkpoint) after the epoch's `progress`.
pub fn fit_with_events(
    plan: &Plan,
    task: Task,
    x: &[Vec<f32>],
    t: &[Vec<f32>],
    start: Option<Net>,
    progress: &mut dyn FnMut(&EpochRecord, u32),
    event: &mut dyn FnMut(&Event),
) -> Result<NetOutcome, FitFailure> {
    let inputs = x.first().map_or(0, Vec::len);
    let outputs = t.first().map_or(0, Vec::len);
    let (fit_rows, _) = plan.check(task, x.len()).map_err(FitFailure::Plan)?;
    let specs = layer_specs(plan, task, outputs);
    let mut rng = Xoshiro128PlusPlus::new(plan.seed);
    let mut xs: Vec<Row> = x.iter().map(|r| Row::from_slice(r)).collect();
    // A regression learns standardised targets (mean 0, standard deviation 1 over the
    // training rows); the inverse is folded into the output layer afterwards.
    let target_scaler = (task == Task::Regression).then(|| target_statistics(t));
    let mut ts: Vec<Row> = match &target_scaler {
        Some((mean, std)) => t
            .iter()
            .map(|r| {
                let z: Vec<f32> =
                    r.iter().zip(mean).zip(std).map(|((&v, m), s)| ((v as f64 - m) / s) as f32).collect();
                Row::from_slice(&z)
            })
            .collect(),
        None => t.iter().map(|r| Row::from_slice(r)).collect(),
    };
    let start = start.map(|mut n| {
        if let Some((mean, std)) = &target_scaler {
            fold_target_scale(&mut n, mean, std, true);
        }
        n
    });
    let mut net = match start {
        Some(n) => {
            if n.specs() != specs || n.inputs() != inputs {
                return Err(FitFailure::Plan(format!(
                    "the initial model has {} inputs and layers {}, this run {} inputs and layers {}",
                    n.inputs(),
                    describe_specs(&n.specs()),
                    inputs,
                    describe_specs(&specs)
                )));
            }
            n
        }
        None => {
            let mut n = Net::new(inputs, &specs)?;
            let settings = dense_settings(plan);
            let mut k = 0;
            n.init(
                |_: usize, _: &tinymlp::layers::LayerInfo| {
                    let i = settings.get(k).map_or(plan.init, |s| s.0);
                    k += 1;
                    i
                },
                &mut rng,
            );
            // Standardise with the statistics of all training rows, as the tutorial's
            // StandardScaler does before the validation split.
            n.adapt(&xs);
            n
        }
    };
    let (x_fit, x_val) = xs.split_at_mut(fit_rows);
    let (t_fit, t_val) = ts.split_at_mut(fit_rows);
    let mut data = FitData::new(x_fit, t_fit);
    if !x_val.is_empty() {
        data = data.with_validation(x_val, t_val);
    }
    let mut trainer = Box::new(Trainer::<Net, MAX_BATCH>::new(task.loss()));
    let config = FitConfig::new(plan.epochs, plan.batch_size);
    let mut history = Vec::new();
    let epochs = plan.epochs;
    let sink = RefCell::new(Vec::new());
    let mut events = Vec::new();
    // runs after the other callbacks: prints the epoch, then what they did after it
    let mut record = FnCallback(|_: &mut Net, logs: &EpochLogs, _: &mut Control| {
        let r = EpochRecord::from(logs);
        progress(&r, epochs);
        history.push(r);
        for e in sink.borrow_mut().drain(..) {
            event(&e);
            events.push(e);
        }
    });
    let mode = |maximised: bool| if maximised { MonitorMode::Max } else { MonitorMode::Min };
    let mut early = Announce::new(
        plan.early_stopping.map(|e| {
            let s = EarlyStopping::new(e.monitor.monitor(), e.patience)
                .min_delta(e.min_delta)
                .mode(mode(e.monitor.maximised()));
            if e.restore_best_weights { s.restore_best_weights() } else { s }
        }),
        &sink,
        epochs,
    );
    let mut reduce = Announce::new(
        plan.reduce_lr.map(|r| {
            ReduceLrOnPlateau::new(r.monitor.monitor(), r.factor, r.patience)
                .min_lr(r.min_lr)
                .min_delta(r.min_delta)
                .cooldown(r.cooldown)
                .mode(mode(r.monitor.maximised()))
        }),
        &sink,
        epochs,
    );
    let mut checkpoint = Announce::new(
        plan.checkpoint.map(|c| ModelCheckpoint::new(c.monitor.monitor()).mode(mode(c.monitor.maximised()))),
        &sink,
        epochs,
    );
    let o = plan.optimizer_settings;
    let dense_l2: Vec<f32> = dense_settings(plan).iter().map(|s| s.1).collect();
    let l2 = slice_l2(&specs, &dense_l2);
    let any_l2 = l2.iter().any(|&v| v != 0.0);
    let started = Instant::now();
    macro_rules! fit_with {
        ($opt:expr) => {{
            let mut cbs = (&mut early, &mut reduce, &mut checkpoint, &mut record);
            if any_l2 {
                let mut opt = PerLayerL2 { inner: $opt, l2: l2.clone() };
                trainer.fit(&mut net, &mut opt, data, &config, &mut rng, &mut cbs)
            } else {
                let mut opt = $opt;
                trainer.fit(&mut net, &mut opt, data, &config, &mut rng, &mut cbs)
            }
        }};
    }
    let momentum = |nesterov| {
        Momentum::<Net>::from_config(MomentumConfig {
            lr: o.lr,
            momentum: o.momentum,
            nesterov,
            weight_decay: o.weight_decay,
            decay_biases: o.decay_biases,
        })
    };
    let report = match o.name {
        OptimizerKind::Sgd => {
            fit_with!(Sgd::from(SgdConfig {
                lr: o.lr,
                weight_decay: o.weight_decay,
                decay_biases: o.decay_biases
            }))
        }
        OptimizerKind::Momentum => fit_with!(momentum(false)),
        OptimizerKind::Nesterov => fit_with!(momentum(true)),
        OptimizerKind::Adam => fit_with!(Adam::<Net>::from_config(AdamConfig {
            lr: o.lr,
            beta1: o.beta1,
            beta2: o.beta2,
            epsilon: o.epsilon,
            weight_decay: o.weight_decay,
            decay_biases: o.decay_biases,
        })),
    };
    let (epochs_run, stopped_early, failure) = match report {
        Ok(r) => (r.epochs_run, r.stopped_early, None),
        Err(e @ FitError::BadData { .. }) => return Err(e.into()),
        Err(e) => (history.len() as u32, false, Some(e)),
    };
    let seconds = started.elapsed().as_secs_f64();
    let (early, checkpoint) = (Maybe(early.inner), checkpoint.inner);
    let mut best_checkpoint = checkpoint.as_ref().and_then(|c| c.best_model().cloned());
    if let Some((mean, std)) = &target_scaler {
        fold_target_scale(&mut net, mean, std, false);
        if let Some(c) = &mut best_checkpoint {
            fold_target_scale(c, mean, std, false);
        }
    }
    Ok(NetOutcome {
        net,
        checkpoint: best_checkpoint,
        run: RunStats {
            history,
            epochs_run,
            best_epoch: early.0.as_ref().and_then(|e| e.best()).map(|(e, _)| e + 1),
            checkpoint_epoch: checkpoint.as_ref().and_then(|c| c.best()).map(|(e, _)| e + 1),
            stopped_early,
            seconds,
            events,
        },
        target_scaler,
        failure,
    })
}

/// Layers in the `--layers` syntax, the output layer included.
pub fn describe_specs(specs: &[LayerSpec]) -> String {
    let parts: Vec<String> = specs
        .iter()
        .map(|s| match *s {
            LayerSpec::Dense { units, activation } => {
                LayerDef::Dense { units, activation, init: None, l2: 0.0 }.short()
            }
            LayerSpec::BatchNorm { momentum, epsilon } => LayerDef::BatchNorm { momentum, epsilon }.short(),
            LayerSpec::Dropout { rate } => LayerDef::Dropout { rate }.short(),
            LayerSpec::Residual { layers } => LayerDef::Residual { layers }.short(),
        })
        .collect();
    parts.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::class_targets;

    /// The network `fit` trains from a preset has the bits of the typed model `train`
    /// trains with the same recipe: same draws, scaler, batches, dropout, callbacks.
    #[test]
    fn fit_of_a_preset_is_the_typed_training_bit_for_bit() {
        let (data, _) = crate::data::moons(400, 0.2, 5);
        let x: Vec<Vec<f32>> = data.x.iter().map(|r| r.to_vec()).collect();
        let t = class_targets(Task::Binary, 2, &data.label);
        for kind in [ModelKind::Mlp, ModelKind::Perceptron] {
            let mut opts = TrainOptions::recipe(kind, 9);
            opts.epochs = 25;
            let typed = train(&opts, &data, None, &mut |_, _| {}).unwrap();
            let mut plan = Plan::recipe(kind, 9);
            plan.epochs = 25;
            plan.for_task(Task::Binary);
            let net = fit(&plan, Task::Binary, &x, &t, None, &mut |_, _| {}).unwrap();
            assert_eq!(net.net.id().unwrap(), typed.model.model_id(), "{kind:?}");
            assert_eq!(net.run.history.len(), typed.run.history.len(), "{kind:?}");
            for (a, b) in net.run.history.iter().zip(&typed.run.history) {
                assert_eq!(a, b, "{kind:?}");
            }
            assert_eq!(
                (net.run.best_epoch, net.run.checkpoint_epoch),
                (typed.run.best_epoch, typed.run.checkpoint_epoch)
            );
            match (&net.checkpoint, &typed.checkpoint) {
                (Some(a), Some(b)) => assert_eq!(a.id().unwrap(), b.model_id()),
                (None, None) => {}
                _ => panic!("{kind:?}: one checkpoint only"),
            }
        }
    }

    /// Folding the target scaler into the output layer answers `s·z + m`, and the inverse
    /// undoes it; a regression on targets far from 0 trains to them in their own units.
    #[test]
    fn a_regression_trains_on_standardised_targets_and_answers_in_its_units() {
        let specs = [
            LayerSpec::Dense { units: 3, activation: tinymlp::Activation::Tanh },
            LayerSpec::Dense { units: 1, activation: tinymlp::Activation::Linear },
        ];
        let mut net = Net::new(2, &specs).unwrap();
        net.init(
            |_: usize, _: &tinymlp::layers::LayerInfo| Init::GlorotUniform,
            &mut Xoshiro128PlusPlus::new(1),
        );
        let mut folded = net.clone();
        fold_target_scale(&mut folded, &[200.0], &[50.0], false);
        for x in [[0.5f32, -1.0], [2.0, 0.25]] {
            let (z, y) = (net.predict(&x)[0] as f64, folded.predict(&x)[0] as f64);
            assert!((y - (50.0 * z + 200.0)).abs() < 1e-3, "{y} vs {z}");
        }
        fold_target_scale(&mut folded, &[200.0], &[50.0], true);
        for x in [[0.5f32, -1.0], [2.0, 0.25]] {
            assert!((folded.predict(&x)[0] - net.predict(&x)[0]).abs() < 1e-5);
        }
        let x: Vec<Vec<f32>> = (0..200).map(|i| vec![(i % 20) as f32, (i / 20) as f32]).collect();
        let t: Vec<Vec<f32>> = x.iter().map(|r| vec![1000.0 + 300.0 * r[0] - 50.0 * r[1]]).collect();
        let mut plan = Plan::recipe(ModelKind::Perceptron, 1);
        plan.for_task(Task::Regression);
        plan.epochs = 100;
        let out = fit(&plan, Task::Regression, &x, &t, None, &mut |_, _| {}).unwrap();
        let (m, s) = out.target_scaler.clone().unwrap();
        assert!((m[0] - t.iter().map(|r| r[0] as f64).sum::<f64>() / 200.0).abs() < 1e-6 && s[0] > 1000.0);
        let predicted: Vec<f32> = x.iter().map(|r| out.net.predict(r)[0]).collect();
        let truth: Vec<f32> = t.iter().map(|r| r[0]).collect();
        let r2 = crate::metrics::regression(&predicted, &truth).r2.unwrap();
        assert!(r2 > 0.99, "R² {r2}");
    }

    #[test]
    fn per_layer_l2_reaches_only_its_layers_weights() {
        let specs = [
            LayerSpec::Dense { units: 4, activation: tinymlp::Activation::Relu },
            LayerSpec::BATCH_NORM,
            LayerSpec::Dropout { rate: 0.1 },
            LayerSpec::Dense { units: 1, activation: tinymlp::Activation::Sigmoid },
        ];
        assert_eq!(slice_l2(&specs, &[0.5, 0.25]), [0.5, 0.0, 0.0, 0.0, 0.25, 0.0]);
        let mut plan = Plan::recipe(ModelKind::Perceptron, 1);
        plan.layers = vec![LayerDef::Dense {
            units: 3,
            activation: tinymlp::Activation::Tanh,
            init: Some(Init::HeNormal),
            l2: 0.1,
        }];
        plan.output_l2 = 0.2;
        let s = dense_settings(&plan);
        assert_eq!(s, vec![(Init::HeNormal, 0.1), (Init::GlorotUniform, 0.2)]);
        let (data, _) = crate::data::moons(100, 0.2, 5);
        let x: Vec<Vec<f32>> = data.x.iter().map(|r| r.to_vec()).collect();
        let t = class_targets(Task::Binary, 2, &data.label);
        plan.epochs = 3;
        let with = fit(&plan, Task::Binary, &x, &t, None, &mut |_, _| {}).unwrap();
        plan.layers = vec![LayerDef::Dense {
            units: 3,
            activation: tinymlp::Activation::Tanh,
            init: Some(Init::HeNormal),
            l2: 0.0,
        }];
        plan.output_l2 = 0.0;
        let without = fit(&plan, Task::Binary, &x, &t, None, &mut |_, _| {}).unwrap();
        assert_ne!(with.net.id().unwrap(), without.net.id().unwrap());
    }
}
