//! `tinymlp predict`: probabilities and classes of a saved model for each row of a CSV.

use anyhow::{Context, Result};
use std::path::PathBuf;
use tinymlp_host::data::{Prediction, read_csv, write_predictions};
use tinymlp_host::model_io;

#[derive(clap::Args)]
pub struct Args {
    /// Model file (JSON or binary).
    #[arg(long)]
    model: PathBuf,
    /// CSV with columns x0, x1, label (the label is ignored).
    #[arg(long)]
    data: PathBuf,
    /// Where to write the predictions (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Writes one prediction per row, as CSV.
pub fn run(a: Args) -> Result<()> {
    let m = model_io::load(&a.model)?;
    let d = read_csv::<2>(&a.data, 2)?;
    let rows: Vec<Prediction> = d.x.iter().map(|x| Prediction::new(*x, m.predict(x))).collect();
    match &a.out {
        Some(p) => {
            let cannot = || format!("cannot write {}", p.display());
            let file = std::fs::File::create(p).with_context(cannot)?;
            write_predictions(file, &rows).with_context(cannot)?;
        }
        None => write_predictions(std::io::stdout().lock(), &rows)?,
    }
    Ok(())
}
