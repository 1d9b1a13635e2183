//! Networks whose shape is chosen at run time, for the host.
//!
//! [`Net`] is the core's multi-layer perceptron — input scaler, dense, batch-norm and dropout
//! layers — with its widths and depth in `Vec`s instead of types, so the host tools train
//! any architecture on any CSV and read any model file without compiling Rust. It
//! implements the core's [`Layer`](tinymlp::Layer) and [`Train`](tinymlp::Train) traits:
//! the core's trainer, `fit`, callbacks, optimisers, losses and metrics run it unchanged,
//! and every result has the bits of the const-generic network of the same shape (so the
//! device, which runs the const-generic one, computes what the host computed).
//!
//! [`QNet`] is the same for int8 models: the core's int8 operations ([`tinymlp::quant`])
//! in a chain read from an int8 model file.
//!
//! The core itself stays allocation-free; this crate is where the host allocates.

mod file;
mod layer;
mod net;
mod qnet;
mod row;
mod spec;

pub use net::{Net, NetCache, NetGrads};
pub use qnet::{Prepared, QFORMAT, QFused, QLayerSpec, QNet, QNetError, QTensor};
pub use row::{MAX_ROW, Row};
pub use spec::{LayerSpec, MAX_LAYERS, MAX_NESTING, MAX_UNITS, MAX_VALUES, NetError};
