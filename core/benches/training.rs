//! Host speed of the tutorial's models (criterion): inference of one row and of a batch,
//! one training step, one epoch with validation — the seed MLP (BatchNorm, Dropout, Adam)
//! and the plain 2-64-32-16-1 MLP with SGD.
//!
//! `cargo bench -p tinymlp --bench training`

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use tinymlp::datasets::make_moons;
use tinymlp::eval::*;
use tinymlp::layers::*;
use tinymlp::numeric::*;
use tinymlp::train::optim::*;
use tinymlp::train::*;
use tinymlp::zoo::{PlainMlp, SeedMlp, plain_mlp, seed_mlp};

/// 1,600 moons rows: 1,280 to fit and 320 to validate, as Keras' validation_split = 0.2.
fn data() -> (Vec<[f32; 2]>, Vec<[f32; 1]>) {
    let mut x = vec![[0.0f32; 2]; 1600];
    let mut t = vec![[0.0f32; 1]; 1600];
    make_moons(&mut x, &mut t, 0.2, &mut Xoshiro128PlusPlus::new(42));
    (x, t)
}

fn trained_seed() -> SeedMlp {
    let mut m = seed_mlp();
    m.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(1));
    m
}

fn bench(c: &mut Criterion) {
    let (x, t) = data();
    let (fit_x, val_x) = x.split_at(1280);
    let (fit_t, val_t) = t.split_at(1280);

    let model = trained_seed();
    c.bench_function("seed_mlp/infer_one_row", |b| {
        let mut y = [0.0];
        b.iter(|| {
            model.forward(black_box(&[0.3, -0.7]), &mut y);
            black_box(y)
        })
    });
    let many: Vec<[f32; 2]> = (0..100_000).map(|i| x[i % x.len()]).collect();
    let mut out = vec![[0.0f32; 1]; many.len()];
    let mut g = c.benchmark_group("seed_mlp/infer_batch");
    g.throughput(Throughput::Elements(many.len() as u64));
    g.bench_function("100k_rows", |b| b.iter(|| predict(&model, black_box(&many), &mut out)));
    g.finish();

    c.bench_function("seed_mlp/train_step_batch32_adam", |b| {
        let mut m = trained_seed();
        let mut trainer = Box::new(Trainer::<SeedMlp, 32>::new(Loss::BinaryCrossEntropy));
        let mut opt = Box::new(Adam::<SeedMlp>::new(0.001));
        let mut rng = Xoshiro128PlusPlus::new(3);
        b.iter(|| trainer.step(&mut m, &mut *opt, &fit_x[..32], &fit_t[..32], &mut rng).unwrap())
    });

    c.bench_function("seed_mlp/epoch_with_validation", |b| {
        let mut trainer = Box::new(Trainer::<SeedMlp, 32>::new(Loss::BinaryCrossEntropy));
        let mut rng = Xoshiro128PlusPlus::new(4);
        b.iter_batched(
            || (trained_seed(), Box::new(Adam::<SeedMlp>::new(0.001)), fit_x.to_vec(), fit_t.to_vec()),
            |(mut m, mut opt, mut xs, mut ts)| {
                let cfg = FitConfig::new(1, 32);
                trainer
                    .fit(
                        &mut m,
                        &mut *opt,
                        FitData { x: &mut xs, t: &mut ts, validation: Some((val_x, val_t)) },
                        &cfg,
                        &mut rng,
                        &mut (),
                    )
                    .unwrap()
            },
            BatchSize::SmallInput,
        )
    });

    c.bench_function("plain_mlp/epoch_sgd", |b| {
        let mut trainer = Box::new(Trainer::<PlainMlp, 32>::new(Loss::BinaryCrossEntropy));
        let mut rng = Xoshiro128PlusPlus::new(5);
        b.iter_batched(
            || {
                let mut m = plain_mlp();
                m.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(1));
                (m, fit_x.to_vec(), fit_t.to_vec())
            },
            |(mut m, mut xs, mut ts)| {
                let cfg = FitConfig::new(1, 32);
                trainer
                    .fit(
                        &mut m,
                        &mut Sgd::new(0.1),
                        FitData { x: &mut xs, t: &mut ts, validation: None },
                        &cfg,
                        &mut rng,
                        &mut (),
                    )
                    .unwrap()
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
