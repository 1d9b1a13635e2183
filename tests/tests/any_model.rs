//! Models of any architecture, read from their files by the firmware's build: wine (13
//! features, 3 classes, softmax), digits (64 features, 10 classes) and TensorFlow Lite
//! Micro's hello world (1-16-16-1 ReLU regression of sin x) and a network with a residual
//! block, each bit-exact on the emulated boards; and a model too big for a board, refused
//! at build time.

use tinymlp::Activation::{Linear, Relu, Softmax, Tanh};
use tinymlp_host::board::find;
use tinymlp_host::compare::{Task, compare};
use tinymlp_host::device::{DeviceError, build_firmware, build_firmware_with, elf_sizes};
use tinymlp_net::LayerSpec::{self, Dense};
use tinymlp_tests::{dataset, net_model, save_net};

/// Builds the firmware with `layers` trained on the data set for each board, and compares
/// every test row with the host, bit for bit.
fn bit_exact(name: &str, label: &str, layers: &[LayerSpec], boards: &[&str], task: Task) {
    let (train, test) = dataset(name, label);
    let net = net_model(&train, layers, 1, 20);
    let dir = tempfile::tempdir().unwrap();
    let path = save_net(&net, dir.path(), name);
    for board in boards {
        let b = find(board).unwrap();
        let elf = build_firmware(b, &path, true).expect("the firmware builds with the model");
        let c = compare(b, &elf, &net, &test).expect("the device answers");
        println!("{name} on {board}:\n{}", c.table());
        assert_eq!(c.task, task);
        assert_eq!((c.inputs, c.outputs), (net.inputs(), net.outputs()));
        assert_eq!(c.rows, test.len());
        assert_eq!(c.bit_exact_rows, c.rows, "{name} on {board}: every output bit-exact");
        assert_eq!((c.max_ulp, c.refused, c.exit_status), (0, 0, 0));
        assert!(c.ok);
    }
}

const BOARDS: [&str; 3] = ["mps2-an386", "lm3s6965evb", "microbit"];

#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn wine_13_features_3_classes_softmax_is_bit_exact_on_three_boards() {
    let layers = [Dense { units: 16, activation: Relu }, Dense { units: 3, activation: Softmax }];
    bit_exact("wine", "class", &layers, &BOARDS, Task::Classes);
}

#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn digits_64_features_10_classes_is_bit_exact_on_three_boards() {
    let layers = [Dense { units: 32, activation: Relu }, Dense { units: 10, activation: Softmax }];
    bit_exact("digits", "digit", &layers, &BOARDS, Task::Classes);
}

/// Skip connections: a residual block of two tanh layers (nested in the model file as a
/// marker and its layers, generated as `Residual<Sequential![…]>`), on the FPU core and on
/// the soft-float M0.
#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn a_residual_block_is_bit_exact_on_the_cortex_m4f_and_the_micro_bit() {
    let layers = [
        Dense { units: 16, activation: Relu },
        LayerSpec::Residual { layers: 2 },
        Dense { units: 16, activation: Tanh },
        Dense { units: 16, activation: Linear },
        Dense { units: 3, activation: Softmax },
    ];
    bit_exact("wine", "class", &layers, &["mps2-an386", "microbit"], Task::Classes);
}

/// TensorFlow Lite Micro's hello world: 1-16-16-1 ReLU, linear output, sin x. Prints the
/// firmware's flash and RAM (the linker's sizes) for the documentation.
#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn tflm_hello_world_sine_regression_is_bit_exact_on_the_cortex_m4f() {
    let layers = [
        Dense { units: 16, activation: Relu },
        Dense { units: 16, activation: Relu },
        Dense { units: 1, activation: Linear },
    ];
    bit_exact("sine", "y", &layers, &["mps2-an386"], Task::Regression);
    let (train, _) = dataset("sine", "y");
    let net = net_model(&train, &layers, 1, 20);
    let dir = tempfile::tempdir().unwrap();
    let path = save_net(&net, dir.path(), "sine");
    let b = find("mps2-an386").unwrap();
    let shapes = tinymlp_host::bench::dense_shapes(&net);
    for profile in ["release", "small"] {
        let elf = tinymlp_host::device::build_firmware_profile(b, &path, true, &[], profile).unwrap();
        let s = elf_sizes(&elf).unwrap();
        let r = tinymlp_host::bench::bench_board(b, &elf, &shapes, 20).expect("the device times its passes");
        println!(
            "hello world (1-16-16-1) on mps2-an386, profile {profile}: {s:?}, stack {} B, {:.0} instructions per forward pass ({} MACs)",
            r.stack_high_water, r.instructions_per_forward, r.macs
        );
        assert_eq!(s.model, s.model_compile_time);
        assert!(s.ram < 1024, "{s:?}");
    }
}

/// The build's message when a model does not fit: the bytes needed and available.
fn refused(board: &str, layers: &[LayerSpec], inputs: usize, features: &[&str]) -> String {
    let net = tinymlp_net::Net::new(inputs, layers).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = save_net(&net, dir.path(), "big");
    match build_firmware_with(find(board).unwrap(), &path, true, features) {
        Err(DeviceError::Build { message, .. }) => message,
        other => panic!("the build should refuse the model: {other:?}"),
    }
}

#[test]
fn a_model_too_big_for_the_board_fails_at_build_time_with_the_bytes() {
    // 202,205 parameters (the scaler's 4 included): 808,820 bytes, more than the micro:bit's 256 KiB of flash.
    let big = [
        Dense { units: 400, activation: Relu },
        Dense { units: 500, activation: Relu },
        Dense { units: 1, activation: Linear },
    ];
    let m = refused("microbit", &big, 2, &[]);
    println!("{m}");
    assert!(m.contains("does not fit the board microbit"), "{m}");
    assert!(m.contains("flash: needs at least 821108 B (808820 B of parameters"), "{m}");
    assert!(m.contains("microbit has 262144 B"), "{m}");
    assert!(!m.contains("panicked"), "{m}");
    // 16,641 parameters fit the lm3s6965's flash, but not whole-network fine-tuning in its
    // 64 KiB of RAM (the model and its gradients).
    let wide = [Dense { units: 128, activation: Relu }, Dense { units: 128, activation: Linear }];
    let m = refused("lm3s6965evb", &wide, 2, &["finetune"]);
    println!("{m}");
    assert!(m.contains("RAM: needs at least"), "{m}");
    assert!(m.contains("lm3s6965evb has 65536 B"), "{m}");
    assert!(!m.contains("flash:"), "{m}");
}

/// Fine-tuning on the device, mirrored on the host: the device's weights after the steps
/// are the host's, bit for bit — for a softmax classifier (categorical cross-entropy), a
/// regression (mean squared error), and the last layer alone of a 64-input model on the
/// micro:bit (its Train requests are longer than the protocol's default frame).
#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn fine_tuning_any_model_is_bit_exact() {
    use tinymlp_host::finetune::{Plan, finetune};
    let cases: [(&str, &str, &[LayerSpec], &str, bool); 3] = [
        (
            "wine",
            "class",
            &[Dense { units: 16, activation: Relu }, Dense { units: 3, activation: Softmax }],
            "mps2-an386",
            false,
        ),
        (
            "sine",
            "y",
            &[
                Dense { units: 16, activation: Relu },
                Dense { units: 16, activation: Relu },
                Dense { units: 1, activation: Linear },
            ],
            "lm3s6965evb",
            false,
        ),
        (
            "digits",
            "digit",
            &[Dense { units: 32, activation: Relu }, Dense { units: 10, activation: Softmax }],
            "microbit",
            true,
        ),
    ];
    for (name, label, layers, board, last) in cases {
        let (train, mut test) = dataset(name, label);
        test.x.truncate(60);
        test.target.truncate(60);
        let net = net_model(&train, layers, 2, 3);
        let dir = tempfile::tempdir().unwrap();
        let path = save_net(&net, dir.path(), name);
        let b = find(board).unwrap();
        let features: &[&str] = if last { &["finetune", "finetune-last"] } else { &["finetune"] };
        let elf = build_firmware_with(b, &path, true, features).expect("the fine-tuning firmware builds");
        let plan = Plan { lr: 0.01, epochs: 1, save: false, last_layer: last, adam: false };
        let f = finetune(b, &elf, &net, &test, &test, &plan).expect("the device trains");
        println!("{name} on {board}: {f:?}");
        assert_eq!(f.steps, test.len());
        assert_eq!(f.differing_values, 0, "{name} on {board}: max {} ULP", f.max_ulp);
        assert_eq!(f.device_model, f.host_model);
        assert!(f.bit_exact);
    }
}

/// 120 softmax outputs: the replies are longer than the protocol's default frame, and every
/// output is compared.
#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn a_model_with_120_outputs_is_bit_exact_on_the_cortex_m3() {
    use tinymlp::{Init, Train, Xoshiro128PlusPlus};
    use tinymlp_host::compare::Rows;
    let layers = [
        Dense { units: 32, activation: tinymlp::Activation::Tanh },
        Dense { units: 120, activation: Softmax },
    ];
    let mut net = tinymlp_net::Net::new(2, &layers).unwrap();
    net.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(5));
    let x: Vec<Vec<f32>> =
        (0..40).map(|i| vec![(i as f32 * 0.37).sin() * 2.0, (i as f32 * 0.11).cos()]).collect();
    let rows = Rows { target: (0..40).map(|i| (i % 120) as f32).collect(), x, classes: Vec::new() };
    let dir = tempfile::tempdir().unwrap();
    let path = save_net(&net, dir.path(), "k120");
    let b = find("lm3s6965evb").unwrap();
    let elf = build_firmware(b, &path, true).expect("the firmware builds");
    let c = compare(b, &elf, &net, &rows).expect("the device answers");
    assert_eq!((c.outputs, c.bit_exact_rows, c.rows), (120, 40, 40), "{}", c.table());
    assert!(c.ok);
}
