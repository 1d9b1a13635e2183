//! Int8 inference, bit for bit like TensorFlow Lite's reference kernels.
//!
//! The scheme is TFLite's quantisation specification: a tensor's real values are
//! `scale · (code − zero_point)` ([`QParams`]); weights are int8 per output channel and
//! symmetric (zero point 0, codes −127..=127), biases `i32` at scale
//! `input scale × weight scale`, activations int8 per tensor and asymmetric.
//!
//! ## The bit-exactness contract
//!
//! Every result is defined by integer operations, or by `f32` operations in a stated order,
//! so the host, the device and TFLite's reference kernels give the same codes:
//!
//! - **Dense** ([`DenseQ8`], [`dense_q8`]): the accumulator is the bias plus
//!   `Σᵢ w[o][i] · (x[i] − input zero point)` in `i32` (in any order: integer addition is
//!   associative); [`Requant::apply`] scales it by the multiplier and shift of
//!   `input scale × weight scale[o] / output scale` (computed in `f64` by
//!   [`Requant::from_real`], TFLite's `QuantizeMultiplier`); the output zero point is
//!   added; and the clamp is the fused activation (ReLU: from the code of 0; ReLU6: between
//!   the codes of 0 and 6).
//! - **Requantisation** ([`Requant::apply`]): TFLite's single-rounding
//!   `MultiplyByQuantizedMultiplier`, `(acc · q + 2^(30 − s)) >> (31 − s)` in `i64`
//!   (halves towards +∞), the build TensorFlow 2.21's interpreter runs.
//! - **Sigmoid and tanh** ([`Lut8`]): a table of 256 codes made in `f32` from `libm`'s
//!   `expf` and `tanhf`, as TFLite's `PopulateLookupTable`.
//! - **Softmax** ([`SoftmaxQ8`]): `f32` exponentials (`libm`'s `expf`) of
//!   `−input scale · β · (max − x)`, summed in index order, scaled by
//!   `1 / (sum · output scale)`, rounded half away from zero.
//! - **Input and output** ([`QParams::quantize`], [`QParams::dequantize`]): TFLite's
//!   QUANTIZE and DEQUANTIZE in `f32`.
//!
//! The golden files in `host-tools/tests/golden/tflite` (made by the TFLite interpreter with
//! its reference kernels, the script beside them) check every code of every row.
//!
//! Everything here is `no_std`, without allocation; [`DenseQ8`] is const-generic like the
//! `f32` layers, and its inner loop is a [`QKernel`] type a firmware can replace.

mod dense;
mod fixed_point;
mod kernel;
mod lut;
mod params;
mod softmax;

pub use dense::{DenseQ8, DenseQ8Params, dense_q8, dense_q8_unit};
pub use fixed_point::Requant;
pub use kernel::{Portable, QKernel};
pub use lut::Lut8;
pub use params::QParams;
pub use softmax::SoftmaxQ8;
