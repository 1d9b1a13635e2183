//! The kinds of layer, and the one table of their names.

use crate::layers::Activation;

/// The kind of a layer with its options, for summaries and model files.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LayerKind {
    /// A fully connected layer with its activation.
    Dense(Activation),
    /// Batch normalisation with its momentum and epsilon.
    BatchNorm {
        /// Moving-average momentum.
        momentum: f32,
        /// Added to the variance.
        epsilon: f32,
    },
    /// Inverted dropout with its rate.
    Dropout {
        /// Fraction of the values dropped in training.
        rate: f32,
    },
    /// Input standardisation `(x − mean) / scale`.
    Normalization,
    /// The start of a skip connection `y = x + L(x)` ([`Residual`](crate::layers::Residual)):
    /// a marker without parameters, followed in the flat list of layers by the `layers`
    /// layers of `L`. Its inputs and outputs are the block's width.
    Residual {
        /// Layers inside the block (nested blocks' markers counted).
        layers: u16,
    },
}

/// Every name and code of one kind of layer. [`KINDS`] holds them all: the model-file
/// readers and writers, the summary, the Rust-source writer and the firmware's log take the
/// names from there, so a new kind of layer is one new row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindNames {
    /// In model files (the JSON `kind` field) and summaries: `"dense"`, `"batch_norm"`, …
    pub file: &'static str,
    /// As Keras prints it: `"Dense"`, `"BatchNormalization"`, …
    pub keras: &'static str,
    /// The Rust type: `"Dense"`, `"BatchNorm"`, … (error messages, generated source).
    pub rust: &'static str,
    /// Whether the Rust type takes the kernel as its last type parameter.
    pub kernel: bool,
    /// The kind's code in the binary format's layer descriptors.
    pub code: u8,
}

/// The names of every kind of layer, in the order of their binary codes.
pub const KINDS: [KindNames; 5] = [
    KindNames { file: "dense", keras: "Dense", rust: "Dense", kernel: true, code: 1 },
    KindNames { file: "batch_norm", keras: "BatchNormalization", rust: "BatchNorm", kernel: true, code: 2 },
    KindNames { file: "dropout", keras: "Dropout", rust: "Dropout", kernel: false, code: 3 },
    KindNames {
        file: "normalization",
        keras: "Normalization",
        rust: "Normalization",
        kernel: false,
        code: 4,
    },
    KindNames { file: "residual", keras: "Residual", rust: "Residual", kernel: false, code: 5 },
];

impl LayerKind {
    /// This kind's names and code.
    ///
    /// ```
    /// use tinymlp::{Activation, LayerKind};
    /// let names = LayerKind::Dense(Activation::Relu).names();
    /// assert_eq!((names.file, names.keras, names.code), ("dense", "Dense", 1));
    /// ```
    pub const fn names(&self) -> &'static KindNames {
        &KINDS[match self {
            LayerKind::Dense(_) => 0,
            LayerKind::BatchNorm { .. } => 1,
            LayerKind::Dropout { .. } => 2,
            LayerKind::Normalization => 3,
            LayerKind::Residual { .. } => 4,
        }]
    }

    /// The layer's type name as Keras prints it.
    pub const fn name(&self) -> &'static str {
        self.names().keras
    }

    /// The names of the kind called `file` in model files.
    pub fn by_file_name(file: &str) -> Option<&'static KindNames> {
        KINDS.iter().find(|k| k.file == file)
    }

    /// The names of the kind with binary code `code`.
    pub fn by_code(code: u8) -> Option<&'static KindNames> {
        KINDS.iter().find(|k| k.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_consistent() {
        let kinds = [
            LayerKind::Dense(Activation::Linear),
            LayerKind::BatchNorm { momentum: 0.9, epsilon: 1e-3 },
            LayerKind::Dropout { rate: 0.1 },
            LayerKind::Normalization,
            LayerKind::Residual { layers: 2 },
        ];
        for (i, k) in kinds.iter().enumerate() {
            let n = k.names();
            assert_eq!(n, &KINDS[i]);
            assert_eq!(LayerKind::by_file_name(n.file), Some(n));
            assert_eq!(LayerKind::by_code(n.code), Some(n));
        }
        assert_eq!(LayerKind::by_file_name("conv2d"), None);
        assert_eq!(LayerKind::by_code(0), None);
    }
}
