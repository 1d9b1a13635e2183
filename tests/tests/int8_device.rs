//! Int8 models on the emulated boards: the moons MLP quantised by `tinymlp quantize`'s code
//! and TensorFlow Lite's own int8 sine model (imported from the golden `.tflite`), each
//! built into the firmware and compared with the host row by row — the output codes and the
//! dequantised outputs, bit for bit — on all five boards; the self-test checks the DSP
//! kernel against the portable one on the device. The sine model's inference-only `tiny`
//! firmware is checked the same way on the M4F, and against its flash and RAM targets. On
//! the host (no QEMU needed), the DSP kernel's wide layout (`firmware/src/wide_q8.rs`): which
//! layers it takes, and its arithmetic against the core's.

use std::path::Path;
use tinymlp::Activation::{Relu, Sigmoid};
use tinymlp_host::board::find;
use tinymlp_host::compare::{Comparison, Rows, compare};
use tinymlp_host::device::{
    Device, build_firmware, build_firmware_profile, build_firmware_with, run_self_test,
};
use tinymlp_net::LayerSpec::Dense;
use tinymlp_net::QNet;
use tinymlp_protocol::{ErrorCode, Request, Response, parse};
use tinymlp_tests::{dataset, net_model};

const BOARDS: [&str; 5] = ["mps2-an386", "mps2-an500", "mps2-an505", "lm3s6965evb", "microbit"];

/// The DSP kernel's path for layers in the wide layout (`firmware/src/wide_q8.rs`), by the
/// part of its symbol's name that does not depend on the build.
const WIDE_KERNEL: &[u8] = b"kernel_q87Device84wide";

/// Whether the firmware `elf` links the DSP kernel's wide-layout path: the build gave at
/// least one dense layer the wide layout.
fn links_wide_kernel(elf: &Path) -> bool {
    let bytes = std::fs::read(elf).expect("the ELF reads");
    bytes.windows(WIDE_KERNEL.len()).any(|w| w == WIDE_KERNEL)
}

/// Builds the firmware with `q` for `board`, runs its self-test (with the kernel check
/// where the board has room for it) and compares every row of `rows`. `wide`: whether the
/// model has a layer the wide layout takes (on the boards with the DSP extension, which
/// must then link its kernel; the others never do).
fn bit_exact(q: &QNet, path: &Path, rows: &Rows, board: &str, wide: bool) {
    let b = find(board).unwrap();
    let checked = build_firmware_with(b, path, true, &["load-check"]).expect("the firmware builds");
    assert_eq!(run_self_test(b, &checked).unwrap(), 0, "{board}: self-test (int8 kernel check)");
    let elf = build_firmware(b, path, true).expect("the firmware builds with the int8 model");
    let dsp = b.target.ends_with("eabihf");
    assert_eq!(links_wide_kernel(&elf), wide && dsp, "{board}: the wide layout's kernel linked or not");
    let c = compare(b, &elf, q, rows).expect("the device answers");
    println!("{} on {board}:\n{}", path.display(), c.table());
    assert_eq!(c.rows, rows.len());
    assert_eq!((c.refused, c.exit_status), (0, 0));
    assert_eq!(c.bit_exact_rows, c.rows, "{board}: every output code bit-exact");
    assert!(c.ok);
}

#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn a_quantised_moons_mlp_is_bit_exact_on_every_board() {
    let (train, test) = dataset("moons", "label");
    // 2-32-64-1: the 64×32 layer takes the wide layout on the DSP cores (rows in groups of
    // four, inputs in groups of four, shifts of −2 and below); the first layer (2 inputs)
    // and the last (one output) keep the int8 layout.
    let layers = [
        Dense { units: 32, activation: Relu },
        Dense { units: 64, activation: Relu },
        Dense { units: 1, activation: Sigmoid },
    ];
    let net = net_model(&train, &layers, 1, 5);
    let q = tinymlp_host::quantize::quantize(&net, &train.x).expect("the model quantises");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("moons-int8.json");
    std::fs::write(&path, q.to_json(None)).unwrap();
    for board in BOARDS {
        bit_exact(&q, &path, &test, board, true);
    }
}

/// TFLite's int8 sine model imported from the golden `.tflite`, written to a model file in
/// `dir`, and 64 rows of `x` over [−0.3, 6.0] with `sin(x)` as the target.
fn sine_model(dir: &Path) -> (QNet, std::path::PathBuf, Rows) {
    let golden =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../host-tools/tests/golden/tflite/sine_int8.tflite");
    let bytes = std::fs::read(&golden).unwrap();
    let Ok(tinymlp_host::tflite::Imported::Int8(q)) = tinymlp_host::tflite::import(&bytes) else {
        panic!("{}: not an int8 model", golden.display())
    };
    let path = dir.join("sine-int8.json");
    std::fs::write(&path, q.to_json(None)).unwrap();
    let x: Vec<Vec<f32>> = (0..64).map(|i| vec![i as f32 * 0.1 - 0.3]).collect();
    let rows = Rows { target: x.iter().map(|r| r[0].sin()).collect(), x, classes: Vec::new() };
    (q, path, rows)
}

#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn tflite_int8_sine_model_is_bit_exact_on_every_board() {
    let dir = tempfile::tempdir().unwrap();
    let (q, path, rows) = sine_model(dir.path());
    for board in BOARDS {
        // The 16×16 layer takes the wide layout.
        bit_exact(&q, &path, &rows, board, true);
    }
}

/// The flash (code and constants) the `tiny` firmware of the sine model may take on the M4F.
const TINY_FLASH: u64 = 8 * 1024;
/// The RAM (static, and the stack measured on the device) it may take.
const TINY_RAM: u64 = 1024;

/// Flash and RAM (static + measured stack) of a comparison, against the `tiny` targets;
/// `Err` names the figure over its target.
fn within_tiny_targets(c: &Comparison) -> Result<(u64, u64), String> {
    let sizes = c.sizes.ok_or("compare read no sizes from the ELF")?;
    let ram = sizes.ram + u64::from(c.stack_high_water);
    if sizes.flash > TINY_FLASH {
        return Err(format!("flash {} B > {TINY_FLASH} B", sizes.flash));
    }
    if c.stack_high_water == 0 || ram > TINY_RAM {
        return Err(format!("RAM {} B static + {} B stack > {TINY_RAM} B", sizes.ram, c.stack_high_water));
    }
    Ok((sizes.flash, ram))
}

/// The inference-only `tiny` firmware (`small` profile) of TFLite's sine model on the
/// Cortex-M4F: every row bit for bit as on the host, in at most 8 KiB of flash and 1 KiB of
/// RAM (static and the painted stack's high-water mark, which the device reports); the
/// bench request and frames longer than the model's messages get error replies; the
/// default int8 firmware of the same model exceeds both, so the check can fail.
#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn tiny_sine_firmware_is_bit_exact_in_8_kb_flash_and_1_kb_ram() {
    let dir = tempfile::tempdir().unwrap();
    let (q, path, rows) = sine_model(dir.path());
    let b = find("mps2-an386").unwrap();
    let run = |features: &[&str]| {
        let elf = build_firmware_profile(b, &path, true, features, "small").expect("the firmware builds");
        let c = compare(b, &elf, &q, &rows).expect("the device answers");
        println!("sine, small, features {features:?}:\n{}", c.table());
        assert_eq!((c.rows, c.refused, c.exit_status), (rows.len(), 0, 0));
        assert_eq!(c.bit_exact_rows, c.rows, "every output code bit-exact");
        assert!(c.ok);
        (elf, c)
    };
    let (elf, tiny) = run(&["tiny"]);
    let (flash, ram) = within_tiny_targets(&tiny).unwrap_or_else(|e| panic!("tiny firmware: {e}"));
    println!("tiny: {flash} B flash, {ram} B RAM");

    // What it leaves out is refused with a typed error, and it keeps serving.
    let mut dev = Device::start(b, &elf).unwrap();
    let mut expect_error = |request: &Request, code: ErrorCode| {
        dev.send(request).unwrap();
        match parse::<Response>(&dev.receive().unwrap()).unwrap() {
            Response::Error { code: c, .. } => assert_eq!(c, code),
            other => panic!("expected {code:?}, got {other:?}"),
        }
    };
    expect_error(&Request::Bench { seq: 1, reps: 1 }, ErrorCode::UnknownKind);
    // A frame longer than the model's own messages (20 inputs where the model takes 1).
    let long = Request::Infer { seq: 2, model_id: q.id(), inputs: &[0; 80] };
    expect_error(&long, ErrorCode::Oversized);
    assert_eq!(dev.info().unwrap()[..3], [q.id(), 1, 1]);
    assert_eq!(dev.exit(0).unwrap(), 0);

    let (_, full) = run(&[]);
    assert!(within_tiny_targets(&full).is_err(), "the serving firmware with the log is over the targets");
}

/// The `tiny` firmware on the other emulated boards (Cortex-M7, M33, M3 and the soft-float
/// M0): every row of the sine model bit for bit as on the host, and what it takes in flash
/// and RAM (the 8 KiB / 1 KiB targets are the M4F's; printed here, not asserted).
#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn tiny_sine_firmware_is_bit_exact_on_every_emulated_board() {
    let dir = tempfile::tempdir().unwrap();
    let (q, path, rows) = sine_model(dir.path());
    for name in ["mps2-an500", "mps2-an505", "lm3s6965evb", "microbit"] {
        let b = find(name).unwrap();
        let elf = build_firmware_profile(b, &path, true, &["tiny"], "small").expect("the firmware builds");
        let c = compare(b, &elf, &q, &rows).expect("the device answers");
        let sizes = c.sizes.expect("sizes from the ELF");
        println!(
            "{name}: tiny, small: {} B flash, {} B static RAM, {} B stack",
            sizes.flash, sizes.ram, c.stack_high_water
        );
        assert_eq!((c.rows, c.refused, c.exit_status), (rows.len(), 0, 0), "{name}");
        assert_eq!(c.bit_exact_rows, c.rows, "{name}: every output code bit-exact");
        assert!(c.stack_high_water > 0, "{name}: the stack is measured");
    }
}

/// An int8 model that keeps its scaler in `f32` (wine's raw features span 0.1 to 1,680, so
/// a folded scaler would quantise them with one scale): the device standardises each row
/// with the host's subtraction and division, then runs the int8 layers — bit-exact on the
/// FPU board and on the soft-float micro:bit.
#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn an_int8_model_with_a_float_scaler_is_bit_exact() {
    use tinymlp_host::quantize::{ScalerMode, quantize_with};
    let (train, test) = dataset("wine", "class");
    let layers =
        [Dense { units: 16, activation: Relu }, Dense { units: 3, activation: tinymlp::Activation::Softmax }];
    let net = net_model(&train, &layers, 1, 20);
    let (q, placed) = quantize_with(&net, &train.x, ScalerMode::Auto).expect("the model quantises");
    assert_eq!(placed, ScalerMode::Float, "raw wine features keep the scaler in f32");
    assert!(q.scaler().is_some());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wine-int8.json");
    std::fs::write(&path, q.to_json(None)).unwrap();
    for board in ["mps2-an386", "microbit"] {
        // 13 inputs and 3 outputs: no layer takes the wide layout.
        bit_exact(&q, &path, &test, board, false);
    }
}

// The wide layout's arithmetic, which the DSP kernel's assembly follows step for step.
#[allow(dead_code)]
#[path = "../../firmware/src/wide_q8.rs"]
mod wide_q8;

/// A xorshift generator for the host checks below.
fn xorshift(seed: u32) -> impl FnMut() -> u32 {
    let mut s = seed;
    move || {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        s
    }
}

/// The wide layout (`firmware/src/wide_q8.rs`) on the host, against the core's int8 dense
/// layer: on 20,000 random layers (shapes around the groups of four, extreme codes and
/// offsets, biases of every size, shifts from −31 to 1, narrower clamps) `pack` takes exactly
/// the layers whose every output has a shift of −2 or below and a rounding term within
/// ±2^30, and `eval` then gives the core's codes.
#[test]
fn the_wide_layout_gives_the_core_codes() {
    use tinymlp::quant::{DenseQ8Params, Portable, Requant, dense_q8};
    let mut next = xorshift(0x2545_f491);
    let (mut packed, mut refused) = (0, 0);
    for _ in 0..20_000 {
        let n = [4, 8, 12, 16, 28, 64, 6, 2][(next() % 8) as usize];
        let outs = [4, 8, 16, 12, 5, 1][(next() % 6) as usize];
        let extreme = next().is_multiple_of(4);
        let mut code = || {
            let r = next();
            if extreme && r.is_multiple_of(2) {
                if r.is_multiple_of(4) { 127 } else { -128 }
            } else {
                (r >> 8) as i8
            }
        };
        let w: Vec<i8> = (0..n * outs).map(|_| code().max(-127)).collect();
        let x: Vec<i8> = (0..n).map(|_| code()).collect();
        let bias: Vec<i32> = (0..outs).map(|_| (next() as i32) >> (next() % 32)).collect();
        let low_shifts = next().is_multiple_of(4);
        let requant: Vec<Requant> = (0..outs)
            .map(|_| {
                let shift = if low_shifts { (next() % 33) as i32 - 31 } else { -2 - (next() % 20) as i32 };
                Requant { multiplier: (next() >> 1) as i32 | (1 << 30), shift }
            })
            .collect();
        let zero = (next() % 256) as i32 - 128;
        let min = if next().is_multiple_of(3) { zero } else { -128 };
        let max = if next().is_multiple_of(3) { (min + (next() % 128) as i32).min(127) } else { 127 };
        let input_offset = [128, -127, (next() % 256) as i32 - 127][(next() % 3) as usize];
        let p = DenseQ8Params { input_offset, output_offset: zero, min, max };
        let mut reference = vec![0i8; outs];
        dense_q8::<Portable>(&w, &bias, &requant, &p, &x, &mut reference);
        // Independently of `check`: k = −1 − shift ≥ 1 and 2^(k − 1) + z·2^k in [−2^30, 2^30).
        let takes = n % 4 == 0
            && outs % 4 == 0
            && requant.iter().all(|r| {
                let k = -1 - r.shift;
                k >= 1 && {
                    let term = (1i64 << (k - 1)) + ((zero as i64) << k);
                    (-(1i64 << 30)..(1i64 << 30)).contains(&term)
                }
            });
        let mut stream = vec![0u32; wide_q8::words(n, outs)];
        let took = wide_q8::pack(&w, &bias, &requant, &p, n, 256, &mut stream);
        assert_eq!(took, takes, "n {n}, outs {outs}, {requant:?}, zero {zero}");
        if took {
            packed += 1;
            let mut wide = vec![0i8; outs];
            wide_q8::eval(&stream, &p, &x, &mut wide);
            assert_eq!(wide, reference, "n {n}, outs {outs}, {p:?}, {requant:?}, bias {bias:?}");
        } else {
            refused += 1;
        }
    }
    assert!(packed > 2_000 && refused > 2_000, "{packed} packed, {refused} refused");
}

/// The wide layout's requantisation on its own, against `Requant::apply` plus the zero point:
/// every shift it takes (−31 to −2), every output zero point, accumulators at and around
/// each rounding tie (multipliers of 2^30 give exact halves) and at the ends of `i32`.
#[test]
fn the_wide_requantisation_is_the_core_one_at_every_tie() {
    use tinymlp::quant::{DenseQ8Params, Portable, Requant, dense_q8};
    let mut next = xorshift(0x9e37_79b9);
    let x = [0i8; 4];
    let w = [0i8; 16];
    let mut cases = 0u32;
    for k in 1..=30 {
        for zero in -128..=127 {
            let p = DenseQ8Params { input_offset: 0, output_offset: zero, min: -128, max: 127 };
            let requant: Vec<Requant> = (0..4)
                .map(|j| Requant {
                    multiplier: if j < 2 { 1 << 30 } else { (next() >> 1) as i32 | (1 << 30) },
                    shift: -1 - k,
                })
                .collect();
            let mut stream = vec![0u32; wide_q8::words(4, 4)];
            for round in 0..8 {
                let target = (next() % 300) as i64 - 150 - zero as i64;
                let tie = (target << (k + 2)) + (1 << (k + 1));
                let bias: Vec<i32> = (0..4)
                    .map(|j| match (round, j) {
                        (0, 0) => i32::MIN,
                        (0, 1) => i32::MAX,
                        (_, 0 | 1) => {
                            (tie + (next() % 3) as i64 - 1).clamp(i32::MIN as i64, i32::MAX as i64) as i32
                        }
                        _ => {
                            let m = requant[j].multiplier as i128;
                            let acc = ((target as i128) << (32 + k)) / m + (next() % 5) as i128 - 2;
                            acc.clamp(i32::MIN as i128, i32::MAX as i128) as i32
                        }
                    })
                    .collect();
                if !wide_q8::pack(&w, &bias, &requant, &p, 4, 256, &mut stream) {
                    // Only a rounding term beyond ±2^30 is refused.
                    assert!(k >= 24, "k {k}, zero {zero}");
                    break;
                }
                let (mut wide, mut reference) = ([0i8; 4], [0i8; 4]);
                wide_q8::eval(&stream, &p, &x, &mut wide);
                dense_q8::<Portable>(&w, &bias, &requant, &p, &x, &mut reference);
                assert_eq!(wide, reference, "k {k}, zero {zero}, bias {bias:?}, {requant:?}");
                cases += 4;
            }
        }
    }
    assert!(cases > 150_000, "{cases} cases");
}
