//! Volatile access to memory-mapped registers.

/// Reads the 32-bit register at `addr`.
///
/// # Safety
///
/// `addr` must be the 4-byte aligned address of a readable 32-bit register (or memory) of
/// the board the firmware runs on, and reading it must not break what other code assumes
/// about the device (some registers change state when read).
#[inline(always)]
pub unsafe fn read(addr: usize) -> u32 {
    // SAFETY: the caller guarantees that `addr` is a readable, aligned register.
    unsafe { core::ptr::read_volatile(addr as *const u32) }
}

/// Writes the 32-bit register at `addr`.
///
/// # Safety
///
/// `addr` must be the 4-byte aligned address of a writable 32-bit register (or memory) of
/// the board the firmware runs on, that no Rust reference points to, and writing `value`
/// there must not break what other code assumes about the device or the memory.
#[inline(always)]
pub unsafe fn write(addr: usize, value: u32) {
    // SAFETY: the caller guarantees that `addr` is a writable, aligned register.
    unsafe { core::ptr::write_volatile(addr as *mut u32, value) }
}
