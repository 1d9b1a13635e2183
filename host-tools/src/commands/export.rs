//! `tinymlp export`: a model file converted to JSON, binary, or Rust source.

use anyhow::Result;
use std::path::PathBuf;
use tinymlp_host::model_io::{self, FileFormat};

#[derive(clap::Args)]
pub struct Args {
    /// Model file (JSON or binary).
    #[arg(long)]
    model: PathBuf,
    /// Output format.
    #[arg(long, value_enum)]
    format: FileFormat,
    /// Output file.
    #[arg(long)]
    out: PathBuf,
}

/// Writes the model in the chosen format (JSON keeps the metadata: task, classes,
/// features, label and the rest).
pub fn run(a: Args) -> Result<()> {
    if let Some(q) = model_io::load_int8(&a.model)? {
        // An int8 model is written as JSON (with its metadata) or as Rust source; it has no
        // binary file.
        let (bytes, what) = match a.format {
            FileFormat::Json => {
                (q.net.to_json(Some(serde_json::Value::Object(q.metadata.clone()))), "int8 JSON")
            }
            FileFormat::Rust => (
                tinymlp_host::rust_q8::rust_source(&q.net, &a.model.display().to_string()).into_bytes(),
                "Rust source of the int8 model",
            ),
            FileFormat::Bin => anyhow::bail!(
                "{}: int8 models are written as JSON or Rust source (--format json or rust)",
                a.model.display()
            ),
        };
        tinymlp_host::report::write_atomic(&a.out, &bytes)?;
        println!("wrote {} ({what})", a.out.display());
        return Ok(());
    }
    let m = model_io::load(&a.model)?;
    m.save(&a.out, a.format, &m.metadata(&[]), &a.model.display().to_string())?;
    let what = match a.format {
        FileFormat::Json => "JSON model file",
        FileFormat::Bin => "binary model file",
        FileFormat::Rust => "Rust source",
    };
    println!("wrote {} ({what})", a.out.display());
    Ok(())
}
