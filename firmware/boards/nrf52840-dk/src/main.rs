//! The firmware on Nordic's nRF52840 DK (PCA10056: nRF52840, Cortex-M4F at 64 MHz), through
//! the embassy-nrf HAL and the nRF boards' shared edge (`tinymlp-hal-nrf`): UARTE0 on the
//! pins the on-board J-Link bridges to its USB virtual COM port (TX P0.06, RX P0.08, 115200
//! baud, 8N1, no flow control), LED1 (P0.13, lit when low), the external 32 MHz crystal as
//! the high-frequency clock, the model store on the NVMC.

#![no_std]
#![no_main]

use embassy_nrf::gpio::{Level, Output, OutputDrive};
use embassy_nrf::uarte;
use tinymlp_firmware::board::{Board, Parts, StoreFlash};
use tinymlp_firmware::drivers::spin_delay::SpinDelay;
use tinymlp_hal_nrf::{Irqs, Led, Serial, StoreNvmc};

include!(concat!(env!("OUT_DIR"), "/board.rs"));

/// The nRF52840 DK.
struct Nrf52840Dk;

impl Board for Nrf52840Dk {
    const NAME: &'static str = NAME;
    const RAM_BYTES: usize = RAM_BYTES;
    const PORT: &'static str = "UARTE 0 (the J-Link's virtual COM port)";
    type Serial = Serial;
    type Led = Led;
    type Delay = SpinDelay;
    type Flash = StoreNvmc;

    fn take() -> Parts<Self> {
        let p = tinymlp_hal_nrf::init();
        let serial = uarte::Uarte::new(p.UARTE0, p.P0_08, p.P0_06, Irqs, uarte::Config::default());
        // LED1's other side is on the supply: a low pin lights it.
        let led = Led::new(Output::new(p.P0_13, Level::High, OutputDrive::Standard), Level::Low);
        Parts { serial: Serial(serial), led, delay: SpinDelay::new(CLOCK_HZ) }
    }

    fn store_flash() -> Option<StoreFlash<StoreNvmc>> {
        tinymlp_hal_nrf::store_flash(FLASH_ORIGIN)
    }
}

tinymlp_firmware::board_main!(Nrf52840Dk);
