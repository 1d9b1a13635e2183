//! Everything that decides a training run of `tinymlp train`, resolved from a preset (the
//! tutorial's recipes), then a `--spec` file, then the flags: each later one overrides.

use crate::spec::{LayerDef, MonitorName, SpecError, SpecFile, check_l2, parse_init, seed_mlp_layers};
use crate::table::Task;
use crate::train::{ModelKind, OptimizerKind};
use std::path::Path;
use tinymlp::Init;

/// The optimiser and its settings.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct OptimizerSettings {
    /// Which.
    pub name: OptimizerKind,
    /// Learning rate.
    pub lr: f32,
    /// Momentum (momentum and Nesterov; 0.9 by default).
    pub momentum: f32,
    /// Adam's β₁ (Keras' 0.9).
    pub beta1: f32,
    /// Adam's β₂ (Keras' 0.999).
    pub beta2: f32,
    /// Adam's ε (Keras' 1e-7).
    pub epsilon: f32,
    /// L2 weight decay of every parameter (0: none).
    pub weight_decay: f32,
    /// Whether the weight decay reaches biases.
    pub decay_biases: bool,
}

/// Early stopping's settings.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct EarlyStoppingSettings {
    /// Watched quantity.
    pub monitor: MonitorName,
    /// Epochs without improvement before stopping.
    pub patience: u32,
    /// Smallest change that counts.
    pub min_delta: f32,
    /// End with the best epoch's weights.
    pub restore_best_weights: bool,
}

/// Learning-rate reduction's settings.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct ReduceLrSettings {
    /// Watched quantity.
    pub monitor: MonitorName,
    /// Multiplier of the learning rate.
    pub factor: f32,
    /// Epochs without improvement before reducing.
    pub patience: u32,
    /// Smallest change that counts.
    pub min_delta: f32,
    /// Lower bound of the learning rate.
    pub min_lr: f32,
    /// Epochs to wait after a reduction.
    pub cooldown: u32,
}

/// The checkpoint's settings.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct CheckpointSettings {
    /// Watched quantity (its best epoch's model is `checkpoint.json`).
    pub monitor: MonitorName,
}

/// A training run, resolved.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Plan {
    /// The preset the defaults came from.
    pub model: ModelKind,
    /// Seed of the initial weights, shuffling and dropout.
    pub seed: u64,
    /// Epochs at most.
    pub epochs: u32,
    /// Rows per step.
    pub batch_size: usize,
    /// Learning rate (also in `optimizer_settings`).
    pub lr: f32,
    /// Optimiser (also in `optimizer_settings`).
    pub optimizer: OptimizerKind,
    /// Fraction of the training rows (the last ones) held out for validation.
    pub validation_split: f64,
    /// Whether any callback runs.
    pub callbacks: bool,
    /// The hidden layers; the output layer follows from the task.
    pub layers: Vec<LayerDef>,
    /// The initialiser of dense layers that name none.
    #[serde(serialize_with = "ser_init")]
    pub init: Init,
    /// The output layer's initialiser (`init` when `None`).
    #[serde(serialize_with = "ser_opt_init")]
    pub output_init: Option<Init>,
    /// The output layer's L2 penalty.
    pub output_l2: f32,
    /// The optimiser's settings.
    pub optimizer_settings: OptimizerSettings,
    /// Early stopping.
    pub early_stopping: Option<EarlyStoppingSettings>,
    /// Learning-rate reduction.
    pub reduce_lr: Option<ReduceLrSettings>,
    /// Checkpoint (`None` for the task's default monitor until [`Plan::for_task`]).
    pub checkpoint: Option<CheckpointSettings>,
    #[serde(skip)]
    checkpoint_monitor_given: bool,
}

fn ser_init<S: serde::Serializer>(i: &Init, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::spec::init_name(*i))
}

fn ser_opt_init<S: serde::Serializer>(i: &Option<Init>, s: S) -> Result<S::Ok, S::Error> {
    match i {
        Some(i) => s.serialize_str(&crate::spec::init_name(*i)),
        None => s.serialize_none(),
    }
}

/// Adam's and momentum's defaults (Keras').
fn optimizer_defaults(name: OptimizerKind, lr: f32) -> OptimizerSettings {
    OptimizerSettings {
        name,
        lr,
        momentum: 0.9,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-7,
        weight_decay: 0.0,
        decay_biases: true,
    }
}

impl Plan {
    /// The tutorial's recipe of `model`: the perceptron (no hidden layer, SGD 0.01, 50
    /// epochs, no callbacks) or the MLP (the seed MLP's layers, Adam 1e-3, 200 epochs, early
    /// stopping on val_loss with patience 10 restoring the best weights, learning rate
    /// halved after 5 epochs without improvement down to 1e-6, checkpoint of the best
    /// val_auc); batches of 32, the last 20 % of the training rows for validation.
    pub fn recipe(model: ModelKind, seed: u64) -> Self {
        let mlp = model == ModelKind::Mlp;
        let (optimizer, lr) = if mlp { (OptimizerKind::Adam, 0.001) } else { (OptimizerKind::Sgd, 0.01) };
        Plan {
            model,
            seed,
            epochs: if mlp { 200 } else { 50 },
            batch_size: 32,
            lr,
            optimizer,
            validation_split: 0.2,
            callbacks: mlp,
            layers: if mlp { seed_mlp_layers() } else { Vec::new() },
            init: Init::GlorotUniform,
            output_init: None,
            output_l2: 0.0,
            optimizer_settings: optimizer_defaults(optimizer, lr),
            early_stopping: mlp.then_some(EarlyStoppingSettings {
                monitor: MonitorName::ValLoss,
                patience: 10,
                min_delta: 0.0,
                restore_best_weights: true,
            }),
            reduce_lr: mlp.then_some(ReduceLrSettings {
                monitor: MonitorName::ValLoss,
                factor: 0.5,
                patience: 5,
                min_delta: 1e-4,
                min_lr: 1e-6,
                cooldown: 0,
            }),
            checkpoint: None,
            checkpoint_monitor_given: false,
        }
        .with_checkpoint(mlp)
    }

    fn with_checkpoint(mut self, on: bool) -> Self {
        // The task's monitor is set by `for_task`; until then, the binary one.
        self.checkpoint = on.then_some(CheckpointSettings { monitor: MonitorName::ValAuc });
        self
    }

    /// Sets the optimiser (keeping its other settings).
    pub fn set_optimizer(&mut self, name: OptimizerKind) {
        self.optimizer = name;
        self.optimizer_settings.name = name;
    }

    /// Sets the learning rate.
    pub fn set_lr(&mut self, lr: f32) {
        self.lr = lr;
        self.optimizer_settings.lr = lr;
    }

    /// Applies a spec file's settings (`path` names it in errors).
    pub fn apply_spec(&mut self, spec: &SpecFile, path: &Path) -> Result<(), SpecError> {
        let p = path.display().to_string();
        let setting = |message: String| SpecError::Setting { path: p.clone(), message };
        if let Some(layers) = spec.hidden_layers(path)? {
            self.layers = layers;
        }
        if let Some(i) = &spec.init {
            self.init = parse_init(i).map_err(|m| setting(format!("init: {m}")))?;
        }
        if let Some(o) = &spec.output {
            if let Some(i) = &o.init {
                self.output_init = Some(parse_init(i).map_err(|m| setting(format!("output.init: {m}")))?);
            }
            self.output_l2 = check_l2(o.l2).map_err(|m| setting(format!("output: {m}")))?;
        }
        if let Some(o) = &spec.optimizer {
            if let Some(n) = o.name {
                self.set_optimizer(n);
            }
            if let Some(lr) = o.lr {
                self.set_lr(lr);
            }
            let s = &mut self.optimizer_settings;
            s.momentum = o.momentum.unwrap_or(s.momentum);
            s.beta1 = o.beta1.unwrap_or(s.beta1);
            s.beta2 = o.beta2.unwrap_or(s.beta2);
            s.epsilon = o.epsilon.unwrap_or(s.epsilon);
            s.weight_decay = o.weight_decay.unwrap_or(s.weight_decay);
            s.decay_biases = o.decay_biases.unwrap_or(s.decay_biases);
        }
        if let Some(t) = &spec.training {
            self.epochs = t.epochs.unwrap_or(self.epochs);
            self.batch_size = t.batch_size.unwrap_or(self.batch_size);
            self.seed = t.seed.unwrap_or(self.seed);
            self.validation_split = t.validation_split.unwrap_or(self.validation_split);
        }
        if let Some(c) = &spec.callbacks {
            if let Some(e) = &c.early_stopping {
                if e.enabled == Some(false) {
                    self.early_stopping = None;
                } else {
                    let mut s = self.early_stopping.unwrap_or(EarlyStoppingSettings {
                        monitor: MonitorName::ValLoss,
                        patience: 10,
                        min_delta: 0.0,
                        restore_best_weights: true,
                    });
                    s.monitor = e.monitor.unwrap_or(s.monitor);
                    s.patience = e.patience.unwrap_or(s.patience);
                    s.min_delta = e.min_delta.unwrap_or(s.min_delta);
                    s.restore_best_weights = e.restore_best_weights.unwrap_or(s.restore_best_weights);
                    self.early_stopping = Some(s);
                }
            }
            if let Some(e) = &c.reduce_lr {
                if e.enabled == Some(false) {
                    self.reduce_lr = None;
                } else {
                    let mut s = self.reduce_lr.unwrap_or(ReduceLrSettings {
                        monitor: MonitorName::ValLoss,
                        factor: 0.5,
                        patience: 5,
                        min_delta: 1e-4,
                        min_lr: 1e-6,
                        cooldown: 0,
                    });
                    s.monitor = e.monitor.unwrap_or(s.monitor);
                    s.factor = e.factor.unwrap_or(s.factor);
                    s.patience = e.patience.unwrap_or(s.patience);
                    s.min_delta = e.min_delta.unwrap_or(s.min_delta);
                    s.min_lr = e.min_lr.unwrap_or(s.min_lr);
                    s.cooldown = e.cooldown.unwrap_or(s.cooldown);
                    self.reduce_lr = Some(s);
                }
            }
            if let Some(e) = &c.checkpoint {
                if e.enabled == Some(false) {
                    self.checkpoint = None;
                } else {
                    let monitor =
                        e.monitor.or(self.checkpoint.map(|c| c.monitor)).unwrap_or(MonitorName::ValAuc);
                    self.checkpoint_monitor_given |= e.monitor.is_some();
                    self.checkpoint = Some(CheckpointSettings { monitor });
                }
            }
        }
        self.callbacks =
            self.early_stopping.is_some() || self.reduce_lr.is_some() || self.checkpoint.is_some();
        Ok(())
    }

    /// Fits the plan to the task: the checkpoint watches val_auc for two classes,
    /// val_accuracy for more, val_loss for a regression, unless the spec chose.
    pub fn for_task(&mut self, task: Task) {
        if let Some(c) = &mut self.checkpoint
            && !self.checkpoint_monitor_given
        {
            c.monitor = match task {
                Task::Binary => MonitorName::ValAuc,
                Task::Multiclass => MonitorName::ValAccuracy,
                Task::Regression => MonitorName::ValLoss,
            };
        }
        self.callbacks =
            self.early_stopping.is_some() || self.reduce_lr.is_some() || self.checkpoint.is_some();
    }

    /// The monitors of the callbacks that run, with the callback's name.
    pub fn monitors(&self) -> Vec<(&'static str, MonitorName)> {
        let mut m = Vec::new();
        if let Some(e) = self.early_stopping {
            m.push(("early stopping", e.monitor));
        }
        if let Some(r) = self.reduce_lr {
            m.push(("reduce_lr", r.monitor));
        }
        if let Some(c) = self.checkpoint {
            m.push(("checkpoint", c.monitor));
        }
        m
    }

    /// Checks the settings against the task and the number of training rows: the rows
    /// used for fitting and for validation.
    pub fn check(&self, task: Task, rows: usize) -> Result<(usize, usize), String> {
        let o = &self.optimizer_settings;
        if !(o.lr.is_finite() && o.lr > 0.0) {
            return Err(format!("the learning rate must be a positive number, got {}", o.lr));
        }
        if self.batch_size == 0 {
            return Err("the batch size must be at least 1".into());
        }
        if self.epochs == 0 {
            return Err("train at least 1 epoch".into());
        }
        if !(o.momentum.is_finite() && (0.0..1.0).contains(&o.momentum)) {
            return Err(format!("the momentum must be in [0, 1), got {}", o.momentum));
        }
        if !((0.0..1.0).contains(&o.beta1) && (0.0..1.0).contains(&o.beta2)) {
            return Err(format!("Adam's beta1 and beta2 must be in [0, 1), got {} and {}", o.beta1, o.beta2));
        }
        if !(o.epsilon.is_finite() && o.epsilon > 0.0) {
            return Err(format!("Adam's epsilon must be a positive number, got {}", o.epsilon));
        }
        if !(o.weight_decay.is_finite() && o.weight_decay >= 0.0) {
            return Err(format!("the weight decay must be a number ≥ 0, got {}", o.weight_decay));
        }
        if !(0.0..1.0).contains(&self.validation_split) {
            return Err(format!("the validation split must be in [0, 1), got {}", self.validation_split));
        }
        if let Some(r) = self.reduce_lr
            && !(r.factor > 0.0 && r.factor < 1.0)
        {
            return Err(format!("reduce_lr's factor must be in (0, 1), got {}", r.factor));
        }
        let fit = tinymlp::train::validation_split_index(rows, self.validation_split);
        let val = rows - fit;
        if fit == 0 {
            return Err(format!(
                "the validation split {} of {rows} rows leaves no row to fit",
                self.validation_split
            ));
        }
        if self.validation_split > 0.0 && val == 0 {
            return Err(format!(
                "the validation split {} of {rows} training rows is empty: give more rows, a larger split, or a split of 0 (with the callbacks off)",
                self.validation_split
            ));
        }
        for (name, m) in self.monitors() {
            if m.validation() && val == 0 {
                return Err(format!(
                    "{name} watches {} but there are no validation rows (validation split 0): set one, or turn the callback off in the spec file",
                    serde_json::to_value(m)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                ));
            }
            if matches!(m, MonitorName::Auc | MonitorName::ValAuc) && task != Task::Binary {
                return Err(format!(
                    "{name} watches an AUC, which training measures for two classes only; this task is {}",
                    task.name()
                ));
            }
            if matches!(m, MonitorName::Accuracy | MonitorName::ValAccuracy) && task == Task::Regression {
                return Err(format!("{name} watches an accuracy, which a regression has not"));
            }
        }
        Ok((fit, val))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recipes_are_the_tutorials() {
        let p = Plan::recipe(ModelKind::Mlp, 3);
        assert_eq!((p.epochs, p.batch_size, p.lr, p.optimizer), (200, 32, 0.001, OptimizerKind::Adam));
        assert_eq!(p.layers, seed_mlp_layers());
        assert_eq!(p.early_stopping.unwrap().patience, 10);
        assert_eq!(p.checkpoint.unwrap().monitor, MonitorName::ValAuc);
        let p = Plan::recipe(ModelKind::Perceptron, 3);
        assert_eq!((p.epochs, p.lr, p.optimizer, p.callbacks), (50, 0.01, OptimizerKind::Sgd, false));
        assert!(p.layers.is_empty());
    }

    #[test]
    fn a_spec_overrides_the_recipe_and_fits_the_task() {
        let spec = SpecFile::parse(
            "[optimizer]\nname = \"sgd\"\nlr = 0.1\n[training]\nepochs = 7\n[callbacks.reduce_lr]\nenabled = false\n",
            Path::new("s.toml"),
        )
        .unwrap();
        let mut p = Plan::recipe(ModelKind::Mlp, 0);
        p.apply_spec(&spec, Path::new("s.toml")).unwrap();
        assert_eq!((p.optimizer, p.lr, p.epochs, p.reduce_lr), (OptimizerKind::Sgd, 0.1, 7, None));
        p.for_task(Task::Multiclass);
        assert_eq!(p.checkpoint.unwrap().monitor, MonitorName::ValAccuracy);
        p.for_task(Task::Regression);
        assert_eq!(p.checkpoint.unwrap().monitor, MonitorName::ValLoss);
        assert_eq!(p.check(Task::Regression, 100), Ok((80, 20)));
    }

    #[test]
    fn bad_settings_are_refused() {
        let p = Plan::recipe(ModelKind::Mlp, 0);
        assert!(
            p.check(Task::Binary, 3)
                .unwrap_err()
                .contains("validation split 0.2 of 3 training rows is empty")
        );
        let mut q = p.clone();
        q.validation_split = 0.0;
        assert!(
            q.check(Task::Binary, 100)
                .unwrap_err()
                .contains("early stopping watches val_loss but there are no validation rows")
        );
        let mut q = Plan::recipe(ModelKind::Perceptron, 0);
        q.validation_split = 0.0;
        assert_eq!(q.check(Task::Binary, 100), Ok((100, 0)));
        let spec =
            SpecFile::parse("[callbacks.checkpoint]\nmonitor = \"val_auc\"\n", Path::new("s.toml")).unwrap();
        let mut q = p.clone();
        q.apply_spec(&spec, Path::new("s.toml")).unwrap();
        q.for_task(Task::Multiclass);
        assert!(q.check(Task::Multiclass, 100).unwrap_err().contains("checkpoint watches an AUC"));
        let mut q = p.clone();
        q.set_lr(-1.0);
        assert!(q.check(Task::Binary, 100).unwrap_err().contains("learning rate must be a positive number"));
    }
}
