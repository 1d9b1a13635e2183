//! A training step that makes its own row's loss explode is taken back whole on the device,
//! exactly where the core's guard takes it back on the host: the device refuses that step
//! with `LossExploded` and keeps its model bit for bit, and the next, stable step is the
//! host's again.

use tinymlp::layers::Mode;
use tinymlp::{Activation, Loss, LossGuard, Sgd, StepError, Trainer, Xoshiro128PlusPlus};
use tinymlp_host::board::find;
use tinymlp_host::device::{Device, build_firmware_with};
use tinymlp_net::LayerSpec::Dense;
use tinymlp_net::{Net, Row};
use tinymlp_protocol::{ErrorCode, Response};
use tinymlp_tests::{dataset, net_model, save_net};

/// One step of the firmware's tuner on `net` (statistics frozen, dropout from seed 0,
/// plain SGD), guarded as on the device.
fn guarded_step(net: &mut Net, lr: f32, x: &[f32], t: f32) -> Result<f32, StepError> {
    let mut trainer = Trainer::<Net, 1>::new(Loss::MeanSquaredError).with_mode(Mode::FrozenStatistics);
    let (xr, tr) = ([Row::from_slice(x)], [Row::from_slice(&[t])]);
    trainer.step_guarded(
        net,
        &mut Sgd::new(lr),
        &xr,
        &tr,
        &mut Xoshiro128PlusPlus::new(0),
        LossGuard::DEFAULT,
    )
}

fn id(net: &Net) -> u32 {
    tinymlp::io::model_id(net).unwrap()
}

#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn an_exploding_step_is_taken_back_on_the_device() {
    // TensorFlow Lite Micro's hello world: a 1-16-16-1 ReLU regression of sin x.
    let (train, test) = dataset("sine", "y");
    let layers = [
        Dense { units: 16, activation: Activation::Relu },
        Dense { units: 16, activation: Activation::Relu },
        Dense { units: 1, activation: Activation::Linear },
    ];
    let net = net_model(&train, &layers, 4, 3);
    let dir = tempfile::tempdir().unwrap();
    let path = save_net(&net, dir.path(), "sine");
    let good = id(&net);

    // The host finds the first test row whose step at the highest rate a request may carry
    // explodes; a stable rate on the same row does not.
    let lr = tinymlp_protocol::MAX_LEARNING_RATE;
    let (x, t) = test
        .x
        .iter()
        .zip(&test.target)
        .find(|(x, t)| {
            matches!(guarded_step(&mut net.clone(), lr, x, **t), Err(StepError::LossExploded { .. }))
        })
        .expect("a step at the highest rate explodes on some row");
    let mut mirror = net.clone();
    assert!(guarded_step(&mut mirror, 0.001, x, *t).is_ok());

    let board = find("mps2-an386").unwrap();
    let elf = build_firmware_with(board, &path, true, &["finetune"]).unwrap();
    let mut dev = Device::start(board, &elf).unwrap();
    let r = dev.train(good, lr, x, &[*t]).unwrap();
    let Err(Response::Error { code: ErrorCode::LossExploded, detail, .. }) = r else {
        panic!("the exploding step was not refused: {r:?}")
    };
    let after = f32::from_bits(detail);
    assert!(after.is_nan() || after > 1.0, "the reported loss after the step: {after}");
    let kept = Net::read(&dev.fetch_model().unwrap()).unwrap();
    assert_eq!(id(&kept), good, "the device keeps its model bit for bit");

    // The device's generator and model are as before: the stable step is the host's.
    dev.train(good, 0.001, x, &[*t]).unwrap().expect("a stable step is taken");
    let tuned = Net::read(&dev.fetch_model().unwrap()).unwrap();
    assert_eq!(id(&tuned), id(&mirror), "the stable step after it is bit-exact with the host's");
    assert_ne!(id(&tuned), good);
    assert_eq!(dev.exit(0).unwrap(), 0);
}
