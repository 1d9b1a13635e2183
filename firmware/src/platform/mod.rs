//! The platform seam: how the firmware logs, stops and learns whether to run its self-test.
//!
//! - On the emulated boards ([`semihosting`]): defmt over semihosting (QEMU writes the log
//!   to its standard output), exit with QEMU's exit status, and the self-test when QEMU was
//!   started with the argument `selftest` (the `tiny` firmware: exit only, no log).
//! - On real boards, the `rtt` feature (`rtt.rs`): defmt over RTT (the probe reads the log,
//!   `probe-rs run` prints it), panic-probe, and serving the serial port from boot (there is
//!   no host to ask for a self-test); exit halts at a breakpoint, where `probe-rs run` stops.
//!
//! The application (`app.rs`) and `main.rs` call [`exit`] and [`self_test_requested`] only.

#[cfg(feature = "rtt")]
mod rtt;
#[cfg(feature = "rtt")]
pub use rtt::{exit, self_test_requested};

#[cfg(not(feature = "rtt"))]
mod semihosting;
#[cfg(not(feature = "rtt"))]
pub use semihosting::exit;
#[cfg(not(any(feature = "rtt", feature = "tiny")))]
pub use semihosting::self_test_requested;
