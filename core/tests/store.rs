//! The two-slot model store under power cuts: every write and erase step of a save is cut
//! in turn, and after each "reboot" the store must load a valid model, old or new.

use embedded_storage::nor_flash::{ErrorType, NorFlash, NorFlashErrorKind, ReadNorFlash};
use tinymlp::io::store::{ModelStore, StoreError};
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
}

impl Flash {
    fn new(pages: usize) -> Self {
        Self { mem: vec![0xFF; pages * PAGE], ops: 0, cut_at: None }
    }
    fn reboot(&self) -> Self {
        Self { mem: self.mem.clone(), ops: 0, cut_at: None }
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
