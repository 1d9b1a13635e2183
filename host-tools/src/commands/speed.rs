//! `tinymlp speed`: the host workloads of the peers' comparison, timed.

use anyhow::{Context, Result};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Runs of each workload.
    #[arg(long, default_value_t = 15)]
    runs: usize,
    /// Print JSON (for bench/peers.py).
    #[arg(long)]
    json: bool,
    /// Also write the workloads' rows here, as CSV (x0, x1, label): bench/peers.py runs its
    /// peers on them.
    #[arg(long)]
    moons_csv: Option<PathBuf>,
}

/// Times the workloads and prints the medians.
pub fn run(a: Args) -> Result<()> {
    if let Some(p) = &a.moons_csv {
        tinymlp_host::data::write_csv(p, &tinymlp_host::speed::workload_moons())
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    let s = tinymlp_host::speed::measure(a.runs.max(1));
    if a.json {
        println!("{}", serde_json::to_string(&s)?);
        return Ok(());
    }
    println!("seed MLP epoch (Adam, BatchNorm, Dropout, validation): {:.3} ms", s.seed_mlp_epoch * 1e3);
    println!("plain MLP epoch (SGD): {:.3} ms", s.plain_mlp_epoch_sgd * 1e3);
    println!("plain MLP, one row: {:.0} ns", s.plain_infer_one_row * 1e9);
    println!("plain MLP, 100k rows: {:.2} M rows/s", s.plain_infer_rows_per_s / 1e6);
    println!("seed MLP, 100k rows: {:.2} M rows/s", s.seed_infer_rows_per_s / 1e6);
    println!(
        "plain MLP, 100k rows, {} threads: {:.2} M rows/s",
        s.threads,
        s.plain_infer_rows_per_s_threads / 1e6
    );
    println!(
        "seed MLP, 100k rows, {} threads: {:.2} M rows/s",
        s.threads,
        s.seed_infer_rows_per_s_threads / 1e6
    );
    Ok(())
}
