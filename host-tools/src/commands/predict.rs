//! `tinymlp predict`: a saved model's answer for each row of a CSV.

use anyhow::{Context, Result};
use std::path::PathBuf;
use tinymlp_host::metrics::{class_probabilities, predicted_class};
use tinymlp_host::model_io;
use tinymlp_host::score::outputs;
use tinymlp_host::table::Task;

#[derive(clap::Args)]
pub struct Args {
    /// Model file (JSON or binary).
    #[arg(long)]
    model: PathBuf,
    /// CSV with the model's feature columns (raw values: the model scales them); a label
    /// column, if there is one, is ignored.
    #[arg(long)]
    data: PathBuf,
    /// The label column to ignore (default: the model's label column, or `label`).
    #[arg(long)]
    label: Option<String>,
    /// Where to write the predictions (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Writes one prediction per row, as CSV: the features, then for a classifier the class
/// name and each class's probability (`p_<class>`), for a regression the predicted value.
pub fn run(a: Args) -> Result<()> {
    let m = model_io::load(&a.model)?;
    let d = super::eval::read_for(&m, &a.data, a.label.as_deref(), false)?;
    let ys = outputs(&m.net, &d.x);
    let mut header: Vec<String> = d.features.clone();
    match m.task {
        Task::Regression => header.push(format!("predicted_{}", m.label)),
        _ => {
            header.push("class".into());
            header.extend(m.classes.iter().map(|c| format!("p_{c}")));
        }
    }
    let write = |w: &mut dyn std::io::Write| -> Result<()> {
        let mut w = csv::Writer::from_writer(w);
        w.write_record(&header)?;
        for (x, y) in d.x.iter().zip(&ys) {
            let mut rec: Vec<String> = x.iter().map(|v| format!("{v:?}")).collect();
            match m.task {
                Task::Regression => rec.push(format!("{:?}", y[0])),
                _ => {
                    rec.push(m.classes[predicted_class(y)].clone());
                    rec.extend(class_probabilities(y, m.classes.len()).iter().map(|p| format!("{p:?}")));
                }
            }
            w.write_record(&rec)?;
        }
        w.flush()?;
        Ok(())
    };
    match &a.out {
        Some(p) => {
            let cannot = || format!("cannot write {}", p.display());
            let mut file = std::fs::File::create(p).with_context(cannot)?;
            write(&mut file).with_context(cannot)?;
        }
        None => write(&mut std::io::stdout().lock())?,
    }
    Ok(())
}
