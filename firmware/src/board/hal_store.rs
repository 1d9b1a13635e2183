//! The model store on a real board's own flash: the board table's `store` region (given by
//! the linker as `_store_start` and `_store_end`), written through the board's HAL driver,
//! an embedded-storage `NorFlash` (the board module's `StoreFlash` and `store_flash()`:
//! embassy-nrf's NVMC on the micro:bit v2, embassy-rp's QSPI flash driver on the Pico).
//! The drivers address the flash by its offset from the flash's origin (`boards.toml`).
//!
//! For the power-cut requests, [`CutFlash`] resets the core in the middle of a chosen flash
//! operation, as the emulated boards' store does: half of a write's bytes, or the first
//! erase unit of an erase, reach the flash before the reset.

use super::{FLASH_ORIGIN, StoreFlash, store_flash};
use embedded_storage::nor_flash::{ErrorType, NorFlash, ReadNorFlash};

unsafe extern "C" {
    /// The store region's first byte (`memory.x`, from `boards.toml`).
    static _store_start: u8;
    /// One past the store region's last byte.
    static _store_end: u8;
}

/// The store region's offset in the chip's flash, as the HAL's driver addresses it.
fn base() -> u32 {
    (&raw const _store_start) as u32 - FLASH_ORIGIN
}

/// Bytes of store: two slots.
fn size() -> u32 {
    (&raw const _store_end) as u32 - (&raw const _store_start) as u32
}

/// The chip's flash, with an optional power cut.
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

/// The model store over the store region: two slots, each half the region.
pub struct FlashStore(tinymlp::io::store::ModelStore<CutFlash<StoreFlash>>);

impl FlashStore {
    /// The store of this board (make one only: it owns the flash driver).
    pub fn new() -> Option<Self> {
        let flash = CutFlash { flash: store_flash(), ops: 0, cut_after: None };
        tinymlp::io::store::ModelStore::new(flash, base(), size() / 2).ok().map(Self)
    }
}

impl<M: tinymlp::Layer> crate::app::Store<M> for FlashStore {
    fn load(&mut self, model: &mut M) -> Option<u32> {
        // The file is read through a buffer on the stack: 16 KiB, as on the emulated boards
        // (the seed MLP's file is 13,016 bytes); a larger model is not loaded.
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
