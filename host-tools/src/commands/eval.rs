//! `tinymlp eval`: loss, accuracy and AUC of a saved model on a labelled CSV.

use anyhow::Result;
use std::path::PathBuf;
use tinymlp_host::data::read_csv;
use tinymlp_host::model_io;

#[derive(clap::Args)]
pub struct Args {
    /// Model file (JSON or binary).
    #[arg(long)]
    model: PathBuf,
    /// CSV with columns x0, x1, label.
    #[arg(long)]
    data: PathBuf,
}

/// Prints the model's figures on the data.
pub fn run(a: Args) -> Result<()> {
    let m = model_io::load(&a.model)?;
    let d = read_csv::<2>(&a.data, 2)?;
    let e = m.evaluate(&d);
    println!("rows {}", d.len());
    println!("loss {:.6}", e.loss);
    println!("accuracy {:.4}", e.accuracy);
    println!("auc {:.6} (exact; 200-threshold: {:.6})", e.auc, e.auc_thresholded);
    Ok(())
}
