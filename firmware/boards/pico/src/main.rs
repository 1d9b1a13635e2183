//! The firmware on the Raspberry Pi Pico (RP2040, Cortex-M0+ at 125 MHz), through the
//! embassy-rp HAL: the serial port over the Pico's USB, a CDC-ACM device (`usb.rs`), or with
//! the `uart` feature UART0 on GP0/GP1 for a Debug Probe's or a USB-serial adapter's UART
//! (`uart.rs`); the on-board LED on GP25; the 12 MHz crystal and the system PLL at 125 MHz
//! (embassy-rp's default clocks). The second-stage bootloader for the Pico's W25Q080 flash
//! is embassy-rp's (its `.boot2` section, placed by `memory.x`).

#![no_std]
#![no_main]

#[cfg(feature = "uart")]
mod uart;
#[cfg(not(feature = "uart"))]
mod usb;

use embassy_rp::gpio::{Level, Output};
use tinymlp_firmware::board::{Board, CutFlash, Parts, StoreFlash};
use tinymlp_firmware::drivers::spin_delay::SpinDelay;
#[cfg(feature = "uart")]
use uart::Serial;
#[cfg(not(feature = "uart"))]
use usb::Serial;

include!(concat!(env!("OUT_DIR"), "/board.rs"));

/// The on-board LED (GP25).
struct Led(Output<'static>);

/// Sets up the board's peripherals (call once: embassy-rp's `init` panics on a second call).
fn take() -> Parts<Pico> {
    let p = embassy_rp::init(embassy_rp::config::Config::default());
    #[cfg(feature = "uart")]
    let serial = Serial::new(p.UART0, p.PIN_0, p.PIN_1);
    #[cfg(not(feature = "uart"))]
    let serial = Serial::new(p.USB);
    let led = Led(Output::new(p.PIN_25, Level::Low));
    Parts { serial, led, delay: SpinDelay::new(CLOCK_HZ) }
}

impl embedded_hal::digital::ErrorType for Led {
    type Error = core::convert::Infallible;
}

impl embedded_hal::digital::OutputPin for Led {
    fn set_low(&mut self) -> Result<(), Self::Error> {
        self.0.set_low();
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Self::Error> {
        self.0.set_high();
        Ok(())
    }
}

unsafe extern "C" {
    /// The store region's first byte (`memory.x`, from `boards.toml`).
    static _store_start: u8;
    /// One past the store region's last byte.
    static _store_end: u8;
}

/// The store's flash driver: embassy-rp's, blocking, over the Pico's 2 MiB of QSPI flash
/// (offsets from the flash's origin, 0x1000_0000). Writes and erases run from RAM with
/// interrupts off while the flash is out of execute-in-place.
type QspiFlash = embassy_rp::flash::Flash<
    'static,
    embassy_rp::peripherals::FLASH,
    embassy_rp::flash::Blocking,
    { 2 * 1024 * 1024 },
>;

/// The Raspberry Pi Pico.
struct Pico;

impl Board for Pico {
    const NAME: &'static str = NAME;
    const RAM_BYTES: usize = RAM_BYTES;
    #[cfg(feature = "uart")]
    const PORT: &'static str = "UART 0 (GP0, GP1)";
    #[cfg(not(feature = "uart"))]
    const PORT: &'static str = "USB serial (CDC-ACM)";
    type Serial = Serial;
    type Led = Led;
    type Delay = SpinDelay;
    type Flash = CutFlash<QspiFlash>;

    fn take() -> Parts<Self> {
        take()
    }

    /// The store region through the flash driver, addressed by its offset from the flash's
    /// origin.
    fn store_flash() -> Option<StoreFlash<Self::Flash>> {
        let (start, end) = ((&raw const _store_start) as u32, (&raw const _store_end) as u32);
        // SAFETY: `take` leaves the flash peripheral alone, and the application makes the
        // store once.
        let flash =
            embassy_rp::flash::Flash::new_blocking(unsafe { embassy_rp::peripherals::FLASH::steal() });
        Some(StoreFlash { flash: CutFlash::new(flash), offset: start - FLASH_ORIGIN, len: end - start })
    }
}

tinymlp_firmware::board_main!(Pico);
