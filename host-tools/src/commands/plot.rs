//! `tinymlp plot`: PNG figures like the tutorial's.

use anyhow::{Result, bail};
use std::path::PathBuf;
use tinymlp_host::data::Labelled;
use tinymlp_host::metrics::class_probabilities;
use tinymlp_host::table::{Task, encode_classes};
use tinymlp_host::{model_io, plot, report};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    /// The activation functions and their derivatives.
    Activations {
        /// Output PNG.
        #[arg(long, default_value = "activations.png")]
        out: PathBuf,
    },
    /// Loss and accuracy per epoch, training vs validation, from a history CSV.
    History {
        /// `history.csv` written by `tinymlp train`.
        #[arg(long)]
        history: PathBuf,
        /// Output PNG.
        #[arg(long, default_value = "history.png")]
        out: PathBuf,
    },
    /// The decision boundary of a classifier of two features over the points of a CSV:
    /// the probability of the second class for two classes, coloured regions for more.
    Boundary {
        /// Model file (JSON or binary) taking two features.
        #[arg(long)]
        model: PathBuf,
        /// CSV with the model's two feature columns (raw values) and, to colour the points,
        /// the label column.
        #[arg(long)]
        data: PathBuf,
        /// The label column (default: the model's, else `label`).
        #[arg(long)]
        label: Option<String>,
        /// Output PNG.
        #[arg(long, default_value = "boundary.png")]
        out: PathBuf,
    },
}

/// Draws the chosen figure.
pub fn run(a: Args) -> Result<()> {
    match a.what {
        What::Activations { out } => plot::activations(&out)?,
        What::History { history, out } => plot::history(&report::read_history_csv(&history)?, &out)?,
        What::Boundary { model, data, label, out } => {
            let m = model_io::load(&model)?;
            if m.net.inputs() != 2 {
                bail!(
                    "{}: plot boundary draws models of 2 features; this one takes {}",
                    model.display(),
                    m.net.inputs()
                );
            }
            if m.task == Task::Regression {
                bail!("{}: plot boundary draws classifiers; this model is a regression", model.display());
            }
            let d = super::eval::read_for(&m, &data, label.as_deref(), false)?;
            let points: Vec<[f32; 2]> = d.x.iter().map(|r| [r[0], r[1]]).collect();
            let labels = match &d.label {
                Some(_) => Some(encode_classes(&d, &m.classes)?),
                None => None,
            };
            if m.task == Task::Binary {
                let data = Labelled { x: points, label: labels.unwrap_or_else(|| vec![0; d.len()]) };
                let p = |x: &[f32; 2]| m.predict(x)[0];
                plot::boundary_fn(&[("model", &p)], &data, &out)?
            } else {
                let k = m.classes.len();
                let p = |x: &[f32; 2]| class_probabilities(&m.predict(x), k);
                plot::class_regions(
                    &p,
                    &m.classes,
                    &points,
                    labels.as_deref(),
                    (&d.features[0], &d.features[1]),
                    &out,
                )?
            }
        }
    }
    Ok(())
}
