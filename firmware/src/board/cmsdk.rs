//! The MPS2 boards (AN386 Cortex-M4F, AN500 Cortex-M7, AN505 Cortex-M33): ARM CMSDK APB
//! UART 0 and the FPGA I/O LEDs.

use super::{Board, CLOCK_HZ, SpinDelay, mmio};
use core::convert::Infallible;

#[cfg(not(feature = "mps2-an505"))]
const UART0: usize = 0x4000_4000;
#[cfg(not(feature = "mps2-an505"))]
const FPGAIO: usize = 0x4002_8000;
// AN505 boots in the Secure state: the peripherals' secure aliases.
#[cfg(feature = "mps2-an505")]
const UART0: usize = 0x5020_0000;
#[cfg(feature = "mps2-an505")]
const FPGAIO: usize = 0x5030_2000;

const DATA: usize = 0x00;
const STATE: usize = 0x04;
const CTRL: usize = 0x08;
const BAUDDIV: usize = 0x10;
const TX_FULL: u32 = 1 << 0;
const RX_FULL: u32 = 1 << 1;

/// CMSDK APB UART 0.
pub struct Serial(());

/// FPGA I/O LED 0.
pub struct Led(());

/// Sets up the board's peripherals (call once).
pub fn take() -> Board {
    // SAFETY: UART0 + BAUDDIV and UART0 + CTRL are the CMSDK UART's registers on this board,
    // and nothing else uses the UART before `take` returns.
    unsafe {
        mmio::write(UART0 + BAUDDIV, 16);
        mmio::write(UART0 + CTRL, 0b11); // TX and RX enabled
    }
    Board { serial: Serial(()), led: Led(()), delay: SpinDelay::new(CLOCK_HZ) }
}

impl embedded_io::ErrorType for Serial {
    type Error = Infallible;
}

impl embedded_io::Read for Serial {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut n = 0;
        while n < buf.len() {
            // SAFETY: UART0 + STATE is the CMSDK UART's status register (reading it has no
            // side effect).
            let ready = unsafe { mmio::read(UART0 + STATE) } & RX_FULL != 0;
            if !ready {
                if n > 0 {
                    break;
                }
                continue;
            }
            // SAFETY: UART0 + DATA is the UART's data register; reading it takes the byte
            // received, which the `Serial` that owns the UART consumes here.
            buf[n] = unsafe { mmio::read(UART0 + DATA) } as u8;
            n += 1;
        }
        Ok(n)
    }
}

impl embedded_io::Write for Serial {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        for &b in buf {
            // SAFETY: UART0 + STATE and UART0 + DATA are the CMSDK UART's registers, owned by
            // this `Serial`; the byte is written once the transmit buffer has room.
            unsafe {
                while mmio::read(UART0 + STATE) & TX_FULL != 0 {}
                mmio::write(UART0 + DATA, b as u32);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), Infallible> {
        // SAFETY: UART0 + STATE is the CMSDK UART's status register.
        while unsafe { mmio::read(UART0 + STATE) } & TX_FULL != 0 {}
        Ok(())
    }
}

impl embedded_hal::digital::ErrorType for Led {
    type Error = Infallible;
}

impl embedded_hal::digital::OutputPin for Led {
    fn set_low(&mut self) -> Result<(), Infallible> {
        // SAFETY: FPGAIO is the FPGA I/O LED register; bit 0, LED 0, belongs to this `Led`.
        unsafe { mmio::write(FPGAIO, mmio::read(FPGAIO) & !1) };
        Ok(())
    }
    fn set_high(&mut self) -> Result<(), Infallible> {
        // SAFETY: as in `set_low`.
        unsafe { mmio::write(FPGAIO, mmio::read(FPGAIO) | 1) };
        Ok(())
    }
}
