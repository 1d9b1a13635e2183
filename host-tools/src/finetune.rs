//! `tinymlp finetune`: the device fine-tunes the model on labelled samples streamed over the
//! serial port while the host runs the same steps; the device's weights are fetched and
//! compared with the host's, bit for bit.

use crate::board::Board;
use crate::compare::ulp_distance;
use crate::data::Labelled;
use crate::device::{Device, DeviceError};
use tinymlp::Train;
use tinymlp::layers::Mode;
use tinymlp::zoo::SeedMlp;
use tinymlp::{Layer, Loss, Sgd, Trainer, Xoshiro128PlusPlus};

/// Moons rotated by `degrees` about the centre of the two moons (0.5, 0.25): the drifted
/// distribution of the fine-tuning scenario. Raw coordinates (the model scales them).
pub fn rotate(data: &Labelled<2>, degrees: f32) -> Labelled<2> {
    let (s, c) = degrees.to_radians().sin_cos();
    let (cx, cy) = (0.5f32, 0.25f32);
    let x = data
        .x
        .iter()
        .map(|p| {
            let (dx, dy) = (p[0] - cx, p[1] - cy);
            [cx + c * dx - s * dy, cy + s * dx + c * dy]
        })
        .collect();
    Labelled { x, label: data.label.clone() }
}

/// What fine-tuning did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Finetune {
    /// The board.
    pub board: &'static str,
    /// Training steps (one sample each).
    pub steps: usize,
    /// Learning rate.
    pub lr: f32,
    /// Mean loss of the steps, on the device.
    pub mean_loss: f32,
    /// Accuracy on the test rows before fine-tuning (host computation of the same model).
    pub accuracy_before: f32,
    /// Accuracy on the test rows after fine-tuning.
    pub accuracy_after: f32,
    /// The model id of the device's weights after fine-tuning.
    pub device_model: String,
    /// The model id of the host's weights after the same steps.
    pub host_model: String,
    /// Weights that differ between device and host.
    pub differing_values: usize,
    /// Largest distance between device and host weights, in units in the last place.
    pub max_ulp: u32,
    /// `true` when every weight is bit-identical.
    pub bit_exact: bool,
    /// Instructions per training step on the device (QEMU `-icount`, mean over the steps).
    pub instructions_per_step: f64,
    /// Instructions per forward pass of the same model (inference, for comparison).
    pub instructions_per_forward: f64,
    /// Deepest stack use on the device after the steps, bytes (the model and the training
    /// memory live on the stack).
    pub stack_high_water: u32,
    /// Static RAM of the firmware, from the ELF, bytes.
    pub static_ram: u64,
    /// The training memory as compile-time constants: model, gradients, caches for one
    /// sample (bytes).
    pub training_ram_constants: (usize, usize, usize),
    /// Adam's state (its two moments and settings), a compile-time constant; 0 with SGD.
    pub optimizer_ram: usize,
    /// What happened to the flash store: `None` when saving was not asked; otherwise
    /// whether the fine-tuned model was kept (it must not score worse on the held-out rows
    /// than the model it replaces) and the store's newest sequence number after.
    pub saved: Option<(bool, u32)>,
}

fn accuracy(m: &SeedMlp, d: &Labelled<2>) -> f32 {
    let correct =
        d.x.iter()
            .zip(&d.label)
            .filter(|(x, l)| {
                let mut y = [0.0];
                m.forward(x, &mut y);
                usize::from(y[0] > 0.5) == **l
            })
            .count();
    correct as f32 / d.len().max(1) as f32
}

/// How to fine-tune: the steps, what they train, and what to do with the result.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plan {
    /// Learning rate of every step.
    pub lr: f32,
    /// Passes over the training rows, in order, one step per row.
    pub epochs: usize,
    /// Keep the fine-tuned model in the device's flash store, unless it scores worse on the
    /// test rows than before.
    pub save: bool,
    /// Train only the last layer, the others fixed (the firmware built with
    /// `finetune-last`).
    pub last_layer: bool,
    /// Adam (Keras' defaults, the plan's learning rate) instead of plain SGD (the firmware
    /// built with `finetune-adam`).
    pub adam: bool,
}

/// Fine-tunes `model` on the device running `elf` with one step per row of `train` as
/// `plan` says, mirrors every step on the host with the same code, then fetches the device's
/// weights and compares them with the host's; with `plan.save`, keeps the fine-tuned model in
/// the device's store unless it scores worse on `test` than before.
pub fn finetune(
    board: Board,
    elf: &std::path::Path,
    model: &SeedMlp,
    train: &Labelled<2>,
    test: &Labelled<2>,
    plan: &Plan,
) -> Result<Finetune, DeviceError> {
    let &Plan { lr, save, last_layer, adam, .. } = plan;
    let id = tinymlp::io::model_id(model).map_err(|e| DeviceError::Protocol(e.to_string()))?;
    let icount = format!("shift={},align=off,sleep=off", crate::bench::ICOUNT_SHIFT);
    let mut dev = Device::start_with(board, elf, &["-icount", &icount])?;
    let ticks_per_instruction = board.clock_hz as f64 * (1u64 << crate::bench::ICOUNT_SHIFT) as f64 * 1e-9;
    let ([reps, passes, empty, _], _) = dev.bench(10)?;
    let per_forward = (passes as f64 - empty as f64) / reps.max(1) as f64 / ticks_per_instruction;
    let before = accuracy(model, test);
    // The host's mirror of the firmware's tuner: one-sample steps, BatchNorm statistics
    // frozen, dropout from seed 0, plain SGD — on the whole network, or on the last layer
    // with the others fixed (as the firmware built with `finetune-last` does).
    let (mut host_values, host_id, total, step_ticks, steps) = if last_layer {
        let body: &'static SeedMlp = Box::leak(Box::new(model.clone()));
        let mut mirror = Box::new(tinymlp::zoo::seed_mlp_last_layer(body));
        mirror_steps(&mut dev, id, &mut *mirror, train, plan)?
    } else {
        let mut mirror = Box::new(model.clone());
        mirror_steps(&mut dev, id, &mut *mirror, train, plan)?
    };
    let stack = dev.info()?[5];
    let file = dev.fetch_model()?;
    let mut device = Box::new(tinymlp::zoo::seed_mlp());
    tinymlp::io::read_bin(&file, &mut *device)
        .map_err(|e| DeviceError::Protocol(format!("the device's model file: {e}")))?;
    let (mut differing, mut max_ulp) = (0usize, 0u32);
    host_values.push(f32::NAN); // a sentinel: a longer device model differs
    let mut k = 0;
    device.tensors(&mut |_, v| {
        for &d in v {
            let h = host_values.get(k).copied().unwrap_or(f32::NAN);
            if d.to_bits() != h.to_bits() {
                differing += 1;
                max_ulp = max_ulp.max(ulp_distance(d, h));
            }
            k += 1;
        }
    });
    let device_id = tinymlp::io::model_id(&*device).unwrap_or(0);
    let after = accuracy(&device, test);
    // The guard: keep the fine-tuned model only if it does not score worse on the held-out
    // rows; otherwise the store keeps the old one (and the device boots it again).
    let saved = if save {
        if after >= before {
            let s = dev.save()?;
            Some((true, s[1]))
        } else {
            let s = dev.status()?;
            Some((false, s[1]))
        }
    } else {
        None
    };
    let _ = dev.exit(0)?;
    Ok(Finetune {
        board: board.name,
        steps,
        lr,
        mean_loss: (total / steps.max(1) as f64) as f32,
        accuracy_before: before,
        accuracy_after: after,
        device_model: format!("{device_id:#010x}"),
        host_model: format!("{host_id:#010x}"),
        differing_values: differing,
        max_ulp,
        bit_exact: differing == 0 && host_id == device_id,
        instructions_per_step: step_ticks as f64 / steps.max(1) as f64 / ticks_per_instruction,
        instructions_per_forward: per_forward,
        stack_high_water: stack,
        static_ram: crate::device::elf_sizes(elf)?.ram,
        training_ram_constants: {
            use tinymlp::Footprint;
            use tinymlp::zoo::SeedMlpLastLayer as Last;
            if last_layer {
                (
                    <Last as Footprint>::MODEL_BYTES,
                    <Last as Footprint>::GRADS_BYTES,
                    <Last as Footprint>::cache_bytes::<1>(),
                )
            } else {
                (
                    <SeedMlp as Footprint>::MODEL_BYTES,
                    <SeedMlp as Footprint>::GRADS_BYTES,
                    <SeedMlp as Footprint>::cache_bytes::<1>(),
                )
            }
        },
        saved,
        optimizer_ram: {
            use tinymlp::Footprint;
            match (adam, last_layer) {
                (false, _) => 0,
                (true, true) => <tinymlp::zoo::SeedMlpLastLayer as Footprint>::ADAM_BYTES,
                (true, false) => <SeedMlp as Footprint>::ADAM_BYTES,
            }
        },
    })
}

/// Values, model id, summed loss, summed ticks and count of the steps taken on the device
/// and mirrored on `mirror`.
type Mirrored = (Vec<f32>, u32, f64, u64, usize);

/// Streams every row of `train` (`plan.epochs` times) to the device as a training step and
/// takes the same step on the host's `mirror` (with Adam when the firmware was built with it).
fn mirror_steps<T: Train<Input = [f32; 2], Output = [f32; 1]>>(
    dev: &mut Device,
    id: u32,
    mirror: &mut T,
    train: &Labelled<2>,
    plan: &Plan,
) -> Result<Mirrored, DeviceError> {
    let &Plan { lr, epochs, adam, .. } = plan;
    let mut trainer =
        Box::new(Trainer::<T, 1>::new(Loss::BinaryCrossEntropy).with_mode(Mode::FrozenStatistics));
    // The firmware's Adam starts at Keras' defaults and takes the learning rate of each
    // request; its SGD is stateless.
    let mut adam_state = Box::new(tinymlp::Adam::<T>::new(lr));
    let mut rng = Xoshiro128PlusPlus::new(0);
    let (mut total, mut ticks_sum, mut steps) = (0.0f64, 0u64, 0usize);
    for _ in 0..epochs {
        for (x, &l) in train.x.iter().zip(&train.label) {
            let t = [l as f32];
            match dev.train(id, lr, x, &t)? {
                Ok((loss, _, ticks)) => {
                    total += loss as f64;
                    ticks_sum += ticks as u64;
                }
                Err(e) => {
                    return Err(DeviceError::Protocol(format!("the device refused a training step: {e:?}")));
                }
            }
            let step = if adam {
                tinymlp::Optimizer::<T>::set_learning_rate(&mut *adam_state, lr);
                trainer.step(mirror, &mut *adam_state, &[*x], &[t], &mut rng)
            } else {
                trainer.step(mirror, &mut Sgd::new(lr), &[*x], &[t], &mut rng)
            };
            step.map_err(|e| DeviceError::Protocol(format!("the host's step failed: {e}")))?;
            steps += 1;
        }
    }
    let mut values = Vec::new();
    mirror.tensors(&mut |_, v| values.extend_from_slice(v));
    let host_id = tinymlp::io::model_id(mirror).unwrap_or(0);
    Ok((values, host_id, total, ticks_sum, steps))
}
