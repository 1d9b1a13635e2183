//! The firmware's timer: core clock ticks for the bench request and the training steps.
//!
//! - SysTick, the timer every Cortex-M has (24 bits, at the core clock), on the emulated
//!   boards and on real boards whose core has no cycle counter (the M0+ of the Pico). Under
//!   QEMU with `-icount`, virtual time advances per instruction, so its ticks count
//!   instructions deterministically (QEMU does not model the DWT's cycle counter).
//! - The DWT's cycle counter (`CYCCNT`, 32 bits) on real boards whose core has one (M3, M4,
//!   M7, M33: the feature `dwt-cycles`, which the board's package turns on): the core's own
//!   count of clock cycles, stalls on flash wait states included.

#[cfg(feature = "dwt-cycles")]
use cortex_m::peripheral::DWT;
#[cfg(not(feature = "dwt-cycles"))]
use cortex_m::peripheral::SYST;
#[cfg(not(feature = "dwt-cycles"))]
use cortex_m::peripheral::syst::SystClkSource;

/// What the counter wraps at, less one: 2²⁴ − 1 for SysTick, 2³² − 1 for the DWT.
#[cfg(not(feature = "dwt-cycles"))]
const MASK: u32 = 0x00FF_FFFF;
#[cfg(feature = "dwt-cycles")]
const MASK: u32 = u32::MAX;

/// A free-running tick counter at the core clock.
pub struct Cycles {
    /// Owned, so that nothing else reconfigures the timer.
    #[cfg(not(feature = "dwt-cycles"))]
    _syst: SYST,
    #[cfg(feature = "dwt-cycles")]
    _dwt: DWT,
}

impl Cycles {
    /// Starts SysTick from the core clock, reloading at 2²⁴ − 1.
    #[cfg(not(feature = "dwt-cycles"))]
    pub fn new(core: cortex_m::Peripherals) -> Self {
        let mut syst = core.SYST;
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(MASK);
        syst.clear_current();
        syst.enable_counter();
        Self { _syst: syst }
    }

    /// Starts the DWT's cycle counter (trace enabled first, as the counter needs it).
    #[cfg(feature = "dwt-cycles")]
    pub fn new(core: cortex_m::Peripherals) -> Self {
        let (mut dcb, mut dwt) = (core.DCB, core.DWT);
        dcb.enable_trace();
        // The Cortex-M7 locks the DWT's registers until unlocked (a no-op elsewhere).
        DWT::unlock();
        dwt.set_cycle_count(0);
        dwt.enable_cycle_counter();
        Self { _dwt: dwt }
    }

    /// The counter, counting up (wraps at 2²⁴ with SysTick, 2³² with the DWT).
    pub fn now(&mut self) -> u32 {
        Self::read()
    }

    /// The counter, for code that has no `Cycles` at hand (the timer must have been started
    /// with [`Cycles::new`]).
    #[inline(always)]
    pub fn read() -> u32 {
        #[cfg(not(feature = "dwt-cycles"))]
        {
            MASK - SYST::get_current()
        }
        #[cfg(feature = "dwt-cycles")]
        {
            DWT::cycle_count()
        }
    }

    /// Ticks from `start` to now, for intervals shorter than one wrap of the counter
    /// (2²⁴ ticks with SysTick, 2³² with the DWT).
    pub fn since(&mut self, start: u32) -> u32 {
        self.now().wrapping_sub(start) & MASK
    }
}
