//! What to train, as the user says it: the `--layers` list and the `--spec` file (JSON or
//! TOML). Both are checked here, with errors naming the layer or the file's line.

use crate::table::TaskKind;
use crate::train::OptimizerKind;
use std::path::Path;
use thiserror::Error;
use tinymlp::{Activation, Init};

/// Widest hidden dense layer ([`tinymlp_net::MAX_UNITS`]).
pub const MAX_UNITS: usize = tinymlp_net::MAX_UNITS;

/// Keras' BatchNormalization defaults.
pub const BN_MOMENTUM: f32 = 0.99;
/// Keras' BatchNormalization defaults.
pub const BN_EPSILON: f32 = 1e-3;

/// Why a layer list or a spec file is refused.
#[derive(Debug, Error, PartialEq)]
pub enum SpecError {
    /// A layer of `--layers` (or of the spec's `layers`) is wrong.
    #[error("{source_name}: layer {index} (`{text}`): {message}")]
    Layer {
        /// `--layers` or the spec file.
        source_name: String,
        /// 1-based position in the list.
        index: usize,
        /// The layer as written.
        text: String,
        /// What is wrong.
        message: String,
    },
    /// The spec file cannot be parsed (the message has the line).
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What the parser said.
        message: String,
    },
    /// A setting of the spec file is out of range.
    #[error("{path}: {message}")]
    Setting {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// One hidden layer.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LayerDef {
    /// A dense layer.
    Dense {
        /// Neurons.
        units: usize,
        /// Its activation.
        #[serde(serialize_with = "ser_activation")]
        activation: Activation,
        /// Its weights' initialiser (the run's default when `None`).
        #[serde(serialize_with = "ser_init")]
        init: Option<Init>,
        /// L2 penalty of its weights (added to their gradient as `l2 · w`).
        l2: f32,
    },
    /// Batch normalisation.
    BatchNorm {
        /// Momentum of the moving statistics.
        momentum: f32,
        /// Added to the variance.
        epsilon: f32,
    },
    /// Dropout.
    Dropout {
        /// Fraction of units dropped while training.
        rate: f32,
    },
    /// A skip connection `y = x + L(x)` around the next `layers` layers (nested blocks'
    /// markers counted), which must keep the width.
    Residual {
        /// Layers inside the block.
        layers: usize,
    },
}

fn ser_activation<S: serde::Serializer>(a: &Activation, s: S) -> Result<S::Ok, S::Error> {
    match a.alpha() {
        Some(alpha) => s.serialize_str(&format!("{}:{alpha}", a.name())),
        None => s.serialize_str(a.name()),
    }
}

fn ser_init<S: serde::Serializer>(i: &Option<Init>, s: S) -> Result<S::Ok, S::Error> {
    match i {
        Some(i) => s.serialize_str(&init_name(*i)),
        None => s.serialize_none(),
    }
}

impl LayerDef {
    /// The same layer in the `--layers` syntax.
    pub fn short(&self) -> String {
        match *self {
            LayerDef::Dense { units, activation, .. } => match activation.alpha() {
                Some(a) => format!("{units}:{}:{a}", activation.name()),
                None => format!("{units}:{}", activation.name()),
            },
            LayerDef::BatchNorm { momentum, epsilon } if momentum == BN_MOMENTUM && epsilon == BN_EPSILON => {
                "bn".into()
            }
            LayerDef::BatchNorm { momentum, epsilon } => format!("bn:{momentum}:{epsilon}"),
            LayerDef::Dropout { rate } => format!("dropout:{rate}"),
            LayerDef::Residual { layers } => format!("residual:{layers}"),
        }
    }
}

/// The seed MLP's hidden layers (the tutorial's Model 2, [`tinymlp::zoo::seed_mlp`]).
pub fn seed_mlp_layers() -> Vec<LayerDef> {
    let dense = |units| LayerDef::Dense { units, activation: Activation::Relu, init: None, l2: 0.0 };
    let bn = LayerDef::BatchNorm { momentum: BN_MOMENTUM, epsilon: BN_EPSILON };
    vec![
        dense(64),
        bn,
        LayerDef::Dropout { rate: 0.3 },
        dense(32),
        bn,
        LayerDef::Dropout { rate: 0.2 },
        dense(16),
    ]
}

/// Names of the initialisers, as `--spec` files write them (`uniform:LIMIT`,
/// `normal:STD`, `he_leaky:ALPHA` and `constant:VALUE` take a number).
pub const INIT_NAMES: [&str; 10] = [
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "he_leaky",
    "lecun_normal",
    "uniform",
    "normal",
    "constant",
    "zeros",
];

/// The initialiser written `text` (see [`INIT_NAMES`]).
pub fn parse_init(text: &str) -> Result<Init, String> {
    let mut parts = text.split(':').map(str::trim);
    let name = parts.next().unwrap_or("");
    let arg = parts.next();
    if parts.next().is_some() {
        return Err(format!("initialiser `{text}` has too many parts"));
    }
    let number = |what: &str| -> Result<f32, String> {
        let a = arg.ok_or_else(|| format!("`{name}` needs its {what}: `{name}:NUMBER`"))?;
        a.parse::<f32>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("the {what} of `{name}` must be a number, got `{a}`"))
    };
    let none = |i: Init| match arg {
        Some(_) => Err(format!("`{name}` takes no parameter")),
        None => Ok(i),
    };
    match name {
        "glorot_uniform" => none(Init::GlorotUniform),
        "glorot_normal" => none(Init::GlorotNormal),
        "he_uniform" => none(Init::HeUniform),
        "he_normal" => none(Init::HeNormal),
        "lecun_normal" => none(Init::LecunNormal),
        "zeros" => none(Init::Zeros),
        "he_leaky" => Ok(Init::HeLeaky { alpha: number("alpha")? }),
        "uniform" => Ok(Init::Uniform { limit: number("limit")? }),
        "normal" => Ok(Init::Normal { std: number("std")? }),
        "constant" => Ok(Init::Constant(number("value")?)),
        _ => Err(format!("unknown initialiser `{name}`; known: {}", INIT_NAMES.join(", "))),
    }
}

/// The name of an initialiser, as [`parse_init`] reads it.
pub fn init_name(i: Init) -> String {
    match i {
        Init::GlorotUniform => "glorot_uniform".into(),
        Init::GlorotNormal => "glorot_normal".into(),
        Init::HeUniform => "he_uniform".into(),
        Init::HeNormal => "he_normal".into(),
        Init::HeLeaky { alpha } => format!("he_leaky:{alpha}"),
        Init::LecunNormal => "lecun_normal".into(),
        Init::Uniform { limit } => format!("uniform:{limit}"),
        Init::Normal { std } => format!("normal:{std}"),
        Init::Constant(c) => format!("constant:{c}"),
        Init::Zeros => "zeros".into(),
        Init::Custom(_) => "custom".into(),
    }
}

fn activation_names() -> String {
    tinymlp::layers::ACTIVATIONS.iter().map(|a| a.0).collect::<Vec<_>>().join(", ")
}

/// The activation `name` with an optional `alpha` (leaky ReLU and ELU only).
pub fn parse_activation(name: &str, alpha: Option<f32>) -> Result<Activation, String> {
    let a = Activation::from_name(name, alpha)
        .ok_or_else(|| format!("unknown activation `{name}`; known: {}", activation_names()))?;
    if alpha.is_some() && a.alpha().is_none() {
        return Err(format!("`{name}` takes no parameter (only leaky_relu and elu take alpha)"));
    }
    if let Some(al) = a.alpha()
        && !al.is_finite()
    {
        return Err(format!("alpha must be finite, got {al}"));
    }
    Ok(a)
}

fn check_units(units: usize) -> Result<usize, String> {
    if units == 0 || units > MAX_UNITS {
        return Err(format!("a dense layer has 1 to {MAX_UNITS} units, got {units}"));
    }
    Ok(units)
}

fn check_rate(rate: f32) -> Result<f32, String> {
    if !(0.0..1.0).contains(&rate) {
        return Err(format!("the dropout rate must be in [0, 1), got {rate}"));
    }
    Ok(rate)
}

fn check_block(layers: Option<usize>) -> Result<usize, String> {
    match layers {
        Some(n) if n > 0 => Ok(n),
        _ => Err("a residual block goes around 1 or more layers: `residual:2`".into()),
    }
}

fn check_bn(momentum: f32, epsilon: f32) -> Result<LayerDef, String> {
    if !(0.0..=1.0).contains(&momentum) {
        return Err(format!("the BatchNorm momentum must be in [0, 1], got {momentum}"));
    }
    if !(epsilon > 0.0 && epsilon.is_finite()) {
        return Err(format!("the BatchNorm epsilon must be a positive number, got {epsilon}"));
    }
    Ok(LayerDef::BatchNorm { momentum, epsilon })
}

fn number(text: &str, what: &str) -> Result<f32, String> {
    text.parse::<f32>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("{what} must be a number, got `{text}`"))
}

/// One layer in the `--layers` syntax: `UNITS:ACTIVATION[:ALPHA]`, `bn[:MOMENTUM:EPSILON]`,
/// `dropout:RATE`, `residual:LAYERS` (a skip connection around the next `LAYERS` layers).
pub fn parse_layer(text: &str) -> Result<LayerDef, String> {
    let parts: Vec<&str> = text.split(':').map(str::trim).collect();
    match parts[0] {
        "" => Err("empty layer".into()),
        "bn" | "batchnorm" | "batch_norm" => match parts[1..] {
            [] => check_bn(BN_MOMENTUM, BN_EPSILON),
            [m] => check_bn(number(m, "the momentum")?, BN_EPSILON),
            [m, e] => check_bn(number(m, "the momentum")?, number(e, "epsilon")?),
            _ => Err("write `bn` or `bn:MOMENTUM:EPSILON`".into()),
        },
        "dropout" => match parts[1..] {
            [r] => Ok(LayerDef::Dropout { rate: check_rate(number(r, "the rate")?)? }),
            _ => Err("write `dropout:RATE`".into()),
        },
        "residual" | "res" => match parts[1..] {
            [n] => Ok(LayerDef::Residual { layers: check_block(n.parse().ok())? }),
            _ => Err("write `residual:LAYERS`, the number of layers the skip goes around".into()),
        },
        units => {
            let units: usize = units.parse().map_err(|_| {
                format!("a layer is `UNITS:ACTIVATION`, `bn` or `dropout:RATE`; `{units}` is none of them")
            })?;
            let units = check_units(units)?;
            let activation = match parts[1..] {
                [] => {
                    return Err(format!(
                        "give the activation: `{units}:relu` (known: {})",
                        activation_names()
                    ));
                }
                [a] => parse_activation(a, None)?,
                [a, alpha] => parse_activation(a, Some(number(alpha, "alpha")?))?,
                _ => return Err("write `UNITS:ACTIVATION` or `UNITS:ACTIVATION:ALPHA`".into()),
            };
            Ok(LayerDef::Dense { units, activation, init: None, l2: 0.0 })
        }
    }
}

/// A `--layers` list: layers separated by commas (empty: no hidden layer).
pub fn parse_layers(text: &str) -> Result<Vec<LayerDef>, SpecError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .enumerate()
        .map(|(i, item)| {
            parse_layer(item.trim()).map_err(|message| SpecError::Layer {
                source_name: "--layers".into(),
                index: i + 1,
                text: item.trim().into(),
                message,
            })
        })
        .collect()
}

/// A `--spec` file, as written. Every field is optional; flags override them.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    /// `classification` or `regression`.
    pub task: Option<TaskKind>,
    /// The label column.
    pub label: Option<String>,
    /// Hidden layers, in order.
    pub layers: Option<Vec<LayerEntry>>,
    /// The output layer's initialiser and L2.
    pub output: Option<OutputEntry>,
    /// The initialiser of every dense layer that names none (default `glorot_uniform`).
    pub init: Option<String>,
    /// The optimiser.
    pub optimizer: Option<OptimizerEntry>,
    /// Epochs, batch size, seed, validation split.
    pub training: Option<TrainingEntry>,
    /// Early stopping, learning-rate reduction, checkpoint.
    pub callbacks: Option<CallbacksEntry>,
}

/// A layer of a spec file: `type` is `dense`, `batch_norm` (or `bn`), `dropout` or
/// `residual`.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerEntry {
    /// `dense`, `batch_norm`/`bn`, `dropout`, `residual`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Dense: neurons.
    pub units: Option<usize>,
    /// Dense: activation name.
    pub activation: Option<String>,
    /// Dense: alpha of leaky_relu or elu.
    pub alpha: Option<f32>,
    /// Dense: initialiser name.
    pub init: Option<String>,
    /// Dense: L2 penalty of the weights.
    pub l2: Option<f32>,
    /// BatchNorm: momentum.
    pub momentum: Option<f32>,
    /// BatchNorm: epsilon.
    pub epsilon: Option<f32>,
    /// Dropout: rate.
    pub rate: Option<f32>,
    /// Residual: the number of layers the skip goes around.
    pub layers: Option<usize>,
}

/// The output layer's settings.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputEntry {
    /// Initialiser name.
    pub init: Option<String>,
    /// L2 penalty of the weights.
    pub l2: Option<f32>,
}

/// The optimiser's settings.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimizerEntry {
    /// `sgd`, `momentum`, `nesterov`, `adam`.
    pub name: Option<OptimizerKind>,
    /// Learning rate.
    pub lr: Option<f32>,
    /// Momentum (momentum and Nesterov).
    pub momentum: Option<f32>,
    /// Adam's β₁.
    pub beta1: Option<f32>,
    /// Adam's β₂.
    pub beta2: Option<f32>,
    /// Adam's ε.
    pub epsilon: Option<f32>,
    /// L2 weight decay of every parameter.
    pub weight_decay: Option<f32>,
    /// Whether the weight decay reaches biases too.
    pub decay_biases: Option<bool>,
}

/// The training loop's settings.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingEntry {
    /// Epochs at most.
    pub epochs: Option<u32>,
    /// Rows per step.
    pub batch_size: Option<usize>,
    /// Seed of weights, shuffling and dropout.
    pub seed: Option<u64>,
    /// Fraction of the training rows (the last ones) held out for validation.
    pub validation_split: Option<f64>,
}

/// The callbacks' settings.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbacksEntry {
    /// Early stopping.
    pub early_stopping: Option<EarlyStoppingEntry>,
    /// Learning-rate reduction on plateau.
    pub reduce_lr: Option<ReduceLrEntry>,
    /// The best model by a monitored quantity.
    pub checkpoint: Option<CheckpointEntry>,
}

/// Early stopping's settings.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EarlyStoppingEntry {
    /// `false` turns it off.
    pub enabled: Option<bool>,
    /// Watched quantity.
    pub monitor: Option<MonitorName>,
    /// Epochs without improvement before stopping.
    pub patience: Option<u32>,
    /// Smallest change that counts as an improvement.
    pub min_delta: Option<f32>,
    /// End with the best epoch's weights.
    pub restore_best_weights: Option<bool>,
}

/// Learning-rate reduction's settings.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReduceLrEntry {
    /// `false` turns it off.
    pub enabled: Option<bool>,
    /// Watched quantity.
    pub monitor: Option<MonitorName>,
    /// Multiplier of the learning rate.
    pub factor: Option<f32>,
    /// Epochs without improvement before reducing.
    pub patience: Option<u32>,
    /// Smallest change that counts as an improvement.
    pub min_delta: Option<f32>,
    /// Lower bound of the learning rate.
    pub min_lr: Option<f32>,
    /// Epochs to wait after a reduction.
    pub cooldown: Option<u32>,
}

/// The checkpoint's settings.
#[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointEntry {
    /// `false` turns it off.
    pub enabled: Option<bool>,
    /// Watched quantity.
    pub monitor: Option<MonitorName>,
}

/// A quantity callbacks watch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MonitorName {
    /// Training loss.
    Loss,
    /// Training accuracy.
    Accuracy,
    /// Training AUC (binary tasks).
    Auc,
    /// Validation loss.
    ValLoss,
    /// Validation accuracy.
    ValAccuracy,
    /// Validation AUC (binary tasks).
    ValAuc,
}

impl MonitorName {
    /// The core's monitor.
    pub fn monitor(self) -> tinymlp::train::callbacks::Monitor {
        use tinymlp::train::callbacks::Monitor;
        match self {
            MonitorName::Loss => Monitor::Loss,
            MonitorName::Accuracy => Monitor::Accuracy,
            MonitorName::Auc => Monitor::Auc,
            MonitorName::ValLoss => Monitor::ValLoss,
            MonitorName::ValAccuracy => Monitor::ValAccuracy,
            MonitorName::ValAuc => Monitor::ValAuc,
        }
    }

    /// `true` for the quantities that grow as the model improves.
    pub fn maximised(self) -> bool {
        !matches!(self, MonitorName::Loss | MonitorName::ValLoss)
    }

    /// `true` for the quantities measured on the validation rows.
    pub fn validation(self) -> bool {
        matches!(self, MonitorName::ValLoss | MonitorName::ValAccuracy | MonitorName::ValAuc)
    }
}

impl SpecFile {
    /// Reads a spec file: TOML when its name ends in `.toml`, JSON otherwise (a file that
    /// fails as JSON and starts like TOML is read as TOML).
    pub fn read(path: &Path) -> Result<Self, SpecError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| SpecError::File { path: p.clone(), message: format!("cannot read: {e}") })?;
        Self::parse(&text, path)
    }

    /// [`SpecFile::read`] from the text (`path` names it and chooses the format).
    pub fn parse(text: &str, path: &Path) -> Result<Self, SpecError> {
        let p = path.display().to_string();
        let toml_name = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        let looks_json = text.trim_start().starts_with('{');
        if toml_name || !looks_json {
            toml::from_str(text).map_err(|e| SpecError::File {
                path: p,
                message: format!("TOML: {}", e.to_string().trim_end()),
            })
        } else {
            serde_json::from_str(text).map_err(|e| SpecError::File { path: p, message: format!("JSON: {e}") })
        }
    }

    /// The hidden layers, checked (`None` when the file has no `layers`).
    pub fn hidden_layers(&self, path: &Path) -> Result<Option<Vec<LayerDef>>, SpecError> {
        let Some(entries) = &self.layers else { return Ok(None) };
        let source_name = format!("{}: layers", path.display());
        entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                layer_of(e).map_err(|message| SpecError::Layer {
                    source_name: source_name.clone(),
                    index: i + 1,
                    text: e.kind.clone(),
                    message,
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }
}

fn layer_of(e: &LayerEntry) -> Result<LayerDef, String> {
    // Every field an entry may hold; each type takes some of them, and any other is refused.
    let present = [
        ("units", e.units.is_some()),
        ("activation", e.activation.is_some()),
        ("alpha", e.alpha.is_some()),
        ("init", e.init.is_some()),
        ("l2", e.l2.is_some()),
        ("momentum", e.momentum.is_some()),
        ("epsilon", e.epsilon.is_some()),
        ("rate", e.rate.is_some()),
        ("layers", e.layers.is_some()),
    ];
    let only = |allowed: &[&str]| -> Result<(), String> {
        match present.iter().find(|(name, there)| *there && !allowed.contains(name)) {
            Some((name, _)) => Err(format!("a `{}` layer has no `{name}`", e.kind)),
            None => Ok(()),
        }
    };
    match e.kind.as_str() {
        "dense" => {
            only(&["units", "activation", "alpha", "init", "l2"])?;
            let units = check_units(e.units.ok_or("a dense layer needs `units`")?)?;
            let activation = parse_activation(
                e.activation.as_deref().ok_or("a dense layer needs `activation`")?,
                e.alpha,
            )?;
            let init = e.init.as_deref().map(parse_init).transpose()?;
            let l2 = check_l2(e.l2)?;
            Ok(LayerDef::Dense { units, activation, init, l2 })
        }
        "batch_norm" | "bn" | "batchnorm" => {
            only(&["momentum", "epsilon"])?;
            check_bn(e.momentum.unwrap_or(BN_MOMENTUM), e.epsilon.unwrap_or(BN_EPSILON))
        }
        "dropout" => {
            only(&["rate"])?;
            Ok(LayerDef::Dropout { rate: check_rate(e.rate.ok_or("a dropout layer needs `rate`")?)? })
        }
        "residual" => {
            only(&["layers"])?;
            Ok(LayerDef::Residual {
                layers: check_block(Some(e.layers.ok_or("a residual layer needs `layers`")?))?,
            })
        }
        other => Err(format!("unknown layer type `{other}`; use dense, batch_norm, dropout or residual")),
    }
}

/// An L2 penalty: 0 when absent, else a finite number ≥ 0.
pub fn check_l2(l2: Option<f32>) -> Result<f32, String> {
    match l2 {
        None => Ok(0.0),
        Some(v) if v.is_finite() && v >= 0.0 => Ok(v),
        Some(v) => Err(format!("l2 must be a number ≥ 0, got {v}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_parse_in_the_short_syntax() {
        let l = parse_layers(
            "64:relu,bn,dropout:0.3,32:leaky_relu:0.1,bn:0.9:0.01,16:elu,8:gelu,6:relu6,4:softmax",
        )
        .unwrap();
        assert_eq!(l.len(), 9);
        assert_eq!(l[7], LayerDef::Dense { units: 6, activation: Activation::Relu6, init: None, l2: 0.0 });
        assert_eq!(l[0], LayerDef::Dense { units: 64, activation: Activation::Relu, init: None, l2: 0.0 });
        assert_eq!(l[1], LayerDef::BatchNorm { momentum: 0.99, epsilon: 1e-3 });
        assert_eq!(l[2], LayerDef::Dropout { rate: 0.3 });
        assert_eq!(
            l[3],
            LayerDef::Dense {
                units: 32,
                activation: Activation::LeakyRelu { alpha: 0.1 },
                init: None,
                l2: 0.0
            }
        );
        assert_eq!(l[4], LayerDef::BatchNorm { momentum: 0.9, epsilon: 0.01 });
        assert_eq!(
            l[5],
            LayerDef::Dense { units: 16, activation: Activation::Elu { alpha: 1.0 }, init: None, l2: 0.0 }
        );
        let short: Vec<String> = l.iter().map(LayerDef::short).collect();
        assert_eq!(
            short.join(","),
            "64:relu,bn,dropout:0.3,32:leaky_relu:0.1,bn:0.9:0.01,16:elu:1,8:gelu,6:relu6,4:softmax"
        );
        assert_eq!(parse_layers("").unwrap(), vec![]);
        let seed: Vec<String> = seed_mlp_layers().iter().map(LayerDef::short).collect();
        assert_eq!(seed.join(","), "64:relu,bn,dropout:0.3,32:relu,bn,dropout:0.2,16:relu");
    }

    #[test]
    fn residual_blocks_in_both_syntaxes() {
        use crate::plan::Plan;
        use crate::table::Task;
        use crate::train::{ModelKind, describe_specs, layer_specs};
        use tinymlp_net::{LayerSpec, Net, NetError};
        let l = parse_layers("16:relu,residual:2,16:tanh,16:linear,res:1,bn").unwrap();
        assert_eq!(l[1], LayerDef::Residual { layers: 2 });
        assert_eq!(l[4], LayerDef::Residual { layers: 1 });
        let short: Vec<String> = l.iter().map(LayerDef::short).collect();
        assert_eq!(short.join(","), "16:relu,residual:2,16:tanh,16:linear,residual:1,bn");
        let toml = "[[layers]]\ntype = \"residual\"\nlayers = 3\n";
        let spec = SpecFile::parse(toml, Path::new("s.toml")).unwrap();
        assert_eq!(
            spec.hidden_layers(Path::new("s.toml")).unwrap(),
            Some(vec![LayerDef::Residual { layers: 3 }])
        );
        // Into a network: the blocks are the net's, the output layer after them.
        let mut plan = Plan::recipe(ModelKind::Perceptron, 1);
        plan.layers = l;
        let specs = layer_specs(&plan, Task::Regression, 1);
        assert_eq!(specs[1], LayerSpec::Residual { layers: 2 });
        assert_eq!(describe_specs(&specs), "16:relu,residual:2,16:tanh,16:linear,residual:1,bn,1:linear");
        assert!(Net::new(2, &specs).is_ok());
        // A block that changes the width is the network's error, at the marker.
        plan.layers = parse_layers("16:relu,residual:1,8:relu").unwrap();
        let e = Net::new(2, &layer_specs(&plan, Task::Regression, 1)).unwrap_err();
        assert!(matches!(e, NetError::Block { layer: 2, .. }), "{e}");
        assert_eq!(
            e.to_string(),
            "layer 2: the residual block is 16 values wide but its layers have 8 values where they meet it"
        );
        let e = |s: &str| parse_layers(s).unwrap_err().to_string();
        assert_eq!(
            e("residual:0"),
            "--layers: layer 1 (`residual:0`): a residual block goes around 1 or more layers: `residual:2`"
        );
        assert!(e("residual").contains("write `residual:LAYERS`"));
        let toml = "[[layers]]\ntype = \"residual\"\nunits = 3\nlayers = 1\n";
        let spec = SpecFile::parse(toml, Path::new("s.toml")).unwrap();
        assert!(
            spec.hidden_layers(Path::new("s.toml"))
                .unwrap_err()
                .to_string()
                .contains("a `residual` layer has no `units`")
        );
    }

    #[test]
    fn bad_layers_are_named() {
        let e = |s: &str| parse_layers(s).unwrap_err().to_string();
        assert_eq!(
            e("64:relu,dropout:1.5"),
            "--layers: layer 2 (`dropout:1.5`): the dropout rate must be in [0, 1), got 1.5"
        );
        assert_eq!(
            e("64:swish"),
            format!(
                "--layers: layer 1 (`64:swish`): unknown activation `swish`; known: {}",
                activation_names()
            )
        );
        assert_eq!(e("0:relu"), "--layers: layer 1 (`0:relu`): a dense layer has 1 to 65536 units, got 0");
        assert_eq!(
            e("70000:relu"),
            "--layers: layer 1 (`70000:relu`): a dense layer has 1 to 65536 units, got 70000"
        );
        assert!(e("64").contains("give the activation: `64:relu`"));
        assert!(e("64:relu:0.1").contains("`relu` takes no parameter"));
        assert!(e("64:relu,,bn").starts_with("--layers: layer 2 (``): empty layer"));
        assert!(e("conv:3").contains("`conv` is none of them"));
        assert!(e("bn:2").contains("momentum must be in [0, 1]"));
        assert!(e("bn:0.9:-1").contains("epsilon must be a positive number"));
    }

    #[test]
    fn inits_parse_and_print() {
        for name in [
            "glorot_uniform",
            "glorot_normal",
            "he_uniform",
            "he_normal",
            "lecun_normal",
            "zeros",
            "he_leaky:0.1",
            "uniform:0.05",
            "normal:0.01",
            "constant:0.5",
        ] {
            assert_eq!(init_name(parse_init(name).unwrap()), name);
        }
        assert!(parse_init("uniform").unwrap_err().contains("needs its limit"));
        assert!(parse_init("xavier").unwrap_err().starts_with("unknown initialiser `xavier`"));
    }

    const TOML: &str = r#"
task = "classification"
label = "species"
init = "he_normal"

[[layers]]
type = "dense"
units = 16
activation = "relu"
init = "he_uniform"
l2 = 1e-4

[[layers]]
type = "batch_norm"
momentum = 0.9

[[layers]]
type = "dropout"
rate = 0.1

[output]
init = "glorot_uniform"

[optimizer]
name = "nesterov"
lr = 0.05
momentum = 0.8

[training]
epochs = 30
batch_size = 16
validation_split = 0.25

[callbacks.early_stopping]
patience = 4
min_delta = 0.001

[callbacks.reduce_lr]
enabled = false

[callbacks.checkpoint]
monitor = "val_accuracy"
"#;

    #[test]
    fn spec_files_read_as_toml_or_json() {
        let s = SpecFile::parse(TOML, Path::new("s.toml")).unwrap();
        assert_eq!(s.task, Some(TaskKind::Classification));
        let layers = s.hidden_layers(Path::new("s.toml")).unwrap().unwrap();
        assert_eq!(
            layers[0],
            LayerDef::Dense {
                units: 16,
                activation: Activation::Relu,
                init: Some(Init::HeUniform),
                l2: 1e-4
            }
        );
        assert_eq!(layers[1], LayerDef::BatchNorm { momentum: 0.9, epsilon: 1e-3 });
        assert_eq!(s.optimizer.as_ref().unwrap().name, Some(OptimizerKind::Nesterov));
        assert_eq!(s.callbacks.as_ref().unwrap().early_stopping.as_ref().unwrap().patience, Some(4));
        let json = r#"{"layers": [{"type": "dense", "units": 8, "activation": "elu", "alpha": 0.5}],
                       "optimizer": {"name": "adam", "lr": 0.01}, "training": {"epochs": 5}}"#;
        let s = SpecFile::parse(json, Path::new("s.json")).unwrap();
        assert_eq!(
            s.hidden_layers(Path::new("s.json")).unwrap().unwrap(),
            [LayerDef::Dense { units: 8, activation: Activation::Elu { alpha: 0.5 }, init: None, l2: 0.0 }]
        );
        assert_eq!(s.training.unwrap().epochs, Some(5));
    }

    #[test]
    fn bad_spec_files_name_the_line_or_layer() {
        let e = SpecFile::parse("[training]\nepochs = 3\nepoch = 4\n", Path::new("s.toml"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("s.toml: TOML: ") && e.contains("line 3") && e.contains("unknown field `epoch`"),
            "{e}"
        );
        let e =
            SpecFile::parse("{\"training\": {\"epochs\": -1}}", Path::new("s.json")).unwrap_err().to_string();
        assert!(e.starts_with("s.json: JSON: ") && e.contains("line 1"), "{e}");
        let s = SpecFile::parse("[[layers]]\ntype = \"dense\"\nunits = 4\n[[layers]]\ntype = \"dropout\"\nunits = 3\nrate = 0.1\n", Path::new("s.toml")).unwrap();
        let e = s.hidden_layers(Path::new("s.toml")).unwrap_err().to_string();
        assert_eq!(e, "s.toml: layers: layer 1 (`dense`): a dense layer needs `activation`");
        let s =
            SpecFile::parse("[[layers]]\ntype = \"dropout\"\nunits = 3\nrate = 0.1\n", Path::new("s.toml"))
                .unwrap();
        let e = s.hidden_layers(Path::new("s.toml")).unwrap_err().to_string();
        assert_eq!(e, "s.toml: layers: layer 1 (`dropout`): a `dropout` layer has no `units`");
        let s = SpecFile::parse(
            "[[layers]]\ntype = \"dense\"\nunits = 3\nactivation = \"relu\"\nl2 = -1\n",
            Path::new("s.toml"),
        )
        .unwrap();
        assert!(
            s.hidden_layers(Path::new("s.toml")).unwrap_err().to_string().contains("l2 must be a number ≥ 0")
        );
    }
}
