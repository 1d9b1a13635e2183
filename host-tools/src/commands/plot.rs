//! `tinymlp plot`: PNG figures like the tutorial's.

use anyhow::Result;
use std::path::PathBuf;
use tinymlp_host::data::read_csv;
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
    /// The model's decision boundary over the points of a CSV.
    Boundary {
        /// Model file (JSON or binary).
        #[arg(long)]
        model: PathBuf,
        /// CSV with columns x0, x1, label.
        #[arg(long)]
        data: PathBuf,
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
        What::Boundary { model, data, out } => {
            let m = model_io::load(&model)?;
            let d = read_csv::<2>(&data, 2)?;
            plot::boundary(&[("model", &m)], &d, &out)?
        }
    }
    Ok(())
}
