//! The HAL edge the nRF52 boards share (the BBC micro:bit v2, the nRF52840 DK), on
//! embassy-nrf: its set-up on the external crystal, UARTE0 as the application's blocking
//! serial port, an LED on one pin, and the model store on the NVMC. The chip is the board
//! package's choice (its embassy-nrf feature); a board package gives its pins and its row of
//! the board table.

#![no_std]

use embassy_nrf::gpio::{Level, Output};
use embassy_nrf::{bind_interrupts, peripherals, uarte};
use tinymlp_firmware::board::{CutFlash, StoreFlash};

bind_interrupts!(
    /// UARTE0's interrupt, for `uarte::Uarte::new`.
    pub struct Irqs {
        UARTE0 => uarte::InterruptHandler<peripherals::UARTE0>;
    }
);

/// embassy-nrf's peripherals, with the external 32 MHz crystal as the high-frequency clock
/// (the UART's baud rate is only as exact as its clock). Call once: embassy-nrf's `init`
/// panics on a second call.
pub fn init() -> embassy_nrf::Peripherals {
    let mut config = embassy_nrf::config::Config::default();
    config.hfclk_source = embassy_nrf::config::HfclkSource::ExternalXtal;
    embassy_nrf::init(config)
}

/// UARTE0 as a blocking `embedded_io::Read + Write` (embassy-nrf's UARTE implements only the
/// async traits; the application polls).
pub struct Serial(pub uarte::Uarte<'static>);

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

/// An LED on one pin, lit at one level (the application sets it high for class 1).
pub struct Led {
    pin: Output<'static>,
    /// The pin's level that lights the LED (`true`: high).
    lit_high: bool,
}

impl Led {
    /// The LED on `pin`, which lights it at the level `lit`; it starts off.
    pub fn new(mut pin: Output<'static>, lit: Level) -> Led {
        let lit_high = matches!(lit, Level::High);
        pin.set_level(Level::from(!lit_high));
        Led { pin, lit_high }
    }
}

impl embedded_hal::digital::ErrorType for Led {
    type Error = core::convert::Infallible;
}

impl embedded_hal::digital::OutputPin for Led {
    fn set_low(&mut self) -> Result<(), Self::Error> {
        self.pin.set_level(Level::from(!self.lit_high));
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Self::Error> {
        self.pin.set_level(Level::from(self.lit_high));
        Ok(())
    }
}

unsafe extern "C" {
    /// The store region's first byte (the board's `memory.x`, from `boards.toml`).
    static _store_start: u8;
    /// One past the store region's last byte.
    static _store_end: u8;
}

/// The store's flash: the NVMC, with the power-cut requests.
pub type StoreNvmc = CutFlash<embassy_nrf::nvmc::Nvmc<'static>>;

/// The store region through the NVMC, addressed by its offset from `flash_origin`. Call
/// once at most, after [`init`], which leaves the NVMC alone.
pub fn store_flash(flash_origin: u32) -> Option<StoreFlash<StoreNvmc>> {
    let (start, end) = ((&raw const _store_start) as u32, (&raw const _store_end) as u32);
    // SAFETY: `init`'s caller does not take the NVMC, and the application makes the store
    // once.
    let nvmc = embassy_nrf::nvmc::Nvmc::new(unsafe { peripherals::NVMC::steal() });
    Some(StoreFlash { flash: CutFlash::new(nvmc), offset: start - flash_origin, len: end - start })
}
