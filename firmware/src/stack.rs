//! Stack high-water mark: the stack is painted at boot and the untouched paint measured.

const PAINT: u32 = 0xDEAD_BEEF;

unsafe extern "C" {
    static mut _stack_end: u32;
    static mut _stack_start: u32;
}

fn bounds() -> (usize, usize) {
    // Only the addresses of the linker's symbols are taken.
    (&raw const _stack_end as usize, &raw const _stack_start as usize)
}

/// Fills the unused stack (from its bottom to a little below the current stack pointer)
/// with a pattern. Call first thing in `main`.
pub fn paint() {
    let (bottom, _) = bounds();
    let sp = cortex_m::register::msp::read() as usize;
    let mut p = bottom;
    while p + 4 <= sp.saturating_sub(64) {
        // SAFETY: [bottom, sp − 64) is RAM of the stack region that nothing uses yet.
        unsafe { core::ptr::write_volatile(p as *mut u32, PAINT) };
        p += 4;
    }
}

/// `(used, size)` in bytes: the deepest the stack has reached since [`paint`], and the
/// stack region's size.
pub fn high_water() -> (u32, u32) {
    let (bottom, top) = bounds();
    let mut p = bottom;
    // SAFETY: reads of the stack region's own RAM.
    while p < top && unsafe { core::ptr::read_volatile(p as *const u32) } == PAINT {
        p += 4;
    }
    ((top - p) as u32, (top - bottom) as u32)
}
