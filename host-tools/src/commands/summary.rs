//! `tinymlp summary`: a model's Keras-like summary, what it was trained on, and its memory.

use anyhow::Result;
use serde_json::json;
use std::path::PathBuf;
use tinymlp::Layer;
use tinymlp::layers::LayerKind;
use tinymlp_host::model_io;

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
