//! Keeping a model in flash so that no power cut can lose it and no bad model is kept:
//! two slots, a header written last, a CRC over everything, and a new model that boots on
//! trial until it is confirmed (as MCUboot's test-then-confirm).

use crate::io::{Crc32, ModelError, bin_len, crc32, emit_bin, read_bin};
use crate::layers::Layer;
use core::fmt;
use embedded_storage::nor_flash::{NorFlash, NorFlashError, NorFlashErrorKind};

/// The first bytes of a slot header.
pub const STORE_MAGIC: [u8; 4] = *b"TMST";
/// Bytes of a slot header.
pub const HEADER_LEN: usize = 32;
/// Bytes of each mark after the header (written once, from erased to zero): first the
/// "tried" mark, then the "confirmed" mark.
pub const MARK_LEN: usize = 32;
/// Where a slot's model file starts: after the header and the two marks.
pub const PAYLOAD: usize = HEADER_LEN + 2 * MARK_LEN;
/// The slot format version this code writes and reads.
pub const STORE_VERSION: u16 = 2;
const STAGE: usize = 64;

/// Why the store could not do what was asked. The flash keeps a valid model whenever it had
/// one before.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum StoreError {
    /// The flash driver failed (or the power was cut).
    Flash(NorFlashErrorKind),
    /// The slots do not fit the flash, are not aligned to its erase size, or are too small
    /// for the model.
    Layout,
    /// Neither slot holds a valid model.
    Empty,
    /// A slot's contents passed their CRC but do not load into this model.
    Model(ModelError),
    /// The buffer for reading a model is smaller than its file.
    Buffer {
        /// Bytes needed.
        needed: usize,
    },
    /// What was written does not read back the same.
    Verify,
    /// [`ModelStore::confirm`]: the model in use is not on trial (already confirmed, or
    /// none loaded from the store).
    NothingOnTrial,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Flash(k) => write!(f, "flash error: {k}"),
            StoreError::Layout => {
                f.write_str("the two slots do not fit the flash, its erase size or the model")
            }
            StoreError::Empty => f.write_str("no valid model in either slot"),
            StoreError::Model(e) => write!(f, "the stored model does not load: {e}"),
            StoreError::Buffer { needed } => write!(f, "the read buffer needs {needed} bytes"),
            StoreError::Verify => f.write_str("the written model does not read back the same"),
            StoreError::NothingOnTrial => f.write_str("no stored model is on trial: nothing to confirm"),
        }
    }
}

impl core::error::Error for StoreError {}

fn flash_err<E: NorFlashError>(e: E) -> StoreError {
    StoreError::Flash(e.kind())
}

/// What a valid slot holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotInfo {
    /// Which slot (0 or 1).
    pub slot: u8,
    /// Sequence number: the newer model has the next one (compared as serial numbers,
    /// RFC 1982, so the count may wrap).
    pub seq: u32,
    /// Bytes of the stored binary model.
    pub len: u32,
    /// The model's id (the CRC-32 of its binary form).
    pub model_id: u32,
    /// It has been loaded at least once (a boot tried it).
    pub tried: bool,
    /// It has been confirmed: it boots for good.
    pub confirmed: bool,
}

/// `true` when sequence number `a` is newer than `b` (serial-number arithmetic, RFC 1982:
/// within half the number space ahead), so the store keeps working after `u32::MAX`.
pub fn newer(a: u32, b: u32) -> bool {
    a != b && a.wrapping_sub(b) < 1 << 31
}

/// Two slots of `slot_size` bytes from `base` in a [`NorFlash`]. A model is saved into the
/// slot that does not hold the model in use: erased, written, read back and checked, and
/// only then given a header (written last) with the next sequence number. So a power cut
/// at any point of a save leaves either the old model or the new one — never neither,
/// never a mix.
///
/// A new model boots on trial: the first [`ModelStore::load`] after the save marks it
/// "tried" and loads it; unless [`ModelStore::confirm`] marks it "confirmed" (after a
/// check on held-out rows), the next load returns to the previous model, as MCUboot does
/// with an image in test. So a model that a bad training step poisoned cannot stay in
/// use: it is never confirmed, and the boot after the one that tried it leaves it.
pub struct ModelStore<F> {
    flash: F,
    base: u32,
    slot_size: u32,
    /// The slot [`ModelStore::load`] loaded on trial, if it did.
    on_trial: Option<SlotInfo>,
}

impl<F: NorFlash> ModelStore<F> {
    /// A store over `flash`; both slots must fit, start on erase-block boundaries, and the
    /// flash's write size must divide 64.
    pub fn new(flash: F, base: u32, slot_size: u32) -> Result<Self, StoreError> {
        let erase = F::ERASE_SIZE as u32;
        let fits = (base as u64) + 2 * slot_size as u64 <= flash.capacity() as u64;
        let aligned = erase > 0 && base.is_multiple_of(erase) && slot_size.is_multiple_of(erase);
        let writable = F::WRITE_SIZE > 0
            && STAGE.is_multiple_of(F::WRITE_SIZE)
            && HEADER_LEN.is_multiple_of(F::WRITE_SIZE)
            && MARK_LEN.is_multiple_of(F::WRITE_SIZE);
        if !(fits && aligned && writable && slot_size as usize > PAYLOAD) {
            return Err(StoreError::Layout);
        }
        Ok(Self { flash, base, slot_size, on_trial: None })
    }

    /// The flash back.
    pub fn into_inner(self) -> F {
        self.flash
    }

    /// The flash, to drive it directly (for example to arm a fault in a test).
    pub fn flash_mut(&mut self) -> &mut F {
        &mut self.flash
    }

    fn slot_base(&self, slot: u8) -> u32 {
        self.base + slot as u32 * self.slot_size
    }

    /// The header of a slot, if its header and its contents pass their checks.
    pub fn inspect(&mut self, slot: u8) -> Result<Option<SlotInfo>, StoreError> {
        let at = self.slot_base(slot);
        let mut h = [0u8; HEADER_LEN];
        self.flash.read(at, &mut h).map_err(flash_err)?;
        let word = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
        if h[..4] != STORE_MAGIC || h[4..6] != STORE_VERSION.to_le_bytes() || word(28) != crc32(&h[..28]) {
            return Ok(None);
        }
        let (seq, len, payload_crc, model_id) = (word(8), word(12), word(16), word(20));
        if len as usize > self.slot_size as usize - PAYLOAD {
            return Ok(None);
        }
        let (tried, confirmed) = (self.mark(at, 0)?, self.mark(at, 1)?);
        let mut crc = Crc32::new();
        let mut chunk = [0u8; STAGE];
        let mut done = 0usize;
        while done < len as usize {
            let n = (len as usize - done).min(STAGE);
            self.flash.read(at + (PAYLOAD + done) as u32, &mut chunk[..n]).map_err(flash_err)?;
            crc.update(&chunk[..n]);
            done += n;
        }
        Ok((crc.finish() == payload_crc).then_some(SlotInfo { slot, seq, len, model_id, tried, confirmed }))
    }

    /// Whether mark `k` (0: tried, 1: confirmed) of the slot at `at` is set: any byte
    /// written (a mark cut short by a power cut counts as set).
    fn mark(&mut self, at: u32, k: u32) -> Result<bool, StoreError> {
        let mut m = [0u8; MARK_LEN];
        self.flash.read(at + HEADER_LEN as u32 + k * MARK_LEN as u32, &mut m).map_err(flash_err)?;
        Ok(m.iter().any(|&b| b != 0xFF))
    }

    fn set_mark(&mut self, slot: u8, k: u32) -> Result<(), StoreError> {
        let at = self.slot_base(slot) + HEADER_LEN as u32 + k * MARK_LEN as u32;
        self.flash.write(at, &[0u8; MARK_LEN]).map_err(flash_err)?;
        if !self.mark(self.slot_base(slot), k)? {
            return Err(StoreError::Verify);
        }
        Ok(())
    }

    /// Both valid slots, newest first.
    fn by_age(&mut self) -> Result<[Option<SlotInfo>; 2], StoreError> {
        let mut slots = [self.inspect(0)?, self.inspect(1)?];
        if let [Some(a), Some(b)] = slots
            && newer(b.seq, a.seq)
        {
            slots.swap(0, 1);
        }
        if slots[0].is_none() {
            slots.swap(0, 1);
        }
        Ok(slots)
    }

    /// The newest valid slot, whatever its marks.
    pub fn newest(&mut self) -> Result<Option<SlotInfo>, StoreError> {
        Ok(self.by_age()?[0])
    }

    /// The slot [`ModelStore::load`] takes first, with its marks as they are now: the newest
    /// valid slot that is confirmed or not yet tried. `None` when there is none (a slot
    /// that was tried and never confirmed is never loaded again).
    pub fn active(&mut self) -> Result<Option<SlotInfo>, StoreError> {
        Ok(self.by_age()?.into_iter().flatten().find(|s| s.confirmed || !s.tried))
    }

    /// Loads the model in use into `model`, reading its file through `buf` (at least
    /// [`bin_len`] bytes): the newest slot that is confirmed or not yet tried. A slot on its
    /// first trial is marked "tried" before it loads (see [`ModelStore::confirm`]); a slot
    /// that was tried and never confirmed is never loaded again — the previous model is,
    /// or, with none, [`StoreError::Empty`] (a firmware then serves its compiled-in model).
    /// When the chosen slot does not load, the other usable one is tried. The returned
    /// [`SlotInfo`] says whether the model is on trial (`!confirmed`).
    pub fn load<M: Layer>(&mut self, model: &mut M, buf: &mut [u8]) -> Result<SlotInfo, StoreError> {
        let need = bin_len::<M>();
        if buf.len() < need {
            return Err(StoreError::Buffer { needed: need });
        }
        let slots = self.by_age()?;
        let mut last = StoreError::Empty;
        for mut info in slots.into_iter().flatten().filter(|s| s.confirmed || !s.tried) {
            let n = info.len as usize;
            if n > buf.len() {
                last = StoreError::Buffer { needed: n };
                continue;
            }
            self.flash.read(self.slot_base(info.slot) + PAYLOAD as u32, &mut buf[..n]).map_err(flash_err)?;
            match read_bin(&buf[..n], model) {
                Ok(()) => {
                    if !info.tried {
                        self.set_mark(info.slot, 0)?;
                        info.tried = true;
                    }
                    self.on_trial = (!info.confirmed).then_some(info);
                    return Ok(info);
                }
                Err(e) => last = StoreError::Model(e),
            }
        }
        Err(last)
    }

    /// Confirms the model on trial (the one [`ModelStore::load`] loaded): it boots for good
    /// from now on. Call it once the model passed a check (for example on held-out rows).
    pub fn confirm(&mut self) -> Result<SlotInfo, StoreError> {
        let Some(loaded) = self.on_trial else {
            return Err(StoreError::NothingOnTrial);
        };
        // The slot must still hold what was loaded (no save replaced it since).
        match self.inspect(loaded.slot)? {
            Some(now) if now.seq == loaded.seq && now.model_id == loaded.model_id => {}
            _ => return Err(StoreError::NothingOnTrial),
        }
        self.set_mark(loaded.slot, 1)?;
        self.on_trial = None;
        Ok(SlotInfo { confirmed: true, tried: true, ..loaded })
    }

    /// Saves `model` as the newest, on trial, in the slot that does not hold the model in
    /// use ([`ModelStore::active`]). Returns where it went. Until the header is written
    /// (last), the previous model stays the one that loads.
    pub fn save<M: Layer>(&mut self, model: &M) -> Result<SlotInfo, StoreError> {
        let len = bin_len::<M>();
        if len > self.slot_size as usize - PAYLOAD {
            return Err(StoreError::Layout);
        }
        // Never overwrite the model in use: a model that failed its trial is the one to go.
        let slot = match self.active()? {
            Some(c) => 1 - c.slot,
            None => 0,
        };
        let seq = self.newest()?.map_or(1, |c| c.seq.wrapping_add(1));
        let at = self.slot_base(slot);
        self.flash.erase(at, at + self.slot_size).map_err(flash_err)?;
        // The binary file, streamed through a small staging buffer.
        let mut stage = [0xFFu8; STAGE];
        let (mut fill, mut written) = (0usize, 0u32);
        let mut crc = Crc32::new();
        let mut failure = None;
        {
            let flash = &mut self.flash;
            let mut push = |bytes: &[u8]| {
                for &b in bytes {
                    stage[fill] = b;
                    fill += 1;
                    if fill == STAGE {
                        if failure.is_none()
                            && let Err(e) = flash.write(at + PAYLOAD as u32 + written, &stage)
                        {
                            failure = Some(flash_err(e));
                        }
                        written += STAGE as u32;
                        fill = 0;
                    }
                }
            };
            let mut body = |bytes: &[u8]| {
                crc.update(bytes);
                push(bytes);
            };
            emit_bin(model, &mut body).map_err(StoreError::Model)?;
            let file_crc = crc.finish();
            push(&file_crc.to_le_bytes());
            if fill > 0 && failure.is_none() {
                let padded = fill.div_ceil(F::WRITE_SIZE) * F::WRITE_SIZE;
                stage[fill..padded].fill(0xFF);
                if let Err(e) = flash.write(at + PAYLOAD as u32 + written, &stage[..padded]) {
                    failure = Some(flash_err(e));
                }
            }
        }
        if let Some(e) = failure {
            return Err(e);
        }
        // Read back: the CRC of what is in flash must be the file's.
        let mut check = Crc32::new();
        let mut chunk = [0u8; STAGE];
        let mut done = 0;
        while done < len {
            let n = (len - done).min(STAGE);
            self.flash.read(at + (PAYLOAD + done) as u32, &mut chunk[..n]).map_err(flash_err)?;
            check.update(&chunk[..n]);
            done += n;
        }
        let payload_crc = check.finish();
        let mut expected = Crc32::new();
        emit_bin(model, &mut |b| expected.update(b)).map_err(StoreError::Model)?;
        let model_id = expected.finish();
        let mut whole = expected;
        whole.update(&model_id.to_le_bytes());
        if payload_crc != whole.finish() {
            return Err(StoreError::Verify);
        }
        // The commit: the header, written last.
        let mut h = [0u8; HEADER_LEN];
        h[..4].copy_from_slice(&STORE_MAGIC);
        h[4..6].copy_from_slice(&STORE_VERSION.to_le_bytes());
        h[8..12].copy_from_slice(&seq.to_le_bytes());
        h[12..16].copy_from_slice(&(len as u32).to_le_bytes());
        h[16..20].copy_from_slice(&payload_crc.to_le_bytes());
        h[20..24].copy_from_slice(&model_id.to_le_bytes());
        let hc = crc32(&h[..28]);
        h[28..32].copy_from_slice(&hc.to_le_bytes());
        self.flash.write(at, &h).map_err(flash_err)?;
        let info = SlotInfo { slot, seq, len: len as u32, model_id, tried: false, confirmed: false };
        match self.inspect(slot)? {
            Some(i) if i == info => Ok(info),
            _ => Err(StoreError::Verify),
        }
    }
}
