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
//! - [`Layer`] is inference ([`Layer::forward`], no caches, the description a model file
//!   holds); [`Train`] adds the caches, gradients and backward pass. [`Trainer`] holds the
//!   caches and gradients for batches of up to `B` rows and runs forward, [`Loss`],
//!   backward and an [`Optimizer`] ([`Sgd`], [`Momentum`] with Nesterov, [`Adam`]).
//! - The modules are a map: [`layers`], [`train`] (with [`train::optim`] and
//!   [`train::callbacks`]), [`eval`], [`io`] (model files and the flash store) and
//!   [`numeric`] (the canonical order of operations, `libm`, random draws);
//!   [`prelude`] has what every example needs.
//! - A model, its gradients, an optimiser and a trainer all have `const` constructors, so
//!   each can be a `static`; [`Footprint`] gives their sizes as constants and [`Summary`]
//!   prints a Keras-like summary through `core::fmt`.
//!
//! ## The seed's network in a `static`
//!
//! The 2-64-32-16-1 classifier of the Keras tutorial, in flash-friendly form:
//!
//! ```
//! use tinymlp::prelude::*;
//! use tinymlp::{Footprint, Summary, Train};
//!
//! type Seed = Sequential![Dense<2, 64>, Dense<64, 32>, Dense<32, 16>, Dense<16, 1>];
//! static MODEL: Seed = sequential![
//!     Dense::new(Activation::Relu),
//!     Dense::new(Activation::Relu),
//!     Dense::new(Activation::Relu),
//!     Dense::new(Activation::Sigmoid)
//! ];
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
//! static GRADS: <Seed as Train>::Grads = Zero::ZERO;
//! static ADAM: Adam<Seed> = Adam::new(0.001);
//! static TRAINER: Trainer<Seed, 32> = Trainer::new(Loss::BinaryCrossEntropy);
//! assert_eq!(core::mem::size_of_val(&ADAM), Seed::ADAM_BYTES);
//! ```
//!
//! Training it (on the host here; the same code runs on a Cortex-M):
//!
//! ```
//! use tinymlp::prelude::*;
//! type Net = Sequential![Dense<2, 16>, Dense<16, 1>];
//! let mut rng = Xoshiro128PlusPlus::new(42);
//! let mut net: Net = sequential![Dense::new(Activation::Relu), Dense::new(Activation::Sigmoid)];
//! net.init(Init::HeNormal, &mut rng);
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
//! ## The kernel is a type
//!
//! The inner loops (`W·x + b`, BatchNorm's square roots, the optimisers' passes) run in a
//! [`Kernel`]: [`Dense<IN, OUT, K>`](Dense), [`BatchNorm<N, K>`](BatchNorm) and
//! [`Trainer<M, B, K>`](Trainer) take it as a type parameter that defaults to the portable
//! [`Canonical`]. A firmware names its assembly kernel there once; every kernel gives the
//! same bits.
//!
//! ## Bit-for-bit: the canonical order of operations
//!
//! Floating-point results depend on the order of operations, so the order is part of this
//! crate's contract (see [`numeric::kernel`] for the full statement):
//!
//! - a dot product adds term `i` into partial sum `i mod 8` and combines the eight sums as
//!   `((s0+s4)+(s2+s6)) + ((s1+s5)+(s3+s7))`; a dense output is `dot(w, x) + b`;
//! - sums across rows (batch gradients, `Wᵀ·δ`, batch statistics) add rows in order;
//! - no fused multiply-add is ever used (Rust does not contract `a*b + c`);
//! - `exp`, `tanh`, `log`, `sqrt`, `pow` come from `libm` (module [`numeric::math`]), the same bits
//!   on every target;
//! - random draws (initialisers, dropout, shuffles) are defined from `next_u32` calls
//!   ([`numeric::random`]), so one seed gives one model everywhere.
//!
//! The host and the Cortex-M run the same source, so they compute the same bits; the
//! firmware's comparison tool checks it on every board.
//!
//! ## Features
//!
//! With no feature the crate is inference, training and the binary model format: what a
//! firmware needs, with no `serde` and no storage traits.
//! - `json`: JSON model files (`io::read_json`, `io::write_json`).
//! - `store`: the power-cut-safe model store on an `embedded-storage` NOR flash (`io::store`).
//! - `zoo`: the Keras tutorial's models as types and values.
//! - `host`: all of the above, `std`, the datasets and the Rust-source writer.
//! - `std`: the square root from `std` (the same bits as `libm`'s), which vectorises.
//! - `micromath`: fast `exp`/`tanh` approximations (see [`numeric::math`] for their error). Still
//!   identical across targets, but different from the default `libm` results.
#![cfg_attr(not(any(test, feature = "std")), no_std)]
#![forbid(unsafe_code)]
// Numeric kernels index several arrays of compile-time length with one counter; that reads
// better than zipped iterators and compiles to the same loops.
#![allow(clippy::needless_range_loop)]

#[cfg(feature = "host")]
pub mod datasets;
pub mod eval;
mod footprint;
pub mod io;
pub mod layers;
pub mod numeric;
pub mod prelude;
pub mod quant;
mod summary;
pub mod train;
#[cfg(feature = "zoo")]
pub mod zoo;

pub use footprint::Footprint;
pub use io::ModelError;
pub use layers::{
    Activation, BatchNorm, Chain, Dense, Dropout, Fixed, Frozen, Init, Layer, LayerInfo, LayerKind,
    Normalization, Residual, Train,
};
pub use numeric::kernel::{Canonical, Kernel};
pub use numeric::{Params, Xoshiro128PlusPlus, Zero};
pub use rand_core;
pub use summary::{Bytes, Summary, Thousands};
pub use train::optim::{Adam, Momentum, Optimizer, Sgd};
pub use train::{FitConfig, Loss, LossGuard, StepError, Trainer};

/// The README's example, compiled and run as a doctest so that it stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;
