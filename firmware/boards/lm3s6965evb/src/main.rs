//! The firmware on QEMU's lm3s6965evb (TI Stellaris LM3S6965, Cortex-M3): UART 0 (a PL011)
//! and the status LED on GPIO F0, written on the registers.

#![no_std]
#![no_main]

use core::convert::Infallible;
use tinymlp_firmware::board::{Board, NoFlash, Parts, StoreFlash};
use tinymlp_firmware::drivers::{mmio, spin_delay::SpinDelay};

include!(concat!(env!("OUT_DIR"), "/board.rs"));

const SYSCTL_RCGC1: usize = 0x400F_E104;
const SYSCTL_RCGC2: usize = 0x400F_E108;
const UART0: usize = 0x4000_C000;
const GPIOF: usize = 0x4002_5000;
const DR: usize = 0x000;
const FR: usize = 0x018;
const CTL: usize = 0x030;
const FR_RXFE: u32 = 1 << 4;
const FR_TXFF: u32 = 1 << 5;

/// UART 0.
struct Serial(());

/// The status LED on PF0.
struct Led(());

/// Sets up the board's peripherals (call once).
fn take() -> Parts<Stellaris> {
    // SAFETY: these are the LM3S6965's clock-gating, UART 0 and GPIO F registers; the
    // read-modify-writes change only the bits named, and nothing else uses these
    // peripherals before `take` returns.
    unsafe {
        mmio::write(SYSCTL_RCGC1, mmio::read(SYSCTL_RCGC1) | 1); // UART0 clock
        mmio::write(SYSCTL_RCGC2, mmio::read(SYSCTL_RCGC2) | (1 << 5)); // GPIOF clock
        mmio::write(UART0 + CTL, (1 << 9) | (1 << 8) | 1); // RXE, TXE, UARTEN
        mmio::write(GPIOF + 0x400, mmio::read(GPIOF + 0x400) | 1); // PF0 output
        mmio::write(GPIOF + 0x51C, mmio::read(GPIOF + 0x51C) | 1); // digital enable
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
            // SAFETY: UART0 + FR is the PL011's flag register (reading it has no side effect).
            if unsafe { mmio::read(UART0 + FR) } & FR_RXFE != 0 {
                if n > 0 {
                    break;
                }
                continue;
            }
            // SAFETY: UART0 + DR is the PL011's data register; reading it takes the byte
            // received, which the `Serial` that owns the UART consumes here.
            buf[n] = unsafe { mmio::read(UART0 + DR) } as u8;
            n += 1;
        }
        Ok(n)
    }
}

impl embedded_io::Write for Serial {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        for &b in buf {
            // SAFETY: FR and DR are the PL011's registers, owned by this `Serial`; the byte is
            // written once the transmit FIFO has room.
            unsafe {
                while mmio::read(UART0 + FR) & FR_TXFF != 0 {}
                mmio::write(UART0 + DR, b as u32);
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
        // SAFETY: GPIOF + (1 << 2) is GPIO F's data register masked to bit 0, the LED's pin.
        unsafe { mmio::write(GPIOF + (1 << 2), 0) };
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Infallible> {
        // SAFETY: as in `set_low`.
        unsafe { mmio::write(GPIOF + (1 << 2), 1) };
        Ok(())
    }
}

/// The TI Stellaris LM3S6965 evaluation board.
struct Stellaris;

impl Board for Stellaris {
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

tinymlp_firmware::board_main!(Stellaris);
