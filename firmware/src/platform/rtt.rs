//! Real boards' platform: defmt over RTT and panic-probe (see [`super`]).

use defmt_rtt as _;
use panic_probe as _;

/// Stops the firmware: logs the code and halts at a breakpoint, where `probe-rs run`
/// stops (without a probe, the core stays halted until reset).
pub fn exit(code: u8) -> ! {
    defmt::info!("exit {}", code);
    loop {
        cortex_m::asm::bkpt();
    }
}

/// A real board serves from boot: no host tells it to run the self-test.
pub fn self_test_requested() -> bool {
    false
}
