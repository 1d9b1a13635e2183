//! The serial protocol between the host tools and the firmware: COBS framing, CRC-32,
//! typed requests and responses, all without allocation.

pub mod cobs;
mod message;

pub use message::*;
