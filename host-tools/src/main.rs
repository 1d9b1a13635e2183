//! The `tinymlp` command.

use std::path::PathBuf;
use std::process::ExitCode;
use tinymlp_host::data::{Labelled, read_csv};
use tinymlp_host::train::{ModelKind, TrainOptions, train};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let train_csv = PathBuf::from(&args[1]);
    let test_csv = PathBuf::from(&args[2]);
    let seed: u64 = args.get(3).map(|s| s.parse().unwrap()).unwrap_or(0);
    let model = if args.get(4).map(|s| s.as_str()) == Some("perceptron") {
        ModelKind::Perceptron
    } else {
        ModelKind::Mlp
    };
    let tr: Labelled<2> = read_csv(&train_csv, 2).unwrap();
    let te: Labelled<2> = read_csv(&test_csv, 2).unwrap();
    let opts = TrainOptions::recipe(model, seed);
    let out = train(&opts, &tr, None, &mut |_, _| {}).unwrap();
    let m = out.model.evaluate(&te);
    println!(
        "{:?} epochs {} best {:?} ckpt {:?} secs {:.3} per-epoch {:.2}ms",
        m,
        out.run.epochs_run,
        out.run.best_epoch,
        out.run.checkpoint_epoch,
        out.run.seconds,
        out.run.seconds * 1000.0 / out.run.epochs_run as f64
    );
    ExitCode::SUCCESS
}
