//! The model store on the micro:bit v2's own flash: the board table's `store` region (given
//! by the linker as `_store_start` and `_store_end`), written through embassy-nrf's NVMC
//! driver, an embedded-storage `NorFlash` (4 KiB pages, 4-byte words).
//!
//! For the power-cut requests, [`CutFlash`] resets the core in the middle of a chosen flash
//! operation, as the emulated boards' store does: half of a write's words, or the first
//! page of an erase, reach the flash before the reset.

use embassy_nrf::nvmc::{Error, Nvmc};
use embassy_nrf::peripherals::NVMC;
use embedded_storage::nor_flash::{ErrorType, NorFlash, ReadNorFlash};

unsafe extern "C" {
    /// The store region's first byte (`memory.x`, from `boards.toml`).
    static _store_start: u8;
    /// One past the store region's last byte.
    static _store_end: u8;
}

/// The store region's address in the chip's flash.
fn base() -> u32 {
    (&raw const _store_start) as u32
}

/// Bytes of store: two slots.
fn size() -> u32 {
    (&raw const _store_end) as u32 - base()
}

/// The chip's flash, with an optional power cut.
pub struct CutFlash {
    nvmc: Nvmc<'static>,
    ops: u32,
    cut_after: Option<u32>,
}

impl CutFlash {
    /// `true` when this operation is the one the cut falls on.
    fn tick(&mut self) -> bool {
        let hit = self.cut_after == Some(self.ops);
        self.ops += 1;
        hit
    }
}

impl ErrorType for CutFlash {
    type Error = Error;
}

impl ReadNorFlash for CutFlash {
    const READ_SIZE: usize = <Nvmc<'static> as ReadNorFlash>::READ_SIZE;
    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Error> {
        self.nvmc.read(offset, bytes)
    }
    fn capacity(&self) -> usize {
        self.nvmc.capacity()
    }
}

impl NorFlash for CutFlash {
    const WRITE_SIZE: usize = <Nvmc<'static> as NorFlash>::WRITE_SIZE;
    const ERASE_SIZE: usize = <Nvmc<'static> as NorFlash>::ERASE_SIZE;
    fn erase(&mut self, from: u32, to: u32) -> Result<(), Error> {
        if self.tick() {
            self.nvmc.erase(from, to.min(from.saturating_add(Self::ERASE_SIZE as u32)))?;
            cortex_m::peripheral::SCB::sys_reset();
        }
        self.nvmc.erase(from, to)
    }
    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Error> {
        if self.tick() {
            let half = bytes.len() / 2 / Self::WRITE_SIZE * Self::WRITE_SIZE;
            self.nvmc.write(offset, &bytes[..half])?;
            cortex_m::peripheral::SCB::sys_reset();
        }
        self.nvmc.write(offset, bytes)
    }
}

/// The model store over the store region: two slots, each half the region.
pub struct FlashStore(tinymlp::io::store::ModelStore<CutFlash>);

impl FlashStore {
    /// The store of this board (make one only: it owns the NVMC).
    pub fn new() -> Option<Self> {
        // SAFETY: the board's `take` leaves the NVMC alone, and `main` makes one store.
        let nvmc = Nvmc::new(unsafe { NVMC::steal() });
        let flash = CutFlash { nvmc, ops: 0, cut_after: None };
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
