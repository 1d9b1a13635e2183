//! The model store on a board's flash: two slots in the board table's `store` region,
//! written through an embedded-storage `NorFlash` the board gives ([`crate::Board::store_flash`]:
//! the MPS2 boards' store memory, embassy-nrf's NVMC on the micro:bit v2, embassy-rp's QSPI
//! flash driver on the Pico).
//!
//! For the power-cut requests, the flash resets the core in the middle of a chosen flash
//! operation ([`PowerCut`]): half of a write's bytes, or the first erase unit of an erase,
//! reach the flash before the reset. A HAL's driver gets it from [`CutFlash`].

use embedded_storage::nor_flash::{ErrorType, NorFlash, NorFlashErrorKind, ReadNorFlash};

/// A flash that can "lose power" in the middle of an operation, for the power-cut tests.
pub trait PowerCut {
    /// Resets the core during the flash operation after `ops` more, as a power cut would.
    fn arm_cut(&mut self, ops: u32);
}

/// The store's flash and its region in it.
pub struct StoreFlash<F> {
    /// The flash driver.
    pub flash: F,
    /// The region's first byte, as the driver addresses it.
    pub offset: u32,
    /// Bytes of the region: two slots.
    pub len: u32,
}

/// A board's flash driver, with a power cut.
pub struct CutFlash<F> {
    flash: F,
    ops: u32,
    cut_after: Option<u32>,
}

impl<F> CutFlash<F> {
    /// `flash`, with no cut armed.
    pub const fn new(flash: F) -> Self {
        Self { flash, ops: 0, cut_after: None }
    }

    /// `true` when this operation is the one the cut falls on.
    fn tick(&mut self) -> bool {
        let hit = self.cut_after == Some(self.ops);
        self.ops += 1;
        hit
    }
}

impl<F> PowerCut for CutFlash<F> {
    fn arm_cut(&mut self, ops: u32) {
        self.ops = 0;
        self.cut_after = Some(ops);
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

/// The flash of a board without a store: there is none ([`crate::Board::store_flash`]
/// returns `None`), so no value of this type exists.
pub enum NoFlash {}

impl PowerCut for NoFlash {
    fn arm_cut(&mut self, _: u32) {
        match *self {}
    }
}

impl ErrorType for NoFlash {
    type Error = NorFlashErrorKind;
}

impl ReadNorFlash for NoFlash {
    const READ_SIZE: usize = 1;
    fn read(&mut self, _: u32, _: &mut [u8]) -> Result<(), Self::Error> {
        match *self {}
    }
    fn capacity(&self) -> usize {
        match *self {}
    }
}

impl NorFlash for NoFlash {
    const WRITE_SIZE: usize = 1;
    const ERASE_SIZE: usize = 1;
    fn erase(&mut self, _: u32, _: u32) -> Result<(), Self::Error> {
        match *self {}
    }
    fn write(&mut self, _: u32, _: &[u8]) -> Result<(), Self::Error> {
        match *self {}
    }
}

/// The model store over the store region: two slots, each half the region.
#[cfg(not(int8_model))]
#[cfg_attr(not(all(feature = "finetune", not(feature = "finetune-last"))), allow(dead_code))]
pub(crate) struct FlashStore<F: NorFlash>(tinymlp::io::store::ModelStore<F>);

#[cfg(not(int8_model))]
#[cfg_attr(not(all(feature = "finetune", not(feature = "finetune-last"))), allow(dead_code))]
impl<F: NorFlash> FlashStore<F> {
    /// The store on `region`; `None` when two slots do not fit it.
    pub(crate) fn new(region: StoreFlash<F>) -> Option<Self> {
        tinymlp::io::store::ModelStore::new(region.flash, region.offset, region.len / 2).ok().map(Self)
    }
}

#[cfg(not(int8_model))]
impl<F: NorFlash + PowerCut, M: tinymlp::Layer> crate::app::Store<M> for FlashStore<F> {
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
