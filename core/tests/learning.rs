//! The network learns: XOR to 100 %, and a linearly separable set with one perceptron.

use tinymlp::eval::*;
use tinymlp::layers::*;
use tinymlp::numeric::*;
use tinymlp::train::optim::*;
use tinymlp::train::*;
use tinymlp::*;

#[test]
fn xor_reaches_full_accuracy() {
    type Xor = Sequential![Dense<2, 8>, Dense<8, 1>];
    let x = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let t = [[0.0], [1.0], [1.0], [0.0]];
    for seed in 0..5 {
        let mut rng = Xoshiro128PlusPlus::new(seed);
        let mut net: Xor = sequential![Dense::new(Activation::Tanh), Dense::new(Activation::Sigmoid)];
        net.init(Init::GlorotUniform, &mut rng);
        let mut trainer = Trainer::<Xor, 4>::new(Loss::BinaryCrossEntropy);
        let mut opt = Adam::<Xor>::new(0.05);
        let mut loss = f32::INFINITY;
        for _ in 0..1000 {
            loss = trainer.step(&mut net, &mut opt, &x, &t, &mut rng).unwrap();
        }
        assert!(loss < 0.05, "seed {seed}: loss {loss}");
        for (xi, ti) in x.iter().zip(&t) {
            let mut y = [0.0];
            net.forward(xi, &mut y);
            assert_eq!(y[0] > 0.5, ti[0] > 0.5, "seed {seed}: {xi:?} → {}", y[0]);
        }
    }
}

#[test]
fn perceptron_separates_a_linearly_separable_set() {
    // Points on either side of the line x0 + 2·x1 = 0.5, at least 0.05 away from it.
    let mut rng = Xoshiro128PlusPlus::new(1);
    let mut x = Vec::new();
    let mut t = Vec::new();
    while x.len() < 200 {
        let p = [4.0 * random::uniform(&mut rng) - 2.0, 4.0 * random::uniform(&mut rng) - 2.0];
        let side = p[0] + 2.0 * p[1] - 0.5;
        if side.abs() > 0.05 {
            x.push(p);
            t.push([if side > 0.0 { 1.0 } else { 0.0 }]);
        }
    }
    let mut p: Dense<2, 1> = Dense::new(Activation::Sigmoid);
    p.init(Init::GlorotUniform, &mut rng);
    let mut trainer = Trainer::<Dense<2, 1>, 16>::new(Loss::BinaryCrossEntropy);
    let mut opt = Sgd::new(0.5);
    for _ in 0..300 {
        for (xb, tb) in x.chunks(16).zip(t.chunks(16)) {
            trainer.step(&mut p, &mut opt, xb, tb, &mut rng).unwrap();
        }
    }
    let correct = x
        .iter()
        .zip(&t)
        .filter(|(xi, ti)| {
            let mut y = [0.0];
            p.forward(xi, &mut y);
            (y[0] > 0.5) == (ti[0] > 0.5)
        })
        .count();
    assert_eq!(correct, 200);
    // The learned boundary is the true one: w1/w0 ≈ 2, and b/w0 ≈ −0.5.
    let [w0, w1] = p.weight[0];
    assert!((w1 / w0 - 2.0).abs() < 0.2, "{w0} {w1}");
    assert!((p.bias[0] / w0 + 0.5).abs() < 0.1, "{}", p.bias[0]);
}

#[test]
fn same_seed_same_bits() {
    type Net = Sequential![Dense<2, 8>, BatchNorm<8>, Dropout<8>, Dense<8, 1>];
    let run = || {
        let mut rng = Xoshiro128PlusPlus::new(77);
        let mut net: Net = sequential![
            Dense::new(Activation::Relu),
            BatchNorm::new(),
            Dropout::new(0.25),
            Dense::new(Activation::Sigmoid)
        ];
        net.init(Init::GlorotUniform, &mut rng);
        let mut trainer = Trainer::<Net, 4>::new(Loss::BinaryCrossEntropy);
        let mut opt = Adam::<Net>::new(0.01);
        let x = [[0.1, 0.2], [0.9, -0.3], [-0.4, 0.8], [0.5, 0.5]];
        let t = [[0.0], [1.0], [0.0], [1.0]];
        for _ in 0..20 {
            trainer.step(&mut net, &mut opt, &x, &t, &mut rng).unwrap();
        }
        let mut bits = Vec::new();
        net.tensors(&mut |_, v| bits.extend(v.iter().map(|f| f.to_bits())));
        bits
    };
    assert_eq!(run(), run());
}

#[test]
fn non_finite_input_is_refused_and_leaves_the_model_unchanged() {
    type Net = Sequential![Dense<2, 4>, BatchNorm<4>, Dense<4, 1>];
    let mut rng = Xoshiro128PlusPlus::new(3);
    let mut net: Net =
        sequential![Dense::new(Activation::Relu), BatchNorm::new(), Dense::new(Activation::Sigmoid)];
    net.init(Init::GlorotUniform, &mut rng);
    let before = net.clone();
    let mut trainer = Trainer::<Net, 2>::new(Loss::BinaryCrossEntropy);
    let mut opt = Adam::<Net>::new(0.01);
    let err = trainer.step(&mut net, &mut opt, &[[f32::NAN, 1.0], [0.0, 1.0]], &[[1.0], [0.0]], &mut rng);
    assert!(matches!(err, Err(StepError::NonFiniteLoss | StepError::NonFiniteGradient)));
    assert_eq!(net, before, "weights and moving statistics untouched");
    let err = trainer.step(&mut net, &mut opt, &[[0.0, 1.0]], &[], &mut rng);
    assert_eq!(err, Err(StepError::BadBatch { inputs: 1, targets: 0 }));
}

#[test]
fn forward_rows_is_forward_row_by_row_bit_for_bit() {
    let mut m: tinymlp::zoo::SeedMlp = tinymlp::zoo::seed_mlp();
    m.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(4));
    m.head.adapt(&[[0.1, 2.0], [-1.0, 0.5], [3.0, -2.0]]);
    let mut rng = Xoshiro128PlusPlus::new(5);
    let x: Vec<[f32; 2]> =
        (0..37).map(|_| [random::standard_normal(&mut rng), random::standard_normal(&mut rng)]).collect();
    let mut many = vec![[0.0f32; 1]; x.len()];
    predict(&m, &x, &mut many);
    for (xi, yi) in x.iter().zip(&many) {
        let mut y = [0.0];
        m.forward(xi, &mut y);
        assert_eq!(y[0].to_bits(), yi[0].to_bits());
    }
}

/// A kernel whose magnitude bound is far too loose (every check then looks at each new
/// value), and one that is NaN on purpose: only the speed may depend on a kernel's bound.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct LooseBound;
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct NanBound;

impl kernel::Kernel for LooseBound {
    fn affine<const IN: usize, const OUT: usize>(
        weight: &[[f32; IN]; OUT],
        bias: &[f32; OUT],
        x: &[f32; IN],
        z: &mut [f32; OUT],
    ) {
        kernel::Canonical::affine(weight, bias, x, z)
    }

    fn abs_bound(x: &[f32]) -> f32 {
        x.iter().fold(1e30, |s, v| s + v.abs() * 1e30)
    }
}

impl kernel::Kernel for NanBound {
    fn affine<const IN: usize, const OUT: usize>(
        weight: &[[f32; IN]; OUT],
        bias: &[f32; OUT],
        x: &[f32; IN],
        z: &mut [f32; OUT],
    ) {
        kernel::Canonical::affine(weight, bias, x, z)
    }

    fn abs_bound(_: &[f32]) -> f32 {
        f32::NAN
    }
}

#[test]
fn a_kernel_bound_changes_no_bit_and_no_refusal() {
    type Net = Sequential![Dense<2, 16>, BatchNorm<16>, Dense<16, 1>];
    let x: Vec<[f32; 2]> = (0..32).map(|i| [i as f32 * 0.1 - 1.6, (i % 5) as f32 * 0.3]).collect();
    let t: Vec<[f32; 1]> = (0..32).map(|i| [(i % 2) as f32]).collect();
    let fresh = || {
        let mut net: Net =
            sequential![Dense::new(Activation::Relu), BatchNorm::new(), Dense::new(Activation::Sigmoid)];
        net.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(4));
        net
    };
    let bits = |n: &Net| {
        let mut v = Vec::new();
        n.visit(&mut |_, ts| ts.iter().for_each(|t| v.extend(t.data.iter().map(|f| f.to_bits()))));
        v
    };
    for (sgd, lr) in [(true, 0.05f32), (false, 0.01), (true, 1e38)] {
        let (mut a, mut b, mut c) = (fresh(), fresh(), fresh());
        let (mut ta, mut tb, mut tc) = (
            Trainer::<Net, 8>::new(Loss::BinaryCrossEntropy),
            Trainer::<Net, 8, LooseBound>::new(Loss::BinaryCrossEntropy),
            Trainer::<Net, 8, NanBound>::new(Loss::BinaryCrossEntropy),
        );
        let (mut ra, mut rb, mut rc) =
            (Xoshiro128PlusPlus::new(1), Xoshiro128PlusPlus::new(1), Xoshiro128PlusPlus::new(1));
        let mut refusals = 0;
        for chunk in 0..4 {
            let (xs, ts) = (&x[chunk * 8..chunk * 8 + 8], &t[chunk * 8..chunk * 8 + 8]);
            let (r1, r2, r3) = if sgd {
                let (mut o1, mut o2, mut o3) = (Sgd::new(lr), Sgd::new(lr), Sgd::new(lr));
                (
                    ta.step(&mut a, &mut o1, xs, ts, &mut ra),
                    tb.step(&mut b, &mut o2, xs, ts, &mut rb),
                    tc.step(&mut c, &mut o3, xs, ts, &mut rc),
                )
            } else {
                let (mut o1, mut o2, mut o3) =
                    (Adam::<Net>::new(lr), Adam::<Net>::new(lr), Adam::<Net>::new(lr));
                (
                    ta.step(&mut a, &mut o1, xs, ts, &mut ra),
                    tb.step(&mut b, &mut o2, xs, ts, &mut rb),
                    tc.step(&mut c, &mut o3, xs, ts, &mut rc),
                )
            };
            refusals += usize::from(r1.is_err());
            let same = |r: &Result<f32, StepError>| r.map(f32::to_bits);
            assert_eq!(same(&r1), same(&r2), "lr {lr}");
            assert_eq!(same(&r1), same(&r3), "lr {lr}");
            assert_eq!(bits(&a), bits(&b));
            assert_eq!(bits(&a), bits(&c));
        }
        // The huge rate overflows: every kernel refused the same steps, for the same reason.
        assert_eq!(refusals > 0, lr > 1e37, "lr {lr}: {refusals} refusals");
    }
}

/// A batch whose variance overflows leaves the loss finite (BatchNorm divides by an
/// infinite standard deviation) but would make the moving variance infinite: the step is
/// refused whole, and the model keeps its weights and statistics.
#[test]
fn a_step_that_would_poison_batchnorm_statistics_is_refused() {
    type Net = Sequential![Dense<1, 2>, BatchNorm<2>, Dense<2, 1>];
    let mut net: Net = sequential![
        Dense::from_parts([[1e20], [-1e20]], [0.0; 2], Activation::Linear),
        BatchNorm::new(),
        Dense::new(Activation::Sigmoid)
    ];
    let before = net.clone();
    let mut trainer = Trainer::<Net, 4>::new(Loss::BinaryCrossEntropy);
    let result =
        trainer.step(&mut net, &mut Sgd::new(0.1), &[[1.0], [-1.0]], &[[1.0], [0.0]], &mut NoDropout);
    assert_eq!(result, Err(StepError::NonFiniteStatistics));
    assert_eq!(net, before);
}
