//! `tinymlp eval`: a saved model's figures on a labelled CSV, read row by row.

use anyhow::{Context, Result};
use std::path::PathBuf;
use tinymlp_host::model_io::{self, Model, QModel};
use tinymlp_host::score::{figures_json, figures_text};
use tinymlp_host::stream::{self, Scorer};
use tinymlp_host::table::{self, ColumnStats, Columns, Rows, Table, Task, read_table};
use tinymlp_net::Row;

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

/// Reads `data` for `model` into memory, warning (on standard error) when its columns look
/// unlike the rows the model's scaler was fitted on.
pub fn read_for(
    model: &Model,
    data: &std::path::Path,
    label: Option<&str>,
    need_label: bool,
) -> Result<Table> {
    let t = read_table(data, columns(model, label, need_label))?;
    let (mean, scale) = model.net.scaler();
    for w in table::drift_warnings(&t.path, &t.features, &t.x, mean, scale) {
        eprintln!("warning: {w}");
    }
    Ok(t)
}

/// The columns a data file for `model` holds.
pub fn columns<'a>(model: &'a Model, label: Option<&'a str>, need_label: bool) -> Columns<'a> {
    Columns::Model { features: &model.features, model_label: &model.label, label_flag: label, need_label }
}

/// Warns (on standard error) about weights that can overflow `f32`.
pub fn warn_overflow(model: &Model, path: &std::path::Path) {
    for w in stream::overflow_warnings(&model.net) {
        eprintln!("warning: {}: {w}", path.display());
    }
}

/// Warns (on standard error) when the rows read look unlike the training rows.
pub fn warn_drift(model: &Model, path: &std::path::Path, features: &[String], stats: &ColumnStats) {
    let (mean, scale) = model.net.scaler();
    for w in table::drift_warnings_of(path, features, stats, mean, scale) {
        eprintln!("warning: {w}");
    }
}

/// Prints the model's figures on the data, read in chunks, in bounded memory (the exact
/// AUC's scores are sorted on disk beyond [`crate::auc::ROWS_IN_MEMORY`] rows).
pub fn run(a: Args) -> Result<()> {
    if let Some(q) = model_io::load_int8(&a.model)? {
        return run_int8(&q, &a);
    }
    let m = model_io::load(&a.model)?;
    warn_overflow(&m, &a.model);
    let mut rows = Rows::open(&a.data, columns(&m, a.label.as_deref(), true))?;
    let features = rows.features.clone();
    let label = rows.label.clone().unwrap_or_default();
    let mut stats = ColumnStats::new(features.len());
    let mut scorer = Scorer::new(m.task, &m.classes);
    let (mut zs, mut ys) = (Vec::new(), Vec::new());
    let path = a.data.clone();
    stream::for_each_chunk(&mut rows, &a.data, &mut stats, |chunk| -> Result<()> {
        let xs: Vec<Row> = chunk.iter().map(|r| Row::from_slice(&r.x)).collect();
        let name = |i: usize| format!("{}, line {}", path.display(), chunk[i].line);
        stream::run_chunk(&m.net, &xs, &mut zs, &mut ys, &name)?;
        for ((r, z), y) in chunk.iter().zip(&zs).zip(&ys) {
            let cell = r.label.as_deref().unwrap_or("");
            let answer = stream::answer(m.task, &m.classes, cell, &path, r.line, &label)?;
            scorer.add(tinymlp::numeric::Signal::as_slice(z), tinymlp::numeric::Signal::as_slice(y), answer);
        }
        Ok(())
    })?;
    warn_drift(&m, &a.data, &features, &stats);
    let f = scorer.figures().context("sorting the scores for the ROC AUC")?.expect("rows were read");
    if a.json {
        let mut j = serde_json::Map::new();
        j.insert("rows".into(), f.rows.into());
        j.insert("task".into(), m.task.name().into());
        j.extend(figures_json(m.task, Some(&f), ""));
        if f.classification.as_ref().is_some_and(|c| c.auc.is_none()) {
            j.insert("auc_note".into(), "undefined: the rows hold fewer than two classes".into());
        }
        println!("{}", serde_json::to_string_pretty(&j)?);
    } else {
        print!("{}", figures_text(&f));
    }
    Ok(())
}

/// The logits the scorer's loss reads, from an int8 model's dequantised outputs: clipped to
/// `[1e-7, 1 − 1e-7]` as Keras clips probabilities (an int8 probability can be exactly 0),
/// then `ln(p / (1 − p))` (binary) or `ln p` (multiclass).
pub fn int8_logits(task: Task, y: &[f32]) -> Vec<f32> {
    let clip = |p: f32| p.clamp(1e-7, 1.0 - 1e-7);
    match task {
        Task::Binary => y.iter().map(|&p| (clip(p) / (1.0 - clip(p))).ln()).collect(),
        Task::Multiclass => y.iter().map(|&p| clip(p).ln()).collect(),
        Task::Regression => y.to_vec(),
    }
}

/// [`run`] for an int8 model: the same figures, from its dequantised outputs.
fn run_int8(q: &QModel, a: &Args) -> Result<()> {
    let columns = Columns::Model {
        features: &q.features,
        model_label: &q.label,
        label_flag: a.label.as_deref(),
        need_label: true,
    };
    let mut rows = Rows::open(&a.data, columns)?;
    let features = rows.features.clone();
    let label = rows.label.clone().unwrap_or_default();
    let mut stats = ColumnStats::new(features.len());
    let mut scorer = Scorer::new(q.task, &q.classes);
    let path = a.data.clone();
    stream::for_each_chunk(&mut rows, &a.data, &mut stats, |chunk| -> Result<()> {
        for r in chunk {
            let (y, _) = q.net.predict(&r.x);
            let cell = r.label.as_deref().unwrap_or("");
            let answer = stream::answer(q.task, &q.classes, cell, &path, r.line, &label)?;
            scorer.add(&int8_logits(q.task, &y), &y, answer);
        }
        Ok(())
    })?;
    let f = scorer.figures().context("sorting the scores for the ROC AUC")?.expect("rows were read");
    if a.json {
        let mut j = serde_json::Map::new();
        j.insert("rows".into(), f.rows.into());
        j.insert("task".into(), q.task.name().into());
        j.insert("int8".into(), true.into());
        j.extend(figures_json(q.task, Some(&f), ""));
        println!("{}", serde_json::to_string_pretty(&j)?);
    } else {
        print!("{}", figures_text(&f));
    }
    Ok(())
}
