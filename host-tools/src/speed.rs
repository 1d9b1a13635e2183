//! `tinymlp speed`: the host workloads of the peers' comparison, timed in this process (for
//! `bench/peers.py`, which runs the same workloads in numpy and PyTorch and prints ratios).
//! Criterion (`cargo bench -p tinymlp --features std`) gives the careful figures.

use crate::data::Labelled;
use std::time::Instant;
use tinymlp::datasets::make_moons;
use tinymlp::eval::*;
use tinymlp::layers::*;
use tinymlp::numeric::*;
use tinymlp::train::optim::*;
use tinymlp::train::*;
use tinymlp::zoo::{PlainMlp, SeedMlp, plain_mlp, seed_mlp};

/// Inference over many rows.
type Batch<'a> = dyn Fn(&[[f32; 2]], &mut [[f32; 1]]) + 'a;

/// Median seconds of the runs.
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Timings, in seconds per unit.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Speed {
    /// One epoch (1,280 rows, batch 32, validation on 320) of the seed MLP with Adam.
    pub seed_mlp_epoch: f64,
    /// One epoch (1,280 rows, batch 32) of the plain 2-64-32-16-1 MLP with SGD.
    pub plain_mlp_epoch_sgd: f64,
    /// One row through the trained plain MLP, one call.
    pub plain_infer_one_row: f64,
    /// Rows per second through the plain MLP, 100,000 rows.
    pub plain_infer_rows_per_s: f64,
    /// Rows per second through the seed MLP, 100,000 rows.
    pub seed_infer_rows_per_s: f64,
    /// Threads of the next two figures (every core of this machine).
    pub threads: usize,
    /// Rows per second through the plain MLP, 100,000 rows, on every core.
    pub plain_infer_rows_per_s_threads: f64,
    /// Rows per second through the seed MLP, 100,000 rows, on every core.
    pub seed_infer_rows_per_s_threads: f64,
}

/// The rows of the workloads: 1,600 moons (noise 0.2, seed 42) from the core's generator,
/// in raw coordinates; the first 1,280 train, the other 320 validate.
pub fn workload_moons() -> Labelled<2> {
    let mut x = vec![[0.0f32; 2]; 1600];
    let mut t = vec![[0.0f32; 1]; 1600];
    make_moons(&mut x, &mut t, 0.2, &mut Xoshiro128PlusPlus::new(42));
    Labelled { x, label: t.iter().map(|l| l[0] as usize).collect() }
}

/// Runs every workload `runs` times and keeps the medians.
pub fn measure(runs: usize) -> Speed {
    let data = workload_moons();
    let mut t = data.binary_targets();
    let mut x = data.x;
    let (vx, vt) = (x.split_off(1280), t.split_off(1280));
    let mut rng = Xoshiro128PlusPlus::new(1);

    let mut seed = Box::new(seed_mlp());
    seed.init(Init::GlorotUniform, &mut rng);
    let mut trainer = Box::new(Trainer::<SeedMlp, 32>::new(Loss::BinaryCrossEntropy));
    let mut adam = Box::new(Adam::<SeedMlp>::new(0.001));
    let cfg = FitConfig::new(1, 32);
    let seed_epoch = median(
        (0..runs)
            .map(|_| {
                let s = Instant::now();
                trainer
                    .fit(
                        &mut seed,
                        &mut *adam,
                        FitData { x: &mut x, t: &mut t, validation: Some((&vx, &vt)) },
                        &cfg,
                        &mut rng,
                        &mut (),
                    )
                    .unwrap();
                s.elapsed().as_secs_f64()
            })
            .collect(),
    );

    let mut plain = Box::new(plain_mlp());
    plain.init(Init::GlorotUniform, &mut rng);
    let mut ptrainer = Box::new(Trainer::<PlainMlp, 32>::new(Loss::BinaryCrossEntropy));
    let mut sgd = Sgd::new(0.1);
    let plain_epoch = median(
        (0..runs)
            .map(|_| {
                let s = Instant::now();
                ptrainer
                    .fit(
                        &mut plain,
                        &mut sgd,
                        FitData { x: &mut x, t: &mut t, validation: None },
                        &cfg,
                        &mut rng,
                        &mut (),
                    )
                    .unwrap();
                s.elapsed().as_secs_f64()
            })
            .collect(),
    );

    let one = median(
        (0..runs)
            .map(|_| {
                let s = Instant::now();
                let mut y = [0.0];
                for i in 0..10_000 {
                    plain.forward(std::hint::black_box(&vx[i % vx.len()]), &mut y);
                    std::hint::black_box(y);
                }
                s.elapsed().as_secs_f64() / 10_000.0
            })
            .collect(),
    );
    let many: Vec<[f32; 2]> = (0..100_000).map(|i| x[i % x.len()]).collect();
    let mut out = vec![[0.0f32; 1]; many.len()];
    let mut rows_per_s = |f: &Batch<'_>| {
        let secs = median(
            (0..runs)
                .map(|_| {
                    let s = Instant::now();
                    f(std::hint::black_box(&many), &mut out);
                    s.elapsed().as_secs_f64()
                })
                .collect(),
        );
        many.len() as f64 / secs
    };
    let plain_rows = rows_per_s(&|a, b| predict(&*plain, a, b));
    let seed_rows = rows_per_s(&|a, b| predict(&*seed, a, b));
    let threads = crate::parallel::available_threads();
    let plain_threads = rows_per_s(&|a, b| crate::parallel::predict(&*plain, a, b, threads));
    let seed_threads = rows_per_s(&|a, b| crate::parallel::predict(&*seed, a, b, threads));
    Speed {
        seed_mlp_epoch: seed_epoch,
        plain_mlp_epoch_sgd: plain_epoch,
        plain_infer_one_row: one,
        plain_infer_rows_per_s: plain_rows,
        seed_infer_rows_per_s: seed_rows,
        threads,
        plain_infer_rows_per_s_threads: plain_threads,
        seed_infer_rows_per_s_threads: seed_threads,
    }
}
