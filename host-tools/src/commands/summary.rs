//! `tinymlp summary`: a model's Keras-like summary, what it was trained on, and its memory.

use anyhow::Result;
use serde_json::json;
use std::path::PathBuf;
use tinymlp::Layer;
use tinymlp::layers::LayerKind;
use tinymlp_host::model_io::{self, QModel};
use tinymlp_net::QLayerSpec;

#[derive(clap::Args)]
pub struct Args {
    /// Model file (JSON or binary).
    #[arg(long)]
    model: PathBuf,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// Prints the summary and the memory figures.
pub fn run(a: Args) -> Result<()> {
    if let Some(q) = model_io::load_int8(&a.model)? {
        return run_int8(&q, a.json);
    }
    let m = model_io::load(&a.model)?;
    super::eval::warn_overflow(&m, &a.model);
    // The counts come from the network's description (a run-time network has no
    // compile-time footprint).
    let (mut trainable, mut non_trainable) = (0usize, 0usize);
    let mut layers = Vec::new();
    let mut widest = m.net.inputs();
    m.net.describe(&mut |info| {
        trainable += info.trainable;
        non_trainable += info.non_trainable;
        widest = widest.max(info.outputs);
        let mut l = json!({
            "kind": info.kind.names().file,
            "inputs": info.inputs,
            "outputs": info.outputs,
            "trainable": info.trainable,
            "non_trainable": info.non_trainable,
        });
        match info.kind {
            LayerKind::Dense(act) => {
                l["activation"] = json!(act.name());
                if let Some(alpha) = act.alpha() {
                    l["alpha"] = json!(alpha);
                }
            }
            LayerKind::BatchNorm { momentum, epsilon } => {
                l["momentum"] = json!(momentum);
                l["epsilon"] = json!(epsilon);
            }
            LayerKind::Dropout { rate } => l["rate"] = json!(rate),
            LayerKind::Normalization => {}
            LayerKind::Residual { layers } => l["layers"] = json!(layers),
        }
        layers.push(l);
    });
    let id = format!("{:#010x}", m.id()?);
    let f = 4; // bytes per f32
    if a.json {
        let j = json!({
            "model_id": id,
            "inputs": m.net.inputs(),
            "outputs": m.net.outputs(),
            "task": m.task.name(),
            "classes": m.classes,
            "features": m.features,
            "label": m.label,
            "trainable": trainable,
            "non_trainable": non_trainable,
            "memory_bytes": {
                "model": (trainable + non_trainable) * f,
                "parameters": trainable * f,
                "gradients": trainable * f,
                "adam_state": 2 * trainable * f,
                "largest_activation": widest * f,
            },
            "layers": layers,
        });
        println!("{}", serde_json::to_string_pretty(&j)?);
        return Ok(());
    }
    let name =
        a.model.file_stem().map_or_else(|| a.model.display().to_string(), |s| s.to_string_lossy().into());
    println!("Model: \"{name}\"");
    println!("{}", tinymlp::Summary(&m.net));
    println!("model id {id}");
    println!("task {}", m.task.name());
    if !m.classes.is_empty() {
        println!("classes {}", m.classes.join(", "));
    }
    println!("features ({}) {}", m.features.len(), m.features.join(", "));
    println!("label {}", m.label);
    println!(
        "memory (bytes): model {}, parameters {}, gradients {}, Adam state {}, largest activation {}",
        (trainable + non_trainable) * f,
        trainable * f,
        trainable * f,
        2 * trainable * f,
        widest * f
    );
    Ok(())
}

/// [`run`] for an int8 model: each layer with its sizes, parameter bytes and output
/// quantisation, then the model's bytes.
fn run_int8(q: &QModel, json: bool) -> Result<()> {
    let input = q.net.input();
    let mut width = q.net.inputs();
    let mut layers = Vec::new();
    for spec in q.net.specs() {
        let out = spec.output();
        let (inputs, bytes, activation) = match spec {
            QLayerSpec::Dense { inputs, units, activation, .. } => {
                let b = inputs * units + 4 * units;
                width = *units;
                (*inputs, b, json!(activation))
            }
            _ => (width, 0, json!(null)),
        };
        layers.push(json!({
            "kind": spec.name(),
            "inputs": inputs,
            "outputs": width,
            "activation": activation,
            "parameter_bytes": bytes,
            "output_scale": out.scale,
            "output_zero_point": out.zero_point,
        }));
    }
    if json {
        let j = json!({
            "int8": true,
            "inputs": q.net.inputs(),
            "outputs": q.net.outputs(),
            "input_scale": input.scale,
            "input_zero_point": input.zero_point,
            "input_scaler": q.net.scaler().map(|(mean, scale)| json!({"mean": mean, "scale": scale})),
            "task": q.task.name(),
            "classes": q.classes,
            "features": q.features,
            "label": q.label,
            "memory_bytes": {
                "parameters": q.net.parameter_bytes(),
                "requantisation": q.net.requant_bytes(),
            },
            "layers": layers,
        });
        println!("{}", serde_json::to_string_pretty(&j)?);
        return Ok(());
    }
    println!(
        "int8 model: {} inputs (scale {}, zero point {})",
        q.net.inputs(),
        input.scale,
        input.zero_point
    );
    if q.net.scaler().is_some() {
        println!("input scaler: (x − mean) / scale per feature in f32, before the input's quantisation");
    }
    println!(
        "{:<12} {:>7} {:>8} {:>11} {:>10}  output (scale, zero point)",
        "layer", "inputs", "outputs", "activation", "bytes"
    );
    for l in &layers {
        println!(
            "{:<12} {:>7} {:>8} {:>11} {:>10}  ({}, {})",
            l["kind"].as_str().unwrap_or(""),
            l["inputs"].to_string(),
            l["outputs"].to_string(),
            l["activation"].as_str().unwrap_or("-"),
            l["parameter_bytes"].to_string(),
            l["output_scale"],
            l["output_zero_point"]
        );
    }
    println!("task {}", q.task.name());
    if !q.classes.is_empty() {
        println!("classes {}", q.classes.join(", "));
    }
    println!("features ({}) {}", q.features.len(), q.features.join(", "));
    println!("label {}", q.label);
    println!(
        "memory (bytes): parameters {} (int8 weights, i32 biases), requantisation constants {}",
        q.net.parameter_bytes(),
        q.net.requant_bytes()
    );
    Ok(())
}
