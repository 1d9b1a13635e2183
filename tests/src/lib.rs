//! End-to-end tests of tinymlp live in `tests/`; this library holds what they share.

use std::path::{Path, PathBuf};
use tinymlp::io::Meta;
use tinymlp_host::data::Labelled;
use tinymlp_host::model_io::{self, FileFormat};
use tinymlp_host::train::{ModelKind, TrainOptions, Trained, train};

/// Generated moons ([`tinymlp_host::data::moons`], noise 0.2) in raw coordinates, shifted
/// and stretched so that the device's scaler has real work to do: `(train, test)`.
pub fn moons(n: usize, seed: u64) -> (Labelled<2>, Labelled<2>) {
    let (mut train, mut test) = tinymlp_host::data::moons(n, 0.2, seed);
    for p in train.x.iter_mut().chain(test.x.iter_mut()) {
        *p = [p[0] * 3.0 + 10.0, p[1] * 0.5 - 4.0];
    }
    (train, test)
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

/// The reference data: the tutorial's moons split in `data/moons` (see its README).
pub fn reference_moons() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/moons")
}
