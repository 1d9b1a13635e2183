//! The tutorial's cost claim, "backpropagation costs roughly twice a forward pass",
//! measured on the seed MLP: multiply-adds counted from the layers' shapes, and the time
//! of each phase of a training step on the host.

use super::{ExperimentError, Findings};
use crate::plot::{self, Panel};
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

/// The measurement.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BackpropCost {
    /// Multiply-adds per row (the update: per batch).
    pub macs: Macs,
    /// Rows per batch.
    pub batch: usize,
    /// Host times (criterion-style: the median of repeated samples).
    pub times: Times,
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

/// Times the phases of an SGD step of the seed MLP on a batch of 32 moons; draws
/// `backprop-cost.png`.
pub fn run(quick: bool, out: &Path) -> Result<BackpropCost, ExperimentError> {
    let (samples, calls) = if quick { (5, 20) } else { (31, 400) };
    let (x, t, _, _) = super::moons(BATCH * 2, 21);
    let (x, t) = (&x[..BATCH], &t[..BATCH]);
    let mut model: SeedMlp = seed_mlp();
    let mut rng = Xoshiro128PlusPlus::new(3);
    model.init(Init::GlorotUniform, &mut rng);
    model.head.adapt(x);
    let loss = Loss::BinaryCrossEntropy;
    let mut cache: Box<<SeedMlp as Train>::Cache<BATCH>> = Box::new(Zero::ZERO);
    let mut grads: Box<<SeedMlp as Train>::Grads> = Box::new(Zero::ZERO);
    let forward = median_us(samples, calls, || {
        model.forward_train(black_box(x), &mut *cache, &mut rng, Mode::Train);
    });
    let backward_pass = |cache: &mut <SeedMlp as Train>::Cache<BATCH>,
                         grads: &mut <SeedMlp as Train>::Grads| {
        let (_, at) = loss.batch(&model, cache, t, 1.0 / BATCH as f32);
        model.backward(Upstream::Input(black_box(x)), cache, Some(grads), at);
    };
    // backward overwrites the cache: each call needs its forward pass, whose time is
    // subtracted
    let both = median_us(samples, calls, || {
        model.forward_train(black_box(x), &mut *cache, &mut rng, Mode::Train);
        backward_pass(&mut cache, &mut grads);
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
    };
    let phases = |v: [f64; 3]| -> Vec<(String, Vec<(f32, f32)>)> {
        ["forward", "backward", "update"]
            .iter()
            .zip(v)
            .enumerate()
            .map(|(k, (n, y))| (n.to_string(), vec![((k + 1) as f32, y as f32)]))
            .collect()
    };
    let m = r.macs;
    plot::panels(
        &[
            Panel {
                title: "Multiply-adds per batch of 32 (seed MLP)".into(),
                x_label: "phase (1 forward, 2 backward, 3 update)".into(),
                y_label: "multiply-adds".into(),
                integer_x: true,
                dots: phases([(m.forward * BATCH) as f64, (m.backward * BATCH) as f64, m.update as f64]),
                ..Default::default()
            },
            Panel {
                title: "Host time per batch of 32 (median)".into(),
                x_label: "phase (1 forward, 2 backward, 3 update)".into(),
                y_label: "time (µs)".into(),
                integer_x: true,
                dots: phases([r.times.forward_us, r.times.backward_us, r.times.update_us]),
                ..Default::default()
            },
        ],
        &out.join("backprop-cost.png"),
    )?;
    Ok(r)
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
        format!(
            "Counted from the shapes, the backward pass of the seed MLP is {m:.2}× the forward pass's \
             multiply-adds (weight gradients plus input gradients, none for the first layer's input): the \
             tutorial's \"roughly 2×\". Timed on this host (median of {} samples) it takes {t:.2}× the forward \
             pass's time, {why}. The SGD update adds {} multiply-adds per batch ({:.2}× the forward pass's time).",
            self.times.samples,
            self.macs.update,
            self.times.update_us / self.times.forward_us,
        )
    }

    fn appendix(&self) -> String {
        "On the emulated Cortex-M4F (QEMU -icount, one row per step), docs/performance.md gives one SGD step of \
         the seed MLP as about 53,800 instructions against 9,170 for the forward pass (5.9×): the device's step \
         also bounds every gradient and parameter twice for its overflow checks and zeroes the gradients, which \
         the multiply-add count leaves out.\n"
            .into()
    }
}
