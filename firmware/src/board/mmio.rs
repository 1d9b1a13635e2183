//! Volatile access to memory-mapped registers.

/// Reads the 32-bit register at `addr`.
#[inline(always)]
pub fn read(addr: usize) -> u32 {
    // SAFETY: callers pass the address of a device register of this board.
    unsafe { core::ptr::read_volatile(addr as *const u32) }
}

/// Writes the 32-bit register at `addr`.
#[inline(always)]
pub fn write(addr: usize, value: u32) {
    // SAFETY: callers pass the address of a device register of this board.
    unsafe { core::ptr::write_volatile(addr as *mut u32, value) }
}
