//! Finite-difference checks of every gradient: each layer × activation × loss, BatchNorm and
//! Dropout in both modes, and a deep stack.
//!
//! Method: central differences `(L(p+h) − L(p−h)) / 2h` of the f32 mean batch loss, for
//! every trainable parameter and every input value, against the analytic gradient of the
//! backward pass, at h = 5e-3 and at h/2 (either may agree). Tolerance:
//! `|a − n| ≤ 2e-3 + 2e-2·|n|`. The f32 loss (of order one) carries a rounding error of a
//! few 1e-7, which the division by 2h turns into about 1e-4; the truncation error
//! h²·|L⁽³⁾|/6 is below 1e-4 for these smooth, small networks.
//!
//! A perturbation that crosses a ReLU-type kink makes the differences at h and h/2
//! disagree with each other; such points are skipped and counted: none may be skipped in
//! a network of smooth activations, at most 1% in a ReLU-type network, whose weights are
//! drawn so that no pre-activation lies within 0.05 of a kink.

use tinymlp::layers::*;
use tinymlp::numeric::*;
use tinymlp::train::*;
use tinymlp::*;

const H: f32 = 5e-3;

#[derive(Default, Debug)]
struct Report {
    checked: usize,
    skipped: usize,
}

/// Mean loss of a training forward pass, with the dropout masks of `seed`.
fn loss_of<M: Train + Clone, const B: usize>(
    model: &M,
    x: &[M::Input],
    t: &[M::Output],
    loss: Loss,
    mode: Mode,
    seed: u64,
) -> f32 {
    let m = model.clone();
    let mut cache: Box<M::Cache<B>> = Box::new(Zero::ZERO);
    let mut rng = Xoshiro128PlusPlus::new(seed);
    m.forward_train(x, &mut cache, &mut rng, mode);
    let n = x.len();
    let (sum, _) = loss.batch(&m, &mut *cache, t, 1.0 / n as f32);
    sum / n as f32
}

fn close(a: f32, n: f64) -> bool {
    (a as f64 - n).abs() <= 2e-3 + 2e-2 * n.abs()
}

/// Judges one analytic derivative against central differences at h and h/2 (`losses`
/// holds L(p+h), L(p−h), L(p+h/2), L(p−h/2)). It passes when either agrees. When neither
/// does and the two differ from each other, a kink lies within h: the point is skipped.
fn judge(report: &mut Report, analytic: f32, losses: [f32; 4], what: &dyn Fn() -> String) {
    let n1 = (losses[0] as f64 - losses[1] as f64) / (2.0 * H as f64);
    let n2 = (losses[2] as f64 - losses[3] as f64) / H as f64;
    let consistent = (n1 - n2).abs() <= 5e-4 + 5e-3 * n1.abs();
    if !consistent {
        report.skipped += 1;
    } else if close(analytic, n1) || close(analytic, n2) {
        report.checked += 1;
    } else {
        panic!("{}: analytic {analytic}, numeric {n1} (h) and {n2} (h/2)", what());
    }
}

/// Checks every parameter and input gradient of `model` on the batch `(x, t)`.
fn check<M: Train + Clone, const B: usize>(
    name: &str,
    model: &M,
    x: &[M::Input],
    t: &[M::Output],
    loss: Loss,
    mode: Mode,
) -> Report {
    let seed = 99;
    let n = x.len();
    // Analytic gradients: forward, loss, backward with the input rows replaced by ∂L/∂x.
    let m = model.clone();
    let mut cache: Box<M::Cache<B>> = Box::new(Zero::ZERO);
    let mut grads: Box<M::Grads> = Box::new(Zero::ZERO);
    let mut rng = Xoshiro128PlusPlus::new(seed);
    m.forward_train(x, &mut cache, &mut rng, mode);
    let (_, at) = loss.batch(&m, &mut *cache, t, 1.0 / n as f32);
    let mut dx = x.to_vec();
    m.backward(Upstream::Replace(&mut dx), &mut cache, Some(&mut grads), at);

    assert!(loss_of::<M, B>(model, x, t, loss, mode, seed).is_finite());
    let steps = [H, -H, H / 2.0, -H / 2.0];
    let mut report = Report::default();
    for s in 0..M::SLICES {
        for k in 0..model.slice(s).len() {
            let losses = steps.map(|d| {
                let mut p = model.clone();
                p.slice_mut(s)[k] += d;
                loss_of::<M, B>(&p, x, t, loss, mode, seed)
            });
            judge(&mut report, grads.slice(s)[k], losses, &|| format!("{name}: param slice {s} index {k}"));
        }
    }
    for r in 0..n {
        for j in 0..<M::Input as Signal>::LEN {
            let losses = steps.map(|d| {
                let mut xp = x.to_vec();
                xp[r].as_mut_slice()[j] += d;
                loss_of::<M, B>(model, &xp, t, loss, mode, seed)
            });
            judge(&mut report, dx[r].as_slice()[j], losses, &|| format!("{name}: input row {r} value {j}"));
        }
    }
    let total = report.checked + report.skipped;
    let smooth = !name.contains("Relu");
    if smooth {
        assert_eq!(report.skipped, 0, "{name}: a smooth network cannot have kinks: {report:?}");
    }
    assert!(report.skipped * 100 <= total, "{name}: {report:?}");
    report
}

const HIDDEN: [Activation; 8] = [
    Activation::Linear,
    Activation::Sigmoid,
    Activation::Tanh,
    Activation::Relu,
    Activation::LeakyRelu { alpha: 0.2 },
    Activation::Elu { alpha: 1.0 },
    Activation::Gelu,
    Activation::Softmax,
];

/// `true` when the activation has a kink (ReLU, leaky ReLU, ELU's second derivative) and
/// some pre-activation lies within `margin` of it.
fn near_kink<'a>(act: Activation, z: impl Iterator<Item = &'a f32>, margin: f32) -> bool {
    let kinked = matches!(act, Activation::Relu | Activation::LeakyRelu { .. } | Activation::Elu { .. });
    kinked && z.into_iter().any(|v| v.abs() < margin)
}

fn inputs<const N: usize>(rows: usize, seed: u64) -> Vec<[f32; N]> {
    let mut rng = Xoshiro128PlusPlus::new(seed);
    (0..rows).map(|_| core::array::from_fn(|_| 2.0 * random::uniform(&mut rng) - 1.0)).collect()
}

/// One-hot targets for classification; values in (0, 1) otherwise.
fn targets<const K: usize>(rows: usize, one_hot: bool) -> Vec<[f32; K]> {
    (0..rows)
        .map(|r| {
            core::array::from_fn(|k| {
                if one_hot { if k == r % K { 1.0 } else { 0.0 } } else { ((r * 7 + k * 3) % 5) as f32 / 4.0 }
            })
        })
        .collect()
}

#[test]
fn every_activation_with_every_loss() {
    type Net = Sequential![Dense<3, 5>, Dense<5, 4>, Dense<4, 3>];
    let x = inputs::<3>(4, 1);
    let combos = [
        (Loss::MeanSquaredError, Activation::Linear, false),
        (Loss::MeanSquaredError, Activation::Tanh, false),
        (Loss::MeanSquaredError, Activation::Sigmoid, false),
        (Loss::MeanSquaredError, Activation::Relu, false),
        (Loss::MeanSquaredError, Activation::LeakyRelu { alpha: 0.1 }, false),
        (Loss::MeanSquaredError, Activation::Elu { alpha: 0.7 }, false),
        (Loss::MeanSquaredError, Activation::Gelu, false),
        (Loss::MeanSquaredError, Activation::Softmax, false),
        (Loss::BinaryCrossEntropy, Activation::Sigmoid, false), // fused with the logits
        (Loss::BinaryCrossEntropy, Activation::Softmax, false), // through clipped probabilities
        (Loss::CategoricalCrossEntropy, Activation::Softmax, true), // fused
        (Loss::CategoricalCrossEntropy, Activation::Sigmoid, true), // through probabilities
    ];
    let mut checked = 0;
    for (i, hidden) in HIDDEN.into_iter().enumerate() {
        for (j, (loss, out, one_hot)) in combos.into_iter().enumerate() {
            // Draw weights until no pre-activation lies within 0.05 of a kink, so that no
            // perturbation of size h crosses one.
            let mut seed = (i * 100 + j) as u64 * 1000;
            let net = loop {
                let mut net: Net = sequential![Dense::new(hidden), Dense::new(hidden), Dense::new(out)];
                net.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(seed));
                // non-zero biases, so that every bias path is exercised
                for s in [1, 3, 5] {
                    for (k, b) in net.slice_mut(s).iter_mut().enumerate() {
                        *b = 0.1 * (k as f32 - 1.0);
                    }
                }
                let mut cache: Box<<Net as Train>::Cache<4>> = Box::new(Zero::ZERO);
                net.clone().forward_train(&x, &mut cache, &mut Xoshiro128PlusPlus::new(0), Mode::Train);
                let (z1, z2, z3) = (&cache.0.z, &cache.1.0.z, &cache.1.1.z);
                let kink_hidden = near_kink(hidden, z1.iter().flatten().chain(z2.iter().flatten()), 0.05);
                if !kink_hidden && !near_kink(out, z3.iter().flatten(), 0.05) {
                    break net;
                }
                seed += 1;
            };
            let t = targets::<3>(4, one_hot);
            let name = format!("hidden {hidden:?}, output {out:?}, {loss:?}");
            checked += check::<Net, 4>(&name, &net, &x, &t, loss, Mode::Train).checked;
        }
    }
    assert!(checked > 8 * 12 * 60, "{checked}");
}

#[test]
fn batchnorm_and_dropout_in_both_modes() {
    type Net = Sequential![Dense<3, 6>, BatchNorm<6>, Dropout<6>, Dense<6, 4>, BatchNorm<4>, Dense<4, 1>];
    let x = inputs::<3>(5, 2);
    let t = targets::<1>(5, false).iter().map(|v| [if v[0] > 0.4 { 1.0 } else { 0.0 }]).collect::<Vec<_>>();
    for act in [Activation::Tanh, Activation::Gelu, Activation::Relu] {
        let mut net: Net = sequential![
            Dense::new(act),
            BatchNorm::new(),
            Dropout::new(0.3),
            Dense::new(act),
            BatchNorm::new(),
            Dense::new(Activation::Sigmoid)
        ];
        let mut seed = 5;
        loop {
            net.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(seed));
            let mut cache: Box<<Net as Train>::Cache<8>> = Box::new(Zero::ZERO);
            net.clone().forward_train(&x, &mut cache, &mut Xoshiro128PlusPlus::new(99), Mode::Train);
            let (z1, z2) = (&cache.0.z, &cache.1.1.1.0.z);
            // BatchNorm over 5 rows amplifies a perturbation of the first layer up to ~6×
            // before the second ReLU: a wider margin there.
            if !near_kink(act, z1[..5].iter().flatten(), 0.05)
                && !near_kink(act, z2[..5].iter().flatten(), 0.3)
            {
                break;
            }
            seed += 1;
        }
        // Non-trivial gamma, beta and moving statistics.
        net.tail.head.gamma = [1.2, 0.8, 1.5, 0.6, 1.1, 0.9];
        net.tail.head.beta = [0.1, -0.2, 0.3, 0.0, -0.1, 0.2];
        net.tail.head.moving_mean = [0.2, -0.1, 0.05, 0.3, -0.2, 0.1];
        net.tail.head.moving_variance = [0.5, 1.5, 0.8, 1.2, 0.7, 2.0];
        for mode in [Mode::Train, Mode::FrozenStatistics] {
            let name = format!("BN/Dropout with {act:?} in {mode:?}");
            let r = check::<Net, 8>(&name, &net, &x, &t, Loss::BinaryCrossEntropy, mode);
            assert!(r.checked > 80);
        }
    }
    // Batch of one in frozen mode: the fine-tuning case.
    let mut net: Net = sequential![
        Dense::new(Activation::Tanh),
        BatchNorm::new(),
        Dropout::new(0.0),
        Dense::new(Activation::Tanh),
        BatchNorm::new(),
        Dense::new(Activation::Sigmoid)
    ];
    net.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(8));
    check::<Net, 1>(
        "batch of one, frozen",
        &net,
        &x[..1],
        &t[..1],
        Loss::BinaryCrossEntropy,
        Mode::FrozenStatistics,
    );
}

#[test]
fn deep_stack_of_nine_layers() {
    type Deep = Sequential![
        Dense<2, 6>,
        Dense<6, 6>,
        Dense<6, 6>,
        Dense<6, 6>,
        Dense<6, 6>,
        Dense<6, 6>,
        Dense<6, 6>,
        Dense<6, 6>,
        Dense<6, 3>
    ];
    assert_eq!(<Deep as Layer>::LAYERS, 9);
    let t = Activation::Tanh;
    let mut net: Deep = sequential![
        Dense::new(t),
        Dense::new(t),
        Dense::new(t),
        Dense::new(t),
        Dense::new(t),
        Dense::new(t),
        Dense::new(t),
        Dense::new(t),
        Dense::new(Activation::Softmax)
    ];
    net.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(3));
    let x = inputs::<2>(3, 4);
    let y = targets::<3>(3, true);
    let r = check::<Deep, 4>("deep tanh + softmax", &net, &x, &y, Loss::CategoricalCrossEntropy, Mode::Train);
    assert!(r.checked > 300);
}

/// Skip connections: residual blocks of one and of two layers (tanh, and sigmoid inside
/// a block), a block first (its input gradient is the network's) and last before the head,
/// with the cross-entropy head fused.
#[test]
fn residual_blocks() {
    type Net = Sequential![
        Residual<Dense<3, 3>>,
        Dense<3, 4>,
        Residual<Sequential![Dense<4, 4>, Dense<4, 4>]>,
        Dense<4, 2>
    ];
    assert_eq!(<Net as Layer>::LAYERS, 7); // four dense layers, two blocks, their markers counted
    let (t, s) = (Activation::Tanh, Activation::Sigmoid);
    let mut net: Net = sequential![
        Residual::new(Dense::new(t)),
        Dense::new(t),
        Residual::new(sequential![Dense::new(s), Dense::new(t)]),
        Dense::new(Activation::Softmax)
    ];
    net.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(5));
    let x = inputs::<3>(4, 6);
    let y = targets::<2>(4, true);
    let r =
        check::<Net, 4>("residual tanh/sigmoid", &net, &x, &y, Loss::CategoricalCrossEntropy, Mode::Train);
    assert!(r.checked >= <Net as Layer>::TRAINABLE + 12, "{r:?}");
    // a block is its input plus its inner layer's output, exactly
    let mut inner_out = [0.0; 3];
    net.head.inner.forward(&x[0], &mut inner_out);
    let mut out = [0.0; 3];
    net.head.forward(&x[0], &mut out);
    assert_eq!(out, core::array::from_fn(|i| x[0][i] + inner_out[i]));
}

#[test]
fn trainer_input_gradient_and_activations() {
    // A tanh network (smooth: no kinks), softmax head: the trainer's dL/dx against central
    // differences of the mean loss, and its activations against the inference pass.
    type Net = Sequential![Dense<3, 5>, BatchNorm<5>, Dense<5, 4>, Dense<4, 3>];
    let mut net: Net = sequential![
        Dense::new(Activation::Tanh),
        BatchNorm::new(),
        Dense::new(Activation::Tanh),
        Dense::new(Activation::Softmax)
    ];
    net.init(Init::GlorotNormal, &mut Xoshiro128PlusPlus::new(21));
    let x = inputs::<3>(6, 4);
    let t = targets::<3>(6, true);
    let mut trainer =
        Box::new(Trainer::<Net, 8>::new(Loss::CategoricalCrossEntropy).with_mode(Mode::FrozenStatistics));
    let mut dx = vec![[0.0f32; 3]; x.len()];
    let loss = trainer.input_gradient(&net, &x, &t, &mut dx, &mut Xoshiro128PlusPlus::new(0));
    let mean = |x: &[[f32; 3]]| {
        loss_of::<Net, 8>(&net, x, &t, Loss::CategoricalCrossEntropy, Mode::FrozenStatistics, 0)
    };
    assert_eq!(loss.to_bits(), mean(&x).to_bits());
    let mut report = Report::default();
    for r in 0..x.len() {
        for k in 0..3 {
            let losses = [H, -H, H / 2.0, -H / 2.0].map(|d| {
                let mut moved = x.clone();
                moved[r][k] += d;
                mean(&moved)
            });
            judge(&mut report, dx[r][k], losses, &|| format!("dL/dx[{r}][{k}]"));
        }
    }
    assert_eq!(report.checked, 18, "{report:?}");
    // The same step's parameter gradients are kept, as a step would compute them.
    assert!(trainer.grads().abs_bound() > 0.0);
    // Activations: four layers, each with the rows it was given; the last is the output.
    let mut widths = Vec::new();
    let mut last = Vec::new();
    trainer.activations(&net, &x, &mut Xoshiro128PlusPlus::new(0), &mut |layer, values| {
        widths.push((layer, values.len() / x.len()));
        last = values.to_vec();
    });
    assert_eq!(widths, [(0, 5), (1, 5), (2, 4), (3, 3)]);
    for (r, xr) in x.iter().enumerate() {
        let mut y = [0.0; 3];
        net.forward(xr, &mut y);
        assert_eq!(y.map(f32::to_bits), [0, 1, 2].map(|k| last[r * 3 + k].to_bits()), "row {r}");
    }
}
