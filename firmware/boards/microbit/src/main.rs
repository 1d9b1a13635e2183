//! The firmware on QEMU's microbit (the BBC micro:bit v1, nRF51822, Cortex-M0): the nRF51 UART
//! and one LED matrix row pin, written on the registers. Fine-tuning trains the last layer
//! only (its `finetune` feature turns on `finetune-last`): 16 KiB of RAM.

#![no_std]
#![no_main]

use core::convert::Infallible;
use tinymlp_firmware::board::{Board, NoFlash, Parts, StoreFlash};
use tinymlp_firmware::drivers::{mmio, spin_delay::SpinDelay};

include!(concat!(env!("OUT_DIR"), "/board.rs"));

const UART: usize = 0x4000_2000;
const STARTRX: usize = 0x000;
const STARTTX: usize = 0x008;
const RXDRDY: usize = 0x108;
const TXDRDY: usize = 0x11C;
const ENABLE: usize = 0x500;
const PSELTXD: usize = 0x50C;
const PSELRXD: usize = 0x514;
const RXD: usize = 0x518;
const TXD: usize = 0x51C;
const BAUDRATE: usize = 0x524;
const GPIO: usize = 0x5000_0000;
const OUTSET: usize = 0x508;
const OUTCLR: usize = 0x50C;
const DIRSET: usize = 0x518;
const LED_ROW1: u32 = 13;

/// The UART (pins 24 TX, 25 RX, 115200 baud).
struct Serial(());

/// LED matrix row 1.
struct Led(());

/// Sets up the board's peripherals (call once).
fn take() -> Parts<Microbit> {
    // SAFETY: these are the nRF51 UART's and GPIO's registers, and nothing else uses them
    // before `take` returns.
    unsafe {
        mmio::write(UART + PSELTXD, 24);
        mmio::write(UART + PSELRXD, 25);
        mmio::write(UART + BAUDRATE, 0x01D7_E000);
        mmio::write(UART + ENABLE, 4);
        mmio::write(UART + STARTTX, 1);
        mmio::write(UART + STARTRX, 1);
        mmio::write(GPIO + DIRSET, 1 << LED_ROW1);
    }
    Parts { serial: Serial(()), led: Led(()), delay: SpinDelay::new(CLOCK_HZ) }
}

impl embedded_io::ErrorType for Serial {
    type Error = Infallible;
}

impl embedded_io::Read for Serial {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        let mut n = 0;
        while n < buf.len() {
            // SAFETY: UART + RXDRDY is the nRF51 UART's receive event register.
            if unsafe { mmio::read(UART + RXDRDY) } == 0 {
                if n > 0 {
                    break;
                }
                continue;
            }
            // SAFETY: RXDRDY and RXD are the UART's registers, owned by this `Serial`.
            buf[n] = unsafe {
                mmio::write(UART + RXDRDY, 0); // clear before reading RXD
                mmio::read(UART + RXD)
            } as u8;
            n += 1;
        }
        Ok(n)
    }
}

impl embedded_io::Write for Serial {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        for &b in buf {
            // SAFETY: TXD and TXDRDY are the nRF51 UART's registers, owned by this `Serial`.
            unsafe {
                mmio::write(UART + TXD, b as u32);
                while mmio::read(UART + TXDRDY) == 0 {}
                mmio::write(UART + TXDRDY, 0);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}

impl embedded_hal::digital::ErrorType for Led {
    type Error = Infallible;
}

impl embedded_hal::digital::OutputPin for Led {
    fn set_low(&mut self) -> Result<(), Infallible> {
        // SAFETY: GPIO + OUTCLR clears only the pins set in the value: the LED's pin.
        unsafe { mmio::write(GPIO + OUTCLR, 1 << LED_ROW1) };
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Infallible> {
        // SAFETY: GPIO + OUTSET sets only the pins set in the value: the LED's pin.
        unsafe { mmio::write(GPIO + OUTSET, 1 << LED_ROW1) };
        Ok(())
    }
}

/// The BBC micro:bit (v1).
struct Microbit;

impl Board for Microbit {
    const NAME: &'static str = NAME;
    const RAM_BYTES: usize = RAM_BYTES;
    const PORT: &'static str = "UART 0";
    type Serial = Serial;
    type Led = Led;
    type Delay = SpinDelay;
    type Flash = NoFlash;

    fn take() -> Parts<Self> {
        take()
    }

    /// No store: the table gives this board none.
    fn store_flash() -> Option<StoreFlash<NoFlash>> {
        None
    }
}

tinymlp_firmware::board_main!(Microbit);
