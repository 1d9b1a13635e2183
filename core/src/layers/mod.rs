//! Layers: the [`Layer`] trait of inference, the [`Train`] trait of training, and the
//! const-generic layers that implement both.

pub(crate) mod activation;
mod batchnorm;
mod chain;
mod dense;
mod dropout;
mod fixed;
pub(crate) mod frozen;
mod init;
mod kind;
mod layer;
mod normalization;
mod residual;

pub use activation::{ACTIVATIONS, Activation, sigmoid};
pub use batchnorm::{BatchNorm, BatchNormCache, BatchNormGrads};
pub use chain::Chain;
pub use dense::{Dense, DenseCache, DenseGrads};
pub use dropout::{Dropout, DropoutCache, mask_bits};
pub use fixed::Fixed;
pub use frozen::Frozen;
pub use init::{Fans, Init, TRUNCATED_NORMAL_STD};
pub use kind::{KINDS, KindNames, LayerKind};
pub use layer::{GradAt, InitScheme, Layer, LayerInfo, Mode, Tensor, TensorMut, Train, Upstream};
pub use normalization::{Normalization, NormalizationCache};
pub use residual::{Residual, ResidualCache};
