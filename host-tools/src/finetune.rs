//! `tinymlp finetune`: the device fine-tunes the model on labelled samples streamed over the
//! serial port while the host runs the same steps; the device's weights are fetched and
//! compared with the host's, bit for bit.

use crate::board::Board;
use crate::compare::{HostModel, Rows, Task, ulp_distance};
use crate::data::Labelled;
use crate::device::{Device, DeviceError};
use tinymlp::layers::Mode;
use tinymlp::numeric::Zero;
use tinymlp::{Activation, Layer, LayerInfo, LayerKind, Loss, Sgd, Train, Trainer, Xoshiro128PlusPlus};
use tinymlp_net::{LayerSpec, Net, NetCache, Row};
use tinymlp_protocol::{ErrorCode, Response};

/// The loss fine-tuning minimises for a model whose output layer has `activation`, as the
/// firmware's build chooses it (`model::LOSS`): cross-entropy for a softmax or sigmoid
/// classifier, mean squared error otherwise.
pub fn loss_for(activation: Option<Activation>) -> Loss {
    match activation {
        Some(Activation::Softmax) => Loss::CategoricalCrossEntropy,
        Some(Activation::Sigmoid) => Loss::BinaryCrossEntropy,
        _ => Loss::MeanSquaredError,
    }
}

/// The targets of one row of a model with `k` outputs: the class as one output (binary),
/// one-hot (classes), or the value (regression).
fn targets(task: Task, k: usize, target: f32) -> Vec<f32> {
    match task {
        Task::Classes => (0..k).map(|i| f32::from(i as f32 == target)).collect(),
        Task::Binary | Task::Regression => vec![target],
    }
}

/// Rows of two features rotated as [`rotate`] does; an error for other rows.
pub fn rotate_rows(data: &Rows, degrees: f32) -> Result<Rows, String> {
    if let Some(r) = data.x.iter().find(|r| r.len() != 2) {
        return Err(format!("rotating needs rows of 2 features (the moons), not {}", r.len()));
    }
    let (s, c) = degrees.to_radians().sin_cos();
    let (cx, cy) = (0.5f32, 0.25f32);
    let x = data
        .x
        .iter()
        .map(|p| {
            let (dx, dy) = (p[0] - cx, p[1] - cy);
            vec![cx + c * dx - s * dy, cy + s * dx + c * dy]
        })
        .collect();
    Ok(Rows { x, target: data.target.clone(), classes: data.classes.clone() })
}

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
    /// What the two counts below count: `instructions` (QEMU's `-icount`), `cycles` (a real
    /// board on a serial port, its core clock) or `ticks` (QEMU on a pseudo-terminal): see
    /// [`crate::bench::unit()`].
    pub unit: &'static str,
    /// Instructions (or cycles, see `unit`) per training step on the device, mean over the
    /// steps.
    pub instructions_per_step: f64,
    /// Instructions (or cycles) per forward pass of the same model (inference, for
    /// comparison).
    pub instructions_per_forward: f64,
    /// Deepest stack use on the device after the steps, bytes (the model and the training
    /// memory live on the stack).
    pub stack_high_water: u32,
    /// Static RAM of the firmware, from the ELF, bytes (`None` on a serial port without an
    /// ELF).
    pub static_ram: Option<u64>,
    /// The training memory, from the model's layers as the core's compile-time constants
    /// count it (`Footprint`): model, gradients, caches for one sample (bytes).
    pub training_ram_constants: (usize, usize, usize),
    /// Adam's two moments (bytes); 0 with SGD.
    pub optimizer_ram: usize,
    /// What happened to the flash store: `None` when saving was not asked; otherwise
    /// whether the fine-tuned model was kept (it must not score worse on the held-out rows
    /// than the model it replaces) and the store's newest sequence number after.
    pub saved: Option<(bool, u32)>,
}

/// Accuracy of `m` on `d` (classification), or minus its root mean squared error
/// (regression), so that higher is better either way.
fn accuracy(m: &Net, d: &Rows) -> f32 {
    let task = Task::of(m);
    let (mut correct, mut squared) = (0usize, 0.0f64);
    for (x, &t) in d.x.iter().zip(&d.target) {
        let y = m.predict(x);
        if task == Task::Regression {
            squared += f64::from(y[0] - t).powi(2);
        } else if task.class(&y) as f32 == t {
            correct += 1;
        }
    }
    let n = d.len().max(1) as f64;
    if task == Task::Regression { -(squared / n).sqrt() as f32 } else { (correct as f64 / n) as f32 }
}

/// The held-out check of the model the device runs (`id`: the firmware's): its accuracy on `d` (minus its
/// root mean squared error for regression) from the device's own outputs; `None` when a row
/// is refused or an output is not finite.
fn held_out_on_device(dev: &mut Device, id: u32, task: Task, d: &Rows) -> Result<Option<f32>, DeviceError> {
    let (mut correct, mut squared) = (0usize, 0.0f64);
    for (x, &t) in d.x.iter().zip(&d.target) {
        let Ok((y, _)) = dev.infer(id, x)? else { return Ok(None) };
        if y.is_empty() || y.iter().any(|v| !v.is_finite()) {
            return Ok(None);
        }
        if task == Task::Regression {
            squared += f64::from(y[0] - t).powi(2);
        } else if task.class(&y) as f32 == t {
            correct += 1;
        }
    }
    let n = d.len().max(1) as f64;
    Ok(Some(if task == Task::Regression {
        -(squared / n).sqrt() as f32
    } else {
        (correct as f64 / n) as f32
    }))
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
    model: &Net,
    train: &Rows,
    test: &Rows,
    plan: &Plan,
) -> Result<Finetune, DeviceError> {
    let icount = format!("shift={},align=off,sleep=off", crate::bench::ICOUNT_SHIFT);
    let dev = Device::start_with(board, elf, &["-icount", &icount])?;
    let static_ram = crate::device::elf_sizes(elf)?.ram;
    finetune_on(dev, board, Some(static_ram), model, train, test, plan)
}

/// [`finetune`] with a device already running the fine-tuning firmware (for example a board
/// on a serial port, [`Device::open`]); `static_ram` is its firmware's when known.
pub fn finetune_on(
    mut dev: Device,
    board: Board,
    static_ram: Option<u64>,
    model: &Net,
    train: &Rows,
    test: &Rows,
    plan: &Plan,
) -> Result<Finetune, DeviceError> {
    let &Plan { lr, save, last_layer, adam, .. } = plan;
    let id = tinymlp::io::model_id(model).map_err(|e| DeviceError::Protocol(e.to_string()))?;
    let ([reps, passes, empty, hz], _) = dev.bench(10)?;
    let (ticks_per_instruction, unit) = crate::bench::unit(&dev, board, hz);
    let per_forward = (passes as f64 - empty as f64) / reps.max(1) as f64 / ticks_per_instruction;
    let before = accuracy(model, test);
    // The host's mirror of the firmware's tuner: one-sample steps, BatchNorm statistics
    // frozen, dropout from seed 0, plain SGD — on the whole network, or on the last layer
    // with the others fixed (as the firmware built with `finetune-last` does).
    let task = Task::of(model);
    let loss = loss_for(Layer::output_activation(model));
    let k = model.outputs();
    let (mut host_values, host_id, total, step_ticks, steps) = if last_layer {
        // The layers before the last one are fixed: their outputs are the last layer's
        // inputs, which then trains alone (behind an identity scaler, exact in f32).
        let (body, mut last) = split_last(model)?;
        let sent = Sent { rows: &train.x, task, k, body: Some(&body) };
        let (_, _, total, ticks, steps) = mirror_steps(&mut dev, id, &mut last, train, &sent, plan, loss)?;
        let tuned = join_last(model, &last);
        (tuned.values(), HostModel::id(&tuned), total, ticks, steps)
    } else {
        let mut mirror = model.clone();
        let sent = Sent { rows: &train.x, task, k, body: None };
        mirror_steps(&mut dev, id, &mut mirror, train, &sent, plan, loss)?
    };
    let stack = dev.info()?[5];
    let file = dev.fetch_model()?;
    let device =
        Net::read(&file).map_err(|e| DeviceError::Protocol(format!("the device's model file: {e}")))?;
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
    let device_id = tinymlp::io::model_id(&device).unwrap_or(0);
    let after = accuracy(&device, test);
    // The guard: keep the fine-tuned model only if it does not score worse on the held-out
    // rows; otherwise the store keeps the old one (and the device boots it again).
    let saved = if save {
        if after >= before {
            // Test, then confirm: the saved model boots on trial; it is kept only if the
            // device, running it, scores at least `before` on the held-out rows with every
            // output finite. Otherwise a reset drops it and the previous model boots.
            dev.save()?;
            let booted = dev.reset()?;
            let on_device = if booted[3] == device_id {
                // Requests name the firmware's built-in model id, whatever model runs.
                let firmware_id = dev.info()?[0];
                held_out_on_device(&mut dev, firmware_id, Task::of(&device), test)?
            } else {
                None
            };
            if on_device.is_some_and(|a| a >= before) {
                let s = dev
                    .confirm()?
                    .map_err(|e| DeviceError::Protocol(format!("the device refused to confirm: {e:?}")))?;
                Some((true, s[1]))
            } else {
                let s = dev.reset()?;
                Some((false, s[1]))
            }
        } else {
            let s = dev.status()?;
            Some((false, s[1]))
        }
    } else {
        None
    };
    let _ = dev.exit(0)?;
    let ram = training_ram(model, last_layer);
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
        unit,
        instructions_per_step: step_ticks as f64 / steps.max(1) as f64 / ticks_per_instruction,
        instructions_per_forward: per_forward,
        stack_high_water: stack,
        static_ram,
        training_ram_constants: ram.0,
        saved,
        optimizer_ram: if adam { ram.1 } else { 0 },
    })
}

/// Values, model id, summed loss, summed ticks and count of the steps taken on the device
/// and mirrored on `mirror`.
type Mirrored = (Vec<f32>, u32, f64, u64, usize);

/// What the device is sent (the rows as they are) and how to make the targets; `body`: the
/// fixed layers before the mirror, when only the last layer trains.
struct Sent<'a> {
    rows: &'a [Vec<f32>],
    task: Task,
    k: usize,
    body: Option<&'a Net>,
}

/// Streams every row of `sent` (`plan.epochs` times) to the device as a training step and
/// takes the same step on the host's `mirror` (with Adam when the firmware was built with
/// it). With a fixed `body`, the mirror's input is the body's training pass over the row,
/// as on the device: dropout active, drawing from the same generator, statistics frozen.
fn mirror_steps(
    dev: &mut Device,
    id: u32,
    mirror: &mut Net,
    train: &Rows,
    sent: &Sent<'_>,
    plan: &Plan,
    loss: Loss,
) -> Result<Mirrored, DeviceError> {
    let &Plan { lr, epochs, adam, .. } = plan;
    let mut trainer = Box::new(Trainer::<Net, 1>::new(loss).with_mode(Mode::FrozenStatistics));
    // The firmware's Adam starts at Keras' defaults and takes the learning rate of each
    // request; its SGD is stateless.
    let mut adam_state = Box::new(tinymlp::Adam::<Net>::new(lr));
    let mut rng = Xoshiro128PlusPlus::new(0);
    let (mut total, mut ticks_sum, mut steps) = (0.0f64, 0u64, 0usize);
    let mut body_cache: Option<Box<NetCache<1>>> = None;
    for _ in 0..epochs {
        for ((row, x), &l) in sent.rows.iter().zip(&train.x).zip(&train.target) {
            let t = targets(sent.task, sent.k, l);
            match dev.train(id, lr, row, &t)? {
                Ok((loss, _, ticks)) => {
                    total += loss as f64;
                    ticks_sum += ticks as u64;
                }
                Err(Response::Error { code: ErrorCode::LossExploded, detail, .. }) => {
                    return Err(DeviceError::Protocol(format!(
                        "the device took back training step {} (row {}): it raised the row's loss to {} \
                         (learning rate {lr} too high, or a wrong target); the model on the device is as \
                         before that step",
                        steps + 1,
                        steps % train.x.len().max(1) + 1,
                        f32::from_bits(detail)
                    )));
                }
                Err(e) => {
                    return Err(DeviceError::Protocol(format!("the device refused a training step: {e:?}")));
                }
            }
            let (mut x, y) = (Row::from_slice(x), Row::from_slice(&t));
            if let Some(body) = sent.body {
                body_cache = body_cache.or_else(|| Some(Box::new(NetCache::ZERO)));
                let cache = body_cache.as_deref_mut().expect("just made");
                body.forward_train::<1, _>(&[x], cache, &mut rng, Mode::FrozenStatistics);
                x = <Net as Train>::outputs(cache)[0];
            }
            let step = if adam {
                tinymlp::Optimizer::<Net>::set_learning_rate(&mut *adam_state, lr);
                trainer.step(mirror, &mut *adam_state, &[x], &[y], &mut rng)
            } else {
                trainer.step(mirror, &mut Sgd::new(lr), &[x], &[y], &mut rng)
            };
            step.map_err(|e| DeviceError::Protocol(format!("the host's step failed: {e}")))?;
            steps += 1;
        }
    }
    Ok((mirror.values(), HostModel::id(mirror), total, ticks_sum, steps))
}

/// The layers of `net` with their values, scaler first.
fn layers_of(net: &Net) -> Vec<(LayerInfo, Vec<Vec<f32>>)> {
    let mut v = Vec::new();
    net.visit(&mut |info, ts| v.push((*info, ts.iter().map(|t| t.data.to_vec()).collect())));
    v
}

/// Copies `values` (per layer, per tensor) into `net`'s layers from its `skip`-th on.
fn set_layers(net: &mut Net, values: &[(LayerInfo, Vec<Vec<f32>>)], skip: usize) {
    let mut i = 0;
    net.visit_mut(&mut |_, ts| {
        if i >= skip
            && let Some((_, v)) = values.get(i - skip)
        {
            for (t, src) in ts.iter_mut().zip(v) {
                t.data.copy_from_slice(src);
            }
        }
        i += 1;
    });
}

/// `net` as its fixed part (every layer but the last) and its last layer alone, behind an
/// identity scaler: what the firmware built with `finetune-last` trains.
fn split_last(net: &Net) -> Result<(Net, Net), DeviceError> {
    let specs = net.specs();
    let bad = |why: String| DeviceError::Protocol(why);
    let Some((&last, body_specs)) = specs.split_last() else {
        return Err(bad("the model has no layer to fine-tune".into()));
    };
    let LayerSpec::Dense { .. } = last else {
        return Err(bad("fine-tuning the last layer needs a dense last layer".into()));
    };
    let layers = layers_of(net);
    let mut body = Net::new(net.inputs(), body_specs).map_err(|e| bad(e.to_string()))?;
    set_layers(&mut body, &layers[..layers.len() - 1], 0);
    let width = body.outputs();
    let mut alone = Net::new(width, &[last]).map_err(|e| bad(e.to_string()))?;
    alone.set_scaler(&vec![0.0; width], &vec![1.0; width]);
    set_layers(&mut alone, &layers[layers.len() - 1..], 1);
    Ok((body, alone))
}

/// `net` with its last layer's values from `last` (see [`split_last`]).
fn join_last(net: &Net, last: &Net) -> Net {
    let mut joined = net.clone();
    let n = layers_of(net).len();
    set_layers(&mut joined, &layers_of(last)[1..], n - 1);
    joined
}

/// The training memory the firmware needs for `net`, counted from its layers as the core's
/// `Footprint` counts a const-generic model: (model, gradients, caches of one sample) and
/// Adam's moments, in bytes.
pub fn training_ram(net: &Net, last_layer: bool) -> ((usize, usize, usize), usize) {
    let layers: Vec<LayerInfo> = layers_of(net).into_iter().map(|(i, _)| i).collect();
    let trained = if last_layer { &layers[layers.len() - 1..] } else { &layers[..] };
    let trainable: usize = trained.iter().map(|l| l.trainable).sum();
    let model: usize = trained.iter().map(|l| l.trainable + l.non_trainable).sum();
    let cache: usize = layers
        .iter()
        .map(|l| match l.kind {
            LayerKind::Dense(_) | LayerKind::Dropout { .. } => 2 * l.outputs,
            LayerKind::BatchNorm { .. } => 4 * l.outputs,
            LayerKind::Normalization => l.outputs,
            LayerKind::Residual { .. } => l.outputs, // the block's outputs x + L(x)
        })
        .sum();
    ((4 * model, 4 * trainable, 4 * cache), 8 * trainable)
}
