//! The models of the Keras tutorial this project comes from, as types and `const` values,
//! shared by the host tools and the firmware.

use crate::{Activation, BatchNorm, Dense, Dropout, Normalization, Sequential, sequential};

/// Model 1 of the tutorial: a single sigmoid neuron on standardised inputs.
pub type Perceptron = Sequential![Normalization<2>, Dense<2, 1>];

/// Model 2 of the tutorial: Dense(64, relu) → BatchNorm → Dropout(0.3) → Dense(32, relu) →
/// BatchNorm → Dropout(0.2) → Dense(16, relu) → Dense(1, sigmoid), on standardised inputs.
pub type SeedMlp = Sequential![
    Normalization<2>,
    Dense<2, 64>,
    BatchNorm<64>,
    Dropout<64>,
    Dense<64, 32>,
    BatchNorm<32>,
    Dropout<32>,
    Dense<32, 16>,
    Dense<16, 1>
];

/// The plain 2-64-32-16-1 ReLU network (no BatchNorm, no dropout) of the speed comparisons.
pub type PlainMlp = Sequential![Normalization<2>, Dense<2, 64>, Dense<64, 32>, Dense<32, 16>, Dense<16, 1>];

/// [`Perceptron`] with zero weights (initialise or load before use).
pub const fn perceptron() -> Perceptron {
    sequential![Normalization::new(), Dense::new(Activation::Sigmoid)]
}

/// [`SeedMlp`] with zero weights and Keras' defaults (Glorot uniform, BatchNorm momentum
/// 0.99 and ε = 1e-3).
pub const fn seed_mlp() -> SeedMlp {
    sequential![
        Normalization::new(),
        Dense::new(Activation::Relu),
        BatchNorm::new(),
        Dropout::new(0.3),
        Dense::new(Activation::Relu),
        BatchNorm::new(),
        Dropout::new(0.2),
        Dense::new(Activation::Relu),
        Dense::new(Activation::Sigmoid)
    ]
}

/// [`PlainMlp`] with zero weights.
pub const fn plain_mlp() -> PlainMlp {
    sequential![
        Normalization::new(),
        Dense::new(Activation::Relu),
        Dense::new(Activation::Relu),
        Dense::new(Activation::Relu),
        Dense::new(Activation::Sigmoid)
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Layer;

    #[test]
    fn parameter_counts_match_keras() {
        // Dense: 2·64+64 + 64·32+32 + 32·16+16 + 16+1 = 2,817; BatchNorm: γ and β of 64 + 32
        // features = 192 trainable, and as many moving statistics (Keras' summary: 3,201
        // parameters, 192 non-trainable); plus the scaler's 4 values.
        assert_eq!(<SeedMlp as Layer>::TRAINABLE, 2817 + 192);
        assert_eq!(<SeedMlp as Layer>::NON_TRAINABLE, 192 + 4);
        assert_eq!(<Perceptron as Layer>::TRAINABLE, 3);
        assert_eq!(<SeedMlp as Layer>::LAYERS, 9);
    }
}
