//! `tinymlp eval`: a saved model's figures on a labelled CSV.

use anyhow::Result;
use std::path::PathBuf;
use tinymlp_host::model_io::{self, Model};
use tinymlp_host::score::{self, Truth, figures_json, figures_text};
use tinymlp_host::table::{self, Columns, Table, read_table};

#[derive(clap::Args)]
pub struct Args {
    /// Model file (JSON or binary).
    #[arg(long)]
    model: PathBuf,
    /// CSV with the model's feature columns (raw values: the model scales them) and the
    /// label column.
    #[arg(long)]
    data: PathBuf,
    /// The label column (default: the model's label column, else `label`, else the last).
    #[arg(long)]
    label: Option<String>,
    /// Print the figures as JSON.
    #[arg(long)]
    json: bool,
}

/// Reads `data` for `model`, warning (on standard error) when its columns look unlike the
/// rows the model's scaler was fitted on.
pub fn read_for(
    model: &Model,
    data: &std::path::Path,
    label: Option<&str>,
    need_label: bool,
) -> Result<Table> {
    let t = read_table(
        data,
        Columns::Model {
            features: &model.features,
            model_label: &model.label,
            label_flag: label,
            need_label,
        },
    )?;
    let (mean, scale) = model.net.scaler();
    for w in table::drift_warnings(&t.path, &t.features, &t.x, mean, scale) {
        eprintln!("warning: {w}");
    }
    Ok(t)
}

/// Prints the model's figures on the data.
pub fn run(a: Args) -> Result<()> {
    let m = model_io::load(&a.model)?;
    let d = read_for(&m, &a.data, a.label.as_deref(), true)?;
    let truth = Truth::of(&d, m.task, &m.classes)?;
    let f = score::score(&m.net, m.task, &m.classes, &d.x, &truth);
    if a.json {
        let mut j = serde_json::Map::new();
        j.insert("rows".into(), f.rows.into());
        j.insert("task".into(), m.task.name().into());
        j.extend(figures_json(m.task, Some(&f), ""));
        println!("{}", serde_json::to_string_pretty(&j)?);
    } else {
        print!("{}", figures_text(&f));
    }
    Ok(())
}
