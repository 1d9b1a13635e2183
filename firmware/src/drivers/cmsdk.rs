//! The MPS2 boards' peripherals (AN386 Cortex-M4F, AN500 Cortex-M7, AN505 Cortex-M33): ARM
//! CMSDK APB UART 0 and the FPGA I/O LEDs, at the addresses the board's package gives (the
//! AN505 boots in the Secure state and uses their secure aliases).

use super::mmio;
use core::convert::Infallible;

const DATA: usize = 0x00;
const STATE: usize = 0x04;
const CTRL: usize = 0x08;
const BAUDDIV: usize = 0x10;
const TX_FULL: u32 = 1 << 0;
const RX_FULL: u32 = 1 << 1;

/// CMSDK APB UART 0, whose registers start at `UART0`.
pub struct Serial<const UART0: usize>(());

/// FPGA I/O LED 0, in the register at `FPGAIO`.
pub struct Led<const FPGAIO: usize>(());

impl<const UART0: usize> Serial<UART0> {
    /// Sets the UART up: transmitter and receiver on (call once).
    ///
    /// # Safety
    ///
    /// `UART0` must be the address of the board's CMSDK UART, which nothing else uses.
    pub unsafe fn new() -> Self {
        // SAFETY: UART0 + BAUDDIV and UART0 + CTRL are the CMSDK UART's registers (the
        // caller's promise), and nothing else uses the UART.
        unsafe {
            mmio::write(UART0 + BAUDDIV, 16);
            mmio::write(UART0 + CTRL, 0b11); // TX and RX enabled
        }
        Self(())
    }
}

impl<const FPGAIO: usize> Led<FPGAIO> {
    /// LED 0.
    ///
    /// # Safety
    ///
    /// `FPGAIO` must be the address of the board's FPGA I/O LED register, whose bit 0 nothing
    /// else uses.
    pub const unsafe fn new() -> Self {
        Self(())
    }
}

impl<const UART0: usize> embedded_io::ErrorType for Serial<UART0> {
    type Error = Infallible;
}

impl<const UART0: usize> embedded_io::Read for Serial<UART0> {
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

impl<const UART0: usize> embedded_io::Write for Serial<UART0> {
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

impl<const FPGAIO: usize> embedded_hal::digital::ErrorType for Led<FPGAIO> {
    type Error = Infallible;
}

impl<const FPGAIO: usize> embedded_hal::digital::OutputPin for Led<FPGAIO> {
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

/// The whole HAL edge of an MPS2 board's package: the board type (CMSDK UART 0 as the serial
/// port, FPGA I/O LED 0, the busy-wait delay, the model store in the top of SSRAM1 between
/// the linker's `_store_start` and `_store_end`), the board tag, and the entry that runs the
/// application. The three MPS2 boards differ only in their table row (`NAME`, `RAM_BYTES`
/// and `CLOCK_HZ`, which the package's `board.rs` defines where the macro is called) and in
/// the addresses of the two peripherals. It ends with [`board_main!`](crate::board_main).
///
/// ```ignore
/// include!(concat!(env!("OUT_DIR"), "/board.rs"));
/// tinymlp_firmware::mps2_board!(uart0: 0x4000_4000, fpgaio: 0x4002_8000);
/// ```
#[macro_export]
macro_rules! mps2_board {
    (uart0: $uart0:expr, fpgaio: $fpgaio:expr) => {
        use $crate::board::{Board, Parts, StoreFlash};
        use $crate::drivers::{cmsdk, mem_flash::MemFlash, spin_delay::SpinDelay};

        unsafe extern "C" {
            /// The store region's first byte (`memory.x`, from `boards.toml`).
            static _store_start: u8;
            /// One past the store region's last byte.
            static _store_end: u8;
        }

        /// The MPS2 board of this package.
        struct Mps2;

        impl Board for Mps2 {
            const NAME: &'static str = NAME;
            const RAM_BYTES: usize = RAM_BYTES;
            const PORT: &'static str = "UART 0";
            type Serial = cmsdk::Serial<{ $uart0 }>;
            type Led = cmsdk::Led<{ $fpgaio }>;
            type Delay = SpinDelay;
            type Flash = MemFlash;

            fn take() -> Parts<Self> {
                // SAFETY: the two addresses are this board's CMSDK UART and LED register,
                // which only these drivers use.
                let (serial, led) = unsafe { (cmsdk::Serial::new(), cmsdk::Led::new()) };
                Parts { serial, led, delay: SpinDelay::new(CLOCK_HZ) }
            }

            fn store_flash() -> Option<StoreFlash<MemFlash>> {
                let (start, end) = ((&raw const _store_start) as usize, (&raw const _store_end) as usize);
                // SAFETY: the store region is SSRAM1's top, which `memory.x` keeps out of the
                // code.
                let flash = unsafe { MemFlash::new(start, end) };
                Some(StoreFlash { flash, offset: 0, len: (end - start) as u32 })
            }
        }

        $crate::board_main!(Mps2);
    };
}
