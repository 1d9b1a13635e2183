//! The firmware on the BBC micro:bit v2 (nRF52833, Cortex-M4F at 64 MHz), through the
//! embassy-nrf HAL and the nRF boards' shared edge (`tinymlp-hal-nrf`): UARTE0 on the pins
//! the board's interface chip bridges to USB serial (TX P0.06, RX P1.08, 115200 baud, 8N1),
//! the LED at row 1 / column 1 of the matrix, the external 32 MHz crystal as the
//! high-frequency clock, the model store on the NVMC.

#![no_std]
#![no_main]

use embassy_nrf::gpio::{Level, Output, OutputDrive};
use embassy_nrf::uarte;
use tinymlp_firmware::board::{Board, Parts, StoreFlash};
use tinymlp_firmware::drivers::spin_delay::SpinDelay;
use tinymlp_hal_nrf::{Irqs, Led, Serial, StoreNvmc};

include!(concat!(env!("OUT_DIR"), "/board.rs"));

/// The BBC micro:bit v2.
struct MicrobitV2;

impl Board for MicrobitV2 {
    const NAME: &'static str = NAME;
    const RAM_BYTES: usize = RAM_BYTES;
    const PORT: &'static str = "UARTE 0 (the interface chip's USB serial)";
    type Serial = Serial;
    type Led = Led;
    type Delay = SpinDelay;
    type Flash = StoreNvmc;

    fn take() -> Parts<Self> {
        let p = tinymlp_hal_nrf::init();
        let serial = uarte::Uarte::new(p.UARTE0, p.P1_08, p.P0_06, Irqs, uarte::Config::default());
        // The LED at row 1, column 1 of the matrix: row P0.21 high lights it while column
        // P0.28 stays low (`persist`: the pin keeps its set-up after its driver is gone).
        Output::new(p.P0_28, Level::Low, OutputDrive::Standard).persist();
        let led = Led::new(Output::new(p.P0_21, Level::Low, OutputDrive::Standard), Level::High);
        Parts { serial: Serial(serial), led, delay: SpinDelay::new(CLOCK_HZ) }
    }

    fn store_flash() -> Option<StoreFlash<StoreNvmc>> {
        tinymlp_hal_nrf::store_flash(FLASH_ORIGIN)
    }
}

tinymlp_firmware::board_main!(MicrobitV2);
