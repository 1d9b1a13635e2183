//! Runs 200 epochs of the seed MLP (for profilers).
use tinymlp::datasets::make_moons;
use tinymlp::layers::*;
use tinymlp::numeric::*;
use tinymlp::train::optim::*;
use tinymlp::train::*;
use tinymlp::zoo::{SeedMlp, seed_mlp};
fn main() {
    let mut x = vec![[0.0f32; 2]; 1600];
    let mut t = vec![[0.0f32; 1]; 1600];
    make_moons(&mut x, &mut t, 0.2, &mut Xoshiro128PlusPlus::new(42));
    let (vx, vt) = (x.split_off(1280), t.split_off(1280));
    let mut m = seed_mlp();
    let mut rng = Xoshiro128PlusPlus::new(1);
    m.init(Init::GlorotUniform, &mut rng);
    let mut trainer = Box::new(Trainer::<SeedMlp, 32>::new(Loss::BinaryCrossEntropy));
    let mut opt = Box::new(Adam::<SeedMlp>::new(0.001));
    let t0 = std::time::Instant::now();
    trainer
        .fit(
            &mut m,
            &mut *opt,
            FitData { x: &mut x, t: &mut t, validation: Some((&vx, &vt)) },
            &FitConfig::new(200, 32),
            &mut rng,
            &mut (),
        )
        .unwrap();
    println!("{:.3} ms/epoch", t0.elapsed().as_secs_f64() * 1000.0 / 200.0);
}
