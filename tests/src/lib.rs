//! End-to-end tests of tinymlp live in `tests/`; this library holds what they share.

use std::path::{Path, PathBuf};
use tinymlp::format::Meta;
use tinymlp_host::data::Labelled;
use tinymlp_host::model_io::{self, FileFormat};
use tinymlp_host::train::{ModelKind, TrainOptions, Trained, train};

/// Generated moons in raw (unscaled) coordinates: `(train, test)`.
pub fn moons(n: usize, seed: u64) -> (Labelled<2>, Labelled<2>) {
    use tinymlp::Xoshiro128PlusPlus;
    use tinymlp::datasets::{make_moons, train_test_split};
    let mut x = vec![[0.0f32; 2]; n];
    let mut t = vec![[0.0f32; 1]; n];
    let mut rng = Xoshiro128PlusPlus::new(seed);
    make_moons(&mut x, &mut t, 0.2, &mut rng);
    // shift and stretch, so that the device's scaler has real work to do
    for p in &mut x {
        *p = [p[0] * 3.0 + 10.0, p[1] * 0.5 - 4.0];
    }
    let split = train_test_split(&mut x, &mut t, 0.2, &mut rng);
    let to = |x: &[[f32; 2]], t: &[[f32; 1]]| Labelled {
        x: x.to_vec(),
        label: t.iter().map(|l| l[0] as usize).collect(),
    };
    (to(&x[..split], &t[..split]), to(&x[split..], &t[split..]))
}

/// Trains the seed MLP for a few epochs and writes it to `dir/model.json`.
pub fn small_trained_model(dir: &Path, epochs: u32) -> (Trained, PathBuf, Labelled<2>) {
    let (tr, te) = moons(600, 7);
    let mut opts = TrainOptions::recipe(ModelKind::Mlp, 7);
    opts.epochs = epochs;
    let out = train(&opts, &tr, None, &mut |_, _| {}).expect("training succeeds");
    let path = dir.join("model.json");
    model_io::save(&out.model, &path, FileFormat::Json, &[("seed", Meta::Int(7))], "test").unwrap();
    (out.model, path, te)
}

/// The reference data: `../shared/data/moons` beside the repository.
pub fn shared_moons() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/moons")
}
