//! `tinymlp plot`: PNG figures like the tutorial's.

use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use tinymlp_host::data::Labelled;
use tinymlp_host::metrics::class_probabilities;
use tinymlp_host::plot::Names;
use tinymlp_host::table::{Columns, Task, classes_of, encode_classes, read_table};
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
    /// The points of a CSV of two features, coloured by class: any label column, any
    /// number of classes.
    Data {
        /// CSV with feature columns and a label column.
        #[arg(long)]
        data: PathBuf,
        /// The label column (default: `label`, else the last column).
        #[arg(long)]
        label: Option<String>,
        /// The two feature columns to draw, as `X,Y` (needed when the file has more than
        /// two features).
        #[arg(long, value_delimiter = ',', num_args = 1)]
        features: Option<Vec<String>>,
        /// Output PNG.
        #[arg(long, default_value = "data.png")]
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

/// Draws the chosen figure and says where it went.
pub fn run(a: Args) -> Result<()> {
    let out = match a.what {
        What::Activations { out } => {
            plot::activations(&out)?;
            out
        }
        What::History { history, out } => {
            plot::history(&report::read_history_csv(&history)?, &out)?;
            out
        }
        What::Data { data, label, features, out } => {
            let t = read_table(&data, Columns::Training { label: label.as_deref() })?;
            let (i, j) = match features.as_deref() {
                None if t.features.len() == 2 => (0, 1),
                None => bail!(
                    "{}: plot data draws two features; this file has {} besides the label column ({}): \
                     pick two with --features X,Y",
                    data.display(),
                    t.features.len(),
                    t.features.join(", ")
                ),
                Some([x, y]) => {
                    let find = |name: &String| {
                        t.features.iter().position(|f| f == name).with_context(|| {
                            format!(
                                "{}: no feature column `{name}` (the features: {})",
                                data.display(),
                                t.features.join(", ")
                            )
                        })
                    };
                    (find(x)?, find(y)?)
                }
                Some(other) => bail!("--features takes two column names, X,Y; got {}", other.len()),
            };
            let classes = classes_of(&data, t.labels()?)?;
            let labels = encode_classes(&t, &classes)?;
            let points: Vec<[f32; 2]> = t.x.iter().map(|r| [r[i], r[j]]).collect();
            let names = Names {
                classes: class_names(&classes, &t.labels()?.name),
                x: t.features[i].clone(),
                y: t.features[j].clone(),
            };
            let file =
                data.file_name().map_or_else(|| data.display().to_string(), |f| f.to_string_lossy().into());
            let title = format!("{file}: {} points, {} classes", points.len(), names.classes.len());
            plot::scatter(&points, &labels, &names, &title, &out)?;
            out
        }
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
            let names = Names {
                classes: class_names(&m.classes, &m.label),
                x: d.features[0].clone(),
                y: d.features[1].clone(),
            };
            let file =
                model.file_name().map_or_else(|| model.display().to_string(), |f| f.to_string_lossy().into());
            match (m.task, labels) {
                (Task::Binary, Some(labels)) => {
                    let data = Labelled { x: points, label: labels };
                    let p = |x: &[f32; 2]| m.predict(x)[0];
                    let title = format!("{file}: P({}) and its 0.5 boundary", names.classes[1]);
                    plot::boundary_fn(&[(&title, &p)], &data, &names, &out)?
                }
                (_, labels) => {
                    let k = m.classes.len();
                    let p = |x: &[f32; 2]| class_probabilities(&m.predict(x), k);
                    let title = format!("{file}: decision regions of {k} classes");
                    plot::class_regions(&p, &points, labels.as_deref(), &names, &title, &out)?
                }
            }
            out
        }
    };
    println!("wrote {}", out.display());
    Ok(())
}

/// Classes as the legend names them: numbers with their column (`label = 1`), names as
/// they are.
fn class_names(classes: &[String], column: &str) -> Vec<String> {
    classes
        .iter()
        .map(|c| if c.parse::<f64>().is_ok() { format!("{column} = {c}") } else { c.clone() })
        .collect()
}
