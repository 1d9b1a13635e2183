//! Host speed of the runtime-shaped network beside the const-generic one (criterion): one
//! epoch of the tutorial's MLP (BatchNorm, Dropout, Adam, validation) and inference of a
//! batch — the same work and the same bits, once with the shapes in types, once in `Vec`s.
//!
//! `cargo bench -p tinymlp-net --bench epoch`

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use tinymlp::datasets::make_moons;
use tinymlp::eval::predict;
use tinymlp::io::write_bin;
use tinymlp::numeric::Zero;
use tinymlp::prelude::*;
use tinymlp::train::{FitData, Loss};
use tinymlp::zoo::{SeedMlp, seed_mlp};
use tinymlp::{Train, Trainer};
use tinymlp_net::{Net, Row};

fn bench(c: &mut Criterion) {
    let mut x = vec![[0.0f32; 2]; 1600];
    let mut t = vec![[0.0f32; 1]; 1600];
    make_moons(&mut x, &mut t, 0.2, &mut Xoshiro128PlusPlus::new(42));
    let (fit_x, val_x) = x.split_at(1280);
    let (fit_t, val_t) = t.split_at(1280);
    let typed = || {
        let mut m = seed_mlp();
        m.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(1));
        m
    };
    let mut file = vec![0u8; tinymlp::io::bin_len::<SeedMlp>()];
    write_bin(&typed(), &mut file).unwrap();
    let net = Net::read(&file).unwrap();
    let rows = |v: &[[f32; 2]]| v.iter().map(|r| Row::from_slice(r)).collect::<Vec<_>>();
    let targets = |v: &[[f32; 1]]| v.iter().map(|r| Row::from_slice(r)).collect::<Vec<_>>();
    let (val_xn, val_tn) = (rows(val_x), targets(val_t));

    let mut g = c.benchmark_group("seed_mlp_epoch_with_validation");
    g.bench_function("const_generic", |b| {
        let mut trainer = Box::new(Trainer::<SeedMlp, 32>::new(Loss::BinaryCrossEntropy));
        let mut rng = Xoshiro128PlusPlus::new(4);
        b.iter_batched(
            || (typed(), Box::new(Adam::<SeedMlp>::new(0.001)), fit_x.to_vec(), fit_t.to_vec()),
            |(mut m, mut opt, mut xs, mut ts)| {
                let data = FitData { x: &mut xs, t: &mut ts, validation: Some((val_x, val_t)) };
                trainer.fit(&mut m, &mut *opt, data, &FitConfig::new(1, 32), &mut rng, &mut ()).unwrap()
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("net", |b| {
        let mut trainer = Box::new(Trainer::<Net, 32>::new(Loss::BinaryCrossEntropy));
        let mut rng = Xoshiro128PlusPlus::new(4);
        b.iter_batched(
            || (net.clone(), Adam::<Net>::new(0.001), rows(fit_x), targets(fit_t)),
            |(mut m, mut opt, mut xs, mut ts)| {
                let data = FitData { x: &mut xs, t: &mut ts, validation: Some((&val_xn[..], &val_tn[..])) };
                trainer.fit(&mut m, &mut opt, data, &FitConfig::new(1, 32), &mut rng, &mut ()).unwrap()
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();

    let many: Vec<[f32; 2]> = (0..20_000).map(|i| x[i % x.len()]).collect();
    let many_rows = rows(&many);
    let mut g = c.benchmark_group("seed_mlp_infer_20k_rows");
    let model = typed();
    g.bench_function("const_generic", |b| {
        let mut out = vec![[0.0f32; 1]; many.len()];
        b.iter(|| predict(&model, black_box(&many), &mut out))
    });
    g.bench_function("net", |b| {
        let mut out = vec![Row::ZERO; many.len()];
        b.iter(|| predict(&net, black_box(&many_rows), &mut out))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
