//! `tinymlp predict`: a saved model's answer for each row of a CSV, read and written row by
//! row.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::PathBuf;
use tinymlp::numeric::Signal;
use tinymlp_host::metrics::{class_probabilities, predicted_class};
use tinymlp_host::model_io::{self, QModel};
use tinymlp_host::report::AtomicFile;
use tinymlp_host::stream;
use tinymlp_host::table::{ColumnStats, Columns, Rows, Task};
use tinymlp_net::Row;

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
/// Rows are read, run and written in chunks: memory stays constant whatever the file's
/// size. A row whose output is not finite stops the run with an error naming it (and
/// `--out` is not written).
pub fn run(a: Args) -> Result<()> {
    if let Some(q) = model_io::load_int8(&a.model)? {
        return run_int8(&q, &a);
    }
    let m = model_io::load(&a.model)?;
    super::eval::warn_overflow(&m, &a.model);
    let mut rows = Rows::open(&a.data, super::eval::columns(&m, a.label.as_deref(), false))?;
    let features = rows.features.clone();
    let mut header: Vec<String> = features.clone();
    match m.task {
        Task::Regression => header.push(format!("predicted_{}", m.label)),
        _ => {
            header.push("class".into());
            header.extend(m.classes.iter().map(|c| format!("p_{c}")));
        }
    }
    let mut stats = ColumnStats::new(features.len());
    let path = a.data.clone();
    let write = |w: &mut dyn Write, stats: &mut ColumnStats, rows: &mut Rows<std::fs::File>| -> Result<()> {
        let mut w = csv::Writer::from_writer(w);
        w.write_record(&header)?;
        let (mut zs, mut ys) = (Vec::new(), Vec::new());
        let mut rec: Vec<String> = Vec::new();
        stream::for_each_chunk(rows, &path, stats, |chunk| -> Result<()> {
            let xs: Vec<Row> = chunk.iter().map(|r| Row::from_slice(&r.x)).collect();
            let name = |i: usize| format!("{}, line {}", path.display(), chunk[i].line);
            stream::run_chunk(&m.net, &xs, &mut zs, &mut ys, &name)?;
            for (r, y) in chunk.iter().zip(&ys) {
                let y = y.as_slice();
                rec.clear();
                rec.extend(r.x.iter().map(|v| format!("{v:?}")));
                match m.task {
                    Task::Regression => rec.push(format!("{:?}", y[0])),
                    _ => {
                        rec.push(m.classes[predicted_class(y)].clone());
                        rec.extend(class_probabilities(y, m.classes.len()).iter().map(|p| format!("{p:?}")));
                    }
                }
                w.write_record(&rec)?;
            }
            Ok(())
        })?;
        w.flush()?;
        Ok(())
    };
    match &a.out {
        Some(p) => {
            let cannot = || format!("cannot write {}", p.display());
            let mut file = AtomicFile::create(p).with_context(cannot)?;
            write(&mut std::io::BufWriter::new(file.file()), &mut stats, &mut rows)?;
            file.commit().with_context(cannot)?;
        }
        None => write(&mut std::io::BufWriter::new(std::io::stdout().lock()), &mut stats, &mut rows)?,
    }
    super::eval::warn_drift(&m, &a.data, &features, &stats);
    Ok(())
}

/// [`run`] for an int8 model: the dequantised outputs as for an `f32` model, then the raw
/// int8 output codes in columns `q0`, `q1`, ….
fn run_int8(q: &QModel, a: &Args) -> Result<()> {
    let columns = Columns::Model {
        features: &q.features,
        model_label: &q.label,
        label_flag: a.label.as_deref(),
        need_label: false,
    };
    let mut rows = Rows::open(&a.data, columns)?;
    let mut header: Vec<String> = rows.features.clone();
    match q.task {
        Task::Regression => header.push(format!("predicted_{}", q.label)),
        _ => {
            header.push("class".into());
            header.extend(q.classes.iter().map(|c| format!("p_{c}")));
        }
    }
    header.extend((0..q.net.outputs()).map(|k| format!("q{k}")));
    let mut stats = ColumnStats::new(rows.features.len());
    let path = a.data.clone();
    let write = |w: &mut dyn Write, stats: &mut ColumnStats, rows: &mut Rows<std::fs::File>| -> Result<()> {
        let mut w = csv::Writer::from_writer(w);
        w.write_record(&header)?;
        let mut rec: Vec<String> = Vec::new();
        stream::for_each_chunk(rows, &path, stats, |chunk| -> Result<()> {
            for r in chunk {
                let (y, codes) = q.net.predict(&r.x);
                rec.clear();
                rec.extend(r.x.iter().map(|v| format!("{v:?}")));
                match q.task {
                    Task::Regression => rec.push(format!("{:?}", y[0])),
                    _ => {
                        rec.push(q.classes[predicted_class(&y)].clone());
                        rec.extend(class_probabilities(&y, q.classes.len()).iter().map(|p| format!("{p:?}")));
                    }
                }
                rec.extend(codes.iter().map(i8::to_string));
                w.write_record(&rec)?;
            }
            Ok(())
        })?;
        w.flush()?;
        Ok(())
    };
    match &a.out {
        Some(p) => {
            let cannot = || format!("cannot write {}", p.display());
            let mut file = AtomicFile::create(p).with_context(cannot)?;
            write(&mut std::io::BufWriter::new(file.file()), &mut stats, &mut rows)?;
            file.commit().with_context(cannot)?;
        }
        None => write(&mut std::io::BufWriter::new(std::io::stdout().lock()), &mut stats, &mut rows)?,
    }
    Ok(())
}
