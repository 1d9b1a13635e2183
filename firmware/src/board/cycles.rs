//! Core clock ticks from SysTick, the timer every Cortex-M has. Under QEMU with `-icount`,
//! virtual time advances per instruction, so ticks count instructions deterministically.

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;

/// A free-running 24-bit tick counter at the core clock.
pub struct Cycles {
    /// Owned, so that nothing else reconfigures the timer.
    _syst: SYST,
}

impl Cycles {
    /// Starts SysTick from the core clock, reloading at 2²⁴ − 1.
    pub fn new(mut syst: SYST) -> Self {
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(0x00FF_FFFF);
        syst.clear_current();
        syst.enable_counter();
        Self { _syst: syst }
    }

    /// The counter, counting up (wraps every 2²⁴ ticks).
    pub fn now(&mut self) -> u32 {
        Self::read()
    }

    /// The counter, for code that has no `Cycles` at hand (the timer must have been started
    /// with [`Cycles::new`]).
    #[inline(always)]
    pub fn read() -> u32 {
        0x00FF_FFFF - SYST::get_current()
    }

    /// Ticks from `start` to now, for intervals shorter than 2²⁴ ticks.
    pub fn since(&mut self, start: u32) -> u32 {
        self.now().wrapping_sub(start) & 0x00FF_FFFF
    }
}
