//! On-device fine-tuning: the device's weights after the steps are bit-identical to the
//! host's mirror of the same steps, on a hard-float and a soft-float core.

use tinymlp_host::board::find;
use tinymlp_host::device::build_firmware_with;
use tinymlp_host::finetune::{Plan, finetune, rotate};
use tinymlp_host::train::Trained;
use tinymlp_tests::small_trained_model;

fn check(board: &str, last: bool) {
    let dir = tempfile::tempdir().unwrap();
    let (model, path, test) = small_trained_model(dir.path(), 3);
    let Trained::Mlp(_) = model else { panic!("the MLP") };
    // The host's mirror runs the model as the firmware's build reads it: from its file.
    let m = tinymlp_host::compare::load_net(&path).unwrap();
    let b = find(board).unwrap();
    let features: &[&str] = if last { &["finetune", "finetune-last"] } else { &["finetune"] };
    let elf = build_firmware_with(b, &path, true, features).unwrap();
    let drifted = rotate(&test, 20.0);
    let save = board.starts_with("mps2") && !last;
    let plan = Plan { lr: 0.02, epochs: 2, save, last_layer: last, adam: false };
    let drifted = (&drifted).into();
    let f = finetune(b, &elf, &m, &drifted, &drifted, &plan).unwrap();
    println!("{f:?}");
    assert_eq!(f.steps, 2 * drifted.len());
    assert_eq!(f.differing_values, 0, "{board}: max {} ULP", f.max_ulp);
    assert_eq!(f.device_model, f.host_model);
    assert!(f.bit_exact);
    if save {
        // the guard: saved exactly when the fine-tuned model does not score worse
        let (kept, _) = f.saved.unwrap();
        assert_eq!(kept, f.accuracy_after >= f.accuracy_before);
    }
}

#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn fine_tuning_is_bit_exact_on_the_cortex_m4f() {
    check("mps2-an386", false);
}

#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn fine_tuning_is_bit_exact_on_the_soft_float_cortex_m3() {
    check("lm3s6965evb", false);
}

#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn last_layer_fine_tuning_is_bit_exact_on_the_micro_bit() {
    check("microbit", true);
}

#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn adam_fine_tuning_is_bit_exact_on_the_cortex_m4f() {
    let dir = tempfile::tempdir().unwrap();
    let (model, path, test) = small_trained_model(dir.path(), 3);
    let Trained::Mlp(_) = model else { panic!("the MLP") };
    // The host's mirror runs the model as the firmware's build reads it: from its file.
    let m = tinymlp_host::compare::load_net(&path).unwrap();
    let b = find("mps2-an386").unwrap();
    let elf = build_firmware_with(b, &path, true, &["finetune", "finetune-adam"]).unwrap();
    let drifted = rotate(&test, 20.0);
    let plan = Plan { lr: 0.001, epochs: 1, save: false, last_layer: false, adam: true };
    let drifted = (&drifted).into();
    let f = finetune(b, &elf, &m, &drifted, &drifted, &plan).unwrap();
    assert_eq!(f.differing_values, 0, "max {} ULP", f.max_ulp);
    assert!(f.bit_exact);
}
