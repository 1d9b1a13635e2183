//! The tutorial's cost claim, "backpropagation costs roughly twice a forward pass",
//! measured on the seed MLP: multiply-adds counted from the layers' shapes, the time of each
//! phase of a training step on the host, and the instructions of a forward pass and of a
//! training step on the emulated Cortex-M4F (QEMU `-icount`) when QEMU is installed.

use super::{ExperimentError, Findings};
use crate::bench::ICOUNT_SHIFT;
use crate::board;
use crate::device::{self, Device, DeviceError};
use crate::plot::{self, BarPanel, BarSeries};
use serde::Serialize;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;
use tinymlp::layers::*;
use tinymlp::numeric::*;
use tinymlp::train::optim::*;
use tinymlp::train::*;
use tinymlp::zoo::{SeedMlp, seed_mlp};
use tinymlp::*;

/// Rows per batch.
pub const BATCH: usize = 32;

/// Multiply-adds of one row, counted from the Dense layers' shapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Macs {
    /// Forward: `Σ in·out`.
    pub forward: usize,
    /// Backward: the weight gradients (`Σ in·out`) and the input gradients of every layer
    /// but the first (`Σ in·out` without the first layer's).
    pub backward: usize,
    /// The SGD update, once per batch: one multiply-add per trainable parameter.
    pub update: usize,
}

/// Counts the multiply-adds of a network from its description.
pub fn macs<M: Layer>(model: &M) -> Macs {
    let mut dense = vec![];
    model.describe(&mut |info| {
        if matches!(info.kind, LayerKind::Dense(_)) {
            dense.push(info.inputs * info.outputs);
        }
    });
    let forward: usize = dense.iter().sum();
    let first = dense.first().copied().unwrap_or(0);
    Macs { forward, backward: 2 * forward - first, update: M::TRAINABLE }
}

/// Median time of one call of each phase for a batch, in microseconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Times {
    /// The training forward pass (caching what backward needs; dropout active).
    pub forward_us: f64,
    /// The loss's gradient and the backward pass.
    pub backward_us: f64,
    /// The SGD update of every parameter.
    pub update_us: f64,
    /// Samples each median is taken over.
    pub samples: usize,
    /// Calls per sample.
    pub calls: usize,
}

/// The board the device figures are measured on.
pub const BOARD: &str = "mps2-an386";

/// The learning rate of the device's training steps (the fine-tuning firmware's SGD).
pub const DEVICE_LR: f32 = 0.01;

/// Instructions counted on the emulated Cortex-M4F (QEMU `-icount`), one row per step as the
/// fine-tuning firmware trains.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeviceCost {
    /// The board.
    pub board: &'static str,
    /// Its core.
    pub core: &'static str,
    /// Instructions of one inference forward pass (the firmware's bench request, timer reads
    /// subtracted).
    pub forward: f64,
    /// Forward passes the figure is averaged over.
    pub forward_reps: u32,
    /// Mean instructions of one training step (the firmware's train request: a copy of the
    /// model for the loss guard, the training forward pass, the loss, the backward pass, the
    /// gradients' and parameters' bounds, the SGD update, and the guard's inference pass).
    pub step: f64,
    /// The fewest and the most instructions of a step.
    pub step_range: (f64, f64),
    /// Steps taken.
    pub steps: usize,
}

impl DeviceCost {
    /// A training step over a forward pass.
    pub fn step_ratio(&self) -> f64 {
        self.step / self.forward
    }

    /// Everything in a step but the forward pass (`step − forward`): backward, update,
    /// bounds and the guard; the firmware times the step whole.
    pub fn rest(&self) -> f64 {
        self.step - self.forward
    }
}

/// The device's side of the measurement: measured, or why not.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnDevice {
    /// Counted under QEMU.
    Measured(DeviceCost),
    /// Not measured (QEMU is not installed).
    Unavailable(String),
}

/// The measurement.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BackpropCost {
    /// Multiply-adds per row (the update: per batch).
    pub macs: Macs,
    /// Rows per batch.
    pub batch: usize,
    /// Host times (criterion-style: the median of repeated samples).
    pub times: Times,
    /// The emulated Cortex-M4F, batch 1.
    pub device: OnDevice,
}

impl BackpropCost {
    /// Backward multiply-adds over forward ones.
    pub fn macs_ratio(&self) -> f64 {
        self.macs.backward as f64 / self.macs.forward as f64
    }

    /// Backward time over forward time.
    pub fn time_ratio(&self) -> f64 {
        self.times.backward_us / self.times.forward_us
    }

    /// Multiply-adds of a one-row SGD step (forward, backward, update) over the forward
    /// pass's: what the count predicts for the device's step.
    pub fn step_macs_ratio(&self) -> f64 {
        let m = self.macs;
        (m.forward + m.backward + m.update) as f64 / m.forward as f64
    }
}

/// Builds the fine-tuning firmware for [`BOARD`] with `model`, counts the instructions of
/// `reps` forward passes and of one training step per row of `x` under QEMU's `-icount`.
fn on_m4f(model: &SeedMlp, x: &[[f32; 2]], t: &[[f32; 1]], reps: u32) -> Result<DeviceCost, DeviceError> {
    let board = board::find(BOARD).ok_or_else(|| DeviceError::Protocol(format!("no board {BOARD}")))?;
    let bad = |e: tinymlp::io::ModelError| DeviceError::Protocol(format!("the seed MLP's model file: {e}"));
    let mut file = vec![0u8; tinymlp::io::bin_len::<SeedMlp>()];
    let n = tinymlp::io::write_bin(model, &mut file).map_err(bad)?;
    let id = tinymlp::io::model_id(model).map_err(bad)?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("seed-mlp.bin");
    std::fs::write(&path, &file[..n])?;
    let elf = device::build_firmware_with(board, &path, true, &["finetune"])?;
    let icount = format!("shift={ICOUNT_SHIFT},align=off,sleep=off");
    let mut dev = Device::start_with(board, &elf, &["-icount", &icount])?;
    let ([r, passes, empty, hz], _) = dev.bench(reps)?;
    let (per_instruction, _) = crate::bench::unit(&dev, board, hz);
    if r == 0 || passes <= empty {
        return Err(DeviceError::Protocol(format!("{BOARD}: the timer did not advance")));
    }
    let forward = (passes - empty) as f64 / r as f64 / per_instruction;
    let mut steps = Vec::with_capacity(x.len());
    for (x, t) in x.iter().zip(t) {
        match dev.train(id, DEVICE_LR, x, t)? {
            Ok((_, _, ticks)) => steps.push(ticks as f64 / per_instruction),
            Err(e) => {
                return Err(DeviceError::Protocol(format!("the device refused a training step: {e:?}")));
            }
        }
    }
    let _ = dev.exit(0)?;
    let (lo, hi) = steps.iter().fold((f64::INFINITY, 0.0f64), |(l, h), &s| (l.min(s), h.max(s)));
    Ok(DeviceCost {
        board: board.name,
        core: board.core,
        forward,
        forward_reps: r,
        step: steps.iter().sum::<f64>() / steps.len().max(1) as f64,
        step_range: (lo, hi),
        steps: steps.len(),
    })
}

/// Medians of `samples` timings of `calls` calls of `f(k)` for each `k < N`, the samples
/// of the `N` phases taken in turn, in microseconds per call.
fn interleaved_medians_us<const N: usize>(
    samples: usize,
    calls: usize,
    mut f: impl FnMut(usize),
) -> [f64; N] {
    (0..N).for_each(&mut f); // warm-up
    let mut t = [(); N].map(|_| Vec::with_capacity(samples));
    for _ in 0..samples {
        for (k, times) in t.iter_mut().enumerate() {
            let start = Instant::now();
            for _ in 0..calls {
                f(k);
            }
            times.push(start.elapsed().as_secs_f64() * 1e6 / calls as f64);
        }
    }
    t.map(|mut v| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    })
}

/// Median of `samples` timings of `calls` calls of `f`, in microseconds per call.
fn median_us(samples: usize, calls: usize, mut f: impl FnMut()) -> f64 {
    f(); // warm-up
    let mut t: Vec<f64> = (0..samples)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..calls {
                f();
            }
            start.elapsed().as_secs_f64() * 1e6 / calls as f64
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

/// Times the phases of an SGD step of the seed MLP on a batch of 32 moons; counts the
/// instructions of a forward pass and of one-row training steps on the emulated Cortex-M4F
/// when `qemu-system-arm` is installed; draws `backprop-cost.png`.
pub fn run(quick: bool, out: &Path) -> Result<BackpropCost, ExperimentError> {
    let (samples, calls) = if quick { (5, 20) } else { (31, 400) };
    let (x, t, _, _) = super::moons(BATCH * 2, 21);
    let (x, t) = (&x[..BATCH], &t[..BATCH]);
    let mut model: SeedMlp = seed_mlp();
    let mut rng = Xoshiro128PlusPlus::new(3);
    model.init(Init::GlorotUniform, &mut rng);
    model.head.adapt(x);
    let device = if device::qemu_available() {
        let (reps, rows) = if quick { (10, 8) } else { (100, BATCH) };
        OnDevice::Measured(on_m4f(&model, &x[..rows], &t[..rows], reps)?)
    } else {
        OnDevice::Unavailable(DeviceError::NoQemu.to_string())
    };
    let loss = Loss::BinaryCrossEntropy;
    let mut cache: Box<<SeedMlp as Train>::Cache<BATCH>> = Box::new(Zero::ZERO);
    let mut grads: Box<<SeedMlp as Train>::Grads> = Box::new(Zero::ZERO);
    // Forward alone and forward + backward (backward overwrites the cache: each call needs
    // its forward pass, whose time is subtracted), a sample of each in turn, so a change of
    // the machine's load between them does not tilt their ratio.
    let [forward, both] = interleaved_medians_us(samples, calls, |phase| {
        model.forward_train(black_box(x), &mut *cache, &mut rng, Mode::Train);
        if phase == 1 {
            let (_, at) = loss.batch(&model, &mut cache, t, 1.0 / BATCH as f32);
            model.backward(Upstream::Input(black_box(x)), &mut cache, Some(&mut grads), at);
        }
    });
    let mut bound = 0.0f32;
    for s in 0..<SeedMlp as Params>::SLICES {
        bound = grads.slice(s).iter().fold(bound, |b, v| b.max(v.abs()));
    }
    let mut opt = Sgd::new(1e-6);
    let mut failed = None;
    let update = median_us(samples, calls, || {
        if let Err(e) = opt.step::<Canonical>(&mut model, &grads, bound) {
            failed = Some(e);
        }
    });
    if let Some(error) = failed {
        return Err(FitError::Step { epoch: 0, batch: 0, error }.into());
    }
    let r = BackpropCost {
        macs: macs(&model),
        batch: BATCH,
        times: Times { forward_us: forward, backward_us: both - forward, update_us: update, samples, calls },
        device,
    };
    plot::bars(&figure(&r), &out.join("backprop-cost.png"))?;
    Ok(r)
}

/// The tutorial's claim, drawn as a reference level: the backward pass costs about twice
/// the forward pass.
const CLAIM: f64 = 2.0;

/// The figure: each phase's cost over the forward pass's, on the host (batch of 32:
/// multiply-adds counted, time measured) and, when measured, on the emulated M4F (one row:
/// multiply-adds counted, instructions measured; backward and update together, as the
/// firmware times the step whole), with the claim as a dashed line.
fn figure(r: &BackpropCost) -> Vec<BarPanel> {
    let m = r.macs;
    let fwd = (m.forward * r.batch) as f64;
    let t = r.times;
    let claim = Some(("the tutorial's claim: backward ≈ 2× forward".to_string(), CLAIM));
    let times_x: fn(f64) -> String = |v| format!("{v:.2}×");
    let mut panels = vec![BarPanel {
        title: format!("Host, batch of {}: cost over the forward pass", r.batch),
        x_label: "phase of a training step".into(),
        y_label: "× the forward pass".into(),
        groups: ["forward", "backward", "SGD update"].map(String::from).to_vec(),
        series: vec![
            BarSeries {
                name: "multiply-adds (counted)".into(),
                colour: 0,
                values: [fwd, (m.backward * r.batch) as f64, m.update as f64].map(|v| Some(v / fwd)).to_vec(),
            },
            BarSeries {
                name: "host time (median)".into(),
                colour: 1,
                values: [t.forward_us, t.backward_us, t.update_us].map(|v| Some(v / t.forward_us)).to_vec(),
            },
        ],
        reference: claim.clone(),
        value_label: Some(times_x),
    }];
    if let OnDevice::Measured(d) = &r.device {
        let f = m.forward as f64;
        panels.push(BarPanel {
            title: format!("Emulated {}, one row: cost over the forward pass", d.core),
            x_label: "phase of a training step".into(),
            y_label: "× the forward pass".into(),
            groups: ["forward", "backward + update (+ guard)"].map(String::from).to_vec(),
            series: vec![
                BarSeries {
                    name: "multiply-adds (counted)".into(),
                    colour: 0,
                    values: vec![Some(1.0), Some((m.backward + m.update) as f64 / f)],
                },
                BarSeries {
                    name: "instructions (QEMU -icount)".into(),
                    colour: 2,
                    values: vec![Some(1.0), Some(d.rest() / d.forward)],
                },
            ],
            reference: claim,
            value_label: Some(times_x),
        });
    }
    panels
}

impl Findings for BackpropCost {
    const NAME: &'static str = "backprop-cost";

    fn columns(&self) -> Vec<String> {
        ["phase", "multiply-adds per batch of 32", "× forward", "host µs per batch (median)", "× forward"]
            .map(String::from)
            .to_vec()
    }

    fn rows(&self) -> Vec<Vec<String>> {
        let (m, t, b) = (self.macs, self.times, self.batch);
        let f = (m.forward * b) as f64;
        [
            ("forward", m.forward * b, t.forward_us),
            ("backward", m.backward * b, t.backward_us),
            ("SGD update", m.update, t.update_us),
        ]
        .iter()
        .map(|(name, macs, us)| {
            vec![
                name.to_string(),
                macs.to_string(),
                format!("{:.2}", *macs as f64 / f),
                format!("{us:.2}"),
                format!("{:.2}", us / t.forward_us),
            ]
        })
        .collect()
    }

    fn conclusion(&self) -> String {
        let (m, t) = (self.macs_ratio(), self.time_ratio());
        let why = if t < m {
            "less than the count predicts: at these widths (1 to 64 units) the multiply-adds are not the whole \
             cost; the forward pass also draws dropout masks and computes BatchNorm's batch statistics and the \
             activations"
        } else {
            "more than the count predicts: BatchNorm, dropout, the activations' derivatives and the loss add \
             work the multiply-adds do not count"
        };
        let host = format!(
            "Counted from the shapes, the backward pass of the seed MLP is {m:.2}× the forward pass's \
             multiply-adds (weight gradients plus input gradients, none for the first layer's input): the \
             tutorial's \"roughly 2×\". Timed on this host (median of {} samples) it takes {t:.2}× the forward \
             pass's time, {why}. The SGD update adds {} multiply-adds per batch ({:.2}× the forward pass's time).",
            self.times.samples,
            self.macs.update,
            self.times.update_us / self.times.forward_us,
        );
        let device = match &self.device {
            OnDevice::Measured(d) => format!(
                " On the emulated {} (QEMU -icount, one row per step) a training step takes {:.0} instructions, \
                 {:.2}× the forward pass's {:.0}; the count predicts {:.2}× for forward, backward and update. The \
                 step's other {:.0} instructions ({:.2}× the forward pass) are the backward pass and the update \
                 and what the multiply-adds leave out: bounding every gradient and parameter for the overflow \
                 checks, zeroing the gradients, and the loss guard's copy of the model and its second forward pass.",
                d.core,
                d.step,
                d.step_ratio(),
                d.forward,
                self.step_macs_ratio(),
                d.rest(),
                d.rest() / d.forward,
            ),
            OnDevice::Unavailable(why) => {
                format!(" The emulated Cortex-M4F was not measured: {why}.")
            }
        };
        host + &device
    }

    fn appendix(&self) -> String {
        let m = self.macs;
        let f = m.forward as f64;
        match &self.device {
            OnDevice::Measured(d) => {
                let row = |name: &str, ins: f64, macs: usize| {
                    format!(
                        "| {name} | {ins:.0} | {:.2} | {macs} | {:.2} |\n",
                        ins / d.forward,
                        macs as f64 / f
                    )
                };
                format!(
                    "On the emulated {} ({}, QEMU -icount shift {ICOUNT_SHIFT}; the forward pass averaged over {} \
                     passes, the step over {} one-row steps at learning rate {DEVICE_LR}, from {:.0} to {:.0} \
                     instructions; the firmware times the step whole, so backward and update are reported \
                     together as step − forward):\n\n\
                     | on the device, one row | instructions | × forward | multiply-adds (counted) | × forward |\n\
                     |---|---|---|---|---|\n{}{}{}",
                    d.core,
                    d.board,
                    d.forward_reps,
                    d.steps,
                    d.step_range.0,
                    d.step_range.1,
                    row("forward pass (inference)", d.forward, m.forward),
                    row(
                        "training step (forward, backward, update, guard)",
                        d.step,
                        m.forward + m.backward + m.update
                    ),
                    row("step − forward (backward, update, bounds, guard)", d.rest(), m.backward + m.update),
                )
            }
            OnDevice::Unavailable(why) => format!(
                "The emulated Cortex-M4F was not measured ({why}); with QEMU installed the experiment counts the \
                 instructions of a forward pass and of a training step itself.\n"
            ),
        }
    }
}
