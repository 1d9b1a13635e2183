//! What a network is made of, as a user chooses it at run time.

use crate::MAX_ROW;
use tinymlp::Activation;
use tinymlp::io::BlockFault;

/// Deepest network: layers after the input scaler.
pub const MAX_LAYERS: usize = 120;
/// Widest hidden layer.
pub const MAX_UNITS: usize = 65_536;
/// Deepest nesting of residual blocks.
pub const MAX_NESTING: usize = 8;
/// Most parameters (trainable and not) a network may hold: 64 Mi values, 256 MiB of `f32`.
pub const MAX_VALUES: usize = 1 << 26;

/// One layer after the input scaler, as [`Net::new`](crate::Net::new) builds it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LayerSpec {
    /// A fully connected layer of `units` outputs.
    Dense {
        /// Outputs.
        units: usize,
        /// Its activation.
        activation: Activation,
    },
    /// Batch normalisation over the previous layer's outputs.
    BatchNorm {
        /// Moving-average momentum (Keras: 0.99).
        momentum: f32,
        /// Added to the variance (Keras: 1e-3).
        epsilon: f32,
    },
    /// Dropout of the previous layer's outputs during training.
    Dropout {
        /// Fraction dropped, in `[0, 1)`.
        rate: f32,
    },
    /// The start of a skip connection `y = x + L(x)` around the next `layers` specs (the
    /// markers of nested blocks counted), as model files write it: those layers must map
    /// the width here to the same width.
    Residual {
        /// Specs inside the block.
        layers: usize,
    },
}

impl LayerSpec {
    /// Keras' BatchNormalization defaults: momentum 0.99, ε = 1e-3.
    pub const BATCH_NORM: LayerSpec = LayerSpec::BatchNorm { momentum: 0.99, epsilon: 1e-3 };
}

/// Why a network cannot be built. Layers are counted from 1 after the input scaler.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum NetError {
    /// No inputs, or more than [`MAX_ROW`].
    Inputs(usize),
    /// A dense layer with 0 or more than [`MAX_UNITS`] units.
    Units {
        /// Layer (from 1).
        layer: usize,
        /// Its units.
        units: usize,
    },
    /// More outputs than [`MAX_ROW`].
    Outputs(usize),
    /// More than [`MAX_LAYERS`] layers.
    TooDeep(usize),
    /// More than [`MAX_VALUES`] parameters.
    TooLarge(usize),
    /// A dropout rate outside `[0, 1)`, a momentum outside `[0, 1]`, or ε ≤ 0.
    Option {
        /// Layer (from 1).
        layer: usize,
        /// The option.
        field: &'static str,
        /// Its value.
        value: f32,
    },
    /// A residual block that does not fit the layers after it.
    Block {
        /// Layer (from 1) of the block's marker.
        layer: usize,
        /// What is wrong.
        fault: BlockFault,
    },
}

impl core::fmt::Display for NetError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            NetError::Inputs(n) => write!(f, "a network needs 1 to {MAX_ROW} inputs, not {n}"),
            NetError::Units { layer, units } => {
                write!(f, "layer {layer}: a dense layer needs 1 to {MAX_UNITS} units, not {units}")
            }
            NetError::Outputs(n) => write!(f, "a network gives at most {MAX_ROW} outputs, not {n}"),
            NetError::TooDeep(n) => write!(f, "a network has at most {MAX_LAYERS} layers, not {n}"),
            NetError::TooLarge(n) => {
                write!(f, "{n} parameters: more than the {MAX_VALUES} a network may hold")
            }
            NetError::Option { layer, field, value } => {
                write!(f, "layer {layer}: {field} {value} is out of range")
            }
            NetError::Block { layer, fault } => write!(f, "layer {layer}: the residual block {fault}"),
        }
    }
}

impl std::error::Error for NetError {}
