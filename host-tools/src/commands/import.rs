//! `tinymlp import`: a TensorFlow Lite model (`.tflite`) as a tinymlp model file.

use anyhow::{Context, Result};
use serde_json::json;
use std::path::PathBuf;
use tinymlp::io::Meta;
use tinymlp_host::report::write_atomic;
use tinymlp_host::tflite::{Imported, import};

#[derive(clap::Args)]
pub struct Args {
    /// The `.tflite` file: a chain of FULLY_CONNECTED (fused NONE, RELU, RELU6), LOGISTIC,
    /// TANH, SOFTMAX, QUANTIZE, DEQUANTIZE and RESHAPE, float or int8.
    model: PathBuf,
    /// The tinymlp model file to write (JSON): a float model as `f32`, an int8 model as int8.
    #[arg(long)]
    out: PathBuf,
}

/// Reads the `.tflite` file and writes the tinymlp model.
pub fn run(a: Args) -> Result<()> {
    let bytes = std::fs::read(&a.model).with_context(|| format!("{}", a.model.display()))?;
    let source = a.model.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let imported = import(&bytes).with_context(|| format!("{}", a.model.display()))?;
    let (out, what) = match &imported {
        Imported::Float(net) => {
            let meta = [("imported_from", Meta::Text(&source)), ("written_by", Meta::Text("tinymlp import"))];
            (
                net.to_json(&meta)?,
                format!("float model, {} inputs, {} outputs (f32)", net.inputs(), net.outputs()),
            )
        }
        Imported::Int8(net) => (
            net.to_json(Some(json!({"imported_from": source, "written_by": "tinymlp import"}))),
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
