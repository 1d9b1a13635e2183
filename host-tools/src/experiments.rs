//! The tutorial's experiments, one command each (`tinymlp experiment <name>`): fixed seeds,
//! PNG figures, a markdown table and a JSON file of the numbers. `quick` runs a smaller
//! version (the tests use it to check each conclusion).

use crate::data::Labelled;
use crate::plot::{self, Panel, PlotError};
use crate::train::{ModelKind, TrainOptions, train};
use serde::Serialize;
use std::path::Path;
use std::time::Instant;
use tinymlp::datasets::spiral;
use tinymlp::*;

/// The experiments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Experiment {
    /// One network trained with relu, sigmoid, tanh, leaky relu and GELU.
    Activations,
    /// Many narrow layers vs few wide ones, at comparable parameter counts.
    DepthWidth,
    /// The 3-class spiral with a softmax network; decision regions.
    Spiral,
    /// Gradient magnitude per layer in deep sigmoid and relu networks, Xavier vs He.
    Gradients,
    /// The signal's scale through 10 layers for four initialisations.
    Init,
    /// A 1-D function fitted by 5 and 50 hidden neurons and by a deeper network.
    Approximation,
    /// The tutorial's perceptron and MLP side by side, with their decision boundaries.
    PerceptronVsMlp,
}

/// Why an experiment failed.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// Training stopped.
    #[error(transparent)]
    Fit(#[from] FitError),
    /// A figure could not be drawn.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// A file could not be written.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// A recipe failed.
    #[error(transparent)]
    Train(#[from] crate::train::TrainError),
}

/// What an experiment measured: a table (markdown) and its numbers (JSON).
#[derive(Clone, Debug, Serialize)]
pub struct Findings {
    /// The experiment's name.
    pub name: &'static str,
    /// Column names.
    pub columns: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
    /// Named numbers the conclusion rests on.
    pub numbers: Vec<(String, f64)>,
    /// The conclusion in a sentence.
    pub conclusion: String,
}

impl Findings {
    /// A named number.
    pub fn number(&self, name: &str) -> f64 {
        self.numbers.iter().find(|(n, _)| n == name).map(|(_, v)| *v).unwrap_or(f64::NAN)
    }

    fn markdown(&self) -> String {
        let mut s = format!(
            "# {}\n\n| {} |\n|{}\n",
            self.name,
            self.columns.join(" | "),
            "---|".repeat(self.columns.len())
        );
        for r in &self.rows {
            s += &format!("| {} |\n", r.join(" | "));
        }
        s + &format!("\n{}\n", self.conclusion)
    }
}

/// Runs an experiment, writing `<name>.png`, `<name>.md` and `<name>.json` into `out`.
pub fn run(e: Experiment, quick: bool, out: &Path) -> Result<Findings, ExperimentError> {
    std::fs::create_dir_all(out)?;
    let f = match e {
        Experiment::Activations => activations(quick, out)?,
        Experiment::DepthWidth => depth_width(quick, out)?,
        Experiment::Spiral => spiral_experiment(quick, out)?,
        Experiment::Gradients => gradients(quick, out)?,
        Experiment::Init => init(out)?,
        Experiment::Approximation => approximation(quick, out)?,
        Experiment::PerceptronVsMlp => perceptron_vs_mlp(quick, out)?,
    };
    std::fs::write(out.join(format!("{}.md", f.name)), f.markdown())?;
    std::fs::write(
        out.join(format!("{}.json", f.name)),
        serde_json::to_string_pretty(&f).map_err(std::io::Error::other)?,
    )?;
    Ok(f)
}

/// Moons: `(train x, train t, test x, test t)`.
type Split = (Vec<[f32; 2]>, Vec<[f32; 1]>, Vec<[f32; 2]>, Vec<[f32; 1]>);

fn moons(n: usize, seed: u64) -> Split {
    let (train, test) = crate::data::moons(n, 0.2, seed);
    let (t, vt) = (train.binary_targets(), test.binary_targets());
    (train.x, t, test.x, vt)
}

/// Trains with Adam, returning each epoch's logs (validation on the test rows).
#[allow(clippy::too_many_arguments)]
fn fit_logs<M: Layer>(
    model: &mut M,
    x: &[M::Input],
    t: &[M::Output],
    val: (&[M::Input], &[M::Output]),
    loss: Loss,
    epochs: u32,
    batch: usize,
    opt: &mut impl Optimizer<M>,
    seed: u64,
) -> Result<Vec<EpochLogs>, ExperimentError> {
    let mut rng = Xoshiro128PlusPlus::new(seed);
    let (mut x, mut t) = (x.to_vec(), t.to_vec());
    let mut logs = Vec::new();
    let mut record = FnCallback(|_: &mut M, l: &EpochLogs, _: &mut Control| logs.push(*l));
    let mut trainer = Box::new(Trainer::<M, 32>::new(loss));
    trainer.fit(
        model,
        opt,
        &mut x,
        &mut t,
        Some(val),
        &FitConfig::new(epochs, batch),
        &mut rng,
        &mut record,
    )?;
    Ok(logs)
}

fn curve(logs: &[EpochLogs], f: impl Fn(&EpochLogs) -> Option<f32>) -> Vec<(f32, f32)> {
    logs.iter().filter_map(|l| f(l).map(|v| ((l.epoch + 1) as f32, v))).collect()
}

type ActNet = Sequential![Normalization<2>, Dense<2, 32>, Dense<32, 32>, Dense<32, 1>];

fn activations(quick: bool, out: &Path) -> Result<Findings, ExperimentError> {
    let (x, t, vx, vt) = moons(if quick { 400 } else { 1000 }, 1);
    let epochs = if quick { 30 } else { 60 };
    let acts = [
        ("relu", Activation::Relu),
        ("sigmoid", Activation::Sigmoid),
        ("tanh", Activation::Tanh),
        ("leaky relu (0.1)", Activation::LeakyRelu { alpha: 0.1 }),
        ("gelu", Activation::Gelu),
    ];
    let (mut loss_lines, mut acc_lines, mut rows, mut numbers) = (vec![], vec![], vec![], vec![]);
    for (name, a) in acts {
        let mut m: ActNet =
            sequential![Normalization::new(), Dense::new(a), Dense::new(a), Dense::new(Activation::Sigmoid)];
        m.init(&mut Xoshiro128PlusPlus::new(7));
        m.head.adapt(&x);
        let logs = fit_logs(
            &mut m,
            &x,
            &t,
            (&vx, &vt),
            Loss::BinaryCrossEntropy,
            epochs,
            32,
            &mut Sgd::new(0.1),
            7,
        )?;
        let reach =
            logs.iter().find(|l| l.val.and_then(|v| v.accuracy).unwrap_or(0.0) >= 0.95).map(|l| l.epoch + 1);
        let last = logs
            .last()
            .and_then(|l| l.val)
            .map(|v| (v.loss, v.accuracy.unwrap_or(0.0)))
            .unwrap_or((f32::NAN, 0.0));
        rows.push(vec![
            name.to_string(),
            reach.map(|e| e.to_string()).unwrap_or_else(|| format!("not in {epochs}")),
            format!("{:.4}", last.1),
            format!("{:.4}", last.0),
        ]);
        numbers.push((format!("{name}: epochs to 95%"), reach.map(|e| e as f64).unwrap_or(f64::INFINITY)));
        numbers.push((format!("{name}: final accuracy"), last.1 as f64));
        loss_lines.push((name.to_string(), curve(&logs, |l| l.val.map(|v| v.loss))));
        acc_lines.push((name.to_string(), curve(&logs, |l| l.val.and_then(|v| v.accuracy))));
    }
    plot::panels(
        &[
            Panel {
                title: "Test loss".into(),
                x_label: "epoch".into(),
                y_label: "binary cross-entropy".into(),
                log_y: false,
                lines: loss_lines,
                dots: vec![],
            },
            Panel {
                title: "Test accuracy".into(),
                x_label: "epoch".into(),
                y_label: "accuracy".into(),
                log_y: false,
                lines: acc_lines,
                dots: vec![],
            },
        ],
        &out.join("activations.png"),
    )?;
    let sig =
        numbers.iter().find(|(n, _)| n == "sigmoid: epochs to 95%").map(|(_, v)| *v).unwrap_or(f64::NAN);
    let relu = numbers.iter().find(|(n, _)| n == "relu: epochs to 95%").map(|(_, v)| *v).unwrap_or(f64::NAN);
    Ok(Findings {
        name: "activations",
        columns: vec![
            "activation".into(),
            "epochs to 95 % test accuracy".into(),
            "final accuracy".into(),
            "final loss".into(),
        ],
        rows,
        numbers,
        conclusion: {
            let when = |e: f64| {
                if e.is_finite() {
                    format!("after {e} epochs")
                } else {
                    format!("not within {epochs} epochs")
                }
            };
            format!(
                "The same 2-32-32-1 network with SGD(0.1) reaches 95 % test accuracy {} with relu hidden layers and {} \
                 with sigmoid ones: a saturating activation learns slower.",
                when(relu),
                when(sig)
            )
        },
    })
}

fn params_of<M: Layer>() -> usize {
    M::TRAINABLE
}

fn depth_width(quick: bool, out: &Path) -> Result<Findings, ExperimentError> {
    type Wide = Sequential![Normalization<2>, Dense<2, 256>, Dense<256, 1>];
    type Medium = Sequential![Normalization<2>, Dense<2, 32>, Dense<32, 32>, Dense<32, 1>];
    type Deep = Sequential![Normalization<2>, Dense<2, 16>, Dense<16, 16>, Dense<16, 16>, Dense<16, 16>, Dense<16, 16>, Dense<16, 1>];
    type Deeper = Sequential![
        Normalization<2>,
        Dense<2, 12>,
        Dense<12, 12>,
        Dense<12, 12>,
        Dense<12, 12>,
        Dense<12, 12>,
        Dense<12, 12>,
        Dense<12, 12>,
        Dense<12, 12>,
        Dense<12, 1>
    ];
    let (x, t, vx, vt) = moons(if quick { 400 } else { 1000 }, 2);
    let epochs = if quick { 25 } else { 80 };
    let r = Activation::Relu;
    let s = Activation::Sigmoid;
    let mut rows = vec![];
    let mut numbers = vec![];
    let mut dots = vec![];
    macro_rules! arch {
        ($name:expr, $ty:ty, $layers:expr, $value:expr) => {{
            let mut m: $ty = $value;
            m.init(&mut Xoshiro128PlusPlus::new(3));
            m.head.adapt(&x);
            let start = Instant::now();
            let mut opt = Adam::<$ty>::new(0.005);
            let logs =
                fit_logs(&mut m, &x, &t, (&vx, &vt), Loss::BinaryCrossEntropy, epochs, 32, &mut opt, 3)?;
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            let acc = logs.last().and_then(|l| l.val).and_then(|v| v.accuracy).unwrap_or(0.0);
            let p = params_of::<$ty>();
            rows.push(vec![
                $name.to_string(),
                $layers.to_string(),
                p.to_string(),
                format!("{acc:.4}"),
                format!("{ms:.0}"),
            ]);
            numbers.push((format!("{}: params", $name), p as f64));
            numbers.push((format!("{}: accuracy", $name), acc as f64));
            dots.push(($name.to_string(), vec![($layers as f32, acc)]));
        }};
    }
    arch!("wide 2-256-1", Wide, 1, sequential![Normalization::new(), Dense::new(r), Dense::new(s)]);
    arch!(
        "medium 2-32-32-1",
        Medium,
        2,
        sequential![Normalization::new(), Dense::new(r), Dense::new(r), Dense::new(s)]
    );
    arch!(
        "deep 2-16×5-1",
        Deep,
        5,
        sequential![
            Normalization::new(),
            Dense::new(r),
            Dense::new(r),
            Dense::new(r),
            Dense::new(r),
            Dense::new(r),
            Dense::new(s)
        ]
    );
    arch!(
        "deeper 2-12×8-1",
        Deeper,
        8,
        sequential![
            Normalization::new(),
            Dense::new(r),
            Dense::new(r),
            Dense::new(r),
            Dense::new(r),
            Dense::new(r),
            Dense::new(r),
            Dense::new(r),
            Dense::new(r),
            Dense::new(s)
        ]
    );
    plot::panels(
        &[Panel {
            title: "Test accuracy by depth (~1,000–1,200 parameters each)".into(),
            x_label: "hidden layers".into(),
            y_label: "accuracy".into(),
            log_y: false,
            lines: vec![],
            dots,
        }],
        &out.join("depth-width.png"),
    )?;
    let conclusion = {
        let accs: Vec<f64> =
            numbers.iter().filter(|(n, _)| n.ends_with("accuracy")).map(|(_, v)| *v).collect();
        let (lo, hi) = accs.iter().fold((1.0f64, 0.0f64), |(a, b), v| (a.min(*v), b.max(*v)));
        format!(
            "At about the same parameter count (1,025 to 1,185), every shape fits the two moons: test accuracy \
                 {lo:.3} to {hi:.3}. On this simple problem depth buys little; it costs sequential layers."
        )
    };
    Ok(Findings {
        name: "depth-width",
        columns: vec![
            "architecture".into(),
            "hidden layers".into(),
            "parameters".into(),
            "test accuracy".into(),
            "training ms".into(),
        ],
        rows,
        numbers,
        conclusion,
    })
}

type SpiralNet = Sequential![Dense<2, 100>, Dense<100, 3>];

fn spiral_experiment(quick: bool, out: &Path) -> Result<Findings, ExperimentError> {
    // CS231n's recipe: 100 points per class, noise 0.2, a 100-unit ReLU layer, softmax,
    // full-batch SGD with learning rate 1 and L2 1e-3.
    let mut x = vec![[0.0f32; 2]; 300];
    let mut t = vec![[0.0f32; 3]; 300];
    spiral::<_, 3>(&mut x, &mut t, 100, 0.2, &mut Xoshiro128PlusPlus::new(0));
    let mut m: SpiralNet = sequential![
        Dense::new(Activation::Relu).with_init(Init::Normal { std: 0.01 }),
        Dense::new(Activation::Softmax).with_init(Init::Normal { std: 0.01 })
    ];
    let mut rng = Xoshiro128PlusPlus::new(0);
    m.init(&mut rng);
    let steps = if quick { 3000 } else { 10_000 };
    let mut trainer = Box::new(Trainer::<SpiralNet, 100>::new(Loss::CategoricalCrossEntropy));
    let mut opt = Sgd::new(1.0).with_weight_decay(1e-3);
    let mut losses = vec![];
    for s in 0..steps {
        let l = trainer.step(&mut m, &mut opt, &x, &t, &mut rng).map_err(|error| FitError::Step {
            epoch: s,
            batch: 0,
            error,
        })?;
        if s % 100 == 0 {
            losses.push((s as f32, l));
        }
    }
    let mut correct = 0;
    for (xi, ti) in x.iter().zip(&t) {
        let mut y = [0.0; 3];
        m.forward(xi, &mut y);
        correct += usize::from(metrics::argmax(&y) == metrics::argmax(ti));
    }
    let acc = correct as f64 / 300.0;
    let data = Labelled { x: x.clone(), label: t.iter().map(|v| metrics::argmax(v)).collect() };
    let classify = |p: &[f32; 2]| {
        let mut y = [0.0; 3];
        m.forward(p, &mut y);
        metrics::argmax(&y)
    };
    plot::regions(&classify, &data, &format!("Spiral: training accuracy {acc:.3}"), &out.join("spiral.png"))?;
    plot::panels(
        &[Panel {
            title: "Training loss".into(),
            x_label: "step".into(),
            y_label: "cross-entropy".into(),
            log_y: true,
            lines: vec![("loss".into(), losses)],
            dots: vec![],
        }],
        &out.join("spiral-loss.png"),
    )?;
    Ok(Findings {
        name: "spiral",
        columns: vec!["network".into(), "steps".into(), "training accuracy".into()],
        rows: vec![vec![
            "2-100 (relu)-3 (softmax), SGD 1.0, L2 1e-3".into(),
            steps.to_string(),
            format!("{acc:.4}"),
        ]],
        numbers: vec![("training accuracy".into(), acc)],
        conclusion: format!(
            "A single hidden layer separates the three arms: {:.1} % of the training points.",
            acc * 100.0
        ),
    })
}

type DeepNet = Sequential![
    Dense<2, 16>,
    Dense<16, 16>,
    Dense<16, 16>,
    Dense<16, 16>,
    Dense<16, 16>,
    Dense<16, 16>,
    Dense<16, 16>,
    Dense<16, 16>,
    Dense<16, 1>
];

fn deep_net(a: Activation, init: Init) -> DeepNet {
    sequential![
        Dense::new(a).with_init(init),
        Dense::new(a).with_init(init),
        Dense::new(a).with_init(init),
        Dense::new(a).with_init(init),
        Dense::new(a).with_init(init),
        Dense::new(a).with_init(init),
        Dense::new(a).with_init(init),
        Dense::new(a).with_init(init),
        Dense::new(Activation::Sigmoid).with_init(init)
    ]
}

fn gradients(quick: bool, out: &Path) -> Result<Findings, ExperimentError> {
    let (x, t, _, _) = moons(400, 4);
    let epochs = if quick { 2 } else { 10 };
    let configs = [
        ("sigmoid, Xavier", Activation::Sigmoid, Init::GlorotNormal),
        ("sigmoid, He", Activation::Sigmoid, Init::HeNormal),
        ("relu, Xavier", Activation::Relu, Init::GlorotNormal),
        ("relu, He", Activation::Relu, Init::HeNormal),
    ];
    let (mut lines, mut rows, mut numbers) = (vec![], vec![], vec![]);
    for (name, a, init) in configs {
        let mut m = deep_net(a, init);
        let mut rng = Xoshiro128PlusPlus::new(5);
        m.init(&mut rng);
        let mut trainer = Box::new(Trainer::<DeepNet, 32>::new(Loss::BinaryCrossEntropy));
        let mut opt = Sgd::new(0.1);
        // mean |∂L/∂W| of each layer, averaged over every step
        let mut sums = [0.0f64; 9];
        let mut steps = 0;
        let (mut xs, mut ts) = (x.clone(), t.clone());
        for _ in 0..epochs {
            random::shuffle_pair(&mut xs, &mut ts, &mut rng);
            for (xb, tb) in xs.chunks(32).zip(ts.chunks(32)) {
                trainer.step(&mut m, &mut opt, xb, tb, &mut rng).map_err(|error| FitError::Step {
                    epoch: 0,
                    batch: steps,
                    error,
                })?;
                for (l, s) in sums.iter_mut().enumerate() {
                    let g = trainer.grads().slice(2 * l);
                    *s += g.iter().map(|v| v.abs() as f64).sum::<f64>() / g.len() as f64;
                }
                steps += 1;
            }
        }
        let mags: Vec<f64> = sums.iter().map(|s| s / steps as f64).collect();
        rows.push(std::iter::once(name.to_string()).chain(mags.iter().map(|g| format!("{g:.2e}"))).collect());
        numbers.push((format!("{name}: layer 1"), mags[0]));
        numbers.push((format!("{name}: layer 9"), mags[8]));
        lines.push((
            name.to_string(),
            mags.iter().enumerate().map(|(l, g)| ((l + 1) as f32, *g as f32)).collect(),
        ));
    }
    plot::panels(
        &[Panel {
            title: "Mean |gradient| of each layer's weights (9 layers)".into(),
            x_label: "layer (1 = input side)".into(),
            y_label: "mean |∂L/∂W|".into(),
            log_y: true,
            lines,
            dots: vec![],
        }],
        &out.join("gradients.png"),
    )?;
    let ratio =
        numbers.iter().find(|(n, _)| n == "sigmoid, Xavier: layer 1").map(|(_, v)| *v).unwrap_or(f64::NAN)
            / numbers.iter().find(|(n, _)| n == "relu, He: layer 1").map(|(_, v)| *v).unwrap_or(f64::NAN);
    numbers.push(("sigmoid/relu first-layer ratio".into(), ratio));
    let sig_first =
        numbers.iter().find(|(n, _)| n == "sigmoid, Xavier: layer 1").map(|(_, v)| *v).unwrap_or(f64::NAN);
    let sig_last =
        numbers.iter().find(|(n, _)| n == "sigmoid, Xavier: layer 9").map(|(_, v)| *v).unwrap_or(f64::NAN);
    let per_layer = (sig_last / sig_first).powf(1.0 / 8.0);
    Ok(Findings {
        name: "gradients",
        columns: std::iter::once("network".to_string())
            .chain((1..=9).map(|l| format!("layer {l}")))
            .collect(),
        rows,
        numbers,
        conclusion: format!(
            "In 9 sigmoid layers (Xavier) the gradient shrinks by a factor of {per_layer:.1} per layer towards the input: \
             the first layer's gradient is {ratio:.1e} times the relu network's (He) — vanishing gradients."
        ),
    })
}

type Tower = Sequential![
    Dense<100, 100>,
    Dense<100, 100>,
    Dense<100, 100>,
    Dense<100, 100>,
    Dense<100, 100>,
    Dense<100, 100>,
    Dense<100, 100>,
    Dense<100, 100>,
    Dense<100, 100>,
    Dense<100, 100>
];

fn init(out: &Path) -> Result<Findings, ExperimentError> {
    // 10 layers of 100 units, 1,000 inputs of unit variance: each layer multiplies the
    // signal's scale by std·√100 (linear), or by std·√50 after a relu.
    let n = 100.0f32;
    let configs = [
        ("too small (std 0.5/√n)", Activation::Linear, Init::Normal { std: 0.5 / n.sqrt() }),
        ("too large (std 2/√n)", Activation::Linear, Init::Normal { std: 2.0 / n.sqrt() }),
        ("Xavier, linear", Activation::Linear, Init::GlorotNormal),
        ("He, relu", Activation::Relu, Init::HeNormal),
    ];
    let mut rng = Xoshiro128PlusPlus::new(6);
    let inputs: Vec<[f32; 100]> =
        (0..1000).map(|_| core::array::from_fn(|_| random::standard_normal(&mut rng))).collect();
    let (mut lines, mut rows, mut numbers) = (vec![], vec![], vec![]);
    for (name, a, init) in configs {
        let d = || Dense::<100, 100>::new(a).with_init(init);
        let mut m: Box<Tower> = Box::new(sequential![d(), d(), d(), d(), d(), d(), d(), d(), d(), d()]);
        m.init(&mut Xoshiro128PlusPlus::new(8));
        // the root mean square of the activations after each layer
        let mut rms = [0.0f64; 11];
        let mut layers: Vec<&Dense<100, 100>> = Vec::new();
        collect(&m, &mut layers);
        for x in &inputs {
            let mut h = *x;
            rms[0] += h.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / 100.0;
            for (l, layer) in layers.iter().enumerate() {
                let mut y = [0.0; 100];
                layer.forward(&h, &mut y);
                h = y;
                rms[l + 1] += h.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / 100.0;
            }
        }
        let rms: Vec<f64> = rms.iter().map(|s| (s / inputs.len() as f64).sqrt()).collect();
        rows.push(std::iter::once(name.to_string()).chain(rms.iter().map(|v| format!("{v:.3e}"))).collect());
        numbers.push((format!("{name}: layer 10"), rms[10]));
        lines.push((name.to_string(), rms.iter().enumerate().map(|(l, v)| (l as f32, *v as f32)).collect()));
    }
    plot::panels(
        &[Panel {
            title: "Signal scale through 10 layers".into(),
            x_label: "layer".into(),
            y_label: "RMS of the activations".into(),
            log_y: true,
            lines,
            dots: vec![],
        }],
        &out.join("init.png"),
    )?;
    let e = |n: &str| numbers.iter().find(|(k, _)| k.starts_with(n)).map(|(_, v)| *v).unwrap_or(f64::NAN);
    let conclusion = format!(
        "Weights too small halve the signal at each layer: 1.0 → {:.4} after 10 layers; too large double it: \
         1.0 → {:.0}. Xavier (linear) keeps it at {:.2} and He (relu) at {:.2}.",
        e("too small"),
        e("too large"),
        e("Xavier"),
        e("He")
    );
    Ok(Findings {
        name: "init",
        columns: std::iter::once("weights".to_string())
            .chain((0..=10).map(|l| format!("after layer {l}")))
            .collect(),
        rows,
        numbers,
        conclusion,
    })
}

/// The dense layers of the tower, in order.
fn collect<'a>(m: &'a Tower, out: &mut Vec<&'a Dense<100, 100>>) {
    out.push(&m.head);
    out.push(&m.tail.head);
    out.push(&m.tail.tail.head);
    out.push(&m.tail.tail.tail.head);
    out.push(&m.tail.tail.tail.tail.head);
    out.push(&m.tail.tail.tail.tail.tail.head);
    out.push(&m.tail.tail.tail.tail.tail.tail.head);
    out.push(&m.tail.tail.tail.tail.tail.tail.tail.head);
    out.push(&m.tail.tail.tail.tail.tail.tail.tail.tail.head);
    out.push(&m.tail.tail.tail.tail.tail.tail.tail.tail.tail);
}

fn target(x: f32) -> f32 {
    (2.0 * x).sin() + 0.3 * x
}

fn approximation(quick: bool, out: &Path) -> Result<Findings, ExperimentError> {
    type Five = Sequential![Dense<1, 5>, Dense<5, 1>];
    type Fifty = Sequential![Dense<1, 50>, Dense<50, 1>];
    type Deep = Sequential![Dense<1, 10>, Dense<10, 10>, Dense<10, 1>];
    let x: Vec<[f32; 1]> = (0..200).map(|i| [-3.0 + 6.0 * i as f32 / 199.0]).collect();
    let t: Vec<[f32; 1]> = x.iter().map(|v| [target(v[0])]).collect();
    let grid: Vec<f32> = (0..400).map(|i| -3.0 + 6.0 * i as f32 / 399.0).collect();
    let epochs = if quick { 400 } else { 2000 };
    let th = Activation::Tanh;
    let (mut lines, mut rows, mut numbers) = (
        vec![("true function".to_string(), grid.iter().map(|&g| (g, target(g))).collect::<Vec<_>>())],
        vec![],
        vec![],
    );
    macro_rules! fit {
        ($name:expr, $ty:ty, $value:expr) => {{
            let mut m: $ty = $value;
            m.init(&mut Xoshiro128PlusPlus::new(9));
            let mut opt = Adam::<$ty>::new(0.01);
            fit_logs(&mut m, &x, &t, (&x, &t), Loss::MeanSquaredError, epochs, 200, &mut opt, 9)?;
            let pred: Vec<(f32, f32)> = grid
                .iter()
                .map(|&g| {
                    let mut y = [0.0];
                    m.forward(&[g], &mut y);
                    (g, y[0])
                })
                .collect();
            let mse =
                pred.iter().map(|(g, y)| ((y - target(*g)) as f64).powi(2)).sum::<f64>() / pred.len() as f64;
            rows.push(vec![$name.to_string(), params_of::<$ty>().to_string(), format!("{mse:.2e}")]);
            numbers.push((format!("{}: mse", $name), mse));
            lines.push(($name.to_string(), pred));
        }};
    }
    fit!("1-5-1", Five, sequential![Dense::new(th), Dense::new(Activation::Linear)]);
    fit!("1-50-1", Fifty, sequential![Dense::new(th), Dense::new(Activation::Linear)]);
    fit!("1-10-10-1", Deep, sequential![Dense::new(th), Dense::new(th), Dense::new(Activation::Linear)]);
    plot::panels(
        &[Panel {
            title: "sin(2x) + 0.3x fitted by tanh networks".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            log_y: false,
            lines,
            dots: vec![],
        }],
        &out.join("approximation.png"),
    )?;
    let conclusion = {
        let e = |n: &str| numbers.iter().find(|(k, _)| k == n).map(|(_, v)| *v).unwrap_or(f64::NAN);
        let (five, fifty, deep) = (e("1-5-1: mse"), e("1-50-1: mse"), e("1-10-10-1: mse"));
        format!(
            "One hidden layer approximates the function, better with more neurons: mean squared error {five:.1e} \
                 with 5, {fifty:.1e} with 50. Two layers of 10 ({} parameters, fewer than the 151 of one layer of 50) \
                 reach {deep:.1e}.",
            params_of::<Deep>()
        )
    };
    Ok(Findings {
        name: "approximation",
        columns: vec!["network".into(), "parameters".into(), "mean squared error on [-3, 3]".into()],
        rows,
        numbers,
        conclusion,
    })
}

fn perceptron_vs_mlp(quick: bool, out: &Path) -> Result<Findings, ExperimentError> {
    let (x, t, vx, vt) = moons(if quick { 600 } else { 2000 }, 42);
    let to = |x: &[[f32; 2]], t: &[[f32; 1]]| Labelled {
        x: x.to_vec(),
        label: t.iter().map(|l| l[0] as usize).collect(),
    };
    let (train_set, test_set) = (to(&x, &t), to(&vx, &vt));
    let mut p = TrainOptions::recipe(ModelKind::Perceptron, 0);
    let mut m = TrainOptions::recipe(ModelKind::Mlp, 0);
    if quick {
        p.epochs = 20;
        m.epochs = 40;
    }
    let per = train(&p, &train_set, None, &mut |_, _| {})?;
    let mlp = train(&m, &train_set, None, &mut |_, _| {})?;
    let (a, b) = (per.model.evaluate(&test_set), mlp.model.evaluate(&test_set));
    plot::boundary(
        &[("perceptron (linear boundary)", &per.model), ("MLP (curved boundary)", &mlp.model)],
        &test_set,
        &out.join("perceptron-vs-mlp.png"),
    )?;
    Ok(Findings {
        name: "perceptron-vs-mlp",
        columns: vec!["model".into(), "test accuracy".into(), "test AUC".into(), "epochs".into()],
        rows: vec![
            vec![
                "perceptron".into(),
                format!("{:.4}", a.accuracy),
                format!("{:.4}", a.auc),
                per.run.epochs_run.to_string(),
            ],
            vec![
                "MLP".into(),
                format!("{:.4}", b.accuracy),
                format!("{:.4}", b.auc),
                mlp.run.epochs_run.to_string(),
            ],
        ],
        numbers: vec![
            ("perceptron accuracy".into(), a.accuracy as f64),
            ("mlp accuracy".into(), b.accuracy as f64),
        ],
        conclusion: format!(
            "A single neuron draws a straight line through the moons ({:.1} %); the MLP bends it around them ({:.1} %).",
            a.accuracy * 100.0,
            b.accuracy * 100.0
        ),
    })
}
