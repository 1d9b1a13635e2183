//! `tinymlp quantize`: post-training quantisation of an `f32` model to an int8 model.

use anyhow::{Context, Result};
use serde_json::{Map, Value, json};
use std::path::PathBuf;
use tinymlp::Layer;
use tinymlp_host::metrics::predicted_class;
use tinymlp_host::model_io::{self, Model};
use tinymlp_host::quantize::{ScalerMode, quantize_with};
use tinymlp_host::report::write_atomic;
use tinymlp_host::table::{self, Table, Task};
use tinymlp_net::QNet;

#[derive(clap::Args)]
pub struct Args {
    /// The `f32` model file (JSON or binary).
    #[arg(long)]
    model: PathBuf,
    /// CSV of training rows whose ranges calibrate the int8 tensors (raw values, as the
    /// model reads them).
    #[arg(long)]
    calibration: PathBuf,
    /// A labelled CSV to compare the two models on besides the calibration rows.
    #[arg(long)]
    test: Option<PathBuf>,
    /// The label column (default: the model's label column, else `label`).
    #[arg(long)]
    label: Option<String>,
    /// The int8 model file to write (JSON).
    #[arg(long)]
    out: PathBuf,
    /// Where the input scaler goes: folded into the first layer (`fold`), kept in `f32`
    /// before the input's quantisation (`float`), or whichever follows the `f32` model
    /// more closely on the calibration rows (`auto`).
    #[arg(long, value_enum, default_value_t = ScalerMode::Auto)]
    scaler: ScalerMode,
}

/// `f32` against int8 on one set of rows.
struct Comparison {
    rows: usize,
    f32_score: Option<f64>,
    int8_score: Option<f64>,
    max_difference: f32,
}

/// Accuracy (classification) or RMSE (regression) of both models, and the largest
/// difference between an `f32` output and the int8 model's dequantised output.
fn compare(m: &Model, q: &QNet, t: &Table) -> Result<Comparison> {
    let mut max_difference = 0.0f32;
    let (mut yf, mut yq) = (Vec::with_capacity(t.len()), Vec::with_capacity(t.len()));
    for x in &t.x {
        let (a, (b, _)) = (m.predict(x), q.predict(x));
        for (a, b) in a.iter().zip(&b) {
            max_difference = max_difference.max((a - b).abs());
        }
        yf.push(a);
        yq.push(b);
    }
    let (f32_score, int8_score) = match (m.task, &t.label) {
        (_, None) => (None, None),
        (Task::Regression, Some(_)) => {
            let y = table::encode_values(t)?;
            let rmse = |p: &[Vec<f32>]| {
                (p.iter().zip(&y).map(|(p, y)| ((p[0] - y) as f64).powi(2)).sum::<f64>() / y.len() as f64)
                    .sqrt()
            };
            (Some(rmse(&yf)), Some(rmse(&yq)))
        }
        (_, Some(_)) => {
            let y = table::encode_classes(t, &m.classes)?;
            let acc = |p: &[Vec<f32>]| {
                p.iter().zip(&y).filter(|(p, y)| predicted_class(p) == **y).count() as f64 / y.len() as f64
            };
            (Some(acc(&yf)), Some(acc(&yq)))
        }
    };
    Ok(Comparison { rows: t.len(), f32_score, int8_score, max_difference })
}

/// Quantises the model, writes it, and prints both models' figures.
pub fn run(a: Args) -> Result<()> {
    let m = model_io::load(&a.model)?;
    let calibration = super::eval::read_for(&m, &a.calibration, a.label.as_deref(), false)?;
    let (q, placed) =
        quantize_with(&m.net, &calibration.x, a.scaler).with_context(|| format!("{}", a.model.display()))?;
    let metric = if m.task == Task::Regression { "rmse" } else { "accuracy" };
    let mut sets = vec![("calibration", compare(&m, &q, &calibration)?)];
    if let Some(test) = &a.test {
        let t = super::eval::read_for(&m, test, a.label.as_deref(), true)?;
        sets.push(("test", compare(&m, &q, &t)?));
    }
    // Every f32 value the model holds: weights, biases, scaler, BatchNorm statistics.
    let mut f32_values = 0;
    m.net.describe(&mut |info| f32_values += info.trainable + info.non_trainable);
    let f32_bytes = 4 * f32_values;
    let mut meta = Map::new();
    for (k, v) in m.metadata(&[
        ("quantized_from", json!(a.model.display().to_string())),
        ("calibration_rows", json!(calibration.len())),
    ]) {
        meta.insert(k, v);
    }
    write_atomic(&a.out, &q.to_json(Some(Value::Object(meta))))
        .with_context(|| format!("{}", a.out.display()))?;
    println!(
        "parameters: f32 {f32_bytes} B, int8 {} B (+ {} B of requantisation constants)",
        q.parameter_bytes(),
        q.requant_bytes()
    );
    println!(
        "input scaler: {}",
        match placed {
            ScalerMode::Float => "kept in f32 before the input's quantisation (--scaler float)",
            _ => "folded into the first layer (--scaler fold)",
        }
    );
    for (name, c) in &sets {
        let score = |s: Option<f64>| s.map_or("-".into(), |s| format!("{s:.4}"));
        println!(
            "{name} ({} rows): {metric} f32 {}, int8 {}; largest output difference {:.6}",
            c.rows,
            score(c.f32_score),
            score(c.int8_score),
            c.max_difference
        );
    }
    println!("wrote {}", a.out.display());
    Ok(())
}
