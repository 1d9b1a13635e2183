//! The two-slot model store under power cuts: every write and erase step of a save is cut
//! in turn, and after each "reboot" the store must load a valid model, old or new.

use embedded_storage::nor_flash::{ErrorType, NorFlash, NorFlashErrorKind, ReadNorFlash};
use tinymlp::io::store::{HEADER_LEN, ModelStore, StoreError};
use tinymlp::layers::*;
use tinymlp::numeric::*;
use tinymlp::zoo::{SeedMlp, seed_mlp};
use tinymlp::*;

const PAGE: usize = 1024;

/// NOR flash in RAM: erase sets bytes to 0xFF, a write can only clear bits (AND). It can
/// "lose power" at the k-th write or erase: that operation takes effect only partly (the
/// first half of a write's bytes, the first page of an erase), and every later operation
/// fails, as the chip would after a cut.
#[derive(Clone)]
struct Flash {
    mem: Vec<u8>,
    ops: usize,
    cut_at: Option<usize>,
    /// Operations in this range: writes report success and change nothing (a worn or
    /// write-protected chip).
    drop: Option<core::ops::Range<usize>>,
}

impl Flash {
    fn new(pages: usize) -> Self {
        Self { mem: vec![0xFF; pages * PAGE], ops: 0, cut_at: None, drop: None }
    }
    fn reboot(&self) -> Self {
        Self { mem: self.mem.clone(), ops: 0, cut_at: None, drop: None }
    }
    /// `true` when this operation is the one cut (or comes after it).
    fn tick(&mut self) -> Result<bool, NorFlashErrorKind> {
        let n = self.ops;
        self.ops += 1;
        match self.cut_at {
            Some(c) if n > c => Err(NorFlashErrorKind::Other),
            Some(c) if n == c => Ok(true),
            _ => Ok(false),
        }
    }
}

impl ErrorType for Flash {
    type Error = NorFlashErrorKind;
}

impl ReadNorFlash for Flash {
    const READ_SIZE: usize = 1;
    fn read(&mut self, offset: u32, bytes: &mut [u8]) -> Result<(), Self::Error> {
        let o = offset as usize;
        bytes.copy_from_slice(self.mem.get(o..o + bytes.len()).ok_or(NorFlashErrorKind::OutOfBounds)?);
        Ok(())
    }
    fn capacity(&self) -> usize {
        self.mem.len()
    }
}

impl NorFlash for Flash {
    const WRITE_SIZE: usize = 4;
    const ERASE_SIZE: usize = PAGE;
    fn erase(&mut self, from: u32, to: u32) -> Result<(), Self::Error> {
        let cut = self.tick()?;
        let end = if cut { (from as usize + PAGE).min(to as usize) } else { to as usize };
        self.mem[from as usize..end].fill(0xFF);
        if cut { Err(NorFlashErrorKind::Other) } else { Ok(()) }
    }
    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        if self.drop.as_ref().is_some_and(|d| d.contains(&self.ops)) {
            self.ops += 1;
            return Ok(());
        }
        let cut = self.tick()?;
        let n = if cut { bytes.len() / 2 } else { bytes.len() };
        for (m, b) in self.mem[offset as usize..].iter_mut().zip(&bytes[..n]) {
            *m &= *b;
        }
        if cut { Err(NorFlashErrorKind::Other) } else { Ok(()) }
    }
}

fn trained(seed: u64) -> SeedMlp {
    let mut m = seed_mlp();
    m.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(seed));
    m.head.adapt(&[[seed as f32, 1.0], [2.0, -3.0]]);
    m
}

const SLOT: u32 = 16 * PAGE as u32;

fn load(flash: Flash) -> Result<(SeedMlp, u32), StoreError> {
    let mut store = ModelStore::new(flash, 0, SLOT).unwrap();
    let mut m = seed_mlp();
    let mut buf = vec![0u8; io::bin_len::<SeedMlp>()];
    let info = store.load(&mut m, &mut buf)?;
    Ok((m, info.seq))
}

#[test]
fn save_load_and_alternate_slots() {
    let mut store = ModelStore::new(Flash::new(32), 0, SLOT).unwrap();
    let (a, b, c) = (trained(1), trained(2), trained(3));
    let mut buf = vec![0u8; io::bin_len::<SeedMlp>()];
    assert_eq!(store.load(&mut seed_mlp(), &mut buf), Err(StoreError::Empty));
    let ia = store.save(&a).unwrap();
    let ib = store.save(&b).unwrap();
    let ic = store.save(&c).unwrap();
    assert_eq!((ia.slot, ib.slot, ic.slot), (0, 1, 0));
    assert_eq!((ia.seq, ib.seq, ic.seq), (1, 2, 3));
    assert_eq!(ic.model_id, io::model_id(&c).unwrap());
    let mut m = seed_mlp();
    assert_eq!(store.load(&mut m, &mut buf).unwrap().seq, 3);
    assert_eq!(m, c);
    // A corrupted newest slot: the previous model loads.
    let mut flash = store.into_inner();
    flash.mem[500] ^= 0x01; // inside slot 0's model: the newest, c
    let (m, seq) = load(flash.reboot()).unwrap();
    assert_eq!((m, seq), (b, 2));
    assert!(matches!(ModelStore::new(Flash::new(8), 0, SLOT), Err(StoreError::Layout)));
}

#[test]
fn a_power_cut_at_any_step_of_a_save_never_loses_the_model() {
    let (old, new) = (trained(1), trained(2));
    let mut base = Flash::new(32);
    {
        let mut store = ModelStore::new(base.clone(), 0, SLOT).unwrap();
        store.save(&trained(7)).unwrap(); // slot 0, seq 1
        store.save(&old).unwrap(); // slot 1, seq 2: the model in use
        base = store.into_inner().reboot();
    }
    // How many flash operations a complete save takes.
    let mut probe = ModelStore::new(base.reboot(), 0, SLOT).unwrap();
    probe.save(&new).unwrap();
    let steps = probe.into_inner().ops;
    assert!(steps > 200, "{steps}");
    let (mut tried, mut lost, mut old_kept, mut new_kept) = (0, 0, 0, 0);
    for cut in 0..steps {
        let mut flash = base.reboot();
        flash.cut_at = Some(cut);
        let mut store = ModelStore::new(flash, 0, SLOT).unwrap();
        assert!(store.save(&new).is_err(), "the save cut at step {cut} must fail");
        tried += 1;
        match load(store.into_inner().reboot()) {
            Ok((m, 2)) if m == old => old_kept += 1,
            Ok((m, 3)) if m == new => new_kept += 1,
            other => {
                lost += 1;
                eprintln!("cut at {cut}: {other:?}");
            }
        }
    }
    println!("{tried} cut points: old model kept {old_kept}, new model {new_kept}, lost {lost}");
    assert_eq!(lost, 0);
    assert_eq!(tried, steps);
    // Cutting the header write itself (the last step) keeps the old model.
    assert!(old_kept >= steps - 1);
}

fn store(flash: Flash) -> ModelStore<Flash> {
    ModelStore::new(flash, 0, SLOT).unwrap()
}

/// Loads through a store and hands back the flash as after a reboot, with what loaded.
fn boot(flash: Flash) -> (Flash, Result<(SeedMlp, tinymlp::io::store::SlotInfo), StoreError>) {
    let mut s = store(flash);
    let mut m = seed_mlp();
    let mut buf = vec![0u8; io::bin_len::<SeedMlp>()];
    let r = s.load(&mut m, &mut buf).map(|i| (m, i));
    (s.into_inner().reboot(), r)
}

/// A new model boots on trial; unconfirmed, the next boot returns to the previous model,
/// and the next save replaces the failed one, never the model in use.
#[test]
fn a_model_not_confirmed_after_its_trial_boot_is_left() {
    let (good, poisoned, next) = (trained(1), trained(2), trained(3));
    let mut s = store(Flash::new(32));
    s.save(&good).unwrap();
    // Its trial boot, and its check passed: confirmed, it boots for good.
    let mut s = store(s.into_inner().reboot());
    let mut buf = vec![0u8; io::bin_len::<SeedMlp>()];
    let mut m = seed_mlp();
    let info = s.load(&mut m, &mut buf).unwrap();
    assert!(m == good && info.tried && !info.confirmed);
    assert!(s.confirm().unwrap().confirmed);
    assert_eq!(s.confirm(), Err(StoreError::NothingOnTrial));
    // A poisoned model is saved, boots once on trial, and is never confirmed.
    s.save(&poisoned).unwrap();
    let (flash, r) = boot(s.into_inner().reboot());
    assert!(r.unwrap().0 == poisoned);
    for _ in 0..3 {
        let (f, r) = boot(flash.clone());
        let (m, info) = r.unwrap();
        assert!(m == good && info.confirmed, "the device serves the good model again");
        let _ = f;
    }
    // The next save goes where the poisoned model is; the good one stays.
    let mut s = store(flash);
    let good_slot = s.active().unwrap().unwrap();
    assert!(good_slot.confirmed);
    let saved = s.save(&next).unwrap();
    assert_ne!(saved.slot, good_slot.slot);
    let (_, r) = boot(s.into_inner().reboot());
    assert!(r.unwrap().0 == next);
}

/// Sequence numbers compare as serial numbers: a save after `u32::MAX` is the newest.
#[test]
fn sequence_numbers_wrap() {
    let mut s = store(Flash::new(32));
    s.save(&trained(1)).unwrap();
    let mut flash = s.into_inner().reboot();
    // Give slot 0 the last sequence number (header re-sealed with its CRC).
    flash.mem[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    let crc = io::crc32(&flash.mem[..HEADER_LEN - 4]);
    flash.mem[HEADER_LEN - 4..HEADER_LEN].copy_from_slice(&crc.to_le_bytes());
    let mut s = store(flash);
    assert_eq!(s.newest().unwrap().unwrap().seq, u32::MAX);
    let info = s.save(&trained(2)).unwrap();
    assert_eq!(info.seq, 0);
    assert_eq!(s.newest().unwrap().unwrap().seq, 0);
    let (_, r) = boot(s.into_inner().reboot());
    assert!(r.unwrap().0 == trained(2));
}

/// A chip that silently drops writes: the save's read-back catches it before the header
/// is written (the slot is never committed), and the old model still loads.
#[test]
fn a_flash_that_drops_writes_fails_the_save() {
    let mut s = store(Flash::new(32));
    s.save(&trained(1)).unwrap();
    let (mut m, mut buf) = (seed_mlp(), vec![0u8; io::bin_len::<SeedMlp>()]);
    s.load(&mut m, &mut buf).unwrap();
    s.confirm().unwrap();
    let target = s.active().unwrap().map_or(0, |a| 1 - a.slot) as usize;
    for window in [1..3, 1..usize::MAX] {
        let mut flash = s.into_inner().reboot();
        flash.drop = Some(window.clone()); // the erase works; some writes after it are lost
        let mut t = store(flash);
        assert_eq!(t.save(&trained(2)), Err(StoreError::Verify), "{window:?}");
        let flash = t.into_inner().reboot();
        let header = &flash.mem[target * SLOT as usize..target * SLOT as usize + HEADER_LEN];
        assert!(header.iter().all(|&b| b == 0xFF), "{window:?}: a header was written for a bad copy");
        let (flash, r) = boot(flash);
        assert!(r.unwrap().0 == trained(1));
        s = store(flash);
    }
}

/// The newest slot passes its CRC but holds another network: the other slot loads.
#[test]
fn a_newest_model_that_does_not_load_falls_back_to_the_other() {
    type Other = Sequential![Normalization<2>, Dense<2, 3>, Dense<3, 1>];
    let other: Other =
        sequential![Normalization::new(), Dense::new(Activation::Relu), Dense::new(Activation::Sigmoid)];
    let mut s = store(Flash::new(32));
    s.save(&trained(1)).unwrap();
    s.save(&other).unwrap();
    assert_eq!(s.newest().unwrap().unwrap().seq, 2);
    let (_, r) = boot(s.into_inner().reboot());
    assert!(r.unwrap().0 == trained(1));
}

/// Every flash operation of save, trial boot and confirm cut in turn, from several
/// starting states: after the cut and any number of reboots, a valid model always loads;
/// the new one only when its confirmation got through.
#[test]
fn power_cuts_from_every_state_keep_a_model() {
    let (old, new) = (trained(1), trained(2));
    // Starting states: empty; one confirmed model; one model that failed its trial.
    let empty = Flash::new(32);
    let confirmed = {
        let mut s = store(Flash::new(32));
        s.save(&old).unwrap();
        let mut m = seed_mlp();
        let mut buf = vec![0u8; io::bin_len::<SeedMlp>()];
        s.load(&mut m, &mut buf).unwrap();
        s.confirm().unwrap();
        s.into_inner().reboot()
    };
    let failed_trial = {
        let mut s = store(confirmed.clone());
        s.save(&trained(9)).unwrap();
        let (f, _) = boot(s.into_inner().reboot());
        f
    };
    let (mut cuts, mut kept_new, mut kept_old, mut lost) = (0, 0, 0, 0);
    for (name, start) in [("empty", &empty), ("confirmed", &confirmed), ("failed trial", &failed_trial)] {
        // The whole sequence: save, boot on trial, confirm.
        let run = |flash: Flash| -> Result<Flash, Flash> {
            let mut s = store(flash);
            if s.save(&new).is_err() {
                return Err(s.into_inner());
            }
            // A clean reboot; the operations go on being counted towards the cut.
            let f = s.into_inner();
            let mut s = store(Flash { mem: f.mem.clone(), ops: f.ops, cut_at: f.cut_at, drop: None });
            let mut m = seed_mlp();
            let mut buf = vec![0u8; io::bin_len::<SeedMlp>()];
            if s.load(&mut m, &mut buf).is_err() || s.confirm().is_err() {
                return Err(s.into_inner());
            }
            Ok(s.into_inner())
        };
        let mut probe = start.reboot();
        probe.ops = 0;
        let total = match run(probe) {
            Ok(f) => f.ops,
            Err(_) => panic!("{name}: the uncut sequence fails"),
        };
        for cut in 0..total + 2 {
            let mut flash = start.reboot();
            flash.cut_at = Some(cut);
            let after = match run(flash) {
                Ok(f) | Err(f) => f.reboot(),
            };
            cuts += 1;
            // Three reboots: a model on trial is left at the second.
            let (f, _) = boot(after);
            let (f, _) = boot(f);
            let (_, r) = boot(f);
            match r {
                Ok((m, info)) if m == new && info.confirmed => kept_new += 1,
                Ok((m, _)) if m == old && name != "empty" => kept_old += 1,
                Err(StoreError::Empty) if name == "empty" => kept_old += 1,
                Ok((m, _)) if m == trained(9) && name == "failed trial" => lost += 1,
                other => {
                    lost += 1;
                    eprintln!("{name}, cut {cut}: {:?}", other.map(|(_, i)| i));
                }
            }
        }
    }
    println!("{cuts} cuts: new model kept {kept_new}, previous kept {kept_old}, lost {lost}");
    assert_eq!(lost, 0);
    assert!(kept_new >= 6, "cuts past the confirmation keep the new model: {kept_new}");
    assert!(kept_old > 100);
}
