//! Power cuts on the emulated board: the device is reset in the middle of a save or a
//! confirm, at a sample of its flash steps, and must always boot a valid model, old or new;
//! and a saved model is kept only once confirmed after its trial boot.

use tinymlp_host::board::find;
use tinymlp_host::device::{Device, build_firmware_with};
use tinymlp_host::train::Trained;
use tinymlp_tests::small_trained_model;

/// Which model the device keeps after a save (or a confirm) cut at some point: the old
/// one, the new one, or neither (lost).
#[derive(Default, Debug)]
struct Outcomes {
    tried: usize,
    old_kept: usize,
    new_kept: usize,
    lost: usize,
}

impl Outcomes {
    /// Settles what the store keeps (confirming a model on trial, as `finetune` does after
    /// its check; resetting a device the cut did not reach), then checks it over a reset.
    fn settle(&mut self, dev: &mut Device, old: u32, new: u32, what: &str) {
        use tinymlp_protocol::{ErrorCode, Response};
        self.tried += 1;
        match dev.confirm().unwrap() {
            Ok(s) => assert_eq!(s[3], new, "{what}: confirmed the new model"),
            Err(Response::Error { code: ErrorCode::NothingOnTrial, .. }) => {
                // Running the new model without a trial: either the cut was not reached (the
                // model in RAM; the slot untried), or the cut confirm's mark counts (the
                // slot confirmed). Reset, and confirm when it boots on trial.
                if dev.status().unwrap()[3] == new && dev.reset().unwrap()[3] == new {
                    match dev.confirm().unwrap() {
                        Ok(_) | Err(Response::Error { code: ErrorCode::NothingOnTrial, .. }) => {}
                        Err(other) => panic!("{what}: {other:?}"),
                    }
                }
            }
            Err(other) => panic!("{what}: {other:?}"),
        }
        let kept = dev.reset().unwrap()[3];
        match kept {
            v if v == old => self.old_kept += 1,
            v if v == new => self.new_kept += 1,
            _ => self.lost += 1,
        }
        println!(
            "{what}: {}",
            if kept == old {
                "old"
            } else if kept == new {
                "new"
            } else {
                "LOST"
            }
        );
    }
}

/// Fine-tunes `n` steps on `test`; the running model's id.
fn tune(dev: &mut Device, id: u32, test: &tinymlp_host::data::Labelled<2>, from: usize, n: usize) -> u32 {
    for i in from..from + n {
        let k = i % test.len();
        dev.train(id, 0.05, &test.x[k], &[test.label[k] as f32]).unwrap().unwrap();
    }
    dev.status().unwrap()[3]
}

#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn power_cuts_during_saves_and_confirms_never_lose_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let (model, path, test) = small_trained_model(dir.path(), 2);
    let Trained::Mlp(m) = model else { panic!("the MLP") };
    let id = tinymlp::io::model_id(&*m).unwrap();
    let board = find("mps2-an386").unwrap();
    let elf = build_firmware_with(board, &path, true, &["finetune"]).unwrap();
    let mut dev = Device::start(board, &elf).unwrap();
    let s = dev.status().unwrap();
    assert_eq!((s[2], s[3], s[4]), (u32::MAX, id, 1), "an empty store, the built-in model");
    let s = dev.save().unwrap();
    assert_eq!((s[0], s[1], s[2]), (0, 1, id), "saved in slot 0 as sequence 1");
    assert_eq!(dev.reset().unwrap()[3], id);
    dev.confirm().unwrap().unwrap();
    // A save takes one erase and ~205 writes: cut at a sample of them, and beyond the end.
    let cuts = [0u32, 1, 2, 3, 17, 64, 100, 150, 199, 203, 204, 205, 206, 400];
    let mut o = Outcomes::default();
    let mut step = 0;
    let mut old = id;
    for &cut in &cuts {
        // Fine-tune a few steps, so that the running model differs from the stored one.
        let new = tune(&mut dev, id, &test, step, 3);
        step += 3;
        assert_ne!(old, new);
        dev.save_with_power_cut(cut).unwrap();
        let before = o.new_kept;
        o.settle(&mut dev, old, new, &format!("save cut at {cut}"));
        if o.new_kept > before {
            old = new;
        }
    }
    // Cuts in the confirm (one write of the confirmed mark), after the trial boot.
    for cut in [0u32, 1, 2] {
        let new = tune(&mut dev, id, &test, step, 3);
        step += 3;
        dev.save().unwrap();
        assert_eq!(dev.reset().unwrap()[3], new, "the trial boot");
        dev.confirm_with_power_cut(cut).unwrap();
        let before = o.new_kept;
        o.settle(&mut dev, old, new, &format!("confirm cut at {cut}"));
        if o.new_kept > before {
            old = new;
        }
    }
    println!("{o:?}");
    // The save's last write (its header) is operation 205: a cut there or before keeps the
    // old model; a confirm cut in its mark's write keeps the new one (the mark started).
    assert_eq!((o.tried, o.old_kept, o.new_kept, o.lost), (17, 12, 5, 0), "{o:?}");
    assert_eq!(dev.exit(0).unwrap(), 0);
}

/// Test-then-confirm on the emulated board, the flash kept across resets: poisoning
/// attempts are refused and the good model is what boots; a saved model boots on trial and
/// is dropped at the next reset unless confirmed; a confirmed one survives two resets.
#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn a_saved_model_is_kept_only_once_confirmed() {
    use tinymlp_protocol::{ErrorCode, Response};
    let dir = tempfile::tempdir().unwrap();
    let (model, path, test) = small_trained_model(dir.path(), 2);
    let good = model.model_id();
    let board = find("mps2-an386").unwrap();
    let elf = build_firmware_with(board, &path, true, &["finetune"]).unwrap();
    let mut dev = Device::start(board, &elf).unwrap();
    let x = test.x[0];
    let refused = |r: Result<(f32, u32, u32), Response<'static>>| {
        matches!(r, Err(Response::Error { code: ErrorCode::OutOfRange, .. }))
    };
    // The poisoning sequence: each step refused, so the saved model is the good one.
    assert!(refused(dev.train(good, 1e30, &x, &[1.0]).unwrap()));
    assert!(refused(dev.train(good, 0.01, &x, &[5.0]).unwrap()));
    assert!(refused(dev.train(good, 0.01, &x, &[-3.0]).unwrap()));
    assert_eq!(dev.save().unwrap()[2], good);
    assert_eq!(dev.reset().unwrap()[3], good, "boots the good model");
    assert!(matches!(dev.confirm().unwrap(), Ok(s) if s[2] == good));

    // A fine-tuned model saved and never confirmed: booted once on trial, then dropped.
    let unconfirmed = tune(&mut dev, good, &test, 0, 5);
    assert_ne!(unconfirmed, good);
    assert_eq!(dev.save().unwrap()[2], unconfirmed);
    assert_eq!(dev.reset().unwrap()[3], unconfirmed, "the new model boots on trial");
    assert_eq!(dev.reset().unwrap()[3], good, "tried and never confirmed: the previous model");
    assert!(matches!(dev.confirm().unwrap(), Err(Response::Error { code: ErrorCode::NothingOnTrial, .. })));

    // A fine-tuned model confirmed after its trial boot survives two resets.
    let confirmed = tune(&mut dev, good, &test, 5, 7);
    assert_ne!(confirmed, good);
    dev.save().unwrap();
    assert_eq!(dev.reset().unwrap()[3], confirmed);
    assert!(dev.confirm().unwrap().is_ok());
    assert_eq!(dev.reset().unwrap()[3], confirmed);
    assert_eq!(dev.reset().unwrap()[3], confirmed);
    assert_eq!(dev.exit(0).unwrap(), 0);
}
