//! `tinymlp import`: a TensorFlow Lite model (`.tflite`) as a tinymlp model file.

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::path::PathBuf;
use tinymlp_host::model_io::{FileFormat, Model};
use tinymlp_host::report::write_atomic;
use tinymlp_host::table::{Columns, classes_of, read_table};
use tinymlp_host::tflite::{Imported, import};

#[derive(clap::Args)]
pub struct Args {
    /// The `.tflite` file: a chain of FULLY_CONNECTED (fused NONE, RELU, RELU6), LOGISTIC,
    /// TANH, SOFTMAX, QUANTIZE, DEQUANTIZE and RESHAPE, float or int8; in a float file, a
    /// SUB and a MUL or DIV by constants after the input (Keras' Normalization).
    model: PathBuf,
    /// The tinymlp model file to write (JSON): a float model as `f32`, an int8 model as int8.
    #[arg(long)]
    out: PathBuf,
    /// A CSV of the data the model was trained on: its header names the features (every
    /// column but the label) and, for a classifier, its labels name the classes, sorted as
    /// scikit-learn's `LabelEncoder` sorts them (numerically when they are integers). Without
    /// it the features are `x0`, `x1`, … and the classes `0`, `1`, …
    #[arg(long)]
    data: Option<PathBuf>,
    /// The label column's name (default: `label`, or with `--data` the column `label`, else
    /// the last one).
    #[arg(long)]
    label: Option<String>,
    /// The class names in the order of the model's outputs, comma-separated (overrides the
    /// classes found by `--data`).
    #[arg(long, value_delimiter = ',')]
    classes: Option<Vec<String>>,
}

/// The metadata a user's data gives the imported model: features, label and classes.
fn metadata(a: &Args, inputs: usize, outputs: usize, classifier: bool) -> Result<Vec<(String, Value)>> {
    let mut meta = Vec::new();
    let mut classes = a.classes.clone();
    let mut label = a.label.clone();
    if let Some(path) = &a.data {
        let table = read_table(path, Columns::Training { label: a.label.as_deref() })?;
        if table.features.len() != inputs {
            bail!(
                "{}: {} feature columns ({}), the model takes {inputs} inputs",
                path.display(),
                table.features.len(),
                tinymlp_host::table::list(&table.features)
            );
        }
        meta.push(("features".into(), json!(table.features)));
        let labels = table.labels()?;
        label = Some(labels.name.clone());
        if classifier && classes.is_none() {
            classes = Some(classes_of(path, labels)?);
        }
    }
    if let Some(l) = label {
        meta.push(("label".into(), json!(l)));
    }
    if let Some(c) = classes {
        let want = if outputs == 1 { 2 } else { outputs };
        if !classifier || c.len() != want {
            bail!(
                "{} classes ({}) for a model with {outputs} output{}{}",
                c.len(),
                c.join(", "),
                if outputs == 1 { "" } else { "s" },
                if classifier { format!(": it needs {want}") } else { ": it is not a classifier".into() }
            );
        }
        meta.push(("classes".into(), json!(c)));
    }
    Ok(meta)
}

/// Reads the `.tflite` file and writes the tinymlp model.
pub fn run(a: Args) -> Result<()> {
    let bytes = std::fs::read(&a.model).with_context(|| format!("{}", a.model.display()))?;
    let source = a.model.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let imported = import(&bytes).with_context(|| format!("{}", a.model.display()))?;
    let mut meta = vec![
        ("imported_from".to_string(), json!(source)),
        ("written_by".to_string(), json!("tinymlp import")),
    ];
    let (inputs, outputs, classifier) = match &imported {
        Imported::Float(net) => (
            net.inputs(),
            net.outputs(),
            matches!(
                net.specs().last(),
                Some(tinymlp_net::LayerSpec::Dense {
                    activation: tinymlp::Activation::Sigmoid | tinymlp::Activation::Softmax,
                    ..
                })
            ),
        ),
        Imported::Int8(net) => (
            net.inputs(),
            net.outputs(),
            matches!(
                net.specs().last(),
                Some(tinymlp_net::QLayerSpec::Sigmoid { .. } | tinymlp_net::QLayerSpec::Softmax { .. })
            ),
        ),
    };
    meta.extend(metadata(&a, inputs, outputs, classifier)?);
    let (out, what) = match &imported {
        Imported::Float(net) => (
            Model::describe(net.clone()).encode(FileFormat::Json, &meta, "")?,
            format!("float model, {} inputs, {} outputs (f32)", net.inputs(), net.outputs()),
        ),
        Imported::Int8(net) => (
            net.to_json(Some(Value::Object(meta.into_iter().collect()))),
            format!(
                "int8 model, {} inputs, {} outputs, {} layers, {} B of parameters and {} B of requantisation constants",
                net.inputs(),
                net.outputs(),
                net.specs().len(),
                net.parameter_bytes(),
                net.requant_bytes()
            ),
        ),
    };
    write_atomic(&a.out, &out).with_context(|| format!("{}", a.out.display()))?;
    println!("{}: {what}; wrote {}", a.model.display(), a.out.display());
    Ok(())
}
