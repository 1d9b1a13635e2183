//! The model store's flash on the MPS2 boards: the top of the code memory (SSRAM1, which
//! QEMU keeps across a guest reset; the region is the board table's `store`, given by the
//! linker as `_store_start` and `_store_end`), driven as NOR flash — erase sets bytes to 0xFF,
//! a write can only clear bits — through the embedded-storage traits.
//!
//! For the power-cut tests it can "lose power" at a chosen write or erase: that operation
//! takes effect only in part (half of a write's bytes, the first page of an erase) and the
//! core resets, as a brown-out would.

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
pub struct MemFlash {
    ops: u32,
    cut_after: Option<u32>,
}

impl MemFlash {
    /// The store region.
    pub const fn new() -> Self {
        Self { ops: 0, cut_after: None }
    }

    /// Resets the core during the flash operation after `ops` more, as a power cut would.
    pub fn arm_cut(&mut self, ops: u32) {
        self.ops = 0;
        self.cut_after = Some(ops);
    }

    fn byte(&self, i: usize) -> u8 {
        // SAFETY: `i` is inside the store region, which no code or data occupies (memory.x).
        unsafe { core::ptr::read_volatile((base() + i) as *const u8) }
    }

    fn set(&self, i: usize, v: u8) {
        // SAFETY: as in `byte`.
        unsafe { core::ptr::write_volatile((base() + i) as *mut u8, v) }
    }

    /// `true` when this operation is the one the cut falls on.
    fn tick(&mut self) -> bool {
        let hit = self.cut_after == Some(self.ops);
        self.ops += 1;
        hit
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
        if o + bytes.len() > size() || !o.is_multiple_of(4) || !bytes.len().is_multiple_of(4) {
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

/// The model store over this memory: two slots, each half the region.
pub struct FlashStore(tinymlp::io::store::ModelStore<MemFlash>);

impl FlashStore {
    /// The store of this board.
    pub fn new() -> Option<Self> {
        tinymlp::io::store::ModelStore::new(MemFlash::new(), 0, (size() / 2) as u32).ok().map(Self)
    }
}

impl<M: tinymlp::Layer> crate::app::Store<M> for FlashStore {
    fn load(&mut self, model: &mut M) -> Option<u32> {
        // The file is read through a buffer on the stack: 16 KiB, enough for the tutorial's
        // models (the seed MLP's file is 13,016 bytes); a larger model is not loaded.
        let mut buf = [0u8; 16 * 1024];
        self.0.load(model, &mut buf).ok().map(|i| i.seq)
    }
    fn save(&mut self, model: &M) -> Option<[u32; 3]> {
        self.0.save(model).ok().map(|i| [i.slot as u32, i.seq, i.model_id])
    }
    fn newest(&mut self) -> Option<[u32; 3]> {
        self.0.newest().ok().flatten().map(|i| [i.slot as u32, i.seq, i.model_id])
    }
    fn confirm(&mut self) -> bool {
        self.0.confirm().is_ok()
    }
    fn arm_cut(&mut self, ops: u32) {
        self.0.flash_mut().arm_cut(ops);
    }
}
