//! A busy-wait delay counted in core cycles.

use embedded_hal::delay::DelayNs;

/// Busy-waits with `cortex_m::asm::delay` at a known core clock.
pub struct SpinDelay {
    hz: u32,
}

impl SpinDelay {
    /// A delay for a core running at `hz`.
    pub const fn new(hz: u32) -> Self {
        Self { hz }
    }
}

impl DelayNs for SpinDelay {
    fn delay_ns(&mut self, ns: u32) {
        let cycles = (ns as u64 * self.hz as u64 / 1_000_000_000) as u32;
        cortex_m::asm::delay(cycles.max(1));
    }
}
