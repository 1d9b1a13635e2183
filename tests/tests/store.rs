//! Power cuts on the emulated board: the device is reset in the middle of a save, at a
//! sample of its flash steps, and must always boot a valid model, old or new.

use tinymlp_host::board::find;
use tinymlp_host::device::{Device, build_firmware_with};
use tinymlp_host::train::Trained;
use tinymlp_tests::small_trained_model;

#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn power_cuts_during_saves_never_lose_the_model() {
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
    // A save takes one erase and ~205 writes: cut at a sample of them, and beyond the end.
    let cuts = [0u32, 1, 2, 3, 17, 64, 100, 150, 199, 203, 204, 205, 206, 400];
    let (mut tried, mut old_kept, mut new_kept, mut lost) = (0, 0, 0, 0);
    let mut step = 0;
    for &cut in &cuts {
        // Fine-tune a few steps, so that the running model differs from the stored one.
        for _ in 0..3 {
            let x = test.x[step % test.len()];
            let t = [test.label[step % test.len()] as f32];
            dev.train(id, 0.05, &x, &t).unwrap().unwrap();
            step += 1;
        }
        let before = dev.status().unwrap();
        let (old, new) = (before[2], before[3]);
        assert_ne!(old, new);
        let after = dev.save_with_power_cut(cut).unwrap();
        tried += 1;
        match after[2] {
            v if v == old => old_kept += 1,
            v if v == new => new_kept += 1,
            _ => lost += 1,
        }
        // The model the device runs after the reboot is the newest stored one.
        assert_eq!(after[3], after[2], "cut at {cut}: runs what it stored");
    }
    println!("{tried} cut points on QEMU: old model kept {old_kept}, new model {new_kept}, lost {lost}");
    assert_eq!(lost, 0);
    assert!(old_kept > 0 && new_kept > 0, "both outcomes occur: {old_kept} / {new_kept}");
    assert_eq!(dev.exit(0).unwrap(), 0);
}
