//! Model files: a JSON format (readable, writable from Python) and a binary format (for
//! flash), both read and written without allocation by the same code on the host and on
//! the device, both refusing bad input with a [`ModelError`] and leaving the model intact.

mod binary;
mod crc;
mod error;
mod fixed_check;
#[cfg(feature = "json")]
mod json;
#[cfg(feature = "json")]
mod json_syntax;
mod name;
#[cfg(feature = "host")]
mod rust;
#[cfg(feature = "store")]
pub mod store;

pub use binary::{MAGIC, bin_len, counts, emit_bin, model_bin_len, model_id, read_bin, write_bin};
pub use crc::{Crc32, crc32};
pub use error::{BlockFault, ModelError, Shape};
#[cfg(feature = "json")]
pub use json::{
    FORMAT, JsonInfo, MAX_DEPTH, Meta, VERSION, max_json_len, model_max_json_len, read_json, write_json,
};
#[cfg(feature = "json")]
pub use json_syntax::{BOM, JsonFault, check_json};
pub use name::Name;
#[cfg(feature = "host")]
pub use rust::write_rust;
