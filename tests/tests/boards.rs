//! Train → export → build the firmware → run it on each emulated board → compare every
//! output with the host's, bit for bit.

use tinymlp::Footprint;
use tinymlp::zoo::SeedMlp;
use tinymlp_host::board::BOARDS;
use tinymlp_host::compare::compare;
use tinymlp_host::device::{build_firmware, build_firmware_with, elf_sizes, run_self_test};
use tinymlp_tests::small_trained_model;

fn check_board(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (model, path, test) = small_trained_model(dir.path(), 3);
    let board = BOARDS.iter().copied().find(|b| b.name == name).unwrap();
    let elf = build_firmware(board, &path, true).expect("the firmware builds");
    assert_eq!(run_self_test(board, &elf).unwrap(), 0, "{name}: self-test");
    // The model's size in flash, as the linker placed it, is the compile-time figure.
    let sizes = elf_sizes(&elf).unwrap();
    assert_eq!(sizes.model, sizes.model_compile_time, "{name}: MODEL in the ELF");
    // A model holds its parameters and layer settings only: the same bytes on every target.
    let host = <SeedMlp as Footprint>::MODEL_BYTES as u64;
    assert_eq!(sizes.model, host, "{name}: MODEL in the ELF against the host's compile-time figure");
    assert!(sizes.flash > sizes.model && sizes.ram < 1024, "{sizes:?}");
    if name != "microbit" {
        // The binary model file loads on the device, with the core's no_std reader, bit for
        // bit (the micro:bit's 16 KiB cannot hold the second copy this needs).
        let checked = build_firmware_with(board, &path, true, &["load-check"]).expect("the firmware builds");
        assert_eq!(run_self_test(board, &checked).unwrap(), 0, "{name}: binary model loaded on the device");
    }
    let c = compare(board, &elf, &model, &(&test).into()).expect("the device answers");
    println!("{}", c.table());
    assert_eq!(c.rows, 120);
    assert_eq!(c.refused, 0);
    assert_eq!(c.bit_exact_rows, c.rows, "{name}: every output bit-exact");
    assert_eq!(c.max_ulp, 0);
    assert_eq!(c.exit_status, 0);
    assert!(c.stack_high_water > 0 && c.stack_high_water < 4096, "{}", c.stack_high_water);
    assert!(c.ok);
}

#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn mps2_an386_cortex_m4f() {
    check_board("mps2-an386");
}

#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn mps2_an500_cortex_m7() {
    check_board("mps2-an500");
}

#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn mps2_an505_cortex_m33() {
    check_board("mps2-an505");
}

#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn lm3s6965evb_cortex_m3_soft_float() {
    check_board("lm3s6965evb");
}

#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn microbit_cortex_m0_soft_float() {
    check_board("microbit");
}
