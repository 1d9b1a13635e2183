//! The firmware on the Raspberry Pi Pico (RP2040, Cortex-M0+ at 125 MHz), through the embassy-rp HAL: UART0 on
//! GP0 (TX, pin 1) and GP1 (RX, pin 2) at 115200 baud, 8N1, for a USB-serial adapter or a
//! Debug Probe's UART; the on-board LED on GP25; the 12 MHz crystal and the system PLL at
//! 125 MHz (embassy-rp's default clocks). The second-stage bootloader for the Pico's W25Q080
//! flash is embassy-rp's (its `.boot2` section, placed by `memory.x`).
//!
//! USB serial would need the USB stack and an interrupt-driven executor; the firmware polls
//! one blocking serial port, so the Pico serves on its UART (wiring: `docs/boards.md`).

#![no_std]
#![no_main]

use embassy_rp::gpio::{Level, Output};
use embassy_rp::uart;
use tinymlp_firmware::board::{Board, CutFlash, Parts, StoreFlash};
use tinymlp_firmware::drivers::spin_delay::SpinDelay;

include!(concat!(env!("OUT_DIR"), "/board.rs"));

/// Lets the runner (and the host tools) tell which board an ELF is for.
#[used]
#[unsafe(link_section = ".rodata")]
static BOARD_TAG: [u8; tinymlp_firmware::tag_len(NAME)] = tinymlp_firmware::board_tag(NAME);

/// UART0 on GP0 (TX) and GP1 (RX).
struct Serial(uart::Uart<'static, uart::Blocking>);

/// The on-board LED (GP25).
struct Led(Output<'static>);

/// Sets up the board's peripherals (call once: embassy-rp's `init` panics on a second call).
fn take() -> Parts<Pico> {
    let p = embassy_rp::init(embassy_rp::config::Config::default());
    // 115200 baud, 8 data bits, no parity, one stop bit (embassy-rp's default).
    let serial = uart::Uart::new_blocking(p.UART0, p.PIN_0, p.PIN_1, uart::Config::default());
    let led = Led(Output::new(p.PIN_25, Level::Low));
    Parts { serial: Serial(serial), led, delay: SpinDelay::new(CLOCK_HZ) }
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

#[cortex_m_rt::entry]
fn main() -> ! {
    tinymlp_firmware::run::<Pico>()
}
