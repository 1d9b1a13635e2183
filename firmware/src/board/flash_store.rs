//! The model store on any board's flash: the core's two-slot `ModelStore` over a
//! [`CutFlash`], which for the power-cut requests resets the core in the middle of a chosen
//! flash operation — half of a write's bytes (rounded down to the write unit), or the first
//! erase unit of an erase, reach the flash before the reset, as a brown-out would leave
//! them. The flash itself is the board's: the MPS2 boards' store memory
//! (`store_flash.rs`), or a real board's HAL driver (`hal_store.rs`).

use embedded_storage::nor_flash::{ErrorType, NorFlash, ReadNorFlash};

/// A flash with an optional power cut.
pub struct CutFlash<F> {
    flash: F,
    ops: u32,
    cut_after: Option<u32>,
}

impl<F> CutFlash<F> {
    /// `true` when this operation is the one the cut falls on.
    fn tick(&mut self) -> bool {
        let hit = self.cut_after == Some(self.ops);
        self.ops += 1;
        hit
    }
}

impl<F: ErrorType> ErrorType for CutFlash<F> {
    type Error = F::Error;
}

impl<F: ReadNorFlash> ReadNorFlash for CutFlash<F> {
    const READ_SIZE: usize = F::READ_SIZE;
    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), F::Error> {
        self.flash.read(offset, bytes)
    }
    fn capacity(&self) -> usize {
        self.flash.capacity()
    }
}

impl<F: NorFlash> NorFlash for CutFlash<F> {
    const WRITE_SIZE: usize = F::WRITE_SIZE;
    const ERASE_SIZE: usize = F::ERASE_SIZE;
    fn erase(&mut self, from: u32, to: u32) -> Result<(), F::Error> {
        if self.tick() {
            self.flash.erase(from, to.min(from.saturating_add(Self::ERASE_SIZE as u32)))?;
            cortex_m::peripheral::SCB::sys_reset();
        }
        self.flash.erase(from, to)
    }
    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), F::Error> {
        if self.tick() {
            let half = bytes.len() / 2 / Self::WRITE_SIZE * Self::WRITE_SIZE;
            self.flash.write(offset, &bytes[..half])?;
            cortex_m::peripheral::SCB::sys_reset();
        }
        self.flash.write(offset, bytes)
    }
}

/// The model store over a board's store region: two slots, each half the region.
pub struct FlashStore<F: NorFlash>(tinymlp::io::store::ModelStore<CutFlash<F>>);

impl<F: NorFlash> FlashStore<F> {
    /// The store on `flash`, whose region starts at `base` (as the driver addresses it) and
    /// holds `size` bytes; `None` when two slots do not fit.
    pub fn on(flash: F, base: u32, size: u32) -> Option<Self> {
        let flash = CutFlash { flash, ops: 0, cut_after: None };
        tinymlp::io::store::ModelStore::new(flash, base, size / 2).ok().map(Self)
    }
}

impl<F: NorFlash, M: tinymlp::Layer> crate::app::Store<M> for FlashStore<F> {
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
        let flash = self.0.flash_mut();
        flash.ops = 0;
        flash.cut_after = Some(ops);
    }
}
