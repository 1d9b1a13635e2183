//! End-to-end tests of tinymlp live in `tests/`; this library holds what they share.

use std::path::{Path, PathBuf};
use tinymlp::io::Meta;
use tinymlp::{Activation, Adam, Init, Layer, Train, Trainer, Xoshiro128PlusPlus};
use tinymlp_host::compare::{Rows, read_rows};
use tinymlp_host::data::Labelled;
use tinymlp_host::finetune::loss_for;
use tinymlp_host::model_io::{self, FileFormat};
use tinymlp_host::train::{ModelKind, TrainOptions, Trained, train};
use tinymlp_net::{LayerSpec, Net, Row};

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

/// A data set of the repository (`data/<name>/{train,test}.csv`) as rows for the host's
/// comparison, its label column named (class names are numbered in sorted order).
pub fn dataset(name: &str, label: &str) -> (Rows, Rows) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data").join(name);
    let read = |file: &str| read_rows(&dir.join(file), Some(label), &[]).expect("the data set reads");
    (read("train.csv"), read("test.csv"))
}

/// A network of `train`'s width through `layers`: Glorot-uniform weights from `seed`, the
/// scaler fitted to `train`, then `epochs` passes of Adam (batches of 16) on `train` with the
/// loss of its output layer — a model of any architecture, as a file could hold it.
pub fn net_model(train: &Rows, layers: &[LayerSpec], seed: u64, epochs: usize) -> Net {
    let mut net = Net::new(train.x[0].len(), layers).expect("a valid architecture");
    net.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(seed));
    let rows: Vec<Row> = train.x.iter().map(|r| Row::from_slice(r)).collect();
    net.adapt(&rows);
    let k = net.outputs();
    let activation = net.output_activation();
    let targets: Vec<Row> = train
        .target
        .iter()
        .map(|&t| match activation {
            Some(Activation::Softmax) => {
                Row::from_slice(&(0..k).map(|i| f32::from(i as f32 == t)).collect::<Vec<_>>())
            }
            _ => Row::from_slice(&[t]),
        })
        .collect();
    let mut trainer = Box::new(Trainer::<Net, 16>::new(loss_for(activation)));
    let mut opt = Adam::<Net>::new(0.01);
    let mut rng = Xoshiro128PlusPlus::new(seed);
    for _ in 0..epochs {
        for (x, t) in rows.chunks(16).zip(targets.chunks(16)) {
            trainer.step(&mut net, &mut opt, x, t, &mut rng).expect("a finite step");
        }
    }
    net
}

/// Writes `net` as a JSON model file `dir/<name>.json`.
pub fn save_net(net: &Net, dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, net.to_json(&[]).expect("finite")).unwrap();
    path
}
