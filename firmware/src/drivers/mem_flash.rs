//! The model store's flash on the MPS2 boards: the top of the code memory (SSRAM1, which
//! QEMU keeps across a guest reset; the region is the board table's `store`, which the board
//! reads from the linker's `_store_start` and `_store_end`), driven as NOR flash — erase sets
//! bytes to 0xFF, a write can only clear bits — through the embedded-storage traits.
//!
//! For the power-cut tests it can "lose power" at a chosen write or erase: that operation
//! takes effect only in part (half of a write's bytes, the first page of an erase) and the
//! core resets, as a brown-out would.

use embedded_storage::nor_flash::{ErrorType, NorFlash, NorFlashErrorKind, ReadNorFlash};

const PAGE: usize = 1024;

/// The store's memory as NOR flash.
pub struct MemFlash {
    base: usize,
    size: usize,
    ops: u32,
    cut_after: Option<u32>,
}

impl MemFlash {
    /// The store region `[start, end)`, addressed from 0.
    ///
    /// # Safety
    ///
    /// `[start, end)` must be memory that the firmware's code and data leave alone (the
    /// board table's `store`, kept out of `FLASH` by `memory.x`), readable and writable as
    /// the MPS2 boards' SSRAM1 is.
    pub const unsafe fn new(start: usize, end: usize) -> Self {
        Self { base: start, size: end - start, ops: 0, cut_after: None }
    }

    fn byte(&self, i: usize) -> u8 {
        // SAFETY: `i` is inside the store region, which no code or data occupies (`new`).
        unsafe { core::ptr::read_volatile((self.base + i) as *const u8) }
    }

    fn set(&self, i: usize, v: u8) {
        // SAFETY: as in `byte`.
        unsafe { core::ptr::write_volatile((self.base + i) as *mut u8, v) }
    }

    /// `true` when this operation is the one the cut falls on.
    fn tick(&mut self) -> bool {
        let hit = self.cut_after == Some(self.ops);
        self.ops += 1;
        hit
    }
}

impl crate::store::PowerCut for MemFlash {
    fn arm_cut(&mut self, ops: u32) {
        self.ops = 0;
        self.cut_after = Some(ops);
    }
}

impl ErrorType for MemFlash {
    type Error = NorFlashErrorKind;
}

impl ReadNorFlash for MemFlash {
    const READ_SIZE: usize = 1;
    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        let o = offset as usize;
        if o + bytes.len() > self.size {
            return Err(NorFlashErrorKind::OutOfBounds);
        }
        for (k, b) in bytes.iter_mut().enumerate() {
            *b = self.byte(o + k);
        }
        Ok(())
    }
    fn capacity(&self) -> usize {
        self.size
    }
}

impl NorFlash for MemFlash {
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = PAGE;
    fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        let (from, to) = (from as usize, to as usize);
        if to > self.size || from > to || !from.is_multiple_of(PAGE) || !to.is_multiple_of(PAGE) {
            return Err(NorFlashErrorKind::NotAligned);
        }
        let cut = self.tick();
        let end = if cut { (from + PAGE).min(to) } else { to };
        for i in from..end {
            self.set(i, 0xFF);
        }
        if cut {
            cortex_m::peripheral::SCB::sys_reset();
        }
        Ok(())
    }
    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        let o = offset as usize;
        if o + bytes.len() > self.size || !o.is_multiple_of(4) || !bytes.len().is_multiple_of(4) {
            return Err(NorFlashErrorKind::NotAligned);
        }
        let cut = self.tick();
        let n = if cut { bytes.len() / 2 } else { bytes.len() };
        for (k, &b) in bytes[..n].iter().enumerate() {
            self.set(o + k, self.byte(o + k) & b);
        }
        if cut {
            cortex_m::peripheral::SCB::sys_reset();
        }
        Ok(())
    }
}
