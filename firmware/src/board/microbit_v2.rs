//! BBC micro:bit v2 (nRF52833, Cortex-M4F at 64 MHz), through the embassy-nrf HAL: UARTE0 on
//! the pins the board's interface chip bridges to USB serial (TX P0.06, RX P1.08, 115200
//! baud, 8N1), the LED at row 1 / column 1 of the matrix, the external 32 MHz crystal as the
//! high-frequency clock (the UART's baud rate is only as exact as its clock).
//!
//! embassy-nrf's UARTE is asynchronous or blocking; the firmware polls, so this wraps its
//! blocking calls in `embedded_io::Read + Write` (the HAL implements only the async traits).

use super::{Board, CLOCK_HZ, SpinDelay};
use embassy_nrf::gpio::{Level, Output, OutputDrive};
use embassy_nrf::{bind_interrupts, peripherals, uarte};

bind_interrupts!(struct Irqs {
    UARTE0 => uarte::InterruptHandler<peripherals::UARTE0>;
});

/// UARTE0 on the interface chip's USB-serial pins.
pub struct Serial(uarte::Uarte<'static>);

/// The LED at row 1, column 1 of the matrix (row P0.21 high lights it; column P0.28 is held
/// low).
pub struct Led {
    row: Output<'static>,
    _column: Output<'static>,
}

/// Sets up the board's peripherals (call once: embassy-nrf's `init` panics on a second call).
pub fn take() -> Board {
    let mut config = embassy_nrf::config::Config::default();
    config.hfclk_source = embassy_nrf::config::HfclkSource::ExternalXtal;
    let p = embassy_nrf::init(config);
    let serial = uarte::Uarte::new(p.UARTE0, p.P1_08, p.P0_06, Irqs, uarte::Config::default());
    let led = Led {
        row: Output::new(p.P0_21, Level::Low, OutputDrive::Standard),
        _column: Output::new(p.P0_28, Level::Low, OutputDrive::Standard),
    };
    Board { serial: Serial(serial), led, delay: SpinDelay::new(CLOCK_HZ) }
}

/// The store's flash driver: the NVMC (absolute addresses, the flash starting at 0).
#[cfg(all(feature = "finetune", not(feature = "finetune-last"), flash_store))]
pub type StoreFlash = embassy_nrf::nvmc::Nvmc<'static>;

/// The NVMC, for the store (`hal_store.rs` makes one only).
#[cfg(all(feature = "finetune", not(feature = "finetune-last"), flash_store))]
pub fn store_flash() -> StoreFlash {
    // SAFETY: `take` leaves the NVMC alone, and the store is made once.
    embassy_nrf::nvmc::Nvmc::new(unsafe { peripherals::NVMC::steal() })
}

impl embedded_io::ErrorType for Serial {
    type Error = uarte::Error;
}

impl embedded_io::Read for Serial {
    /// Waits for one byte and returns it: the receiver stays on between calls (the HAL's
    /// blocking read does not stop it), and its FIFO keeps the bytes that arrive meanwhile.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, uarte::Error> {
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
    fn write(&mut self, buf: &[u8]) -> Result<usize, uarte::Error> {
        // Copies from flash to RAM in chunks where needed (EasyDMA reads RAM only).
        self.0.blocking_write(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), uarte::Error> {
        // `blocking_write` returns once the last byte has been sent.
        Ok(())
    }
}

impl embedded_hal::digital::ErrorType for Led {
    type Error = core::convert::Infallible;
}

impl embedded_hal::digital::OutputPin for Led {
    fn set_low(&mut self) -> Result<(), Self::Error> {
        self.row.set_low();
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Self::Error> {
        self.row.set_high();
        Ok(())
    }
}
