//! The firmware on Nordic's nRF52840 DK (PCA10056: nRF52840, Cortex-M4F at 64 MHz), through
//! the embassy-nrf HAL: UARTE0 on the pins the on-board J-Link bridges to its USB virtual COM
//! port (TX P0.06, RX P0.08, 115200 baud, 8N1, no flow control), LED1 (P0.13, lit when
//! low), the external 32 MHz crystal as the high-frequency clock (the UART's baud rate is
//! only as exact as its clock).
//!
//! embassy-nrf's UARTE is asynchronous or blocking; the firmware polls, so this wraps its
//! blocking calls in `embedded_io::Read + Write` (the HAL implements only the async traits).

#![no_std]
#![no_main]

use embassy_nrf::gpio::{Level, Output, OutputDrive};
use embassy_nrf::{bind_interrupts, peripherals, uarte};
use tinymlp_firmware::board::{Board, CutFlash, Parts, StoreFlash};
use tinymlp_firmware::drivers::spin_delay::SpinDelay;

include!(concat!(env!("OUT_DIR"), "/board.rs"));

/// Lets the runner (and the host tools) tell which board an ELF is for.
#[used]
#[unsafe(link_section = ".rodata")]
static BOARD_TAG: [u8; tinymlp_firmware::tag_len(NAME)] = tinymlp_firmware::board_tag(NAME);

bind_interrupts!(struct Irqs {
    UARTE0 => uarte::InterruptHandler<peripherals::UARTE0>;
});

/// UARTE0 on the J-Link's virtual COM port pins.
struct Serial(uarte::Uarte<'static>);

/// LED1 (P0.13; the LED's other side is on the supply, so a low pin lights it).
struct Led(Output<'static>);

/// Sets up the board's peripherals (call once: embassy-nrf's `init` panics on a second call).
fn take() -> Parts<Nrf52840Dk> {
    let mut config = embassy_nrf::config::Config::default();
    config.hfclk_source = embassy_nrf::config::HfclkSource::ExternalXtal;
    let p = embassy_nrf::init(config);
    let serial = uarte::Uarte::new(p.UARTE0, p.P0_08, p.P0_06, Irqs, uarte::Config::default());
    // Off (high) at boot.
    let led = Led(Output::new(p.P0_13, Level::High, OutputDrive::Standard));
    Parts { serial: Serial(serial), led, delay: SpinDelay::new(CLOCK_HZ) }
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
    /// Off: the pin high.
    fn set_low(&mut self) -> Result<(), Self::Error> {
        self.0.set_high();
        Ok(())
    }
    /// Lit (class 1): the pin low.
    fn set_high(&mut self) -> Result<(), Self::Error> {
        self.0.set_low();
        Ok(())
    }
}

unsafe extern "C" {
    /// The store region's first byte (`memory.x`, from `boards.toml`).
    static _store_start: u8;
    /// One past the store region's last byte.
    static _store_end: u8;
}

/// The nRF52840 DK.
struct Nrf52840Dk;

impl Board for Nrf52840Dk {
    const NAME: &'static str = NAME;
    const RAM_BYTES: usize = RAM_BYTES;
    const PORT: &'static str = "UARTE 0 (the J-Link's virtual COM port)";
    type Serial = Serial;
    type Led = Led;
    type Delay = SpinDelay;
    /// The NVMC (absolute addresses, the flash starting at 0).
    type Flash = CutFlash<embassy_nrf::nvmc::Nvmc<'static>>;

    fn take() -> Parts<Self> {
        take()
    }

    /// The store region through the NVMC, addressed by its offset from the flash's origin.
    fn store_flash() -> Option<StoreFlash<Self::Flash>> {
        let (start, end) = ((&raw const _store_start) as u32, (&raw const _store_end) as u32);
        // SAFETY: `take` leaves the NVMC alone, and the application makes the store once.
        let nvmc = embassy_nrf::nvmc::Nvmc::new(unsafe { peripherals::NVMC::steal() });
        Some(StoreFlash { flash: CutFlash::new(nvmc), offset: start - FLASH_ORIGIN, len: end - start })
    }
}

#[cortex_m_rt::entry]
fn main() -> ! {
    tinymlp_firmware::run::<Nrf52840Dk>()
}
