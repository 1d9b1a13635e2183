//! The board seam: what a board package gives the application ([`Board`]), and the timer
//! the application reads ([`Cycles`] at the board's clock, [`clock_hz`], which the board's
//! `memory.x` gives).
//!
//! A board is a package of `firmware/boards/` (see `docs/boards.md`): its `main.rs` implements
//! [`Board`] on its HAL's (or its own register drivers') types and calls [`crate::run`].

use embedded_hal::delay::DelayNs;
use embedded_hal::digital::OutputPin;
use embedded_io::{Read, Write};
use embedded_storage::nor_flash::NorFlash;

// The `tiny` firmware has no bench request, so no cycle counter.
#[cfg_attr(feature = "tiny", allow(dead_code))]
mod cycles;

pub use crate::store::{CutFlash, NoFlash, PowerCut, StoreFlash};
#[cfg(not(feature = "tiny"))]
pub use cycles::Cycles;

/// A board: its facts from the board table and its peripherals.
pub trait Board {
    /// The board's name (`boards.toml`; on the emulated boards QEMU's `-machine`).
    const NAME: &'static str;
    /// Bytes of RAM.
    const RAM_BYTES: usize;
    /// The serial port the host talks to, as the boot log names it (`UART 0`, `USB serial`).
    const PORT: &'static str;
    /// The serial port the host talks to.
    type Serial: Read + Write;
    /// A LED (or any output): high for class 1.
    type Led: OutputPin;
    /// A delay (the LED's blink).
    type Delay: DelayNs;
    /// The flash of the model store ([`NoFlash`] on a board without one).
    type Flash: NorFlash + PowerCut;

    /// Sets up the board's peripherals; called once, at boot.
    fn take() -> Parts<Self>;

    /// The model store's flash and region, or `None` on a board without a store. Called
    /// once at most, after [`Board::take`], by the fine-tuning firmware.
    fn store_flash() -> Option<StoreFlash<Self::Flash>>;
}

/// What a board gives the application at boot.
pub struct Parts<B: Board + ?Sized> {
    /// The serial port.
    pub serial: B::Serial,
    /// The LED.
    pub led: B::Led,
    /// The delay.
    pub delay: B::Delay,
}

#[cfg(not(feature = "tiny"))]
unsafe extern "C" {
    /// The board's core clock in Hz as the address of a linker symbol (the board's
    /// `memory.x`, from `boards.toml`): a constant of the link, no RAM.
    static _tinymlp_clock_hz: u8;
}

/// The core clock of this board in Hz (QEMU's virtual clock on the emulated boards).
#[cfg(not(feature = "tiny"))]
pub fn clock_hz() -> u32 {
    (&raw const _tinymlp_clock_hz) as u32
}
