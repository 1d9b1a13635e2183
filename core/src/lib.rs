//! # tinymlp
//!
//! Multi-layer perceptrons that train and run on microcontrollers: `no_std`, no
//! allocation, `f32`, every buffer sized at compile time — and the same bits on the host
//! and on the device, for inference and for training.
//!
//! - Layers are const-generic: [`Dense<IN, OUT>`](Dense), [`BatchNorm<N>`](BatchNorm),
//!   [`Dropout<N>`](Dropout). A network is a [`Chain`] of them, written with
//!   [`Sequential!`] (the type) and [`sequential!`] (the value); a layer whose input width
//!   differs from its neighbour's output does not compile.
//! - [`Layer::forward`] is inference with no caches; [`Trainer`] holds the caches and
//!   gradients for batches of up to `B` rows and runs forward, [`Loss`], backward and an
//!   [`Optimizer`] ([`Sgd`], [`Momentum`] with Nesterov, [`Adam`]).
//! - A model, its gradients, an optimiser and a trainer all have `const` constructors, so
//!   each can be a `static`; [`Footprint`] gives their sizes as constants and [`Summary`]
//!   prints a Keras-like summary through `core::fmt`.
//!
//! ## The seed's network in a `static`
//!
//! The 2-64-32-16-1 classifier of the Keras tutorial, in flash-friendly form:
//!
//! ```
//! use tinymlp::{sequential, Activation::*, Dense, Footprint, Layer, Sequential, Summary};
//!
//! type Seed = Sequential![Dense<2, 64>, Dense<64, 32>, Dense<32, 16>, Dense<16, 1>];
//! static MODEL: Seed =
//!     sequential![Dense::new(Relu), Dense::new(Relu), Dense::new(Relu), Dense::new(Sigmoid)];
//!
//! // Sizes are known at compile time.
//! const _: () = assert!(Seed::PARAMETER_BYTES == 2817 * 4);
//! let mut y = [0.0f32];
//! MODEL.forward(&[0.3, -1.2], &mut y);
//! assert_eq!(y, [0.5]); // all-zero weights until trained or loaded
//! println!("{}", Summary(&MODEL));
//!
//! // Its gradients, an optimiser and the training caches for batches of 32 can be statics
//! // too: all of them have `const` constructors and sizes fixed by the types.
//! use tinymlp::{Adam, Loss, Trainer, Zero};
//! static GRADS: <Seed as Layer>::Grads = Zero::ZERO;
//! static ADAM: Adam<Seed> = Adam::new(0.001);
//! static TRAINER: Trainer<Seed, 32> = Trainer::new(Loss::BinaryCrossEntropy);
//! assert_eq!(core::mem::size_of_val(&ADAM), Seed::ADAM_BYTES);
//! ```
//!
//! Training it (on the host here; the same code runs on a Cortex-M):
//!
//! ```
//! use tinymlp::*;
//! type Net = Sequential![Dense<2, 16>, Dense<16, 1>];
//! let mut rng = Xoshiro128PlusPlus::new(42);
//! let mut net: Net = sequential![Dense::new(Activation::Relu).with_init(Init::HeNormal), Dense::new(Activation::Sigmoid)];
//! net.init(&mut rng);
//! let mut trainer = Trainer::<Net, 8>::new(Loss::BinaryCrossEntropy);
//! let mut opt = Adam::<Net>::new(0.01);
//! let x = [[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]];
//! let t = [[0.0], [1.0], [1.0], [0.0]];
//! for _ in 0..300 {
//!     trainer.step(&mut net, &mut opt, &x, &t, &mut rng).unwrap();
//! }
//! let mut y = [0.0];
//! net.forward(&[1.0, -1.0], &mut y);
//! assert!(y[0] > 0.9);
//! ```
//!
//! ## Bit-for-bit: the canonical order of operations
//!
//! Floating-point results depend on the order of operations, so the order is part of this
//! crate's contract (see [`kernel`] for the full statement):
//!
//! - a dot product adds term `i` into partial sum `i mod 8` and combines the eight sums as
//!   `((s0+s4)+(s2+s6)) + ((s1+s5)+(s3+s7))`; a dense output is `dot(w, x) + b`;
//! - sums across rows (batch gradients, `Wᵀ·δ`, batch statistics) add rows in order;
//! - no fused multiply-add is ever used (Rust does not contract `a*b + c`);
//! - `exp`, `tanh`, `log`, `sqrt`, `pow` come from `libm` (module [`math`]), the same bits
//!   on every target;
//! - random draws (initialisers, dropout, shuffles) are defined from `next_u32` calls
//!   ([`random`]), so one seed gives one model everywhere.
//!
//! The host and the Cortex-M run the same source, so they compute the same bits; the
//! firmware's comparison tool checks it on every board.
//!
//! ## Features
//! - `micromath`: fast `exp`/`tanh` approximations (see [`math`] for their error). Still
//!   identical across targets, but different from the default `libm` results.
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// Numeric kernels index several arrays of compile-time length with one counter; that reads
// better than zipped iterators and compiles to the same loops.
#![allow(clippy::needless_range_loop)]

mod activation;
mod batchnorm;
mod callback;
mod chain;
mod checkpoint;
pub mod datasets;
mod dense;
mod dropout;
mod early_stopping;
mod evaluate;
mod fit;
mod fixed;
mod footprint;
pub mod format;
mod frozen;
mod init;
pub mod kernel;
mod layer;
mod loss;
pub mod math;
pub mod metrics;
mod normalization;
mod optim;
pub mod params;
pub mod random;
mod reduce_lr;
mod rng;
mod signal;
pub mod store;
mod summary;
mod trainer;
pub mod zoo;

pub use activation::{Activation, sigmoid};
pub use batchnorm::{BatchNorm, BatchNormCache, BatchNormGrads};
pub use callback::{Callback, Control, EpochLogs, FnCallback, History, Monitor, MonitorMode};
pub use chain::Chain;
pub use checkpoint::ModelCheckpoint;
pub use dense::{Dense, DenseCache, DenseGrads};
pub use dropout::{Dropout, DropoutCache, mask_bits};
pub use early_stopping::EarlyStopping;
pub use evaluate::{Evaluation, evaluate, predict};
pub use fit::{FitConfig, FitError, FitReport, Labelled, validation_split_index};
pub use fixed::Fixed;
pub use footprint::Footprint;
pub use frozen::Frozen;
pub use init::{Fans, Init, TRUNCATED_NORMAL_STD};
pub use layer::{GradAt, Layer, LayerInfo, LayerKind, Mode, Tensor, TensorMut, Upstream};
pub use loss::{EPSILON, Loss};
pub use normalization::{Normalization, NormalizationCache};
pub use optim::{Adam, Momentum, Optimizer, Sgd, abs_bound_with};
pub use params::{AsFlat, Params};
pub use rand_core;
pub use reduce_lr::ReduceLrOnPlateau;
pub use rng::Xoshiro128PlusPlus;
pub use signal::{Signal, Zero};
pub use summary::{Bytes, Summary, Thousands};
pub use trainer::{Observer, StepError, Trainer};
