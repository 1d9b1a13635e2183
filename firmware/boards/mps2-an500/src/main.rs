//! The firmware on QEMU's mps2-an500 (Cortex-M7): the CMSDK UART 0 and FPGA I/O LED 0
//! (the application's MPS2 drivers), and the model store in the top of SSRAM1.
#![no_std]
#![no_main]

use tinymlp_firmware::board::{Board, Parts, StoreFlash};
use tinymlp_firmware::drivers::{cmsdk, mem_flash::MemFlash, spin_delay::SpinDelay};

include!(concat!(env!("OUT_DIR"), "/board.rs"));

/// CMSDK APB UART 0.
const UART0: usize = 0x4000_4000;
/// The FPGA I/O LED register.
const FPGAIO: usize = 0x4002_8000;

/// Lets the runner (and the host tools) tell which board an ELF is for.
#[used]
#[unsafe(link_section = ".rodata")]
static BOARD_TAG: [u8; tinymlp_firmware::tag_len(NAME)] = tinymlp_firmware::board_tag(NAME);

unsafe extern "C" {
    /// The store region's first byte (`memory.x`, from `boards.toml`).
    static _store_start: u8;
    /// One past the store region's last byte.
    static _store_end: u8;
}

/// The mps2-an500.
struct Mps2;

impl Board for Mps2 {
    const NAME: &'static str = NAME;
    const RAM_BYTES: usize = RAM_BYTES;
    const PORT: &'static str = "UART 0";
    type Serial = cmsdk::Serial<UART0>;
    type Led = cmsdk::Led<FPGAIO>;
    type Delay = SpinDelay;
    type Flash = MemFlash;

    fn take() -> Parts<Self> {
        // SAFETY: UART0 and FPGAIO are this board's CMSDK UART and LED register, which only
        // these drivers use.
        let (serial, led) = unsafe { (cmsdk::Serial::new(), cmsdk::Led::new()) };
        Parts { serial, led, delay: SpinDelay::new(CLOCK_HZ) }
    }

    fn store_flash() -> Option<StoreFlash<MemFlash>> {
        let (start, end) = ((&raw const _store_start) as usize, (&raw const _store_end) as usize);
        // SAFETY: the store region is SSRAM1's top, which `memory.x` keeps out of the code.
        let flash = unsafe { MemFlash::new(start, end) };
        Some(StoreFlash { flash, offset: 0, len: (end - start) as u32 })
    }
}

#[cortex_m_rt::entry]
fn main() -> ! {
    tinymlp_firmware::run::<Mps2>()
}
