//! `tinymlp summary`: a model's Keras-like summary and memory figures.

use anyhow::Result;
use std::path::PathBuf;
use tinymlp_host::model_io;

#[derive(clap::Args)]
pub struct Args {
    /// Model file (JSON or binary).
    #[arg(long)]
    model: PathBuf,
}

/// Prints the summary and the memory figures.
pub fn run(a: Args) -> Result<()> {
    let m = model_io::load(&a.model)?;
    println!("{}", m.summary());
    println!("{}", m.memory());
    Ok(())
}
