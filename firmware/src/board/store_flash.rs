//! The model store's flash on the MPS2 boards: the top of the code memory (SSRAM1, which
//! QEMU keeps across a guest reset; the region is the board table's `store`, given by the
//! linker as `_store_start` and `_store_end`), driven as NOR flash — erase sets bytes to 0xFF,
//! a write can only clear bits — through the embedded-storage traits.
//! The store's logic and its power cut are `flash_store.rs`'s.

use embedded_storage::nor_flash::{ErrorType, NorFlash, NorFlashErrorKind, ReadNorFlash};

const PAGE: usize = 1024;

unsafe extern "C" {
    /// The store region's first byte (`memory.x`, from `boards.toml`).
    static _store_start: u8;
    /// One past the store region's last byte.
    static _store_end: u8;
}

/// The store region's address.
fn base() -> usize {
    (&raw const _store_start) as usize
}

/// Bytes of store: two slots.
fn size() -> usize {
    (&raw const _store_end) as usize - base()
}

/// The store's memory as NOR flash.
pub struct MemFlash;

impl MemFlash {
    fn byte(&self, i: usize) -> u8 {
        // SAFETY: `i` is inside the store region, which no code or data occupies (memory.x).
        unsafe { core::ptr::read_volatile((base() + i) as *const u8) }
    }

    fn set(&self, i: usize, v: u8) {
        // SAFETY: as in `byte`.
        unsafe { core::ptr::write_volatile((base() + i) as *mut u8, v) }
    }
}

impl ErrorType for MemFlash {
    type Error = NorFlashErrorKind;
}

impl ReadNorFlash for MemFlash {
    const READ_SIZE: usize = 1;
    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        let o = offset as usize;
        if o + bytes.len() > size() {
            return Err(NorFlashErrorKind::OutOfBounds);
        }
        for (k, b) in bytes.iter_mut().enumerate() {
            *b = self.byte(o + k);
        }
        Ok(())
    }
    fn capacity(&self) -> usize {
        size()
    }
}

impl NorFlash for MemFlash {
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = PAGE;
    fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        let (from, to) = (from as usize, to as usize);
        if to > size() || from > to || !from.is_multiple_of(PAGE) || !to.is_multiple_of(PAGE) {
            return Err(NorFlashErrorKind::NotAligned);
        }
        for i in from..to {
            self.set(i, 0xFF);
        }
        Ok(())
    }
    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        let o = offset as usize;
        if o + bytes.len() > size() || !o.is_multiple_of(4) || !bytes.len().is_multiple_of(4) {
            return Err(NorFlashErrorKind::NotAligned);
        }
        for (k, &b) in bytes.iter().enumerate() {
            self.set(o + k, self.byte(o + k) & b);
        }
        Ok(())
    }
}

/// The model store on this memory.
pub type FlashStore = super::flash_store::FlashStore<MemFlash>;

/// The store of this board.
pub fn new() -> Option<FlashStore> {
    FlashStore::on(MemFlash, 0, size() as u32)
}
