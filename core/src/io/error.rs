//! Why a model file was refused.

use super::Name;
use core::fmt;

/// What went wrong reading a model file. Every variant says where (tensor, field, and the
/// layer: its index in the model from 0, the input scaler being layer 0 when the model
/// has one, as `tinymlp summary` numbers them) and what was expected, so a user can act on
/// it. The model is left
/// untouched whenever an error is returned.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum ModelError {
    /// The file is larger than any file for this model can be.
    TooLarge {
        /// Bytes given.
        len: usize,
        /// Largest accepted.
        max: usize,
    },
    /// JSON nested deeper than the format ever needs.
    TooDeep {
        /// Byte offset of the bracket that went too deep.
        offset: usize,
        /// Deepest nesting accepted.
        max: usize,
    },
    /// Not JSON: the first byte that breaks the grammar, and how.
    #[cfg(feature = "json")]
    Json {
        /// Byte offset in the file (after a byte-order mark, if any).
        offset: usize,
        /// What is wrong there.
        what: super::json_syntax::JsonFault,
    },
    /// Not JSON, or JSON cut short (`serde-json-core`'s diagnosis).
    #[cfg(feature = "json")]
    Syntax(serde_json_core::de::Error),
    /// Text after the end of the model.
    TrailingData {
        /// Byte offset where the extra data starts.
        offset: usize,
    },
    /// The file ends early.
    Truncated {
        /// Bytes given.
        len: usize,
        /// Bytes the header announces (or the least a valid file has).
        expected: usize,
    },
    /// Not a tinymlp model (wrong magic bytes or `format` field).
    WrongFormat,
    /// A format version this program does not read.
    UnsupportedVersion {
        /// Version in the file.
        found: u32,
        /// Version this program reads.
        supported: u32,
    },
    /// The CRC-32 of the binary file does not match: the file is corrupt.
    BadChecksum {
        /// CRC stored in the file.
        stored: u32,
        /// CRC of the bytes read.
        computed: u32,
    },
    /// The file has another number of layers than the program's model.
    LayerCount {
        /// Layers in the file.
        file: usize,
        /// Layers in the program.
        program: usize,
    },
    /// Layer `layer` differs: kind or sizes (shown as `Dense<64, 16>` etc.).
    Architecture {
        /// Layer index, from 0 (the scaler, when present, is layer 0).
        layer: usize,
        /// What the file describes.
        file: Shape,
        /// What the program was compiled with.
        program: Shape,
    },
    /// Layer `layer`'s activation differs from the program's.
    Activation {
        /// Layer index.
        layer: usize,
        /// Activation in the file.
        file: Name,
        /// Activation in the program.
        program: &'static str,
    },
    /// A layer kind, activation or field name this program does not know.
    Unknown {
        /// Layer index, if inside a layer.
        layer: Option<usize>,
        /// What kind of name (`"field"`, `"layer kind"`, `"activation"`).
        what: &'static str,
        /// The name in the file.
        name: Name,
    },
    /// A required field is missing.
    Missing {
        /// Layer index, if inside a layer.
        layer: Option<usize>,
        /// The field.
        field: &'static str,
    },
    /// A field appears twice.
    Duplicate {
        /// Layer index, if inside a layer.
        layer: Option<usize>,
        /// The field.
        field: &'static str,
    },
    /// A tensor has the wrong number of values.
    TensorShape {
        /// Layer index.
        layer: usize,
        /// The tensor.
        tensor: &'static str,
        /// Rows × columns expected.
        expected: (usize, usize),
        /// Values (or rows) found, as far as they were counted.
        found: (usize, usize),
    },
    /// A parameter is NaN, infinite, or out of the f32 range.
    NotFinite {
        /// Layer index.
        layer: usize,
        /// The tensor or option.
        tensor: &'static str,
        /// Index of the value within the tensor.
        index: usize,
    },
    /// An option or statistic out of its valid range (dropout rate outside [0, 1), a
    /// negative variance, a zero scale, a non-positive epsilon…).
    OutOfRange {
        /// Layer index.
        layer: usize,
        /// The field.
        field: &'static str,
        /// The value found.
        value: f32,
    },
    /// The file has a scaler but the program's model does not start with one.
    UnexpectedScaler,
    /// The output buffer is too small for the model.
    BufferTooSmall,
    /// Layer `layer` of the program is [`Fixed`](crate::Fixed): its weights are compiled
    /// in and cannot be loaded.
    FixedLayer {
        /// Layer index.
        layer: usize,
    },
    /// A residual block ([`LayerKind::Residual`](crate::LayerKind::Residual)) that does
    /// not fit the layers around it.
    Block {
        /// Index of the block's marker layer.
        layer: usize,
        /// Byte offset of the marker's descriptor in a binary file (`None` in JSON).
        offset: Option<usize>,
        /// What is wrong with it.
        fault: BlockFault,
    },
    /// A byte the binary format says is zero (a reserved byte, an option the layer does
    /// not have) is not.
    NonZero {
        /// Layer index.
        layer: usize,
        /// Byte offset in the file.
        offset: usize,
    },
}

/// What is wrong with a residual block in a model file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BlockFault {
    /// The block announces more layers than the file has after it.
    Unclosed {
        /// Layers the block announces.
        announced: usize,
        /// Layers left in the file after the marker.
        left: usize,
    },
    /// The block announces no layers.
    Empty,
    /// The block's inner layers do not map its width to its width (`x + L(x)` needs
    /// `L(x)` as wide as `x`).
    Width {
        /// The block's width (its input).
        block: usize,
        /// Where the inner layers start or end: their inputs, or their outputs.
        inner: usize,
    },
    /// A block inside a block reaches past the end of the outer one.
    Overlap,
    /// Blocks nested deeper than this reader supports.
    TooDeep {
        /// Deepest nesting supported.
        max: usize,
    },
    /// The block holds another number of layers than the program's.
    Count {
        /// Layers inside the block in the file.
        file: usize,
        /// Layers inside the block in the program.
        program: usize,
    },
}

impl fmt::Display for BlockFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            BlockFault::Unclosed { announced, left } => {
                write!(f, "holds {announced} layers but only {left} follow it")
            }
            BlockFault::Empty => f.write_str("holds no layers"),
            BlockFault::Width { block, inner } => {
                write!(f, "is {block} values wide but its layers have {inner} values where they meet it")
            }
            BlockFault::Overlap => f.write_str("ends inside a block nested in it"),
            BlockFault::TooDeep { max } => write!(f, "is nested deeper than {max} blocks"),
            BlockFault::Count { file, program } => {
                write!(f, "holds {file} layers in the file and {program} in the program")
            }
        }
    }
}

/// A layer's kind and sizes, for architecture errors.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shape {
    /// `"Dense"`, `"BatchNorm"`, `"Dropout"`, `"Normalization"` (or `"unknown"`).
    pub kind: &'static str,
    /// Inputs (0 when unknown).
    pub inputs: usize,
    /// Outputs (0 when unknown).
    pub outputs: usize,
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == "Dense" {
            write!(f, "Dense<{}, {}>", self.inputs, self.outputs)
        } else {
            write!(f, "{}<{}>", self.kind, self.outputs)
        }
    }
}

fn at(f: &mut fmt::Formatter<'_>, layer: Option<usize>) -> fmt::Result {
    match layer {
        Some(l) => write!(f, "layer {l}: "),
        None => Ok(()),
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ModelError::TooLarge { len, max } => {
                write!(f, "the file has {len} bytes, more than the {max} any file of this model can have")
            }
            ModelError::TooDeep { offset, max } => {
                write!(f, "JSON nested deeper than {max} levels at byte {offset}")
            }
            #[cfg(feature = "json")]
            ModelError::Syntax(e) => write!(f, "malformed JSON: {e}"),
            #[cfg(feature = "json")]
            ModelError::Json { offset, what } => {
                write!(f, "malformed JSON at byte {offset}: {}", what.describe())
            }
            ModelError::TrailingData { offset } => {
                write!(f, "unexpected data after the model, from byte {offset}")
            }
            ModelError::Truncated { len, expected } => {
                write!(f, "the file is truncated: {len} bytes, expected {expected}")
            }
            ModelError::WrongFormat => f.write_str("not a tinymlp model file"),
            ModelError::UnsupportedVersion { found, supported } => {
                write!(f, "format version {found} is not supported (this program reads version {supported})")
            }
            ModelError::BadChecksum { stored, computed } => write!(
                f,
                "the file is corrupt: CRC-32 {computed:#010x} of its contents, {stored:#010x} stored"
            ),
            ModelError::LayerCount { file, program } => {
                write!(
                    f,
                    "the file has {file} layers, the program's model {program} (the input scaler counted)"
                )
            }
            ModelError::Architecture { layer, file, program } => {
                write!(f, "layer {layer} is {file} in the file and {program} in the program")
            }
            ModelError::Activation { layer, file, program } => {
                write!(f, "layer {layer} has activation {file} in the file and {program} in the program")
            }
            ModelError::Unknown { layer, what, name } => {
                at(f, layer)?;
                write!(f, "unknown {what} {name:?}")
            }
            ModelError::Missing { layer, field } => {
                at(f, layer)?;
                write!(f, "missing field {field:?}")
            }
            ModelError::Duplicate { layer, field } => {
                at(f, layer)?;
                write!(f, "field {field:?} appears twice")
            }
            ModelError::TensorShape { layer, tensor, expected, found } => write!(
                f,
                "layer {layer}: {tensor} should be {}×{} values, found {}×{}",
                expected.0, expected.1, found.0, found.1
            ),
            ModelError::NotFinite { layer, tensor, index } => {
                write!(f, "layer {layer}: {tensor}[{index}] is NaN, infinite or out of the f32 range")
            }
            ModelError::OutOfRange { layer, field, value } => {
                write!(f, "layer {layer}: {field} = {value} is out of its valid range")
            }
            ModelError::BufferTooSmall => f.write_str("the output buffer is too small for the model"),
            ModelError::FixedLayer { layer } => write!(
                f,
                "layer {layer} of the program is fixed (weights compiled into flash): a file cannot be loaded into it"
            ),
            ModelError::UnexpectedScaler => {
                f.write_str("the file has an input scaler but the program's model has no Normalization layer")
            }
            ModelError::Block { layer, offset, fault } => {
                write!(f, "layer {layer}: the residual block {fault}")?;
                match offset {
                    Some(o) => write!(f, " (descriptor at byte {o})"),
                    None => Ok(()),
                }
            }
            ModelError::NonZero { layer, offset } => {
                write!(
                    f,
                    "layer {layer}: byte {offset} must be 0 (reserved, or an option this layer does not have)"
                )
            }
        }
    }
}

impl core::error::Error for ModelError {}
