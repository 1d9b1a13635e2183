//! Golden values: a forward pass and one step of each optimiser, worked out independently.
//!
//! Origin of the numbers: the forward/backward pass of the 2-2-1 network below was worked
//! by hand (every intermediate value is written next to its formula) and the final
//! digits computed with Python's `math` in float64. The Adam values come from a float64
//! Python run of Kingma & Ba's algorithm in Keras 3's form, and are also within 1e-7 of the
//! paper's textbook form (0.99000000, 0.98733663, 0.98393234).

// The reference values are quoted with every digit their source printed.
#![allow(clippy::excessive_precision)]

use tinymlp::layers::*;
use tinymlp::numeric::*;
use tinymlp::train::optim::*;
use tinymlp::train::*;
use tinymlp::*;

type Net = Sequential![Dense<2, 2>, Dense<2, 1>];

fn net() -> Net {
    sequential![
        Dense::from_parts([[0.5, -1.0], [1.5, 0.25]], [0.1, -0.2], Activation::Relu),
        Dense::from_parts([[2.0, -0.5]], [0.3], Activation::Sigmoid)
    ]
}

fn near(a: f32, b: f64, tol: f64) -> bool {
    (a as f64 - b).abs() <= tol
}

#[test]
fn forward_pass_by_hand() {
    // z1 = W1·x + b1 = [0.5·1 − 1·2 + 0.1, 1.5·1 + 0.25·2 − 0.2] = [−1.4, 1.8]
    // h = relu(z1) = [0, 1.8]; z2 = 2·0 − 0.5·1.8 + 0.3 = −0.6
    // y = 1/(1 + e^0.6) = 0.35434369377420455
    let mut y = [0.0];
    net().forward(&[1.0, 2.0], &mut y);
    assert!(near(y[0], 0.354_343_693_774_204_55, 3e-8), "{}", y[0]);
    let mut h = [0.0; 2];
    net().head.forward(&[1.0, 2.0], &mut h);
    assert_eq!(h, [0.0, 1.8]);
}

#[test]
fn one_sgd_step_by_hand() {
    // Loss = −ln y = 1.0374879504858856 (target 1).
    // ∂L/∂z2 = y − 1 = −0.6456563062257954
    // ∂L/∂W2 = ∂z2·h = [0, −1.1621813512064317]; ∂L/∂b2 = −0.6456563062257954
    // ∂L/∂h = W2ᵀ·∂z2 = [−1.2913126, 0.3228281531128977]; relu' = [0, 1]
    // ∂L/∂W1 = [[0, 0], [0.3228281531, 0.6456563062]]; ∂L/∂b1 = [0, 0.3228281531]
    let mut model = net();
    let mut trainer = Trainer::<Net, 1>::new(Loss::BinaryCrossEntropy);
    let mut rng = Xoshiro128PlusPlus::new(0);
    let loss = trainer.step(&mut model, &mut Sgd::new(0.1), &[[1.0, 2.0]], &[[1.0]], &mut rng).unwrap();
    assert!(near(loss, 1.037_487_950_485_885_6, 1e-6));
    let g = trainer.grads();
    assert_eq!(g.0.weight[0], [0.0, 0.0]);
    assert!(near(g.0.weight[1][0], 0.322_828_153_112_897_7, 1e-7));
    assert!(near(g.0.weight[1][1], 0.645_656_306_225_795_4, 1e-7));
    assert!(near(g.1.weight[0][1], -1.162_181_351_206_431_7, 1e-7));
    assert!(near(g.1.bias[0], -0.645_656_306_225_795_4, 1e-7));
    // p ← p − 0.1·g
    assert_eq!(model.head.weight[0], [0.5, -1.0]);
    assert!(near(model.head.weight[1][0], 1.467_717_184_688_710_2, 1e-7));
    assert!(near(model.head.weight[1][1], 0.185_434_369_377_420_46, 1e-7));
    assert!(near(model.head.bias[1], -0.232_282_815_311_289_77, 1e-7));
    assert!(near(model.tail.weight[0][1], -0.383_781_864_879_356_83, 1e-7));
    assert!(near(model.tail.bias[0], 0.364_565_630_622_579_54, 1e-7));
}

fn one_weight(p: f32) -> Dense<1, 1> {
    Dense::from_parts([[p]], [0.0], Activation::Linear)
}

fn grad(g: f32) -> DenseGrads<1, 1> {
    DenseGrads { weight: [[g]], bias: [0.0] }
}

#[test]
fn momentum_steps_by_hand() {
    // lr 0.1, momentum 0.9, g = 0.5 twice, p0 = 1.
    // Classic: v1 = −0.05, p1 = 0.95; v2 = −0.05 + 0.9·(−0.05) = −0.095, p2 = 0.855.
    let mut layer = one_weight(1.0);
    let mut opt = Momentum::<Dense<1, 1>>::new(0.1, 0.9);
    opt.step::<Canonical>(&mut layer, &grad(0.5), f32::INFINITY).unwrap();
    assert!(near(layer.weight[0][0], 0.95, 1e-7));
    opt.step::<Canonical>(&mut layer, &grad(0.5), f32::INFINITY).unwrap();
    assert!(near(layer.weight[0][0], 0.855, 1e-7));
    assert!(near(opt.velocity().weight[0][0], -0.095, 1e-8));
    // Nesterov: p1 = 1 + (−0.05 + 0.9·(−0.05)) = 0.905; v2 = −0.095,
    // p2 = 0.905 + (−0.05 + 0.9·(−0.095)) = 0.7695.
    let mut layer = one_weight(1.0);
    let mut opt = Momentum::<Dense<1, 1>>::from_config(MomentumConfig {
        lr: 0.1,
        momentum: 0.9,
        nesterov: true,
        ..Default::default()
    });
    opt.step::<Canonical>(&mut layer, &grad(0.5), f32::INFINITY).unwrap();
    assert!(near(layer.weight[0][0], 0.905, 1e-7));
    opt.step::<Canonical>(&mut layer, &grad(0.5), f32::INFINITY).unwrap();
    assert!(near(layer.weight[0][0], 0.7695, 1e-7));
}

#[test]
fn adam_steps_against_the_reference_computation() {
    let mut layer = one_weight(1.0);
    let mut opt = Adam::<Dense<1, 1>>::new(0.01);
    let expected = [0.990_000_063_245_153_2, 0.987_336_707_920_792_2, 0.983_932_435_248_192_8];
    for (g, e) in [0.5, -0.25, 0.125].into_iter().zip(expected) {
        opt.step::<Canonical>(&mut layer, &grad(g), f32::INFINITY).unwrap();
        assert!(near(layer.weight[0][0], e, 2e-7), "{} vs {e}", layer.weight[0][0]);
    }
    assert_eq!(opt.iterations(), 3);
    // A zero gradient leaves the bias (zero moments) untouched.
    assert_eq!(layer.bias, [0.0]);
}

#[test]
fn weight_decay_adds_l2_gradient() {
    // g' = g + 0.1·p = 0.5 + 0.1 = 0.6; p = 1 − 0.1·0.6 = 0.94
    let mut layer = one_weight(1.0);
    let config = SgdConfig { lr: 0.1, weight_decay: 0.1, ..Default::default() };
    Sgd::from(config).step::<Canonical>(&mut layer, &grad(0.5), f32::INFINITY).unwrap();
    assert!(near(layer.weight[0][0], 0.94, 1e-7));
    assert_eq!(layer.bias, [0.0]);
    // The bias (gradient 0, value 0) stays: its decay term is 0.1·0.
}

#[test]
fn weight_decay_can_leave_biases_and_batchnorm_alone() {
    // Keras' kernel_regularizer: only the dense layers' weight matrices decay.
    type Net = Sequential![Dense<1, 1>, BatchNorm<1>];
    let fresh =
        || -> Net { sequential![Dense::from_parts([[1.0]], [2.0], Activation::Linear), BatchNorm::new()] };
    let zero = <Net as Train>::Grads::ZERO;
    for decay_biases in [true, false] {
        let mut net = fresh();
        let config = SgdConfig { lr: 0.1, weight_decay: 0.5, decay_biases };
        Sgd::from(config).step::<Canonical>(&mut net, &zero, f32::INFINITY).unwrap();
        assert!(near(net.head.weight[0][0], 0.95, 1e-7), "the weight always decays: 1 − 0.1·0.5·1");
        let (bias, gamma) = (net.head.bias[0], net.tail.gamma[0]);
        if decay_biases {
            assert!(near(bias, 1.9, 1e-6) && near(gamma, 0.95, 1e-7), "{bias} {gamma}");
        } else {
            assert_eq!((bias, gamma), (2.0, 1.0));
        }
        let mut net = fresh();
        let mut adam =
            Adam::<Net>::from_config(AdamConfig { weight_decay: 0.5, decay_biases, ..Default::default() });
        adam.step::<Canonical>(&mut net, &zero, f32::INFINITY).unwrap();
        assert_ne!(net.head.weight[0][0], 1.0);
        assert_eq!(net.head.bias[0] == 2.0, !decay_biases);
        let mut net = fresh();
        let mut momentum = Momentum::<Net>::from_config(MomentumConfig {
            weight_decay: 0.5,
            decay_biases,
            ..Default::default()
        });
        momentum.step::<Canonical>(&mut net, &zero, f32::INFINITY).unwrap();
        assert_ne!(net.head.weight[0][0], 1.0);
        assert_eq!(net.tail.gamma[0] == 1.0, !decay_biases);
    }
}

#[test]
fn learning_rate_is_settable() {
    let mut opt = Adam::<Dense<1, 1>>::new(0.01);
    Optimizer::<Dense<1, 1>>::set_learning_rate(&mut opt, 0.5);
    assert_eq!(Optimizer::<Dense<1, 1>>::learning_rate(&opt), 0.5);
}

#[test]
fn batch_gradient_is_the_mean_and_chunks_add_up() {
    // Gradients of a batch of 4 equal the mean of the four single-row gradients, and a
    // trainer whose caches hold 2 rows (two chunks) gives the same mean.
    let x = [[1.0, 2.0], [-0.5, 0.3], [0.7, -1.1], [2.0, 0.1]];
    let t = [[1.0], [0.0], [1.0], [0.0]];
    let mut rng = Xoshiro128PlusPlus::new(0);
    let mut m = net();
    let mut whole = Trainer::<Net, 4>::new(Loss::BinaryCrossEntropy);
    whole.accumulate(&mut m, &x, &t, 0.25, &mut rng, &mut |_, _| {});
    let mut chunked = Trainer::<Net, 2>::new(Loss::BinaryCrossEntropy);
    chunked.accumulate(&mut m, &x, &t, 0.25, &mut rng, &mut |_, _| {});
    let mut single = Trainer::<Net, 1>::new(Loss::BinaryCrossEntropy);
    for r in 0..4 {
        single.accumulate(&mut m, &x[r..r + 1], &t[r..r + 1], 1.0, &mut rng, &mut |_, _| {});
    }
    single.grads_mut().scale(0.25);
    for s in 0..<Net as Params>::SLICES {
        for ((a, b), c) in
            whole.grads().slice(s).iter().zip(chunked.grads().slice(s)).zip(single.grads().slice(s))
        {
            assert!((a - b).abs() < 1e-6 && (a - c).abs() < 1e-6, "{a} {b} {c}");
        }
    }
}

#[test]
fn an_update_that_would_overflow_is_refused_whole() {
    // g·lr = 2·f32::MAX overflows: neither the weight nor the bias may change.
    let mut layer = Dense::<1, 1>::from_parts([[1.0]], [0.5], Activation::Linear);
    let g = DenseGrads { weight: [[0.5]], bias: [2.0] };
    let before = layer.clone();
    assert_eq!(
        Sgd::new(f32::MAX).step::<Canonical>(&mut layer, &g, f32::INFINITY),
        Err(StepError::NonFiniteWeights)
    );
    assert_eq!(layer, before);
    let mut adam = Adam::<Dense<1, 1>>::new(0.1);
    let bad = DenseGrads { weight: [[f32::MAX]], bias: [0.0] };
    // g² overflows the second moment: refused, and the step count does not advance.
    assert_eq!(adam.step::<Canonical>(&mut layer, &bad, f32::INFINITY), Err(StepError::NonFiniteWeights));
    assert_eq!((adam.iterations(), &layer), (0, &before));
}
