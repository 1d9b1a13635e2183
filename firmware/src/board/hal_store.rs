//! The model store on a real board's own flash: the board table's `store` region (given by
//! the linker as `_store_start` and `_store_end`), written through the board's HAL driver,
//! an embedded-storage `NorFlash` (the board module's `StoreFlash` and `store_flash()`:
//! embassy-nrf's NVMC on the micro:bit v2, embassy-rp's QSPI flash driver on the Pico).
//! The drivers address the flash by its offset from the flash's origin (`boards.toml`).
//! The store's logic and its power cut are `flash_store.rs`'s, as on the emulated boards.

use super::{FLASH_ORIGIN, StoreFlash, store_flash};

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

/// The model store on the board's flash.
pub type FlashStore = super::flash_store::FlashStore<StoreFlash>;

/// The store of this board (make one only: it owns the flash driver).
pub fn new() -> Option<FlashStore> {
    FlashStore::on(store_flash(), base(), size())
}
