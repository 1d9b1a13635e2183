//! The runtime-shaped [`Net`] against the const-generic networks: the same bits for
//! inference, initialisation, every training step (batches, fine-tuning with frozen
//! statistics), input gradients, activations and whole `fit` runs with callbacks — over the
//! zoo's models and architectures drawn at random (`draw_architectures.py`).

use tinymlp::Activation::*;
use tinymlp::io::{read_bin, write_bin};
use tinymlp::numeric::{Signal, Zero};
use tinymlp::prelude::*;
use tinymlp::train::callbacks::{EarlyStopping, Monitor, ReduceLrOnPlateau};
use tinymlp::train::{FitData, Loss};
use tinymlp::zoo;
use tinymlp::{BatchNorm, Dense, Dropout, Normalization, Sequential, sequential};
use tinymlp::{Layer, Train, Trainer};
use tinymlp_net::{Net, Row};

fn bin<M: Layer>(m: &M) -> Vec<u8> {
    let mut buf = vec![0u8; tinymlp::io::model_bin_len(m)];
    let n = write_bin(m, &mut buf).expect("finite model");
    buf.truncate(n);
    buf
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|f| f.to_bits()).collect()
}

/// Rows with wide magnitudes and targets for `loss`.
fn data<const N: usize, const K: usize>(
    rows: usize,
    loss: Loss,
    seed: u64,
) -> (Vec<[f32; N]>, Vec<[f32; K]>) {
    let mut rng = Xoshiro128PlusPlus::new(seed);
    let mut u = || tinymlp::rand_core::Rng::next_u32(&mut rng) as f32 / u32::MAX as f32;
    let x: Vec<[f32; N]> =
        (0..rows).map(|_| core::array::from_fn(|j| (u() - 0.3) * (1.0 + j as f32))).collect();
    let t = x
        .iter()
        .map(|r| {
            let s: f32 = r.iter().sum();
            match loss {
                Loss::BinaryCrossEntropy => core::array::from_fn(|_| f32::from(u8::from(s > 0.5))),
                Loss::CategoricalCrossEntropy => {
                    let c = ((s.abs() * 3.0) as usize) % K;
                    core::array::from_fn(|k| f32::from(u8::from(k == c)))
                }
                _ => core::array::from_fn(|k| libm::sinf(s + k as f32)),
            }
        })
        .collect();
    (x, t)
}

fn rows<const N: usize>(x: &[[f32; N]]) -> Vec<Row> {
    x.iter().map(|r| Row::from_slice(r)).collect()
}

/// Every comparison for one architecture: `typed` (zero weights) is the const-generic
/// network, the `Net` is read from its file.
fn check<M, const N: usize, const K: usize>(typed: M, loss: Loss, seed: u64)
where
    M: Train<Input = [f32; N], Output = [f32; K]> + Clone,
{
    let mut typed = Box::new(typed);
    // The shape from the file; zero weights on both sides.
    let mut net = Net::read(&bin(&*typed)).expect("the file of a const-generic model reads");
    assert_eq!((net.inputs(), net.outputs()), (N, K));
    // Initialisation: the same draws.
    typed.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(seed));
    net.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(seed));
    assert_eq!(bin(&*typed), bin(&net), "init, architecture {seed}");
    // The scaler: the core's adapt and the Net's.
    let (x, t) = data::<N, K>(150, loss, seed);
    let mut norm = Normalization::<N>::new();
    norm.adapt(&x);
    net.adapt(&rows(&x));
    assert_eq!(bits(&norm.mean), bits(net.scaler().0));
    assert_eq!(bits(&norm.scale), bits(net.scaler().1));
    read_bin(&bin(&net), &mut *typed).unwrap();

    // Inference, row by row and batched, outputs and logits.
    let infer = |typed: &M, net: &Net| {
        let mut yt = vec![[0.0f32; K]; x.len()];
        let mut yn = vec![Row::ZERO; x.len()];
        typed.forward_rows(&x, &mut yt);
        net.forward_rows(&rows(&x), &mut yn);
        for (a, b) in yt.iter().zip(&yn) {
            assert_eq!(bits(a), bits(b.as_slice()), "inference, architecture {seed}");
        }
        typed.forward_rows_logits(&x, &mut yt);
        net.forward_rows_logits(&rows(&x), &mut yn);
        for (a, b) in yt.iter().zip(&yn) {
            assert_eq!(bits(a), bits(b.as_slice()), "logits, architecture {seed}");
        }
        let mut one = Row::ZERO;
        let mut y1 = [0.0f32; K];
        typed.forward(&x[3], &mut y1);
        net.forward(&Row::from_slice(&x[3]), &mut one);
        assert_eq!(bits(&y1), bits(one.as_slice()));
    };
    infer(&typed, &net);

    // Input gradients and activations of one chunk.
    {
        let mut tt = Box::new(Trainer::<M, 16>::new(loss));
        let mut tn = Box::new(Trainer::<Net, 16>::new(loss));
        let mut dxt = vec![[0.0f32; N]; 16];
        let mut dxn = vec![Row::ZERO; 16];
        let tr: Vec<Row> = t.iter().map(|r| Row::from_slice(r)).collect();
        let lt = tt.input_gradient(&typed, &x[..16], &t[..16], &mut dxt, &mut Xoshiro128PlusPlus::new(5));
        let ln =
            tn.input_gradient(&net, &rows(&x[..16]), &tr[..16], &mut dxn, &mut Xoshiro128PlusPlus::new(5));
        assert_eq!(lt.to_bits(), ln.to_bits());
        for (a, b) in dxt.iter().zip(&dxn) {
            assert_eq!(bits(a), bits(b.as_slice()), "input gradient, architecture {seed}");
        }
        let (mut at, mut an) = (Vec::new(), Vec::new());
        tt.activations(&typed, &x[..10], &mut Xoshiro128PlusPlus::new(6), &mut |l, v| at.push((l, bits(v))));
        tn.activations(&net, &rows(&x[..10]), &mut Xoshiro128PlusPlus::new(6), &mut |l, v| {
            an.push((l, bits(v)))
        });
        assert_eq!(at, an, "activations, architecture {seed}");
    }

    // A whole run: Adam, validation, early stopping and learning-rate reduction, odd batch
    // sizes, shuffling, dropout.
    let (mut xt, mut tt) = (x[..120].to_vec(), t[..120].to_vec());
    let (mut xn, mut tn): (Vec<Row>, Vec<Row>) = (rows(&xt), tt.iter().map(|r| Row::from_slice(r)).collect());
    let (vx, vt) = (&x[120..], &t[120..]);
    let (vxn, vtn): (Vec<Row>, Vec<Row>) = (rows(vx), vt.iter().map(|r| Row::from_slice(r)).collect());
    let config = FitConfig::new(12, 13);
    let report_t = {
        let mut trainer = Box::new(Trainer::<M, 8>::new(loss));
        let mut cbs = (
            EarlyStopping::new(Monitor::ValLoss, 3).restore_best_weights(),
            ReduceLrOnPlateau::new(Monitor::ValLoss, 0.5, 2),
        );
        trainer
            .fit(
                &mut *typed,
                &mut Adam::new(0.01),
                FitData::new(&mut xt, &mut tt).with_validation(vx, vt),
                &config,
                &mut Xoshiro128PlusPlus::new(seed + 100),
                &mut cbs,
            )
            .map(|r| (r.epochs_run, r.last.map(|l| (l.loss.to_bits(), l.val.map(|v| v.loss.to_bits())))))
    };
    let report_n = {
        let mut trainer = Box::new(Trainer::<Net, 8>::new(loss));
        let mut cbs = (
            EarlyStopping::new(Monitor::ValLoss, 3).restore_best_weights(),
            ReduceLrOnPlateau::new(Monitor::ValLoss, 0.5, 2),
        );
        trainer
            .fit(
                &mut net,
                &mut Adam::new(0.01),
                FitData::new(&mut xn, &mut tn).with_validation(&vxn, &vtn),
                &config,
                &mut Xoshiro128PlusPlus::new(seed + 100),
                &mut cbs,
            )
            .map(|r| (r.epochs_run, r.last.map(|l| (l.loss.to_bits(), l.val.map(|v| v.loss.to_bits())))))
    };
    assert_eq!(report_t, report_n, "fit, architecture {seed}");
    assert!(report_t.is_ok(), "fit, architecture {seed}: {report_t:?}");
    assert_eq!(bin(&*typed), bin(&net), "weights after fit, architecture {seed}");
    infer(&typed, &net);

    // Fine-tuning as on a device: one row at a time, frozen statistics, momentum SGD.
    let mut ft = Box::new(Trainer::<M, 1>::new(loss).with_mode(Mode::FrozenStatistics));
    let mut fnet = Box::new(Trainer::<Net, 1>::new(loss).with_mode(Mode::FrozenStatistics));
    let (mut ot, mut on) = (Momentum::new(0.01, 0.9), Momentum::new(0.01, 0.9));
    let (mut rt, mut rn) = (Xoshiro128PlusPlus::new(9), Xoshiro128PlusPlus::new(9));
    for r in 0..20 {
        let a = ft.step(&mut *typed, &mut ot, &x[r..r + 1], &t[r..r + 1], &mut rt).map(f32::to_bits);
        let b = fnet
            .step(&mut net, &mut on, &[Row::from_slice(&x[r])], &[Row::from_slice(&t[r])], &mut rn)
            .map(f32::to_bits);
        assert_eq!(a, b, "fine-tuning step {r}, architecture {seed}");
    }
    assert_eq!(bin(&*typed), bin(&net), "weights after fine-tuning, architecture {seed}");
}

#[test]
fn the_zoo_models() {
    check::<zoo::SeedMlp, 2, 1>(zoo::seed_mlp(), Loss::BinaryCrossEntropy, 100);
    check::<zoo::PlainMlp, 2, 1>(zoo::plain_mlp(), Loss::BinaryCrossEntropy, 101);
    check::<zoo::Perceptron, 2, 1>(zoo::perceptron(), Loss::BinaryCrossEntropy, 102);
}

#[test]
fn random_architectures() {
    check::<Sequential![Normalization<3>, Dense<3, 22>, Dropout<22>, Dense<22, 2>], 3, 2>(
        sequential![Normalization::new(), Dense::new(Sigmoid), Dropout::new(0.5), Dense::new(Linear)],
        Loss::MeanSquaredError,
        0,
    );
    check::<
        Sequential![Normalization<1>, Dense<1, 7>, Dropout<7>, Dense<7, 25>, BatchNorm<25>, Dense<25, 1>],
        1,
        1,
    >(
        sequential![
            Normalization::new(),
            Dense::new(Gelu),
            Dropout::new(0.5),
            Dense::new(Sigmoid),
            BatchNorm::new(),
            Dense::new(Linear)
        ],
        Loss::MeanSquaredError,
        1,
    );
    check::<
        Sequential![Normalization<4>, Dense<4, 21>, BatchNorm<21>, Dense<21, 14>, BatchNorm<14>, Dropout<14>, Dense<14, 20>, Dense<20, 40>, BatchNorm<40>, Dense<40, 1>],
        4,
        1,
    >(
        sequential![
            Normalization::new(),
            Dense::new(Tanh),
            BatchNorm::new(),
            Dense::new(Tanh),
            BatchNorm::new(),
            Dropout::new(0.5),
            Dense::new(Sigmoid),
            Dense::new(Gelu),
            BatchNorm::new(),
            Dense::new(Sigmoid)
        ],
        Loss::BinaryCrossEntropy,
        2,
    );
    check::<Sequential![Normalization<7>, Dense<7, 36>, Dense<36, 1>], 7, 1>(
        sequential![Normalization::new(), Dense::new(Elu { alpha: 1.0 }), Dense::new(Sigmoid)],
        Loss::BinaryCrossEntropy,
        3,
    );
    check::<
        Sequential![Normalization<2>, Dense<2, 15>, BatchNorm<15>, Dense<15, 5>, Dense<5, 10>, BatchNorm<10>, Dense<10, 22>, Dropout<22>, Dense<22, 1>],
        2,
        1,
    >(
        sequential![
            Normalization::new(),
            Dense::new(Relu),
            BatchNorm::new(),
            Dense::new(Gelu),
            Dense::new(Sigmoid),
            BatchNorm::new(),
            Dense::new(Linear),
            Dropout::new(0.25),
            Dense::new(Sigmoid)
        ],
        Loss::BinaryCrossEntropy,
        4,
    );
    check::<Sequential![Normalization<4>, Dense<4, 24>, BatchNorm<24>, Dense<24, 18>, Dense<18, 9>], 4, 9>(
        sequential![
            Normalization::new(),
            Dense::new(Tanh),
            BatchNorm::new(),
            Dense::new(Relu),
            Dense::new(Softmax)
        ],
        Loss::CategoricalCrossEntropy,
        5,
    );
    check::<
        Sequential![Normalization<13>, Dense<13, 30>, Dense<30, 6>, Dense<6, 27>, BatchNorm<27>, Dense<27, 37>, Dropout<37>, Dense<37, 1>],
        13,
        1,
    >(
        sequential![
            Normalization::new(),
            Dense::new(Elu { alpha: 1.0 }),
            Dense::new(Elu { alpha: 1.0 }),
            Dense::new(LeakyRelu { alpha: 0.2 }),
            BatchNorm::new(),
            Dense::new(Relu),
            Dropout::new(0.25),
            Dense::new(Linear)
        ],
        Loss::MeanSquaredError,
        6,
    );
    check::<
        Sequential![Normalization<13>, Dense<13, 34>, BatchNorm<34>, Dropout<34>, Dense<34, 23>, BatchNorm<23>, Dropout<23>, Dense<23, 20>, BatchNorm<20>, Dense<20, 1>],
        13,
        1,
    >(
        sequential![
            Normalization::new(),
            Dense::new(Tanh),
            BatchNorm::new(),
            Dropout::new(0.5),
            Dense::new(Tanh),
            BatchNorm::new(),
            Dropout::new(0.5),
            Dense::new(Tanh),
            BatchNorm::new(),
            Dense::new(Sigmoid)
        ],
        Loss::BinaryCrossEntropy,
        7,
    );
    check::<
        Sequential![Normalization<4>, Dense<4, 4>, BatchNorm<4>, Dense<4, 30>, BatchNorm<30>, Dropout<30>, Dense<30, 37>, BatchNorm<37>, Dense<37, 37>, Dense<37, 9>],
        4,
        9,
    >(
        sequential![
            Normalization::new(),
            Dense::new(Tanh),
            BatchNorm::new(),
            Dense::new(Tanh),
            BatchNorm::new(),
            Dropout::new(0.1),
            Dense::new(Elu { alpha: 1.0 }),
            BatchNorm::new(),
            Dense::new(Elu { alpha: 1.0 }),
            Dense::new(Softmax)
        ],
        Loss::CategoricalCrossEntropy,
        8,
    );
    check::<
        Sequential![Normalization<64>, Dense<64, 39>, Dense<39, 26>, Dense<26, 32>, Dense<32, 37>, Dense<37, 4>],
        64,
        4,
    >(
        sequential![
            Normalization::new(),
            Dense::new(Relu),
            Dense::new(Sigmoid),
            Dense::new(Gelu),
            Dense::new(Sigmoid),
            Dense::new(Softmax)
        ],
        Loss::CategoricalCrossEntropy,
        9,
    );
    check::<
        Sequential![Normalization<3>, Dense<3, 13>, Dropout<13>, Dense<13, 2>, Dropout<2>, Dense<2, 8>],
        3,
        8,
    >(
        sequential![
            Normalization::new(),
            Dense::new(LeakyRelu { alpha: 0.2 }),
            Dropout::new(0.25),
            Dense::new(Sigmoid),
            Dropout::new(0.25),
            Dense::new(Softmax)
        ],
        Loss::CategoricalCrossEntropy,
        10,
    );
    check::<
        Sequential![Normalization<64>, Dense<64, 18>, Dense<18, 19>, Dense<19, 6>, BatchNorm<6>, Dropout<6>, Dense<6, 7>],
        64,
        7,
    >(
        sequential![
            Normalization::new(),
            Dense::new(Linear),
            Dense::new(LeakyRelu { alpha: 0.2 }),
            Dense::new(Linear),
            BatchNorm::new(),
            Dropout::new(0.5),
            Dense::new(Softmax)
        ],
        Loss::CategoricalCrossEntropy,
        11,
    );
}

/// Skip connections: blocks with batch norm and dropout inside, a block first, nested
/// blocks ending together, and a network ending in a block (no logits to fuse).
#[test]
fn residual_architectures() {
    use tinymlp::Residual;
    check::<
        Sequential![Normalization<3>, Dense<3, 8>, Residual<Sequential![Dense<8, 8>, BatchNorm<8>, Dropout<8>, Dense<8, 8>]>, Residual<Dense<8, 8>>, Dense<8, 3>],
        3,
        3,
    >(
        sequential![
            Normalization::new(),
            Dense::new(Tanh),
            Residual::new(sequential![
                Dense::new(Relu),
                BatchNorm::new(),
                Dropout::new(0.25),
                Dense::new(Tanh)
            ]),
            Residual::new(Dense::new(Sigmoid)),
            Dense::new(Softmax)
        ],
        Loss::CategoricalCrossEntropy,
        20,
    );
    check::<
        Sequential![
            Normalization<4>,
            Residual<
                Sequential![Dense<4, 6>, Residual<Sequential![Dense<6, 6>, Residual<Dense<6, 6>>]>, Dense<6, 4>],
            >
        ],
        4,
        4,
    >(
        sequential![
            Normalization::new(),
            Residual::new(sequential![
                Dense::new(Elu { alpha: 1.0 }),
                Residual::new(sequential![Dense::new(Tanh), Residual::new(Dense::new(Gelu))]),
                Dense::new(Linear)
            ])
        ],
        Loss::MeanSquaredError,
        21,
    );
}
