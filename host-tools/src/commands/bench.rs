//! `tinymlp bench`: instructions per forward pass on the emulated boards.

use anyhow::Result;
use std::path::PathBuf;
use tinymlp_host::bench::{self, DeviceBench};
use tinymlp_host::board::{self, BOARDS, Board};
use tinymlp_host::device;
use tinymlp_host::report::write_json;

#[derive(clap::Args)]
pub struct Args {
    /// Boards (default: all five).
    #[arg(long, value_parser = board::parse)]
    board: Vec<Board>,
    /// Model file (JSON or binary).
    #[arg(long, default_value = "firmware/models/moons-mlp.json")]
    model: PathBuf,
    /// Forward passes to time.
    #[arg(long, default_value_t = 20)]
    reps: u32,
    /// Also write the results as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// Measures each board in the `release` profile (the pass, the layers) and the `small` one.
fn measure(board: Board, a: &Args, shapes: &[(usize, usize)]) -> Result<DeviceBench> {
    // The sizes, the stack and the pass from the inference firmware; the per-layer profile
    // from the same firmware built with the `profile` feature.
    let elf = device::build_firmware(board, &a.model, true)?;
    let mut r = bench::bench_board(board, &elf, shapes, a.reps)?;
    let profiled = device::build_firmware_with(board, &a.model, true, &["profile"])?;
    r.layers = bench::bench_board(board, &profiled, shapes, a.reps)?.layers;
    let small = device::build_firmware_profile(board, &a.model, true, &[], "small")?;
    let s = bench::bench_board(board, &small, shapes, a.reps)?;
    r.small = Some(bench::Variant {
        profile: "small",
        instructions_per_forward: s.instructions_per_forward,
        sizes: s.sizes,
        stack_high_water: s.stack_high_water,
    });
    Ok(r)
}

/// Measures every chosen board and prints the tables.
pub fn run(a: Args) -> Result<()> {
    let chosen: Vec<Board> = if a.board.is_empty() { BOARDS.to_vec() } else { a.board.clone() };
    let m = tinymlp_host::compare::load_host_model(&a.model).map_err(anyhow::Error::msg)?;
    let shapes = m.dense_shapes();
    let macs: usize = shapes.iter().map(|(i, o)| i * o).sum();
    super::require_qemu()?;
    println!(
        "| board | instructions / forward pass | instructions / MAC ({macs} MACs) | flash | static RAM | stack | `small` profile: instructions, flash, stack |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut all = Vec::new();
    for board in chosen {
        let r = measure(board, &a, &shapes)?;
        let small = r.small.as_ref().map_or(String::from("—"), |v| {
            format!("{:.0}, {} B, {} B", v.instructions_per_forward, v.sizes.flash, v.stack_high_water)
        });
        println!(
            "| {} ({}) | {:.0} | {:.2} | {} B | {} B | {} B | {small} |",
            r.board,
            r.core,
            r.instructions_per_forward,
            r.instructions_per_mac,
            r.sizes.flash,
            r.sizes.ram,
            r.stack_high_water
        );
        all.push(r);
    }
    println!();
    for r in &all {
        let (linked, computed) = (r.sizes.model, r.sizes.model_compile_time);
        let same = if linked == computed { "=" } else { "≠" };
        println!(
            "{}: the model in flash takes {linked} B (linker) {same} {computed} B (Footprint::MODEL_BYTES, compile time)",
            r.board
        );
    }
    println!();
    println!("Each dense layer's W·x + b on its own (instructions per call, per multiply-add):");
    println!();
    let header: Vec<String> = shapes.iter().map(|(i, o)| format!("{o}×{i}")).collect();
    println!("| board | {} | rest of the pass |", header.join(" | "));
    println!("|---|{}---|", "---|".repeat(shapes.len()));
    for r in &all {
        let cells: Vec<String> =
            r.layers.iter().map(|l| format!("{:.0} ({:.2})", l.instructions, l.per_mac)).collect();
        let dense: f64 = r.layers.iter().map(|l| l.instructions).sum();
        println!("| {} | {} | {:.0} |", r.board, cells.join(" | "), r.instructions_per_forward - dense);
    }
    if let Some(j) = &a.json {
        write_json(j, &all)?;
    }
    Ok(())
}
