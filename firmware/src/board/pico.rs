//! Raspberry Pi Pico (RP2040, Cortex-M0+ at 125 MHz), through the embassy-rp HAL: UART0 on
//! GP0 (TX, pin 1) and GP1 (RX, pin 2) at 115200 baud, 8N1, for a USB-serial adapter or a
//! Debug Probe's UART; the on-board LED on GP25; the 12 MHz crystal and the system PLL at
//! 125 MHz (embassy-rp's default clocks). The second-stage bootloader for the Pico's W25Q080
//! flash is embassy-rp's (its `.boot2` section, placed by `memory.x`).
//!
//! USB serial would need the USB stack and an interrupt-driven executor; the firmware polls
//! one blocking serial port, so the Pico serves on its UART (wiring: `docs/boards.md`).

use super::{Board, CLOCK_HZ, SpinDelay};
use embassy_rp::gpio::{Level, Output};
use embassy_rp::uart;

/// UART0 on GP0 (TX) and GP1 (RX).
pub struct Serial(uart::Uart<'static, uart::Blocking>);

/// The on-board LED (GP25).
pub struct Led(Output<'static>);

/// Sets up the board's peripherals (call once: embassy-rp's `init` panics on a second call).
pub fn take() -> Board {
    let p = embassy_rp::init(embassy_rp::config::Config::default());
    // 115200 baud, 8 data bits, no parity, one stop bit (embassy-rp's default).
    let serial = uart::Uart::new_blocking(p.UART0, p.PIN_0, p.PIN_1, uart::Config::default());
    let led = Led(Output::new(p.PIN_25, Level::Low));
    Board { serial: Serial(serial), led, delay: SpinDelay::new(CLOCK_HZ) }
}

/// The store's flash driver: embassy-rp's, blocking, over the Pico's 2 MiB of QSPI flash
/// (offsets from the flash's origin, 0x1000_0000). Writes and erases run from RAM with
/// interrupts off while the flash is out of execute-in-place.
#[cfg(all(feature = "finetune", not(feature = "finetune-last"), flash_store))]
pub type StoreFlash = embassy_rp::flash::Flash<
    'static,
    embassy_rp::peripherals::FLASH,
    embassy_rp::flash::Blocking,
    { 2 * 1024 * 1024 },
>;

/// The flash driver, for the store (`hal_store.rs` makes one only).
#[cfg(all(feature = "finetune", not(feature = "finetune-last"), flash_store))]
pub fn store_flash() -> StoreFlash {
    // SAFETY: `take` leaves the flash peripheral alone, and the store is made once.
    embassy_rp::flash::Flash::new_blocking(unsafe { embassy_rp::peripherals::FLASH::steal() })
}

impl embedded_io::ErrorType for Serial {
    type Error = uart::Error;
}

impl embedded_io::Read for Serial {
    /// Waits for one byte and returns it (the UART's 32-byte receive FIFO keeps the bytes
    /// that arrive meanwhile).
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, uart::Error> {
        match buf.first_mut() {
            None => Ok(0),
            Some(first) => {
                let mut byte = [0u8; 1];
                self.0.blocking_read(&mut byte)?;
                *first = byte[0];
                Ok(1)
            }
        }
    }
}

impl embedded_io::Write for Serial {
    fn write(&mut self, buf: &[u8]) -> Result<usize, uart::Error> {
        embedded_io::Write::write(&mut self.0, buf)
    }

    fn flush(&mut self) -> Result<(), uart::Error> {
        // Waits until the last byte has left the transmitter.
        embedded_io::Write::flush(&mut self.0)
    }
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
