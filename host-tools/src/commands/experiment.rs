//! `tinymlp experiment`: one of the tutorial's experiments, or all of them.

use anyhow::Result;
use clap::ValueEnum;
use std::path::PathBuf;
use tinymlp_host::experiments::{self, Experiment};

#[derive(clap::Args)]
pub struct Args {
    /// Which experiment; all of them when omitted.
    #[arg(value_enum)]
    name: Option<Experiment>,
    /// Output directory.
    #[arg(long, default_value = "experiments")]
    out: PathBuf,
    /// A smaller, faster version.
    #[arg(long)]
    quick: bool,
}

/// Runs the experiments, printing each one's table and conclusion.
pub fn run(a: Args) -> Result<()> {
    let all: Vec<Experiment> = match a.name {
        Some(e) => vec![e],
        None => Experiment::value_variants().to_vec(),
    };
    for e in all {
        let f = experiments::run(e, a.quick, &a.out)?;
        println!("== {} ==", f.name);
        for r in &f.rows {
            println!("  {}", r.join(" | "));
        }
        println!("  {}", f.conclusion);
        println!("  wrote {}/{}.{{png,md,json}}", a.out.display(), f.name);
    }
    Ok(())
}
