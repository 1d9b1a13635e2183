//! The models of the Keras tutorial this project comes from, as types and `const` values,
//! shared by the host tools and the firmware.

#[cfg(feature = "json")]
use crate::io::ModelError;
#[cfg(feature = "json")]
use crate::layers::Layer;
use crate::layers::{Activation, BatchNorm, Dense, Dropout, Fixed, Normalization};
use crate::numeric::kernel::{Canonical, Kernel};
use crate::{Sequential, sequential};

/// Model 1 of the tutorial: a single sigmoid neuron on standardised inputs.
pub type Perceptron<K = Canonical> = Sequential![Normalization<2>, Dense<2, 1, K>];

/// Model 2 of the tutorial: Dense(64, relu) → BatchNorm → Dropout(0.3) → Dense(32, relu) →
/// BatchNorm → Dropout(0.2) → Dense(16, relu) → Dense(1, sigmoid), on standardised inputs.
pub type SeedMlp<K = Canonical> = Sequential![
    Normalization<2>,
    Dense<2, 64, K>,
    BatchNorm<64, K>,
    Dropout<64>,
    Dense<64, 32, K>,
    BatchNorm<32, K>,
    Dropout<32>,
    Dense<32, 16, K>,
    Dense<16, 1, K>
];

/// The plain 2-64-32-16-1 ReLU network (no BatchNorm, no dropout) of the speed comparisons.
pub type PlainMlp<K = Canonical> =
    Sequential![Normalization<2>, Dense<2, 64, K>, Dense<64, 32, K>, Dense<32, 16, K>, Dense<16, 1, K>];

/// [`SeedMlp`] for fine-tuning its last layer only: the other layers are [`Fixed`]
/// references (their weights stay in flash), so training needs RAM for one
/// `Dense<16, 1>`, its gradients and the caches of one sample.
pub type SeedMlpLastLayer<K = Canonical> = Sequential![
    Fixed<Normalization<2>>,
    Fixed<Dense<2, 64, K>>,
    Fixed<BatchNorm<64, K>>,
    Fixed<Dropout<64>>,
    Fixed<Dense<64, 32, K>>,
    Fixed<BatchNorm<32, K>>,
    Fixed<Dropout<32>>,
    Fixed<Dense<32, 16, K>>,
    Dense<16, 1, K>
];

/// `model` with every layer but the last fixed in place (see [`SeedMlpLastLayer`]); the
/// last layer is copied, to be trained.
pub fn seed_mlp_last_layer<K: Kernel>(model: &'static SeedMlp<K>) -> SeedMlpLastLayer<K> {
    let t1 = &model.tail;
    let t2 = &t1.tail;
    let t3 = &t2.tail;
    let t4 = &t3.tail;
    let t5 = &t4.tail;
    let t6 = &t5.tail;
    let t7 = &t6.tail;
    sequential![
        Fixed(&model.head),
        Fixed(&t1.head),
        Fixed(&t2.head),
        Fixed(&t3.head),
        Fixed(&t4.head),
        Fixed(&t5.head),
        Fixed(&t6.head),
        Fixed(&t7.head),
        t7.tail.clone()
    ]
}

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

/// One of the tutorial's models, as [`read_tutorial`] found it in a file.
#[cfg(feature = "json")]
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::large_enum_variant)] // a host-side value, moved once into its owner
pub enum Tutorial {
    /// The seed MLP ([`SeedMlp`]).
    Seed(SeedMlp),
    /// The plain MLP ([`PlainMlp`]).
    Plain(PlainMlp),
    /// The perceptron ([`Perceptron`]).
    Perceptron(Perceptron),
}

/// The tutorial's architectures, in the order [`read_tutorial`] tries them.
#[cfg(feature = "json")]
pub const TUTORIAL_ARCHITECTURES: [&str; 3] = ["seed MLP", "plain MLP", "perceptron"];

/// Reads a model file (binary when it starts with [`MAGIC`](crate::io::MAGIC), JSON
/// otherwise) as the first of the tutorial's architectures that it holds — the seed MLP,
/// the plain MLP, the perceptron: the one loader of the host tools and of the firmware's
/// build. On failure, why the file is none of them, architecture by architecture (in the
/// order of [`TUTORIAL_ARCHITECTURES`]).
///
/// ```
/// use tinymlp::zoo::{Tutorial, perceptron, read_tutorial};
/// let mut bin = [0u8; 128];
/// let n = tinymlp::io::write_bin(&perceptron(), &mut bin).unwrap();
/// assert!(matches!(read_tutorial(&bin[..n]), Ok(Tutorial::Perceptron(_))));
/// assert!(read_tutorial(b"{}").is_err());
/// ```
#[cfg(feature = "json")]
#[allow(clippy::result_large_err)] // 240 bytes of reasons, beside a model of kilobytes
pub fn read_tutorial(bytes: &[u8]) -> Result<Tutorial, [ModelError; 3]> {
    fn read<M: Layer>(bytes: &[u8], mut m: M) -> Result<M, ModelError> {
        if bytes.starts_with(&crate::io::MAGIC) {
            crate::io::read_bin(bytes, &mut m)?;
        } else {
            crate::io::read_json(bytes, &mut m)?;
        }
        Ok(m)
    }
    let seed = match read(bytes, seed_mlp()) {
        Ok(m) => return Ok(Tutorial::Seed(m)),
        Err(e) => e,
    };
    let plain = match read(bytes, plain_mlp()) {
        Ok(m) => return Ok(Tutorial::Plain(m)),
        Err(e) => e,
    };
    match read(bytes, perceptron()) {
        Ok(m) => Ok(Tutorial::Perceptron(m)),
        Err(e) => Err([seed, plain, e]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::{Init, Layer, Train};

    #[test]
    fn last_layer_training_matches_frozen_layers_and_leaves_the_body_alone() {
        use crate::layers::{Frozen, Mode};
        use crate::numeric::Xoshiro128PlusPlus;
        use crate::train::optim::Sgd;
        use crate::train::{Loss, Trainer};
        let mut m: SeedMlp = seed_mlp();
        m.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(3));
        let body: &'static SeedMlp = Box::leak(Box::new(m.clone()));
        let mut tunable = seed_mlp_last_layer(body);
        type Frozen8 = Sequential![
            Frozen<Normalization<2>>,
            Frozen<Dense<2, 64>>,
            Frozen<BatchNorm<64>>,
            Frozen<Dropout<64>>,
            Frozen<Dense<64, 32>>,
            Frozen<BatchNorm<32>>,
            Frozen<Dropout<32>>,
            Frozen<Dense<32, 16>>,
            Dense<16, 1>
        ];
        let (t1, t2, t3, t4, t5, t6, t7) = (
            &m.tail,
            &m.tail.tail,
            &m.tail.tail.tail,
            &m.tail.tail.tail.tail,
            &m.tail.tail.tail.tail.tail,
            &m.tail.tail.tail.tail.tail.tail,
            &m.tail.tail.tail.tail.tail.tail.tail,
        );
        let mut frozen: Frozen8 = sequential![
            Frozen(m.head.clone()),
            Frozen(t1.head.clone()),
            Frozen(t2.head.clone()),
            Frozen(t3.head.clone()),
            Frozen(t4.head.clone()),
            Frozen(t5.head.clone()),
            Frozen(t6.head.clone()),
            Frozen(t7.head.clone()),
            t7.tail.clone()
        ];
        let mut a = Box::new(
            Trainer::<SeedMlpLastLayer, 1>::new(Loss::BinaryCrossEntropy).with_mode(Mode::FrozenStatistics),
        );
        let mut b =
            Box::new(Trainer::<Frozen8, 1>::new(Loss::BinaryCrossEntropy).with_mode(Mode::FrozenStatistics));
        let (mut ra, mut rb) = (Xoshiro128PlusPlus::new(0), Xoshiro128PlusPlus::new(0));
        for i in 0..20 {
            let x = [[i as f32 * 0.1 - 1.0, 0.5 - i as f32 * 0.05]];
            let t = [[(i % 2) as f32]];
            let la = a.step(&mut tunable, &mut Sgd::new(0.05), &x, &t, &mut ra).unwrap();
            let lb = b.step(&mut frozen, &mut Sgd::new(0.05), &x, &t, &mut rb).unwrap();
            assert_eq!(la.to_bits(), lb.to_bits());
        }
        let last = &tunable.tail.tail.tail.tail.tail.tail.tail.tail;
        assert_eq!(last, &frozen.tail.tail.tail.tail.tail.tail.tail.tail);
        assert_ne!(last, &m.tail.tail.tail.tail.tail.tail.tail.tail, "the last layer trained");
        assert_eq!(*body, m, "the fixed body did not change");
        // A fixed model cannot be loaded from a file.
        let e = crate::io::read_bin(&[0; 8], &mut tunable).unwrap_err();
        assert_eq!(e, crate::io::ModelError::FixedLayer { layer: 0 });
        assert_eq!(<SeedMlpLastLayer as Layer>::TRAINABLE, 17);
    }

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
