//! The board seam: what a board package gives the application ([`Board`]), and the timer
//! the application reads ([`Cycles`], [`clock_hz`]).
//!
//! A board is a package of `firmware/boards/` (see `docs/boards.md`): its `main.rs` implements
//! [`Board`] on its HAL's (or its own register drivers') types and calls [`crate::run`].

#[cfg(not(feature = "tiny"))]
use core::sync::atomic::{AtomicU32, Ordering};
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
    /// The core clock in Hz (QEMU's virtual clock on the emulated boards).
    const CLOCK_HZ: u32;
    /// Bytes of RAM.
    const RAM_BYTES: usize;
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

/// The board's core clock, set at boot from [`Board::CLOCK_HZ`].
#[cfg(not(feature = "tiny"))]
static CLOCK_HZ: AtomicU32 = AtomicU32::new(0);

/// Keeps the board's clock for [`clock_hz`] (at boot, by [`crate::run`]).
#[cfg(not(feature = "tiny"))]
pub(crate) fn set_clock_hz(hz: u32) {
    CLOCK_HZ.store(hz, Ordering::Relaxed);
}

/// The core clock of this board in Hz (QEMU's virtual clock on the emulated boards).
#[cfg(not(feature = "tiny"))]
pub fn clock_hz() -> u32 {
    CLOCK_HZ.load(Ordering::Relaxed)
}
