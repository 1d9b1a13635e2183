//! TensorFlow Lite models (`.tflite`) read as tinymlp models.
//!
//! The file is parsed by the `flatbuffers` crate with code that `flatc` generated from
//! TFLite's schema (`schema_generated.rs`, see its header); [`import`] then walks its one
//! subgraph as a chain of supported operators.

mod import;
#[allow(
    missing_docs,
    unused_imports,
    dead_code,
    non_camel_case_types,
    non_snake_case,
    non_upper_case_globals,
    unsafe_op_in_unsafe_fn,
    deprecated,
    mismatched_lifetime_syntaxes,
    clippy::all,
    clippy::pedantic,
    rustdoc::all
)]
#[rustfmt::skip]
mod schema_generated;

pub use import::{ImportError, Imported, SUPPORTED, import};
