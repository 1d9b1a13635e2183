//! The boards: each gives the application a serial port (`embedded_io::Read + Write`), an
//! output pin (`embedded_hal::digital::OutputPin`) that shows the predicted class, and a
//! delay (`embedded_hal::delay::DelayNs`). The application (`app.rs`) does not change from
//! one board to another.
//!
//! Porting to another board takes:
//! - a `[[board]]` in `boards.toml` (target, clock, memory map, store, QEMU machine or
//!   probe-rs chip), and a cargo feature of the same name in `Cargo.toml`;
//! - a module here with `Serial`, `Led` and `take()` (written on the registers, as these are,
//!   or wrapping the board's HAL types), exported under the feature;
//! - a way to run it: a `.cargo/config.toml` alias (QEMU boards run through `qemu-run.sh`,
//!   which reads the table) or a `probe-rs` runner for hardware;
//! - to save fine-tuned models, a `NorFlash` for the store (`store_flash.rs` is the MPS2
//!   boards'; a real board names its HAL's driver `StoreFlash`, made by `store_flash()`, and
//!   `hal_store.rs` keeps the store on it), and board cases where `main.rs` chooses by board
//!   feature (the store, the `load-check` self-test);
//! - nothing for the host tools: they compile the same table in.

// The `tiny` firmware has no bench request, so no cycle counter.
#[cfg_attr(feature = "tiny", allow(dead_code))]
mod cycles;
// The emulated boards' drivers are written on the registers.
#[cfg(any(
    feature = "mps2-an386",
    feature = "mps2-an500",
    feature = "mps2-an505",
    feature = "lm3s6965evb",
    feature = "microbit"
))]
mod mmio;
mod spin_delay;

#[cfg(not(feature = "tiny"))]
pub use cycles::Cycles;
pub use spin_delay::SpinDelay;

#[cfg(any(feature = "mps2-an386", feature = "mps2-an500", feature = "mps2-an505"))]
mod cmsdk;
#[cfg(all(
    feature = "finetune",
    not(feature = "finetune-last"),
    flash_store,
    any(feature = "mps2-an386", feature = "mps2-an500", feature = "mps2-an505")
))]
pub mod store_flash;
#[cfg(any(feature = "mps2-an386", feature = "mps2-an500", feature = "mps2-an505"))]
pub use cmsdk::{Led, Serial, take};

#[cfg(feature = "lm3s6965evb")]
mod stellaris;
#[cfg(feature = "lm3s6965evb")]
pub use stellaris::{Led, Serial, take};

#[cfg(feature = "microbit")]
mod nrf51;
#[cfg(feature = "microbit")]
pub use nrf51::{Led, Serial, take};

#[cfg(feature = "microbit-v2")]
mod microbit_v2;
#[cfg(feature = "microbit-v2")]
pub use microbit_v2::{Led, Serial, take};
#[cfg(all(feature = "finetune", not(feature = "finetune-last"), flash_store, feature = "microbit-v2"))]
use microbit_v2::{StoreFlash, store_flash};

#[cfg(feature = "pico")]
mod pico;
#[cfg(feature = "pico")]
pub use pico::{Led, Serial, take};
#[cfg(all(feature = "finetune", not(feature = "finetune-last"), flash_store, feature = "pico"))]
use pico::{StoreFlash, store_flash};

// The real boards' store: their HAL's flash driver (`StoreFlash`) under the store's logic.
#[cfg(all(
    feature = "finetune",
    not(feature = "finetune-last"),
    flash_store,
    any(feature = "microbit-v2", feature = "pico")
))]
#[path = "hal_store.rs"]
pub mod store_flash;

/// The board's name (`boards.toml`; on the emulated boards QEMU's `-machine`).
pub const NAME: &str = env!("TINYMLP_BOARD");

/// What a board provides to the application.
pub struct Board {
    /// UART 0.
    pub serial: Serial,
    /// A LED (or any output): high for class 1.
    pub led: Led,
    /// Busy-wait delay at the core clock.
    pub delay: SpinDelay,
}

// The board's clock, from the board table (`boards.toml`, written by `build.rs`).
include!(concat!(env!("OUT_DIR"), "/board.rs"));

/// The core clock of this board in Hz (QEMU's virtual clock on the emulated boards).
#[cfg(not(feature = "tiny"))]
pub const fn clock_hz() -> u32 {
    CLOCK_HZ
}
